//! Conversations as trees, through the pipeline against the loopback
//! provider double: editing a question, regenerating (and retrying) a
//! reply, switching between versions, and everything that reads a chat
//! following its active path — requests, compaction, search. Refused
//! operations change nothing.

mod support;

use clawdesk_core::ids::{MessageId, SessionId};
use clawdesk_core::pipeline::{StreamEvent, Turn};
use clawdesk_core::search::SearchQuery;
use clawdesk_core::store::{MessageSearch, NewMessage};
use clawdesk_core::types::{Message, MessageStatus, Role, Versions};
use clawdesk_core::{AppError, FailureCode};
use provider_double::{RecordedRequest, Script};
use serde_json::json;
use support::stores::Backend;
use support::{is_final, Harness, Wire};

on_every_store!(
    editing_a_question_answers_the_new_version_and_keeps_the_old_path,
    regenerating_keeps_the_old_reply_and_can_ask_another_model,
    a_failed_reply_is_retried_as_a_new_version_and_the_failure_is_kept,
    switching_leads_on_to_the_replies_last_seen_below_a_version,
    tree_operations_on_a_busy_chat_are_refused_and_cancel_stops_a_regeneration,
    bad_targets_are_typed_errors_that_change_nothing,
    a_summary_belongs_to_the_path_it_summarized,
    search_finds_every_version_and_opens_the_shown_one,
);

/// The (role, text) turns of an Anthropic request body.
fn turns(request: &RecordedRequest) -> Vec<(String, String)> {
    request.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let content = match &m["content"] {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (m["role"].as_str().unwrap().to_string(), content)
        })
        .collect()
}

fn texts(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(|m| m.content.as_str()).collect()
}

/// Starts a turn and waits for its reply's final event.
async fn run(h: &Harness, turn: Turn<'_>) -> (Option<Message>, StreamEvent) {
    let started = h.pipeline.start_streaming(turn, h.sink()).await.unwrap();
    let reply = started.reply.id.clone();
    let events = h
        .sink
        .wait_until(|events| events.iter().any(|e| ends(e, &reply)))
        .await;
    let end = events.into_iter().find(|e| ends(e, &reply)).unwrap();
    (started.user_message, end)
}

fn ends(event: &StreamEvent, reply: &MessageId) -> bool {
    is_final(event)
        && match event {
            StreamEvent::End(end) => end.message_id == *reply,
            StreamEvent::Error(error) => error.message_id == *reply,
            _ => false,
        }
}

async fn path(h: &Harness, session: &SessionId) -> Vec<Message> {
    h.store.get_messages(session, None).await.unwrap()
}

/// A chat of two exchanges: first → A, second → B.
async fn two_exchanges(h: &Harness) -> (SessionId, Vec<Message>) {
    let session = h.session().await;
    h.double.enqueue(Script::reply("A"));
    h.pipeline.send(&session, "first", h.sink()).await.unwrap();
    h.double.enqueue(Script::reply("B"));
    h.pipeline.send(&session, "second", h.sink()).await.unwrap();
    let messages = path(h, &session).await;
    (session, messages)
}

