//! Reading a file to import: which format it is, and whether every field
//! holds what the store needs. Every error is an `archive` error naming the
//! JSON path of what is wrong; nothing is written before all of it passed.

use super::chatgpt;
use super::format::{Archive, ArchivedSession, ImportSource, ARCHIVE_FORMAT, ARCHIVE_VERSION};
use crate::error::{AppError, AppResult};
use crate::time::ms_from_rfc3339;
use serde_json::Value;
use std::collections::HashSet;

/// What a file held, ready for the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub source: ImportSource,
    pub sessions: Vec<ArchivedSession>,
}

/// Parses `bytes` as our archive (a JSON object with `"format":
/// "clawdesk-archive"`) or ChatGPT's `conversations.json` (a JSON array).
pub fn read_import(bytes: &[u8]) -> AppResult<Imported> {
    let value: Value = serde_json::from_slice(bytes).map_err(|err| {
        let why = if err.is_eof() {
            format!("the file ends too early, it may be truncated ({err})")
        } else {
            format!("not valid JSON ({err})")
        };
        AppError::archive("", why)
    })?;
    match &value {
        Value::Object(object) if object.contains_key("format") => {
            let archive: Archive = typed(value)?;
            validate(&archive)?;
            Ok(Imported {
                source: ImportSource::Clawdesk,
                sessions: archive.sessions,
            })
        }
        Value::Array(_) => Ok(Imported {
            source: ImportSource::Chatgpt,
            sessions: chatgpt::convert(typed(value)?)?,
        }),
        _ => Err(AppError::archive(
            "",
            format!(
                "neither a ClawDesk archive (an object with \"format\": \"{ARCHIVE_FORMAT}\") \
                 nor ChatGPT's conversations.json (an array)"
            ),
        )),
    }
}

/// Deserializes with the path of the first field that does not fit.
pub(super) fn typed<T: serde::de::DeserializeOwned>(value: Value) -> AppResult<T> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let path = if path == "." { String::new() } else { path };
        AppError::archive(path, err.into_inner())
    })
}

fn validate(archive: &Archive) -> AppResult<()> {
    if archive.format != ARCHIVE_FORMAT {
        return Err(AppError::archive(
            "format",
            format!("expected \"{ARCHIVE_FORMAT}\", got {:?}", archive.format),
        ));
    }
    if archive.version == 0 || archive.version > ARCHIVE_VERSION {
        return Err(AppError::archive(
            "version",
            format!(
                "version {} is not one this app reads (1 to {ARCHIVE_VERSION}); a newer ClawDesk wrote it",
                archive.version
            ),
        ));
    }
    validate_sessions(&archive.sessions, "sessions")
}

/// The checks the store relies on, for any source: ids unique, each
/// message in its session, counts and times as the store keeps them.
pub(super) fn validate_sessions(sessions: &[ArchivedSession], root: &str) -> AppResult<()> {
    let mut session_ids = HashSet::new();
    let mut message_ids = HashSet::new();
    for (i, archived) in sessions.iter().enumerate() {
        let at = format!("{root}[{i}]");
        let session = &archived.session;
        if !session_ids.insert(session.id.as_str()) {
            return Err(AppError::archive(
                format!("{at}.session.id"),
                format!("{} appears twice", session.id),
            ));
        }
        for (field, text) in [
            ("createdAt", &session.created_at),
            ("lastActive", &session.last_active),
        ] {
            if ms_from_rfc3339(text).is_none() {
                return Err(AppError::archive(
                    format!("{at}.session.{field}"),
                    format!("{text:?} is not an RFC 3339 time"),
                ));
            }
        }
        if session.message_count as usize != archived.messages.len() {
            return Err(AppError::archive(
                format!("{at}.session.messageCount"),
                format!(
                    "says {} but the chat has {} messages",
                    session.message_count,
                    archived.messages.len()
                ),
            ));
        }
        for (j, message) in archived.messages.iter().enumerate() {
            let at = format!("{at}.messages[{j}]");
            if message.session_id != session.id {
                return Err(AppError::archive(
                    format!("{at}.sessionId"),
                    format!("{} is not the chat's id {}", message.session_id, session.id),
                ));
            }
            if !message_ids.insert(message.id.as_str()) {
                return Err(AppError::archive(
                    format!("{at}.id"),
                    format!("{} appears twice", message.id),
                ));
            }
            if ms_from_rfc3339(&message.timestamp).is_none() {
                return Err(AppError::archive(
                    format!("{at}.timestamp"),
                    format!("{:?} is not an RFC 3339 time", message.timestamp),
                ));
            }
        }
    }
    Ok(())
}
