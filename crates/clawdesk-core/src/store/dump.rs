//! A whole session exactly as a store holds it, for moving it into another
//! store (`clawdesk migrate`, see [`super::migrate`]): the session row and
//! every message row — other versions, compacted messages and summaries
//! included — with the tree columns (`parent_id`, `on_path`, `chosen_at`,
//! `has_versions`) and `seq` as stored, so the copy has the same tree, the
//! same active path and the same branch memory.
//!
//! Unlike an archive (`archive::format`, the active path only, as people
//! read it), a dump is the storage rows themselves, in raw units (times in
//! milliseconds, counts as stored, `NULL`s kept), and is never shown.

use crate::archive::ArchivedSession;
use crate::error::{AppError, AppResult, FailureCode};
use crate::ids::{MessageId, SessionId};
use crate::time::{ms_from_rfc3339, rfc3339_from_ms};
use crate::types::{MessageStatus, Role, SessionInfo};
use std::collections::{HashMap, HashSet};

/// One session and all of its messages, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionDump {
    pub session: SessionRecord,
    /// Every message of the session in the order it was written (SQLite's
    /// rowid, PostgreSQL's `pk`): a parent always before its children, and
    /// search, which prefers newer rows among equals, ranks the copy alike.
    pub messages: Vec<MessageRecord>,
}

/// The `sessions` row.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SessionRecord {
    pub id: SessionId,
    pub channel_id: String,
    pub model: Option<String>,
    pub title: Option<String>,
    /// The user renamed the chat: the first message no longer titles it.
    pub title_set: bool,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    /// Milliseconds since the epoch.
    pub last_active: i64,
    /// The length of the active path, as stored.
    pub message_count: i64,
    pub pinned: bool,
    pub system_prompt: Option<String>,
}

/// One `messages` row.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRecord {
    pub id: MessageId,
    /// Position in the session (parents before children).
    pub seq: i64,
    pub role: Role,
    pub content: String,
    pub model: Option<String>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub status: MessageStatus,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    /// `None` for rows written before token counts were stored.
    pub tokens: Option<i64>,
    pub compacted: bool,
    pub summary: bool,
    pub failure_code: Option<FailureCode>,
    pub failure_message: Option<String>,
    pub parent_id: Option<MessageId>,
    pub on_path: bool,
    /// When the message was last on the active path (ms).
    pub chosen_at: i64,
    /// Has a sibling version. SQLite stores it; PostgreSQL derives it from
    /// the tree (and so ignores it on load).
    pub has_versions: bool,
}

/// What [`super::SessionStore::load_session`] did with a dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadOutcome {
    /// Written, with this many messages.
    Loaded { messages: u32 },
    /// A session with the dump's id was already there: nothing written.
    AlreadyThere,
}

/// A message row as both stores select it ([`message_select`]); role,
/// status and failure code are checked when it becomes a record.
#[derive(sqlx::FromRow)]
pub(super) struct MessageRow {
    id: MessageId,
    seq: i64,
    role: String,
    content: String,
    model: Option<String>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    status: String,
    created_at: i64,
    tokens: Option<i64>,
    compacted: bool,
    summary: bool,
    failure_code: Option<String>,
    failure_message: Option<String>,
    parent_id: Option<MessageId>,
    on_path: bool,
    chosen_at: i64,
    has_versions: bool,
}

/// The session columns of [`SessionRecord`], for `SELECT … FROM sessions`.
pub(super) const SESSION_RECORD_COLUMNS: &str = "id, channel_id, model, title, title_set, \
     created_at, last_active, message_count, pinned, system_prompt";

/// `SELECT` of a session's message rows in writing order; `has_versions`
/// is the store's expression for that column, `order` its storage order,
/// `param` its placeholder for the session id.
pub(super) fn message_select(has_versions: &str, order: &str, param: &str) -> String {
    format!(
        "SELECT id, seq, role, content, model, input_tokens, output_tokens, status, created_at, \
         tokens, compacted, summary, failure_code, failure_message, parent_id, on_path, \
         chosen_at, {has_versions} AS has_versions
         FROM messages AS m WHERE session_id = {param} ORDER BY {order}"
    )
}

impl MessageRow {
    pub fn into_record(self) -> AppResult<MessageRecord> {
        let role = Role::parse(&self.role).ok_or_else(|| {
            AppError::storage(format!("unknown role {:?} in database", self.role))
        })?;
        let status = MessageStatus::parse(&self.status).ok_or_else(|| {
            AppError::storage(format!("unknown status {:?} in database", self.status))
        })?;
        let failure_code = match &self.failure_code {
            None => None,
            Some(code) => Some(FailureCode::parse(code).ok_or_else(|| {
                AppError::storage(format!("unknown failure code {code:?} in database"))
            })?),
        };
        Ok(MessageRecord {
            id: self.id,
            seq: self.seq,
            role,
            content: self.content,
            model: self.model,
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            status,
            created_at: self.created_at,
            tokens: self.tokens,
            compacted: self.compacted,
            summary: self.summary,
            failure_code,
            failure_message: self.failure_message,
            parent_id: self.parent_id,
            on_path: self.on_path,
            chosen_at: self.chosen_at,
            has_versions: self.has_versions,
        })
    }
}

