//! Types that cross the IPC boundary. Every field is camelCase in JSON, every
//! number fits a JavaScript double (u32 / f64, never u64).

use crate::config::ProviderKind;
use crate::error::FailureCode;
use crate::ids::{MessageId, SessionId};
use serde::{Deserialize, Serialize};
use specta::Type;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub id: SessionId,
    pub channel_id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC; the time of the latest message (or creation).
    pub last_active: String,
    /// Messages the chat shows: those of its active path (other versions of
    /// edited or regenerated messages are not counted).
    pub message_count: u32,
    /// Provider-qualified, `"<provider>/<model>"` (e.g. `"ollama/llama3.2"`);
    /// sessions created before that may hold a bare model id, which still
    /// resolves to the first usable provider serving it.
    pub model: Option<String>,
    /// Taken from the first user message, unless the user renamed the chat
    /// (`update_session`): a rename wins from then on.
    pub title: Option<String>,
    /// Kept at the top of the list (`list_sessions_page` with `pinnedFirst`).
    pub pinned: bool,
    /// This chat's own system prompt, sent instead of the configured
    /// `defaults.systemPrompt`; `null` uses the default.
    pub system_prompt: Option<String>,
}

/// What `update_session` changes. Every field is optional: one left out
/// stays as it is; at least one must be given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionPatch {
    /// A new title (one line, at most 200 characters, trimmed). From then on
    /// it wins over the title taken from the first message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub title: Option<String>,
    /// The model for the chat's next replies, qualified like
    /// `create_session`'s (`"llama3.2"` becomes `"ollama/llama3.2"` when
    /// Ollama serves it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub model: Option<String>,
    /// The chat's own system prompt, sent instead of the configured default.
    /// `null` (or a blank string) clears it, so the default applies again;
    /// leaving the field out keeps it as it is.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    // On the wire: absent, `null` or a string.
    #[specta(optional, type = Option<String>)]
    pub system_prompt: Option<Option<String>>,
    /// Keep the chat at the top of the list (`true`) or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub pinned: Option<bool>,
}

impl SessionPatch {
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.model.is_none()
            && self.system_prompt.is_none()
            && self.pinned.is_none()
    }
}

/// A field that is present, `null` included: `Some(None)` for `null`, so
/// "clear" and "leave as it is" (absent, `None` from `default`) differ.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    User,
    Assistant,
    System,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::System => "system",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "user" => Some(Role::User),
            "assistant" => Some(Role::Assistant),
            "system" => Some(Role::System),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum MessageStatus {
    Complete,
    /// Still arriving (or the app died while it was arriving).
    Streaming,
    Cancelled,
    Failed,
}

impl MessageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Complete => "complete",
            MessageStatus::Streaming => "streaming",
            MessageStatus::Cancelled => "cancelled",
            MessageStatus::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "complete" => Some(MessageStatus::Complete),
            "streaming" => Some(MessageStatus::Streaming),
            "cancelled" => Some(MessageStatus::Cancelled),
            "failed" => Some(MessageStatus::Failed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub input_tokens: u32,
    pub output_tokens: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: MessageId,
    pub session_id: SessionId,
    pub role: Role,
    pub content: String,
    pub model: Option<String>,
    pub usage: Option<Usage>,
    /// RFC 3339, UTC.
    pub timestamp: String,
    pub status: MessageStatus,
    /// Tokens the message takes in a request: the provider's output count
    /// for a reply, the model's tokenizer (or a calibrated estimate) otherwise.
    #[serde(default)]
    #[specta(optional)]
    pub tokens: u32,
    /// Replaced by a summary: still part of the history, no longer sent to the model.
    #[serde(default, skip_serializing_if = "is_false")]
    #[specta(optional)]
    pub compacted: bool,
    /// A `system` message written by compaction, summarizing the compacted messages.
    #[serde(default, skip_serializing_if = "is_false")]
    #[specta(optional)]
    pub summary: bool,
    /// Why a reply ended `failed` or `cancelled`: the same code and message
    /// its `stream-error` carried, kept across restarts. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub failure: Option<MessageFailure>,
    /// The message this one follows on its path (the question a reply
    /// answers, the reply a question follows); absent for a chat's first
    /// message. A summary names the last message it replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub parent_id: Option<MessageId>,
    /// Present when the message has other versions at its place (an edit of
    /// a question, a regenerated reply): which one it is, for "2 / 3" and
    /// its arrows. Absent when it is the only one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub versions: Option<Versions>,
}

