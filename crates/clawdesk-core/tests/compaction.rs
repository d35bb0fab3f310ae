//! Session compaction against the loopback provider double over real HTTP:
//! manual compaction with its real counts, the no-op, busy both ways, a
//! provider failure that changes nothing, automatic compaction over the
//! threshold, and the compact-and-retry after a "prompt is too long".

mod support;

use clawdesk_core::config::DEFAULT_SUMMARY_PROMPT;
use clawdesk_core::ids::SessionId;
use clawdesk_core::pipeline::{
    SessionCompacted, StreamChunk, StreamEnd, StreamEvent, StreamStart, SUMMARY_HEADING,
    SUMMARY_MAX_TOKENS,
};
use clawdesk_core::registry::DESKTOP_CHANNEL;
use clawdesk_core::store::NewSession;
use clawdesk_core::tokens::count_tokens;
use clawdesk_core::types::{CompactionResult, Message, MessageStatus, Role};
use clawdesk_core::{AppError, FailureCode};
use provider_double::{RecordedRequest, Script};
use serde_json::json;
use std::time::Duration;
use support::stores::Backend;
use support::{Harness, Wire};

on_every_store!(
    manual_compaction_summarizes_the_older_part_and_keeps_the_recent_verbatim,
    a_second_compaction_folds_the_first_summary_in,
    compacting_a_small_session_changes_nothing,
    never_splits_a_question_from_its_answer,
    unknown_sessions_are_not_found,
    compaction_and_sends_exclude_each_other,
    a_provider_failure_leaves_the_session_exactly_as_it_was,
    a_send_over_the_threshold_compacts_first_and_reports_it,
    a_streaming_send_over_the_threshold_returns_before_the_summary,
    a_too_long_request_is_compacted_and_retried_once,
    a_too_long_request_that_cannot_be_compacted_fails_as_before,
);

const WAIT: Duration = Duration::from_secs(10);
const SUMMARY: &str = "Summary: the user asked ten numbered questions; each was answered.";

fn question(i: usize) -> String {
    format!("Question number {i}: what do you know about topic {i}?")
}

fn answer(i: usize) -> String {
    format!("Answer {i}: quite a lot about topic {i}.")
}

/// Output tokens the double reports for reply `i` (the stored count).
fn answer_tokens(i: usize) -> u32 {
    40 + i as u32
}

/// `pairs` exchanges through the pipeline, each reply with known usage.
async fn converse(h: &Harness, session: &SessionId, pairs: std::ops::Range<usize>) {
    for i in pairs {
        h.double
            .enqueue(Script::reply(&answer(i)).usage(100, answer_tokens(i)));
        h.pipeline
            .send(session, &question(i), h.sink())
            .await
            .unwrap();
    }
}

/// The (role, text) turns of an Anthropic request body.
fn turns(request: &RecordedRequest) -> Vec<(String, String)> {
    request.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let content = match &m["content"] {
                serde_json::Value::String(s) => s.clone(),
                blocks => blocks
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|b| b["text"].as_str().unwrap_or_default().to_string())
                    .collect::<Vec<_>>()
                    .join(""),
            };
            (m["role"].as_str().unwrap().to_string(), content)
        })
        .collect()
}

fn live(messages: &[Message]) -> Vec<&Message> {
    messages.iter().filter(|m| !m.compacted).collect()
}

