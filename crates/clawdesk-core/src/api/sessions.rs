//! `create_session`, `list_sessions`, `get_session`, `delete_session`,
//! `get_messages`.

use super::ClawDesk;
use crate::ids::SessionId;
use crate::registry::DESKTOP_CHANNEL;
use crate::store::NewSession;
use crate::types::{Message, SessionInfo};
use crate::{AppError, AppResult};

const MAX_MODEL_ID_LEN: usize = 200;

fn validate_model_id(model: &str) -> AppResult<()> {
    if model.trim().is_empty()
        || model.len() > MAX_MODEL_ID_LEN
        || model.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(AppError::invalid_argument(
            "model",
            format!("{model:?} is not a model id"),
        ));
    }
    Ok(())
}

impl ClawDesk {
    /// Creates an empty session. `channel_id` defaults to `"desktop"`;
    /// `model` defaults to the configured default model (or a model a
    /// running provider reports), which the session keeps.
    #[tracing::instrument(name = "create_session", skip_all)]
    pub async fn create_session(
        &self,
        channel_id: Option<String>,
        model: Option<String>,
    ) -> AppResult<SessionInfo> {
        self.track(async {
            let channel_id = channel_id.unwrap_or_else(|| DESKTOP_CHANNEL.to_string());
            if !self.channel_registry.exists(&channel_id) {
                return Err(AppError::invalid_argument(
                    "channelId",
                    format!("unknown channel {channel_id:?}"),
                ));
            }
            let model = match model {
                Some(model) => {
                    validate_model_id(&model)?;
                    self.provider_registry.qualify(&model).await
                }
                None => self.provider_registry.default_model().await,
            };
            let session = self
                .timed_store(self.session_store.create_session(NewSession {
                    channel_id,
                    model: Some(model),
                }))
                .await?;
            self.metrics.session_created();
            Ok(session)
        })
        .await
    }

    /// Every session, most recently active first.
    #[tracing::instrument(name = "list_sessions", skip_all)]
    pub async fn list_sessions(&self) -> AppResult<Vec<SessionInfo>> {
        self.track(self.timed_store(self.session_store.list_sessions()))
            .await
    }

    #[tracing::instrument(name = "get_session", skip_all, fields(%session_id))]
    pub async fn get_session(&self, session_id: &SessionId) -> AppResult<SessionInfo> {
        self.track(self.timed_store(self.session_store.get_session(session_id)))
            .await
    }

    /// Deletes the session and all of its messages, after cancelling a reply
    /// or compaction running there (see `Pipeline::delete_session`).
    #[tracing::instrument(name = "delete_session", skip_all, fields(%session_id))]
    pub async fn delete_session(&self, session_id: &SessionId) -> AppResult<()> {
        self.track(async {
            self.timed_store(self.agent_pipeline.delete_session(session_id))
                .await?;
            self.metrics.session_deleted();
            Ok(())
        })
        .await
    }

    /// Messages oldest first; with `limit`, the newest `limit` of them.
    #[tracing::instrument(name = "get_messages", skip_all, fields(%session_id))]
    pub async fn get_messages(
        &self,
        session_id: &SessionId,
        limit: Option<u32>,
    ) -> AppResult<Vec<Message>> {
        self.track(self.timed_store(self.session_store.get_messages(session_id, limit)))
            .await
    }
}
