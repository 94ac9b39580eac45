//! Optional wording by any OpenAI-compatible chat completions endpoint.
//!
//! The model only rephrases a suggestion's title and description from a
//! compact summary (the finding's kind, habitd's own title and description,
//! and the names of the entities involved); it never sees raw history, and
//! nothing it says reaches an automation. Its answer must be a JSON object
//! with a short `title` and `description`; anything else (prose, a cut-off
//! answer, a reasoning model's empty `content`) is discarded and habitd's
//! deterministic text stays.
//!
//! One `reqwest` client serves every request; at most `llm.concurrency`
//! requests are in flight; each has `llm.timeout`; 429, 5xx, timeouts and
//! broken connections are retried up to `llm.max_retries` times with
//! exponential backoff and jitter, honouring `Retry-After`. The whole run
//! ends at `llm.phase_timeout`, and no answer is read past
//! `llm.max_answer_bytes`: a slow or hostile endpoint costs bounded time
//! and memory.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::config::LlmConfig;
use crate::http::{self, Capped};

/// What the model is asked to reword.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub kind: String,
    pub title: String,
    pub description: String,
    /// Friendly names of the entities involved.
    pub entities: Vec<String>,
}

/// A validated answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Wording {
    pub title: String,
    pub description: String,
}

/// Token and call counts, for the job status.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub requests: u64,
    pub retries: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("the LLM answered {status}: {body}")]
    Status {
        status: u16,
        body: String,
        retry_after: Option<Duration>,
    },
    #[error("the LLM did not answer within the timeout")]
    Timeout,
    #[error("the LLM phase ran out of time (llm.phase_timeout)")]
    Deadline,
    #[error("cannot reach the LLM: {0}")]
    Transport(String),
    #[error("unusable LLM answer: {0}")]
    Invalid(String),
}

impl LlmError {
    fn retryable(&self) -> bool {
        match self {
            LlmError::Status { status, .. } => *status == 429 || *status >= 500,
            LlmError::Timeout | LlmError::Transport(_) => true,
            LlmError::Invalid(_) | LlmError::Deadline => false,
        }
    }
}

const SYSTEM: &str = "You write short, friendly titles and descriptions for Home Assistant automation \
suggestions. Keep every fact (times, counts, names); invent nothing. Answer with only a JSON object: \
{\"title\": \"at most 70 characters\", \"description\": \"one or two sentences, at most 300 characters\"}.";

#[derive(Debug, Clone)]
pub struct Llm {
    http: reqwest::Client,
    config: Arc<LlmConfig>,
}

#[derive(Deserialize)]
struct WireAnswer {
    #[serde(default)]
    choices: Vec<WireChoice>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireChoice {
    message: Option<WireMessage>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    content: Option<String>,
    reasoning_content: Option<String>,
}

#[derive(Deserialize, Default, Clone, Copy)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

impl Llm {
    pub fn new(config: &LlmConfig) -> anyhow::Result<Llm> {
        crate::config::install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("habitd/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Llm {
            http,
            config: Arc::new(config.clone()),
        })
    }

    /// Rewords all prompts, at most `llm.concurrency` at a time. Each result
    /// is the wording or why there is none; the order matches `prompts`.
    pub async fn word_all(&self, prompts: Vec<Prompt>) -> (Vec<Result<Wording, LlmError>>, Usage) {
        let permits = Arc::new(Semaphore::new(self.config.concurrency));
        let mut tasks = tokio::task::JoinSet::new();
        let count = prompts.len();
        let deadline = tokio::time::Instant::now() + self.config.phase_timeout;
        for (index, prompt) in prompts.into_iter().enumerate() {
            let (llm, permits) = (self.clone(), permits.clone());
            tasks.spawn(async move {
                let worded = async {
                    let _permit = permits.acquire_owned().await;
                    llm.word(&prompt).await
                };
                match tokio::time::timeout_at(deadline, worded).await {
                    Ok(result) => (index, result),
                    Err(_) => (index, (Err(LlmError::Deadline), Usage::default())),
                }
            });
        }
        let mut results: Vec<Result<Wording, LlmError>> = (0..count)
            .map(|_| Err(LlmError::Transport("not attempted".into())))
            .collect();
        let mut usage = Usage::default();
        while let Some(joined) = tasks.join_next().await {
            let Ok((index, (result, used))) = joined else {
                continue;
            };
            usage.prompt_tokens += used.prompt_tokens;
            usage.completion_tokens += used.completion_tokens;
            usage.requests += used.requests;
            usage.retries += used.retries;
            usage.failed += u64::from(result.is_err());
            results[index] = result;
        }
        (results, usage)
    }

