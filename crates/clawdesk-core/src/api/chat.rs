//! `send_message`, `send_message_streaming`, `cancel_stream`,
//! `compact_session`, and the versions of a conversation: `edit_message`,
//! `regenerate`, `switch_branch`.

use super::ClawDesk;
use crate::error::AppError;
use crate::ids::{MessageId, SessionId};
use crate::pipeline::Turn;
use crate::types::{CompactionResult, Message, MessageResponse};
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

    /// Stores `content` as a new version of the user's message and streams
    /// a new reply to it, like `send_message_streaming`; the earlier version
    /// and its replies stay, one `switch_branch` away. Returns the new
    /// version (its `versions` say "2 / 2").
    #[tracing::instrument(name = "edit_message", skip_all, fields(%message_id))]
    pub async fn edit_message(&self, message_id: &MessageId, content: &str) -> AppResult<Message> {
        self.track(async {
            let turn = Turn::Edit {
                of: message_id,
                content,
            };
            let started = self
                .agent_pipeline
                .start_streaming(turn, self.stream_sink.clone())
                .await?;
            started
                .user_message
                .ok_or_else(|| AppError::internal("an edit stored no message"))
        })
        .await
    }

    /// Streams a new version of a reply (complete, failed or cancelled),
    /// from `model` (qualified or bare, like `create_session`'s) or the
    /// chat's model; the earlier reply stays. Returns the new reply as it
    /// starts (empty, `streaming`).
    #[tracing::instrument(name = "regenerate", skip_all, fields(%message_id))]
    pub async fn regenerate(
        &self,
        message_id: &MessageId,
        model: Option<&str>,
    ) -> AppResult<Message> {
        self.track(async {
            if model.is_some_and(|m| m.trim().is_empty()) {
                return Err(AppError::invalid_argument("model", "the model is empty"));
            }
            let turn = Turn::Regenerate {
                of: message_id,
                model,
            };
            let started = self
                .agent_pipeline
                .start_streaming(turn, self.stream_sink.clone())
                .await?;
            Ok(started.reply)
        })
        .await
    }

    /// Shows the version `message_id` of its place in the chat: the path
    /// through it becomes the active one, continuing with the replies last
    /// seen below it. `sessionBusy` while the chat answers.
    #[tracing::instrument(name = "switch_branch", skip_all, fields(%message_id))]
    pub async fn switch_branch(&self, message_id: &MessageId) -> AppResult<()> {
        self.track(self.agent_pipeline.switch_branch(message_id))
            .await
            .map(drop)
    }
}