async fn editing_a_question_answers_the_new_version_and_keeps_the_old_path(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let (session, before) = two_exchanges(&h).await;
    assert_eq!(texts(&before), ["first", "A", "second", "B"]);
    assert!(before.iter().all(|m| m.versions.is_none()));
    assert_eq!(before[0].parent_id, None);
    assert_eq!(before[1].parent_id.as_ref(), Some(&before[0].id));

    h.double.enqueue(Script::reply("C"));
    let (edited, end) = run(
        &h,
        Turn::Edit {
            of: &before[0].id,
            content: "first, edited",
        },
    )
    .await;
    assert!(matches!(end, StreamEvent::End(_)), "{end:?}");
    let edited = edited.unwrap();
    assert_eq!(
        edited.versions,
        Some(Versions {
            position: 2,
            count: 2,
            previous: Some(before[0].id.clone()),
            next: None,
        })
    );

    // The provider saw only the new path: the edited question alone.
    let requests = h.double.requests();
    assert_eq!(
        turns(requests.last().unwrap()),
        [("user".to_string(), "first, edited".to_string())]
    );
    let now = path(&h, &session).await;
    assert_eq!(texts(&now), ["first, edited", "C"]);
    assert_eq!(
        h.store.get_session(&session).await.unwrap().message_count,
        2
    );
    assert_eq!(now[0].id, edited.id);
    assert_eq!(now[1].versions, None, "the new reply has no siblings");
    assert_eq!(now[1].status, MessageStatus::Complete);

    // Back to "1 / 2": the old path, untouched.
    h.pipeline.switch_branch(&before[0].id).await.unwrap();
    let old = path(&h, &session).await;
    assert_eq!(texts(&old), ["first", "A", "second", "B"]);
    assert_eq!(
        old[0].versions,
        Some(Versions {
            position: 1,
            count: 2,
            previous: None,
            next: Some(edited.id.clone()),
        })
    );
    for (was, is) in before.iter().zip(&old) {
        assert_eq!(
            Message {
                versions: None,
                ..is.clone()
            },
            *was,
            "nothing of the old path changed"
        );
    }
    let session_info = h.store.get_session(&session).await.unwrap();
    assert_eq!(
        session_info.message_count, 4,
        "the messages shown are counted"
    );
    assert_eq!(session_info.title.as_deref(), Some("first"));
}

async fn regenerating_keeps_the_old_reply_and_can_ask_another_model(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let (session, before) = two_exchanges(&h).await;
    let b = &before[3];

    h.double.enqueue(Script::reply("B, again"));
    let other_model = format!(
        "{}/{}",
        Wire::Anthropic.provider(),
        provider_double::DEFAULT_MODEL
    );
    let started = h
        .pipeline
        .start_streaming(
            Turn::Regenerate {
                of: &b.id,
                model: Some(&other_model),
            },
            h.sink(),
        )
        .await
        .unwrap();
    assert!(started.user_message.is_none());
    assert_eq!(started.reply.status, MessageStatus::Streaming);
    assert_eq!(started.reply.model.as_deref(), Some(other_model.as_str()));
    assert_eq!(
        started
            .reply
            .versions
            .as_ref()
            .map(|v| (v.position, v.count)),
        Some((2, 2))
    );
    h.sink
        .wait_until(|events| events.iter().any(|e| ends(e, &started.reply.id)))
        .await;

    let request = h.double.requests().last().unwrap().clone();
    assert_eq!(request.body["model"], provider_double::DEFAULT_MODEL);
    assert_eq!(
        turns(&request),
        [
            ("user".to_string(), "first".to_string()),
            ("assistant".to_string(), "A".to_string()),
            ("user".to_string(), "second".to_string()),
        ],
        "the old reply is not part of the request"
    );
    let now = path(&h, &session).await;
    assert_eq!(texts(&now), ["first", "A", "second", "B, again"]);
    assert_eq!(
        now[3].versions.as_ref().unwrap().previous.as_ref(),
        Some(&b.id)
    );

    // The session's own model did not change.
    let info = h.store.get_session(&session).await.unwrap();
    assert_eq!(info.model, None);
}

async fn a_failed_reply_is_retried_as_a_new_version_and_the_failure_is_kept(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let session = h.session().await;
    h.double
        .enqueue(Script::http_error(401, "invalid x-api-key"));
    let failed = h.pipeline.send(&session, "hello?", h.sink()).await;
    assert!(failed.is_err());
    let before = path(&h, &session).await;
    assert_eq!(before[1].status, MessageStatus::Failed);

    h.double.enqueue(Script::reply("Hello!"));
    let (_, end) = run(
        &h,
        Turn::Regenerate {
            of: &before[1].id,
            model: None,
        },
    )
    .await;
    assert!(matches!(end, StreamEvent::End(_)), "{end:?}");
    let now = path(&h, &session).await;
    assert_eq!(texts(&now), ["hello?", "Hello!"]);
    assert_eq!(now[1].status, MessageStatus::Complete);
    assert_eq!(now[1].versions.as_ref().map(|v| v.position), Some(2));

    h.pipeline.switch_branch(&before[1].id).await.unwrap();
    let old = path(&h, &session).await;
    assert_eq!(old[1].status, MessageStatus::Failed);
    assert_eq!(
        old[1].failure.as_ref().map(|f| f.code),
        Some(FailureCode::Auth)
    );
}

