//! Conversations as trees in SQLite (migration 0006): each message has a
//! parent, and a session shows one path through its tree, the active path,
//! flagged `on_path` so reading it is an index range scan.
//!
//! Invariants every write keeps, inside its transaction:
//! - the active path is a leaf's ancestors, plus the summaries anchored on
//!   them (a summary names the last message it replaced as its parent and
//!   is nobody's parent or sibling);
//! - `compacted` is exact on the active path: a message is compacted when a
//!   summary of the path comes after it (a summary belongs to the path it
//!   summarized, so another path through the same early messages sends
//!   them again);
//! - `seq` orders a session's messages, parents before children.

use super::sqlite::{message_from_row, MESSAGE_COLUMNS};
use crate::error::{AppError, AppResult};
use crate::ids::{MessageId, SessionId};
use crate::types::{Message, Versions};
use sqlx::{Sqlite, SqliteConnection};
use std::collections::HashMap;

/// The last message of the session's active path that a new message can
/// follow (summaries cannot be parents); `None` for an empty session.
pub(super) async fn active_leaf(
    conn: &mut SqliteConnection,
    session_id: &SessionId,
) -> AppResult<Option<MessageId>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM messages INDEXED BY messages_path
         WHERE session_id = ? AND on_path = 1 AND summary = 0
         ORDER BY seq DESC LIMIT 1",
    )
    .bind(session_id)
    .fetch_optional(conn)
    .await?)
}

/// Where a message is in the tree.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct Node {
    pub session_id: SessionId,
    pub summary: bool,
}

pub(super) async fn node(conn: &mut SqliteConnection, message_id: &MessageId) -> AppResult<Node> {
    sqlx::query_as::<Sqlite, Node>("SELECT session_id, summary FROM messages WHERE id = ?")
        .bind(message_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| AppError::message_not_found(message_id))
}

/// The leaf below `from` that the path through it leads to: at each step
/// the child last on the active path (the newest child when none was).
pub(super) async fn leaf_below(
    conn: &mut SqliteConnection,
    session_id: &SessionId,
    from: &MessageId,
) -> AppResult<MessageId> {
    let leaf: MessageId = sqlx::query_scalar(
        "WITH RECURSIVE down(id, depth) AS (
             SELECT ?1, 0
             UNION ALL
             SELECT (SELECT c.id FROM messages AS c INDEXED BY messages_children
                     WHERE c.session_id = ?2 AND c.parent_id = down.id AND c.summary = 0
                     ORDER BY c.chosen_at DESC, c.seq DESC LIMIT 1),
                    depth + 1
             FROM down WHERE down.id IS NOT NULL
         )
         SELECT id FROM down WHERE id IS NOT NULL ORDER BY depth DESC LIMIT 1",
    )
    .bind(from)
    .bind(session_id)
    .fetch_one(conn)
    .await?;
    Ok(leaf)
}

/// Makes the path ending at `leaf` the session's active path: flags its
/// messages (and the summaries anchored on them), unflags the rest, marks
/// them chosen at `now`, and recomputes `compacted` along it. Writes only
/// rows whose flags change, so a switch near the end of a long chat is cheap.
pub(super) async fn set_active_path(
    conn: &mut SqliteConnection,
    session_id: &SessionId,
    leaf: &MessageId,
    now: i64,
) -> AppResult<()> {
    // The path, once, in a temporary table the updates below join on.
    sqlx::query("CREATE TEMP TABLE IF NOT EXISTS new_path (id TEXT PRIMARY KEY) WITHOUT ROWID")
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM temp.new_path")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "WITH RECURSIVE up(id) AS (
             SELECT ?1
             UNION ALL
             SELECT m.parent_id FROM messages AS m JOIN up ON m.id = up.id
             WHERE m.parent_id IS NOT NULL
         )
         INSERT INTO temp.new_path (id)
         SELECT id FROM up
         UNION
         SELECT s.id FROM messages AS s
         WHERE s.session_id = ?2 AND s.summary = 1 AND s.parent_id IN (SELECT id FROM up)",
    )
    .bind(leaf)
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE messages SET on_path = 0
         WHERE session_id = ? AND on_path = 1 AND id NOT IN (SELECT id FROM temp.new_path)",
    )
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE messages SET on_path = 1, chosen_at = ?
         WHERE id IN (SELECT id FROM temp.new_path)",
    )
    .bind(now)
    .execute(&mut *conn)
    .await?;
    // Compacted: everything on the path before its latest summary.
    sqlx::query(
        "UPDATE messages SET compacted = (seq < COALESCE((
             SELECT MAX(seq) FROM messages INDEXED BY messages_path
             WHERE session_id = ?1 AND on_path = 1 AND summary = 1), 0))
         WHERE session_id = ?1 AND on_path = 1",
    )
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM temp.new_path")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One message with its `versions`.
pub(super) async fn message_with_versions(
    conn: &mut SqliteConnection,
    message_id: &MessageId,
) -> AppResult<Message> {
    let row = sqlx::query(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?"
    ))
    .bind(message_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::message_not_found(message_id))?;
    let mut messages = vec![message_from_row(&row)?];
    attach_versions(conn, &mut messages).await?;
    Ok(messages.pop().expect("one message"))
}

/// Fills `versions` for the messages (of one session) that have siblings.
/// One statement reads the children of every parent the messages have, as
/// one JSON row (sqlx hands rows over one at a time, ~5 µs each, which for
/// a long path cost more than the query).
pub(super) async fn attach_versions(
    conn: &mut SqliteConnection,
    messages: &mut [Message],
) -> AppResult<()> {
    let Some(first) = messages.first() else {
        return Ok(());
    };
    let session_id = first.session_id.clone();
    let parents: Vec<&MessageId> = messages
        .iter()
        .filter(|m| !m.summary)
        .filter_map(|m| m.parent_id.as_ref())
        .collect();
    let has_root = messages.iter().any(|m| !m.summary && m.parent_id.is_none());
    let parents = serde_json::to_string(&parents).map_err(AppError::internal)?;
    let json: Option<String> = sqlx::query_scalar(
        "SELECT json_group_array(json_array(parent_id, id)) FROM (
             SELECT parent_id, id, seq FROM messages INDEXED BY messages_children
             WHERE session_id = ?1 AND summary = 0
               AND parent_id IN (SELECT value FROM json_each(?2))
             UNION ALL
             SELECT parent_id, id, seq FROM messages INDEXED BY messages_children
             WHERE ?3 AND session_id = ?1 AND summary = 0 AND parent_id IS NULL
             ORDER BY parent_id, seq
         )",
    )
    .bind(&session_id)
    .bind(parents)
    .bind(has_root)
    .fetch_one(&mut *conn)
    .await?;
    let children: Vec<(Option<MessageId>, MessageId)> =
        serde_json::from_str(json.as_deref().unwrap_or("[]"))
            .map_err(|e| AppError::storage(format!("message versions: {e}")))?;
    let mut siblings: HashMap<Option<MessageId>, Vec<MessageId>> = HashMap::new();
    for (parent, id) in children {
        siblings.entry(parent).or_default().push(id);
    }
    for message in messages.iter_mut().filter(|m| !m.summary) {
        let Some(ids) = siblings.get(&message.parent_id).filter(|ids| ids.len() > 1) else {
            continue;
        };
        let Some(index) = ids.iter().position(|id| *id == message.id) else {
            continue;
        };
        message.versions = Some(Versions {
            position: index as u32 + 1,
            count: ids.len() as u32,
            previous: index.checked_sub(1).map(|i| ids[i].clone()),
            next: ids.get(index + 1).cloned(),
        });
    }
    Ok(())
}