    /// One prompt, with retries.
    pub async fn word(&self, prompt: &Prompt) -> (Result<Wording, LlmError>, Usage) {
        let mut usage = Usage::default();
        let mut delays = backoff(self.config.max_retries);
        loop {
            usage.requests += 1;
            let result = self.request(prompt).await;
            let error = match result {
                Ok((wording, used)) => {
                    usage.prompt_tokens += used.prompt_tokens;
                    usage.completion_tokens += used.completion_tokens;
                    return (wording, usage);
                }
                Err(e) => e,
            };
            let Some(delay) = delays.next().filter(|_| error.retryable()) else {
                return (Err(error), usage);
            };
            let wait = match &error {
                LlmError::Status {
                    retry_after: Some(after),
                    ..
                } => (*after).min(Duration::from_secs(60)),
                _ => delay,
            };
            tracing::debug!(error = %error, ?wait, "retrying the LLM");
            tokio::time::sleep(wait).await;
            usage.retries += 1;
        }
    }

    /// One HTTP request: the outer error is the transport's or the status's,
    /// the inner result is about the answer.
    async fn request(
        &self,
        prompt: &Prompt,
    ) -> Result<(Result<Wording, LlmError>, WireUsage), LlmError> {
        let body = json!({
            "model": self.config.model,
            "messages": [
                { "role": "system", "content": SYSTEM },
                { "role": "user", "content": json!({
                    "kind": prompt.kind,
                    "title": prompt.title,
                    "description": prompt.description,
                    "entities": prompt.entities,
                }).to_string() },
            ],
            "max_tokens": self.config.max_tokens,
            "temperature": 0.2,
            "response_format": { "type": "json_object" },
        });
        let mut request = self
            .http
            .post(format!("{}/chat/completions", self.config.base_url))
            .json(&body);
        if let Some(key) = &self.config.api_key {
            request = request.bearer_auth(key.expose());
        }
        let response = request.send().await.map_err(|e| {
            if e.is_timeout() {
                LlmError::Timeout
            } else {
                LlmError::Transport(e.to_string())
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = read_capped(response, 4096)
                .await
                .map(|bytes| String::from_utf8_lossy(&bytes).chars().take(200).collect())
                .unwrap_or_default();
            return Err(LlmError::Status {
                status: status.as_u16(),
                body,
                retry_after,
            });
        }
        let bytes = read_capped(response, self.config.max_answer_bytes).await?;
        let answer: WireAnswer = match serde_json::from_slice(&bytes) {
            Ok(a) => a,
            Err(e) => {
                return Ok((
                    Err(LlmError::Invalid(format!("not a chat completion: {e}"))),
                    WireUsage::default(),
                ));
            }
        };
        let usage = answer.usage.unwrap_or_default();
        Ok((validate(&answer), usage))
    }
}

/// Words of an action, by what they do. A description may use a group only
/// where habitd's own text does: the model rewords, it does not decide.
const ACTIONS: &[&[&str]] = &[
    &["unlock", "unlocks", "unlocked", "unlocking"],
    &["lock", "locks", "locked", "locking"],
    &["open", "opens", "opened", "opening"],
    &["close", "closes", "closed", "closing", "shut", "shuts"],
    &["disarm", "disarms", "disarmed", "disarming"],
    &["arm", "arms", "armed", "arming"],
    &["heat", "heats", "heating", "heater", "warm", "warms"],
    &["off"],
    &["start", "starts", "started"],
    &["stop", "stops", "stopped"],
];

/// Whether `candidate` (the model's text) says no more than `original`
/// (habitd's): no action word `original` lacks, and none of `others` (the
/// names of devices the suggestion is not about) unless `original` has it.
pub fn faithful(original: &str, candidate: &str, others: &[String]) -> Result<(), String> {
    let words = |text: &str| -> Vec<String> {
        text.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (before, after) = (words(original), words(candidate));
    for group in ACTIONS {
        let says = |list: &[String]| list.iter().any(|w| group.contains(&w.as_str()));
        if says(&after) && !says(&before) {
            return Err(format!("it says {:?}, which habitd did not", group[0]));
        }
    }
    let (original, candidate) = (original.to_lowercase(), candidate.to_lowercase());
    for name in others {
        let name = name.to_lowercase().replace('_', " ");
        if name.len() >= 4 && candidate.contains(&name) && !original.contains(&name) {
            return Err(format!("it names {name:?}, another device"));
        }
    }
    Ok(())
}

/// [`http::read_capped`], its failures as the LLM's.
async fn read_capped(response: reqwest::Response, limit: usize) -> Result<Vec<u8>, LlmError> {
    http::read_capped(response, limit)
        .await
        .map_err(|e| match e {
            Capped::TooLong => LlmError::Invalid(format!("an answer of more than {limit} bytes")),
            Capped::Transport(e) if e.is_timeout() => LlmError::Timeout,
            Capped::Transport(e) => LlmError::Transport(e.to_string()),
        })
}

fn validate(answer: &WireAnswer) -> Result<Wording, LlmError> {
    let choice = answer
        .choices
        .first()
        .ok_or_else(|| LlmError::Invalid("no choices".into()))?;
    if choice.finish_reason.as_deref() == Some("length") {
        return Err(LlmError::Invalid(
            "the answer was cut off (finish_reason: length)".into(),
        ));
    }
    let message = choice
        .message
        .as_ref()
        .ok_or_else(|| LlmError::Invalid("no message".into()))?;
    // Reasoning models may leave `content` empty and put everything in
    // `reasoning_content`; the JSON object, if any, is then at its end.
    let text = match message.content.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => text.to_owned(),
        _ => message.reasoning_content.clone().unwrap_or_default(),
    };
    let object = json_object(&text)
        .ok_or_else(|| LlmError::Invalid(format!("no JSON object in {:.80?}", text)))?;
    let field = |name: &str, max: usize| -> Result<String, LlmError> {
        let value = object
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or_default();
        if value.is_empty()
            || value.chars().count() > max
            || (name == "title" && value.contains('\n'))
        {
            return Err(LlmError::Invalid(format!(
                "{name} missing, too long or on several lines"
            )));
        }
        Ok(value.to_owned())
    };
    Ok(Wording {
        title: field("title", 80)?,
        description: field("description", 400)?,
    })
}

/// The last `{…}` in `text` that parses as a JSON object (models wrap JSON in
/// code fences or prose).
fn json_object(text: &str) -> Option<serde_json::Map<String, Value>> {
    let end = text.rfind('}')?;
    text.match_indices('{')
        .filter(|(start, _)| *start < end)
        .find_map(|(start, _)| {
            serde_json::from_str::<Value>(&text[start..=end])
                .ok()?
                .as_object()
                .cloned()
        })
}

/// The waits between `retries` retries: 0.25 s, 0.5 s, 1 s … up to 5 s,
/// each lengthened by up to itself at random (so 0.25–0.5 s first, never
/// more than 10 s), so that clients that failed together do not retry
/// together.
fn backoff(retries: u32) -> backon::ExponentialBackoff {
    use backon::BackoffBuilder as _;
    backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(250))
        .with_max_delay(Duration::from_secs(5))
        .with_jitter()
        .with_max_times(retries as usize)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(content: Option<&str>, reasoning: Option<&str>, finish: &str) -> WireAnswer {
        WireAnswer {
            choices: vec![WireChoice {
                message: Some(WireMessage {
                    content: content.map(Into::into),
                    reasoning_content: reasoning.map(Into::into),
                }),
                finish_reason: Some(finish.into()),
            }],
            usage: None,
        }
    }

    #[test]
    fn valid_answers_in_the_forms_models_give_them() {
        let plain = answer(
            Some(r#"{"title":"Morning light","description":"On at 06:45 on weekdays."}"#),
            None,
            "stop",
        );
        assert_eq!(validate(&plain).unwrap().title, "Morning light");
        let fenced = answer(
            Some("Sure!\n```json\n{\"title\":\"T\",\"description\":\"D\"}\n```"),
            None,
            "stop",
        );
        assert_eq!(validate(&fenced).unwrap().description, "D");
        let reasoning = answer(
            Some(""),
            Some("Let me think... {\"title\":\"R\",\"description\":\"S\"}"),
            "stop",
        );
        assert_eq!(validate(&reasoning).unwrap().title, "R");
    }

    #[test]
    fn unusable_answers_are_refused() {
        assert!(validate(&answer(Some("I think the light is on."), None, "stop")).is_err());
        assert!(validate(&answer(Some(r#"{"title":"cut"#), None, "length")).is_err());
        assert!(
            validate(&answer(
                Some(r#"{"title":"","description":"x"}"#),
                None,
                "stop"
            ))
            .is_err()
        );
        assert!(
            validate(&answer(
                Some(&format!(
                    r#"{{"title":"{}","description":"x"}}"#,
                    "t".repeat(200)
                )),
                None,
                "stop"
            ))
            .is_err()
        );
        assert!(validate(&answer(None, None, "stop")).is_err());
    }

    #[test]
    fn backoff_grows_is_capped_and_ends_after_the_retries() {
        let first: Vec<Duration> = (0..50).filter_map(|_| backoff(3).next()).collect();
        assert_eq!(first.len(), 50);
        assert!(
            first
                .iter()
                .all(|d| (Duration::from_millis(250)..=Duration::from_millis(500)).contains(d)),
            "{first:?}"
        );
        // Jittered: not one delay for everyone.
        assert!(first.iter().any(|d| *d != first[0]), "{first:?}");
        assert_eq!(backoff(3).count(), 3);
        assert_eq!(backoff(0).count(), 0);
        let delays: Vec<Duration> = backoff(10).collect();
        assert_eq!(delays.len(), 10);
        assert!(
            delays.iter().all(|d| *d <= Duration::from_secs(10)),
            "{delays:?}"
        );
        assert!(delays[9] >= Duration::from_secs(5), "{delays:?}");
    }

    #[test]
    fn a_rewording_may_not_add_actions_or_devices() {
        let original = "Kitchen light on at 06:45 on weekdays. Seen on 18 of 20 weekdays.";
        let others = ["Front door".to_owned(), "lock.front_door".to_owned()];
        assert!(faithful(original, "Brighten weekday mornings at 06:45.", &others).is_ok());
        assert!(faithful(original, "Unlocks the front door at 06:45.", &others).is_err());
        assert!(faithful(original, "Switches the light off at 06:45.", &others).is_err());
        assert!(faithful(original, "Also opens the front door.", &others).is_err());
        assert!(faithful(original, "Mornings by the front door.", &others).is_err());
        let lock = "Lock the front door at 23:00. Seen on 20 of 21 days.";
        assert!(faithful(lock, "Locks the front door every night at 23:00.", &others).is_ok());
        assert!(faithful(lock, "Unlocks the front door every night.", &others).is_err());
    }
}
