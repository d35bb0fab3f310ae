use super::arg::Arg;
use crate::state::AppState;
use clawdesk_core::ids::SessionId;
use clawdesk_core::types::{Message, SessionInfo};
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