/// Where a message stands among its versions: the messages with the same
/// parent, oldest first. `switch_branch` with `previous` or `next` shows
/// that version and the replies last seen below it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Versions {
    /// 1-based: "`position` / `count`".
    pub position: u32,
    /// At least 2.
    pub count: u32,
    /// The version before this one; absent for the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub previous: Option<MessageId>,
    /// The version after this one; absent for the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub next: Option<MessageId>,
}

/// Why a reply did not complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageFailure {
    pub code: FailureCode,
    /// For people, e.g. "anthropic: the API key was rejected".
    pub message: String,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// What `compact_session` did. Counts are of the messages in the live
/// context (those requests are built from); `tokensSaved` is that context's
/// stored token count before minus after.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CompactionResult {
    pub messages_before: u32,
    pub messages_after: u32,
    pub tokens_saved: u32,
}

/// The reply returned by `send_message` once it is complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageResponse {
    pub id: MessageId,
    /// Always `"assistant"`.
    pub role: Role,
    pub content: String,
    /// Provider-qualified: the provider and model that actually answered.
    pub model: String,
    pub usage: Usage,
    pub timestamp: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ModelCapability {
    Chat,
    Streaming,
    Vision,
    Tools,
    Reasoning,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    /// Provider-qualified, `"<provider>/<model>"`: pass it to
    /// `create_session` to chat with this provider's model.
    pub id: String,
    /// The provider entry (config key under `providers`) that serves it.
    pub provider: String,
    /// The model's own id at the provider (`"llama3.2"`, `"meta-llama/llama-3-8b"`).
    pub model: String,
    pub capabilities: Vec<ModelCapability>,
    pub context_window: u32,
    /// A name for people, e.g. "Claude Sonnet 4.5".
    pub display_name: String,
    /// Where the entry comes from: the built-in catalog or the provider's own listing.
    pub source: ModelSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ModelSource {
    Catalog,
    Discovered,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ChannelStatus {
    Active,
    Inactive,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChannelInfo {
    pub id: String,
    pub kind: String,
    pub status: ChannelStatus,
    /// Why the channel is not active, when it is not.
    pub detail: Option<String>,
    /// RFC 3339 time the channel became active.
    pub connected_at: Option<String>,
    /// Sessions that belong to this channel.
    pub session_count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum HealthLevel {
    Healthy,
    Degraded,
    Unhealthy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheck {
    /// `store`, `config` or `providers`.
    pub name: String,
    pub status: HealthLevel,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HealthStatus {
    pub status: HealthLevel,
    /// Whole seconds since the backend started.
    pub uptime: u32,
    pub channels_active: u32,
    /// Providers that answered the latest reachability check.
    pub providers_active: u32,
    /// The individual checks the status is derived from.
    pub checks: Vec<HealthCheck>,
    /// Every configured provider entry and whether it can answer.
    pub providers: Vec<ProviderHealth>,
    /// Where this backend writes its log files (to attach to a bug report);
    /// `null` when it logs to stderr only.
    pub log_directory: Option<String>,
    /// Where the API keys and the gateway token are kept.
    pub secret_store: SecretStoreStatus,
    /// Which database holds the sessions.
    pub storage: StorageStatus,
}

/// Which database holds the sessions, chosen at start: PostgreSQL when
/// `CLAWDESK_DATABASE_URL` or `storage.databaseUrl` names a server, else the
/// SQLite file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StorageStatus {
    pub kind: StorageKind,
    /// The database file, or the server's URL with its password masked
    /// (`postgres://user:***@host/db`).
    pub location: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum StorageKind {
    /// An embedded SQLite file, owned by one process.
    Sqlite,
    /// A PostgreSQL server, which several `clawdesk serve` processes can share.
    Postgres,
}

/// Where the secrets (API keys, the gateway token) are kept, chosen at
/// start: the OS keychain when one answers, else the 0600 file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SecretStoreStatus {
    pub kind: SecretStoreKind,
    /// Which keychain or file, and why it was chosen, for people.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum SecretStoreKind {
    /// The OS keychain: Secret Service (Linux), Keychain (macOS),
    /// Credential Manager (Windows).
    Keychain,
    /// `secrets.toml` beside the config, readable by the user only.
    File,
}

/// Whether a provider entry can answer, as the latest check found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ProviderState {
    /// It answered a model list request.
    Ready,
    /// It did not answer in time, or answered with an error.
    Unreachable,
    /// It needs an API key and none is set, or it rejected the key.
    NeedsKey,
    /// Turned off in the config.
    Disabled,
    /// Not checked yet (just started, or its entry just changed); the check runs.
    Checking,
}

/// One provider entry in `HealthStatus`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProviderHealth {
    /// The provider entry (config key under `providers`).
    pub name: String,
    pub kind: ProviderKind,
    pub status: ProviderState,
    /// What was found, or what to do about it, for people.
    pub detail: String,
    /// RFC 3339 time of the check the status comes from; `null` when none did.
    pub checked_at: Option<String>,
}

/// Latency figures over the recorded samples, in whole microseconds
/// (integers, so they are exact and never NaN in JSON).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LatencySummary {
    pub count: u32,
    pub p50_us: u32,
    pub p95_us: u32,
    pub max_us: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    /// Whole seconds since the backend started.
    pub uptime: u32,
    pub commands_total: u32,
    pub command_errors: u32,
    pub sessions_created: u32,
    pub sessions_deleted: u32,
    pub messages_user: u32,
    pub messages_assistant: u32,
    pub input_tokens: u32,
    pub output_tokens: u32,
    pub active_streams: u32,
    pub streams_completed: u32,
    pub streams_failed: u32,
    pub streams_cancelled: u32,
    pub time_to_first_chunk: LatencySummary,
    pub stream_duration: LatencySummary,
    pub store_query: LatencySummary,
}

/// A range of a text in UTF-16 code units, as JavaScript counts:
/// `text.slice(start, end)` is the range. `end` is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

/// Narrows `search_messages`. Every field is optional; unknown fields are
/// refused (`invalidArgument { field: "options" }`) rather than ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SearchOptions {
    /// Only this chat (`sessionNotFound` if it does not exist).
    #[serde(default)]
    #[specta(optional)]
    pub session_id: Option<SessionId>,
    /// Only messages of this role.
    #[serde(default)]
    #[specta(optional)]
    pub role: Option<Role>,
    /// Only messages written at or after this time (RFC 3339).
    #[serde(default)]
    #[specta(optional)]
    pub from: Option<String>,
    /// Only messages written at or before this time (RFC 3339).
    #[serde(default)]
    #[specta(optional)]
    pub to: Option<String>,
    /// Most hits to return: default 50, at most 200 (larger values are
    /// capped); 0 is refused.
    #[serde(default)]
    #[specta(optional)]
    pub limit: Option<u32>,
}

/// What `search_messages` found, grouped by chat. Chats come in the order
/// of their best hit; hits within a chat best first. Best is the most
/// relevant (BM25), then the most recent; a query matching more than 1,000
/// messages is ranked among its newest 1,000 matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SearchResults {
    pub groups: Vec<SearchGroup>,
    /// More messages matched than `limit` allowed.
    pub truncated: bool,
}

