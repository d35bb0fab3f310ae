//! Persistence of sessions and messages behind an object-safe async trait,
//! so the app holds an `Arc<dyn SessionStore>` and tests can open their own.

pub mod database_url;
mod dump;
mod failed;
mod import;
mod index;
mod load;
mod lock;
mod message_rows;
pub mod migrate;
mod open;
mod postgres;
mod rules;
mod search;
mod session_rows;
mod sqlite;
mod title;
mod tree;
mod upgrade;

pub use dump::{LoadOutcome, MessageRecord, SessionDump, SessionRecord};
pub use failed::UnavailableStore;
pub use open::{StoreTarget, DATABASE_URL_ENV};
pub use postgres::{
    fail_unleased_replies, pg_migrator, pg_page_query_sql, tsquery, OrphanedReply, PgStore,
    CONNECT_TIMEOUT,
};
pub use search::SEARCH_CANDIDATES;
pub use sqlite::{migrator, page_query_sql, SqliteStore, INTERRUPTED};
pub use title::title_from_first_message;
pub use upgrade::{list_backups, UpgradeReport, BACKUPS_KEPT};

use crate::archive::ArchivedSession;
use crate::error::AppResult;
use crate::ids::{MessageId, SessionId};
use crate::page::{PageOrder, SessionCursor, SessionPage};
use crate::search::{SearchQuery, SearchRow};
use crate::types::{
    Message, MessageFailure, MessageStatus, MessageWindow, Role, SessionInfo, Usage,
};
use async_trait::async_trait;
use std::time::Duration;

/// What [`SessionStore::import_sessions`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub sessions_imported: u32,
    pub sessions_skipped: u32,
    pub messages_imported: u32,
}

/// Told how many chats of an import are written so far.
pub type ImportProgressFn<'a> = &'a (dyn Fn(u32) + Send + Sync);

/// What `create_session` needs; the store assigns ID and times.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub channel_id: String,
    pub model: Option<String>,
}

/// A validated change to a session (see `ClawDesk::update_session`); a
/// `None` field stays as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionUpdate {
    /// Also marks the title as the user's, so the first message no longer sets it.
    pub title: Option<String>,
    pub model: Option<String>,
    /// `Some(None)` clears the chat's own prompt.
    pub system_prompt: Option<Option<String>>,
    pub pinned: Option<bool>,
}

/// A message to append at the end of a session.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub session_id: SessionId,
    pub role: Role,
    pub content: String,
    pub model: Option<String>,
    pub usage: Option<Usage>,
    pub status: MessageStatus,
    /// Tokens the message takes in a request (see [`Message::tokens`]);
    /// `None` stores the calibrated estimate of `content`.
    pub tokens: Option<u32>,
}

/// The summary a compaction stores in place of the messages it replaces.
#[derive(Debug, Clone)]
pub struct NewSummary {
    pub content: String,
    pub model: Option<String>,
    pub usage: Option<Usage>,
    pub tokens: u32,
}

/// A parsed search with its filters, for `search_messages`.
#[derive(Debug, Clone)]
pub struct MessageSearch<'a> {
    pub query: &'a SearchQuery,
    pub session_id: Option<&'a SessionId>,
    pub role: Option<Role>,
    /// Milliseconds since the epoch, inclusive.
    pub from_ms: Option<i64>,
    /// Milliseconds since the epoch, inclusive.
    pub to_ms: Option<i64>,
    pub limit: u32,
}

