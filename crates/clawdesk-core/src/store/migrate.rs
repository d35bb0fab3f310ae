//! Moving a whole history from one store into another (`clawdesk migrate`,
//! SQLite into PostgreSQL): every session of the source, a page at a time,
//! dumped as stored and loaded into the target with its ids and tree, then
//! counted back. A session already in the target is skipped, so running it
//! again after an interruption finishes the job and adds nothing twice.

use super::{LoadOutcome, SessionDump, SessionStore};
use crate::error::{AppError, AppResult};
use crate::ids::SessionId;
use crate::page::{PageOrder, SessionCursor};
use std::collections::HashSet;

/// Sessions read from the source per page.
const PAGE: u32 = 100;

/// What happened to one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationStep {
    /// Written into the target with this many messages.
    Copied {
        session_id: SessionId,
        messages: u32,
    },
    /// The target already had a session with this id; nothing written.
    AlreadyThere { session_id: SessionId },
    /// The target cannot take the session as it is (see
    /// [`SessionStore::load_session`]); nothing of it written.
    Refused { session_id: SessionId, why: String },
}

/// Told of each session as it is handled, with how many were handled so far.
pub type MigrationProgressFn<'a> = &'a (dyn Fn(&MigrationStep, u32) + Send + Sync);

/// What [`migrate_sessions`] did, and what the target holds afterwards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Sessions in the source.
    pub source_sessions: u32,
    /// Messages in the source, every version, compacted message and summary.
    pub source_messages: u64,
    /// Sessions written by this run.
    pub copied_sessions: u32,
    /// Messages written by this run.
    pub copied_messages: u64,
    /// Sessions the target already had (an earlier run, or written there).
    pub skipped_sessions: u32,
    /// Of the source's sessions, how many the target has after the run.
    pub target_sessions: u32,
    /// Of the source's messages (by id), how many the target has after the run.
    pub target_messages: u64,
    /// What did not match, one line each: a session or message missing in
    /// the target, or a copy written by this run that reads back otherwise.
    pub mismatches: Vec<String>,
}

impl MigrationReport {
    /// Every session and message of the source is in the target, and every
    /// copy this run wrote reads back as the source holds it.
    pub fn is_complete(&self) -> bool {
        self.mismatches.is_empty()
            && self.target_sessions == self.source_sessions
            && self.target_messages == self.source_messages
    }
}

/// Copies every session of `from` into `to` (see the module's doc), then
/// checks each against the target. A session the target refuses (its
/// message ids taken there) is a mismatch and the run goes on; any other
/// error of either store stops it (sessions copied until then stay: each
/// is one transaction, and a rerun skips them). `progress` hears of each
/// session.
pub async fn migrate_sessions(
    from: &dyn SessionStore,
    to: &dyn SessionStore,
    progress: MigrationProgressFn<'_>,
) -> AppResult<MigrationReport> {
    let mut report = MigrationReport::default();
    let mut cursor: Option<SessionCursor> = None;
    loop {
        let page = from
            .list_sessions_page(PageOrder::Recent, cursor.as_ref(), PAGE)
            .await?;
        for session in &page.sessions {
            let dump = from.dump_session(&session.id).await?;
            report.source_sessions += 1;
            report.source_messages += dump.messages.len() as u64;
            let step = match to.load_session(&dump).await {
                Ok(LoadOutcome::Loaded { messages }) => {
                    report.copied_sessions += 1;
                    report.copied_messages += u64::from(messages);
                    MigrationStep::Copied {
                        session_id: session.id.clone(),
                        messages,
                    }
                }
                Ok(LoadOutcome::AlreadyThere) => {
                    report.skipped_sessions += 1;
                    MigrationStep::AlreadyThere {
                        session_id: session.id.clone(),
                    }
                }
                // This session's rows cannot go in as they are (its message
                // ids are another session's there): the others still can,
                // and the count check reports it.
                Err(AppError::InvalidArgument { message, .. }) => {
                    report
                        .mismatches
                        .push(format!("session {} was not written: {message}", session.id));
                    MigrationStep::Refused {
                        session_id: session.id.clone(),
                        why: message,
                    }
                }
                Err(err) => return Err(err),
            };
            check_copy(to, &dump, &step, &mut report).await?;
            progress(&step, report.source_sessions);
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(report)
}

/// Reads the session back from the target and counts what of `source` is
/// there. A copy this run wrote must read back equal, row for row.
async fn check_copy(
    to: &dyn SessionStore,
    source: &SessionDump,
    step: &MigrationStep,
    report: &mut MigrationReport,
) -> AppResult<()> {
    let id = &source.session.id;
    let target = match to.dump_session(id).await {
        Ok(target) => target,
        Err(AppError::SessionNotFound { .. }) => {
            report
                .mismatches
                .push(format!("session {id} is not in the target"));
            return Ok(());
        }
        Err(err) => return Err(err),
    };
    report.target_sessions += 1;
    let there: HashSet<&str> = target.messages.iter().map(|m| m.id.as_str()).collect();
    let present = source
        .messages
        .iter()
        .filter(|m| there.contains(m.id.as_str()))
        .count();
    report.target_messages += present as u64;
    if present != source.messages.len() {
        report.mismatches.push(format!(
            "session {id}: {} of its {} messages are not in the target",
            source.messages.len() - present,
            source.messages.len()
        ));
    }
    if matches!(step, MigrationStep::Copied { .. }) && target != *source {
        // Written by this run, so nothing else had a chance to change it.
        report
            .mismatches
            .push(format!("session {id} reads back from the target otherwise"));
    }
    Ok(())
}

/// The error for a source database that is not there: a migration reads an
/// existing history and never makes an empty one.
pub fn missing_source(path: &std::path::Path) -> AppError {
    AppError::storage(format!(
        "{} does not exist: give the SQLite database to move (the app's clawdesk.db)",
        path.display()
    ))
}
