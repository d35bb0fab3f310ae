use super::arg::Arg;
use crate::state::AppState;
use clawdesk_core::ids::SessionId;
use clawdesk_core::page::{SessionCursor, SessionPage};
use clawdesk_core::types::{Message, SessionInfo, SessionPatch};
use clawdesk_core::AppError;
use tauri::State;

/// Creates an empty session. `channelId` defaults to `"desktop"`; `model`
/// defaults to the configured default model (or, when no provider serves
/// that, a model a running provider such as a local Ollama reports), which
/// the session keeps.
#[tauri::command]
#[specta::specta]
pub async fn create_session(
    state: State<'_, AppState>,
    channel_id: Arg<Option<String>>,
    model: Arg<Option<String>>,
) -> Result<SessionInfo, AppError> {
    state
        .create_session(channel_id.into_inner(), model.into_inner())
        .await
}

/// Every session, most recently active first.
#[tauri::command]
#[specta::specta]
pub async fn list_sessions(state: State<'_, AppState>) -> Result<Vec<SessionInfo>, AppError> {
    state.list_sessions().await
}

/// One page of the sessions, for a list that loads as it scrolls: most
/// recently active first (with `pinnedFirst`, pinned sessions before the
/// rest), up to `limit` (default 50, at most 500). `cursor` is the previous
/// page's `nextCursor`, passed with the same `pinnedFirst`; `null` for the
/// first page. A malformed or mismatched cursor is `invalidArgument`
/// (`cursor`). `list_sessions` still returns every session at once.
#[tauri::command]
#[specta::specta]
pub async fn list_sessions_page(
    state: State<'_, AppState>,
    cursor: Arg<Option<SessionCursor>>,
    limit: Arg<Option<u32>>,
    pinned_first: Arg<Option<bool>>,
) -> Result<SessionPage, AppError> {
    state
        .list_sessions_page(cursor.into_inner(), *limit, *pinned_first)
        .await
}

/// Renames, re-models, pins or sets the system prompt of a session (see
/// `SessionPatch`; at least one field). Validated before anything is
/// written: `invalidArgument` names the bad field, and nothing changes.
/// Returns the session as stored.
#[tauri::command]
#[specta::specta]
pub async fn update_session(
    state: State<'_, AppState>,
    session_id: Arg<SessionId>,
    patch: Arg<SessionPatch>,
) -> Result<SessionInfo, AppError> {
    state.update_session(&session_id, patch.into_inner()).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_session(
    state: State<'_, AppState>,
    session_id: Arg<SessionId>,
) -> Result<SessionInfo, AppError> {
    state.get_session(&session_id).await
}

/// Deletes the session and all of its messages.
#[tauri::command]
#[specta::specta]
pub async fn delete_session(
    state: State<'_, AppState>,
    session_id: Arg<SessionId>,
) -> Result<(), AppError> {
    state.delete_session(&session_id).await
}

/// Messages oldest first; with `limit`, the newest `limit` of them.
#[tauri::command]
#[specta::specta]
pub async fn get_messages(
    state: State<'_, AppState>,
    session_id: Arg<SessionId>,
    limit: Arg<Option<u32>>,
) -> Result<Vec<Message>, AppError> {
    state.get_messages(&session_id, *limit).await
}
