//! Where a reply's stream events go. The Tauri layer turns them into typed
//! window events; tests and benchmarks collect them.

use crate::error::FailureCode;
use crate::types::Usage;

/// One step of a streamed reply. Every started stream sees `Start`, then
/// `Chunk`s numbered from 0 without gaps, then exactly one `End` or `Error`.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    Start {
        session_id: String,
        message_id: String,
    },
    Chunk {
        session_id: String,
        message_id: String,
        content: String,
        index: u32,
    },
    End {
        session_id: String,
        message_id: String,
        usage: Usage,
    },
    Error {
        session_id: String,
        message_id: String,
        code: FailureCode,
        message: String,
    },
}

impl StreamEvent {
    pub fn session_id(&self) -> &str {
        match self {
            Self::Start { session_id, .. }
            | Self::Chunk { session_id, .. }
            | Self::End { session_id, .. }
            | Self::Error { session_id, .. } => session_id,
        }
    }
}

pub trait StreamSink: Send + Sync {
    /// Called in order from the task that streams the reply; must not block.
    fn emit(&self, event: StreamEvent);
}
