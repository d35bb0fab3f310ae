//! Anthropic Messages API (`POST /v1/messages`, server-sent events).

use super::http::{endpoint, model_ids_in_list, send_checked, sse_events};
use super::{
    alternating_turns, ChatRequest, Provider, ProviderEvent, ProviderFailure, ProviderStream,
};
use crate::config::Secret;
use crate::error::FailureCode;
use async_trait::async_trait;
use serde_json::{json, Value};

const API_VERSION: &str = "2023-06-01";

pub struct AnthropicProvider {
    name: String,
    base_url: String,
    api_key: Option<Secret>,
    http: reqwest::Client,
}

impl AnthropicProvider {
    pub fn new(
        name: &str,
        base_url: String,
        api_key: Option<Secret>,
        http: reqwest::Client,
    ) -> Self {
        Self {
            name: name.to_string(),
            base_url,
            api_key,
            http,
        }
    }

    fn key(&self) -> Result<&str, ProviderFailure> {
        self.api_key.as_ref().map(Secret::expose).ok_or_else(|| {
            ProviderFailure::new(FailureCode::Auth, "no API key is set for this provider")
        })
    }

    fn body(request: &ChatRequest) -> Value {
        let messages: Vec<Value> = alternating_turns(&request.turns)
            .into_iter()
            .map(|t| json!({ "role": t.role.as_str(), "content": t.content }))
            .collect();
        let mut body = json!({
            "model": request.model,
            "max_tokens": request.max_tokens,
            "messages": messages,
            "stream": true,
        });
        if let Some(system) = request.system.as_deref().filter(|s| !s.is_empty()) {
            body["system"] = json!(system);
        }
        body
    }
}

#[async_trait]
impl Provider for AnthropicProvider {
    fn name(&self) -> &str {
        &self.name
    }

    async fn stream_chat(&self, request: &ChatRequest) -> Result<ProviderStream, ProviderFailure> {
        let response = send_checked(
            self.http
                .post(endpoint(&self.base_url, "/v1/messages"))
                .header("x-api-key", self.key()?)
                .header("anthropic-version", API_VERSION)
                .header("accept", "text/event-stream")
                .json(&Self::body(request)),
        )
        .await?;
        Ok(sse_events(response, decode_event))
    }

    async fn list_models(&self) -> Result<Vec<String>, ProviderFailure> {
        let response = send_checked(
            self.http
                .get(endpoint(&self.base_url, "/v1/models"))
                .header("x-api-key", self.key()?)
                .header("anthropic-version", API_VERSION),
        )
        .await?;
        let json: Value = response.json().await.map_err(ProviderFailure::malformed)?;
        Ok(model_ids_in_list(&json))
    }
}

/// One SSE event to normalized events. Unknown event types (`ping`, tool and
/// thinking blocks this app does not show) yield nothing.
fn decode_event(event: &str, data: &str) -> Vec<Result<ProviderEvent, ProviderFailure>> {
    if event == "ping" {
        return Vec::new();
    }
    let json: Value = match serde_json::from_str(data) {
        Ok(json) => json,
        Err(err) => return vec![Err(ProviderFailure::malformed(err))],
    };
    let kind = json["type"].as_str().unwrap_or(event);
    match kind {
        "message_start" => {
            let usage = &json["message"]["usage"];
            vec![Ok(ProviderEvent::Usage {
                input_tokens: token_count(&usage["input_tokens"]),
                output_tokens: token_count(&usage["output_tokens"]),
            })]
        }
        "content_block_delta" => match json["delta"]["text"].as_str() {
            Some(text) if json["delta"]["type"] == "text_delta" && !text.is_empty() => {
                vec![Ok(ProviderEvent::TextDelta(text.to_string()))]
            }
            _ => Vec::new(),
        },
        "message_delta" => {
            let mut out = Vec::new();
            // Cumulative output count: the pipeline overwrites, never adds.
            let usage = &json["usage"];
            if usage.is_object() {
                out.push(Ok(ProviderEvent::Usage {
                    input_tokens: token_count(&usage["input_tokens"]),
                    output_tokens: token_count(&usage["output_tokens"]),
                }));
            }
            if let Some(reason) = json["delta"]["stop_reason"].as_str() {
                out.push(Ok(ProviderEvent::Stop {
                    reason: reason.to_string(),
                }));
            }
            out
        }
        "error" => {
            let error = &json["error"];
            vec![Err(ProviderFailure::in_stream(
                error["type"].as_str(),
                error["message"].as_str().unwrap_or("unknown error"),
            ))]
        }
        _ => Vec::new(),
    }
}

fn token_count(value: &Value) -> Option<u32> {
    value.as_u64().map(|n| u32::try_from(n).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_deltas_usage_and_mid_stream_errors() {
        assert_eq!(
            decode_event(
                "content_block_delta",
                r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#
            ),
            vec![Ok(ProviderEvent::TextDelta("Hi".into()))]
        );
        assert!(decode_event(
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{"}}"#
        )
        .is_empty());
        assert_eq!(
            decode_event(
                "message_delta",
                r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}}"#
            ),
            vec![
                Ok(ProviderEvent::Usage {
                    input_tokens: None,
                    output_tokens: Some(15)
                }),
                Ok(ProviderEvent::Stop {
                    reason: "end_turn".into()
                })
            ]
        );
        let error = decode_event(
            "error",
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        );
        assert!(matches!(&error[0], Err(f) if f.code == FailureCode::RateLimited));
        assert!(decode_event("ping", "{}").is_empty());
    }

    #[test]
    fn system_prompt_goes_top_level_and_turns_alternate() {
        use super::super::{ChatRole, ChatTurn};
        let body = AnthropicProvider::body(&ChatRequest {
            model: "claude-sonnet-4-5".into(),
            system: Some("Be brief.".into()),
            turns: vec![
                ChatTurn {
                    role: ChatRole::User,
                    content: "one".into(),
                },
                ChatTurn {
                    role: ChatRole::User,
                    content: "two".into(),
                },
            ],
            max_tokens: 1024,
        });
        assert_eq!(body["system"], "Be brief.");
        assert_eq!(body["messages"].as_array().unwrap().len(), 1);
        assert_eq!(body["stream"], true);
    }
}
