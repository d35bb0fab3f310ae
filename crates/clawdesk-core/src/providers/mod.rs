//! Model providers behind one object-safe trait.
//!
//! Each client speaks its provider's wire format over `reqwest` and turns the
//! reply into a normalized stream of [`ProviderEvent`]s; everything above
//! (retries, timeouts, persistence, events) is provider-agnostic and lives in
//! the pipeline.

mod anthropic;
mod failure;
mod http;
mod ndjson;
mod ollama;
mod openai;
pub mod redact;
pub mod sse;
mod stream;

pub use anthropic::AnthropicProvider;
pub use failure::ProviderFailure;
pub use ollama::OllamaProvider;
pub use openai::OpenAiProvider;
pub use redact::Redactor;
pub use stream::{Activity, ProviderStream};

use crate::config::{ProviderConfig, ProviderKind, Secret};
use async_trait::async_trait;

/// Who said a turn of the conversation sent to a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatRole {
    User,
    Assistant,
}

impl ChatRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatRole::User => "user",
            ChatRole::Assistant => "assistant",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatTurn {
    pub role: ChatRole,
    pub content: String,
}

/// One request to a model, in provider-neutral form.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub model: String,
    /// System prompt (and any conversation summary), sent the way each API expects.
    pub system: Option<String>,
    /// Oldest first; consecutive turns of one role are merged by the clients
    /// that require alternation.
    pub turns: Vec<ChatTurn>,
    /// Reply length cap, for the APIs that require one (Anthropic).
    pub max_tokens: u32,
}

/// What a provider stream yields, normalized across wire formats.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderEvent {
    /// A piece of reply text. Never empty.
    TextDelta(String),
    /// Token counts as the provider reports them. Either may be missing in a
    /// given event; a later report of the same count replaces the earlier one
    /// (Anthropic's output count is cumulative).
    Usage {
        input_tokens: Option<u32>,
        output_tokens: Option<u32>,
    },
    /// The model finished; `reason` is the provider's own word for why.
    Stop { reason: String },
}

#[async_trait]
pub trait Provider: Send + Sync {
    /// The config entry name (e.g. `anthropic`, `groq`), used in errors.
    fn name(&self) -> &str;

    /// Sends the request. Resolves once the response headers are in and say
    /// success; the body then arrives through the stream. Dropping the
    /// stream closes the HTTP connection.
    async fn stream_chat(&self, request: &ChatRequest) -> Result<ProviderStream, ProviderFailure>;

    /// Model ids the provider reports serving.
    async fn list_models(&self) -> Result<Vec<String>, ProviderFailure>;
}

/// Builds the client for one configured provider entry. Every failure it
/// produces has the entry's credentials masked (see [`redact`]); build
/// clients through here rather than with their `new`.
pub fn build_provider(
    name: &str,
    config: &ProviderConfig,
    api_key: Option<Secret>,
    http: reqwest::Client,
) -> Box<dyn Provider> {
    let redactor = Redactor::new(api_key.as_ref(), &config.base_url);
    let base_url = config.base_url.trim_end_matches('/').to_string();
    let inner: Box<dyn Provider> = match config.kind {
        ProviderKind::Anthropic => Box::new(AnthropicProvider::new(name, base_url, api_key, http)),
        ProviderKind::Openai => Box::new(OpenAiProvider::new(
            name,
            base_url,
            api_key,
            config.include_usage,
            http,
        )),
        ProviderKind::Ollama => Box::new(OllamaProvider::new(name, base_url, http)),
    };
    Box::new(redact::Redacted { inner, redactor })
}

/// The conversation as `{role, content}` messages with the system prompt as
/// a leading `system` message: the shape OpenAI's and Ollama's chat APIs share.
pub(crate) fn messages_with_system_turn(request: &ChatRequest) -> Vec<serde_json::Value> {
    let system = request.system.as_deref().filter(|s| !s.is_empty());
    system
        .map(|system| serde_json::json!({ "role": "system", "content": system }))
        .into_iter()
        .chain(
            request
                .turns
                .iter()
                .map(|t| serde_json::json!({ "role": t.role.as_str(), "content": t.content })),
        )
        .collect()
}

/// Merges consecutive turns of the same role (left after a failed or
/// cancelled reply), for APIs that require user/assistant alternation.
pub(crate) fn alternating_turns(turns: &[ChatTurn]) -> Vec<ChatTurn> {
    let mut merged: Vec<ChatTurn> = Vec::with_capacity(turns.len());
    for turn in turns {
        match merged.last_mut() {
            Some(last) if last.role == turn.role => {
                last.content.push_str("\n\n");
                last.content.push_str(&turn.content);
            }
            _ => merged.push(turn.clone()),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_turns_of_one_role_merge() {
        let turn = |role, content: &str| ChatTurn {
            role,
            content: content.into(),
        };
        let merged = alternating_turns(&[
            turn(ChatRole::User, "a"),
            turn(ChatRole::User, "b"),
            turn(ChatRole::Assistant, "c"),
        ]);
        assert_eq!(
            merged,
            vec![
                turn(ChatRole::User, "a\n\nb"),
                turn(ChatRole::Assistant, "c")
            ]
        );
    }
}
