//! An in-memory copy of the sessions table, updated after each commit and
//! filled from the table only when every session is first asked for
//! (`list_sessions`), so opening the store does not read every session: the
//! sidebar reads pages from the table and start-up does not grow with the
//! number of chats.

use crate::ids::SessionId;
use crate::types::SessionInfo;
use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

/// A session as one commit left it, with the row's `revision` (bumped by
/// every write), which orders commits whose index updates race.
#[derive(Debug, Clone)]
pub(crate) struct Revised {
    pub session: SessionInfo,
    pub revision: i64,
}

#[derive(Default)]
struct Entries {
    sessions: HashMap<SessionId, Revised>,
    /// Holds every session of the table (after `fill`); until then it holds
    /// the sessions written since the store opened.
    complete: bool,
    /// Sessions deleted before `fill`, so a fill that read the table before
    /// a delete committed does not bring the session back.
    deleted: HashSet<SessionId>,
}

/// What the index knows about one session.
pub(crate) enum Known {
    Session(SessionInfo),
    /// Not in the table (deleted, or never there while the index is complete).
    Absent,
    /// Not written since the store opened: ask the table.
    Unknown,
}

#[derive(Default)]
pub(crate) struct SessionIndex {
    entries: RwLock<Entries>,
}

impl SessionIndex {
    /// Inserts or replaces a session with the row as committed. A row older
    /// than the one held (a lower revision: a later commit updated the index
    /// first) is ignored.
    pub fn upsert(&self, row: Revised) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        match entries.sessions.get(&row.session.id) {
            Some(held) if held.revision > row.revision => {}
            _ => {
                entries.sessions.insert(row.session.id.clone(), row);
            }
        }
    }

    pub fn remove(&self, id: &SessionId) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        entries.sessions.remove(id);
        if !entries.complete {
            entries.deleted.insert(id.clone());
        }
    }

    pub fn get(&self, id: &str) -> Known {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        match entries.sessions.get(id) {
            Some(row) => Known::Session(row.session.clone()),
            None if entries.complete || entries.deleted.contains(id) => Known::Absent,
            None => Known::Unknown,
        }
    }

    pub fn is_complete(&self) -> bool {
        self.entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .complete
    }

    /// Completes the index with `rows`, every session as the table held them
    /// when read. A session written since is already held, as committed
    /// then or later, and keeps that copy; one deleted since stays deleted.
    pub fn fill(&self, rows: Vec<Revised>) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.complete {
            return;
        }
        for row in rows {
            if !entries.deleted.contains(&row.session.id) {
                entries
                    .sessions
                    .entry(row.session.id.clone())
                    .or_insert(row);
            }
        }
        entries.deleted.clear();
        entries.complete = true;
    }

    /// Most recently active first; ties broken by ID, newest first. RFC 3339
    /// UTC strings with fixed millisecond precision sort as their times do.
    /// Every session only once the index is complete (`fill`).
    pub fn sorted(&self) -> Vec<SessionInfo> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let mut refs: Vec<&SessionInfo> = entries.sessions.values().map(|r| &r.session).collect();
        refs.sort_unstable_by(|a, b| (&b.last_active, &b.id).cmp(&(&a.last_active, &a.id)));
        refs.into_iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: &SessionId, revision: i64, title: &str) -> Revised {
        Revised {
            revision,
            session: session_info(id, title),
        }
    }

    fn session_info(id: &SessionId, title: &str) -> SessionInfo {
        SessionInfo {
            id: id.clone(),
            channel_id: "desktop".into(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
            last_active: "2026-01-01T00:00:00.000Z".into(),
            message_count: 0,
            model: None,
            title: Some(title.into()),
            pinned: false,
            system_prompt: None,
        }
    }

    #[test]
    fn a_fill_keeps_newer_writes_and_deletes() {
        let index = SessionIndex::default();
        let [renamed, deleted, untouched] = [(); 3].map(|_| SessionId::generate());
        // Read from the table first...
        let rows = vec![
            session(&renamed, 2, "old title"),
            session(&deleted, 1, "doomed"),
            session(&untouched, 5, "as stored"),
        ];
        assert!(matches!(index.get(&untouched), Known::Unknown));
        // ...then writes commit before the fill lands.
        index.upsert(session(&renamed, 3, "new title"));
        index.remove(&deleted);
        index.fill(rows);
        assert!(index.is_complete());
        let titles: Vec<(SessionId, Option<String>)> = index
            .sorted()
            .into_iter()
            .map(|s| (s.id, s.title))
            .collect();
        assert_eq!(titles.len(), 2);
        assert!(titles.contains(&(renamed.clone(), Some("new title".into()))));
        assert!(titles.contains(&(untouched.clone(), Some("as stored".into()))));
        assert!(matches!(index.get(&deleted), Known::Absent));
        assert!(matches!(index.get(&SessionId::generate()), Known::Absent));
    }

    #[test]
    fn of_racing_commits_the_later_revision_wins() {
        let index = SessionIndex::default();
        let id = SessionId::generate();
        index.upsert(session(&id, 5, "later"));
        index.upsert(session(&id, 4, "earlier, arriving last"));
        assert!(matches!(index.get(&id), Known::Session(s) if s.title.as_deref() == Some("later")));
        index.upsert(session(&id, 6, "next"));
        assert!(matches!(index.get(&id), Known::Session(s) if s.title.as_deref() == Some("next")));
    }
}
