//! Byte-exact renderers for the three provider wire formats.
//!
//! Every renderer writes into a caller-owned `Vec<u8>`; JSON strings are
//! escaped with `serde_json`, everything else is written from templates so
//! that rendering 10,000 chunks stays cheap.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Which provider an endpoint imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Provider {
    /// `POST /v1/messages`
    Anthropic,
    /// `POST /v1/chat/completions`
    OpenAi,
    /// `POST /api/chat`
    Ollama,
}

impl Provider {
    pub(crate) fn stream_content_type(self) -> &'static str {
        match self {
            Provider::Anthropic | Provider::OpenAi => "text/event-stream",
            Provider::Ollama => "application/x-ndjson",
        }
    }
}

/// Everything a renderer needs to know about one request/response.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub model: String,
    /// Per-double sequence number used in response ids.
    pub seq: u64,
    /// OpenAI `stream_options.include_usage == true`.
    pub include_usage: bool,
    pub input_tokens: u32,
    pub output_tokens: u32,
    pub crlf: bool,
    pub comments: bool,
    pub interval: Duration,
    /// When the request arrived.
    pub started: SystemTime,
}

/// Appends `s` as a JSON string literal.
pub(crate) fn push_json_str(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).expect("writing JSON into a Vec cannot fail");
}

/// A streaming renderer: prelude, one piece per chunk, then one ending.
pub(crate) trait Wire {
    fn prelude(&mut self, out: &mut Vec<u8>);
    /// Renders chunk `index` (including any keep-alive material that goes
    /// between it and the previous chunk).
    fn chunk(&mut self, index: usize, text: &str, out: &mut Vec<u8>);
    fn complete(&mut self, out: &mut Vec<u8>);
    fn error(&mut self, message: &str, out: &mut Vec<u8>);
    /// Something that proves the server is alive and carries no content.
    fn keep_alive(&mut self, out: &mut Vec<u8>);
}

pub(crate) fn wire_for(provider: Provider, ctx: Ctx) -> Box<dyn Wire + Send> {
    match provider {
        Provider::Anthropic => Box::new(AnthropicWire::new(ctx)),
        Provider::OpenAi => Box::new(OpenAiWire::new(ctx)),
        Provider::Ollama => Box::new(OllamaWire::new(ctx)),
    }
}

// ---------------------------------------------------------------- SSE helpers

struct Sse {
    nl: &'static [u8],
}

impl Sse {
    fn new(crlf: bool) -> Sse {
        Sse {
            nl: if crlf { b"\r\n" } else { b"\n" },
        }
    }

    /// `event: NAME` (optional) + `data: DATA` + blank line.
    fn event(&self, out: &mut Vec<u8>, name: Option<&str>, data: &[u8]) {
        if let Some(name) = name {
            out.extend_from_slice(b"event: ");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(self.nl);
        }
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(data);
        out.extend_from_slice(self.nl);
        out.extend_from_slice(self.nl);
    }

    /// A comment line followed by a blank line (dispatches nothing).
    fn comment(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b": keep-alive");
        out.extend_from_slice(self.nl);
        out.extend_from_slice(self.nl);
    }
}

// ------------------------------------------------------------------ Anthropic

struct AnthropicWire {
    ctx: Ctx,
    sse: Sse,
    scratch: Vec<u8>,
}

impl AnthropicWire {
    fn new(ctx: Ctx) -> Self {
        let sse = Sse::new(ctx.crlf);
        AnthropicWire {
            ctx,
            sse,
            scratch: Vec::with_capacity(256),
        }
    }

