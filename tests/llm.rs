//! The LLM client against a local server in the OpenAI wire format: bounded
//! concurrency, 429 with Retry-After, 500s, timeouts, malformed and
//! reasoning-only answers; and a job that degrades instead of failing.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::openai::{Reply, serve};
use habitd::config::{LlmConfig, Secret};
use habitd::llm::{Llm, LlmError, Prompt};

fn config(url: &str, concurrency: usize, timeout: Duration, retries: u32) -> LlmConfig {
    LlmConfig {
        base_url: url.to_owned(),
        api_key: Some(Secret::new("sk-test")),
        model: "test-model".into(),
        concurrency,
        timeout,
        max_tokens: 200,
        max_retries: retries,
        phase_timeout: Duration::from_secs(60),
        max_answer_bytes: 65536,
    }
}

fn prompts(n: usize) -> Vec<Prompt> {
    (0..n)
        .map(|i| Prompt {
            kind: "routine".into(),
            title: format!("Kitchen light on at 06:{i:02}"),
            description: "Seen on 18 of 20 weekdays.".into(),
            entities: vec!["Kitchen light".into()],
        })
        .collect()
}

#[tokio::test]
async fn requests_run_in_parallel_up_to_the_limit_and_count_tokens() {
    let (url, seen) =
        serve(|n| Reply::wording(&format!("Title {n}")).after(Duration::from_millis(300))).await;
    let llm = Llm::new(&config(&url, 4, Duration::from_secs(5), 0)).unwrap();
    let (results, usage) = llm.word_all(prompts(10)).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(
        seen.max_in_flight.load(Ordering::SeqCst),
        4,
        "at most, and at least, 4 at once"
    );
    assert_eq!(
        (usage.requests, usage.prompt_tokens, usage.completion_tokens),
        (10, 1000, 200)
    );
    // What was sent: the model, JSON mode, the compact summary, the key.
    let body = seen.bodies.lock().unwrap()[0].clone();
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["response_format"]["type"], "json_object");
    let user = body["messages"][1]["content"].as_str().unwrap();
    assert!(
        user.contains("Kitchen light") && user.contains("18 of 20"),
        "{user}"
    );
    assert_eq!(
        seen.auth.lock().unwrap()[0].as_deref(),
        Some("Bearer sk-test")
    );
}

