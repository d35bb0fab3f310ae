//! Chats in and out of the app: our versioned JSON archive (export and
//! import), Markdown (export), and ChatGPT's `conversations.json` (import).
//! The format is documented in `docs/archive-format.md`.
//!
//! Records are the core's own [`SessionInfo`](crate::types::SessionInfo) and
//! [`Message`](crate::types::Message) through serde, so a field added to
//! either is exported (and read back) without touching this module.

mod chatgpt;
mod format;
mod markdown;
mod read;

pub use format::{
    Archive, ArchivedSession, ExportFormat, ExportResult, ImportProgress, ImportResult,
    ImportSource, ARCHIVE_FORMAT, ARCHIVE_VERSION,
};
pub use markdown::render_markdown;
pub use read::{read_import, Imported};
