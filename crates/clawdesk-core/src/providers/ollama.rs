//! Ollama's native chat API (`POST /api/chat`, newline-delimited JSON).

use super::http::{endpoint, send_checked};
use super::ndjson::lines;
use super::stream::Activity;
use super::{
    messages_with_system_turn, ChatRequest, Provider, ProviderEvent, ProviderFailure,
    ProviderStream,
};
use async_trait::async_trait;
use futures_util::StreamExt;
use serde_json::{json, Value};

pub struct OllamaProvider {
    name: String,
    base_url: String,
    http: reqwest::Client,
}

impl OllamaProvider {
    pub fn new(name: &str, base_url: String, http: reqwest::Client) -> Self {
        Self {
            name: name.to_string(),
            base_url,
            http,
        }
    }

    fn body(request: &ChatRequest) -> Value {
        json!({
            "model": request.model,
            "messages": messages_with_system_turn(request),
            "stream": true,
        })
    }
}

#[async_trait]
impl Provider for OllamaProvider {
    fn name(&self) -> &str {
        &self.name
    }

    async fn stream_chat(&self, request: &ChatRequest) -> Result<ProviderStream, ProviderFailure> {
        let response = send_checked(
            self.http
                .post(endpoint(&self.base_url, "/api/chat"))
                .json(&Self::body(request)),
        )
        .await?;
        // Anything read from the socket is activity, even part of a line.
        let activity = Activity::new();
        let events = lines(activity.observe(response.bytes_stream()))
            .flat_map(|line| {
                let decoded = match line {
                    Ok(line) => decode_line(&line),
                    Err(err) => vec![Err(ProviderFailure::connection_lost(err))],
                };
                futures_util::stream::iter(decoded)
            })
            .boxed();
        Ok(ProviderStream::new(events, activity))
    }

    async fn list_models(&self) -> Result<Vec<String>, ProviderFailure> {
        let response = send_checked(self.http.get(endpoint(&self.base_url, "/api/tags"))).await?;
        let json: Value = response.json().await.map_err(ProviderFailure::malformed)?;
        Ok(json["models"]
            .as_array()
            .map(|models| {
                models
                    .iter()
                    .filter_map(|m| m["name"].as_str().or_else(|| m["model"].as_str()))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default())
    }
}

fn decode_line(line: &str) -> Vec<Result<ProviderEvent, ProviderFailure>> {
    let json: Value = match serde_json::from_str(line) {
        Ok(json) => json,
        Err(err) => return vec![Err(ProviderFailure::malformed(err))],
    };
    if let Some(error) = json["error"].as_str() {
        return vec![Err(ProviderFailure::in_stream(None, error))];
    }
    let mut out = Vec::new();
    if let Some(text) = json["message"]["content"]
        .as_str()
        .filter(|t| !t.is_empty())
    {
        out.push(Ok(ProviderEvent::TextDelta(text.to_string())));
    }
    if json["done"].as_bool() == Some(true) {
        let count = |key: &str| {
            json[key]
                .as_u64()
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
        };
        out.push(Ok(ProviderEvent::Usage {
            input_tokens: count("prompt_eval_count"),
            output_tokens: count("eval_count"),
        }));
        out.push(Ok(ProviderEvent::Stop {
            reason: json["done_reason"].as_str().unwrap_or("stop").to_string(),
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FailureCode;

    #[test]
    fn decodes_content_final_counts_and_error_lines() {
        assert_eq!(
            decode_line(r#"{"message":{"role":"assistant","content":"Hi"},"done":false}"#),
            vec![Ok(ProviderEvent::TextDelta("Hi".into()))]
        );
        let last = decode_line(
            r#"{"message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":26,"eval_count":3}"#,
        );
        assert_eq!(
            last,
            vec![
                Ok(ProviderEvent::Usage {
                    input_tokens: Some(26),
                    output_tokens: Some(3)
                }),
                Ok(ProviderEvent::Stop {
                    reason: "stop".into()
                })
            ]
        );
        assert!(
            matches!(&decode_line(r#"{"error":"model not found"}"#)[0], Err(f) if f.code == FailureCode::Provider)
        );
    }
}
