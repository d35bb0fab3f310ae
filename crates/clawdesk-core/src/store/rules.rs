//! What both stores decide the same way, apart from their SQL: which
//! message a new version may stand beside, where an archived message
//! attaches, how a message's versions are told, and which message a window
//! opens on. Each store reads the rows; these turn them into answers.

use super::NewMessage;
use crate::error::{AppError, AppResult};
use crate::ids::{MessageId, SessionId};
use crate::types::{Message, Versions};
use std::collections::HashMap;

/// A message as a new version of it needs to know it: session, role,
/// whether it is a summary, and its parent.
pub(super) type VersionTarget = (SessionId, String, bool, Option<MessageId>);

/// The parent a new version of `of` takes (`of`'s own), after checking that
/// `of` exists (`found`), is of the same session and role (a question's
/// version is a question, a reply's a reply) and is not a summary.
pub(super) fn version_parent(
    of: &MessageId,
    found: Option<VersionTarget>,
    new: &NewMessage,
) -> AppResult<Option<MessageId>> {
    let Some((session_id, role, summary, parent_id)) = found else {
        return Err(AppError::message_not_found(of));
    };
    if session_id != new.session_id {
        return Err(AppError::invalid_argument(
            "messageId",
            format!("message {of} is not in session {}", new.session_id),
        ));
    }
    if summary || role != new.role.as_str() {
        return Err(AppError::invalid_argument(
            "messageId",
            format!("message {of} is not a {} message", new.role.as_str()),
        ));
    }
    Ok(parent_id)
}

/// The parents of an archived chat's messages, a batch at a time: an
/// archive holds a chat's active path (see `archive::format`), so each
/// message follows the latest non-summary message before it, as migration
/// 0006 made of linear chats. `parent` is where the previous batch ended.
pub(super) fn archived_parents(
    batch: &[Message],
    parent: &mut Option<MessageId>,
) -> Vec<Option<MessageId>> {
    let mut parents = Vec::with_capacity(batch.len());
    for message in batch {
        parents.push(parent.clone());
        if !message.summary {
            *parent = Some(message.id.clone());
        }
    }
    parents
}

/// Sets `versions` on `messages` from `children`, the (parent, id) pairs of
/// every non-summary child of their parents, oldest first within a parent.
/// A message alone at its place keeps `None`.
pub(super) fn assign_versions<'a>(
    messages: impl Iterator<Item = &'a mut Message>,
    children: impl IntoIterator<Item = (Option<MessageId>, MessageId)>,
) {
    let mut siblings: HashMap<Option<MessageId>, Vec<MessageId>> = HashMap::new();
    for (parent, id) in children {
        siblings.entry(parent).or_default().push(id);
    }
    for message in messages.filter(|m| !m.summary) {
        let Some(ids) = siblings.get(&message.parent_id).filter(|ids| ids.len() > 1) else {
            continue;
        };
        let Some(index) = ids.iter().position(|id| *id == message.id) else {
            continue;
        };
        message.versions = Some(Versions {
            position: index as u32 + 1,
            count: ids.len() as u32,
            previous: index.checked_sub(1).map(|i| ids[i].clone()),
            next: ids.get(index + 1).cloned(),
        });
    }
}

/// The position a window around `message_id` opens at, from the message's
/// (seq, on the active path) in `session_id`: a message of another version
/// or of another chat is `invalidArgument { field: "messageId" }`.
pub(super) fn window_anchor(
    found: Option<(i64, bool)>,
    session_id: &SessionId,
    message_id: &MessageId,
) -> AppResult<i64> {
    match found {
        Some((seq, true)) => Ok(seq),
        Some((_, false)) => Err(AppError::invalid_argument(
            "messageId",
            format!(
                "message {message_id} is in another version of the chat: \
                 switch_branch to it first"
            ),
        )),
        None => Err(AppError::invalid_argument(
            "messageId",
            format!("message {message_id} is not in session {session_id}"),
        )),
    }
}
