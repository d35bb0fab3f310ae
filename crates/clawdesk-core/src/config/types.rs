use serde::{Deserialize, Serialize};
use specta::Type;
use std::collections::BTreeMap;

/// The whole configuration as the backend uses it and `get_config` returns it.
///
/// No field carries a secret: `apiKeySet` only says whether one is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppConfig {
    pub gateway: GatewayConfig,
    /// Provider entries by name (`anthropic`, `openai`, `ollama`, or any
    /// name for another OpenAI-compatible server).
    pub providers: BTreeMap<String, ProviderConfig>,
    pub defaults: DefaultsConfig,
    pub compaction: CompactionConfig,
    pub network: NetworkConfig,
    pub storage: StorageConfig,
    pub logging: LoggingConfig,
    pub remote: RemoteConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GatewayConfig {
    /// Serve the commands and events over HTTP (`POST /v1/commands/<name>`,
    /// `GET /v1/events`). Off by default.
    pub enabled: bool,
    /// The address to listen on: an IP address or a host name. Loopback
    /// (`127.0.0.1`) by default; any other address must be set here
    /// explicitly, and exposes the gateway to that network.
    pub host: String,
    pub port: u16,
    /// Web origins (`"https://tool.example"`, scheme and host, and the port
    /// if not the scheme's own) whose pages may call the gateway from a
    /// browser. Empty by default: no CORS headers at all. The frontend the
    /// gateway serves itself needs none.
    pub allowed_origins: Vec<String>,
    /// Whether a gateway token is stored. Read-only: the token itself is a
    /// secret, read with `get_gateway_token` and replaced with
    /// `rotate_gateway_token`, never part of the config.
    pub token_set: bool,
}

/// The gateway's default address: loopback only.
pub const DEFAULT_GATEWAY_HOST: &str = "127.0.0.1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ProviderKind {
    /// Anthropic Messages API.
    Anthropic,
    /// OpenAI Chat Completions, or any server that speaks it.
    Openai,
    /// Ollama's native `/api/chat`.
    Ollama,
}

impl ProviderKind {
    /// Whether an entry of this kind can need an API key at all. Whether a
    /// given entry does is [`ProviderConfig::requires_api_key`].
    pub fn needs_api_key(self) -> bool {
        !matches!(self, ProviderKind::Ollama)
    }
}

/// The host of OpenAI's own API, the one OpenAI-compatible server that is
/// known to refuse every request without a key.
const OPENAI_API_HOST: &str = "api.openai.com";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    pub base_url: String,
    pub enabled: bool,
    /// Whether an API key is stored for this provider. Read-only: set the key
    /// with `update_config("providers.<name>.apiKey", "...")`.
    pub api_key_set: bool,
    /// OpenAI-compatible only: ask for a final usage chunk
    /// (`stream_options.include_usage`); some servers reject it.
    pub include_usage: bool,
}

