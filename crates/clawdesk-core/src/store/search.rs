//! The SQL behind `search_messages` and `get_messages_around`.
//!
//! Search reads the FTS5 indexes of migration 0005 with expressions built
//! by [`SearchQuery`] (quoted tokens only); every user value is a bound
//! parameter. Ranking: bm25 over the newest [`SEARCH_CANDIDATES`] matching
//! messages (after filters), then recency. A word found in more messages
//! than that is ranked among its newest matches only, which keeps a search
//! for "the" over a million messages as fast as one for a rare word; a
//! query matching fewer (the usual case) is ranked over all of them.

use super::sqlite::{message_from_row, SqliteStore, MESSAGE_COLUMNS};
use super::{MessageSearch, SearchPage};
use crate::error::{AppError, AppResult};
use crate::ids::{MessageId, SessionId};
use crate::search::SearchRow;
use crate::types::{MessageWindow, Role};
use sqlx::Row;

/// How many of the newest matches are ranked by bm25.
pub const SEARCH_CANDIDATES: u32 = 5_000;

/// A bound value of the search statement.
enum Bind {
    Text(String),
    Int(i64),
}

/// The character class of migration 0005's trigram `GLOB`.
const CJK_GLOB: &str = "*[\u{3040}-\u{30FF}\u{3400}-\u{4DBF}\u{4E00}-\u{9FFF}\u{AC00}-\u{D7AF}\u{F900}-\u{FAFF}\u{FF66}-\u{FF9F}]*";

