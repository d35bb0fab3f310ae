//! `SessionStore` on an embedded SQLite database through `sqlx`.
//!
//! WAL mode (readers never wait for the writer), foreign keys on, migrations
//! embedded in the binary and applied at open, each in its own transaction.

use super::dump::taken_message_id;
use super::index::{Known, Revised, SessionIndex};
use super::lock::ProcessLock;
use super::message_rows::MESSAGE_COLUMNS;
use super::rules::{self, VersionTarget};
use super::session_rows::{page_of, SessionRow};
use super::upgrade::{self, UpgradeReport};
use super::{load, message_rows, tree};
use super::{
    title_from_first_message, ImportCounts, ImportProgressFn, LoadOutcome, MessageSearch,
    NewMessage, NewSession, NewSummary, SearchPage, SessionDump, SessionStore, SessionUpdate,
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
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The migrations this build applies (embedded from `migrations/`).
pub fn migrator() -> &'static sqlx::migrate::Migrator {
    &MIGRATOR
}

const SESSION_COLUMNS: &str =
    "id, channel_id, model, title, created_at, last_active, message_count, pinned, system_prompt, \
     revision";
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
    /// What opening did to the schema (backup made, migrations applied).
    upgrade: UpgradeReport,
    /// Sessions' rows, kept in step with the table after each commit, and
    /// completed from the table on the first `list_sessions` (reading 10,000
    /// rows through sqlx costs ~50 ms, which start-up no longer pays: the
    /// sidebar reads pages). Single sessions are answered from it, or from
    /// the table while it is not complete.
    index: SessionIndex,
    /// Held for the store's lifetime: one process owns the database, which is
    /// what makes the in-memory index authoritative.
    _lock: ProcessLock,
    /// Serializes completing the index, so concurrent first listings read
    /// the table once.
    filling: tokio::sync::Mutex<()>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `path` and migrates it,
    /// backing it up first when it has data and migrations are pending
    /// (see [`super::upgrade`]). A file that is not a SQLite database, or
    /// whose migration fails, is reported as `storage` and left as it is.
    pub async fn open(path: &Path) -> AppResult<Self> {
        Self::open_with_migrator(path, &MIGRATOR).await
    }

    /// [`open`](Self::open) with other migrations: tests use it to prove
    /// what a failing migration leaves behind.
    pub async fn open_with_migrator(
        path: &Path,
        migrator: &sqlx::migrate::Migrator,
    ) -> AppResult<Self> {
        Self::open_with(path, migrator, true).await
    }

    /// Opens the database at `path` like [`open`](Self::open) (the process
    /// lock, pending migrations with a backup), but only if it exists:
    /// never makes an empty one. For reading a history that must be there
    /// (`clawdesk migrate`); while the app runs on it, the lock refuses.
    pub async fn open_existing(path: &Path) -> AppResult<Self> {
        if !path.is_file() {
            return Err(super::migrate::missing_source(path));
        }
        Self::open_with(path, &MIGRATOR, false).await
    }

    async fn open_with(
        path: &Path,
        migrator: &sqlx::migrate::Migrator,
        create: bool,
    ) -> AppResult<Self> {
        if let Some(parent) = path.parent().filter(|_| create) {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    AppError::storage(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is durable across application crashes in WAL mode; only
            // an OS crash can lose the last transactions.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let lock = ProcessLock::acquire(path)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| AppError::storage(format!("cannot open {}: {e}", path.display())))?;
        let upgrade = match upgrade::migrate(&pool, path, migrator).await {
            Ok(report) => report,
            Err(err) => {
                pool.close().await;
                return Err(err);
            }
        };
        Ok(Self {
            pool,
            path: path.to_path_buf(),
            upgrade,
            index: SessionIndex::default(),
            _lock: lock,
            filling: tokio::sync::Mutex::new(()),
        })
    }

    /// The backup made and the migrations applied when the store opened.
    pub fn upgrade_report(&self) -> &UpgradeReport {
        &self.upgrade
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying pool, for bulk seeding in benchmarks and tests.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl SqliteStore {
    /// One session: from the index, or from the table while the index does
    /// not know it (not written since the store opened, not listed yet).
    async fn lookup(&self, session_id: &SessionId) -> AppResult<Option<SessionInfo>> {
        match self.index.get(session_id) {
            Known::Session(session) => Ok(Some(session)),
            Known::Absent => Ok(None),
            Known::Unknown => {
                let row: Option<RevisedRow> = sqlx::query_as(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?"
                ))
                .bind(session_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(RevisedRow::into_info))
            }
        }
    }

    /// Messages in all sessions (BM25's collection size): summed over the
    /// sessions table (one row per chat), not counted over the messages.
    /// Counts active paths only, so other versions make it a little low; a
    /// collection size only scales the weights, it does not pick the hits.
    async fn message_total(&self) -> AppResult<u64> {
        let total: i64 = sqlx::query_scalar("SELECT COALESCE(SUM(message_count), 0) FROM sessions")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// Reads every session into the index, once.
    async fn complete_index(&self) -> AppResult<()> {
        if self.index.is_complete() {
            return Ok(());
        }
        let _filling = self.filling.lock().await;
        if self.index.is_complete() {
            return Ok(());
        }
        let rows: Vec<RevisedRow> =
            sqlx::query_as(&format!("SELECT {SESSION_COLUMNS} FROM sessions"))
                .fetch_all(&self.pool)
                .await?;
        self.index
            .fill(rows.into_iter().map(RevisedRow::into_revised).collect());
        Ok(())
    }

    /// Rewrites a message's content, status, usage and failure in one
    /// statement; `failure: None` clears any earlier one (the message's
    /// failure is always that of its latest end).
    async fn write_message(
        &self,
        message_id: &MessageId,
        content: &str,
        status: MessageStatus,
        usage: Option<Usage>,
        failure: Option<&MessageFailure>,
    ) -> AppResult<()> {
        // A reply takes what the provider says it wrote; until then, an estimate.
        let tokens = usage.map_or_else(|| estimate_tokens(content), |u| u.output_tokens);
        let updated = sqlx::query(
            "UPDATE messages SET content = ?, status = ?, tokens = ?,
                 input_tokens = COALESCE(?, input_tokens), output_tokens = COALESCE(?, output_tokens),
                 failure_code = ?, failure_message = ?
             WHERE id = ?",
        )
        .bind(content)
        .bind(status.as_str())
        .bind(i64::from(tokens))
        .bind(usage.map(|u| i64::from(u.input_tokens)))
        .bind(usage.map(|u| i64::from(u.output_tokens)))
        .bind(failure.map(|f| f.code.as_str()))
        .bind(failure.map(|f| f.message.as_str()))
        .bind(message_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(AppError::invalid_argument(
                "messageId",
                format!("message {message_id} does not exist"),
            ));
        }
        Ok(())
    }
}

/// Where [`SqliteStore::insert_message`] puts a new message in the tree.
enum Place<'a> {
    /// After the last message of the active path.
    AfterActivePath,
    /// Beside this message (same parent), as the active path's new leaf.
    VersionOf(&'a MessageId),
}

impl SqliteStore {
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
        let mut tx = self.pool.begin().await?;
        // Writing first takes SQLite's write lock at once, so concurrent
        // appends queue on busy_timeout instead of failing to upgrade a read lock.
        // A title the user set (title_set) wins; otherwise the first user
        // message's title, once.
        let updated: Option<RevisedRow> = sqlx::query_as(&format!(
            "UPDATE sessions
             SET message_count = message_count + 1, last_active = ?, revision = revision + 1,
                 title = CASE WHEN title_set = 1 THEN title ELSE COALESCE(title, ?) END
             WHERE id = ? RETURNING {SESSION_COLUMNS}"
        ))
        .bind(now)
        .bind(&title)
        .bind(&new.session_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(updated) = updated else {
            tx.rollback().await?;
            return Err(AppError::session_not_found(&new.session_id));
        };
        let mut session_after = updated.into_revised();
        let parent_id = match place {
            Place::AfterActivePath => tree::active_leaf(&mut tx, &new.session_id).await?,
            Place::VersionOf(of) => match version_parent(&mut tx, of, &new).await {
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
                created_at, tokens, parent_id, on_path, chosen_at)
             VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE session_id = ?),
                     ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&new.session_id)
        .bind(&new.session_id)
        .bind(new.role.as_str())
        .bind(&new.content)
        .bind(&new.model)
        .bind(new.usage.map(|u| i64::from(u.input_tokens)))
        .bind(new.usage.map(|u| i64::from(u.output_tokens)))
        .bind(new.status.as_str())
        .bind(now)
        .bind(i64::from(tokens))
        .bind(&parent_id)
        // A version joins the active path below, with what it moves.
        .bind(matches!(place, Place::AfterActivePath))
        .bind(now)
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
                tree::flag_versions(&mut tx, &new.session_id, parent_id.as_ref()).await?;
                tree::set_active_path(&mut tx, &new.session_id, &id, now).await?;
                session_after = recount_path(&mut tx, &new.session_id).await?;
                tree::message_with_versions(&mut tx, &id).await?
            }
        };
        tx.commit().await?;
        self.index.upsert(session_after);
        Ok(message)
    }
}

