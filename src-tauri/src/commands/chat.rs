use super::arg::Arg;
use crate::state::AppState;
use clawdesk_core::ids::{MessageId, SessionId};
use clawdesk_core::types::{CompactionResult, Message, MessageResponse};
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

/// Edits a question: stores `content` as a new version of the user's
/// message `messageId` and streams a new reply to it (`stream-start`, ...,
/// like `send_message_streaming`). The earlier version and its replies
/// stay, one `switch_branch` away. Returns the new version, whose
/// `versions` say where it stands. `messageNotFound` for an unknown id;
/// `invalidArgument { field: "messageId" }` for a reply or a summary;
/// `sessionBusy` while the chat answers. A refused edit changes nothing.
#[tauri::command]
#[specta::specta]
pub async fn edit_message(
    state: State<'_, AppState>,
    message_id: Arg<MessageId>,
    content: Arg<String>,
) -> Result<Message, AppError> {
    state.edit_message(&message_id, &content).await
}

/// Streams a new version of the reply `messageId` (complete, failed or
/// cancelled) to the same question, from `model` if given (qualified or
/// bare, like `create_session`'s) or the chat's model. The earlier reply
/// stays. Returns the new reply as it starts (empty, `streaming`); its text
/// arrives as stream events. `invalidArgument { field: "messageId" }` for
/// a user message or a summary.
#[tauri::command]
#[specta::specta]
pub async fn regenerate(
    state: State<'_, AppState>,
    message_id: Arg<MessageId>,
    model: Arg<Option<String>>,
) -> Result<Message, AppError> {
    state.regenerate(&message_id, model.as_deref()).await
}

/// Shows another version of a message: the path through `messageId`
/// becomes the chat's active path (what `get_messages`, requests and
/// exports read), continuing with the replies last seen below it. Nothing
/// is deleted. `sessionBusy` while the chat answers.
#[tauri::command]
#[specta::specta]
pub async fn switch_branch(
    state: State<'_, AppState>,
    message_id: Arg<MessageId>,
) -> Result<(), AppError> {
    state.switch_branch(&message_id).await
}