async fn manual_compaction_summarizes_the_older_part_and_keeps_the_recent_verbatim(
    backend: Backend,
) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let model = Wire::Anthropic.model();
    let session = h.session().await;
    converse(&h, &session, 0..10).await;
    let before = h.store.get_messages(&session, None).await.unwrap();
    assert_eq!(before.len(), 20);
    // Stored counts: the provider's output tokens for replies, the model's
    // tokenizer (for Claude, the calibrated estimate) for user messages.
    for (i, pair) in before.chunks(2).enumerate() {
        assert_eq!(pair[0].tokens, count_tokens(model, &question(i)));
        assert_eq!(pair[1].tokens, answer_tokens(i));
    }

    h.double.enqueue(Script::reply(SUMMARY).usage(900, 17));
    let result = h.pipeline.compact(&session).await.unwrap();

    // keepRecent 8: the last four exchanges stay, the first six are summarized.
    let replaced: u32 = before[..12].iter().map(|m| m.tokens).sum();
    assert_eq!(
        result,
        CompactionResult {
            messages_before: 20,
            messages_after: 9,
            tokens_saved: replaced - 17,
        }
    );
    assert!(result.tokens_saved > 300, "{result:?}");

    // The summary request: the older conversation, then the instruction.
    let requests = h.double.requests();
    assert_eq!(requests.len(), 11);
    let summary_request = &requests[10];
    assert_eq!(summary_request.body["model"], model);
    assert_eq!(summary_request.body["max_tokens"], SUMMARY_MAX_TOKENS);
    let sent = turns(summary_request);
    assert_eq!(sent.len(), 13);
    assert_eq!(sent[0], ("user".into(), question(0)));
    assert_eq!(sent[11], ("assistant".into(), answer(5)));
    assert_eq!(sent[12], ("user".into(), DEFAULT_SUMMARY_PROMPT.into()));

    // Nothing is lost: every message is still there, oldest first, the
    // replaced ones marked, the summary in their place.
    let after = h.store.get_messages(&session, None).await.unwrap();
    assert_eq!(after.len(), 21);
    for (old, new) in before[..12].iter().zip(&after[..12]) {
        assert_eq!(
            (&old.id, &old.content, true),
            (&new.id, &new.content, new.compacted)
        );
    }
    let summary = &after[12];
    assert_eq!(summary.role, Role::System);
    assert!(summary.summary && !summary.compacted);
    assert_eq!(summary.content, SUMMARY);
    assert_eq!(summary.tokens, 17);
    assert_eq!(summary.status, MessageStatus::Complete);
    for (old, new) in before[12..].iter().zip(&after[13..]) {
        assert_eq!(old.id, new.id);
        assert!(!new.compacted);
    }
    assert_eq!(live(&after).len(), 9);
    let session_info = h.store.get_session(&session).await.unwrap();
    assert_eq!(session_info.message_count, 21);
    // Live tokens before minus after, from the stored counts.
    let live_tokens = |m: &[Message]| {
        m.iter()
            .filter(|m| !m.compacted)
            .map(|m| m.tokens)
            .sum::<u32>()
    };
    assert_eq!(
        live_tokens(&before) - live_tokens(&after),
        result.tokens_saved
    );

    // Compacting again right away: only the summary is older than the kept part.
    let again = h.pipeline.compact(&session).await.unwrap();
    assert_eq!(again.tokens_saved, 0);
    assert_eq!(again.messages_before, again.messages_after);
    assert_eq!((again.messages_before, again.tokens_saved), (9, 0));
    assert_eq!(h.double.requests().len(), 11);

    // The next request carries the summary and the kept messages, not the rest.
    h.double.enqueue(Script::reply("Noted."));
    h.pipeline
        .send(&session, "And now?", h.sink())
        .await
        .unwrap();
    let next = h.double.requests().pop().unwrap();
    assert_eq!(
        next.body["system"],
        format!("You are a test assistant.\n\n{SUMMARY_HEADING}\n{SUMMARY}")
    );
    let mut expected = Vec::new();
    for i in 6..10 {
        expected.push(("user".to_string(), question(i)));
        expected.push(("assistant".to_string(), answer(i)));
    }
    expected.push(("user".into(), "And now?".into()));
    assert_eq!(turns(&next), expected);
}

async fn a_second_compaction_folds_the_first_summary_in(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let session = h.session().await;
    converse(&h, &session, 0..10).await;
    h.double.enqueue(Script::reply(SUMMARY).usage(900, 17));
    h.pipeline.compact(&session).await.unwrap();
    converse(&h, &session, 10..16).await;

    h.double
        .enqueue(Script::reply("Second summary.").usage(900, 5));
    let result = h.pipeline.compact(&session).await.unwrap();
    // Live before: summary + 8 kept + 12 new = 21; after: summary + 8.
    assert_eq!((result.messages_before, result.messages_after), (21, 9));
    let summary_request = h.double.requests().pop().unwrap();
    assert!(summary_request.body["system"]
        .as_str()
        .unwrap()
        .contains(SUMMARY));
    let messages = h.store.get_messages(&session, None).await.unwrap();
    let live = live(&messages);
    assert_eq!(live.len(), 9);
    assert_eq!(live[0].content, "Second summary.");
    assert!(live[0].summary);
    assert_eq!(live[1].content, question(12));
    // Both summaries are kept in the history; the first one is now compacted.
    let summaries: Vec<_> = messages.iter().filter(|m| m.summary).collect();
    assert_eq!(summaries.len(), 2);
    assert!(summaries[0].compacted && !summaries[1].compacted);
    assert_eq!(messages.len(), 20 + 1 + 12 + 1);
}

