//! Where a reply's stream events go, and what they are. Every transport (the
//! window's typed events, the gateway's Server-Sent Events) forwards these
//! payloads as they are, and the cluster relays them between processes, so
//! their JSON is defined once, here.

use crate::error::FailureCode;
use crate::ids::{MessageId, SessionId};
use crate::types::{CompactionResult, Usage};
use serde::{Deserialize, Serialize};
use specta::Type;

/// A reply has started; chunks follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StreamStart {
    pub session_id: SessionId,
    pub message_id: MessageId,
}

/// One piece of reply text; `index` counts from 0 with no gaps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StreamChunk {
    pub session_id: SessionId,
    pub message_id: MessageId,
    pub content: String,
    pub index: u32,
}

/// The reply is complete and stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StreamEnd {
    pub session_id: SessionId,
    pub message_id: MessageId,
    pub usage: Usage,
}

/// The stream failed or was cancelled; nothing follows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionCompacted {
    pub session_id: SessionId,
    pub messages_before: u32,
    pub messages_after: u32,
    pub tokens_saved: u32,
}

/// One step of a streamed reply. Every started stream sees `Start`, then
/// `Chunk`s numbered from 0 without gaps, then exactly one `End` or `Error`.
/// `Compacted` is not part of that sequence: it reports an automatic
/// compaction of the session between a reply's `Start` and its first
/// `Chunk`, because the context was over the threshold or because the
/// provider refused it as too long (the request is then retried once).
///
/// Serialized as `{ "event": "stream-chunk", "payload": {...} }`: the wire
/// name ([`StreamEvent::name`]) and the payload a transport sends as is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", content = "payload")]
pub enum StreamEvent {
    #[serde(rename = "stream-start")]
    Start(StreamStart),
    #[serde(rename = "stream-chunk")]
    Chunk(StreamChunk),
    #[serde(rename = "stream-end")]
    End(StreamEnd),
    #[serde(rename = "stream-error")]
    Error(StreamError),
    #[serde(rename = "session-compacted")]
    Compacted(SessionCompacted),
}

impl StreamEvent {
    pub fn compacted(session_id: &SessionId, result: CompactionResult) -> Self {
        Self::Compacted(SessionCompacted {
            session_id: session_id.clone(),
            messages_before: result.messages_before,
            messages_after: result.messages_after,
            tokens_saved: result.tokens_saved,
        })
    }

    pub fn session_id(&self) -> &SessionId {
        match self {
            Self::Start(StreamStart { session_id, .. })
            | Self::Chunk(StreamChunk { session_id, .. })
            | Self::End(StreamEnd { session_id, .. })
            | Self::Error(StreamError { session_id, .. })
            | Self::Compacted(SessionCompacted { session_id, .. }) => session_id,
        }
    }

    /// The event's name on every transport (`stream-start`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Start(_) => "stream-start",
            Self::Chunk(_) => "stream-chunk",
            Self::End(_) => "stream-end",
            Self::Error(_) => "stream-error",
            Self::Compacted(_) => "session-compacted",
        }
    }

    /// The payload's JSON, exactly as the window receives it.
    pub fn payload_json(&self) -> String {
        let json = match self {
            Self::Start(p) => serde_json::to_string(p),
            Self::Chunk(p) => serde_json::to_string(p),
            Self::End(p) => serde_json::to_string(p),
            Self::Error(p) => serde_json::to_string(p),
            Self::Compacted(p) => serde_json::to_string(p),
        };
        // Plain structs of strings and numbers: serializing cannot fail.
        json.expect("stream payloads serialize")
    }
}

pub trait StreamSink: Send + Sync {
    /// Called in order from the task that streams the reply; must not block.
    fn emit(&self, event: StreamEvent);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_payloads_match_the_window_events() {
        let session_id = SessionId::generate();
        let message_id = MessageId::generate();
        let event = StreamEvent::Chunk(StreamChunk {
            session_id: session_id.clone(),
            message_id: message_id.clone(),
            content: "hi".into(),
            index: 0,
        });
        let payload = json!({
            "sessionId": session_id.as_str(),
            "messageId": message_id.as_str(),
            "content": "hi",
            "index": 0,
        });
        assert_eq!(event.name(), "stream-chunk");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&event.payload_json()).unwrap(),
            payload
        );
        let tagged = serde_json::to_value(&event).unwrap();
        assert_eq!(
            tagged,
            json!({ "event": "stream-chunk", "payload": payload })
        );
        assert_eq!(
            serde_json::from_value::<StreamEvent>(tagged).unwrap(),
            event
        );
    }
}
