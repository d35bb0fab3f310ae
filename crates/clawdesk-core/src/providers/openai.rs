//! OpenAI Chat Completions (`POST {base}/chat/completions`, server-sent
//! events) and the many servers that copy it (OpenRouter, Groq, vLLM,
//! LM Studio, llama.cpp server).

use super::http::{endpoint, model_ids_in_list, send_checked, sse_events};
use super::{
    messages_with_system_turn, ChatRequest, Provider, ProviderEvent, ProviderFailure,
    ProviderStream,
};
use crate::config::Secret;
use async_trait::async_trait;
use serde_json::{json, Value};

pub struct OpenAiProvider {
    name: String,
    base_url: String,
    api_key: Option<Secret>,
    include_usage: bool,
    http: reqwest::Client,
}

impl OpenAiProvider {
    pub fn new(
        name: &str,
        base_url: String,
        api_key: Option<Secret>,
        include_usage: bool,
        http: reqwest::Client,
    ) -> Self {
        Self {
            name: name.to_string(),
            base_url,
            api_key,
            include_usage,
            http,
        }
    }

    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        // Local servers (LM Studio, llama.cpp) run without a key.
        match &self.api_key {
            Some(key) => request.bearer_auth(key.expose()),
            None => request,
        }
    }

    fn body(&self, request: &ChatRequest) -> Value {
        let mut body = json!({
            "model": request.model,
            "messages": messages_with_system_turn(request),
            "stream": true,
        });
        // No `max_tokens`: newer OpenAI models reject it (they take
        // `max_completion_tokens`) and every server has a sane default.
        if self.include_usage {
            body["stream_options"] = json!({ "include_usage": true });
        }
        body
    }
}

#[async_trait]
impl Provider for OpenAiProvider {
    fn name(&self) -> &str {
        &self.name
    }

    async fn stream_chat(&self, request: &ChatRequest) -> Result<ProviderStream, ProviderFailure> {
        let response = send_checked(
            self.authorized(
                self.http
                    .post(endpoint(&self.base_url, "/chat/completions"))
                    .header("accept", "text/event-stream"),
            )
            .json(&self.body(request)),
        )
        .await?;
        // OpenAI-style streams carry everything in `data:`; the event type is unused.
        Ok(sse_events(response, |_, data| decode_data(data)))
    }

    async fn list_models(&self) -> Result<Vec<String>, ProviderFailure> {
        let response =
            send_checked(self.authorized(self.http.get(endpoint(&self.base_url, "/models"))))
                .await?;
        let json: Value = response.json().await.map_err(ProviderFailure::malformed)?;
        Ok(model_ids_in_list(&json))
    }
}

/// One `data:` payload to normalized events. `[DONE]` ends the stream; the
/// stop was already reported by `finish_reason`, but servers that omit it
/// still end cleanly.
fn decode_data(data: &str) -> Vec<Result<ProviderEvent, ProviderFailure>> {
    let data = data.trim();
    if data.is_empty() {
        return Vec::new();
    }
    if data == "[DONE]" {
        return vec![Ok(ProviderEvent::Stop {
            reason: "done".into(),
        })];
    }
    let json: Value = match serde_json::from_str(data) {
        Ok(json) => json,
        Err(err) => return vec![Err(ProviderFailure::malformed(err))],
    };
    if let Some(error) = json.get("error") {
        let message = error["message"]
            .as_str()
            .or_else(|| error.as_str())
            .unwrap_or("unknown error");
        let kind = error["code"].as_str().or_else(|| error["type"].as_str());
        return vec![Err(ProviderFailure::in_stream(kind, message))];
    }
    let mut out = Vec::new();
    // `choices` is `[]` (or `null` on some servers) in the usage-only chunk.
    if let Some(choice) = json["choices"].as_array().and_then(|c| c.first()) {
        if let Some(text) = choice["delta"]["content"]
            .as_str()
            .filter(|t| !t.is_empty())
        {
            out.push(Ok(ProviderEvent::TextDelta(text.to_string())));
        }
        if let Some(reason) = choice["finish_reason"].as_str() {
            out.push(Ok(ProviderEvent::Stop {
                reason: reason.to_string(),
            }));
        }
    }
    let usage = &json["usage"];
    if usage.is_object() {
        out.push(Ok(ProviderEvent::Usage {
            input_tokens: usage["prompt_tokens"].as_u64().map(saturate),
            output_tokens: usage["completion_tokens"].as_u64().map(saturate),
        }));
    }
    out
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FailureCode;

    #[test]
    fn decodes_deltas_finish_usage_and_errors() {
        assert_eq!(
            decode_data(
                r#"{"choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}"#
            ),
            vec![Ok(ProviderEvent::TextDelta("Hel".into()))]
        );
        assert_eq!(
            decode_data(r#"{"choices":null,"usage":{"prompt_tokens":9,"completion_tokens":4}}"#),
            vec![Ok(ProviderEvent::Usage {
                input_tokens: Some(9),
                output_tokens: Some(4)
            })]
        );
        assert_eq!(
            decode_data("[DONE]"),
            vec![Ok(ProviderEvent::Stop {
                reason: "done".into()
            })]
        );
        let error = decode_data(
            r#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#,
        );
        assert!(matches!(&error[0], Err(f) if f.code == FailureCode::RateLimited));
    }

    #[test]
    fn include_usage_is_per_provider() {
        let http = reqwest::Client::new();
        let request = ChatRequest {
            model: "gpt-4o".into(),
            system: Some("sys".into()),
            turns: vec![],
            max_tokens: 10,
        };
        let with = OpenAiProvider::new("openai", "u".into(), None, true, http.clone());
        let without = OpenAiProvider::new("llama", "u".into(), None, false, http);
        assert_eq!(with.body(&request)["stream_options"]["include_usage"], true);
        assert!(without.body(&request).get("stream_options").is_none());
        assert_eq!(with.body(&request)["messages"][0]["role"], "system");
    }
}
