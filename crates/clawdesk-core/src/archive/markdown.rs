//! A chat as Markdown, for reading and sharing (not for importing back).

use crate::types::{Message, MessageStatus, Role, SessionInfo};
use std::fmt::Write;

/// The chat as one Markdown document: a title, what it ran on, then each
/// message under a heading with its role, model, time and how it ended.
/// Compacted messages are kept (marked), and a compaction's summary is
/// labelled as such.
pub fn render_markdown(session: &SessionInfo, messages: &[Message]) -> String {
    let mut out = String::new();
    let title = session.title.as_deref().unwrap_or("Untitled chat");
    let _ = writeln!(out, "# {}\n", one_line(title));
    if let Some(model) = &session.model {
        let _ = writeln!(out, "- Model: `{model}`");
    }
    let _ = writeln!(out, "- Created: {}", session.created_at);
    let _ = writeln!(out, "- Last active: {}", session.last_active);
    let _ = writeln!(out, "- Messages: {}", messages.len());
    for message in messages {
        out.push_str("\n---\n\n");
        let _ = writeln!(out, "## {}\n", heading(message));
        if message.content.is_empty() {
            out.push_str("*(no text)*\n");
        } else {
            out.push_str(&message.content);
            if !message.content.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    out
}

fn heading(message: &Message) -> String {
    let role = match (message.role, message.summary) {
        (_, true) => "Summary of earlier messages",
        (Role::User, _) => "User",
        (Role::Assistant, _) => "Assistant",
        (Role::System, _) => "System",
    };
    let mut parts = vec![role.to_owned()];
    if let Some(model) = &message.model {
        parts.push(format!("`{model}`"));
    }
    parts.push(message.timestamp.clone());
    match message.status {
        MessageStatus::Complete => {}
        MessageStatus::Streaming => parts.push("incomplete".into()),
        MessageStatus::Cancelled | MessageStatus::Failed => {
            let status = message.status.as_str();
            parts.push(match &message.failure {
                Some(f) => format!("{status} ({}: {})", f.code.as_str(), one_line(&f.message)),
                None => status.to_owned(),
            });
        }
    }
    if message.compacted {
        parts.push("compacted".into());
    }
    parts.join(" · ")
}

/// Text for a heading: line breaks would end it.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FailureCode;
    use crate::ids::{MessageId, SessionId};
    use crate::types::{MessageFailure, Usage};

    #[test]
    fn renders_roles_models_statuses_and_summaries() {
        let session = SessionInfo {
            id: SessionId::generate(),
            channel_id: "desktop".into(),
            created_at: "2026-11-30T10:00:00.000Z".into(),
            last_active: "2026-11-30T10:05:00.000Z".into(),
            message_count: 3,
            model: Some("anthropic/claude-sonnet-4-5".into()),
            title: Some("Line\nbreaks".into()),
            pinned: false,
            system_prompt: None,
        };
        let message = |role, content: &str, status| Message {
            id: MessageId::generate(),
            session_id: session.id.clone(),
            role,
            content: content.into(),
            model: None,
            usage: None,
            timestamp: "2026-11-30T10:01:00.000Z".into(),
            status,
            tokens: 1,
            compacted: false,
            summary: false,
            failure: None,
            parent_id: None,
            versions: None,
        };
        let mut summary = message(Role::System, "Earlier: hello.", MessageStatus::Complete);
        summary.summary = true;
        let mut old = message(Role::User, "hello", MessageStatus::Complete);
        old.compacted = true;
        let mut failed = message(Role::Assistant, "", MessageStatus::Failed);
        failed.model = Some("anthropic/claude-sonnet-4-5".into());
        failed.usage = Some(Usage::default());
        failed.failure = Some(MessageFailure {
            code: FailureCode::Network,
            message: "connection reset".into(),
        });
        let text = render_markdown(&session, &[old, summary, failed]);
        assert!(text.starts_with("# Line breaks\n\n- Model: `anthropic/claude-sonnet-4-5`\n"));
        assert!(text.contains("## User · 2026-11-30T10:01:00.000Z · compacted\n\nhello\n"));
        assert!(text.contains(
            "## Summary of earlier messages · 2026-11-30T10:01:00.000Z\n\nEarlier: hello.\n"
        ));
        assert!(text.contains(
            "## Assistant · `anthropic/claude-sonnet-4-5` · 2026-11-30T10:01:00.000Z · failed (network: connection reset)\n\n*(no text)*\n"
        ));
    }
}
