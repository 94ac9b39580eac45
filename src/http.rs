//! What the HTTP clients (`llm`, `ha::rest`) share: reading an answer whose
//! size someone else decides.

/// Why [`read_capped`] gave no body.
#[derive(Debug)]
pub enum Capped {
    /// Longer than the limit (by its `Content-Length`, or as it arrived).
    TooLong,
    /// The connection failed or timed out while reading.
    Transport(reqwest::Error),
}

/// The body, read piece by piece and refused once it passes `limit` bytes,
/// so an endless or huge answer costs at most `limit` of memory.
pub async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, Capped> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(Capped::TooLong);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Capped::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(Capped::TooLong);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
