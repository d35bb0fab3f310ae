//! The store the app runs on when its database cannot be opened: every call
//! answers with the same typed `storage` error, so the window still opens,
//! health reports the reason, and the unreadable file is left untouched for
//! the user to recover.

use super::{
    ImportCounts, ImportProgressFn, LoadOutcome, MessageSearch, NewMessage, NewSession, NewSummary,
    SearchPage, SessionDump, SessionStore, SessionUpdate,
};
use crate::archive::ArchivedSession;
use crate::error::{AppError, AppResult};
use crate::ids::{MessageId, SessionId};
use crate::page::{PageOrder, SessionCursor, SessionPage};
use crate::types::{Message, MessageFailure, MessageStatus, MessageWindow, SessionInfo, Usage};
use async_trait::async_trait;
use std::time::Duration;

pub struct UnavailableStore {
    reason: AppError,
}

impl UnavailableStore {
    pub fn new(reason: AppError) -> Self {
        Self { reason }
    }

    fn fail<T>(&self) -> AppResult<T> {
        Err(self.reason.clone())
    }
}

#[async_trait]
impl SessionStore for UnavailableStore {
    async fn create_session(&self, _: NewSession) -> AppResult<SessionInfo> {
        self.fail()
    }
    async fn list_sessions(&self) -> AppResult<Vec<SessionInfo>> {
        self.fail()
    }
    async fn list_sessions_page(
        &self,
        _: PageOrder,
        _: Option<&SessionCursor>,
        _: u32,
    ) -> AppResult<SessionPage> {
        self.fail()
    }
    async fn get_session(&self, _: &SessionId) -> AppResult<SessionInfo> {
        self.fail()
    }
    async fn update_session(&self, _: &SessionId, _: SessionUpdate) -> AppResult<SessionInfo> {
        self.fail()
    }
    async fn delete_session(&self, _: &SessionId) -> AppResult<()> {
        self.fail()
    }
    async fn get_messages_around(
        &self,
        _: &SessionId,
        _: &MessageId,
        _: u32,
        _: u32,
    ) -> AppResult<MessageWindow> {
        self.fail()
    }
    async fn search_messages(&self, _: &MessageSearch<'_>) -> AppResult<SearchPage> {
        self.fail()
    }
    async fn get_messages(&self, _: &SessionId, _: Option<u32>) -> AppResult<Vec<Message>> {
        self.fail()
    }
    async fn get_live_messages(&self, _: &SessionId) -> AppResult<Vec<Message>> {
        self.fail()
    }
    async fn append_message(&self, _: NewMessage) -> AppResult<Message> {
        self.fail()
    }
    async fn append_version(&self, _: &MessageId, _: NewMessage) -> AppResult<Message> {
        self.fail()
    }
    async fn get_message(&self, _: &MessageId) -> AppResult<Message> {
        self.fail()
    }
    async fn switch_branch(&self, _: &MessageId) -> AppResult<SessionId> {
        self.fail()
    }
    async fn apply_compaction(
        &self,
        _: &SessionId,
        _: &MessageId,
        _: NewSummary,
    ) -> AppResult<Message> {
        self.fail()
    }
    async fn update_message(
        &self,
        _: &MessageId,
        _: &str,
        _: MessageStatus,
        _: Option<Usage>,
    ) -> AppResult<()> {
        self.fail()
    }
    async fn fail_message(
        &self,
        _: &MessageId,
        _: &str,
        _: MessageStatus,
        _: Option<Usage>,
        _: &MessageFailure,
    ) -> AppResult<()> {
        self.fail()
    }
    async fn recover_interrupted(&self) -> AppResult<u32> {
        self.fail()
    }
    async fn ping(&self) -> AppResult<Duration> {
        self.fail()
    }
    async fn import_sessions(
        &self,
        _: &[ArchivedSession],
        _: ImportProgressFn<'_>,
    ) -> AppResult<ImportCounts> {
        self.fail()
    }
    async fn count_sessions_in_channel(&self, _: &str) -> AppResult<u32> {
        self.fail()
    }
    async fn dump_session(&self, _: &SessionId) -> AppResult<SessionDump> {
        self.fail()
    }
    async fn load_session(&self, _: &SessionDump) -> AppResult<LoadOutcome> {
        self.fail()
    }
}