async fn compacting_a_small_session_changes_nothing(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let session = h.session().await;
    converse(&h, &session, 0..4).await;
    let before = h.store.get_messages(&session, None).await.unwrap();

    let result = h.pipeline.compact(&session).await.unwrap();

    assert_eq!(
        result,
        CompactionResult {
            messages_before: 8,
            messages_after: 8,
            tokens_saved: 0,
        }
    );
    assert_eq!(h.double.requests().len(), 4, "no summary was asked for");
    assert_eq!(h.store.get_messages(&session, None).await.unwrap(), before);

    let empty = h.session().await;
    let result = h.pipeline.compact(&empty).await.unwrap();
    assert_eq!(result, CompactionResult::default());
}

async fn never_splits_a_question_from_its_answer(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    h.set("compaction.keepRecent", json!(3));
    let session = h.session().await;
    converse(&h, &session, 0..5).await;
    h.double.enqueue(Script::reply(SUMMARY).usage(900, 17));
    let result = h.pipeline.compact(&session).await.unwrap();
    // Three would start the kept part at a reply: its question stays too.
    assert_eq!((result.messages_before, result.messages_after), (10, 5));
    let messages = h.store.get_messages(&session, None).await.unwrap();
    let live = live(&messages);
    assert_eq!(live[1].content, question(3));
    assert_eq!(live[1].role, Role::User);
}

async fn unknown_sessions_are_not_found(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let unknown = SessionId::parse("sess_01JD0000000000000000000000").unwrap();
    assert!(matches!(
        h.pipeline.compact(&unknown).await,
        Err(AppError::SessionNotFound { .. })
    ));
}

async fn compaction_and_sends_exclude_each_other(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let session = h.session().await;
    converse(&h, &session, 0..10).await;

    // While a reply streams, compaction is refused.
    let chunks = (0..20).map(|i| format!("{i} ")).collect();
    h.double.enqueue(Script::chunks(chunks).interval(50));
    h.pipeline
        .send_streaming(&session, "Count slowly", h.sink())
        .await
        .unwrap();
    assert!(matches!(
        h.pipeline.compact(&session).await,
        Err(AppError::SessionBusy { .. })
    ));
    h.sink
        .wait_until(|events| {
            let ends = events
                .iter()
                .filter(|e| matches!(e, StreamEvent::End(StreamEnd { .. })));
            ends.count() == 11
        })
        .await;

    // While compaction waits for its summary, a send is refused.
    h.double
        .enqueue(Script::reply(SUMMARY).usage(900, 17).headers_delay(500));
    let pipeline = h.pipeline.clone();
    let compacting = {
        let session = session.clone();
        tokio::spawn(async move { pipeline.compact(&session).await })
    };
    h.double.wait_for_requests(12, WAIT).await;
    let sent = h.pipeline.send(&session, "Hello?", h.sink()).await;
    assert!(
        matches!(sent, Err(AppError::SessionBusy { .. })),
        "{sent:?}"
    );
    let result = compacting.await.unwrap().unwrap();
    assert!(result.tokens_saved > 0);
    // And once it is done, sending works again.
    h.double.enqueue(Script::reply("Back."));
    h.pipeline.send(&session, "Hello?", h.sink()).await.unwrap();
}

