//! Reading a gateway's `/v1/events` stream (Server-Sent Events) in a test.

use serde_json::Value;
use std::time::Duration;

/// One event: its name (`stream-chunk`, ...) and its JSON payload.
#[derive(Debug, Clone)]
pub struct Sse {
    pub event: String,
    pub data: Value,
}

pub struct SseReader {
    response: reqwest::Response,
    buffer: String,
}

impl SseReader {
    /// Subscribes to `base`'s events of `session` with `token`.
    pub async fn open(http: &reqwest::Client, base: &str, token: &str, session: &str) -> Self {
        let response = http
            .get(format!("{base}/v1/events?sessionId={session}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        Self::from_response(response)
    }

    /// Reads the events of a `/v1/events` response already received.
    pub fn from_response(response: reqwest::Response) -> Self {
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped); `None` when the stream
    /// ends or breaks, panics when none comes within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Sse> {
        tokio::time::timeout(wait, self.next())
            .await
            .unwrap_or_else(|_| panic!("no event within {wait:?}"))
    }

    pub async fn next(&mut self) -> Option<Sse> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let mut event = None;
                let mut data = String::new();
                for line in frame.lines() {
                    if let Some(name) = line.strip_prefix("event: ") {
                        event = Some(name.to_string());
                    } else if let Some(part) = line.strip_prefix("data: ") {
                        data.push_str(part);
                    }
                }
                if let Some(event) = event {
                    let data = serde_json::from_str(&data).unwrap();
                    return Some(Sse { event, data });
                }
                continue;
            }
            let chunk = self.response.chunk().await.ok()??;
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}
