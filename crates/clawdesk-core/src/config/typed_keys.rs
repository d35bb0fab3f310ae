//! The keys `update_config` accepts and the type of each value, for the
//! generated TypeScript: `commands.updateConfig("gateway.port", 1500)`
//! compiles, `commands.updateConfig("gateway.prot", 1500)` and
//! `commands.updateConfig("gateway.port", "1500")` do not.
//!
//! These types describe the contract only; `update_config` applies updates
//! through the generic JSON walk in `keys.rs`, and a test checks that the
//! two agree on every key.

use super::types::{LogLevel, ProviderKind};
use serde::Serialize;
use specta::Type;

/// The value type of every fixed key of `update_config`, by dotted key.
/// Provider entries, whose names the user chooses, are described by
/// [`ProviderSettings`] and [`NewProvider`].
#[derive(Debug, Clone, Default, Serialize, Type)]
pub struct ConfigValues {
    #[serde(rename = "gateway.enabled")]
    pub gateway_enabled: bool,
    /// An IP address or host name; anything but loopback must be chosen here.
    #[serde(rename = "gateway.host")]
    pub gateway_host: String,
    #[serde(rename = "gateway.port")]
    pub gateway_port: u16,
    /// Web origins allowed to call the gateway from a browser (CORS).
    #[serde(rename = "gateway.allowedOrigins")]
    pub gateway_allowed_origins: Vec<String>,
    /// A model id, provider-qualified (`"ollama/llama3.2"`).
    #[serde(rename = "defaults.model")]
    pub defaults_model: String,
    #[serde(rename = "defaults.systemPrompt")]
    pub defaults_system_prompt: String,
    #[serde(rename = "compaction.auto")]
    pub compaction_auto: bool,
    #[serde(rename = "compaction.thresholdPercent")]
    pub compaction_threshold_percent: u32,
    #[serde(rename = "compaction.keepRecent")]
    pub compaction_keep_recent: u32,
    #[serde(rename = "compaction.summaryPrompt")]
    pub compaction_summary_prompt: String,
    #[serde(rename = "network.connectTimeoutMs")]
    pub network_connect_timeout_ms: u32,
    #[serde(rename = "network.firstByteTimeoutMs")]
    pub network_first_byte_timeout_ms: u32,
    #[serde(rename = "network.idleTimeoutMs")]
    pub network_idle_timeout_ms: u32,
    #[serde(rename = "network.maxRetries")]
    pub network_max_retries: u32,
    #[serde(rename = "network.maxRetryWaitMs")]
    pub network_max_retry_wait_ms: u32,
    /// `null` puts the database back in the app's data directory.
    #[serde(rename = "storage.databasePath")]
    pub storage_database_path: Option<String>,
    /// Write-only (a secret: masked in health, never in config.toml): a
    /// `postgres://` URL puts the sessions on that server from the next
    /// start; `null` goes back to the local database. `CLAWDESK_DATABASE_URL`
    /// wins over it.
    #[serde(rename = "storage.databaseUrl")]
    pub storage_database_url: Option<String>,
    /// Read at start-up; `RUST_LOG` wins when set.
    #[serde(rename = "logging.level")]
    pub logging_level: LogLevel,
    /// A ClawDesk server's address (`http(s)://host[:port]`) for the window
    /// to work through; `null` goes back to this computer.
    #[serde(rename = "remote.url")]
    pub remote_url: Option<String>,
    /// Write-only: the token of the server at `remote.url`, kept with the
    /// other secrets; `null` removes it.
    #[serde(rename = "remote.token")]
    pub remote_token: Option<String>,
}

/// The value type of each field of a provider entry,
/// `update_config("providers.<name>.<field>", value)`.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProviderSettings {
    pub kind: ProviderKind,
    pub base_url: String,
    pub enabled: bool,
    pub include_usage: bool,
    /// Write-only; `null` removes the stored key.
    pub api_key: Option<String>,
}

/// A whole provider entry, `update_config("providers.<name>", entry)`;
/// `null` removes the entry (and its key).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NewProvider {
    pub kind: ProviderKind,
    pub base_url: String,
    /// Default `true`.
    #[specta(optional)]
    pub enabled: bool,
    /// Default `true` (OpenAI-compatible only).
    #[specta(optional)]
    pub include_usage: bool,
}

/// The fields a provider entry may be given, in an object or one by one.
pub const PROVIDER_FIELDS: &[&str] = &["kind", "baseUrl", "enabled", "includeUsage"];

/// TypeScript that ties each key to its value type. Appended to the
/// bindings, where `commands.updateConfig` is made generic over it.
pub const TYPESCRIPT: &str = r#"
/** Every key `updateConfig` accepts: a fixed key, a provider entry, or one field of a provider entry. */
export type ConfigKey =
	| keyof ConfigValues
	| `providers.${string}`
	| `providers.${string}.${keyof ProviderSettings}`;

/** The value `updateConfig` takes for key `K`; `never` for anything else, so a wrong key or value does not compile. */
export type ConfigValueOf<K extends ConfigKey> = K extends keyof ConfigValues
	? ConfigValues[K]
	: K extends `providers.${string}.${infer F}`
		? F extends keyof ProviderSettings
			? ProviderSettings[F]
			: never
		: K extends `providers.${string}`
			? NewProvider | null
			: never;
"#;
