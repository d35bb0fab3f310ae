//! `SessionStore` on a PostgreSQL server through `sqlx`, for a history that
//! several `clawdesk serve` processes share.
//!
//! Unlike [`super::SqliteStore`] nothing here assumes one owner: there is no
//! process lock and no in-memory copy of the sessions. Lists, counts and
//! titles are read from the tables (each listing one index scan), and every
//! write that changes what a listing shows (count, activity, title) changes
//! the session row in the same transaction as the messages. Appends lock
//! the session row first (`UPDATE … RETURNING`), so appends to one session
//! from any number of processes queue there and take consecutive `seq`s.
//! Every write that adds, finishes, rewrites or removes messages also
//! changes the search vocabulary (the words' document frequencies, see
//! `vocabulary`) in its transaction, as its last statement.
//!
//! The migrations are `migrations-postgres/`, applied at open under sqlx's
//! advisory lock (instances starting together migrate once).

mod import;
mod load;
mod rows;
mod search;
mod tree;
mod tsquery;
mod vocabulary;

use super::database_url::mask_database_url;
use super::dump::taken_message_id;
use super::session_rows::{page_of, SessionRow};
use super::{
    title_from_first_message, ImportCounts, ImportProgressFn, LoadOutcome, MessageSearch,
    NewMessage, NewSession, NewSummary, SearchPage, SessionDump, SessionStore, SessionUpdate,
    INTERRUPTED,
};
use crate::archive::ArchivedSession;
use crate::error::{AppError, AppResult, FailureCode};
use crate::ids::{MessageId, SessionId};
use crate::page::{PageOrder, SessionCursor, SessionPage};
use crate::time::{now_ms, rfc3339_from_ms};
use crate::tokens::estimate_tokens;
use crate::types::{
    Message, MessageFailure, MessageStatus, MessageWindow, Role, SessionInfo, Usage,
};
use async_trait::async_trait;
use rows::{message_from_row, SearchColumns, MESSAGE_COLUMNS, SESSION_COLUMNS};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;
use std::time::{Duration, Instant};

pub use tsquery::tsquery;

/// A streaming reply that [`fail_unleased_replies`] marked `failed`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrphanedReply {
    pub id: MessageId,
    pub session_id: SessionId,
}

/// Marks `failed` (code `internal`, message `why`, text kept) every
/// streaming reply of a session no process holds a lease on
/// (`session_leases`, migration 0002). A process takes the lease before it
/// stores a reply and frees it after the reply's last write, so such a reply
/// belongs to a process that died (its leases swept) or whose last write
/// failed. Concurrent callers fail each reply once: the second waits on the
/// row and no longer finds it streaming.
pub async fn fail_unleased_replies<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    why: &str,
) -> AppResult<Vec<OrphanedReply>> {
    // One statement (any executor will do): the replies stop, and their
    // words count in the vocabulary now that they are no longer streaming.
    let failed = sqlx::query_as(&format!(
        "WITH failed AS (
             UPDATE messages m SET status = 'failed', failure_code = $1, failure_message = $2
             WHERE status = 'streaming'
               AND NOT EXISTS (SELECT 1 FROM session_leases l WHERE l.session_id = m.session_id)
             RETURNING id, session_id, search_words),
         {} SELECT id, session_id FROM failed",
        vocabulary::apply_cte("SELECT search_words, 1 FROM failed")
    ))
    .bind(FailureCode::Internal.as_str())
    .bind(why)
    .fetch_all(executor)
    .await?;
    Ok(failed)
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations-postgres");

/// The PostgreSQL migrations this build applies.
pub fn pg_migrator() -> &'static sqlx::migrate::Migrator {
    &MIGRATOR
}

/// Connections each store keeps at most: a server process streams replies
/// and serves reads at once, and the server is shared by several processes.
const MAX_CONNECTIONS: u32 = 8;

/// How long opening the store waits for the server to answer at all (TCP,
/// TLS and authentication of the first connection). A refused connection
/// fails at once; this bounds a host that drops packets, so the app shows
/// its storage error after seconds, not after the pool's acquire timeout.
/// Three seconds covers a round trip to a server across the world several
/// times over.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a call waits for a connection of the pool once the store is
/// open (all of them busy, or the server restarting).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

