//! Compaction: the older part of a session's live context is replaced by a
//! summary the session's own model writes; the recent messages stay verbatim.
//!
//! Nothing is deleted. The replaced messages are marked `compacted` (history
//! still shows them, requests leave them out) and the summary is stored as
//! one `system` message in their place, all in one store transaction that
//! runs only after the provider has answered: a failed summary changes nothing.

use super::attempt::{stream_with_retries, Limits, ReplyReceiver};
use super::request::build_request;
use crate::config::AppConfig;
use crate::error::{AppResult, FailureCode};
use crate::ids::SessionId;
use crate::providers::{ChatRequest, ChatRole, ChatTurn, ProviderFailure};
use crate::registry::RoutedModel;
use crate::store::{NewSummary, SessionStore};
use crate::tokens::{count_tokens, TOKENS_PER_TURN};
use crate::types::{CompactionResult, Message, Role, Usage};
use tokio_util::sync::CancellationToken;

/// Reply cap for the summary: a briefing, not a transcript.
pub const SUMMARY_MAX_TOKENS: u32 = 4_096;

/// Where the live context splits: the messages before the returned index are
/// summarized, the rest stay verbatim. At least `keep_recent` messages stay,
/// more when that would split a user message from its reply (the kept part
/// never starts with an assistant reply). `None` when nothing but an earlier
/// summary would be replaced: the session is already small.
pub fn compaction_split(live: &[Message], keep_recent: usize) -> Option<usize> {
    if live.len() <= keep_recent {
        return None;
    }
    let mut split = live.len() - keep_recent;
    while split > 0 && live[split].role == Role::Assistant {
        split -= 1;
    }
    live[..split]
        .iter()
        .any(|m| m.role != Role::System)
        .then_some(split)
}

/// Stored tokens of the live context plus the request's system prompt: what
/// the next request will roughly take, without tokenizing anything again.
pub fn context_tokens(model: &str, system_prompt: &str, live: &[Message]) -> u64 {
    let messages: u64 = live
        .iter()
        .map(|m| u64::from(m.tokens) + u64::from(TOKENS_PER_TURN))
        .sum();
    messages + u64::from(count_tokens(model, system_prompt))
}

/// Whether a request over `live` crosses `threshold_percent` of the window.
pub fn over_threshold(tokens: u64, context_window: u32, threshold_percent: u32) -> bool {
    tokens * 100 > u64::from(context_window) * u64::from(threshold_percent)
}

/// One compaction of one session, with everything it needs borrowed from
/// the caller (who holds the session's reservation).
pub(crate) struct Compactor<'a> {
    pub store: &'a dyn SessionStore,
    pub routed: &'a RoutedModel,
    /// The provider-qualified id stored with the summary; requests and
    /// token counts use the routed model's own id.
    pub model: &'a str,
    pub config: &'a AppConfig,
    /// The session's effective system prompt (its own, or the default).
    pub system_prompt: &'a str,
    pub limits: &'a Limits,
    pub cancel: &'a CancellationToken,
    pub session_id: &'a SessionId,
}

#[derive(Default)]
struct SummaryText {
    text: String,
    input_tokens: Option<u32>,
    output_tokens: Option<u32>,
}

impl ReplyReceiver for SummaryText {
    async fn text(&mut self, delta: String, _index: u32) {
        self.text.push_str(&delta);
    }

    fn usage(&mut self, input_tokens: Option<u32>, output_tokens: Option<u32>) {
        self.input_tokens = input_tokens.or(self.input_tokens);
        self.output_tokens = output_tokens.or(self.output_tokens);
    }

    fn restart(&mut self) {
        *self = SummaryText::default();
    }
}

impl Compactor<'_> {
    /// Compacts `live` (the session's live context, oldest first). A session
    /// that is already small comes back unchanged with zero saved.
    pub(crate) async fn run(&self, live: &[Message]) -> AppResult<CompactionResult> {
        let before = u32::try_from(live.len()).unwrap_or(u32::MAX);
        let tokens_before: u64 = live.iter().map(|m| u64::from(m.tokens)).sum();
        let keep_recent = self.config.compaction.keep_recent.max(2) as usize;
        let Some(split) = compaction_split(live, keep_recent) else {
            return Ok(CompactionResult {
                messages_before: before,
                messages_after: before,
                tokens_saved: 0,
            });
        };
        let older = &live[..split];
        let request = summary_request(
            &self.routed.model,
            self.system_prompt,
            self.config,
            self.routed.context_window,
            older,
        );
        let mut summary = SummaryText::default();
        stream_with_retries(
            self.routed.provider.as_ref(),
            &request,
            self.limits,
            self.cancel,
            &mut summary,
        )
        .await
        .map_err(|(failure, _)| failure.into_app_error(&self.routed.provider_name))?;
        let content = summary.text.trim().to_string();
        if content.is_empty() {
            return Err(ProviderFailure::new(
                FailureCode::Provider,
                "the model returned an empty summary",
            )
            .into_app_error(&self.routed.provider_name));
        }
        let tokens = summary
            .output_tokens
            .unwrap_or_else(|| count_tokens(&self.routed.model, &content));
        let usage = summary.output_tokens.map(|output| Usage {
            input_tokens: summary.input_tokens.unwrap_or(0),
            output_tokens: output,
        });
        let last_replaced = &older[older.len() - 1].id;
        self.store
            .apply_compaction(
                self.session_id,
                last_replaced,
                NewSummary {
                    content,
                    model: Some(self.model.to_string()),
                    usage,
                    tokens,
                },
            )
            .await?;
        let replaced_tokens: u64 = older.iter().map(|m| u64::from(m.tokens)).sum();
        let tokens_after = tokens_before - replaced_tokens + u64::from(tokens);
        let saved = tokens_before.saturating_sub(tokens_after);
        Ok(CompactionResult {
            messages_before: before,
            messages_after: before - split as u32 + 1,
            tokens_saved: u32::try_from(saved).unwrap_or(u32::MAX),
        })
    }
}

