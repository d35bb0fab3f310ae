//! Writing archived chats into SQLite as they were: one transaction for the
//! whole archive, each chat turned into its rows ([`SessionDump::from_archived`])
//! and written by the same inserts as `load_session` (`store/load.rs`).

use super::load::{insert_message_rows, insert_session_row};
use super::{ImportCounts, ImportProgressFn, SessionDump};
use crate::archive::ArchivedSession;
use crate::error::{AppError, AppResult};
use crate::types::SessionInfo;
use sqlx::{Sqlite, Transaction};

/// Writes `sessions` whose ids `is_new` accepts, returning the counts and
/// the sessions written (for the caller's index).
pub(super) async fn write_sessions(
    tx: &mut Transaction<'_, Sqlite>,
    sessions: &[ArchivedSession],
    is_new: impl Fn(&SessionInfo) -> bool,
    progress: ImportProgressFn<'_>,
) -> AppResult<(ImportCounts, Vec<SessionInfo>)> {
    let mut counts = ImportCounts::default();
    let mut written = Vec::new();
    for (i, archived) in sessions.iter().enumerate() {
        let session = &archived.session;
        if !is_new(session) || written.iter().any(|w: &SessionInfo| w.id == session.id) {
            counts.sessions_skipped += 1;
        } else {
            let dump = SessionDump::from_archived(archived)?;
            if insert_session_row(tx, &dump.session).await? {
                insert_message_rows(tx, &dump.session.id, &dump.messages)
                    .await
                    .map_err(|err| taken_id_error(err, &dump))?;
                counts.sessions_imported += 1;
                counts.messages_imported += archived.messages.len() as u32;
                written.push(dump.session.info());
            } else {
                counts.sessions_skipped += 1;
            }
        }
        progress(i as u32 + 1);
    }
    Ok((counts, written))
}

/// A message id another chat here already uses is the archive's fault.
pub(super) fn taken_id_error(err: sqlx::Error, dump: &SessionDump) -> AppError {
    match err.as_database_error() {
        Some(db) if db.is_unique_violation() => AppError::archive(
            "",
            format!(
                "a message of chat {} has an id another chat here already uses ({db})",
                dump.session.id
            ),
        ),
        _ => AppError::from(err),
    }
}
