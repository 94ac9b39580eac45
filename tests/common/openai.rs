//! A local HTTP server that answers like an OpenAI-compatible
//! `/v1/chat/completions`, with behaviour chosen per request by the test:
//! latency, status codes with `Retry-After`, silence, malformed answers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// How to answer one request.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<u64>,
    pub body: String,
    /// Wait this long before answering (latency, or a timeout).
    pub delay: Duration,
}

impl Reply {
    /// A chat completion whose message content is `content`.
    pub fn content(content: &str) -> Reply {
        Reply::completion(
            serde_json::json!({ "role": "assistant", "content": content }),
            "stop",
        )
    }

    pub fn completion(message: serde_json::Value, finish_reason: &str) -> Reply {
        let body = serde_json::json!({
            "id": "chatcmpl-test", "object": "chat.completion", "model": "test",
            "choices": [{ "index": 0, "message": message, "finish_reason": finish_reason }],
            "usage": { "prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120 }
        });
        Reply {
            status: 200,
            retry_after: None,
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    /// A valid wording.
    pub fn wording(title: &str) -> Reply {
        Reply::content(
            &serde_json::json!({ "title": title, "description": "A description." }).to_string(),
        )
    }

    pub fn status(status: u16, retry_after: Option<u64>) -> Reply {
        Reply {
            status,
            retry_after,
            body: format!("{{\"error\":{{\"message\":\"status {status}\"}}}}"),
            delay: Duration::ZERO,
        }
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// What the server saw.
#[derive(Debug, Default)]
pub struct Seen {
    pub requests: AtomicUsize,
    in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    pub arrivals: Mutex<Vec<Instant>>,
    pub bodies: Mutex<Vec<serde_json::Value>>,
    pub auth: Mutex<Vec<Option<String>>>,
}

type Behaviour = dyn Fn(usize) -> Reply + Send + Sync;

/// Starts the server; `behaviour` gets the request's number (0, 1, …).
pub async fn serve(
    behaviour: impl Fn(usize) -> Reply + Send + Sync + 'static,
) -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let behaviour: Arc<Behaviour> = Arc::new(behaviour);
    let state = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (seen, behaviour) = (state.clone(), behaviour.clone());
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut reader = BufReader::new(read);
                let mut line = String::new();
                if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                let (mut length, mut auth) = (0usize, None);
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let header = header.trim_end();
                    if header.is_empty() {
                        break;
                    }
                    let lower = header.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length: ") {
                        length = v.parse().unwrap_or(0);
                    }
                    if lower.starts_with("authorization: ") {
                        auth = Some(header["authorization: ".len()..].to_owned());
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).await.is_err() {
                    return;
                }
                let n = seen.requests.fetch_add(1, Ordering::SeqCst);
                seen.arrivals.lock().unwrap().push(Instant::now());
                seen.bodies
                    .lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap_or_default());
                seen.auth.lock().unwrap().push(auth);
                let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                seen.max_in_flight.fetch_max(now, Ordering::SeqCst);
                let reply = behaviour(n);
                // The server's own latency: what the client must live with.
                tokio::time::sleep(reply.delay).await;
                seen.in_flight.fetch_sub(1, Ordering::SeqCst);
                let retry = reply
                    .retry_after
                    .map(|s| format!("Retry-After: {s}\r\n"))
                    .unwrap_or_default();
                let head = format!(
                    "HTTP/1.1 {} X\r\nContent-Type: application/json\r\n{retry}Content-Length: {}\r\nConnection: close\r\n\r\n",
                    reply.status,
                    reply.body.len()
                );
                write.write_all(head.as_bytes()).await.ok();
                write.write_all(reply.body.as_bytes()).await.ok();
                write.shutdown().await.ok();
            });
        }
    });
    (url, seen)
}
