//! The SQL behind `search_messages` and `get_messages_around` on
//! PostgreSQL, with the semantics of the SQLite store (`store/search.rs`):
//! the newest [`SEARCH_CANDIDATES`] matching messages (after filters) are
//! read, newest first in storage order, and ranked by `search::rank`
//! (BM25 from the candidates' own text, document frequencies up to
//! [`DF_CAP`]), so both stores return the same hits in the same order. A
//! word's document frequency is read from the search vocabulary
//! (`vocabulary`), which does not count replies while they stream; see
//! `doc_frequency` for the other kinds of term.
//!
//! Words and phrases go through the GIN index on `search_words` with the
//! expression [`super::tsquery`] builds; CJK substrings are matched among
//! the messages that have CJK text (`has_cjk`, a partial index). Every
//! user value is a bound parameter.

use super::rows::{message_from_row, MESSAGE_COLUMNS};
use super::tsquery::{term_tsquery, tsquery};
use super::PgStore;
use crate::error::{AppError, AppResult};
use crate::ids::{MessageId, SessionId};
use crate::search::query::Lookup;
use crate::search::{rank, DocFrequency, SearchRow, Term};
use crate::store::search::DF_CAP;
use crate::store::{MessageSearch, SearchPage, SEARCH_CANDIDATES};
use crate::types::{MessageWindow, Role};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{Postgres, Row};

/// A bound value of the search statement.
enum Bind {
    Text(String),
    Int(i64),
}

/// SQL conditions and their values, numbered as they are added.
#[derive(Default)]
struct Conditions {
    sql: Vec<String>,
    binds: Vec<Bind>,
}

impl Conditions {
    /// Adds `template` with `$?` standing for the next parameter.
    fn push(&mut self, template: &str, value: Bind) {
        let param = self.param(value);
        self.sql.push(template.replace("$?", &param));
    }

    /// The next parameter, for SQL around the conditions.
    fn param(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    fn where_clause(&self) -> String {
        if self.sql.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.sql.join(" AND "))
        }
    }

    fn bind_all<'q>(
        &self,
        mut statement: Query<'q, Postgres, PgArguments>,
    ) -> Query<'q, Postgres, PgArguments> {
        for bind in &self.binds {
            statement = match bind {
                Bind::Text(text) => statement.bind(text.clone()),
                Bind::Int(int) => statement.bind(*int),
            };
        }
        statement
    }
}

/// The condition a CJK substring puts on a message: among those with CJK
/// text, contained case-insensitively (as SQLite's trigram index and LIKE).
const SUBSTRING: &str = "has_cjk AND strpos(lower(content), lower($?)) > 0";
const WORDS: &str = "search_words @@ to_tsquery('simple', $?)";

