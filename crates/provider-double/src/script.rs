//! What the double answers: scripts, replies and stream endings.

use serde::{Deserialize, Serialize};

/// One scripted answer to one chat request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Script {
    pub reply: Reply,
    /// Delay before the response headers are sent (to test first-byte timeouts). default 0
    #[serde(default)]
    pub headers_delay_ms: u64,
}

/// The body of a scripted answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Reply {
    /// A streamed reply: `chunks` are the text deltas, in order.
    Stream {
        chunks: Vec<String>,
        /// Pause between chunks.
        #[serde(default)]
        interval_ms: u64,
        #[serde(default)]
        input_tokens: u32,
        #[serde(default)]
        output_tokens: u32,
        #[serde(default)]
        ending: Ending,
        /// SSE lines end with `\r\n` instead of `\n`.
        #[serde(default)]
        crlf: bool,
        /// Interleave SSE comment lines `: keep-alive` (and Anthropic `ping`
        /// events for `/v1/messages`).
        #[serde(default)]
        comments: bool,
        /// Before the first chunk, only keep-alives for a while (a model
        /// that is slow to start but whose server shows it is alive).
        #[serde(default)]
        keep_alive: Option<KeepAlive>,
    },
    /// A non-streamed HTTP error in the provider's own error JSON shape.
    HttpError {
        status: u16,
        #[serde(default)]
        retry_after_secs: Option<u64>,
        message: String,
    },
}

/// A run of keep-alives, each followed by a pause, between the stream's
/// opening and its first chunk. What a keep-alive is depends on the wire:
/// an Anthropic `ping` event, an SSE `: keep-alive` comment (OpenAI-compatible
/// servers such as OpenRouter send these), and for Ollama, which has none of
/// its own, a bare newline (what a flushing proxy in front of it sends; NDJSON
/// readers skip blank lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeepAlive {
    pub count: u32,
    pub interval_ms: u64,
}

/// How a streamed reply ends after its chunks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Ending {
    /// The provider's normal end of stream.
    #[default]
    Complete,
    /// After the chunks, an in-stream error (HTTP status stays 200) in the
    /// provider's shape; then the body ends.
    ErrorEvent { message: String },
    /// After the chunks, the connection is dropped abruptly: the client sees a
    /// body error, not a clean end.
    Drop,
    /// After the chunks, nothing more is ever sent and the connection stays
    /// open until the client closes it (counted as abandoned then).
    Stall,
}

/// Default input-token count reported by [`Script::reply`] and [`Script::chunks`].
const DEFAULT_INPUT_TOKENS: u32 = 12;

impl Script {
    /// One stream: `text` split into chunks of 4 characters, 12 input tokens,
    /// one output token per chunk.
    pub fn reply(text: &str) -> Script {
        let chars: Vec<char> = text.chars().collect();
        let chunks = chars.chunks(4).map(|c| c.iter().collect()).collect();
        Script::chunks(chunks)
    }

    /// A stream of exactly these chunks: 12 input tokens, `chunks.len()` output tokens.
    pub fn chunks(chunks: Vec<String>) -> Script {
        let output_tokens = u32::try_from(chunks.len()).unwrap_or(u32::MAX);
        Script {
            reply: Reply::Stream {
                chunks,
                interval_ms: 0,
                input_tokens: DEFAULT_INPUT_TOKENS,
                output_tokens,
                ending: Ending::Complete,
                crlf: false,
                comments: false,
                keep_alive: None,
            },
            headers_delay_ms: 0,
        }
    }

    /// A non-streamed error with this HTTP status, in the provider's error shape.
    pub fn http_error(status: u16, message: &str) -> Script {
        Script {
            reply: Reply::HttpError {
                status,
                retry_after_secs: None,
                message: message.to_owned(),
            },
            headers_delay_ms: 0,
        }
    }

    /// A 429 with a `Retry-After: secs` header.
    pub fn rate_limited(retry_after_secs: u64) -> Script {
        Script {
            reply: Reply::HttpError {
                status: 429,
                retry_after_secs: Some(retry_after_secs),
                message: "Rate limit exceeded (provider double).".to_owned(),
            },
            headers_delay_ms: 0,
        }
    }

    /// Pause between chunks (streams only).
    pub fn interval(mut self, ms: u64) -> Script {
        if let Reply::Stream { interval_ms, .. } = &mut self.reply {
            *interval_ms = ms;
        }
        self
    }

    /// How the stream ends (streams only).
    pub fn ending(mut self, new_ending: Ending) -> Script {
        if let Reply::Stream { ending, .. } = &mut self.reply {
            *ending = new_ending;
        }
        self
    }

    /// Reported token usage (streams only).
    pub fn usage(mut self, input: u32, output: u32) -> Script {
        if let Reply::Stream {
            input_tokens,
            output_tokens,
            ..
        } = &mut self.reply
        {
            *input_tokens = input;
            *output_tokens = output;
        }
        self
    }

    /// Delay before the response headers are sent.
    pub fn headers_delay(mut self, ms: u64) -> Script {
        self.headers_delay_ms = ms;
        self
    }

    /// SSE lines end with `\r\n` (streams only).
    pub fn crlf(mut self) -> Script {
        if let Reply::Stream { crlf, .. } = &mut self.reply {
            *crlf = true;
        }
        self
    }

    /// Before the first chunk, `count` keep-alives each followed by a pause
    /// of `interval_ms`, and nothing else (streams only).
    pub fn keep_alive_first(mut self, count: u32, interval_ms: u64) -> Script {
        if let Reply::Stream { keep_alive, .. } = &mut self.reply {
            *keep_alive = Some(KeepAlive { count, interval_ms });
        }
        self
    }

    /// Interleave SSE comments and Anthropic pings (streams only).
    pub fn comments(mut self) -> Script {
        if let Reply::Stream { comments, .. } = &mut self.reply {
            *comments = true;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_splits_into_four_char_chunks_on_char_boundaries() {
        let s = Script::reply("héllo wörld!");
        match s.reply {
            Reply::Stream {
                chunks,
                input_tokens,
                output_tokens,
                ..
            } => {
                assert_eq!(chunks, vec!["héll", "o wö", "rld!"]);
                assert_eq!(input_tokens, 12);
                assert_eq!(output_tokens, 3);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn json_shape_is_camel_case_and_tagged() {
        let s = Script::chunks(vec!["a".into()])
            .interval(5)
            .ending(Ending::ErrorEvent {
                message: "boom".into(),
            })
            .headers_delay(7);
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["headersDelayMs"], 7);
        assert_eq!(v["reply"]["type"], "stream");
        assert_eq!(v["reply"]["intervalMs"], 5);
        assert_eq!(v["reply"]["ending"]["type"], "errorEvent");
        assert_eq!(v["reply"]["ending"]["message"], "boom");

        let parsed: Script = serde_json::from_value(serde_json::json!({
            "reply": {"type": "httpError", "status": 429, "retryAfterSecs": 3, "message": "m"}
        }))
        .unwrap();
        assert_eq!(parsed.headers_delay_ms, 0);
        assert!(matches!(
            parsed.reply,
            Reply::HttpError {
                status: 429,
                retry_after_secs: Some(3),
                ..
            }
        ));

        let minimal: Script = serde_json::from_value(serde_json::json!({
            "reply": {"type": "stream", "chunks": ["x"]}
        }))
        .unwrap();
        assert!(matches!(
            minimal.reply,
            Reply::Stream {
                ending: Ending::Complete,
                interval_ms: 0,
                ..
            }
        ));
    }
}
