//! The agent pipeline against the loopback provider double over real HTTP:
//! event sequences, stored replies, faults, cancel, concurrency.

mod support;

use clawdesk_core::ids::SessionId;
use clawdesk_core::pipeline::{StreamChunk, StreamEnd, StreamError, StreamEvent, StreamStart};
use clawdesk_core::registry::ProviderRegistry;
use clawdesk_core::store::{NewSession, SessionUpdate};
use clawdesk_core::types::{MessageFailure, MessageStatus, ModelSource, Role, Usage};
use clawdesk_core::{AppError, FailureCode};
use provider_double::{Ending, ProviderDouble, Script};
use serde_json::json;
use std::time::{Duration, Instant};
use support::{Harness, Wire};

const WAIT: Duration = Duration::from_secs(10);

fn chunks(parts: &[&str]) -> Script {
    Script::chunks(parts.iter().map(|p| p.to_string()).collect())
}

/// The reply's events in order: start, chunks 0..n, then one end.
fn assert_complete_sequence(
    events: &[StreamEvent],
    session: &SessionId,
    texts: &[&str],
    usage: Usage,
) {
    let message_id = match &events[0] {
        StreamEvent::Start(StreamStart {
            session_id,
            message_id,
        }) if session_id == session => message_id.clone(),
        other => panic!("expected stream-start first, got {other:?}"),
    };
    for (index, text) in texts.iter().enumerate() {
        assert_eq!(
            events[index + 1],
            StreamEvent::Chunk(StreamChunk {
                session_id: session.clone(),
                message_id: message_id.clone(),
                content: text.to_string(),
                index: index as u32,
            })
        );
    }
    assert_eq!(
        events[texts.len() + 1],
        StreamEvent::End(StreamEnd {
            session_id: session.clone(),
            message_id,
            usage
        })
    );
    assert_eq!(events.len(), texts.len() + 2, "nothing follows stream-end");
}

async fn streamed_reply_is_stored_complete_with_provider_usage(wire: Wire) {
    let h = Harness::start(wire).await;
    let session = h.session().await;
    h.double
        .enqueue(chunks(&["Hel", "lo", " there"]).usage(21, 3));

    let reply = h.pipeline.send(&session, "hi", h.sink()).await.unwrap();

    assert_eq!(reply.content, "Hello there");
    assert_eq!(
        reply.model,
        wire.qualified(),
        "the reply names its provider"
    );
    let usage = Usage {
        input_tokens: 21,
        output_tokens: 3,
    };
    assert_eq!(reply.usage, usage);
    assert_complete_sequence(&h.sink.events(), &session, &["Hel", "lo", " there"], usage);

    let stored = h.store.get_messages(&session, None).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(
        (stored[0].role, stored[0].content.as_str()),
        (Role::User, "hi")
    );
    assert_eq!(stored[1].id, reply.id);
    assert_eq!(stored[1].status, MessageStatus::Complete);
    assert_eq!(stored[1].content, "Hello there");
    assert_eq!(stored[1].usage, Some(usage));
    assert_eq!(stored[1].model.as_deref(), Some(wire.qualified().as_str()));
    assert_eq!(stored[1].failure, None);
    // The session holds a bare id from before models were qualified; the
    // provider gets the model's own id.
    assert_eq!(h.double.requests()[0].body["model"], wire.model());

    let metrics = h.metrics.snapshot();
    assert_eq!((metrics.messages_user, metrics.messages_assistant), (1, 1));
    assert_eq!((metrics.input_tokens, metrics.output_tokens), (21, 3));
    assert_eq!((metrics.streams_completed, metrics.active_streams), (1, 0));
    assert_eq!(metrics.time_to_first_chunk.count, 1);
}

#[tokio::test]
async fn anthropic_reply_streams_and_is_stored() {
    streamed_reply_is_stored_complete_with_provider_usage(Wire::Anthropic).await;
}

#[tokio::test]
async fn openai_reply_streams_and_is_stored() {
    streamed_reply_is_stored_complete_with_provider_usage(Wire::OpenAi {
        include_usage: true,
    })
    .await;
}

#[tokio::test]
async fn ollama_reply_streams_and_is_stored() {
    streamed_reply_is_stored_complete_with_provider_usage(Wire::Ollama).await;
}