async fn a_provider_failure_leaves_the_session_exactly_as_it_was(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let session = h.session().await;
    converse(&h, &session, 0..10).await;
    let before = h.store.get_messages(&session, None).await.unwrap();
    let info_before = h.store.get_session(&session).await.unwrap();

    h.double
        .enqueue(Script::http_error(400, "invalid request (provider double)"));
    let failed = h.pipeline.compact(&session).await;

    match failed {
        Err(AppError::Provider { provider, code, .. }) => {
            assert_eq!(provider, "anthropic");
            assert_eq!(code, FailureCode::Provider);
        }
        other => panic!("expected a provider error, got {other:?}"),
    }
    assert_eq!(h.store.get_messages(&session, None).await.unwrap(), before);
    assert_eq!(h.store.get_session(&session).await.unwrap(), info_before);
    assert!(!h.pipeline.is_busy(&session));

    // An empty summary is a failure too, and changes nothing either.
    h.double.enqueue(Script::chunks(vec![" ".into()]));
    assert!(matches!(
        h.pipeline.compact(&session).await,
        Err(AppError::Provider { .. })
    ));
    assert_eq!(h.store.get_messages(&session, None).await.unwrap(), before);
}

/// A discovered model the catalog does not know gets an 8,192-token window.
async fn small_window_session(h: &Harness) -> SessionId {
    h.double.set_models(vec!["tiny-model".into()]);
    h.store
        .create_session(NewSession {
            channel_id: DESKTOP_CHANNEL.into(),
            model: Some("tiny-model".into()),
        })
        .await
        .unwrap()
        .id
}

/// A ~500-token question of a long conversation; `i` keeps them apart.
fn long(i: usize) -> String {
    format!("{i} {}", "word ".repeat(400))
}

/// A small-window session (threshold 50%, keeping 2) that four long
/// exchanges brought just under the threshold: the next long send crosses it.
async fn session_near_the_threshold(h: &Harness) -> SessionId {
    h.set("compaction.thresholdPercent", json!(50));
    h.set("compaction.keepRecent", json!(2));
    let session = small_window_session(h).await;
    // Each exchange: a ~500-token question and a reply of 400 tokens.
    for i in 0..4 {
        h.double.enqueue(Script::reply("ok").usage(100, 400));
        h.pipeline.send(&session, &long(i), h.sink()).await.unwrap();
    }
    session
}

async fn a_send_over_the_threshold_compacts_first_and_reports_it(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let session = session_near_the_threshold(&h).await;
    assert!(h
        .sink
        .events()
        .iter()
        .all(|e| !matches!(e, StreamEvent::Compacted(SessionCompacted { .. }))));
    let before = h.store.get_messages(&session, None).await.unwrap();

    // The fifth question takes the context over 50% of 8,192 tokens.
    h.double.enqueue(Script::reply(SUMMARY).usage(3000, 20));
    h.double.enqueue(Script::reply("Fine.").usage(100, 2));
    let reply = h.pipeline.send(&session, &long(4), h.sink()).await.unwrap();
    assert_eq!(reply.content, "Fine.");

    let replaced: u32 = before[..6].iter().map(|m| m.tokens).sum();
    let events = h.sink.for_session(&session);
    let compacted_at = events
        .iter()
        .position(|e| matches!(e, StreamEvent::Compacted(SessionCompacted { .. })))
        .expect("no compacted event");
    assert_eq!(
        events[compacted_at],
        StreamEvent::Compacted(SessionCompacted {
            session_id: session.clone(),
            messages_before: 9,
            messages_after: 4,
            tokens_saved: replaced - 20,
        })
    );
    // Reported with the reply, before its first chunk: the send itself
    // returned at once.
    assert!(matches!(
        events[compacted_at - 1],
        StreamEvent::Start(StreamStart { .. })
    ));
    assert!(matches!(
        events[compacted_at + 1],
        StreamEvent::Chunk(StreamChunk { index: 0, .. })
    ));

    let requests = h.double.requests();
    assert_eq!(requests.len(), 6);
    let last = &requests[5];
    assert_eq!(
        last.body["system"],
        format!("You are a test assistant.\n\n{SUMMARY_HEADING}\n{SUMMARY}")
    );
    assert_eq!(
        turns(last),
        vec![
            ("user".into(), long(3)),
            ("assistant".into(), "ok".into()),
            ("user".into(), long(4)),
        ]
    );

    // With auto off, the same situation just sends.
    h.set("compaction.auto", json!(false));
    h.double.enqueue(Script::reply("ok").usage(100, 4000));
    h.pipeline.send(&session, &long(5), h.sink()).await.unwrap();
    h.double.enqueue(Script::reply("still ok"));
    h.pipeline.send(&session, &long(6), h.sink()).await.unwrap();
    assert_eq!(h.double.requests().len(), 8);
}

