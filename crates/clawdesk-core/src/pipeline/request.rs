//! Builds what is sent to the model from what the session holds.

use crate::providers::{ChatRequest, ChatRole, ChatTurn};
use crate::types::{Message, MessageStatus, Role};

/// Reply length cap for APIs that require one. Generous: a cap that cuts
/// answers short is worse than a long answer.
pub const MAX_REPLY_TOKENS: u32 = 8_192;

/// Heads a compaction summary where it joins the system prompt.
pub const SUMMARY_HEADING: &str = "Summary of the earlier conversation:";

/// The request for the next reply: the configured system prompt plus any
/// stored system messages (conversation summaries), then the conversation.
/// Messages a compaction replaced are left out (their summary stands in for
/// them), and so are replies that failed (the model never said them);
/// cancelled replies stay in, since the user saw them.
pub fn build_request(model: &str, system_prompt: &str, history: &[Message]) -> ChatRequest {
    let mut system_parts: Vec<String> = Vec::new();
    if !system_prompt.trim().is_empty() {
        system_parts.push(system_prompt.to_string());
    }
    let mut turns = Vec::with_capacity(history.len());
    for message in history.iter().filter(|m| !m.compacted) {
        match message.role {
            Role::System if message.summary => {
                system_parts.push(format!("{SUMMARY_HEADING}\n{}", message.content))
            }
            Role::System => system_parts.push(message.content.clone()),
            Role::User => turns.push(ChatTurn {
                role: ChatRole::User,
                content: message.content.clone(),
            }),
            Role::Assistant => {
                let said = matches!(
                    message.status,
                    MessageStatus::Complete | MessageStatus::Cancelled
                );
                if said && !message.content.is_empty() {
                    turns.push(ChatTurn {
                        role: ChatRole::Assistant,
                        content: message.content.clone(),
                    });
                }
            }
        }
    }
    let system = system_parts.join("\n\n");
    ChatRequest {
        model: model.to_string(),
        system: (!system.is_empty()).then_some(system),
        turns,
        max_tokens: MAX_REPLY_TOKENS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(role: Role, content: &str, status: MessageStatus) -> Message {
        Message {
            id: crate::ids::MessageId::generate(),
            session_id: crate::ids::SessionId::generate(),
            role,
            content: content.into(),
            model: None,
            usage: None,
            timestamp: "2026-01-01T00:00:00Z".into(),
            status,
            tokens: 1,
            compacted: false,
            summary: false,
            failure: None,
            parent_id: None,
            versions: None,
        }
    }

    #[test]
    fn failed_replies_are_left_out_and_summaries_join_the_system_prompt() {
        let history = [
            message(
                Role::System,
                "Summary: they talked about cats.",
                MessageStatus::Complete,
            ),
            message(Role::User, "hi", MessageStatus::Complete),
            message(Role::Assistant, "half an ans", MessageStatus::Failed),
            message(Role::User, "again", MessageStatus::Complete),
            message(Role::Assistant, "partial", MessageStatus::Cancelled),
            message(Role::User, "go on", MessageStatus::Complete),
        ];
        let request = build_request("m", "Be kind.", &history);
        assert_eq!(
            request.system.as_deref(),
            Some("Be kind.\n\nSummary: they talked about cats.")
        );
        let roles: Vec<_> = request
            .turns
            .iter()
            .map(|t| (t.role, t.content.as_str()))
            .collect();
        assert_eq!(
            roles,
            vec![
                (ChatRole::User, "hi"),
                (ChatRole::User, "again"),
                (ChatRole::Assistant, "partial"),
                (ChatRole::User, "go on"),
            ]
        );
    }

    #[test]
    fn compacted_messages_are_left_out_and_the_summary_stands_in() {
        let mut old = message(Role::User, "old question", MessageStatus::Complete);
        old.compacted = true;
        let mut old_reply = message(Role::Assistant, "old answer", MessageStatus::Complete);
        old_reply.compacted = true;
        let mut summary = message(
            Role::System,
            "They asked; we answered.",
            MessageStatus::Complete,
        );
        summary.summary = true;
        let history = [
            old,
            old_reply,
            summary,
            message(Role::User, "new", MessageStatus::Complete),
        ];
        let request = build_request("m", "Be kind.", &history);
        assert_eq!(
            request.system.as_deref(),
            Some("Be kind.\n\nSummary of the earlier conversation:\nThey asked; we answered.")
        );
        assert_eq!(request.turns.len(), 1);
        assert_eq!(request.turns[0].content, "new");
    }
}
