//! A `sessions` row as both stores read it, and the page of the session
//! list made from such rows.

use crate::ids::SessionId;
use crate::page::{PageOrder, SessionCursor, SessionPage};
use crate::time::rfc3339_from_ms;
use crate::types::SessionInfo;

/// The columns every store's `sessions` table has (times in ms); a store
/// may select more, which are not read here.
#[derive(sqlx::FromRow)]
pub(super) struct SessionRow {
    id: SessionId,
    channel_id: String,
    model: Option<String>,
    title: Option<String>,
    created_at: i64,
    last_active: i64,
    message_count: i64,
    pinned: bool,
    system_prompt: Option<String>,
}

impl SessionRow {
    /// The cursor of a page that ends with this row.
    pub(super) fn cursor(&self, order: PageOrder) -> SessionCursor {
        SessionCursor {
            order,
            pinned: self.pinned,
            last_active: self.last_active,
            id: self.id.clone(),
        }
    }

    pub(super) fn into_info(self) -> SessionInfo {
        SessionInfo {
            id: self.id,
            channel_id: self.channel_id,
            model: self.model,
            title: self.title,
            created_at: rfc3339_from_ms(self.created_at),
            last_active: rfc3339_from_ms(self.last_active),
            message_count: self.message_count.clamp(0, u32::MAX as i64) as u32,
            pinned: self.pinned,
            system_prompt: self.system_prompt,
        }
    }
}

/// The page of `limit` sessions from `rows`, read with one row more than
/// asked: that row only says another page follows, so the last page says
/// so itself instead of an empty page after it.
pub(super) fn page_of(mut rows: Vec<SessionRow>, order: PageOrder, limit: u32) -> SessionPage {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|row| row.cursor(order))
    } else {
        None
    };
    SessionPage {
        sessions: rows.into_iter().map(SessionRow::into_info).collect(),
        next_cursor,
    }
}