#[tokio::test]
async fn a_429_is_retried_after_the_time_it_asks_for() {
    let (url, seen) = serve(|n| {
        if n == 0 {
            Reply::status(429, Some(1))
        } else {
            Reply::wording("Later")
        }
    })
    .await;
    let llm = Llm::new(&config(&url, 1, Duration::from_secs(5), 3)).unwrap();
    let (result, usage) = llm.word(&prompts(1)[0]).await;
    assert_eq!(result.unwrap().title, "Later");
    assert_eq!((usage.requests, usage.retries), (2, 1));
    let arrivals = seen.arrivals.lock().unwrap().clone();
    assert!(
        arrivals[1] - arrivals[0] >= Duration::from_millis(950),
        "Retry-After: 1 was not honoured"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let (url, seen) = serve(|_| Reply::status(500, None)).await;
    let llm = Llm::new(&config(&url, 1, Duration::from_secs(5), 2)).unwrap();
    let (result, usage) = llm.word(&prompts(1)[0]).await;
    assert!(
        matches!(result, Err(LlmError::Status { status: 500, .. })),
        "{result:?}"
    );
    assert_eq!(
        (seen.requests.load(Ordering::SeqCst), usage.retries),
        (3, 2)
    );
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let (url, seen) = serve(|_| Reply::status(401, None)).await;
    let llm = Llm::new(&config(&url, 1, Duration::from_secs(5), 3)).unwrap();
    assert!(llm.word(&prompts(1)[0]).await.0.is_err());
    assert_eq!(seen.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let (url, _) = serve(|_| Reply::wording("too late").after(Duration::from_secs(30))).await;
    let llm = Llm::new(&config(&url, 1, Duration::from_millis(300), 0)).unwrap();
    assert_eq!(llm.word(&prompts(1)[0]).await.0, Err(LlmError::Timeout));
}

#[tokio::test]
async fn a_huge_answer_is_refused_unread() {
    let (url, _) = serve(|_| Reply::content(&"x".repeat(10 * 1024 * 1024))).await;
    let llm = Llm::new(&config(&url, 1, Duration::from_secs(5), 0)).unwrap();
    let (result, _) = llm.word(&prompts(1)[0]).await;
    assert!(
        matches!(&result, Err(LlmError::Invalid(why)) if why.contains("more than 65536 bytes")),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_whole_phase_ends_at_its_deadline() {
    // Every answer takes 30 s; four prompts, one at a time, would take two
    // minutes. The phase ends after its 1 s, each prompt saying why.
    let (url, _) = serve(|_| Reply::wording("Slow").after(Duration::from_secs(30))).await;
    let mut config = config(&url, 1, Duration::from_secs(60), 0);
    config.phase_timeout = Duration::from_secs(1);
    let llm = Llm::new(&config).unwrap();
    let started = std::time::Instant::now();
    let (results, usage) = llm.word_all(prompts(4)).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        results.iter().all(|r| *r == Err(LlmError::Deadline)),
        "{results:?}"
    );
    assert_eq!(usage.failed, 4);
}

#[tokio::test]
async fn malformed_cut_off_and_reasoning_only_answers() {
    let replies = [
        Reply::content("The kitchen light turns on every morning."),
        Reply {
            body: "{not json".into(),
            ..Reply::status(200, None)
        },
        Reply::completion(
            serde_json::json!({"role": "assistant", "content": "{\"title\": \"Cut"}),
            "length",
        ),
        Reply::completion(
            serde_json::json!({"role": "assistant", "content": "",
                "reasoning_content": "The user wants JSON. {\"title\": \"Morning light\", \"description\": \"Weekdays at 06:45.\"}"}),
            "stop",
        ),
    ];
    let (url, _) = serve(move |n| replies[n.min(3)].clone()).await;
    let llm = Llm::new(&config(&url, 1, Duration::from_secs(5), 0)).unwrap();
    let (results, usage) = llm.word_all(prompts(4)).await;
    assert!(
        matches!(results[0], Err(LlmError::Invalid(_))),
        "{:?}",
        results[0]
    );
    assert!(
        matches!(results[1], Err(LlmError::Invalid(_))),
        "{:?}",
        results[1]
    );
    assert!(
        matches!(results[2], Err(LlmError::Invalid(_))),
        "{:?}",
        results[2]
    );
    assert_eq!(
        results[3].as_ref().map(|w| w.title.as_str()),
        Ok("Morning light")
    );
    assert_eq!(usage.failed, 3);
}

async fn analyze_with_llm(url: &str) -> (serde_json::Value, Vec<serde_json::Value>) {
    let dir = tempfile::tempdir().unwrap();
    let mut env = common::base_env(1, dir.path());
    env.push(("HABITD__LLM__BASE_URL".into(), url.to_owned()));
    env.push(("HABITD__LLM__MODEL".into(), "test-model".into()));
    env.push(("HABITD__LLM__MAX_RETRIES".into(), "1".into()));
    let file = common::kitchen_history(dir.path());
    let run = |args: Vec<String>| {
        let mut command = tokio::process::Command::from(common::habitd(&env));
        command.args(args);
        command
    };
    let out = run(vec!["import".into(), file.display().to_string()])
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    let out = run(vec!["analyze".into(), "--json".into()])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = serde_json::from_slice(&out.stdout).unwrap();
    let out = run(vec!["suggestions".into(), "list".into(), "--json".into()])
        .output()
        .await
        .unwrap();
    (status, serde_json::from_slice(&out.stdout).unwrap())
}

#[tokio::test]
async fn a_failing_llm_degrades_the_job_and_keeps_every_suggestion() {
    let (url, _) = serve(|_| Reply::status(503, Some(0))).await;
    let (status, suggestions) = analyze_with_llm(&url).await;
    assert_eq!(status["state"], "degraded", "{status:#}");
    assert!(
        status["error"].as_str().unwrap().contains("LLM"),
        "{status:#}"
    );
    assert_eq!(
        status["counts"]["llm_failed"],
        status["counts"]["suggestions"]
    );
    assert!(!suggestions.is_empty());
    assert!(suggestions.iter().all(|s| {
        s["worded_by"] == "habitd"
            && s["title"]
                .as_str()
                .unwrap()
                .starts_with("Turn on the kitchen")
    }));
}

/// The model rewords descriptions; titles and automation aliases keep
/// habitd's words, which say what the automation does.
#[tokio::test]
async fn a_working_llm_rewords_descriptions_but_not_titles_or_automations() {
    let (url, _) = serve(|_| Reply::wording("Bright weekday mornings")).await;
    let (status, suggestions) = analyze_with_llm(&url).await;
    assert_eq!(status["state"], "succeeded", "{status:#}");
    assert!(
        status["counts"]["llm_prompt_tokens"].as_u64() >= Some(100),
        "{status:#}"
    );
    let on = suggestions
        .iter()
        .find(|s| s["id"] == "habitd_routine_light_kitchen_on_weekdays")
        .unwrap();
    assert_eq!(
        (on["description"].as_str(), on["worded_by"].as_str()),
        (Some("A description."), Some("test-model"))
    );
    let title = on["title"].as_str().unwrap();
    assert!(title.starts_with("Turn on the kitchen light"), "{title}");
    assert_eq!(
        on["automation"]["actions"][0]["target"]["entity_id"],
        "light.kitchen"
    );
    assert_eq!(on["automation"]["alias"], title);
}

/// An injected answer that names another action or device is discarded:
/// "Unlock the front door" never describes a light.
#[tokio::test]
async fn a_description_naming_another_action_is_discarded() {
    let (url, _) = serve(|_| {
        Reply::content(
            &serde_json::json!({
                "title": "Unlock the front door",
                "description": "Unlocks the front door every morning."
            })
            .to_string(),
        )
    })
    .await;
    let (status, suggestions) = analyze_with_llm(&url).await;
    assert_eq!(status["state"], "degraded", "{status:#}");
    assert!(
        suggestions.iter().all(|s| s["worded_by"] == "habitd"
            && !s["description"].as_str().unwrap().contains("nlock")
            && !s["title"].as_str().unwrap().contains("nlock")),
        "{suggestions:#?}"
    );
}
