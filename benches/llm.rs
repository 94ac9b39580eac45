//! LLM phase benchmark: `cargo bench --bench llm` (results in BENCHMARKS.md).
//!
//! 20 suggestions against a local OpenAI-compatible server that takes 1 s per
//! answer: sequential (concurrency 1) against concurrency 5, and concurrency
//! 5 when every fourth request is first refused with 429 + `Retry-After: 1`.
//! The target: within 10 % of ceil(N/C) × latency.

#[path = "../tests/common/openai.rs"]
mod openai;

use std::time::{Duration, Instant};

use habitd::config::LlmConfig;
use habitd::llm::{Llm, Prompt};
use openai::{Reply, serve};

const LATENCY: Duration = Duration::from_secs(1);
const N: usize = 20;

async fn run(concurrency: usize, with_429: bool) -> (f64, u64) {
    let (url, _) = serve(move |n| {
        // Requests 0, 4, 8 … are refused once; their retries arrive later
        // with higher numbers, which are served.
        if with_429 && n % 4 == 0 && n < N {
            Reply::status(429, Some(1))
        } else {
            Reply::wording("A title").after(LATENCY)
        }
    })
    .await;
    let llm = Llm::new(&LlmConfig {
        base_url: url,
        api_key: None,
        model: "bench".into(),
        concurrency,
        timeout: Duration::from_secs(10),
        max_tokens: 200,
        max_retries: 3,
        phase_timeout: Duration::from_secs(600),
        max_answer_bytes: 65536,
    })
    .expect("client");
    let prompts: Vec<Prompt> = (0..N)
        .map(|i| Prompt {
            kind: "routine".into(),
            title: format!("t{i}"),
            description: "d".into(),
            entities: vec![],
        })
        .collect();
    let started = Instant::now();
    let (results, usage) = llm.word_all(prompts).await;
    assert!(results.iter().all(Result::is_ok));
    (started.elapsed().as_secs_f64(), usage.retries)
}

#[tokio::main]
async fn main() {
    for (concurrency, with_429) in [(1, false), (5, false), (5, true)] {
        let (seconds, retries) = run(concurrency, with_429).await;
        let ideal = N.div_ceil(concurrency) as f64 * LATENCY.as_secs_f64();
        println!(
            "{N} suggestions, 1 s latency, concurrency {concurrency}{}: {seconds:.2} s (ideal {ideal:.0} s, ratio {:.2}, {retries} retries)",
            if with_429 { ", 429 on every 4th" } else { "" },
            seconds / ideal
        );
    }
}