impl PgStore {
    pub(super) async fn search(
        &self,
        search: &MessageSearch<'_>,
        total_messages: u64,
    ) -> AppResult<SearchPage> {
        let query = search.query;
        let mut conditions = Conditions::default();
        if let Some(expr) = tsquery(query) {
            conditions.push(WORDS, Bind::Text(expr));
        }
        for term in &query.terms {
            if let Term::Substring(text) = term {
                conditions.push(SUBSTRING, Bind::Text(text.clone()));
            }
        }
        if let Some(session_id) = search.session_id {
            conditions.push("session_id = $?", Bind::Text(session_id.to_string()));
        }
        if let Some(role) = search.role {
            conditions.push("role = $?", Bind::Text(role.as_str().to_string()));
        }
        if let Some(from) = search.from_ms {
            conditions.push("created_at >= $?", Bind::Int(from));
        }
        if let Some(to) = search.to_ms {
            conditions.push("created_at <= $?", Bind::Int(to));
        }
        let sql = format!(
            "SELECT id, session_id, role, content, created_at, compacted, summary, on_path
             FROM messages {} ORDER BY pk DESC LIMIT {SEARCH_CANDIDATES}",
            conditions.where_clause()
        );
        let rows = conditions
            .bind_all(sqlx::query(&sql))
            .fetch_all(self.pool())
            .await?;
        let candidates = rows
            .iter()
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
                    compacted: row.try_get(5)?,
                    summary: row.try_get(6)?,
                    other_branch: !row.try_get::<bool, _>(7)?,
                })
            })
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

    /// How many messages contain `term`, as SQLite's store counts it: up
    /// to [`DF_CAP`], unknown for the CJK terms SQLite cannot count either
    /// (shorter than a trigram), so both stores weigh terms alike.
    ///
    /// A word's count is its row of the search vocabulary (see
    /// `vocabulary`: it lags by the replies still streaming). A prefix
    /// whose words include one that [`DF_CAP`] messages have is in at least
    /// that many, read there too; other prefixes, phrases (their words'
    /// counts do not bound how often they follow each other) and CJK
    /// substrings are counted among the matches, up to [`DF_CAP`]. One
    /// statement per term, as before the vocabulary.
    async fn doc_frequency(&self, term: &Term) -> AppResult<DocFrequency> {
        match term {
            Term::Word {
                text,
                prefix: false,
            } => match self.word_frequency(text).await? {
                Some(frequency) => Ok(frequency),
                None => self.count_matches(term, None).await,
            },
            Term::Word { text, prefix: true } => self.count_matches(term, Some(text)).await,
            _ => self.count_matches(term, None).await,
        }
    }

    /// [`Self::doc_frequency`], for tests.
    #[doc(hidden)]
    pub async fn search_doc_frequency(&self, term: &Term) -> AppResult<DocFrequency> {
        self.doc_frequency(term).await
    }

    /// A word's document frequency from the vocabulary; `None` when the
    /// word is not one lexeme to PostgreSQL's parser (it is then counted).
    async fn word_frequency(&self, word: &str) -> AppResult<Option<DocFrequency>> {
        let found: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT (SELECT messages FROM search_vocabulary WHERE word = l[1])
             FROM tsvector_to_array(to_tsvector('simple', $1)) AS l
             WHERE cardinality(l) = 1",
        )
        .bind(word)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.map(|count| capped(count.unwrap_or(0).max(0) as u64)))
    }

    /// How many messages match `term`, counted up to [`DF_CAP`]. For a
    /// prefix (`common_prefix`, its word) the vocabulary is asked first, in
    /// the same statement: a word of the prefix in [`DF_CAP`] messages or
    /// more makes the prefix that common without counting.
    async fn count_matches(
        &self,
        term: &Term,
        common_prefix: Option<&str>,
    ) -> AppResult<DocFrequency> {
        let mut conditions = Conditions::default();
        match (term.lookup(), term) {
            (Lookup::Like(_), _) => return Ok(DocFrequency::Unknown),
            (Lookup::Trigrams(_), Term::Substring(text)) => {
                conditions.push(SUBSTRING, Bind::Text(text.clone()))
            }
            (_, term) => match term_tsquery(term) {
                Some(expr) => conditions.push(WORDS, Bind::Text(expr)),
                None => return Ok(DocFrequency::Unknown),
            },
        }
        let mut sql = format!(
            "SELECT count(*) FROM (SELECT 1 FROM messages {} LIMIT {DF_CAP}) AS found",
            conditions.where_clause()
        );
        if let Some(word) = common_prefix {
            // The words from the prefix's lexeme up to the highest code
            // point are those starting with it (no word has U+10FFFF). The
            // count, in a CASE branch, runs only when none is that common.
            let lexeme = conditions.param(Bind::Text(word.to_string()));
            sql = format!(
                "SELECT CASE WHEN EXISTS (
                     SELECT 1 FROM tsvector_to_array(to_tsvector('simple', {lexeme})) AS l
                          JOIN search_vocabulary AS v
                            ON v.word >= l[1] AND v.word < l[1] || chr(1114111)
                     WHERE cardinality(l) = 1 AND v.messages >= {DF_CAP})
                 THEN {DF_CAP}::BIGINT ELSE ({sql}) END"
            );
        }
        let count: i64 = conditions
            .bind_all(sqlx::query(&sql))
            .fetch_one(self.pool())
            .await?
            .try_get(0)?;
        Ok(capped(count.max(0) as u64))
    }

    pub(super) async fn window(
        &self,
        session_id: &SessionId,
        message_id: &MessageId,
        before: u32,
        after: u32,
    ) -> AppResult<MessageWindow> {
        // One snapshot for the three reads, so a compaction renumbering the
        // session in between cannot tear the window.
        let mut tx = self.pool().begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let anchor: Option<(i64, bool)> =
            sqlx::query_as("SELECT seq, on_path FROM messages WHERE id = $1 AND session_id = $2")
                .bind(message_id)
                .bind(session_id)
                .fetch_optional(&mut *tx)
                .await?;
        // An error drops the read transaction, which rolls it back.
        let anchor = crate::store::rules::window_anchor(anchor, session_id, message_id)?;
        let mut older = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE session_id = $1 AND on_path AND seq < $2
             ORDER BY seq DESC LIMIT $3"
        ))
        .bind(session_id)
        .bind(anchor)
        .bind(i64::from(before) + 1)
        .fetch_all(&mut *tx)
        .await?;
        let newer = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE session_id = $1 AND on_path AND seq >= $2
             ORDER BY seq LIMIT $3"
        ))
        .bind(session_id)
        .bind(anchor)
        .bind(i64::from(after) + 2)
        .fetch_all(&mut *tx)
        .await?;
        let has_older = older.len() > before as usize;
        older.truncate(before as usize);
        older.reverse();
        let has_newer = newer.len() > after as usize + 1;
        let mut messages = older
            .iter()
            .chain(newer.iter().take(after as usize + 1))
            .map(message_from_row)
            .collect::<AppResult<Vec<_>>>()?;
        super::tree::attach_versions(&mut tx, &mut messages).await?;
        tx.commit().await?;
        Ok(MessageWindow {
            messages,
            has_older,
            has_newer,
        })
    }
}

