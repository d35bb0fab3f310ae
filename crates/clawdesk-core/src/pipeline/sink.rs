//! Where a reply's stream events go. The Tauri layer turns them into typed
//! window events; tests and benchmarks collect them.

use crate::error::FailureCode;
use crate::ids::{MessageId, SessionId};
use crate::types::{CompactionResult, Usage};

/// One step of a streamed reply. Every started stream sees `Start`, then
/// `Chunk`s numbered from 0 without gaps, then exactly one `End` or `Error`.
/// `Compacted` is not part of that sequence: it reports an automatic
/// compaction of the session between a reply's `Start` and its first
/// `Chunk`, because the context was over the threshold or because the
/// provider refused it as too long (the request is then retried once).
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    Start {
        session_id: SessionId,
        message_id: MessageId,
    },
    Chunk {
        session_id: SessionId,
        message_id: MessageId,
        content: String,
        index: u32,
    },
    End {
        session_id: SessionId,
        message_id: MessageId,
        usage: Usage,
    },
    Error {
        session_id: SessionId,
        message_id: MessageId,
        code: FailureCode,
        message: String,
    },
    Compacted {
        session_id: SessionId,
        messages_before: u32,
        messages_after: u32,
        tokens_saved: u32,
    },
}

impl StreamEvent {
    pub fn compacted(session_id: &SessionId, result: CompactionResult) -> Self {
        Self::Compacted {
            session_id: session_id.clone(),
            messages_before: result.messages_before,
            messages_after: result.messages_after,
            tokens_saved: result.tokens_saved,
        }
    }

    pub fn session_id(&self) -> &SessionId {
        match self {
            Self::Start { session_id, .. }
            | Self::Chunk { session_id, .. }
            | Self::End { session_id, .. }
            | Self::Error { session_id, .. }
            | Self::Compacted { session_id, .. } => session_id,
        }
    }
}

pub trait StreamSink: Send + Sync {
    /// Called in order from the task that streams the reply; must not block.
    fn emit(&self, event: StreamEvent);
}
