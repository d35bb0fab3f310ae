//! The stream events. Each is a `tauri_specta::Event`, so the bindings
//! carry typed `events.streamStart.listen(...)` etc. Every payload names its
//! session and message, so concurrent streams never mix.

use clawdesk_core::ids::{MessageId, SessionId};
use clawdesk_core::types::Usage;
use clawdesk_core::FailureCode;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri_specta::Event;

/// A reply has started; chunks follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct StreamStart {
    pub session_id: SessionId,
    pub message_id: MessageId,
}

/// One piece of reply text; `index` counts from 0 with no gaps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct StreamChunk {
    pub session_id: SessionId,
    pub message_id: MessageId,
    pub content: String,
    pub index: u32,
}

/// The reply is complete and stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct StreamEnd {
    pub session_id: SessionId,
    pub message_id: MessageId,
    pub usage: Usage,
}

/// The stream failed or was cancelled; nothing follows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct StreamError {
    pub session_id: SessionId,
    pub message_id: MessageId,
    pub code: FailureCode,
    pub message: String,
}

/// The session was compacted automatically before a reply: the context was
/// over `compaction.thresholdPercent` of the model's window, or the provider
/// refused it as too long. Counts are of the live context, as
/// `compact_session` reports them; reload the session's messages to see the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct SessionCompacted {
    pub session_id: SessionId,
    pub messages_before: u32,
    pub messages_after: u32,
    pub tokens_saved: u32,
}
