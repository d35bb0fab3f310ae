//! Conversations as trees on PostgreSQL, with the invariants of the SQLite
//! store (`store/tree.rs`), which every write keeps inside its transaction:
//! - the active path is a leaf's ancestors, plus the summaries anchored on
//!   them (a summary names the last message it replaced as its parent and
//!   is nobody's parent or sibling), flagged `on_path`;
//! - `compacted` is exact on the active path: a message is compacted when a
//!   summary of the path comes after it;
//! - `seq` orders a session's messages, parents before children;
//! - the session's `message_count` is the length of its active path.
//!
//! Callers that change the tree hold the session row's lock (they update
//! it first), so two processes never rewrite one session's path at once.

use super::rows::{message_from_row, MESSAGE_COLUMNS};
use crate::error::{AppError, AppResult};
use crate::ids::{MessageId, SessionId};
use crate::store::rules::{self, VersionTarget};
use crate::store::NewMessage;
use crate::types::Message;
use sqlx::PgConnection;

/// The last message of the session's active path that a new message can
/// follow (summaries cannot be parents); `None` for an empty session.
pub(super) async fn active_leaf(
    conn: &mut PgConnection,
    session_id: &SessionId,
) -> AppResult<Option<MessageId>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM messages
         WHERE session_id = $1 AND on_path AND NOT summary
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

pub(super) async fn node(conn: &mut PgConnection, message_id: &MessageId) -> AppResult<Node> {
    sqlx::query_as::<_, Node>("SELECT session_id, summary FROM messages WHERE id = $1")
        .bind(message_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| AppError::message_not_found(message_id))
}

/// The leaf below `from` that the path through it leads to: at each step
/// the child last on the active path (the newest child when none was).
pub(super) async fn leaf_below(
    conn: &mut PgConnection,
    session_id: &SessionId,
    from: &MessageId,
) -> AppResult<MessageId> {
    let leaf: MessageId = sqlx::query_scalar(
        "WITH RECURSIVE down(id, depth) AS (
             SELECT $1::TEXT COLLATE \"C\", 0
             UNION ALL
             SELECT child.id, down.depth + 1
             FROM down CROSS JOIN LATERAL (
                 SELECT c.id FROM messages AS c
                 WHERE c.session_id = $2 AND c.parent_id = down.id AND NOT c.summary
                 ORDER BY c.chosen_at DESC, c.seq DESC LIMIT 1
             ) AS child
         )
         SELECT id FROM down ORDER BY depth DESC LIMIT 1",
    )
    .bind(from)
    .bind(session_id)
    .fetch_one(conn)
    .await?;
    Ok(leaf)
}

/// Makes the path ending at `leaf` the session's active path: flags its
/// messages (and the summaries anchored on them), unflags the rest, marks
/// them chosen at `now`, and recomputes `compacted` along it. Rows neither
/// on the old path nor on the new one are not written.
pub(super) async fn set_active_path(
    conn: &mut PgConnection,
    session_id: &SessionId,
    leaf: &MessageId,
    now: i64,
) -> AppResult<()> {
    sqlx::query(
        "WITH RECURSIVE up(id) AS (
             SELECT $1::TEXT COLLATE \"C\"
             UNION ALL
             SELECT m.parent_id FROM messages AS m JOIN up ON m.id = up.id
             WHERE m.parent_id IS NOT NULL
         ), path AS (
             SELECT id FROM up
             UNION
             SELECT s.id FROM messages AS s
             WHERE s.session_id = $2 AND s.summary AND s.parent_id IN (SELECT id FROM up)
         )
         UPDATE messages AS m
         SET on_path = (m.id IN (SELECT id FROM path)),
             chosen_at = CASE WHEN m.id IN (SELECT id FROM path) THEN $3 ELSE m.chosen_at END
         WHERE m.session_id = $2 AND (m.on_path OR m.id IN (SELECT id FROM path))",
    )
    .bind(leaf)
    .bind(session_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    // Compacted: everything on the path before its latest summary.
    sqlx::query(
        "UPDATE messages SET compacted = (seq < COALESCE((
             SELECT MAX(seq) FROM messages
             WHERE session_id = $1 AND on_path AND summary), 0))
         WHERE session_id = $1 AND on_path",
    )
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The parent a new version of `of` takes (see [`rules::version_parent`]).
pub(super) async fn version_parent(
    conn: &mut PgConnection,
    of: &MessageId,
    new: &NewMessage,
) -> AppResult<Option<MessageId>> {
    let found: Option<VersionTarget> =
        sqlx::query_as("SELECT session_id, role, summary, parent_id FROM messages WHERE id = $1")
            .bind(of)
            .fetch_optional(conn)
            .await?;
    rules::version_parent(of, found, new)
}

/// One message with its `versions`.
pub(super) async fn message_with_versions(
    conn: &mut PgConnection,
    message_id: &MessageId,
) -> AppResult<Message> {
    let row = sqlx::query(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1"
    ))
    .bind(message_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::message_not_found(message_id))?;
    let mut messages = vec![message_from_row(&row)?];
    attach_versions(conn, &mut messages).await?;
    Ok(messages.pop().expect("one message"))
}

/// Fills `versions` for the messages (of one session) that have siblings:
/// one statement reads the children of every parent the messages have.
pub(super) async fn attach_versions(
    conn: &mut PgConnection,
    messages: &mut [Message],
) -> AppResult<()> {
    let Some(first) = messages.first() else {
        return Ok(());
    };
    let session_id = first.session_id.clone();
    let parents: Vec<String> = messages
        .iter()
        .filter(|m| !m.summary)
        .filter_map(|m| m.parent_id.as_ref())
        .map(|id| id.to_string())
        .collect();
    let has_root = messages.iter().any(|m| !m.summary && m.parent_id.is_none());
    let children: Vec<(Option<MessageId>, MessageId)> = sqlx::query_as(
        "SELECT parent_id, id FROM messages
         WHERE session_id = $1 AND NOT summary
           AND (parent_id = ANY($2) OR ($3 AND parent_id IS NULL))
         ORDER BY parent_id, seq",
    )
    .bind(&session_id)
    .bind(&parents)
    .bind(has_root)
    .fetch_all(&mut *conn)
    .await?;
    rules::assign_versions(messages.iter_mut(), children);
    Ok(())
}

/// Sets the session's `message_count` to the length of its active path
/// (what the chat shows) after the path moved.
pub(super) async fn recount_path(conn: &mut PgConnection, session_id: &SessionId) -> AppResult<()> {
    sqlx::query(
        "UPDATE sessions SET message_count = (
             SELECT count(*) FROM messages WHERE session_id = $1 AND on_path)
         WHERE id = $1",
    )
    .bind(session_id)
    .execute(conn)
    .await?;
    Ok(())
}