async fn switching_leads_on_to_the_replies_last_seen_below_a_version(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let session = h.session().await;
    h.double.enqueue(Script::reply("A1"));
    h.pipeline.send(&session, "q", h.sink()).await.unwrap();
    let a1 = path(&h, &session).await[1].id.clone();
    h.double.enqueue(Script::reply("A2"));
    run(
        &h,
        Turn::Regenerate {
            of: &a1,
            model: None,
        },
    )
    .await;
    h.double.enqueue(Script::reply("deeper"));
    h.pipeline
        .send(&session, "follow-up", h.sink())
        .await
        .unwrap();
    let a2 = path(&h, &session).await[1].id.clone();
    assert_eq!(
        texts(&path(&h, &session).await),
        ["q", "A2", "follow-up", "deeper"]
    );

    h.pipeline.switch_branch(&a1).await.unwrap();
    assert_eq!(texts(&path(&h, &session).await), ["q", "A1"]);
    // A send now continues version 1.
    h.double.enqueue(Script::reply("on A1"));
    h.pipeline.send(&session, "more", h.sink()).await.unwrap();
    assert_eq!(
        texts(&path(&h, &session).await),
        ["q", "A1", "more", "on A1"]
    );

    h.pipeline.switch_branch(&a2).await.unwrap();
    assert_eq!(
        texts(&path(&h, &session).await),
        ["q", "A2", "follow-up", "deeper"],
        "back on version 2, the follow-up seen there is there again"
    );
    // Switching to the version already shown changes nothing.
    h.pipeline.switch_branch(&a2).await.unwrap();
    assert_eq!(path(&h, &session).await.len(), 4);
}

async fn tree_operations_on_a_busy_chat_are_refused_and_cancel_stops_a_regeneration(
    backend: Backend,
) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let (session, before) = two_exchanges(&h).await;
    let parts: Vec<String> = (0..200).map(|i| format!("w{i} ")).collect();
    h.double.enqueue(Script::chunks(parts).interval(20));
    let started = h
        .pipeline
        .start_streaming(
            Turn::Regenerate {
                of: &before[3].id,
                model: None,
            },
            h.sink(),
        )
        .await
        .unwrap();

    let busy = [
        h.pipeline
            .start_streaming(
                Turn::Edit {
                    of: &before[0].id,
                    content: "x",
                },
                h.sink(),
            )
            .await
            .map(drop),
        h.pipeline
            .start_streaming(
                Turn::Regenerate {
                    of: &before[1].id,
                    model: None,
                },
                h.sink(),
            )
            .await
            .map(drop),
        h.pipeline.switch_branch(&before[3].id).await.map(drop),
        h.pipeline.send(&session, "y", h.sink()).await.map(drop),
    ];
    for result in busy {
        assert!(
            matches!(result, Err(AppError::SessionBusy { .. })),
            "{result:?}"
        );
    }

    h.pipeline.cancel(&session).await.unwrap();
    let events = h
        .sink
        .wait_until(|events| events.iter().any(|e| ends(e, &started.reply.id)))
        .await;
    let end = events.iter().find(|e| ends(e, &started.reply.id)).unwrap();
    assert!(
        matches!(end, StreamEvent::Error(e) if e.code == FailureCode::Cancelled),
        "{end:?}"
    );
    let now = path(&h, &session).await;
    assert_eq!(now.len(), 4);
    assert_eq!(now[3].status, MessageStatus::Cancelled);
    assert_eq!(
        h.store.get_session(&session).await.unwrap().message_count,
        4,
        "the path shown: the cancelled version replaced B there"
    );
}

