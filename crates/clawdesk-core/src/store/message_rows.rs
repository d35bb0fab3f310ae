//! Reading many messages at once. sqlx hands rows over one at a time (about
//! 10 µs each with its decoding), which for a long chat cost more than the
//! query: a 4,500-message path took 50 ms. The statement instead returns
//! the rows as one JSON array, decoded here in one pass.

use crate::error::{AppError, AppResult, FailureCode};
use crate::ids::{MessageId, SessionId};
use crate::time::rfc3339_from_ms;
use crate::tokens::estimate_tokens;
use crate::types::{Message, MessageFailure, MessageStatus, Role, Usage};
use serde::Deserialize;

/// The columns of a `messages` row, in the order [`decode`] reads them.
pub(super) const MESSAGE_COLUMNS: &str =
    "id, session_id, role, content, model, input_tokens, output_tokens, \
     status, created_at, tokens, compacted, summary, failure_code, failure_message, parent_id, \
     has_versions";

/// The statement returning the rows of `select` (which selects
/// [`MESSAGE_COLUMNS`], in the order wanted) as one JSON array.
pub(super) fn as_json_array(select: &str) -> String {
    format!("SELECT json_group_array(json_array({MESSAGE_COLUMNS})) FROM ({select})")
}

/// Decodes what an [`as_json_array`] statement returned, in its order:
/// the messages, and for each whether it has versions (`has_versions`).
pub(super) fn decode_with_flags(json: Option<String>) -> AppResult<(Vec<Message>, Vec<bool>)> {
    let json = json.as_deref().unwrap_or("[]");
    let rows: Vec<MessageRow<'_>> = serde_json::from_str(json)
        .map_err(|e| AppError::storage(format!("messages in database: {e}")))?;
    let mut messages = Vec::with_capacity(rows.len());
    let mut flags = Vec::with_capacity(rows.len());
    // The rows of one read are (nearly always) of one session: its id is
    // validated once and shared.
    let mut session: Option<SessionId> = None;
    for row in rows {
        let session_id = match &session {
            Some(known) if known.as_str() == row.1 => known.clone(),
            _ => {
                let parsed = SessionId::parse(row.1)
                    .map_err(|e| AppError::storage(format!("session id in database: {e}")))?;
                session = Some(parsed.clone());
                parsed
            }
        };
        flags.push(row.15 != 0);
        messages.push(row.into_message(session_id)?);
    }
    Ok((messages, flags))
}

/// One message as [`MESSAGE_COLUMNS`] lists its columns; short texts that
/// never hold escapes are borrowed from the JSON.
#[derive(Deserialize)]
struct MessageRow<'a>(
    MessageId,
    &'a str,
    &'a str,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    &'a str,
    i64,
    Option<i64>,
    i64,
    i64,
    Option<&'a str>,
    Option<String>,
    Option<MessageId>,
    i64,
);

impl MessageRow<'_> {
    fn into_message(self, session_id: SessionId) -> AppResult<Message> {
        let MessageRow(
            id,
            _,
            role,
            content,
            model,
            input_tokens,
            output_tokens,
            status,
            created_at,
            tokens,
            compacted,
            summary,
            failure_code,
            failure_message,
            parent_id,
            _,
        ) = self;
        let failure = match failure_code {
            None => None,
            Some(code) => Some(MessageFailure {
                code: FailureCode::parse(code).ok_or_else(|| {
                    AppError::storage(format!("unknown failure code {code:?} in database"))
                })?,
                message: failure_message.unwrap_or_default(),
            }),
        };
        Ok(Message {
            role: Role::parse(role)
                .ok_or_else(|| AppError::storage(format!("unknown role {role:?} in database")))?,
            status: MessageStatus::parse(status).ok_or_else(|| {
                AppError::storage(format!("unknown status {status:?} in database"))
            })?,
            usage: usage(input_tokens, output_tokens),
            // Written before counts were stored: estimated.
            tokens: tokens.map_or_else(|| estimate_tokens(&content), clamp_u32),
            id,
            session_id,
            content,
            model,
            timestamp: rfc3339_from_ms(created_at),
            compacted: compacted != 0,
            summary: summary != 0,
            failure,
            parent_id,
            versions: None,
        })
    }
}

/// Decodes messages, dropping the `has_versions` flags.
pub(super) fn decode(json: Option<String>) -> AppResult<Vec<Message>> {
    decode_with_flags(json).map(|(messages, _)| messages)
}

pub(super) fn usage(input: Option<i64>, output: Option<i64>) -> Option<Usage> {
    match (input, output) {
        (None, None) => None,
        (i, o) => Some(Usage {
            input_tokens: i.map_or(0, clamp_u32),
            output_tokens: o.map_or(0, clamp_u32),
        }),
    }
}

fn clamp_u32(value: i64) -> u32 {
    value.clamp(0, u32::MAX as i64) as u32
}
