//! `create_session`, `list_sessions`, `list_sessions_page`, `get_session`,
//! `update_session`, `delete_session`, `get_messages`.

use super::ClawDesk;
use crate::ids::SessionId;
use crate::page::{PageOrder, SessionCursor, SessionPage, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT};
use crate::registry::DESKTOP_CHANNEL;
use crate::store::{NewSession, SessionUpdate};
use crate::types::{Message, SessionInfo, SessionPatch};
use crate::{AppError, AppResult};

const MAX_MODEL_ID_LEN: usize = 200;
/// Longest title a rename keeps, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Largest per-chat system prompt, in bytes (UTF-8).
pub const MAX_SYSTEM_PROMPT_BYTES: usize = 64 * 1024;

/// A rename: one line, not blank, at most [`MAX_TITLE_CHARS`]; trimmed.
fn validate_title(title: &str) -> AppResult<String> {
    let title = title.trim();
    if title.is_empty() {
        return Err(AppError::invalid_argument("title", "the title is empty"));
    }
    if title.chars().any(char::is_control) {
        return Err(AppError::invalid_argument(
            "title",
            "the title must be one line without control characters",
        ));
    }
    let chars = title.chars().count();
    if chars > MAX_TITLE_CHARS {
        return Err(AppError::invalid_argument(
            "title",
            format!("the title is {chars} characters; the limit is {MAX_TITLE_CHARS}"),
        ));
    }
    Ok(title.to_string())
}

/// `None` or a blank prompt clears (the default applies again); a prompt
/// is kept as written otherwise.
fn validate_system_prompt(prompt: Option<String>) -> AppResult<Option<String>> {
    let Some(prompt) = prompt.filter(|p| !p.trim().is_empty()) else {
        return Ok(None);
    };
    if prompt.len() > MAX_SYSTEM_PROMPT_BYTES {
        return Err(AppError::invalid_argument(
            "systemPrompt",
            format!(
                "the system prompt is {} bytes; the limit is {MAX_SYSTEM_PROMPT_BYTES}",
                prompt.len()
            ),
        ));
    }
    Ok(Some(prompt))
}

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

    /// One page of the sessions, for a list that loads as it scrolls:
    /// most recently active first (pinned ones before the rest with
    /// `pinned_first`), up to `limit` (default 50, at most 500) after
    /// `cursor` (a previous page's `nextCursor`, made with the same
    /// `pinned_first`; `None` for the first page).
    #[tracing::instrument(name = "list_sessions_page", skip_all)]
    pub async fn list_sessions_page(
        &self,
        cursor: Option<SessionCursor>,
        limit: Option<u32>,
        pinned_first: Option<bool>,
    ) -> AppResult<SessionPage> {
        self.track(async {
            let limit = limit.unwrap_or(DEFAULT_PAGE_LIMIT);
            if limit == 0 || limit > MAX_PAGE_LIMIT {
                return Err(AppError::invalid_argument(
                    "limit",
                    format!("must be between 1 and {MAX_PAGE_LIMIT}, not {limit}"),
                ));
            }
            let order = PageOrder::new(pinned_first.unwrap_or(false));
            self.timed_store(
                self.session_store
                    .list_sessions_page(order, cursor.as_ref(), limit),
            )
            .await
        })
        .await
    }

    /// Changes what `patch` names (title, model, system prompt, pinned) and
    /// returns the session. Everything is validated first: on any error
    /// nothing changes.
    #[tracing::instrument(name = "update_session", skip_all, fields(%session_id))]
    pub async fn update_session(
        &self,
        session_id: &SessionId,
        patch: SessionPatch,
    ) -> AppResult<SessionInfo> {
        self.track(async {
            if patch.is_empty() {
                return Err(AppError::invalid_argument(
                    "patch",
                    "name at least one of title, model, systemPrompt, pinned",
                ));
            }
            let title = patch.title.as_deref().map(validate_title).transpose()?;
            let system_prompt = patch
                .system_prompt
                .map(validate_system_prompt)
                .transpose()?;
            let model = match patch.model {
                Some(model) => {
                    validate_model_id(&model)?;
                    Some(self.provider_registry.qualify(&model).await)
                }
                None => None,
            };
            let update = SessionUpdate {
                title,
                model,
                system_prompt,
                pinned: patch.pinned,
            };
            self.timed_store(self.session_store.update_session(session_id, update))
                .await
        })
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
