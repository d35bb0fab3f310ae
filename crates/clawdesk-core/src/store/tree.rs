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

use super::message_rows::MESSAGE_COLUMNS;
use super::{message_rows, rules};
use crate::error::{AppError, AppResult};
use crate::ids::{MessageId, SessionId};
use crate::types::Message;
use sqlx::{Sqlite, SqliteConnection};

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

/// Makes the path ending at `leaf` the session's active path. Only what
/// changes is written: the messages from `leaf` up to where it meets the
/// active path (flagged, and marked chosen at `now`), the old path below
/// that point (unflagged), the summaries anchored on either, and
/// `compacted` where the path's latest summary moved. A new version is
/// inserted off the path and then made active through here.
pub(super) async fn set_active_path(
    conn: &mut SqliteConnection,
    session_id: &SessionId,
    leaf: &MessageId,
    now: i64,
) -> AppResult<()> {
    sqlx::query("CREATE TEMP TABLE IF NOT EXISTS joining (id TEXT PRIMARY KEY) WITHOUT ROWID")
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM temp.joining")
        .execute(&mut *conn)
        .await?;
    // From the leaf up, while off the path: what joins it.
    sqlx::query(
        "INSERT INTO temp.joining (id)
         WITH RECURSIVE up(id) AS (
             SELECT id FROM messages WHERE id = ? AND on_path = 0
             UNION ALL
             SELECT p.id FROM up
             JOIN messages AS c ON c.id = up.id
             JOIN messages AS p ON p.id = c.parent_id
             WHERE p.on_path = 0
         )
         SELECT id FROM up",
    )
    .bind(leaf)
    .execute(&mut *conn)
    .await?;
    // Where the new part meets the active path (None: at the root).
    let meeting: Option<(Option<MessageId>, Option<i64>)> = sqlx::query_as(
        "SELECT c.parent_id, p.seq FROM temp.joining AS j
         JOIN messages AS c ON c.id = j.id
         LEFT JOIN messages AS p ON p.id = c.parent_id
         WHERE p.id IS NULL OR p.on_path = 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some((meeting_id, meeting_seq)) = meeting else {
        // The leaf is on the active path already, and a leaf ends it.
        return Ok(());
    };
    // The old path below the meeting point leaves, except the summaries
    // anchored on the meeting point itself (they follow it).
    sqlx::query(
        "UPDATE messages SET on_path = 0
         WHERE session_id = ?1 AND on_path = 1 AND seq > ?2
           AND NOT (summary = 1 AND parent_id IS ?3)",
    )
    .bind(session_id)
    .bind(meeting_seq.unwrap_or(0))
    .bind(&meeting_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE messages SET on_path = 1, chosen_at = ?2
         WHERE id IN (SELECT id FROM temp.joining)
            OR (session_id = ?1 AND summary = 1 AND on_path = 0
                AND parent_id IN (SELECT id FROM temp.joining))",
    )
    .bind(session_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM temp.joining")
        .execute(&mut *conn)
        .await?;
    recompute_compacted(conn, session_id).await
}

/// Sets `compacted` along the active path: everything before the path's
/// latest summary. Free for a session that was never compacted.
async fn recompute_compacted(conn: &mut SqliteConnection, session_id: &SessionId) -> AppResult<()> {
    let summaries: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT count(*), MAX(CASE WHEN on_path = 1 THEN seq END)
         FROM messages INDEXED BY messages_summaries
         WHERE session_id = ? AND summary = 1",
    )
    .bind(session_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((count, latest)) = summaries else {
        return Ok(());
    };
    if count == 0 {
        return Ok(());
    }
    sqlx::query(
        "UPDATE messages SET compacted = (seq < ?2)
         WHERE session_id = ?1 AND on_path = 1 AND compacted <> (seq < ?2)",
    )
    .bind(session_id)
    .bind(latest.unwrap_or(0))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One message with its `versions`.
pub(super) async fn message_with_versions(
    conn: &mut SqliteConnection,
    message_id: &MessageId,
) -> AppResult<Message> {
    let json: Option<String> = sqlx::query_scalar(&message_rows::as_json_array(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?"
    )))
    .bind(message_id)
    .fetch_one(&mut *conn)
    .await?;
    let (mut messages, has_versions) = message_rows::decode_with_flags(json)?;
    if messages.is_empty() {
        return Err(AppError::message_not_found(message_id));
    }
    attach_versions(conn, &mut messages, &has_versions).await?;
    Ok(messages.swap_remove(0))
}

/// Fills `versions` for the messages (of one session) flagged
/// `has_versions`: one statement reads the children of their parents, as
/// one JSON row, so a path without versions costs nothing more.
pub(super) async fn attach_versions(
    conn: &mut SqliteConnection,
    messages: &mut [Message],
    has_versions: &[bool],
) -> AppResult<()> {
    let flagged = || {
        messages
            .iter()
            .zip(has_versions)
            .filter(|(m, flag)| **flag && !m.summary)
            .map(|(m, _)| m)
    };
    let Some(first) = flagged().next() else {
        return Ok(());
    };
    let session_id = first.session_id.clone();
    let parents: Vec<&MessageId> = flagged().filter_map(|m| m.parent_id.as_ref()).collect();
    let has_root = flagged().any(|m| m.parent_id.is_none());
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
    let flagged_mut = messages
        .iter_mut()
        .zip(has_versions)
        .filter(|(_, flag)| **flag)
        .map(|(m, _)| m);
    rules::assign_versions(flagged_mut, children);
    Ok(())
}

/// Flags `has_versions` on every message at `parent` in the session (the
/// place a version was just added).
pub(super) async fn flag_versions(
    conn: &mut SqliteConnection,
    session_id: &SessionId,
    parent: Option<&MessageId>,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE messages INDEXED BY messages_children SET has_versions = 1
         WHERE session_id = ? AND parent_id IS ? AND summary = 0 AND has_versions = 0",
    )
    .bind(session_id)
    .bind(parent)
    .execute(conn)
    .await?;
    Ok(())
}