async fn a_streaming_send_over_the_threshold_returns_before_the_summary(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let session = session_near_the_threshold(&h).await;
    // A slow summary: the composer must not wait for it.
    h.double
        .enqueue(Script::reply(SUMMARY).usage(3000, 20).headers_delay(1_000));
    h.double.enqueue(Script::reply("Fine.").usage(100, 2));
    let started = std::time::Instant::now();
    h.pipeline
        .send_streaming(&session, &long(4), h.sink())
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "send_streaming waited {:?}",
        started.elapsed()
    );
    // Meanwhile the session is busy, for sends and compaction alike.
    assert!(matches!(
        h.pipeline.compact(&session).await,
        Err(AppError::SessionBusy { .. })
    ));
    let events = h
        .sink
        .wait_until(|events| events.iter().filter(|e| support::is_final(e)).count() == 5)
        .await;
    assert!(matches!(
        events.last().unwrap(),
        StreamEvent::End(StreamEnd { .. })
    ));
    assert!(events.iter().any(|e| matches!(
        e,
        StreamEvent::Compacted(SessionCompacted {
            messages_after: 4,
            ..
        })
    )));
}

async fn a_too_long_request_is_compacted_and_retried_once(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let session = h.session().await;
    converse(&h, &session, 0..10).await;

    h.double.enqueue(Script::http_error(
        400,
        "prompt is too long: 210000 tokens > 200000 maximum",
    ));
    h.double.enqueue(Script::reply(SUMMARY).usage(900, 17));
    h.double
        .enqueue(Script::reply("Short enough now.").usage(300, 4));
    let reply = h
        .pipeline
        .send(&session, "One more", h.sink())
        .await
        .unwrap();
    assert_eq!(reply.content, "Short enough now.");

    let requests = h.double.requests();
    assert_eq!(requests.len(), 13);
    assert_eq!(turns(&requests[10]).len(), 21, "the refused request");
    assert_eq!(
        turns(&requests[11]).last().unwrap().1,
        DEFAULT_SUMMARY_PROMPT,
        "the summary request"
    );
    let retried = &requests[12];
    assert_eq!(
        retried.body["system"],
        format!("You are a test assistant.\n\n{SUMMARY_HEADING}\n{SUMMARY}")
    );
    let sent = turns(retried);
    assert_eq!(sent.first().unwrap().1, question(6));
    assert_eq!(sent.last().unwrap().1, "One more");
    assert_eq!(sent.len(), 9);

    // One stream: start, compacted, the chunks, end.
    let events = h.sink.for_session(&session);
    let start = events
        .iter()
        .rposition(|e| matches!(e, StreamEvent::Start(StreamStart { .. })))
        .unwrap();
    assert!(matches!(
        events[start + 1],
        StreamEvent::Compacted(SessionCompacted { .. })
    ));
    assert!(matches!(
        events[start + 2],
        StreamEvent::Chunk(StreamChunk { index: 0, .. })
    ));
    assert!(matches!(
        events.last().unwrap(),
        StreamEvent::End(StreamEnd { .. })
    ));

    // The stored reply is complete; the summary sits before the kept part.
    let messages = h.store.get_messages(&session, None).await.unwrap();
    let live = live(&messages);
    assert!(live[0].summary);
    assert_eq!(live.last().unwrap().content, "Short enough now.");
    assert_eq!(live.last().unwrap().status, MessageStatus::Complete);
}

async fn a_too_long_request_that_cannot_be_compacted_fails_as_before(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let session = h.session().await;
    h.double.enqueue(Script::http_error(
        400,
        "prompt is too long: 210000 tokens > 200000 maximum",
    ));
    let failed = h.pipeline.send(&session, "Huge", h.sink()).await;
    match failed {
        Err(AppError::Provider { code, .. }) => assert_eq!(code, FailureCode::ContextLength),
        other => panic!("expected contextLength, got {other:?}"),
    }
    assert_eq!(h.double.requests().len(), 1, "nothing to compact, no retry");
}