impl ProviderConfig {
    /// Whether this entry cannot be used until an API key is stored: the
    /// one rule for routing ("usable") and health ("needs a key, has none").
    ///
    /// Anthropic always needs one. An OpenAI-kind entry needs one only on
    /// OpenAI's own API: the same kind speaks to LM Studio, llama.cpp, vLLM
    /// and other local servers that take none, and forcing a dummy key on
    /// them only hides them. Ollama never needs one.
    pub fn requires_api_key(&self) -> bool {
        match self.kind {
            ProviderKind::Anthropic => true,
            ProviderKind::Ollama => false,
            ProviderKind::Openai => reqwest::Url::parse(&self.base_url)
                .ok()
                .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
                .is_some_and(|host| host.trim_end_matches('.') == OPENAI_API_HOST),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DefaultsConfig {
    /// Model for new sessions that do not name one, provider-qualified
    /// (`"anthropic/claude-sonnet-4-5"`); a bare id still resolves to the
    /// first usable provider serving it.
    pub model: String,
    pub system_prompt: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CompactionConfig {
    /// Compact automatically before a send that would overflow the context.
    pub auto: bool,
    /// Percent of the model's context window that triggers auto-compaction.
    /// (A whole percent rather than a fraction: exact in JSON, never NaN.)
    pub threshold_percent: u32,
    /// Messages kept verbatim at the end of a session (at least 2).
    pub keep_recent: u32,
    /// The instruction the model gets to summarize the older part.
    pub summary_prompt: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NetworkConfig {
    pub connect_timeout_ms: u32,
    /// Longest wait for the first byte of a reply.
    pub first_byte_timeout_ms: u32,
    /// Longest silence allowed between two pieces of a streamed reply.
    pub idle_timeout_ms: u32,
    /// Retries for failures before the first token (never after).
    pub max_retries: u32,
    /// Longest wait before a retry. A provider that asks for more
    /// (`Retry-After`) fails the send at once as `rateLimited`, with
    /// `retryAfterMs` saying how long it asked for.
    pub max_retry_wait_ms: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StorageConfig {
    /// Database file; `null` means `clawdesk.db` in the app's data directory.
    /// Read at start-up.
    pub database_path: Option<String>,
    /// Read-only: a PostgreSQL database is configured (set it, write-only,
    /// with `update_config("storage.databaseUrl", "postgres://…")`; it is
    /// kept with the secrets, never in config.toml). Read at start-up; the
    /// `CLAWDESK_DATABASE_URL` environment variable wins over it.
    pub database_url_set: bool,
}

/// A ClawDesk server (`clawdesk serve`) the app's window works through
/// instead of this computer's database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RemoteConfig {
    /// The server's gateway address (`https://desk.example:1420`); `null`
    /// means the window uses this computer's own backend.
    pub url: Option<String>,
    /// Whether a token for that server is stored. Read-only: set it with
    /// `update_config("remote.token", "...")`, read it with
    /// `get_remote_token` (window only); it is a secret, never in the file.
    pub token_set: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LoggingConfig {
    /// The least severe events written to the log file (and stderr). Read at
    /// start-up; `RUST_LOG`, when set, wins. At every level up to `info` the
    /// log holds ids, providers, timings and outcomes, never message text,
    /// keys or credentials.
    pub level: LogLevel,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum LogLevel {
    Error,
    Warn,
    #[default]
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    /// The level's name as `RUST_LOG` and `tracing` spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warn => "warn",
            Self::Info => "info",
            Self::Debug => "debug",
            Self::Trace => "trace",
        }
    }
}

pub const DEFAULT_SUMMARY_PROMPT: &str =
    "Summarize the conversation so far for your own later use. \
Keep every fact, decision, name, number, code identifier and open question; drop pleasantries. \
Write it as a concise briefing in the language of the conversation.";

impl Default for AppConfig {
    fn default() -> Self {
        let provider = |kind, base_url: &str| ProviderConfig {
            kind,
            base_url: base_url.to_string(),
            enabled: true,
            api_key_set: false,
            include_usage: true,
        };
        let mut providers = BTreeMap::new();
        providers.insert(
            "anthropic".into(),
            provider(ProviderKind::Anthropic, "https://api.anthropic.com"),
        );
        providers.insert(
            "openai".into(),
            provider(ProviderKind::Openai, "https://api.openai.com/v1"),
        );
        providers.insert(
            "ollama".into(),
            provider(ProviderKind::Ollama, "http://127.0.0.1:11434"),
        );
        AppConfig {
            gateway: GatewayConfig {
                enabled: false,
                host: DEFAULT_GATEWAY_HOST.into(),
                port: 1420,
                allowed_origins: Vec::new(),
                token_set: false,
            },
            providers,
            defaults: DefaultsConfig {
                model: "anthropic/claude-sonnet-4-5".into(),
                system_prompt: "You are a helpful assistant.".into(),
            },
            compaction: CompactionConfig {
                auto: true,
                threshold_percent: 80,
                keep_recent: 8,
                summary_prompt: DEFAULT_SUMMARY_PROMPT.into(),
            },
            network: NetworkConfig {
                connect_timeout_ms: 10_000,
                first_byte_timeout_ms: 60_000,
                idle_timeout_ms: 60_000,
                max_retries: 2,
                max_retry_wait_ms: 60_000,
            },
            storage: StorageConfig {
                database_path: None,
                database_url_set: false,
            },
            logging: LoggingConfig {
                level: LogLevel::Info,
            },
            remote: RemoteConfig {
                url: None,
                token_set: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: ProviderKind, base_url: &str) -> ProviderConfig {
        ProviderConfig {
            kind,
            base_url: base_url.into(),
            enabled: true,
            api_key_set: false,
            include_usage: true,
        }
    }

    #[test]
    fn only_anthropic_and_openai_itself_require_a_key() {
        use ProviderKind::*;
        for (kind, url, required) in [
            (Anthropic, "https://api.anthropic.com", true),
            (Anthropic, "http://127.0.0.1:8080", true),
            (Openai, "https://api.openai.com/v1", true),
            (Openai, "https://API.OpenAI.com./v1", true),
            (Openai, "http://127.0.0.1:1234/v1", false),
            (Openai, "http://localhost:8000/v1", false),
            (Openai, "https://api.openai.com.example.net/v1", false),
            (Openai, "https://llm.internal/v1?api-version=1", false),
            (Ollama, "http://127.0.0.1:11434", false),
        ] {
            assert_eq!(
                entry(kind, url).requires_api_key(),
                required,
                "{kind:?} {url}"
            );
        }
    }
}
