//! Writing archived chats into PostgreSQL as they were: one transaction for
//! the whole archive, each chat turned into its rows
//! ([`SessionDump::from_archived`]) and written by the same inserts as
//! `load_session` (`load.rs`). A chat whose id is already in the database,
//! written by anyone, is skipped: the session row's `ON CONFLICT DO
//! NOTHING` decides, so two imports never both write it. The imported
//! messages' words are counted in the search vocabulary at the end, in the
//! same transaction.

use super::load::{insert_message_rows, insert_session_row};
use crate::archive::ArchivedSession;
use crate::error::AppResult;
use crate::store::import::taken_id_error;
use crate::store::{ImportCounts, ImportProgressFn, SessionDump};
use sqlx::{Postgres, Transaction};

pub(super) async fn write_sessions(
    tx: &mut Transaction<'_, Postgres>,
    sessions: &[ArchivedSession],
    progress: ImportProgressFn<'_>,
) -> AppResult<ImportCounts> {
    let mut counts = ImportCounts::default();
    let mut imported: Vec<&str> = Vec::new();
    for (i, archived) in sessions.iter().enumerate() {
        let dump = SessionDump::from_archived(archived)?;
        if insert_session_row(tx, &dump.session).await? {
            imported.push(archived.session.id.as_str());
            insert_message_rows(tx, &dump.session.id, &dump.messages)
                .await
                .map_err(|err| taken_id_error(err, &dump))?;
            counts.sessions_imported += 1;
            counts.messages_imported += archived.messages.len() as u32;
        } else {
            counts.sessions_skipped += 1;
        }
        progress(i as u32 + 1);
    }
    // Once for the whole archive, last: one sorted sweep of the words.
    super::vocabulary::count_sessions(tx, &imported).await?;
    Ok(counts)
}
