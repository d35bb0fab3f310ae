//! The search vocabulary (migration 0003): how many messages contain each
//! word of the search index, kept by the store's own writes so that search
//! reads a word's document frequency in one row instead of counting its
//! matches.
//!
//! **What counts.** A message counts with the lexemes of its `search_words`
//! once its status is not `streaming` ([`COUNTED`]). A reply being written
//! is not counted while it streams (its text changes every 200 ms; counting
//! every rewrite would update a hot row per common word per stream and
//! serialize the streams on it); it is counted with its text when it stops,
//! and uncounted again if it goes back to streaming. So a document
//! frequency may lag behind the index by the replies in flight, which only
//! scales BM25's weights by that much; with no reply streaming it equals
//! SQLite's count, and both stores rank alike.
//!
//! **Contention.** Each transaction changes the vocabulary in one statement,
//! as its last write (only already-locked rows follow), its words in sorted
//! order: transactions wait for each other on a common word but never in a
//! cycle. Streaming rewrites do not touch it at all.

use crate::error::AppResult;
use crate::ids::MessageId;
use crate::types::MessageStatus;
use sqlx::PgConnection;

/// The condition under which a message row counts.
pub(super) const COUNTED: &str = "status <> 'streaming'";

/// Fills the vocabulary from the messages as they are (migration 0003 runs
/// the same statement).
pub(super) const BACKFILL: &str = "INSERT INTO search_vocabulary (word, messages)
SELECT word, ndoc FROM ts_stat('SELECT search_words FROM messages WHERE status <> ''streaming''')";

/// The CTE `changed (word, messages)` that applies `changes` — a query of
/// `(words TSVECTOR, change INT)` rows, one per message counted (`1`) or
/// uncounted (`-1`) — to the vocabulary, words in sorted order, and returns
/// the new counts of the words it changed.
pub(super) fn apply_cte(changes: &str) -> String {
    format!(
        "changed AS (
             INSERT INTO search_vocabulary AS v (word, messages)
             SELECT word, sum(c.change)
             FROM ({changes}) AS c (words, change)
                  CROSS JOIN LATERAL unnest(tsvector_to_array(c.words)) AS word
             GROUP BY word HAVING sum(c.change) <> 0
             ORDER BY word COLLATE \"C\"
             ON CONFLICT (word) DO UPDATE SET messages = v.messages + EXCLUDED.messages
             RETURNING word, messages)"
    )
}

/// The select after [`apply_cte`]: the words no message counts any more.
pub(super) const UNUSED: &str =
    "SELECT COALESCE(array_agg(word) FILTER (WHERE messages = 0), '{}') FROM changed";

/// Removes `words` that still count no message. Their rows were changed by
/// this transaction, so they are locked by it already.
pub(super) async fn forget(conn: &mut PgConnection, words: Vec<String>) -> AppResult<()> {
    if !words.is_empty() {
        sqlx::query("DELETE FROM search_vocabulary WHERE word = ANY($1) AND messages = 0")
            .bind(words)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Counts the messages `ids` that count ([`COUNTED`]), as they are now:
/// after inserting them.
pub(super) async fn count_messages(conn: &mut PgConnection, ids: &[&MessageId]) -> AppResult<()> {
    let ids: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
    sqlx::query(&format!(
        "WITH {} SELECT count(*) FROM changed",
        apply_cte(&format!(
            "SELECT search_words, 1 FROM messages WHERE id = ANY($1) AND {COUNTED}"
        ))
    ))
    .bind(ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts every message of the sessions `session_ids` that counts: after
/// importing them.
pub(super) async fn count_sessions(conn: &mut PgConnection, session_ids: &[&str]) -> AppResult<()> {
    if session_ids.is_empty() {
        return Ok(());
    }
    sqlx::query(&format!(
        "WITH {} SELECT count(*) FROM changed",
        apply_cte(&format!(
            "SELECT search_words, 1 FROM messages WHERE session_id = ANY($1) AND {COUNTED}"
        ))
    ))
    .bind(session_ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// Before message `id` (locked by the caller) is rewritten to `words` (the
/// text `to_tsvector('simple', …)` takes) with `status`: uncounts its
/// current text if that counts, counts the new one if it will.
pub(super) async fn rewrite(
    conn: &mut PgConnection,
    id: &MessageId,
    words: &str,
    status: MessageStatus,
) -> AppResult<()> {
    let unused: Vec<String> = sqlx::query_scalar(&format!(
        "WITH {} {UNUSED}",
        apply_cte(&format!(
            "SELECT search_words, -1 FROM messages WHERE id = $1 AND {COUNTED}
             UNION ALL
             SELECT to_tsvector('simple', $2), 1 WHERE $3 <> 'streaming'"
        ))
    ))
    .bind(id)
    .bind(words)
    .bind(status.as_str())
    .fetch_one(&mut *conn)
    .await?;
    forget(conn, unused).await
}

/// Empties the vocabulary and fills it from the messages as they are, for
/// rows written without the store (a bulk load, a benchmark's seed).
pub(super) async fn rebuild(conn: &mut PgConnection) -> AppResult<()> {
    sqlx::query("TRUNCATE search_vocabulary")
        .execute(&mut *conn)
        .await?;
    sqlx::query(BACKFILL).execute(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_migration_backfills_with_the_same_statement() {
        let migration = include_str!("../../../migrations-postgres/0003_search_vocabulary.sql");
        assert!(migration.contains(&format!("{};", super::BACKFILL)));
        assert!(migration.contains(super::COUNTED.replace('\'', "''").as_str()));
    }
}