/// Sets the session's `message_count` to the length of its active path
/// (what the chat shows) after the path moved, and returns the session.
async fn recount_path(
    conn: &mut sqlx::SqliteConnection,
    session_id: &SessionId,
) -> AppResult<Revised> {
    let row: RevisedRow = sqlx::query_as(&format!(
        "UPDATE sessions SET revision = revision + 1, message_count = (
             SELECT count(*) FROM messages INDEXED BY messages_path
             WHERE session_id = ?1 AND on_path = 1)
         WHERE id = ?1 RETURNING {SESSION_COLUMNS}"
    ))
    .bind(session_id)
    .fetch_one(conn)
    .await?;
    Ok(row.into_revised())
}

/// The parent a new version of `of` takes (see [`rules::version_parent`]).
async fn version_parent(
    conn: &mut sqlx::SqliteConnection,
    of: &MessageId,
    new: &NewMessage,
) -> AppResult<Option<MessageId>> {
    let found: Option<VersionTarget> =
        sqlx::query_as("SELECT session_id, role, summary, parent_id FROM messages WHERE id = ?")
            .bind(of)
            .fetch_optional(conn)
            .await?;
    rules::version_parent(of, found, new)
}

/// The failure `recover_interrupted` records on a reply the app never finished.
pub const INTERRUPTED: &str = "the app stopped while this reply was streaming";