/// A count as SQLite's store reports it: from [`DF_CAP`] on, only "at least".
fn capped(count: u64) -> DocFrequency {
    if count >= DF_CAP {
        DocFrequency::AtLeast(DF_CAP)
    } else {
        DocFrequency::Exactly(count)
    }
}

impl PgStore {
    /// Proves the search columns agree with the messages' text: every
    /// message's `search_words` and `has_cjk` are what its content gives
    /// now (`SearchColumns::of`). An `Err(storage)` names how many differ.
    pub async fn check_search_index(&self) -> AppResult<()> {
        let rows: Vec<(MessageId, String)> =
            sqlx::query_as("SELECT id, content FROM messages ORDER BY pk")
                .fetch_all(self.pool())
                .await?;
        let mut ids = Vec::with_capacity(rows.len());
        let mut words = Vec::with_capacity(rows.len());
        let mut cjk = Vec::with_capacity(rows.len());
        for (id, content) in rows {
            let columns = super::rows::SearchColumns::of(&content);
            ids.push(id.to_string());
            words.push(columns.words);
            cjk.push(columns.has_cjk);
        }
        let differing: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM messages AS m
             JOIN unnest($1::TEXT[], $2::TEXT[], $3::BOOLEAN[]) AS e(id, words, has_cjk)
               ON m.id = e.id
             WHERE m.search_words <> to_tsvector('simple', e.words) OR m.has_cjk <> e.has_cjk",
        )
        .bind(&ids)
        .bind(&words)
        .bind(&cjk)
        .fetch_one(self.pool())
        .await?;
        if differing != 0 {
            return Err(AppError::storage(format!(
                "{differing} of {} messages have search columns that disagree with their text",
                ids.len()
            )));
        }
        self.check_search_vocabulary().await
    }

    /// Proves the search vocabulary holds, for every word, how many
    /// counted messages have it in their `search_words` (and no other word).
    async fn check_search_vocabulary(&self) -> AppResult<()> {
        let (words, differing): (i64, i64) = sqlx::query_as(&format!(
            "SELECT count(*), count(*) FILTER (WHERE e.messages IS DISTINCT FROM v.messages)
             FROM (SELECT word COLLATE \"C\" AS word, ndoc::BIGINT AS messages
                   FROM ts_stat('SELECT search_words FROM messages WHERE {}')) AS e
             FULL JOIN search_vocabulary AS v ON v.word = e.word",
            super::vocabulary::COUNTED.replace('\'', "''")
        ))
        .fetch_one(self.pool())
        .await?;
        if differing != 0 {
            return Err(AppError::storage(format!(
                "{differing} of {words} words have a document frequency in the search vocabulary \
                 that disagrees with the messages"
            )));
        }
        Ok(())
    }

    /// Refills the search vocabulary from the messages as they are. The
    /// store keeps it by itself; this is for rows written around the store
    /// (a bulk load, a benchmark's seed), in the transaction of that write.
    pub async fn rebuild_search_vocabulary(conn: &mut sqlx::PgConnection) -> AppResult<()> {
        super::vocabulary::rebuild(conn).await
    }
}
