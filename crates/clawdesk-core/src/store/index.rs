//! An in-memory copy of the sessions table, updated after each commit.

use crate::ids::SessionId;
use crate::types::SessionInfo;
use std::collections::HashMap;
use std::sync::RwLock;

#[derive(Default)]
pub(crate) struct SessionIndex {
    sessions: RwLock<HashMap<SessionId, SessionInfo>>,
}

impl SessionIndex {
    /// Inserts or replaces a session with the row as committed. A row that is
    /// older than the one held (fewer messages: a concurrent commit landed
    /// first and updated the index before this one) is ignored.
    pub fn upsert(&self, session: SessionInfo) {
        let mut sessions = self.sessions.write().unwrap_or_else(|p| p.into_inner());
        match sessions.get(&session.id) {
            Some(held) if held.message_count > session.message_count => {}
            _ => {
                sessions.insert(session.id.clone(), session);
            }
        }
    }

    pub fn remove(&self, id: &str) {
        self.sessions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }

    /// Messages in all sessions.
    pub fn message_total(&self) -> u64 {
        self.sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(|s| u64::from(s.message_count))
            .sum()
    }

    pub fn get(&self, id: &str) -> Option<SessionInfo> {
        self.sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    /// Most recently active first; ties broken by ID, newest first. RFC 3339
    /// UTC strings with fixed millisecond precision sort as their times do.
    pub fn sorted(&self) -> Vec<SessionInfo> {
        let sessions = self.sessions.read().unwrap_or_else(|p| p.into_inner());
        let mut refs: Vec<&SessionInfo> = sessions.values().collect();
        refs.sort_unstable_by(|a, b| (&b.last_active, &b.id).cmp(&(&a.last_active, &a.id)));
        refs.into_iter().cloned().collect()
    }
}
