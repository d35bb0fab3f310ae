//! `send_message`, `send_message_streaming`, `cancel_stream`,
//! `compact_session`.

use super::ClawDesk;
use crate::ids::SessionId;
use crate::types::{CompactionResult, MessageResponse};
use crate::AppResult;

impl ClawDesk {
    /// Sends a message and waits for the whole reply; stream events are
    /// emitted too, so other views stay live.
    #[tracing::instrument(name = "send_message", skip_all, fields(%session_id))]
    pub async fn send_message(
        &self,
        session_id: &SessionId,
        content: &str,
    ) -> AppResult<MessageResponse> {
        self.track(
            self.agent_pipeline
                .send(session_id, content, self.stream_sink.clone()),
        )
        .await
    }

    /// Stores the message, starts the reply and returns; the reply arrives
    /// as stream events.
    #[tracing::instrument(name = "send_message_streaming", skip_all, fields(%session_id))]
    pub async fn send_message_streaming(
        &self,
        session_id: &SessionId,
        content: &str,
    ) -> AppResult<()> {
        self.track(self.agent_pipeline.send_streaming(
            session_id,
            content,
            self.stream_sink.clone(),
        ))
        .await
    }

    /// Stops the session's running reply (no-op when none runs).
    #[tracing::instrument(name = "cancel_stream", skip_all, fields(%session_id))]
    pub async fn cancel_stream(&self, session_id: &SessionId) -> AppResult<()> {
        self.track(self.agent_pipeline.cancel(session_id)).await
    }

    /// Summarizes the older part of the session with the session's model.
    #[tracing::instrument(name = "compact_session", skip_all, fields(%session_id))]
    pub async fn compact_session(&self, session_id: &SessionId) -> AppResult<CompactionResult> {
        self.track(self.agent_pipeline.compact(session_id)).await
    }
}