/// The best `limit` messages found, best first.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub rows: Vec<SearchRow>,
    /// More messages matched than were returned.
    pub truncated: bool,
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn create_session(&self, new: NewSession) -> AppResult<SessionInfo>;
    /// Every session, most recently active first.
    async fn list_sessions(&self) -> AppResult<Vec<SessionInfo>>;
    /// Up to `limit` sessions in `order`, starting after `after` (which must
    /// have been made for the same order), and the cursor of the next page.
    async fn list_sessions_page(
        &self,
        order: PageOrder,
        after: Option<&SessionCursor>,
        limit: u32,
    ) -> AppResult<SessionPage>;
    async fn get_session(&self, session_id: &SessionId) -> AppResult<SessionInfo>;
    /// Applies `update` in one statement and returns the session as stored.
    /// Does not count as activity (`last_active` stays).
    async fn update_session(
        &self,
        session_id: &SessionId,
        update: SessionUpdate,
    ) -> AppResult<SessionInfo>;
    /// Deletes the session and all of its messages in one transaction.
    async fn delete_session(&self, session_id: &SessionId) -> AppResult<()>;
    /// The active path, oldest first, each message with its `versions`;
    /// with `limit`, only the path's newest `limit` messages.
    async fn get_messages(
        &self,
        session_id: &SessionId,
        limit: Option<u32>,
    ) -> AppResult<Vec<Message>>;
    /// Up to `before` messages before `message_id`, the message itself and
    /// up to `after` after it, oldest first, read from one snapshot. A
    /// message of another session is `invalidArgument { field: "messageId" }`.
    async fn get_messages_around(
        &self,
        session_id: &SessionId,
        message_id: &MessageId,
        before: u32,
        after: u32,
    ) -> AppResult<MessageWindow>;
    /// Messages of every chat (or the filters' chat) matching the query,
    /// ranked by bm25 then recency (see `store/search.rs`).
    async fn search_messages(&self, search: &MessageSearch<'_>) -> AppResult<SearchPage>;
    /// The live context: the active path's messages no compaction replaced
    /// (from its latest summary on), oldest first.
    async fn get_live_messages(&self, session_id: &SessionId) -> AppResult<Vec<Message>>;
    /// Appends a message after the last message of the session's active
    /// path, bumping the session's count, activity time and (for its first
    /// user message) title in the same transaction.
    async fn append_message(&self, new: NewMessage) -> AppResult<Message>;
    /// Stores `new` as another version of `of` (same parent; an edited
    /// question, a regenerated reply) and makes the path ending at it the
    /// active path, in one transaction; `of` and everything else stays.
    /// Returns the message with its `versions`. `of` missing is
    /// `messageNotFound`; of another session, another role, or a summary,
    /// `invalidArgument { field: "messageId" }`.
    async fn append_version(&self, of: &MessageId, new: NewMessage) -> AppResult<Message>;
    /// One message, with its `versions` (`messageNotFound` if none has the id).
    async fn get_message(&self, message_id: &MessageId) -> AppResult<Message>;
    /// Makes the path through `message_id` the session's active path,
    /// continuing below it with the replies last seen there (the newest
    /// where none was). Returns the message's session. Nothing is deleted.
    async fn switch_branch(&self, message_id: &MessageId) -> AppResult<SessionId>;
    /// Rewrites a message's content, status and usage (used while a reply
    /// streams in, and when it completes); clears any recorded failure.
    async fn update_message(
        &self,
        message_id: &MessageId,
        content: &str,
        status: MessageStatus,
        usage: Option<Usage>,
    ) -> AppResult<()>;
    /// Ends a reply that did not complete (`failed` or `cancelled`): like
    /// `update_message`, and records why in the same write, so the reason
    /// is still there after a restart.
    async fn fail_message(
        &self,
        message_id: &MessageId,
        content: &str,
        status: MessageStatus,
        usage: Option<Usage>,
        failure: &MessageFailure,
    ) -> AppResult<()>;
    /// Compacts in one transaction: marks the live messages up to and
    /// including `last_replaced` as compacted (they stay readable) and stores
    /// `summary` as a `system` message in their place, before the messages
    /// kept live. Returns the stored summary.
    async fn apply_compaction(
        &self,
        session_id: &SessionId,
        last_replaced: &MessageId,
        summary: NewSummary,
    ) -> AppResult<Message>;
    /// Marks replies that were still `streaming` when the app last stopped as
    /// `failed` (code `internal`, message [`INTERRUPTED`]), keeping their
    /// text. Returns how many there were. On a database several processes
    /// share, only replies no live process holds a lease on (see
    /// [`crate::cluster`]).
    async fn recover_interrupted(&self) -> AppResult<u32>;
    /// A cheap round trip proving the store answers; returns how long it took.
    async fn ping(&self) -> AppResult<Duration>;
    /// Writes archived chats as they are (ids, times, statuses, usage,
    /// failures, compaction flags), all in ONE transaction: on any error
    /// nothing is written. A chat whose id is already here is skipped, so
    /// importing an archive twice adds nothing the second time. Calls
    /// `progress` with the chats handled so far. Expects the archive
    /// validated (`archive::read_import`).
    async fn import_sessions(
        &self,
        sessions: &[ArchivedSession],
        progress: ImportProgressFn<'_>,
    ) -> AppResult<ImportCounts>;
    /// Sessions per channel, for channel status.
    async fn count_sessions_in_channel(&self, channel_id: &str) -> AppResult<u32>;
    /// The session and every message of it exactly as stored (all
    /// versions, compacted messages and summaries, with their tree
    /// columns), read from one snapshot, for [`load_session`](Self::load_session)
    /// into another store. `sessionNotFound` if there is no such session.
    async fn dump_session(&self, session_id: &SessionId) -> AppResult<SessionDump>;
    /// Writes a dumped session as it is (ids, `seq`s, tree, flags, times),
    /// in one transaction, filling the search indexes as any write does.
    /// A session whose id is already here is left alone
    /// ([`LoadOutcome::AlreadyThere`]), so loading twice never duplicates.
    /// A dump that cannot be written as it is (see [`SessionDump::check`]),
    /// or whose message ids another session here uses, is
    /// `invalidArgument { field: "messages" }` and writes nothing.
    async fn load_session(&self, dump: &SessionDump) -> AppResult<LoadOutcome>;
}