impl SqliteStore {
    /// Proves the search indexes agree with the messages table: FTS5's own
    /// check of the word index against the table's text, and for the
    /// trigram index its internal check plus exactly the messages with CJK
    /// text indexed. An `Err(storage)` says what disagrees.
    pub async fn check_search_index(&self) -> AppResult<()> {
        let pool = self.pool();
        sqlx::query(
            "INSERT INTO message_search (message_search, rank) VALUES ('integrity-check', 1)",
        )
        .execute(pool)
        .await
        .map_err(|e| AppError::storage(format!("word index: {e}")))?;
        sqlx::query(
            "INSERT INTO message_search_cjk (message_search_cjk) VALUES ('integrity-check')",
        )
        .execute(pool)
        .await
        .map_err(|e| AppError::storage(format!("trigram index: {e}")))?;
        let (indexed, stray): (i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE m.rowid IS NULL OR NOT m.content GLOB ?1)
             FROM message_search_cjk_docsize d LEFT JOIN messages m ON m.rowid = d.id",
        )
        .bind(CJK_GLOB)
        .fetch_one(pool)
        .await?;
        let expected: i64 =
            sqlx::query_scalar("SELECT count(*) FROM messages WHERE content GLOB ?")
                .bind(CJK_GLOB)
                .fetch_one(pool)
                .await?;
        if stray != 0 || indexed != expected {
            return Err(AppError::storage(format!(
                "trigram index holds {indexed} messages ({stray} stray), the table has {expected} with CJK text"
            )));
        }
        Ok(())
    }

    pub(super) async fn search(&self, search: &MessageSearch<'_>) -> AppResult<SearchPage> {
        let query = search.query;
        let mut binds: Vec<Bind> = Vec::new();
        let mut filters: Vec<&str> = Vec::new();
        let (driver, rowid) = match (query.word_match(), query.trigram_match()) {
            (Some(words), trigram) => {
                binds.push(Bind::Text(words));
                if let Some(trigram) = trigram {
                    filters.push(
                        "m.rowid IN (SELECT rowid FROM message_search_cjk \
                         WHERE message_search_cjk MATCH ?)",
                    );
                    binds.push(Bind::Text(trigram));
                }
                (Some("message_search"), "message_search.rowid")
            }
            (None, Some(trigram)) => {
                binds.push(Bind::Text(trigram));
                (Some("message_search_cjk"), "message_search_cjk.rowid")
            }
            // Only CJK terms too short for trigrams: scan the messages the
            // trigram index holds (those with CJK text), newest first.
            (None, None) => (None, "d.id"),
        };
        for pattern in query.like_patterns() {
            filters.push("m.content LIKE ? ESCAPE '\\'");
            binds.push(Bind::Text(pattern));
        }
        if let Some(session_id) = search.session_id {
            filters.push("m.session_id = ?");
            binds.push(Bind::Text(session_id.to_string()));
        }
        if let Some(role) = search.role {
            filters.push("m.role = ?");
            binds.push(Bind::Text(role.as_str().to_string()));
        }
        if let Some(from) = search.from_ms {
            filters.push("m.created_at >= ?");
            binds.push(Bind::Int(from));
        }
        if let Some(to) = search.to_ms {
            filters.push("m.created_at <= ?");
            binds.push(Bind::Int(to));
        }

        let (from_clause, score) = match driver {
            Some(table) => (
                format!("{table} JOIN messages m ON m.rowid = {table}.rowid"),
                format!("bm25({table})"),
            ),
            None => (
                "message_search_cjk_docsize d JOIN messages m ON m.rowid = d.id".to_string(),
                "0.0".to_string(),
            ),
        };
        let mut conditions: Vec<String> = Vec::new();
        if let Some(table) = driver {
            conditions.push(format!("{table} MATCH ?"));
        }
        conditions.extend(filters.iter().map(|f| f.to_string()));
        let where_clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        // The inner query walks the index newest first (FTS5 serves rowid
        // order itself) and stops at the candidate cap; only those are scored.
        let sql = format!(
            "SELECT m.id, m.session_id, m.role, m.content, m.created_at, m.compacted, m.summary
             FROM (SELECT {rowid} AS rid, {score} AS score FROM {from_clause} {where_clause}
                   ORDER BY {rowid} DESC LIMIT {SEARCH_CANDIDATES}) AS c
             JOIN messages m ON m.rowid = c.rid
             ORDER BY c.score, m.created_at DESC, m.rowid DESC
             LIMIT ?"
        );
        let mut statement = sqlx::query(&sql);
        for bind in binds {
            statement = match bind {
                Bind::Text(text) => statement.bind(text),
                Bind::Int(int) => statement.bind(int),
            };
        }
        let rows = statement
            .bind(i64::from(search.limit) + 1)
            .fetch_all(self.pool())
            .await?;
        let truncated = rows.len() > search.limit as usize;
        let rows = rows
            .iter()
            .take(search.limit as usize)
            .map(|row| {
                let role: String = row.try_get(2)?;
                Ok(SearchRow {
                    message_id: row.try_get(0)?,
                    session_id: row.try_get(1)?,
                    role: Role::parse(&role).ok_or_else(|| {
                        AppError::storage(format!("unknown role {role:?} in database"))
                    })?,
                    content: row.try_get(3)?,
                    created_at_ms: row.try_get(4)?,
                    compacted: row.try_get::<i64, _>(5)? != 0,
                    summary: row.try_get::<i64, _>(6)? != 0,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok(SearchPage { rows, truncated })
    }

    pub(super) async fn window(
        &self,
        session_id: &SessionId,
        message_id: &MessageId,
        before: u32,
        after: u32,
    ) -> AppResult<MessageWindow> {
        // One read transaction: a snapshot, so a compaction renumbering the
        // session between the three reads cannot tear the window.
        let mut tx = self.pool().begin().await?;
        let anchor: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM messages WHERE id = ? AND session_id = ?")
                .bind(message_id)
                .bind(session_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(anchor) = anchor else {
            tx.rollback().await?;
            return Err(AppError::invalid_argument(
                "messageId",
                format!("message {message_id} is not in session {session_id}"),
            ));
        };
        let mut older = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = ? AND seq < ?
             ORDER BY seq DESC LIMIT ?"
        ))
        .bind(session_id)
        .bind(anchor)
        .bind(i64::from(before) + 1)
        .fetch_all(&mut *tx)
        .await?;
        let newer = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = ? AND seq >= ?
             ORDER BY seq LIMIT ?"
        ))
        .bind(session_id)
        .bind(anchor)
        .bind(i64::from(after) + 2)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let has_older = older.len() > before as usize;
        older.truncate(before as usize);
        older.reverse();
        let has_newer = newer.len() > after as usize + 1;
        let messages = older
            .iter()
            .chain(newer.iter().take(after as usize + 1))
            .map(message_from_row)
            .collect::<AppResult<Vec<_>>>()?;
        Ok(MessageWindow {
            messages,
            has_older,
            has_newer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::CJK_GLOB;
    use crate::search::script::is_cjk;

    #[test]
    fn the_migration_the_check_and_the_query_parser_agree_on_cjk() {
        let migration = include_str!("../../migrations/0005_message_search.sql");
        assert_eq!(
            migration.matches(&format!("GLOB '{CJK_GLOB}'")).count(),
            5,
            "every GLOB of the migration uses the class"
        );
        // The class's ranges, as pairs of characters after '[' and around '-'.
        let class: Vec<char> = CJK_GLOB.trim_matches(['*', '[', ']']).chars().collect();
        for range in class.chunks(3) {
            let (lo, hi) = (range[0], range[2]);
            assert!(is_cjk(lo) && is_cjk(hi), "{lo}-{hi}");
            assert!(
                !is_cjk(char::from_u32(lo as u32 - 1).unwrap())
                    || lo as u32 == 0x4E00
                    || lo as u32 == 0x3400
            );
        }
    }
}
