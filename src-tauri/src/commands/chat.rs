use super::arg::Arg;
use crate::state::AppState;
use clawdesk_core::ids::SessionId;
use clawdesk_core::types::{CompactionResult, MessageResponse};
use clawdesk_core::AppError;
use tauri::State;

/// Sends a message and waits for the whole reply. The user message is
/// stored before the provider is called; the reply is stored as it streams
/// (stream events are emitted too, so other views stay live).
#[tauri::command]
#[specta::specta]
pub async fn send_message(
    state: State<'_, AppState>,
    session_id: Arg<SessionId>,
    content: Arg<String>,
) -> Result<MessageResponse, AppError> {
    state.send_message(&session_id, &content).await
}

/// Stores the message, starts the reply and returns; the reply arrives as
/// `stream-start`, `stream-chunk`..., then `stream-end` or `stream-error`.
#[tauri::command]
#[specta::specta]
pub async fn send_message_streaming(
    state: State<'_, AppState>,
    session_id: Arg<SessionId>,
    content: Arg<String>,
) -> Result<(), AppError> {
    state.send_message_streaming(&session_id, &content).await
}

/// Stops the session's running reply (no-op when none runs). The stream
/// ends with `stream-error { code: "cancelled" }` and the partial reply is
/// kept as `cancelled`.
#[tauri::command]
#[specta::specta]
pub async fn cancel_stream(
    state: State<'_, AppState>,
    session_id: Arg<SessionId>,
) -> Result<(), AppError> {
    state.cancel_stream(&session_id).await
}

/// Summarizes the older part of the session with the session's model and
/// keeps the recent messages verbatim (`compaction.keepRecent`). The
/// replaced messages stay in `get_messages` (marked `compacted`) but are no
/// longer sent; the summary is a `system` message marked `summary`. A small
/// session comes back unchanged with `tokensSaved: 0`; `sessionBusy` while
/// a reply streams; a provider failure changes nothing.
#[tauri::command]
#[specta::specta]
pub async fn compact_session(
    state: State<'_, AppState>,
    session_id: Arg<SessionId>,
) -> Result<CompactionResult, AppError> {
    state.compact_session(&session_id).await
}