#[tokio::test]
async fn request_carries_history_system_prompt_and_credentials() {
    let h = Harness::start(Wire::Anthropic).await;
    let session = h.session().await;
    h.pipeline.send(&session, "first", h.sink()).await.unwrap();
    h.pipeline.send(&session, "second", h.sink()).await.unwrap();

    let requests = h.double.requests();
    assert_eq!(requests.len(), 2);
    let last = &requests[1];
    assert_eq!(last.path, "/v1/messages");
    assert_eq!(last.headers["x-api-key"], "sk-ant-test-key");
    assert_eq!(last.headers["anthropic-version"], "2023-06-01");
    assert_eq!(last.body["system"], "You are a test assistant.");
    assert_eq!(last.body["stream"], true);
    let turns: Vec<(String, String)> = last.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().into(),
                m["content"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        turns,
        vec![
            ("user".into(), "first".into()),
            ("assistant".into(), "Hello from the provider double.".into()),
            ("user".into(), "second".into()),
        ]
    );
}

#[tokio::test]
async fn a_chats_own_system_prompt_replaces_the_default_until_cleared() {
    for wire in [
        Wire::Anthropic,
        Wire::OpenAi {
            include_usage: true,
        },
    ] {
        let h = Harness::start(wire).await;
        let session = h.session().await;
        let own_prompt = |prompt: Option<&str>| SessionUpdate {
            system_prompt: Some(prompt.map(String::from)),
            ..SessionUpdate::default()
        };
        h.store
            .update_session(&session, own_prompt(Some("Answer like a pirate.")))
            .await
            .unwrap();
        h.pipeline.send(&session, "hi", h.sink()).await.unwrap();
        h.store
            .update_session(&session, own_prompt(None))
            .await
            .unwrap();
        h.pipeline.send(&session, "again", h.sink()).await.unwrap();

        let systems: Vec<serde_json::Value> = h
            .double
            .requests()
            .iter()
            .map(|r| match wire {
                Wire::Anthropic => r.body["system"].clone(),
                _ => {
                    assert_eq!(r.body["messages"][0]["role"], "system");
                    r.body["messages"][0]["content"].clone()
                }
            })
            .collect();
        assert_eq!(
            systems,
            [
                json!("Answer like a pirate."),
                json!("You are a test assistant.")
            ],
            "{wire:?}"
        );
    }
}