/// A `sessions` row as [`SESSION_COLUMNS`] selects it: the columns both
/// stores have, and the revision the session index orders commits by.
#[derive(sqlx::FromRow)]
struct RevisedRow {
    #[sqlx(flatten)]
    session: SessionRow,
    revision: i64,
}

impl RevisedRow {
    /// The session with the revision the row was committed at.
    fn into_revised(self) -> Revised {
        Revised {
            revision: self.revision,
            session: self.session.into_info(),
        }
    }

    fn into_info(self) -> SessionInfo {
        self.session.into_info()
    }
}

/// The pages' queries: the first page, and a page after a cursor, in each
/// order. Each is a range scan of the index named, in index order (see
/// `page_queries_are_index_scans` in tests/store.rs).
fn page_query(order: PageOrder, after_cursor: bool) -> String {
    let (keyset, order_by) = match order {
        // sessions_by_last_active
        PageOrder::Recent => ("(last_active, id) < (?, ?)", "last_active DESC, id DESC"),
        // sessions_by_pinned_last_active
        PageOrder::PinnedFirst => (
            "(pinned, last_active, id) < (?, ?, ?)",
            "pinned DESC, last_active DESC, id DESC",
        ),
    };
    let filter = if after_cursor {
        format!("WHERE {keyset}")
    } else {
        String::new()
    };
    format!("SELECT {SESSION_COLUMNS} FROM sessions {filter} ORDER BY {order_by} LIMIT ?")
}