pub struct PgStore {
    pool: PgPool,
    /// The URL as it may be shown (password masked).
    shown_url: String,
}

impl PgStore {
    /// Connects to the database `url` names (`postgres://…`) and applies
    /// pending migrations. Errors are `storage` and show the URL with its
    /// password masked.
    pub async fn open(url: &str) -> AppResult<Self> {
        let shown_url = mask_database_url(url);
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| {
                AppError::storage(format!(
                    "{shown_url} is not a usable PostgreSQL URL: {}",
                    redact(&e.to_string(), url)
                ))
            })?
            .application_name("clawdesk");
        // One connection first, bounded as a whole: the pool's own connect
        // retries a refused connection until its acquire timeout, which
        // would keep an app pointed at a stopped server waiting for that
        // long before it shows why. This one fails as soon as the server
        // refuses, and gives a silent host CONNECT_TIMEOUT.
        let mut first = match tokio::time::timeout(CONNECT_TIMEOUT, options.connect()).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => {
                return Err(AppError::storage(format!(
                    "cannot connect to {shown_url}: {}",
                    redact(&e.to_string(), url)
                )))
            }
            Err(_) => {
                return Err(AppError::storage(format!(
                    "cannot connect to {shown_url}: no answer within {} s",
                    CONNECT_TIMEOUT.as_secs()
                )))
            }
        };
        // Migrations on that connection (under sqlx's advisory lock).
        let migrated = MIGRATOR.run(&mut first).await;
        let _ = first.close().await;
        if let Err(err) = migrated {
            return Err(AppError::storage(format!(
                "migrating {shown_url} failed: {}",
                redact(&err.to_string(), url)
            )));
        }
        // Reachable and migrated: the pool connects as it is used.
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_lazy_with(options);
        Ok(Self { pool, shown_url })
    }

    /// The database's URL with its password masked.
    pub fn shown_url(&self) -> &str {
        &self.shown_url
    }

    /// The underlying pool, for tests and benchmarks.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn session_exists(&self, session_id: &SessionId) -> AppResult<bool> {
        let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM sessions WHERE id = $1")
            .bind(session_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    async fn require_session(&self, session_id: &SessionId) -> AppResult<()> {
        if self.session_exists(session_id).await? {
            Ok(())
        } else {
            Err(AppError::session_not_found(session_id))
        }
    }

    /// Messages in all sessions (BM25's collection size), summed over the
    /// sessions' counts.
    async fn message_total(&self) -> AppResult<u64> {
        let total: i64 =
            sqlx::query_scalar("SELECT COALESCE(SUM(message_count), 0)::BIGINT FROM sessions")
                .fetch_one(&self.pool)
                .await?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// Rewrites a message's content (and its search columns), status, usage
    /// and failure; `failure: None` clears an earlier one. A reply rewritten
    /// while it streams (every 200 ms) is one statement that leaves the
    /// search vocabulary alone; any other rewrite changes the vocabulary in
    /// the same transaction (see `vocabulary`).
    async fn write_message(
        &self,
        message_id: &MessageId,
        content: &str,
        status: MessageStatus,
        usage: Option<Usage>,
        failure: Option<&MessageFailure>,
    ) -> AppResult<()> {
        let rewrite = MessageRewrite {
            id: message_id,
            content,
            search: SearchColumns::of(content),
            status,
            usage,
            failure,
        };
        if status == MessageStatus::Streaming
            && rewrite
                .execute(&self.pool, Some("status = 'streaming'"))
                .await?
                == 1
        {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        let found: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM messages WHERE id = $1 FOR UPDATE")
                .bind(message_id)
                .fetch_optional(&mut *tx)
                .await?;
        if found.is_none() {
            tx.rollback().await?;
            return Err(AppError::invalid_argument(
                "messageId",
                format!("message {message_id} does not exist"),
            ));
        }
        vocabulary::rewrite(&mut tx, message_id, &rewrite.search.words, status).await?;
        rewrite.execute(&mut *tx, None).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The values [`PgStore::write_message`] writes to a message row.
struct MessageRewrite<'a> {
    id: &'a MessageId,
    content: &'a str,
    search: SearchColumns,
    status: MessageStatus,
    usage: Option<Usage>,
    failure: Option<&'a MessageFailure>,
}

impl MessageRewrite<'_> {
    /// Writes the row (when it also meets `condition`); how many rows were.
    async fn execute<'e>(
        &self,
        executor: impl sqlx::PgExecutor<'e>,
        condition: Option<&str>,
    ) -> AppResult<u64> {
        let tokens = self
            .usage
            .map_or_else(|| estimate_tokens(self.content), |u| u.output_tokens);
        let condition = condition.map_or_else(String::new, |c| format!("AND {c}"));
        let updated = sqlx::query(&format!(
            "UPDATE messages SET content = $1, status = $2, tokens = $3,
                 input_tokens = COALESCE($4, input_tokens), output_tokens = COALESCE($5, output_tokens),
                 failure_code = $6, failure_message = $7,
                 search_words = to_tsvector('simple', $8), has_cjk = $9
             WHERE id = $10 {condition}"
        ))
        .bind(self.content)
        .bind(self.status.as_str())
        .bind(i64::from(tokens))
        .bind(self.usage.map(|u| i64::from(u.input_tokens)))
        .bind(self.usage.map(|u| i64::from(u.output_tokens)))
        .bind(self.failure.map(|f| f.code.as_str()))
        .bind(self.failure.map(|f| f.message.as_str()))
        .bind(&self.search.words)
        .bind(self.search.has_cjk)
        .bind(self.id)
        .execute(executor)
        .await?
        .rows_affected();
        Ok(updated)
    }
}

/// Where [`PgStore::insert_message`] puts a new message in the tree.
enum Place<'a> {
    /// After the last message of the active path.
    AfterActivePath,
    /// Beside this message (same parent), as the active path's new leaf.
    VersionOf(&'a MessageId),
}

impl PgStore {
    /// Appends a message in one transaction with the session's count,
    /// activity time and (for its first user message) title.
    async fn insert_message(&self, new: NewMessage, place: Place<'_>) -> AppResult<Message> {
        let id = MessageId::generate();
        let now = now_ms();
        let tokens = new.tokens.unwrap_or_else(|| estimate_tokens(&new.content));
        let title = match new.role {
            Role::User => title_from_first_message(&new.content),
            _ => None,
        };
        let search = SearchColumns::of(&new.content);
        let mut tx = self.pool.begin().await?;
        // Updating the session row first locks it until commit: writes to
        // one session's tree, from any process, happen one after another.
        // A title the user set wins; otherwise the first user message's, once.
        let updated: Option<i64> = sqlx::query_scalar(
            "UPDATE sessions
             SET message_count = message_count + 1, last_active = $1,
                 title = CASE WHEN title_set THEN title ELSE COALESCE(title, $2) END
             WHERE id = $3 RETURNING message_count",
        )
        .bind(now)
        .bind(&title)
        .bind(&new.session_id)
        .fetch_optional(&mut *tx)
        .await?;
        if updated.is_none() {
            tx.rollback().await?;
            return Err(AppError::session_not_found(&new.session_id));
        }
        // Read committed: each statement from here sees every write
        // committed before the row lock was granted.
        let parent_id = match place {
            Place::AfterActivePath => tree::active_leaf(&mut tx, &new.session_id).await?,
            Place::VersionOf(of) => match tree::version_parent(&mut tx, of, &new).await {
                Ok(parent) => parent,
                Err(err) => {
                    tx.rollback().await?;
                    return Err(err);
                }
            },
        };
        sqlx::query(
            "INSERT INTO messages
               (id, session_id, seq, role, content, model, input_tokens, output_tokens, status,
                created_at, tokens, search_words, has_cjk, parent_id, on_path, chosen_at)
             VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE session_id = $2),
                     $3, $4, $5, $6, $7, $8, $9, $10, to_tsvector('simple', $11), $12, $13,
                     TRUE, $9)",
        )
        .bind(&id)
        .bind(&new.session_id)
        .bind(new.role.as_str())
        .bind(&new.content)
        .bind(&new.model)
        .bind(new.usage.map(|u| i64::from(u.input_tokens)))
        .bind(new.usage.map(|u| i64::from(u.output_tokens)))
        .bind(new.status.as_str())
        .bind(now)
        .bind(i64::from(tokens))
        .bind(&search.words)
        .bind(search.has_cjk)
        .bind(&parent_id)
        .execute(&mut *tx)
        .await?;
        let message = match place {
            Place::AfterActivePath => Message {
                id,
                session_id: new.session_id,
                role: new.role,
                content: new.content,
                model: new.model,
                usage: new.usage,
                timestamp: rfc3339_from_ms(now),
                status: new.status,
                tokens,
                compacted: false,
                summary: false,
                failure: None,
                parent_id,
                versions: None,
            },
            Place::VersionOf(_) => {
                tree::set_active_path(&mut tx, &new.session_id, &id, now).await?;
                tree::recount_path(&mut tx, &new.session_id).await?;
                tree::message_with_versions(&mut tx, &id).await?
            }
        };
        // Last, as in every transaction that changes the vocabulary.
        if message.status != MessageStatus::Streaming {
            vocabulary::count_messages(&mut tx, &[&message.id]).await?;
        }
        tx.commit().await?;
        Ok(message)
    }
}