async fn bad_targets_are_typed_errors_that_change_nothing(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let (session, before) = two_exchanges(&h).await;
    let other = h.session().await;
    h.double.enqueue(Script::reply("elsewhere"));
    h.pipeline
        .send(&other, "other chat", h.sink())
        .await
        .unwrap();
    let unknown = MessageId::generate();
    let requests_before = h.double.requests().len();

    let edit = |of: MessageId, content: &'static str| {
        let pipeline = h.pipeline.clone();
        let sink = h.sink();
        async move {
            pipeline
                .start_streaming(Turn::Edit { of: &of, content }, sink)
                .await
                .map(drop)
        }
    };
    let regenerate = |of: MessageId| {
        let pipeline = h.pipeline.clone();
        let sink = h.sink();
        async move {
            pipeline
                .start_streaming(
                    Turn::Regenerate {
                        of: &of,
                        model: None,
                    },
                    sink,
                )
                .await
                .map(drop)
        }
    };
    let not_found = |r: &Result<(), AppError>| matches!(r, Err(AppError::MessageNotFound { message_id, .. }) if *message_id == unknown);
    let invalid = |r: &Result<(), AppError>, wanted: &str| matches!(r, Err(AppError::InvalidArgument { field, .. }) if field == wanted);

    assert!(not_found(&edit(unknown.clone(), "x").await));
    assert!(not_found(&regenerate(unknown.clone()).await));
    assert!(not_found(
        &h.pipeline.switch_branch(&unknown).await.map(drop)
    ));
    // A reply cannot be edited, a question cannot be regenerated.
    assert!(invalid(&edit(before[1].id.clone(), "x").await, "messageId"));
    assert!(invalid(
        &regenerate(before[0].id.clone()).await,
        "messageId"
    ));
    // Empty and oversized edits.
    assert!(invalid(
        &edit(before[0].id.clone(), "  \n").await,
        "content"
    ));
    // A model no provider serves.
    let no_model = h
        .pipeline
        .start_streaming(
            Turn::Regenerate {
                of: &before[1].id,
                model: Some("nowhere/no-such-model"),
            },
            h.sink(),
        )
        .await;
    assert!(
        matches!(no_model, Err(AppError::NoProvider { .. })),
        "{no_model:?}"
    );
    // The store refuses a version placed in another session.
    let foreign = h
        .store
        .append_version(
            &before[0].id,
            NewMessage {
                session_id: other.clone(),
                role: Role::User,
                content: "sneaky".into(),
                model: None,
                usage: None,
                status: MessageStatus::Complete,
                tokens: None,
            },
        )
        .await;
    assert!(
        matches!(&foreign, Err(AppError::InvalidArgument { field, .. }) if field == "messageId"),
        "{foreign:?}"
    );

    assert_eq!(path(&h, &session).await, before, "nothing changed");
    assert_eq!(
        h.store.get_session(&session).await.unwrap().message_count,
        4
    );
    assert_eq!(h.store.get_session(&other).await.unwrap().message_count, 2);
    assert_eq!(
        h.double.requests().len(),
        requests_before,
        "no provider call"
    );
    assert!(!h.pipeline.is_busy(&session));
}

