//! The archive's types: what an export writes and an import reads.

use crate::types::{Message, SessionInfo};
use serde::{Deserialize, Serialize};
use specta::Type;

/// The `format` field of every archive, so a file says what it is.
pub const ARCHIVE_FORMAT: &str = "clawdesk-archive";
/// The version this build writes; it reads this one and every older one.
pub const ARCHIVE_VERSION: u32 = 1;

/// A JSON archive: one chat (`export_session` as JSON) or all of them
/// (`export_all_sessions`). Deliberately without an export time, so that
/// exporting the same chats twice gives the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Archive {
    /// Always [`ARCHIVE_FORMAT`].
    pub format: String,
    /// [`ARCHIVE_VERSION`] when written by this build.
    pub version: u32,
    /// Most recently active first, as the sidebar lists them.
    pub sessions: Vec<ArchivedSession>,
}

impl Archive {
    pub fn new(sessions: Vec<ArchivedSession>) -> Self {
        Self {
            format: ARCHIVE_FORMAT.into(),
            version: ARCHIVE_VERSION,
            sessions,
        }
    }

    /// The archive as written to a file: pretty JSON (diffable, readable)
    /// ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("archive types always serialize");
        text.push('\n');
        text
    }
}

/// One chat: the session as `get_session` returns it, and the messages of
/// its active path (compacted ones and summaries included) as
/// `get_messages` returns them, oldest first, without `versions`: an export
/// is the chat as shown. On import each message follows the one before it
/// (`parentId` is informative).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedSession {
    pub session: SessionInfo,
    pub messages: Vec<Message>,
}

/// What `export_session` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ExportFormat {
    /// For people: headings per message, the text as written.
    Markdown,
    /// The versioned archive, which `import_archive` reads back.
    Json,
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    pub sessions: u32,
    pub messages: u32,
    /// Size of the file written.
    pub bytes: u32,
}

/// Which kind of file an import read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ImportSource {
    /// Our archive (`"format": "clawdesk-archive"`).
    Clawdesk,
    /// ChatGPT's data export (`conversations.json`).
    Chatgpt,
}

/// What an import did. It is all or nothing: on an error nothing is imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportResult {
    pub source: ImportSource,
    /// Chats added.
    pub sessions_imported: u32,
    /// Chats already here (same id: imported before), left as they are.
    pub sessions_skipped: u32,
    /// Messages added (those of the chats added).
    pub messages_imported: u32,
}

/// Progress of a running import, for a progress bar: chats written so far
/// out of the archive's total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportProgress {
    pub done: u32,
    pub total: u32,
}