/// `text` with `url`'s password (if any) replaced, for driver messages that
/// might quote what they were given.
fn redact(text: &str, url: &str) -> String {
    let mut out = text.replace(url, &mask_database_url(url));
    if let Some(password) = password_of(url) {
        if !password.is_empty() {
            out = out.replace(password, super::database_url::MASK);
        }
    }
    out
}

fn password_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let before_query = rest.split('?').next()?;
    let userinfo = &before_query[..before_query.rfind('@')?];
    userinfo.split_once(':').map(|(_, password)| password)
}

/// The pages' queries: the first page, and a page after a cursor, in each
/// order; each a range scan of the index named, in index order.
fn page_query(order: PageOrder, after_cursor: bool) -> String {
    let (keyset, order_by, limit) = match order {
        // sessions_by_last_active
        PageOrder::Recent => (
            "(last_active, id) < ($1, $2)",
            "last_active DESC, id DESC",
            if after_cursor { "$3" } else { "$1" },
        ),
        // sessions_by_pinned_last_active
        PageOrder::PinnedFirst => (
            "(pinned, last_active, id) < ($1, $2, $3)",
            "pinned DESC, last_active DESC, id DESC",
            if after_cursor { "$4" } else { "$1" },
        ),
    };
    let filter = if after_cursor {
        format!("WHERE {keyset}")
    } else {
        String::new()
    };
    format!("SELECT {SESSION_COLUMNS} FROM sessions {filter} ORDER BY {order_by} LIMIT {limit}")
}