/// The SQL of one page query, for tests that check its plan.
#[doc(hidden)]
pub fn page_query_sql(pinned_first: bool, after_cursor: bool) -> String {
    page_query(PageOrder::new(pinned_first), after_cursor)
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn create_session(&self, new: NewSession) -> AppResult<SessionInfo> {
        let id = SessionId::generate();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO sessions (id, channel_id, model, title, created_at, last_active, message_count)
             VALUES (?, ?, ?, NULL, ?, ?, 0)",
        )
        .bind(&id)
        .bind(&new.channel_id)
        .bind(&new.model)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let session = SessionInfo {
            id,
            channel_id: new.channel_id,
            created_at: rfc3339_from_ms(now),
            last_active: rfc3339_from_ms(now),
            message_count: 0,
            model: new.model,
            title: None,
            pinned: false,
            system_prompt: None,
        };
        self.index.upsert(Revised {
            session: session.clone(),
            revision: 0,
        });
        Ok(session)
    }

    async fn list_sessions(&self) -> AppResult<Vec<SessionInfo>> {
        self.complete_index().await?;
        Ok(self.index.sorted())
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

    async fn update_session(
        &self,
        session_id: &SessionId,
        update: SessionUpdate,
    ) -> AppResult<SessionInfo> {
        let (prompt_given, prompt) = match update.system_prompt {
            Some(prompt) => (true, prompt),
            None => (false, None),
        };
        let updated: Option<RevisedRow> = sqlx::query_as(&format!(
            "UPDATE sessions SET
                 title = COALESCE(?1, title),
                 title_set = CASE WHEN ?1 IS NULL THEN title_set ELSE 1 END,
                 model = COALESCE(?2, model),
                 system_prompt = CASE WHEN ?3 THEN ?4 ELSE system_prompt END,
                 pinned = COALESCE(?5, pinned),
                 revision = revision + 1
             WHERE id = ?6 RETURNING {SESSION_COLUMNS}"
        ))
        .bind(&update.title)
        .bind(&update.model)
        .bind(prompt_given)
        .bind(&prompt)
        .bind(update.pinned)
        .bind(session_id)
        .fetch_optional(&self.pool)
        .await?;
        let revised = updated
            .ok_or_else(|| AppError::session_not_found(session_id))?
            .into_revised();
        self.index.upsert(revised.clone());
        Ok(revised.session)
    }

    async fn get_session(&self, session_id: &SessionId) -> AppResult<SessionInfo> {
        self.lookup(session_id)
            .await?
            .ok_or_else(|| AppError::session_not_found(session_id))
    }

    async fn delete_session(&self, session_id: &SessionId) -> AppResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM messages WHERE session_id = ?")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query("DELETE FROM sessions WHERE id = ?")
            .bind(session_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            tx.rollback().await?;
            return Err(AppError::session_not_found(session_id));
        }
        tx.commit().await?;
        self.index.remove(session_id);
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
        if self.lookup(session_id).await?.is_none() {
            return Err(AppError::session_not_found(session_id));
        }
        // One snapshot: a switch of branch between the two reads cannot
        // give versions of another path.
        let mut tx = self.pool.begin().await?;
        let select = match limit {
            None => format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages INDEXED BY messages_path
                 WHERE session_id = ? AND on_path = 1 ORDER BY seq"
            ),
            // Walk the active path's index backwards for the newest page,
            // then hand it out oldest first.
            Some(limit) => format!(
                "SELECT * FROM (
                     SELECT {MESSAGE_COLUMNS}, seq FROM messages INDEXED BY messages_path
                     WHERE session_id = ? AND on_path = 1 ORDER BY seq DESC LIMIT {limit}
                 ) ORDER BY seq"
            ),
        };
        let json: Option<String> = sqlx::query_scalar(&message_rows::as_json_array(&select))
            .bind(session_id)
            .fetch_one(&mut *tx)
            .await?;
        let (mut messages, has_versions) = message_rows::decode_with_flags(json)?;
        tree::attach_versions(&mut tx, &mut messages, &has_versions).await?;
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
        if self.lookup(session_id).await?.is_none() {
            return Err(AppError::session_not_found(session_id));
        }
        self.window(session_id, message_id, before, after).await
    }

    async fn search_messages(&self, search: &MessageSearch<'_>) -> AppResult<SearchPage> {
        if let Some(session_id) = search.session_id {
            if self.lookup(session_id).await?.is_none() {
                return Err(AppError::session_not_found(session_id));
            }
        }
        self.search(search, self.message_total().await?).await
    }

    async fn get_live_messages(&self, session_id: &SessionId) -> AppResult<Vec<Message>> {
        if self.lookup(session_id).await?.is_none() {
            return Err(AppError::session_not_found(session_id));
        }
        let json: Option<String> = sqlx::query_scalar(&message_rows::as_json_array(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages INDEXED BY messages_live
             WHERE session_id = ? AND compacted = 0 AND on_path = 1 ORDER BY seq"
        )))
        .bind(session_id)
        .fetch_one(&self.pool)
        .await?;
        message_rows::decode(json)
    }

    async fn apply_compaction(
        &self,
        session_id: &SessionId,
        last_replaced: &MessageId,
        summary: NewSummary,
    ) -> AppResult<Message> {
        let id = MessageId::generate();
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        // Writing first takes the write lock at once (see append_message).
        let updated: Option<RevisedRow> = sqlx::query_as(&format!(
            "UPDATE sessions SET message_count = message_count + 1, revision = revision + 1
             WHERE id = ? RETURNING {SESSION_COLUMNS}"
        ))
        .bind(session_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(updated) = updated else {
            tx.rollback().await?;
            return Err(AppError::session_not_found(session_id));
        };
        let session_after = updated.into_revised();
        let boundary: Option<(i64, bool, Option<MessageId>)> = sqlx::query_as(
            "SELECT seq, summary, parent_id FROM messages
             WHERE id = ? AND session_id = ? AND compacted = 0 AND on_path = 1",
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
            "UPDATE messages SET compacted = 1
             WHERE session_id = ? AND compacted = 0 AND on_path = 1 AND seq <= ?",
        )
        .bind(session_id)
        .bind(boundary)
        .execute(&mut *tx)
        .await?;
        // Make room for the summary right after what it replaces: move the
        // later messages (the few kept live) one place on, through negative
        // seqs so the unique (session_id, seq) index never sees a duplicate.
        sqlx::query("UPDATE messages SET seq = -(seq + 1) WHERE session_id = ? AND seq > ?")
            .bind(session_id)
            .bind(boundary)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE messages SET seq = -seq WHERE session_id = ? AND seq < 0")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO messages
               (id, session_id, seq, role, content, model, input_tokens, output_tokens, status,
                created_at, tokens, compacted, summary, parent_id, on_path, chosen_at)
             VALUES (?, ?, ?, 'system', ?, ?, ?, ?, 'complete', ?, ?, 0, 1, ?, 1, ?)",
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
        .bind(&anchor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.index.upsert(session_after);
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

    async fn append_message(&self, new: NewMessage) -> AppResult<Message> {
        self.insert_message(new, Place::AfterActivePath).await
    }

    async fn append_version(&self, of: &MessageId, new: NewMessage) -> AppResult<Message> {
        self.insert_message(new, Place::VersionOf(of)).await
    }

    async fn get_message(&self, message_id: &MessageId) -> AppResult<Message> {
        let mut conn = self.pool.acquire().await?;
        tree::message_with_versions(&mut conn, message_id).await
    }

    async fn switch_branch(&self, message_id: &MessageId) -> AppResult<SessionId> {
        let mut tx = self.pool.begin().await?;
        // A write first takes the write lock at once (see insert_message),
        // so the path read below is the one this transaction rewrites.
        let touched = sqlx::query(
            "UPDATE sessions SET message_count = message_count
             WHERE id = (SELECT session_id FROM messages WHERE id = ?)",
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
        let session = recount_path(&mut tx, &node.session_id).await?;
        tx.commit().await?;
        self.index.upsert(session);
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

    async fn recover_interrupted(&self) -> AppResult<u32> {
        let fixed = sqlx::query(
            "UPDATE messages SET status = 'failed', failure_code = ?, failure_message = ?
             WHERE status = 'streaming'",
        )
        .bind(FailureCode::Internal.as_str())
        .bind(INTERRUPTED)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(fixed.min(u64::from(u32::MAX)) as u32)
    }

    async fn ping(&self) -> AppResult<Duration> {
        let started = Instant::now();
        sqlx::query("SELECT count(*) FROM sqlite_master")
            .fetch_one(&self.pool)
            .await?;
        Ok(started.elapsed())
    }

    async fn import_sessions(
        &self,
        sessions: &[ArchivedSession],
        progress: ImportProgressFn<'_>,
    ) -> AppResult<ImportCounts> {
        // Complete, the index is authoritative (one process owns the
        // database): a session it does not hold is not in the table.
        self.complete_index().await?;
        let mut tx = self.pool.begin().await?;
        let (counts, written) = super::import::write_sessions(
            &mut tx,
            sessions,
            |s| matches!(self.index.get(&s.id), Known::Absent),
            progress,
        )
        .await?;
        tx.commit().await?;
        for session in written {
            self.index.upsert(Revised {
                session,
                revision: 0,
            });
        }
        Ok(counts)
    }

    async fn count_sessions_in_channel(&self, channel_id: &str) -> AppResult<u32> {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE channel_id = ?")
            .bind(channel_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(count.clamp(0, u32::MAX as i64) as u32)
    }

    async fn dump_session(&self, session_id: &SessionId) -> AppResult<SessionDump> {
        // One snapshot: the session row and its messages as one commit left them.
        let mut tx = self.pool.begin().await?;
        let dump = load::dump(&mut tx, session_id).await?;
        tx.commit().await?;
        dump.ok_or_else(|| AppError::session_not_found(session_id))
    }

    async fn load_session(&self, dump: &SessionDump) -> AppResult<LoadOutcome> {
        dump.check()?;
        let mut tx = self.pool.begin().await?;
        // The session row first: it takes the write lock at once (see
        // insert_message), and its conflict says the session is here.
        if !load::insert_session_row(&mut tx, &dump.session).await? {
            tx.rollback().await?;
            return Ok(LoadOutcome::AlreadyThere);
        }
        if let Err(err) = load::insert_message_rows(&mut tx, &dump.session.id, &dump.messages).await
        {
            tx.rollback().await?;
            return Err(taken_message_id(err, dump));
        }
        tx.commit().await?;
        self.index.upsert(Revised {
            session: dump.session.info(),
            revision: 0,
        });
        Ok(LoadOutcome::Loaded {
            messages: dump.messages.len().min(u32::MAX as usize) as u32,
        })
    }
}
