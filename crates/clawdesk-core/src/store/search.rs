//! The SQL behind `search_messages` and `get_messages_around`.
//!
//! Search reads the FTS5 indexes of migration 0005 with expressions built
//! by [`SearchQuery`] (quoted tokens only); every user value is a bound
//! parameter. It reads the newest [`SEARCH_CANDIDATES`] matching messages
//! (after filters; FTS5 walks its index newest first and stops there) and
//! ranks those by BM25, then recency (`search::rank`). A query matching
//! more messages than that (a common word over a big history) is ranked
//! among its newest matches only, which keeps a search for "the" over a
//! million messages as fast as one for a rare word; a query matching fewer
//! (the usual case) is ranked over all of them.

use super::message_rows;
use super::message_rows::MESSAGE_COLUMNS;
use super::sqlite::SqliteStore;
use super::{MessageSearch, SearchPage};
use crate::error::{AppError, AppResult};
use crate::ids::{MessageId, SessionId};
use crate::search::query::{Lookup, Term};
use crate::search::{rank, DocFrequency, SearchRow};
use crate::types::{MessageWindow, Role};
use sqlx::Row;

/// How many of the newest matches are ranked.
pub const SEARCH_CANDIDATES: u32 = 1_000;
/// Document frequencies are counted up to this; a term in more messages
/// weighs like a stop word (see `search::rank`).
pub const DF_CAP: u64 = 20_000;

/// A bound value of the search statement.
enum Bind {
    Text(String),
    Int(i64),
}

/// The character class of migration 0005's trigram `GLOB`.
const CJK_GLOB: &str = "*[\u{3040}-\u{30FF}\u{3400}-\u{4DBF}\u{4E00}-\u{9FFF}\u{AC00}-\u{D7AF}\u{F900}-\u{FAFF}\u{FF66}-\u{FF9F}]*";

/// A candidate as the search statement's JSON has it, rowid first.
#[derive(serde::Deserialize)]
struct CandidateRow(
    i64,
    MessageId,
    SessionId,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
);