/// The SQL of one page query, for tests that check its plan.
#[doc(hidden)]
pub fn pg_page_query_sql(pinned_first: bool, after_cursor: bool) -> String {
    page_query(PageOrder::new(pinned_first), after_cursor)
}

#[async_trait]
impl SessionStore for PgStore {
    async fn create_session(&self, new: NewSession) -> AppResult<SessionInfo> {
        let id = SessionId::generate();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO sessions (id, channel_id, model, title, created_at, last_active, message_count)
             VALUES ($1, $2, $3, NULL, $4, $4, 0)",
        )
        .bind(&id)
        .bind(&new.channel_id)
        .bind(&new.model)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(SessionInfo {
            id,
            channel_id: new.channel_id,
            created_at: rfc3339_from_ms(now),
            last_active: rfc3339_from_ms(now),
            message_count: 0,
            model: new.model,
            title: None,
            pinned: false,
            system_prompt: None,
        })
    }

    async fn list_sessions(&self) -> AppResult<Vec<SessionInfo>> {
        let rows: Vec<SessionRow> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions ORDER BY last_active DESC, id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(SessionRow::into_info).collect())
    }

    async fn list_sessions_page(
        &self,
        order: PageOrder,
        after: Option<&SessionCursor>,
        limit: u32,
    ) -> AppResult<SessionPage> {
        if let Some(after) = after {
            after.check_order(order)?;
        }
        let sql = page_query(order, after.is_some());
        let mut query = sqlx::query_as::<_, SessionRow>(&sql);
        if let Some(after) = after {
            if order == PageOrder::PinnedFirst {
                query = query.bind(after.pinned);
            }
            query = query.bind(after.last_active).bind(&after.id);
        }
        let rows = query
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.pool)
            .await?;
        Ok(page_of(rows, order, limit))
    }

    async fn get_session(&self, session_id: &SessionId) -> AppResult<SessionInfo> {
        let row: Option<SessionRow> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1"
        ))
        .bind(session_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(SessionRow::into_info)
            .ok_or_else(|| AppError::session_not_found(session_id))
    }

    async fn update_session(
        &self,
        session_id: &SessionId,
        update: SessionUpdate,
    ) -> AppResult<SessionInfo> {
        let (prompt_given, prompt) = match update.system_prompt {
            Some(prompt) => (true, prompt),
            None => (false, None),
        };
        let updated: Option<SessionRow> = sqlx::query_as(&format!(
            "UPDATE sessions SET
                 title = COALESCE($1, title),
                 title_set = title_set OR $1 IS NOT NULL,
                 model = COALESCE($2, model),
                 system_prompt = CASE WHEN $3 THEN $4 ELSE system_prompt END,
                 pinned = COALESCE($5, pinned)
             WHERE id = $6 RETURNING {SESSION_COLUMNS}"
        ))
        .bind(&update.title)
        .bind(&update.model)
        .bind(prompt_given)
        .bind(&prompt)
        .bind(update.pinned)
        .bind(session_id)
        .fetch_optional(&self.pool)
        .await?;
        updated
            .map(SessionRow::into_info)
            .ok_or_else(|| AppError::session_not_found(session_id))
    }

    async fn delete_session(&self, session_id: &SessionId) -> AppResult<()> {
        let mut tx = self.pool.begin().await?;
        // The session row first, as every write of its tree locks it: no
        // message is added while its messages are uncounted.
        let found: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE")
                .bind(session_id)
                .fetch_optional(&mut *tx)
                .await?;
        if found.is_none() {
            tx.rollback().await?;
            return Err(AppError::session_not_found(session_id));
        }
        // The messages go, and their words are uncounted as they were when
        // deleted (a reply finishing meanwhile is waited for).
        let unused: Vec<String> = sqlx::query_scalar(&format!(
            "WITH gone AS (DELETE FROM messages WHERE session_id = $1 RETURNING search_words, status),
             {} {}",
            vocabulary::apply_cte(&format!(
                "SELECT search_words, -1 FROM gone WHERE {}",
                vocabulary::COUNTED
            )),
            vocabulary::UNUSED
        ))
        .bind(session_id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        vocabulary::forget(&mut tx, unused).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_messages(
        &self,
        session_id: &SessionId,
        limit: Option<u32>,
    ) -> AppResult<Vec<Message>> {
        if limit == Some(0) {
            return Err(AppError::invalid_argument("limit", "must be at least 1"));
        }
        self.require_session(session_id).await?;
        // One snapshot: a switch of branch between the two reads cannot
        // give versions of another path.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        // The active path's index backwards for the newest page (LIMIT NULL
        // is no limit), handed out oldest first.
        let mut rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE session_id = $1 AND on_path ORDER BY seq DESC LIMIT $2"
        ))
        .bind(session_id)
        .bind(limit.map(i64::from))
        .fetch_all(&mut *tx)
        .await?;
        rows.reverse();
        let mut messages = rows
            .iter()
            .map(message_from_row)
            .collect::<AppResult<Vec<_>>>()?;
        tree::attach_versions(&mut tx, &mut messages).await?;
        tx.commit().await?;
        Ok(messages)
    }

    async fn get_messages_around(
        &self,
        session_id: &SessionId,
        message_id: &MessageId,
        before: u32,
        after: u32,
    ) -> AppResult<MessageWindow> {
        self.require_session(session_id).await?;
        self.window(session_id, message_id, before, after).await
    }

    async fn search_messages(&self, search: &MessageSearch<'_>) -> AppResult<SearchPage> {
        if let Some(session_id) = search.session_id {
            self.require_session(session_id).await?;
        }
        self.search(search, self.message_total().await?).await
    }

    async fn get_live_messages(&self, session_id: &SessionId) -> AppResult<Vec<Message>> {
        self.require_session(session_id).await?;
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE session_id = $1 AND NOT compacted AND on_path ORDER BY seq"
        ))
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    async fn append_message(&self, new: NewMessage) -> AppResult<Message> {
        self.insert_message(new, Place::AfterActivePath).await
    }

    async fn append_version(&self, of: &MessageId, new: NewMessage) -> AppResult<Message> {
        self.insert_message(new, Place::VersionOf(of)).await
    }

    async fn get_message(&self, message_id: &MessageId) -> AppResult<Message> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let message = tree::message_with_versions(&mut tx, message_id).await?;
        tx.commit().await?;
        Ok(message)
    }

    async fn switch_branch(&self, message_id: &MessageId) -> AppResult<SessionId> {
        let mut tx = self.pool.begin().await?;
        // Locks the session row first (as every write of the tree does), so
        // the path read below is the one this transaction rewrites.
        let touched = sqlx::query(
            "UPDATE sessions SET message_count = message_count
             WHERE id = (SELECT session_id FROM messages WHERE id = $1)",
        )
        .bind(message_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if touched == 0 {
            tx.rollback().await?;
            return Err(AppError::message_not_found(message_id));
        }
        let node = tree::node(&mut tx, message_id).await?;
        if node.summary {
            tx.rollback().await?;
            return Err(AppError::invalid_argument(
                "messageId",
                format!("message {message_id} is a compaction summary, not a version of a message"),
            ));
        }
        let leaf = tree::leaf_below(&mut tx, &node.session_id, message_id).await?;
        tree::set_active_path(&mut tx, &node.session_id, &leaf, now_ms()).await?;
        tree::recount_path(&mut tx, &node.session_id).await?;
        tx.commit().await?;
        Ok(node.session_id)
    }

    async fn update_message(
        &self,
        message_id: &MessageId,
        content: &str,
        status: MessageStatus,
        usage: Option<Usage>,
    ) -> AppResult<()> {
        self.write_message(message_id, content, status, usage, None)
            .await
    }

    async fn fail_message(
        &self,
        message_id: &MessageId,
        content: &str,
        status: MessageStatus,
        usage: Option<Usage>,
        failure: &MessageFailure,
    ) -> AppResult<()> {
        self.write_message(message_id, content, status, usage, Some(failure))
            .await
    }

    async fn apply_compaction(
        &self,
        session_id: &SessionId,
        last_replaced: &MessageId,
        summary: NewSummary,
    ) -> AppResult<Message> {
        let id = MessageId::generate();
        let now = now_ms();
        let search = SearchColumns::of(&summary.content);
        let mut tx = self.pool.begin().await?;
        // Locks the session row first, as append_message does.
        let updated: Option<i64> = sqlx::query_scalar(
            "UPDATE sessions SET message_count = message_count + 1
             WHERE id = $1 RETURNING message_count",
        )
        .bind(session_id)
        .fetch_optional(&mut *tx)
        .await?;
        if updated.is_none() {
            tx.rollback().await?;
            return Err(AppError::session_not_found(session_id));
        }
        let boundary: Option<(i64, bool, Option<MessageId>)> = sqlx::query_as(
            "SELECT seq, summary, parent_id FROM messages
             WHERE id = $1 AND session_id = $2 AND NOT compacted AND on_path",
        )
        .bind(last_replaced)
        .bind(session_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((boundary, replaces_summary, summary_anchor)) = boundary else {
            tx.rollback().await?;
            return Err(AppError::invalid_argument(
                "messageId",
                format!("message {last_replaced} is not in the live context of {session_id}"),
            ));
        };
        // The summary belongs to the paths through the last message it
        // replaces; when that is an earlier summary, through its anchor.
        let anchor = if replaces_summary {
            summary_anchor
        } else {
            Some(last_replaced.clone())
        };
        sqlx::query(
            "UPDATE messages SET compacted = TRUE
             WHERE session_id = $1 AND NOT compacted AND on_path AND seq <= $2",
        )
        .bind(session_id)
        .bind(boundary)
        .execute(&mut *tx)
        .await?;
        // Room for the summary right after what it replaces: the later
        // messages move one place on, through negative seqs so the unique
        // (session_id, seq) constraint (checked row by row) never sees a
        // duplicate.
        sqlx::query("UPDATE messages SET seq = -(seq + 1) WHERE session_id = $1 AND seq > $2")
            .bind(session_id)
            .bind(boundary)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE messages SET seq = -seq WHERE session_id = $1 AND seq < 0")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO messages
               (id, session_id, seq, role, content, model, input_tokens, output_tokens, status,
                created_at, tokens, compacted, summary, search_words, has_cjk, parent_id,
                on_path, chosen_at)
             VALUES ($1, $2, $3, 'system', $4, $5, $6, $7, 'complete', $8, $9, FALSE, TRUE,
                     to_tsvector('simple', $10), $11, $12, TRUE, $8)",
        )
        .bind(&id)
        .bind(session_id)
        .bind(boundary + 1)
        .bind(&summary.content)
        .bind(&summary.model)
        .bind(summary.usage.map(|u| i64::from(u.input_tokens)))
        .bind(summary.usage.map(|u| i64::from(u.output_tokens)))
        .bind(now)
        .bind(i64::from(summary.tokens))
        .bind(&search.words)
        .bind(search.has_cjk)
        .bind(&anchor)
        .execute(&mut *tx)
        .await?;
        vocabulary::count_messages(&mut tx, &[&id]).await?;
        tx.commit().await?;
        Ok(Message {
            id,
            session_id: session_id.clone(),
            role: Role::System,
            content: summary.content,
            model: summary.model,
            usage: summary.usage,
            timestamp: rfc3339_from_ms(now),
            status: MessageStatus::Complete,
            tokens: summary.tokens,
            compacted: false,
            summary: true,
            failure: None,
            parent_id: anchor,
            versions: None,
        })
    }

    // Several processes may share the database: only replies that no
    // process holds a lease for are stopped (see `fail_unleased_replies`).
    async fn recover_interrupted(&self) -> AppResult<u32> {
        let failed = fail_unleased_replies(&self.pool, INTERRUPTED).await?;
        Ok(failed.len().min(u32::MAX as usize) as u32)
    }

    async fn ping(&self) -> AppResult<Duration> {
        let started = Instant::now();
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(started.elapsed())
    }

    async fn import_sessions(
        &self,
        sessions: &[ArchivedSession],
        progress: ImportProgressFn<'_>,
    ) -> AppResult<ImportCounts> {
        let mut tx = self.pool.begin().await?;
        let counts = import::write_sessions(&mut tx, sessions, progress).await?;
        tx.commit().await?;
        Ok(counts)
    }

    async fn count_sessions_in_channel(&self, channel_id: &str) -> AppResult<u32> {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE channel_id = $1")
            .bind(channel_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(count.clamp(0, u32::MAX as i64) as u32)
    }

    async fn dump_session(&self, session_id: &SessionId) -> AppResult<SessionDump> {
        // One snapshot across the two reads, whatever other processes write.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
        let dump = load::dump(&mut tx, session_id).await?;
        tx.commit().await?;
        dump.ok_or_else(|| AppError::session_not_found(session_id))
    }

    async fn load_session(&self, dump: &SessionDump) -> AppResult<LoadOutcome> {
        dump.check()?;
        let mut tx = self.pool.begin().await?;
        if !load::insert_session_row(&mut tx, &dump.session).await? {
            tx.rollback().await?;
            return Ok(LoadOutcome::AlreadyThere);
        }
        if let Err(err) = load::insert_message_rows(&mut tx, &dump.session.id, &dump.messages).await
        {
            tx.rollback().await?;
            return Err(taken_message_id(err, dump));
        }
        // Its words count in search's document frequencies, as written.
        vocabulary::count_sessions(&mut tx, &[dump.session.id.as_str()]).await?;
        tx.commit().await?;
        Ok(LoadOutcome::Loaded {
            messages: dump.messages.len().min(u32::MAX as usize) as u32,
        })
    }
}
