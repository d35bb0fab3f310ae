//! From ranked rows to what `search_messages` returns: hits grouped by chat.

use super::query::SearchQuery;
use super::snippet::snippet;
use crate::ids::{MessageId, SessionId};
use crate::time::rfc3339_from_ms;
use crate::types::{Role, SearchGroup, SearchHit};

/// A message the store found, best first.
#[derive(Debug, Clone)]
pub struct SearchRow {
    pub message_id: MessageId,
    pub session_id: SessionId,
    pub role: Role,
    pub content: String,
    pub created_at_ms: i64,
    pub compacted: bool,
    pub summary: bool,
    /// Not on its chat's active path.
    pub other_branch: bool,
}

/// Groups ranked rows by chat, keeping the rank order: chats in the order
/// of their best hit, hits within a chat in rank order. `title` names a chat.
pub fn group_hits(
    rows: Vec<SearchRow>,
    query: &SearchQuery,
    title: impl Fn(&SessionId) -> Option<String>,
) -> Vec<SearchGroup> {
    let mut groups: Vec<SearchGroup> = Vec::new();
    for row in rows {
        let (text, matches) = snippet(&row.content, query);
        let hit = SearchHit {
            message_id: row.message_id,
            role: row.role,
            created_at: rfc3339_from_ms(row.created_at_ms),
            snippet: text,
            matches,
            compacted: row.compacted,
            summary: row.summary,
            other_branch: row.other_branch,
        };
        match groups.iter_mut().find(|g| g.session_id == row.session_id) {
            Some(group) => group.hits.push(hit),
            None => groups.push(SearchGroup {
                title: title(&row.session_id),
                session_id: row.session_id,
                hits: vec![hit],
            }),
        }
    }
    groups
}