/// The request that asks for a summary of `older`: that conversation (with
/// any earlier summary in the system prompt), then `compaction.summaryPrompt`
/// as the last user turn. When `older` alone would not fit the model, its
/// oldest messages are left out of the request (they stay in the history).
pub fn summary_request(
    model: &str,
    system_prompt: &str,
    config: &AppConfig,
    context_window: u32,
    older: &[Message],
) -> ChatRequest {
    let instruction = &config.compaction.summary_prompt;
    let budget = (u64::from(context_window) * 3 / 4)
        .saturating_sub(u64::from(SUMMARY_MAX_TOKENS))
        .saturating_sub(u64::from(count_tokens(model, instruction)));
    let mut used = 0u64;
    let mut first = older.len();
    while first > 0 {
        let tokens = u64::from(older[first - 1].tokens) + u64::from(TOKENS_PER_TURN);
        if used + tokens > budget && first < older.len() {
            break;
        }
        used += tokens;
        first -= 1;
    }
    let mut request = if first == 0 {
        build_request(model, system_prompt, older)
    } else {
        let selected: Vec<Message> = older
            .iter()
            .enumerate()
            .filter(|(i, m)| *i >= first || m.role == Role::System)
            .map(|(_, m)| m.clone())
            .collect();
        build_request(model, system_prompt, &selected)
    };
    // Conversations start with the user.
    let leading_replies = request
        .turns
        .iter()
        .take_while(|t| t.role == ChatRole::Assistant)
        .count();
    request.turns.drain(..leading_replies);
    request.turns.push(ChatTurn {
        role: ChatRole::User,
        content: instruction.clone(),
    });
    request.max_tokens = SUMMARY_MAX_TOKENS;
    request
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::MessageStatus;

    fn message(role: Role, content: &str, tokens: u32) -> Message {
        Message {
            id: crate::ids::MessageId::generate(),
            session_id: SessionId::generate(),
            role,
            content: content.into(),
            model: None,
            usage: None,
            timestamp: "2026-01-01T00:00:00Z".into(),
            status: MessageStatus::Complete,
            tokens,
            compacted: false,
            summary: role == Role::System,
            failure: None,
            parent_id: None,
            versions: None,
        }
    }

    fn pairs(n: usize, tokens: u32) -> Vec<Message> {
        (0..n)
            .flat_map(|i| {
                [
                    message(Role::User, &format!("q{i}"), tokens),
                    message(Role::Assistant, &format!("a{i}"), tokens),
                ]
            })
            .collect()
    }

    #[test]
    fn the_split_keeps_at_least_keep_recent_and_never_starts_at_a_reply() {
        let live = pairs(10, 10);
        assert_eq!(compaction_split(&live, 8), Some(12));
        assert_eq!(compaction_split(&live, 7), Some(12));
        assert_eq!(compaction_split(&live, 20), None);
        assert_eq!(compaction_split(&live, 19), None);
        assert_eq!(compaction_split(&live[..8], 8), None);
        // Only an earlier summary before the kept part: nothing to do.
        let mut live = vec![message(Role::System, "s", 10)];
        live.extend(pairs(4, 10));
        assert_eq!(compaction_split(&live, 8), None);
        live.extend(pairs(1, 10));
        assert_eq!(compaction_split(&live, 8), Some(3));
    }

    #[test]
    fn the_threshold_is_a_percent_of_the_window() {
        assert!(!over_threshold(800, 1000, 80));
        assert!(over_threshold(801, 1000, 80));
        assert!(over_threshold(u64::from(u32::MAX), u32::MAX, 95));
    }

    #[test]
    fn the_summary_request_ends_with_the_instruction_and_fits_the_window() {
        let config = AppConfig::default();
        let mut older = vec![message(Role::System, "earlier summary", 10)];
        older.extend(pairs(50, 100));
        // A window that holds everything.
        let request = summary_request(
            "m",
            &config.defaults.system_prompt,
            &config,
            200_000,
            &older,
        );
        assert_eq!(request.turns.len(), 101);
        assert_eq!(request.turns[0].content, "q0");
        assert_eq!(
            request.turns.last().unwrap().content,
            config.compaction.summary_prompt
        );
        assert_eq!(request.max_tokens, SUMMARY_MAX_TOKENS);
        assert!(request.system.unwrap().contains("earlier summary"));

        // 3/4 of 12,000 minus the reply cap leaves room for ~46 messages:
        // the newest ones are sent, the summary stays, the first turn is a question.
        let request = summary_request("m", &config.defaults.system_prompt, &config, 12_000, &older);
        let turns = request.turns.len() - 1;
        assert!((40..=47).contains(&turns), "{turns}");
        assert_eq!(request.turns[0].role, ChatRole::User);
        assert_eq!(request.turns[turns - 1].content, "a49");
        assert!(request.system.unwrap().contains("earlier summary"));
    }
}
