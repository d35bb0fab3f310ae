use super::arg::Arg;
use crate::events::ProgressEmitter;
use crate::state::AppState;
use clawdesk_core::archive::{ExportFormat, ExportResult, ImportResult};
use clawdesk_core::ids::SessionId;
use clawdesk_core::AppError;
use tauri::State;

/// Writes one chat to the file at `path` (absolute, as the save dialog
/// returns it; overwritten) as Markdown or as a JSON archive (see
/// `docs/archive-format.md`). Window only: over the gateway a server path
/// means nothing to the caller.
#[tauri::command]
#[specta::specta]
pub async fn export_session(
    state: State<'_, AppState>,
    session_id: Arg<SessionId>,
    path: Arg<String>,
    format: Arg<ExportFormat>,
) -> Result<ExportResult, AppError> {
    state
        .export_session(&session_id, path.into_inner(), *format)
        .await
}

/// Writes every chat to the file at `path` (absolute; overwritten) as one
/// JSON archive. Window only.
#[tauri::command]
#[specta::specta]
pub async fn export_all_sessions(
    state: State<'_, AppState>,
    path: Arg<String>,
) -> Result<ExportResult, AppError> {
    state.export_all_sessions(path.into_inner()).await
}

/// Imports the file at `path`: a ClawDesk JSON archive or ChatGPT's
/// `conversations.json` (each conversation's active branch). All or
/// nothing: a malformed or truncated file is an `archive` error naming
/// where and what, and nothing is imported; chats already here are
/// skipped. Emits `import-progress` while it runs. Window only.
#[tauri::command]
#[specta::specta]
pub async fn import_archive(
    state: State<'_, AppState>,
    progress: State<'_, ProgressEmitter>,
    path: Arg<String>,
) -> Result<ImportResult, AppError> {
    state
        .import_archive(path.into_inner(), progress.reporter())
        .await
}
