//! Rows of the PostgreSQL tables as the store selects them, and the values
//! it writes with every message text.

use crate::error::{AppError, AppResult, FailureCode};
use crate::search::document::indexed_words;
use crate::search::script::has_cjk;
use crate::time::rfc3339_from_ms;
use crate::tokens::estimate_tokens;
use crate::types::{Message, MessageFailure, MessageStatus, Role, Usage};
use sqlx::postgres::PgRow;
use sqlx::Row;

pub(super) const SESSION_COLUMNS: &str =
    "id, channel_id, model, title, created_at, last_active, message_count, pinned, system_prompt";
pub(super) const MESSAGE_COLUMNS: &str = "id, session_id, role, content, model, input_tokens, \
     output_tokens, status, created_at, tokens, compacted, summary, failure_code, failure_message, \
     parent_id";

/// The search columns of a message text: `search_words` (as the SQL
/// expression `to_tsvector('simple', $n)` over [`SearchColumns::words`]) and
/// `has_cjk`. Written in the same statement as the text, always.
pub(super) struct SearchColumns {
    pub words: String,
    pub has_cjk: bool,
}

impl SearchColumns {
    pub fn of(content: &str) -> Self {
        Self {
            words: indexed_words(content),
            has_cjk: has_cjk(content),
        }
    }
}

/// A message as [`MESSAGE_COLUMNS`] selects it.
pub(super) fn message_from_row(row: &PgRow) -> AppResult<Message> {
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
    let tokens = match row.try_get::<Option<i64>, _>(9)? {
        Some(tokens) => tokens.clamp(0, u32::MAX as i64) as u32,
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
        compacted: row.try_get(10)?,
        summary: row.try_get(11)?,
        failure: failure_from_row(row)?,
        parent_id: row.try_get(14)?,
        versions: None,
    })
}

fn failure_from_row(row: &PgRow) -> AppResult<Option<MessageFailure>> {
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