#[tokio::test]
async fn openai_without_usage_option_estimates_and_sends_no_stream_options() {
    let h = Harness::start(Wire::OpenAi {
        include_usage: false,
    })
    .await;
    let session = h.session().await;
    let reply = h.pipeline.send(&session, "hi", h.sink()).await.unwrap();
    let request = &h.double.requests()[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(
        request.headers["authorization"],
        "Bearer sk-openai-test-key"
    );
    assert!(request.body.get("stream_options").is_none());
    assert_eq!(request.body["messages"][0]["role"], "system");
    // No usage from the server: estimated from the text, never zero.
    assert!(reply.usage.output_tokens > 0 && reply.usage.input_tokens > 0);
}

#[tokio::test]
async fn sse_comments_pings_and_crlf_are_tolerated() {
    for wire in [
        Wire::Anthropic,
        Wire::OpenAi {
            include_usage: true,
        },
    ] {
        let h = Harness::start(wire).await;
        let session = h.session().await;
        h.double
            .enqueue(chunks(&["a", "b", "c"]).comments().crlf().usage(5, 3));
        let reply = h.pipeline.send(&session, "hi", h.sink()).await.unwrap();
        assert_eq!(reply.content, "abc", "{wire:?}");
        assert_eq!(reply.usage.output_tokens, 3, "{wire:?}");
    }
}

/// Sends, expects a failure with `code`, and checks the session still works.
async fn assert_fault(h: &Harness, script: Script, code: FailureCode) -> AppError {
    let session = h.session().await;
    h.double.enqueue(script);
    let err = h.pipeline.send(&session, "hi", h.sink()).await.unwrap_err();
    let shown = match h.sink.wait_for_end(&session).await {
        StreamEvent::Error(StreamError {
            code: got, message, ..
        }) => {
            assert_eq!(got, code, "stream-error code");
            message
        }
        other => panic!("expected stream-error, got {other:?}"),
    };
    match &err {
        AppError::Provider { code: got, .. } => assert_eq!(*got, code),
        other => panic!("expected a provider error, got {other:?}"),
    }
    let stored = h.store.get_messages(&session, None).await.unwrap();
    assert_eq!(stored[0].content, "hi", "the user's message is kept");
    assert_eq!(stored[1].status, MessageStatus::Failed);
    assert_eq!(
        stored[1].failure,
        Some(MessageFailure {
            code,
            message: shown
        }),
        "the reply keeps what its stream-error said"
    );
    // The session is usable again at once.
    let next = h.pipeline.send(&session, "again", h.sink()).await.unwrap();
    assert_eq!(next.content, "Hello from the provider double.");
    err
}

#[tokio::test]
async fn rate_limit_before_first_token_is_retried_after_retry_after() {
    let h = Harness::start(Wire::Anthropic).await;
    let session = h.session().await;
    h.double.enqueue(Script::rate_limited(1));
    let started = Instant::now();
    let reply = h.pipeline.send(&session, "hi", h.sink()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After honoured"
    );
    assert_eq!(reply.content, "Hello from the provider double.");
    assert_eq!(h.double.requests().len(), 2);
    // One reply, shown once.
    let chunks = h
        .sink
        .events()
        .iter()
        .filter(|e| matches!(e, StreamEvent::Chunk(StreamChunk { index: 0, .. })))
        .count();
    assert_eq!(chunks, 1);
}

#[tokio::test]
async fn rate_limit_without_retries_left_is_a_typed_error_with_retry_after() {
    let h = Harness::start(Wire::OpenAi {
        include_usage: true,
    })
    .await;
    h.set("network.maxRetries", serde_json::json!(0));
    let err = assert_fault(&h, Script::rate_limited(7), FailureCode::RateLimited).await;
    match err {
        AppError::Provider {
            status,
            retryable,
            retry_after_ms,
            provider,
            ..
        } => {
            assert_eq!(status, Some(429));
            assert!(retryable);
            assert_eq!(retry_after_ms, Some(7_000));
            assert_eq!(provider, "openai");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let h = Harness::start(Wire::Ollama).await;
    h.set("network.maxRetries", serde_json::json!(1));
    for _ in 0..2 {
        h.double.enqueue(Script::http_error(500, "boom"));
    }
    let err = assert_fault(&h, Script::http_error(500, "boom"), FailureCode::Provider).await;
    assert!(err.to_string().contains("boom"), "{err}");
}

#[tokio::test]
async fn bad_credentials_are_an_auth_error_and_not_retried() {
    let h = Harness::start(Wire::Anthropic).await;
    assert_fault(
        &h,
        Script::http_error(401, "invalid x-api-key"),
        FailureCode::Auth,
    )
    .await;
    assert_eq!(
        h.double.requests().len(),
        2,
        "one failed send, one good send"
    );
}

#[tokio::test]
async fn error_event_after_text_fails_without_retry_and_keeps_the_text() {
    for wire in [
        Wire::Anthropic,
        Wire::OpenAi {
            include_usage: true,
        },
        Wire::Ollama,
    ] {
        let h = Harness::start(wire).await;
        let session = h.session().await;
        h.double
            .enqueue(chunks(&["Par", "tial"]).ending(Ending::ErrorEvent {
                message: "Overloaded".into(),
            }));
        let err = h.pipeline.send(&session, "hi", h.sink()).await.unwrap_err();
        assert!(
            matches!(err, AppError::Provider { .. }),
            "{wire:?}: {err:?}"
        );
        assert_eq!(
            h.double.requests().len(),
            1,
            "{wire:?}: text was shown, no retry"
        );
        let stored = h.store.get_messages(&session, None).await.unwrap();
        assert_eq!(stored[1].content, "Partial", "{wire:?}");
        assert_eq!(stored[1].status, MessageStatus::Failed, "{wire:?}");
        assert!(matches!(
            h.sink.events().last(),
            Some(StreamEvent::Error(StreamError { .. }))
        ));
    }
}

#[tokio::test]
async fn dropped_connection_is_a_network_error() {
    let h = Harness::start(Wire::OpenAi {
        include_usage: true,
    })
    .await;
    assert_fault(
        &h,
        chunks(&["x"]).ending(Ending::Drop),
        FailureCode::Network,
    )
    .await;
}

#[tokio::test]
async fn stalled_stream_hits_the_idle_timeout() {
    let h = Harness::start(Wire::Anthropic).await;
    h.set("network.idleTimeoutMs", serde_json::json!(300));
    let started = Instant::now();
    assert_fault(
        &h,
        chunks(&["x"]).ending(Ending::Stall),
        FailureCode::Timeout,
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn silent_provider_hits_the_first_byte_timeout() {
    let h = Harness::start(Wire::Ollama).await;
    h.set("network.firstByteTimeoutMs", serde_json::json!(300));
    h.set("network.maxRetries", serde_json::json!(0));
    assert_fault(
        &h,
        Script::reply("late").headers_delay(3_000),
        FailureCode::Timeout,
    )
    .await;
}

#[tokio::test]
async fn unreachable_provider_is_a_network_error() {
    let h = Harness::start(Wire::Ollama).await;
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    h.set("providers.ollama.baseUrl", serde_json::json!(url));
    h.set("network.maxRetries", serde_json::json!(0));
    let session = h.session().await;
    let err = h.pipeline.send(&session, "hi", h.sink()).await.unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Provider {
                code: FailureCode::Network,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn cancel_mid_stream_closes_the_request_and_keeps_the_partial_reply() {
    let h = Harness::start(Wire::Anthropic).await;
    let session = h.session().await;
    let parts: Vec<String> = (0..200).map(|i| format!("w{i} ")).collect();
    h.double.enqueue(Script::chunks(parts).interval(20));

    h.pipeline
        .send_streaming(&session, "tell me a long story", h.sink())
        .await
        .unwrap();
    h.sink
        .wait_until(|events| {
            events
                .iter()
                .any(|e| matches!(e, StreamEvent::Chunk(StreamChunk { index: 3, .. })))
        })
        .await;
    let asked = Instant::now();
    h.pipeline.cancel(&session).await.unwrap();
    let end = h.sink.wait_for_end(&session).await;
    let took = asked.elapsed();
    assert!(took < Duration::from_millis(100), "cancel took {took:?}");
    assert!(
        matches!(
            end,
            StreamEvent::Error(StreamError {
                code: FailureCode::Cancelled,
                ..
            })
        ),
        "{end:?}"
    );
    h.double.wait_for_abandoned(1, WAIT).await;

    let stored = h.store.get_messages(&session, None).await.unwrap();
    assert_eq!(stored[1].status, MessageStatus::Cancelled);
    assert_eq!(
        stored[1].failure.as_ref().map(|f| f.code),
        Some(FailureCode::Cancelled)
    );
    let shown: String = h
        .sink
        .for_session(&session)
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Chunk(StreamChunk { content, .. }) => Some(content.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(stored[1].content, shown, "what was shown is what is kept");
    assert!(!h.pipeline.is_busy(&session));
    assert_eq!(h.metrics.snapshot().streams_cancelled, 1);
}

#[tokio::test]
async fn deleting_a_session_mid_stream_cancels_its_reply_first() {
    let h = Harness::start(Wire::Anthropic).await;
    let session = h.session().await;
    let parts: Vec<String> = (0..200).map(|i| format!("w{i} ")).collect();
    h.double.enqueue(Script::chunks(parts).interval(20));

    let pipeline = h.pipeline.clone();
    let (sink, id) = (h.sink(), session.clone());
    let waiting = tokio::spawn(async move { pipeline.send(&id, "a long story", sink).await });
    h.sink
        .wait_until(|events| {
            events
                .iter()
                .any(|e| matches!(e, StreamEvent::Chunk(StreamChunk { index: 2, .. })))
        })
        .await;
    let asked = Instant::now();
    h.pipeline.delete_session(&session).await.unwrap();
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "{:?}",
        asked.elapsed()
    );

    // The waiting send hears `cancelled`, not a storage or argument error.
    let result = tokio::time::timeout(WAIT, waiting).await.unwrap().unwrap();
    assert!(
        matches!(result, Err(AppError::Cancelled { .. })),
        "{result:?}"
    );
    // The upstream request was closed, not read to its end.
    h.double.wait_for_abandoned(1, WAIT).await;
    let events = h.sink.for_session(&session);
    let ends: Vec<_> = events.iter().filter(|e| support::is_final(e)).collect();
    assert_eq!(ends.len(), 1, "{events:?}");
    assert!(
        matches!(
            ends[0],
            StreamEvent::Error(StreamError {
                code: FailureCode::Cancelled,
                ..
            })
        ),
        "{ends:?}"
    );
    assert!(support::is_final(events.last().unwrap()), "nothing follows");
    assert!(matches!(
        h.store.get_session(&session).await,
        Err(AppError::SessionNotFound { .. })
    ));
    assert!(!h.pipeline.is_busy(&session));
    let metrics = h.metrics.snapshot();
    assert_eq!((metrics.streams_cancelled, metrics.streams_failed), (1, 0));

    // Deleting an idle or unknown session is what it always was.
    let idle = h.session().await;
    h.pipeline.delete_session(&idle).await.unwrap();
    assert!(matches!(
        h.pipeline.delete_session(&idle).await,
        Err(AppError::SessionNotFound { .. })
    ));
}

#[tokio::test]
async fn deleting_a_session_mid_compaction_cancels_the_compaction() {
    let h = Harness::start(Wire::Anthropic).await;
    h.set("compaction.keepRecent", json!(2));
    let session = h.session().await;
    for i in 0..3 {
        h.pipeline
            .send(&session, &format!("question {i}"), h.sink())
            .await
            .unwrap();
    }
    // The summary streams slowly; delete while it does.
    let parts: Vec<String> = (0..200).map(|i| format!("s{i} ")).collect();
    h.double.enqueue(Script::chunks(parts).interval(20));
    let pipeline = h.pipeline.clone();
    let id = session.clone();
    let compacting = tokio::spawn(async move { pipeline.compact(&id).await });
    h.double.wait_for_requests(4, WAIT).await;
    h.pipeline.delete_session(&session).await.unwrap();
    let result = tokio::time::timeout(WAIT, compacting)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(result, Err(AppError::Cancelled { .. })),
        "{result:?}"
    );
    h.double.wait_for_abandoned(1, WAIT).await;
    assert!(h.store.get_session(&session).await.is_err());
}

#[tokio::test]
async fn cancel_when_nothing_runs_is_a_no_op() {
    let h = Harness::start(Wire::Anthropic).await;
    let session = h.session().await;
    h.pipeline.cancel(&session).await.unwrap();
    assert!(h.sink.events().is_empty());
}

#[tokio::test]
async fn a_second_send_to_a_busy_session_gets_session_busy() {
    let h = Harness::start(Wire::Ollama).await;
    let session = h.session().await;
    let parts: Vec<String> = (0..100).map(|i| format!("{i} ")).collect();
    h.double.enqueue(Script::chunks(parts).interval(20));
    h.pipeline
        .send_streaming(&session, "one", h.sink())
        .await
        .unwrap();
    let err = h
        .pipeline
        .send(&session, "two", h.sink())
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::SessionBusy { .. }), "{err:?}");
    h.pipeline.cancel(&session).await.unwrap();
    h.sink.wait_for_end(&session).await;
    // The refused message was not stored; the session takes the next one.
    let stored = h.store.get_messages(&session, None).await.unwrap();
    assert_eq!(stored.iter().filter(|m| m.role == Role::User).count(), 1);
    h.pipeline.send(&session, "three", h.sink()).await.unwrap();
}

#[tokio::test]
async fn two_sessions_stream_at_once_without_mixing() {
    let h = Harness::start(Wire::OpenAi {
        include_usage: true,
    })
    .await;
    let a = h.session().await;
    let b = h.session().await;
    let script =
        |tag: &str| Script::chunks((0..30).map(|i| format!("{tag}{i};")).collect()).interval(5);
    h.double.enqueue(script("A"));
    h.double.enqueue(script("B"));
    h.pipeline.send_streaming(&a, "a", h.sink()).await.unwrap();
    h.pipeline.send_streaming(&b, "b", h.sink()).await.unwrap();
    h.sink.wait_for_end(&a).await;
    h.sink.wait_for_end(&b).await;

    for (session, tag) in [(&a, "A"), (&b, "B")] {
        let events = h.sink.for_session(session);
        let texts: Vec<String> = (0..30).map(|i| format!("{tag}{i};")).collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let usage = match events.last().unwrap() {
            StreamEvent::End(StreamEnd { usage, .. }) => *usage,
            other => panic!("{other:?}"),
        };
        assert_complete_sequence(&events, session, &texts, usage);
    }
    // Both were in flight together.
    let all = h.sink.events();
    let first_end = all.iter().position(support::is_final).unwrap();
    let sessions_before_end: std::collections::HashSet<&SessionId> =
        all[..first_end].iter().map(|e| e.session_id()).collect();
    assert_eq!(sessions_before_end.len(), 2);
}

#[tokio::test]
async fn bad_input_changes_nothing() {
    let h = Harness::start(Wire::Anthropic).await;
    let session = h.session().await;
    let empty = h
        .pipeline
        .send(&session, "   ", h.sink())
        .await
        .unwrap_err();
    assert!(matches!(empty, AppError::InvalidArgument { ref field, .. } if field == "content"));
    let unknown = SessionId::parse(format!("sess_01J{}", "0".repeat(23))).unwrap();
    let missing = h.pipeline.send(&unknown, "hi", h.sink()).await;
    assert!(matches!(missing, Err(AppError::SessionNotFound { .. })));

    h.set("defaults.model", serde_json::json!("no-such-model"));
    let unrouted = h.pipeline.send(&session, "hi", h.sink()).await.unwrap_err();
    assert!(
        matches!(unrouted, AppError::NoProvider { .. }),
        "{unrouted:?}"
    );

    assert!(h
        .store
        .get_messages(&session, None)
        .await
        .unwrap()
        .is_empty());
    assert!(h.sink.events().is_empty());
    assert!(h.double.requests().is_empty());
}

#[tokio::test]
async fn the_picker_offers_what_a_local_provider_has_installed_and_nothing_when_it_is_down() {
    let h = Harness::start(Wire::Ollama).await;
    h.double
        .set_models(vec!["qwen3:8b".into(), "nomic-embed-text".into()]);
    let registry = ProviderRegistry::with_config_manager(h.config.clone());
    let models = registry.models().await;
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["ollama/qwen3:8b"], "installed chat models only");
    assert_eq!(models[0].model, "qwen3:8b");
    assert_eq!(models[0].provider, "ollama");
    assert_eq!(models[0].source, ModelSource::Discovered);
    let routed = registry.route("ollama/qwen3:8b").await.unwrap();
    assert_eq!(
        (routed.provider_name.as_str(), routed.model.as_str()),
        ("ollama", "qwen3:8b")
    );
    assert!(registry.route("qwen3:8b").await.is_ok(), "bare ids resolve");
    // In the catalog, but not installed: not offered, not routed.
    for model in ["llama3.2", "ollama/llama3.2"] {
        assert!(
            matches!(
                registry.route(model).await,
                Err(AppError::NoProvider { .. })
            ),
            "{model}"
        );
    }

    // Unreachable: nothing offered, quickly.
    h.set("providers.ollama.baseUrl", json!(closed_port_url()));
    let started = Instant::now();
    let models = registry.models().await;
    assert!(started.elapsed() < Duration::from_secs(4));
    assert!(models.is_empty(), "{models:?}");
}

#[tokio::test]
async fn keyed_providers_offer_their_catalog_and_what_they_list() {
    let h = Harness::start(Wire::Anthropic).await;
    h.double.set_models(vec![
        "claude-sonnet-4-5".into(),
        "claude-preview-x".into(),
        "voyage-embed-3".into(),
    ]);
    let registry = ProviderRegistry::with_config_manager(h.config.clone());
    let models = registry.models().await;
    let sonnet: Vec<_> = models
        .iter()
        .filter(|m| m.model == "claude-sonnet-4-5")
        .collect();
    assert_eq!(sonnet.len(), 1, "listed once");
    assert_eq!(sonnet[0].id, "anthropic/claude-sonnet-4-5");
    assert_eq!(sonnet[0].source, ModelSource::Catalog);
    // The rest of the catalog is offered without being listed.
    assert!(models.iter().any(|m| m.id == "anthropic/claude-haiku-4-5"));
    let preview = models
        .iter()
        .find(|m| m.model == "claude-preview-x")
        .unwrap();
    assert_eq!(preview.id, "anthropic/claude-preview-x");
    assert_eq!(preview.source, ModelSource::Discovered);
    assert!(models.iter().all(|m| m.provider == "anthropic"));
    assert!(!models.iter().any(|m| m.model == "voyage-embed-3"));
}

#[tokio::test]
async fn an_openai_compatible_server_needs_no_key_and_offers_what_it_lists() {
    let h = Harness::start(Wire::OpenAi {
        include_usage: true,
    })
    .await;
    // The harness's "openai" entry points at a loopback server, not
    // api.openai.com: usable without a key, and it serves what it lists.
    h.double
        .set_models(vec!["gpt-4o".into(), "whisper-1".into()]);
    h.set("providers.openai.apiKey", json!(null));
    let registry = ProviderRegistry::with_config_manager(h.config.clone());
    let models = registry.models().await;
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["openai/gpt-4o"]);
    assert_eq!(models[0].source, ModelSource::Discovered);
    assert_eq!(models[0].context_window, 128_000, "the catalog's window");
}

#[tokio::test]
async fn choosing_a_model_two_providers_serve_sends_to_the_chosen_one() {
    let h = Harness::start(Wire::Ollama).await;
    let lab = ProviderDouble::start().await;
    lab.set_models(vec!["llama3.2".into()]);
    lab.set_default(Script::reply("from the lab"));
    h.set(
        "providers.lab",
        json!({ "kind": "ollama", "baseUrl": lab.base_url() }),
    );
    let session = |model: &str| {
        let store = h.store.clone();
        let model = model.to_string();
        async move {
            store
                .create_session(NewSession {
                    channel_id: "desktop".into(),
                    model: Some(model),
                })
                .await
                .unwrap()
                .id
        }
    };

    let at_lab = session("lab/llama3.2").await;
    let reply = h.pipeline.send(&at_lab, "hi", h.sink()).await.unwrap();
    assert_eq!(reply.content, "from the lab");
    assert_eq!(reply.model, "lab/llama3.2");
    assert_eq!(lab.requests().len(), 1);
    assert_eq!(lab.requests()[0].body["model"], "llama3.2");

    let at_ollama = session("ollama/llama3.2").await;
    let reply = h.pipeline.send(&at_ollama, "hi", h.sink()).await.unwrap();
    assert_eq!(reply.model, "ollama/llama3.2");
    assert_eq!(h.double.requests().len(), 1);
    assert_eq!(h.double.requests()[0].body["model"], "llama3.2");
    assert_eq!(lab.requests().len(), 1, "the lab was not asked again");

    // Qualified ids are what the picker offers, one per provider.
    let registry = ProviderRegistry::with_config_manager(h.config.clone());
    let ids: Vec<String> = registry
        .models()
        .await
        .into_iter()
        .filter(|m| m.model == "llama3.2")
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, ["lab/llama3.2", "ollama/llama3.2"]);
    // A bare id from an older session goes to the first provider serving it.
    let bare = session("llama3.2").await;
    let reply = h.pipeline.send(&bare, "hi", h.sink()).await.unwrap();
    assert_eq!(reply.model, "lab/llama3.2");
}

#[tokio::test]
async fn with_no_keys_a_local_ollama_model_becomes_the_default() {
    let h = Harness::start(Wire::Ollama).await;
    let registry = ProviderRegistry::with_config_manager(h.config.clone());
    // The configured default (bare, as older configs hold it) is served.
    assert_eq!(registry.default_model().await, "ollama/llama3.2");
    assert_eq!(registry.qualify("llama3.2").await, "ollama/llama3.2");
    assert_eq!(
        registry.qualify("nobody-serves-this").await,
        "nobody-serves-this"
    );
    // A default nobody serves (an Anthropic model without a key): the
    // model the running Ollama reports is used instead.
    h.double.set_models(vec!["gemma3:4b".into()]);
    h.set("defaults.model", json!("anthropic/claude-sonnet-4-5"));
    let fresh = ProviderRegistry::with_config_manager(h.config.clone());
    assert_eq!(fresh.default_model().await, "ollama/gemma3:4b");
}

/// A loopback URL nothing listens on (the port was just free).
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}
