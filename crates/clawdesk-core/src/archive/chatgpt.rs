//! ChatGPT's data export (`conversations.json`): an array of conversations,
//! each a tree of messages (`mapping`, node id → node with `parent` and
//! `children`: every edit or regeneration starts a branch). What the user
//! last saw is the path from the root to `current_node`; that path becomes
//! the chat, the other branches are left out.
//!
//! Ids are derived from ChatGPT's (a hash into the ULID's random part, the
//! conversation's time in its time part), so importing the same export
//! twice finds the chats already there and adds nothing.

use super::format::ArchivedSession;
use super::read::validate_sessions;
use crate::error::{AppError, AppResult};
use crate::ids::{MessageId, SessionId};
use crate::registry::DESKTOP_CHANNEL;
use crate::time::rfc3339_from_ms;
use crate::tokens::estimate_tokens;
use crate::types::{Message, MessageStatus, Role, SessionInfo};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
pub(super) struct Conversation {
    #[serde(default)]
    title: Option<String>,
    /// Seconds since the epoch, fractional.
    create_time: f64,
    #[serde(default)]
    update_time: Option<f64>,
    mapping: HashMap<String, Node>,
    current_node: String,
    /// Newer exports have `conversation_id`, older ones only `id`.
    #[serde(default)]
    conversation_id: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Node {
    #[serde(default)]
    message: Option<ChatMessage>,
    #[serde(default)]
    parent: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ChatMessage {
    id: String,
    author: Author,
    #[serde(default)]
    create_time: Option<f64>,
    content: Content,
    #[serde(default)]
    metadata: Metadata,
}

#[derive(Debug, Deserialize)]
struct Author {
    role: String,
}

#[derive(Debug, Deserialize)]
struct Content {
    content_type: String,
    /// Text parts are strings; images and files are objects (left out).
    #[serde(default)]
    parts: Vec<serde_json::Value>,
    /// `code` and `execution_output` content carry `text` instead of parts.
    #[serde(default)]
    text: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Metadata {
    #[serde(default)]
    model_slug: Option<String>,
    #[serde(default)]
    is_visually_hidden_from_conversation: bool,
}

/// The conversations as chats, each the active path of its tree.
pub(super) fn convert(conversations: Vec<Conversation>) -> AppResult<Vec<ArchivedSession>> {
    let mut sessions = Vec::with_capacity(conversations.len());
    for (i, conversation) in conversations.into_iter().enumerate() {
        sessions.push(convert_one(conversation, &format!("[{i}]"))?);
    }
    validate_sessions(&sessions, "")?;
    Ok(sessions)
}

fn convert_one(conversation: Conversation, at: &str) -> AppResult<ArchivedSession> {
    let key = conversation
        .conversation_id
        .as_deref()
        .or(conversation.id.as_deref())
        .ok_or_else(|| AppError::archive(format!("{at}.conversation_id"), "missing (and no id)"))?
        .to_owned();
    let created_ms = seconds_to_ms(conversation.create_time, &format!("{at}.create_time"))?;
    let session_id = SessionId::parse(format!("sess_{}", derived_ulid(created_ms, &key)))
        .map_err(AppError::internal)?;

    let path = active_path(&conversation, at)?;
    let mut messages = Vec::new();
    let mut model = None;
    for node_id in path {
        let Some(message) = conversation.mapping[&node_id].message.as_ref() else {
            continue;
        };
        let node_at = format!("{at}.mapping.{node_id}.message");
        let role = match message.author.role.as_str() {
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "system" => Role::System,
            // Tool calls and their output are ChatGPT's plumbing, not the chat.
            _ => continue,
        };
        if message.metadata.is_visually_hidden_from_conversation {
            continue;
        }
        let content = text_of(&message.content);
        if content.trim().is_empty() {
            // Empty system prompts and placeholder nodes.
            continue;
        }
        let at_ms = match message.create_time {
            Some(seconds) => seconds_to_ms(seconds, &format!("{node_at}.create_time"))?,
            None => messages
                .last()
                .map(|m: &(i64, Message)| m.0)
                .unwrap_or(created_ms),
        };
        let message_model = match role {
            Role::Assistant => message
                .metadata
                .model_slug
                .as_ref()
                .map(|slug| format!("openai/{slug}")),
            _ => None,
        };
        if message_model.is_some() {
            model.clone_from(&message_model);
        }
        let id = MessageId::parse(format!(
            "msg_{}",
            derived_ulid(at_ms, &format!("{key}/{}", message.id))
        ))
        .map_err(AppError::internal)?;
        messages.push((
            at_ms,
            Message {
                id,
                session_id: session_id.clone(),
                role,
                tokens: estimate_tokens(&content),
                content,
                model: message_model,
                usage: None,
                timestamp: rfc3339_from_ms(at_ms),
                status: MessageStatus::Complete,
                compacted: false,
                summary: false,
                failure: None,
                parent_id: None,
                versions: None,
            },
        ));
    }
    let last_ms = messages.last().map(|m| m.0);
    let active_ms = match conversation.update_time {
        Some(seconds) => seconds_to_ms(seconds, &format!("{at}.update_time"))?,
        None => last_ms.unwrap_or(created_ms),
    };
    let messages: Vec<Message> = messages.into_iter().map(|(_, m)| m).collect();
    let title = conversation
        .title
        .filter(|t| !t.trim().is_empty())
        .or_else(|| {
            messages
                .iter()
                .find(|m| m.role == Role::User)
                .and_then(|m| crate::store::title_from_first_message(&m.content))
        });
    Ok(ArchivedSession {
        session: SessionInfo {
            id: session_id,
            channel_id: DESKTOP_CHANNEL.into(),
            created_at: rfc3339_from_ms(created_ms),
            last_active: rfc3339_from_ms(active_ms.max(created_ms)),
            message_count: messages.len() as u32,
            model,
            title,
            pinned: false,
            system_prompt: None,
        },
        messages,
    })
}

/// Node ids from the root to `current_node`, following `parent` links.
fn active_path(conversation: &Conversation, at: &str) -> AppResult<Vec<String>> {
    let mut path = Vec::new();
    let mut next = Some(conversation.current_node.clone());
    while let Some(id) = next {
        let Some(node) = conversation.mapping.get(&id) else {
            let field = if path.is_empty() {
                format!("{at}.current_node")
            } else {
                format!("{at}.mapping.{}.parent", path.last().unwrap())
            };
            return Err(AppError::archive(
                field,
                format!("no node {id:?} in mapping"),
            ));
        };
        // A tree has no cycles; a file with one would never end.
        if path.len() > conversation.mapping.len() {
            return Err(AppError::archive(
                format!("{at}.mapping.{id}.parent"),
                "the parent links form a cycle",
            ));
        }
        path.push(id);
        next = node.parent.clone();
    }
    path.reverse();
    Ok(path)
}

fn text_of(content: &Content) -> String {
    match content.content_type.as_str() {
        "text" | "multimodal_text" => content
            .parts
            .iter()
            .filter_map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        "code" => content
            .text
            .as_deref()
            .map(|t| format!("```\n{t}\n```"))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn seconds_to_ms(seconds: f64, at: &str) -> AppResult<i64> {
    // Up to the year 9999; the store keeps milliseconds as i64.
    if !(0.0..=253_402_300_799.0).contains(&seconds) {
        return Err(AppError::archive(
            at,
            format!("{seconds} is not a time in seconds"),
        ));
    }
    Ok((seconds * 1000.0).round() as i64)
}

/// A ULID whose time part is `ms` and whose random part is a hash of `key`:
/// the same conversation (or message) always gets the same id.
fn derived_ulid(ms: i64, key: &str) -> ulid::Ulid {
    let high = fnv1a64(key.as_bytes(), 0xcbf2_9ce4_8422_2325);
    let low = fnv1a64(key.as_bytes(), 0x6c62_272e_07bb_0142);
    let random = ((u128::from(high) << 64) | u128::from(low)) & ((1u128 << 80) - 1);
    ulid::Ulid::from_parts(ms.max(0) as u64, random)
}

fn fnv1a64(bytes: &[u8], seed: u64) -> u64 {
    bytes.iter().fold(seed, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