impl TryFrom<CandidateRow> for SearchRow {
    type Error = AppError;
    fn try_from(row: CandidateRow) -> AppResult<Self> {
        let CandidateRow(
            _,
            message_id,
            session_id,
            role,
            content,
            created_at_ms,
            compacted,
            summary,
            on_path,
        ) = row;
        Ok(SearchRow {
            message_id,
            session_id,
            role: Role::parse(&role)
                .ok_or_else(|| AppError::storage(format!("unknown role {role:?} in database")))?,
            content,
            created_at_ms,
            compacted: compacted != 0,
            summary: summary != 0,
            other_branch: on_path == 0,
        })
    }
}

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

    pub(super) async fn search(
        &self,
        search: &MessageSearch<'_>,
        total_messages: u64,
    ) -> AppResult<SearchPage> {
        let query = search.query;
        let mut binds: Vec<Bind> = Vec::new();
        // The index walked newest first, and its rowid column.
        let (table, rowid) = match (query.word_match(), query.trigram_match()) {
            (Some(words), _) => {
                binds.push(Bind::Text(words));
                ("message_search", "message_search.rowid")
            }
            (None, Some(trigrams)) => {
                binds.push(Bind::Text(trigrams));
                ("message_search_cjk", "message_search_cjk.rowid")
            }
            // Only CJK terms too short for trigrams: the messages the
            // trigram index holds (those with CJK text), through its
            // per-message table.
            (None, None) => ("message_search_cjk_docsize d", "d.id"),
        };
        let mut conditions: Vec<String> = Vec::new();
        if binds.len() == 1 {
            conditions.push(format!("{table} MATCH ?"));
        }
        if let (Some(_), Some(trigrams)) = (query.word_match(), query.trigram_match()) {
            conditions.push(format!(
                "{rowid} IN (SELECT rowid FROM message_search_cjk WHERE message_search_cjk MATCH ?)"
            ));
            binds.push(Bind::Text(trigrams));
        }
        if let Some(session_id) = search.session_id {
            // A rowid list FTS5 seeks to, instead of filtering every match.
            conditions.push(format!(
                "{rowid} IN (SELECT rowid FROM messages WHERE session_id = ?)"
            ));
            binds.push(Bind::Text(session_id.to_string()));
        }
        // Filters on the message row, checked per match (no join: a join
        // would stop FTS5 from serving the newest-first order itself).
        let mut row_filters: Vec<&str> = Vec::new();
        for pattern in query.like_patterns() {
            row_filters.push("f.content LIKE ? ESCAPE '\\'");
            binds.push(Bind::Text(pattern));
        }
        if let Some(role) = search.role {
            row_filters.push("f.role = ?");
            binds.push(Bind::Text(role.as_str().to_string()));
        }
        if let Some(from) = search.from_ms {
            row_filters.push("f.created_at >= ?");
            binds.push(Bind::Int(from));
        }
        if let Some(to) = search.to_ms {
            row_filters.push("f.created_at <= ?");
            binds.push(Bind::Int(to));
        }
        if !row_filters.is_empty() {
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM messages f WHERE f.rowid = {rowid} AND {})",
                row_filters.join(" AND ")
            ));
        }
        let where_clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        // All candidates come back as one JSON array in one row: sqlx
        // hands rows over one at a time (~5 µs each), which for 2,000
        // candidates cost more than the search itself.
        let sql = format!(
            "SELECT json_group_array(json_array(m.rowid, m.id, m.session_id, m.role, m.content,
                                                m.created_at, m.compacted, m.summary,
                                                m.on_path))
             FROM (SELECT {rowid} AS rid FROM {table} {where_clause}
                   ORDER BY {rowid} DESC LIMIT {SEARCH_CANDIDATES}) AS c
             JOIN messages m ON m.rowid = c.rid"
        );
        let mut statement = sqlx::query(&sql);
        for bind in binds {
            statement = match bind {
                Bind::Text(text) => statement.bind(text),
                Bind::Int(int) => statement.bind(int),
            };
        }
        let json: String = statement.fetch_one(self.pool()).await?.try_get(0)?;
        let mut candidates = serde_json::from_str::<Vec<CandidateRow>>(&json)
            .map_err(|e| AppError::storage(format!("search candidates: {e}")))?;
        // Newest first, whatever order the aggregate saw them in.
        candidates.sort_unstable_by_key(|c| std::cmp::Reverse(c.0));
        let candidates = candidates
            .into_iter()
            .map(SearchRow::try_from)
            .collect::<AppResult<Vec<_>>>()?;
        let truncated = candidates.len() > search.limit as usize;
        let mut frequencies = Vec::with_capacity(query.terms.len());
        for term in &query.terms {
            frequencies.push(self.doc_frequency(term).await?);
        }
        let mut rows = rank(candidates, query, &frequencies, total_messages);
        rows.truncate(search.limit as usize);
        Ok(SearchPage { rows, truncated })
    }

    /// How many messages contain `term`, counted up to [`DF_CAP`] (reading
    /// that much of a doclist takes about a millisecond).
    async fn doc_frequency(&self, term: &Term) -> AppResult<DocFrequency> {
        let table = match term.lookup() {
            Lookup::Words(expr) => ("message_search", expr),
            Lookup::Trigrams(expr) => ("message_search_cjk", expr),
            Lookup::Like(_) => return Ok(DocFrequency::Unknown),
        };
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM (SELECT rowid FROM {0} WHERE {0} MATCH ? LIMIT {DF_CAP})",
            table.0
        ))
        .bind(table.1)
        .fetch_one(self.pool())
        .await?;
        let count = count.max(0) as u64;
        Ok(if count >= DF_CAP {
            DocFrequency::AtLeast(count)
        } else {
            DocFrequency::Exactly(count)
        })
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
        let anchor: Option<(i64, bool)> =
            sqlx::query_as("SELECT seq, on_path FROM messages WHERE id = ? AND session_id = ?")
                .bind(message_id)
                .bind(session_id)
                .fetch_optional(&mut *tx)
                .await?;
        // An error drops the read transaction, which rolls it back.
        let anchor = super::rules::window_anchor(anchor, session_id, message_id)?;
        let older_json: Option<String> =
            sqlx::query_scalar(&message_rows::as_json_array(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages INDEXED BY messages_path
             WHERE session_id = ? AND on_path = 1 AND seq < ?
             ORDER BY seq DESC LIMIT ?"
            )))
            .bind(session_id)
            .bind(anchor)
            .bind(i64::from(before) + 1)
            .fetch_one(&mut *tx)
            .await?;
        let newer_json: Option<String> =
            sqlx::query_scalar(&message_rows::as_json_array(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages INDEXED BY messages_path
             WHERE session_id = ? AND on_path = 1 AND seq >= ?
             ORDER BY seq LIMIT ?"
            )))
            .bind(session_id)
            .bind(anchor)
            .bind(i64::from(after) + 2)
            .fetch_one(&mut *tx)
            .await?;
        let (mut older, mut older_flags) = message_rows::decode_with_flags(older_json)?;
        let (mut newer, mut newer_flags) = message_rows::decode_with_flags(newer_json)?;
        let has_older = older.len() > before as usize;
        older.truncate(before as usize);
        older_flags.truncate(before as usize);
        older.reverse();
        older_flags.reverse();
        let has_newer = newer.len() > after as usize + 1;
        newer.truncate(after as usize + 1);
        newer_flags.truncate(after as usize + 1);
        let mut messages = older;
        messages.append(&mut newer);
        let mut has_versions = older_flags;
        has_versions.append(&mut newer_flags);
        super::tree::attach_versions(&mut tx, &mut messages, &has_versions).await?;
        tx.commit().await?;
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