/// The hits of one chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SearchGroup {
    pub session_id: SessionId,
    /// The chat's title, as `SessionInfo.title`.
    pub title: Option<String>,
    pub hits: Vec<SearchHit>,
}

/// One message that matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub message_id: MessageId,
    pub role: Role,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// Plain text around the first match (never markup), with `…` where the
    /// message was cut and line breaks as spaces.
    pub snippet: String,
    /// Where the query matched in `snippet`, in UTF-16 code units, sorted
    /// and not overlapping: highlight `snippet.slice(start, end)`.
    pub matches: Vec<TextRange>,
    /// Compaction replaced the message by a summary; it is still part of
    /// the chat's history (and searchable), no longer sent to the model.
    #[serde(default, skip_serializing_if = "is_false")]
    #[specta(optional)]
    pub compacted: bool,
    /// A summary written by compaction.
    #[serde(default, skip_serializing_if = "is_false")]
    #[specta(optional)]
    pub summary: bool,
    /// The message is in a version of the chat other than the one shown (an
    /// earlier edit or regeneration): `switch_branch` to it before opening it.
    #[serde(default, skip_serializing_if = "is_false")]
    #[specta(optional)]
    pub other_branch: bool,
}

/// A stretch of a chat around one message: what `get_messages_around` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageWindow {
    /// Oldest first, including the message asked about.
    pub messages: Vec<Message>,
    /// Older messages exist before the first one here.
    pub has_older: bool,
    /// Newer messages exist after the last one here.
    pub has_newer: bool,
}