impl SessionRecord {
    /// The session as the API shows it.
    pub fn info(&self) -> SessionInfo {
        SessionInfo {
            id: self.id.clone(),
            channel_id: self.channel_id.clone(),
            created_at: rfc3339_from_ms(self.created_at),
            last_active: rfc3339_from_ms(self.last_active),
            message_count: self.message_count.clamp(0, u32::MAX as i64) as u32,
            model: self.model.clone(),
            title: self.title.clone(),
            pinned: self.pinned,
            system_prompt: self.system_prompt.clone(),
        }
    }
}

impl SessionDump {
    /// Checks that the rows can be written as they are, before anything is:
    /// message ids and `seq`s unique, and every parent a message of the
    /// dump written before its child (what both stores' foreign keys need
    /// within a batch). `invalidArgument { field: "messages" }` otherwise.
    pub fn check(&self) -> AppResult<()> {
        let mut seen: HashSet<&str> = HashSet::with_capacity(self.messages.len());
        let mut seqs: HashSet<i64> = HashSet::with_capacity(self.messages.len());
        let bad = |why: String| AppError::invalid_argument("messages", why);
        for message in &self.messages {
            if let Some(parent) = &message.parent_id {
                if !seen.contains(parent.as_str()) {
                    return Err(bad(format!(
                        "message {} of session {} follows {parent}, which is not an earlier \
                         message of the session",
                        message.id, self.session.id
                    )));
                }
            }
            if !seen.insert(message.id.as_str()) {
                return Err(bad(format!("message {} appears twice", message.id)));
            }
            if !seqs.insert(message.seq) {
                return Err(bad(format!(
                    "two messages of session {} have seq {}",
                    self.session.id, message.seq
                )));
            }
        }
        Ok(())
    }

    /// An archived chat (its active path) as the rows an import writes:
    /// positions from 1, each message following the latest non-summary
    /// message before it (see `rules::archived_parents`), all on the path
    /// and chosen when written. An archived title is the chat's title as
    /// the user last saw it, so it stays (`title_set`).
    pub fn from_archived(archived: &ArchivedSession) -> AppResult<Self> {
        let session = &archived.session;
        let ms = |text: &str, field: &str| {
            ms_from_rfc3339(text).ok_or_else(|| {
                AppError::archive(field, format!("{text:?} is not an RFC 3339 time"))
            })
        };
        let mut parent = None;
        let parents = super::rules::archived_parents(&archived.messages, &mut parent);
        let mut messages = Vec::with_capacity(archived.messages.len());
        for (i, (m, parent_id)) in archived.messages.iter().zip(parents).enumerate() {
            let created_at = ms(&m.timestamp, "message.timestamp")?;
            messages.push(MessageRecord {
                id: m.id.clone(),
                seq: i as i64 + 1,
                role: m.role,
                content: m.content.clone(),
                model: m.model.clone(),
                input_tokens: m.usage.map(|u| i64::from(u.input_tokens)),
                output_tokens: m.usage.map(|u| i64::from(u.output_tokens)),
                status: m.status,
                created_at,
                tokens: Some(i64::from(m.tokens)),
                compacted: m.compacted,
                summary: m.summary,
                failure_code: m.failure.as_ref().map(|f| f.code),
                failure_message: m.failure.as_ref().map(|f| f.message.clone()),
                parent_id,
                on_path: true,
                chosen_at: created_at,
                has_versions: false,
            });
        }
        Ok(Self {
            session: SessionRecord {
                id: session.id.clone(),
                channel_id: session.channel_id.clone(),
                model: session.model.clone(),
                title: session.title.clone(),
                title_set: session.title.is_some(),
                created_at: ms(&session.created_at, "session.createdAt")?,
                last_active: ms(&session.last_active, "session.lastActive")?,
                message_count: archived.messages.len() as i64,
                pinned: session.pinned,
                system_prompt: session.system_prompt.clone(),
            },
            messages,
        })
    }
}

/// Sets `has_versions` as SQLite keeps it, for a store that does not keep
/// it: on every non-summary message that shares its parent with another
/// (summaries are nobody's sibling).
pub(super) fn derive_has_versions(messages: &mut [MessageRecord]) {
    let mut children: HashMap<Option<&str>, u32> = HashMap::new();
    for m in messages.iter().filter(|m| !m.summary) {
        *children.entry(m.parent_id.as_deref()).or_default() += 1;
    }
    let flags: Vec<bool> = messages
        .iter()
        .map(|m| !m.summary && children.get(&m.parent_id.as_deref()).copied().unwrap_or(0) > 1)
        .collect();
    for (m, flag) in messages.iter_mut().zip(flags) {
        m.has_versions = flag;
    }
}

/// A message id of the dump that another session here already uses.
pub(super) fn taken_message_id(err: sqlx::Error, dump: &SessionDump) -> AppError {
    match err.as_database_error() {
        Some(db) if db.is_unique_violation() => AppError::invalid_argument(
            "messages",
            format!(
                "a message of session {} has an id another session here already uses ({db})",
                dump.session.id
            ),
        ),
        _ => AppError::from(err),
    }
}