async fn a_summary_belongs_to_the_path_it_summarized(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    h.set("compaction.keepRecent", json!(2));
    let session = h.session().await;
    for i in 0..4 {
        h.double.enqueue(Script::reply(&format!("answer {i}")));
        h.pipeline
            .send(&session, &format!("question {i}"), h.sink())
            .await
            .unwrap();
    }
    h.double
        .enqueue(Script::reply("Summary of questions 0 to 2."));
    h.pipeline.compact(&session).await.unwrap();
    let compacted = path(&h, &session).await;
    let live = h.store.get_live_messages(&session).await.unwrap();
    assert!(live[0].summary);
    assert_eq!(texts(&live[1..]), ["question 3", "answer 3"]);
    let summary = &live[0];
    assert_eq!(
        summary.parent_id.as_ref(),
        Some(&compacted[5].id),
        "anchored on the last message it replaced"
    );

    // Regenerating the last reply stays below the summary: it still applies.
    h.double.enqueue(Script::reply("answer 3, again"));
    run(
        &h,
        Turn::Regenerate {
            of: &live[2].id,
            model: None,
        },
    )
    .await;
    let request = h.double.requests().last().unwrap().clone();
    assert!(
        request.body["system"]
            .as_str()
            .unwrap_or_default()
            .contains("Summary of questions 0 to 2.")
            || turns(&request)
                .iter()
                .any(|(_, t)| t.contains("Summary of questions 0 to 2.")),
        "the summary is sent for a path through it: {}",
        request.body
    );
    assert!(!turns(&request).iter().any(|(_, t)| t == "question 0"));

    // Editing a question the summary replaced leaves the summary's path:
    // the new path is sent whole, and nothing on it is compacted.
    h.double.enqueue(Script::reply("answer 1, anew"));
    run(
        &h,
        Turn::Edit {
            of: &compacted[2].id,
            content: "question 1, rephrased",
        },
    )
    .await;
    assert_eq!(
        turns(h.double.requests().last().unwrap()),
        [
            ("user".to_string(), "question 0".to_string()),
            ("assistant".to_string(), "answer 0".to_string()),
            ("user".to_string(), "question 1, rephrased".to_string()),
        ]
    );
    let new_path = path(&h, &session).await;
    assert_eq!(
        texts(&new_path),
        [
            "question 0",
            "answer 0",
            "question 1, rephrased",
            "answer 1, anew"
        ]
    );
    assert!(new_path.iter().all(|m| !m.compacted && !m.summary));

    // Back on the compacted path, compaction holds again.
    h.pipeline.switch_branch(&compacted[2].id).await.unwrap();
    let back = path(&h, &session).await;
    assert_eq!(back.iter().filter(|m| m.compacted).count(), 6);
    assert_eq!(back.iter().filter(|m| m.summary).count(), 1);
    let live = h.store.get_live_messages(&session).await.unwrap();
    assert!(live[0].summary);
    assert_eq!(texts(&live[1..]), ["question 3", "answer 3, again"]);
}

async fn search_finds_every_version_and_opens_the_shown_one(backend: Backend) {
    let h = Harness::start_on(Wire::Anthropic, backend).await;
    let (session, before) = two_exchanges(&h).await;
    h.double.enqueue(Script::reply("C"));
    run(
        &h,
        Turn::Edit {
            of: &before[2].id,
            content: "second, about zebras",
        },
    )
    .await;
    let query = SearchQuery::parse("second").unwrap();
    let page = h
        .store
        .search_messages(&MessageSearch {
            query: &query,
            session_id: None,
            role: None,
            from_ms: None,
            to_ms: None,
            limit: 10,
        })
        .await
        .unwrap();
    let mut found: Vec<(String, bool)> = page
        .rows
        .iter()
        .map(|r| (r.content.clone(), r.other_branch))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("second".to_string(), true),
            ("second, about zebras".to_string(), false)
        ]
    );

    // A window opens on the active path only; the old version needs a switch.
    let refused = h
        .store
        .get_messages_around(&session, &before[2].id, 5, 5)
        .await;
    assert!(
        matches!(&refused, Err(AppError::InvalidArgument { field, .. }) if field == "messageId"),
        "{refused:?}"
    );
    h.pipeline.switch_branch(&before[2].id).await.unwrap();
    let window = h
        .store
        .get_messages_around(&session, &before[2].id, 5, 5)
        .await
        .unwrap();
    assert_eq!(texts(&window.messages), ["first", "A", "second", "B"]);
    assert_eq!(
        window.messages[2]
            .versions
            .as_ref()
            .map(|v| (v.position, v.count)),
        Some((1, 2))
    );
}