    fn ping(&mut self, out: &mut Vec<u8>) {
        self.sse.comment(out);
        self.sse.event(out, Some("ping"), br#"{"type":"ping"}"#);
    }
}

impl Wire for AnthropicWire {
    fn prelude(&mut self, out: &mut Vec<u8>) {
        let d = &mut self.scratch;
        d.clear();
        d.extend_from_slice(br#"{"type":"message_start","message":{"id":"msg_double_"#);
        d.extend_from_slice(self.ctx.seq.to_string().as_bytes());
        d.extend_from_slice(br#"","type":"message","role":"assistant","model":"#);
        push_json_str(d, &self.ctx.model);
        d.extend_from_slice(
            br#","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":"#,
        );
        d.extend_from_slice(self.ctx.input_tokens.to_string().as_bytes());
        d.extend_from_slice(br#","output_tokens":1}}}"#);
        self.sse.event(out, Some("message_start"), d);
        self.sse.event(
            out,
            Some("content_block_start"),
            br#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        );
        if self.ctx.comments {
            self.ping(out);
        }
    }

    fn chunk(&mut self, index: usize, text: &str, out: &mut Vec<u8>) {
        if self.ctx.comments && index > 0 {
            self.ping(out);
        }
        let d = &mut self.scratch;
        d.clear();
        d.extend_from_slice(
            br#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"#,
        );
        push_json_str(d, text);
        d.extend_from_slice(b"}}");
        self.sse.event(out, Some("content_block_delta"), d);
    }

    fn complete(&mut self, out: &mut Vec<u8>) {
        self.sse.event(
            out,
            Some("content_block_stop"),
            br#"{"type":"content_block_stop","index":0}"#,
        );
        let d = &mut self.scratch;
        d.clear();
        d.extend_from_slice(
            br#"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":"#,
        );
        d.extend_from_slice(self.ctx.output_tokens.to_string().as_bytes());
        d.extend_from_slice(b"}}");
        self.sse.event(out, Some("message_delta"), d);
        self.sse
            .event(out, Some("message_stop"), br#"{"type":"message_stop"}"#);
    }

    fn error(&mut self, message: &str, out: &mut Vec<u8>) {
        let d = &mut self.scratch;
        d.clear();
        d.extend_from_slice(br#"{"type":"error","error":{"type":"overloaded_error","message":"#);
        push_json_str(d, message);
        d.extend_from_slice(b"}}");
        self.sse.event(out, Some("error"), d);
    }

    fn keep_alive(&mut self, out: &mut Vec<u8>) {
        self.sse.event(out, Some("ping"), br#"{"type":"ping"}"#);
    }
}

// --------------------------------------------------------------------- OpenAI

struct OpenAiWire {
    ctx: Ctx,
    sse: Sse,
    /// `{"id":..,"object":..,"created":..,"model":..,` shared by every chunk.
    head: Vec<u8>,
    scratch: Vec<u8>,
}

impl OpenAiWire {
    fn new(ctx: Ctx) -> Self {
        let sse = Sse::new(ctx.crlf);
        let mut head = Vec::with_capacity(128);
        head.extend_from_slice(br#"{"id":"chatcmpl-double-"#);
        head.extend_from_slice(ctx.seq.to_string().as_bytes());
        head.extend_from_slice(br#"","object":"chat.completion.chunk","created":"#);
        head.extend_from_slice(unix_secs(ctx.started).to_string().as_bytes());
        head.extend_from_slice(br#","model":"#);
        push_json_str(&mut head, &ctx.model);
        head.extend_from_slice(br#","system_fingerprint":"fp_double","#);
        OpenAiWire {
            ctx,
            sse,
            head,
            scratch: Vec::with_capacity(256),
        }
    }

    /// With `include_usage`, real OpenAI puts `"usage":null` on every chunk
    /// but the last.
    fn usage_null(&self) -> &'static [u8] {
        if self.ctx.include_usage {
            br#","usage":null"#
        } else {
            b""
        }
    }
}

impl Wire for OpenAiWire {
    fn prelude(&mut self, out: &mut Vec<u8>) {
        if self.ctx.comments {
            self.sse.comment(out);
        }
        let d = &mut self.scratch;
        d.clear();
        d.extend_from_slice(&self.head);
        d.extend_from_slice(
            br#""choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]"#,
        );
        d.extend_from_slice(if self.ctx.include_usage {
            br#","usage":null}"#.as_slice()
        } else {
            b"}"
        });
        self.sse.event(out, None, d);
    }

    fn chunk(&mut self, index: usize, text: &str, out: &mut Vec<u8>) {
        if self.ctx.comments && index > 0 {
            self.sse.comment(out);
        }
        let usage_null = self.usage_null();
        let d = &mut self.scratch;
        d.clear();
        d.extend_from_slice(&self.head);
        d.extend_from_slice(br#""choices":[{"index":0,"delta":{"content":"#);
        push_json_str(d, text);
        d.extend_from_slice(br#"},"logprobs":null,"finish_reason":null}]"#);
        d.extend_from_slice(usage_null);
        d.push(b'}');
        self.sse.event(out, None, d);
    }

    fn complete(&mut self, out: &mut Vec<u8>) {
        let usage_null = self.usage_null();
        let d = &mut self.scratch;
        d.clear();
        d.extend_from_slice(&self.head);
        d.extend_from_slice(
            br#""choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]"#,
        );
        d.extend_from_slice(usage_null);
        d.push(b'}');
        self.sse.event(out, None, d);
        if self.ctx.include_usage {
            let (i, o) = (self.ctx.input_tokens, self.ctx.output_tokens);
            d.clear();
            d.extend_from_slice(&self.head);
            d.extend_from_slice(
                format!(
                    r#""choices":[],"usage":{{"prompt_tokens":{i},"completion_tokens":{o},"total_tokens":{}}}}}"#,
                    u64::from(i) + u64::from(o)
                )
                .as_bytes(),
            );
            self.sse.event(out, None, d);
        }
        self.sse.event(out, None, b"[DONE]");
    }

    fn error(&mut self, message: &str, out: &mut Vec<u8>) {
        let d = &mut self.scratch;
        d.clear();
        d.extend_from_slice(br#"{"error":{"message":"#);
        push_json_str(d, message);
        d.extend_from_slice(br#","type":"server_error","param":null,"code":null}}"#);
        self.sse.event(out, None, d);
    }

    fn keep_alive(&mut self, out: &mut Vec<u8>) {
        self.sse.comment(out);
    }
}

// --------------------------------------------------------------------- Ollama

struct OllamaWire {
    ctx: Ctx,
    /// JSON-escaped model name.
    model: Vec<u8>,
    /// `created_at` of every line when chunks are not paced (rendered in one go).
    created_at: String,
}

impl OllamaWire {
    fn new(ctx: Ctx) -> Self {
        let mut model = Vec::new();
        push_json_str(&mut model, &ctx.model);
        let created_at = rfc3339_nanos(ctx.started);
        OllamaWire {
            ctx,
            model,
            created_at,
        }
    }

    /// `{"model":..,"created_at":"..",`; lines are rendered just before they
    /// are sent, so a paced stream gets the real time of each line.
    fn line_head(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(br#"{"model":"#);
        out.extend_from_slice(&self.model);
        out.extend_from_slice(br#","created_at":""#);
        if self.ctx.interval.is_zero() {
            out.extend_from_slice(self.created_at.as_bytes());
        } else {
            out.extend_from_slice(rfc3339_nanos(SystemTime::now()).as_bytes());
        }
        out.extend_from_slice(br#"","#);
    }
}

impl Wire for OllamaWire {
    fn prelude(&mut self, _out: &mut Vec<u8>) {}

    fn chunk(&mut self, _index: usize, text: &str, out: &mut Vec<u8>) {
        self.line_head(out);
        out.extend_from_slice(br#""message":{"role":"assistant","content":"#);
        push_json_str(out, text);
        out.extend_from_slice(b"},\"done\":false}\n");
    }

    fn complete(&mut self, out: &mut Vec<u8>) {
        let total_ns = SystemTime::now()
            .duration_since(self.ctx.started)
            .unwrap_or_default()
            .as_nanos()
            .max(1);
        let prompt_ns = (total_ns / 10).max(1);
        let eval_ns = total_ns - prompt_ns;
        self.line_head(out);
        out.extend_from_slice(
            format!(
                r#""message":{{"role":"assistant","content":""}},"done_reason":"stop","done":true,"total_duration":{total_ns},"load_duration":0,"prompt_eval_count":{},"prompt_eval_duration":{prompt_ns},"eval_count":{},"eval_duration":{eval_ns}}}"#,
                self.ctx.input_tokens, self.ctx.output_tokens
            )
            .as_bytes(),
        );
        out.push(b'\n');
    }

    fn error(&mut self, message: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(br#"{"error":"#);
        push_json_str(out, message);
        out.extend_from_slice(b"}\n");
    }

    fn keep_alive(&mut self, out: &mut Vec<u8>) {
        out.push(b'\n');
    }
}

// -------------------------------------------------------- non-streamed bodies

/// The provider's non-streamed success body (for requests with an explicit
/// `"stream": false`).
pub(crate) fn full_body(provider: Provider, ctx: &Ctx, chunks: &[String]) -> Vec<u8> {
    let text: String = chunks.concat();
    let (i, o) = (ctx.input_tokens, ctx.output_tokens);
    let v = match provider {
        Provider::Anthropic => serde_json::json!({
            "id": format!("msg_double_{}", ctx.seq),
            "type": "message",
            "role": "assistant",
            "model": ctx.model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": null,
            "usage": {"input_tokens": i, "output_tokens": o},
        }),
        Provider::OpenAi => serde_json::json!({
            "id": format!("chatcmpl-double-{}", ctx.seq),
            "object": "chat.completion",
            "created": unix_secs(ctx.started),
            "model": ctx.model,
            "system_fingerprint": "fp_double",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "logprobs": null,
                "finish_reason": "stop",
            }],
            "usage": {
                "prompt_tokens": i,
                "completion_tokens": o,
                "total_tokens": u64::from(i) + u64::from(o),
            },
        }),
        Provider::Ollama => {
            let total_ns = SystemTime::now()
                .duration_since(ctx.started)
                .unwrap_or_default()
                .as_nanos()
                .max(1);
            serde_json::json!({
                "model": ctx.model,
                "created_at": rfc3339_nanos(ctx.started),
                "message": {"role": "assistant", "content": text},
                "done_reason": "stop",
                "done": true,
                "total_duration": total_ns as u64,
                "load_duration": 0,
                "prompt_eval_count": i,
                "eval_count": o,
            })
        }
    };
    serde_json::to_vec(&v).expect("serialising a JSON value cannot fail")
}

/// The provider's error body for an HTTP error `status`.
pub(crate) fn error_body(provider: Provider, status: u16, message: &str) -> Vec<u8> {
    let v = match provider {
        Provider::Anthropic => {
            let kind = match status {
                400 => "invalid_request_error",
                401 => "authentication_error",
                403 => "permission_error",
                404 => "not_found_error",
                413 => "request_too_large",
                429 => "rate_limit_error",
                529 => "overloaded_error",
                s if (400..500).contains(&s) => "invalid_request_error",
                _ => "api_error",
            };
            serde_json::json!({"type": "error", "error": {"type": kind, "message": message}})
        }
        Provider::OpenAi => {
            let (kind, code): (&str, Option<&str>) = match status {
                401 => ("invalid_request_error", Some("invalid_api_key")),
                403 => (
                    "invalid_request_error",
                    Some("unsupported_country_region_territory"),
                ),
                404 => ("invalid_request_error", Some("model_not_found")),
                429 => ("requests", Some("rate_limit_exceeded")),
                s if (400..500).contains(&s) => ("invalid_request_error", None),
                _ => ("server_error", None),
            };
            serde_json::json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
        }
        Provider::Ollama => serde_json::json!({"error": message}),
    };
    serde_json::to_vec(&v).expect("serialising a JSON value cannot fail")
}

// ---------------------------------------------------------------------- time

pub(crate) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (UTC), the shape Ollama uses.
pub(crate) fn rfc3339_nanos(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (y, m, day) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        d.subsec_nanos()
    )
}

/// Proleptic Gregorian date of `days` since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Shift the epoch to 0000-03-01 so that leap days end each 400-year era's years.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // 0..=365, March-based
    let mp = (5 * doy + 2) / 153; // month index from March, 0..=11
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(59), (1970, 3, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn rfc3339_shape() {
        let t = UNIX_EPOCH + Duration::new(1_767_225_600 + 3_723, 5);
        assert_eq!(rfc3339_nanos(t), "2026-01-01T01:02:03.000000005Z");
    }

    #[test]
    fn error_bodies() {
        let a: serde_json::Value =
            serde_json::from_slice(&error_body(Provider::Anthropic, 429, "slow")).unwrap();
        assert_eq!(a["type"], "error");
        assert_eq!(a["error"]["type"], "rate_limit_error");
        assert_eq!(a["error"]["message"], "slow");
        let o: serde_json::Value =
            serde_json::from_slice(&error_body(Provider::OpenAi, 500, "x")).unwrap();
        assert_eq!(o["error"]["type"], "server_error");
        let l: serde_json::Value =
            serde_json::from_slice(&error_body(Provider::Ollama, 404, "nope")).unwrap();
        assert_eq!(l, serde_json::json!({"error": "nope"}));
    }
}
