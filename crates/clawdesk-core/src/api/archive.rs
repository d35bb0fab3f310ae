//! `export_session`, `export_all_sessions`, `import_archive`: chats to and
//! from files the window chose (the native save/open dialog gives the path).

use super::ClawDesk;
use crate::archive::{
    read_import, render_markdown, Archive, ArchivedSession, ExportFormat, ExportResult,
    ImportProgress, ImportResult,
};
use crate::ids::SessionId;
use crate::types::Message;
use crate::{AppError, AppResult};
use std::path::{Path, PathBuf};

impl ClawDesk {
    /// Writes one chat to `path` (absolute; overwritten) as Markdown or as
    /// a JSON archive that `import_archive` reads back.
    #[tracing::instrument(name = "export_session", skip_all)]
    pub async fn export_session(
        &self,
        session_id: &SessionId,
        path: String,
        format: ExportFormat,
    ) -> AppResult<ExportResult> {
        self.track(async {
            let path = file_path(&path)?;
            let archived = self.archived(session_id).await?;
            let text = match format {
                ExportFormat::Markdown => render_markdown(&archived.session, &archived.messages),
                ExportFormat::Json => Archive::new(vec![archived.clone()]).to_json(),
            };
            write_file(path, text, 1, archived.messages.len()).await
        })
        .await
    }

    /// Writes every chat to `path` (absolute; overwritten) as one JSON
    /// archive, most recently active first.
    #[tracing::instrument(name = "export_all_sessions", skip_all)]
    pub async fn export_all_sessions(&self, path: String) -> AppResult<ExportResult> {
        self.track(async {
            let path = file_path(&path)?;
            let sessions = self.timed_store(self.session_store.list_sessions()).await?;
            let mut archived = Vec::with_capacity(sessions.len());
            for session in sessions {
                archived.push(self.archived(&session.id).await?);
            }
            let messages = archived.iter().map(|a| a.messages.len()).sum();
            let count = archived.len();
            let text = Archive::new(archived).to_json();
            write_file(path, text, count, messages).await
        })
        .await
    }

    /// Imports the file at `path`: our JSON archive or ChatGPT's
    /// `conversations.json` (each conversation's active branch). All or
    /// nothing: a malformed or truncated file is an `archive` error naming
    /// what is wrong, and nothing is imported. Chats already here (same id)
    /// are skipped, so importing twice adds nothing. `progress` hears how
    /// many chats are written (at most about a hundred times).
    #[tracing::instrument(name = "import_archive", skip_all)]
    pub async fn import_archive(
        &self,
        path: String,
        progress: impl Fn(ImportProgress) + Send + Sync + 'static,
    ) -> AppResult<ImportResult> {
        self.track(async {
            let path = file_path(&path)?;
            let bytes = tokio::fs::read(&path).await.map_err(|err| {
                AppError::invalid_argument("path", format!("cannot read {}: {err}", path.display()))
            })?;
            // Parsing 100,000 messages is CPU work: off the async workers.
            let imported = tokio::task::spawn_blocking(move || read_import(&bytes))
                .await
                .map_err(AppError::internal)??;
            let total = imported.sessions.len() as u32;
            let step = (total / 100).max(1);
            progress(ImportProgress { done: 0, total });
            let report = move |done: u32| {
                if done.is_multiple_of(step) || done == total {
                    progress(ImportProgress { done, total });
                }
            };
            let counts = self
                .timed_store(
                    self.session_store
                        .import_sessions(&imported.sessions, &report),
                )
                .await?;
            tracing::info!(
                imported = counts.sessions_imported,
                skipped = counts.sessions_skipped,
                messages = counts.messages_imported,
                "import finished"
            );
            Ok(ImportResult {
                source: imported.source,
                sessions_imported: counts.sessions_imported,
                sessions_skipped: counts.sessions_skipped,
                messages_imported: counts.messages_imported,
            })
        })
        .await
    }

    async fn archived(&self, session_id: &SessionId) -> AppResult<ArchivedSession> {
        let session = self
            .timed_store(self.session_store.get_session(session_id))
            .await?;
        // The chat as it is shown: its active path. Other versions are not
        // part of an export, so nothing in it points at them.
        let messages = self
            .timed_store(self.session_store.get_messages(session_id, None))
            .await?
            .into_iter()
            .map(|message| Message {
                versions: None,
                ..message
            })
            .collect();
        Ok(ArchivedSession { session, messages })
    }
}

/// The file an export or import names: absolute, so it never depends on
/// the app's working directory.
fn file_path(path: &str) -> AppResult<PathBuf> {
    let path = PathBuf::from(path);
    if path.as_os_str().is_empty() || !path.is_absolute() {
        return Err(AppError::invalid_argument(
            "path",
            format!("{} is not an absolute file path", path.display()),
        ));
    }
    Ok(path)
}

/// Writes through a temporary file renamed into place, so a failed export
/// never leaves half a file where an older export was.
async fn write_file(
    path: PathBuf,
    text: String,
    sessions: usize,
    messages: usize,
) -> AppResult<ExportResult> {
    let bytes = text.len();
    tokio::task::spawn_blocking(move || write_atomically(&path, text.as_bytes()))
        .await
        .map_err(AppError::internal)??;
    Ok(ExportResult {
        sessions: sessions as u32,
        messages: messages as u32,
        bytes: bytes.min(u32::MAX as usize) as u32,
    })
}

fn write_atomically(path: &Path, bytes: &[u8]) -> AppResult<()> {
    let cannot = |err: std::io::Error| {
        // tempfile's errors name the temporary file (random); say only why.
        let why = err.raw_os_error().map_or_else(
            || err.kind().to_string(),
            |code| std::io::Error::from_raw_os_error(code).to_string(),
        );
        AppError::invalid_argument("path", format!("cannot write {}: {why}", path.display()))
    };
    let dir = path.parent().unwrap_or(Path::new("/"));
    if !dir.is_dir() {
        return Err(AppError::invalid_argument(
            "path",
            format!("cannot write {}: the folder does not exist", path.display()),
        ));
    }
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(cannot)?;
    std::io::Write::write_all(&mut file, bytes).map_err(cannot)?;
    file.as_file().sync_all().map_err(cannot)?;
    file.persist(path).map_err(|e| cannot(e.error))?;
    Ok(())
}
