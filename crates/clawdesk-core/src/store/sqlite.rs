//! `SessionStore` on an embedded SQLite database through `sqlx`.
//!
//! WAL mode (readers never wait for the writer), foreign keys on, migrations
//! embedded in the binary and applied at open, each in its own transaction.

use super::index::SessionIndex;
use super::lock::ProcessLock;
use super::upgrade::{self, UpgradeReport};
use super::{
    title_from_first_message, ImportCounts, ImportProgressFn, NewMessage, NewSession, NewSummary,
    SessionStore,
};
use crate::archive::ArchivedSession;
use crate::error::{AppError, AppResult, FailureCode};
use crate::ids::{MessageId, SessionId};
use crate::time::{now_ms, rfc3339_from_ms};
use crate::tokens::estimate_tokens;
use crate::types::{Message, MessageFailure, MessageStatus, Role, SessionInfo, Usage};
use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::Row;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The migrations this build applies (embedded from `migrations/`).
pub fn migrator() -> &'static sqlx::migrate::Migrator {
    &MIGRATOR
}

const SESSION_COLUMNS: &str =
    "id, channel_id, model, title, created_at, last_active, message_count";
const MESSAGE_COLUMNS: &str = "id, session_id, role, content, model, input_tokens, output_tokens, \
     status, created_at, tokens, compacted, summary, failure_code, failure_message";

pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
    /// What opening did to the schema (backup made, migrations applied).
    upgrade: UpgradeReport,
    /// Every session's row, kept in step with the table after each commit:
    /// the sidebar lists all sessions often, and reading 10,000 rows through
    /// sqlx costs ~50 ms where the index answers in a few (see benches/store.rs).
    index: SessionIndex,
    /// Held for the store's lifetime: one process owns the database, which is
    /// what makes the in-memory index authoritative.
    _lock: ProcessLock,
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
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    AppError::storage(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
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
        let rows = sqlx::query(&format!("SELECT {SESSION_COLUMNS} FROM sessions"))
            .fetch_all(&pool)
            .await?;
        let index = SessionIndex::default();
        for row in &rows {
            index.upsert(session_from_row(row)?);
        }
        Ok(Self {
            pool,
            path: path.to_path_buf(),
            upgrade,
            index,
            _lock: lock,
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

/// The failure `recover_interrupted` records on a reply the app never finished.
pub const INTERRUPTED: &str = "the app stopped while this reply was streaming";

fn session_from_row(row: &SqliteRow) -> AppResult<SessionInfo> {
    Ok(SessionInfo {
        id: row.try_get(0)?,
        channel_id: row.try_get(1)?,
        model: row.try_get(2)?,
        title: row.try_get(3)?,
        created_at: rfc3339_from_ms(row.try_get(4)?),
        last_active: rfc3339_from_ms(row.try_get(5)?),
        message_count: row.try_get::<i64, _>(6)?.clamp(0, u32::MAX as i64) as u32,
    })
}

fn message_from_row(row: &SqliteRow) -> AppResult<Message> {
    let role: String = row.try_get(2)?;
    let status: String = row.try_get(7)?;
    let input: Option<i64> = row.try_get(5)?;
    let output: Option<i64> = row.try_get(6)?;
    let usage = match (input, output) {
        (None, None) => None,
        (i, o) => Some(Usage {
            input_tokens: i.unwrap_or(0).clamp(0, u32::MAX as i64) as u32,
            output_tokens: o.unwrap_or(0).clamp(0, u32::MAX as i64) as u32,
        }),
    };
    let content: String = row.try_get(3)?;
    let tokens: Option<i64> = row.try_get(9)?;
    let tokens = match tokens {
        Some(tokens) => tokens.clamp(0, u32::MAX as i64) as u32,
        // Written before counts were stored.
        None => estimate_tokens(&content),
    };
    Ok(Message {
        id: row.try_get(0)?,
        session_id: row.try_get(1)?,
        role: Role::parse(&role)
            .ok_or_else(|| AppError::storage(format!("unknown role {role:?} in database")))?,
        content,
        model: row.try_get(4)?,
        usage,
        status: MessageStatus::parse(&status)
            .ok_or_else(|| AppError::storage(format!("unknown status {status:?} in database")))?,
        timestamp: rfc3339_from_ms(row.try_get(8)?),
        tokens,
        compacted: row.try_get::<i64, _>(10)? != 0,
        summary: row.try_get::<i64, _>(11)? != 0,
        failure: failure_from_row(row)?,
    })
}

fn failure_from_row(row: &SqliteRow) -> AppResult<Option<MessageFailure>> {
    let code: Option<String> = row.try_get(12)?;
    let Some(code) = code else {
        return Ok(None);
    };
    let code = FailureCode::parse(&code)
        .ok_or_else(|| AppError::storage(format!("unknown failure code {code:?} in database")))?;
    Ok(Some(MessageFailure {
        code,
        message: row.try_get::<Option<String>, _>(13)?.unwrap_or_default(),
    }))
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
        };
        self.index.upsert(session.clone());
        Ok(session)
    }

    async fn list_sessions(&self) -> AppResult<Vec<SessionInfo>> {
        Ok(self.index.sorted())
    }

    async fn get_session(&self, session_id: &SessionId) -> AppResult<SessionInfo> {
        self.index
            .get(session_id)
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
        if self.index.get(session_id).is_none() {
            return Err(AppError::session_not_found(session_id));
        }
        let rows = match limit {
            None => {
                sqlx::query(&format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY seq"
                ))
                .bind(session_id)
                .fetch_all(&self.pool)
                .await?
            }
            Some(limit) => {
                // Walk the (session_id, seq) index backwards for the newest page,
                // then hand it out oldest first.
                let mut rows = sqlx::query(&format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = ?
                     ORDER BY seq DESC LIMIT ?"
                ))
                .bind(session_id)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.reverse();
                rows
            }
        };
        rows.iter().map(message_from_row).collect()
    }

    async fn get_live_messages(&self, session_id: &SessionId) -> AppResult<Vec<Message>> {
        if self.index.get(session_id).is_none() {
            return Err(AppError::session_not_found(session_id));
        }
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = ? AND compacted = 0 ORDER BY seq"
        ))
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from_row).collect()
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
        let updated = sqlx::query(&format!(
            "UPDATE sessions SET message_count = message_count + 1
             WHERE id = ? RETURNING {SESSION_COLUMNS}"
        ))
        .bind(session_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(updated) = updated else {
            tx.rollback().await?;
            return Err(AppError::session_not_found(session_id));
        };
        let session_after = session_from_row(&updated)?;
        let boundary: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM messages WHERE id = ? AND session_id = ? AND compacted = 0",
        )
        .bind(last_replaced)
        .bind(session_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(boundary) = boundary else {
            tx.rollback().await?;
            return Err(AppError::invalid_argument(
                "messageId",
                format!("message {last_replaced} is not in the live context of {session_id}"),
            ));
        };
        sqlx::query(
            "UPDATE messages SET compacted = 1
             WHERE session_id = ? AND compacted = 0 AND seq <= ?",
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
                created_at, tokens, compacted, summary)
             VALUES (?, ?, ?, 'system', ?, ?, ?, ?, 'complete', ?, ?, 0, 1)",
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
        })
    }

    async fn append_message(&self, new: NewMessage) -> AppResult<Message> {
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
        let updated = sqlx::query(&format!(
            "UPDATE sessions
             SET message_count = message_count + 1, last_active = ?, title = COALESCE(title, ?)
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
        let session_after = session_from_row(&updated)?;
        sqlx::query(
            "INSERT INTO messages
               (id, session_id, seq, role, content, model, input_tokens, output_tokens, status,
                created_at, tokens)
             VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE session_id = ?),
                     ?, ?, ?, ?, ?, ?, ?, ?)",
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
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.index.upsert(session_after);
        Ok(Message {
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
        })
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
        let mut tx = self.pool.begin().await?;
        // The index is authoritative (one process owns the database).
        let (counts, written) = super::import::write_sessions(
            &mut tx,
            sessions,
            |s| self.index.get(&s.id).is_none(),
            progress,
        )
        .await?;
        tx.commit().await?;
        for session in written {
            self.index.upsert(session);
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
}
