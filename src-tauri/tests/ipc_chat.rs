//! The message commands through Tauri's real IPC layer (mock runtime)
//! against the loopback provider double: what the frontend receives, as
//! JSON, for replies, faults, cancel, busy sessions and concurrent streams.

mod common;

use clawdesk_lib::events::{StreamChunk, StreamEnd, StreamError, StreamStart};
use common::{record_event, EventLog, TestApp};
use provider_double::{Ending, ProviderDouble, Script};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

struct ChatApp {
    app: TestApp,
    double: ProviderDouble,
    log: EventLog,
}

impl ChatApp {
    fn start() -> Self {
        let app = TestApp::start();
        let double = tauri::async_runtime::block_on(ProviderDouble::start());
        app.use_double_as_only_provider(&double);
        let log = EventLog::default();
        record_event::<StreamStart>(&app, "stream-start", &log);
        record_event::<StreamChunk>(&app, "stream-chunk", &log);
        record_event::<StreamEnd>(&app, "stream-end", &log);
        record_event::<StreamError>(&app, "stream-error", &log);
        Self { app, double, log }
    }

    fn session(&self) -> String {
        let created = self.app.ok(
            "create_session",
            json!({ "channelId": null, "model": null }),
        );
        created["id"].as_str().unwrap().to_string()
    }

    fn events_of(&self, session: &str) -> Vec<(&'static str, Value)> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, payload)| payload["sessionId"] == session)
            .cloned()
            .collect()
    }

    /// Waits for the session's `stream-end` or `stream-error`.
    fn wait_for_end(&self, session: &str) -> (&'static str, Value) {
        self.wait_for(session, |(name, _)| {
            matches!(*name, "stream-end" | "stream-error")
        })
    }

    fn wait_for(
        &self,
        session: &str,
        found: impl Fn(&(&'static str, Value)) -> bool,
    ) -> (&'static str, Value) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(event) = self.events_of(session).into_iter().find(|e| found(e)) {
                return event;
            }
            assert!(Instant::now() < deadline, "no such event for {session}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn messages(&self, session: &str) -> Vec<Value> {
        self.app
            .ok(
                "get_messages",
                json!({ "sessionId": session, "limit": null }),
            )
            .as_array()
            .unwrap()
            .clone()
    }
}

#[test]
fn send_message_returns_the_reply_and_emits_the_exact_sequence() {
    let chat = ChatApp::start();
    let session = chat.session();
    chat.double
        .enqueue(Script::chunks(vec!["Hi".into(), " there".into()]).usage(30, 2));

    let reply = chat.app.ok(
        "send_message",
        json!({ "sessionId": session, "content": "Hello?" }),
    );
    assert_eq!(reply["role"], "assistant");
    assert_eq!(reply["content"], "Hi there");
    assert_eq!(reply["model"], "anthropic/claude-sonnet-4-5");
    assert_eq!(
        reply["usage"],
        json!({ "inputTokens": 30, "outputTokens": 2 })
    );
    common::assert_timestamp(&reply["timestamp"]);
    let id = reply["id"].clone();

    chat.wait_for_end(&session);
    let events = chat.events_of(&session);
    let expected = vec![
        (
            "stream-start",
            json!({ "sessionId": session, "messageId": id }),
        ),
        (
            "stream-chunk",
            json!({ "sessionId": session, "messageId": id, "content": "Hi", "index": 0 }),
        ),
        (
            "stream-chunk",
            json!({ "sessionId": session, "messageId": id, "content": " there", "index": 1 }),
        ),
        (
            "stream-end",
            json!({ "sessionId": session, "messageId": id,
                    "usage": { "inputTokens": 30, "outputTokens": 2 } }),
        ),
    ];
    assert_eq!(events, expected);

    let stored = chat.messages(&session);
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0]["content"], "Hello?");
    assert_eq!(stored[1]["status"], "complete");
    assert_eq!(stored[1]["usage"], reply["usage"]);
    let metrics = chat.app.ok("get_metrics", json!({}));
    assert_eq!(metrics["messagesAssistant"], 1);
    assert_eq!(metrics["outputTokens"], 2);
    assert_eq!(metrics["timeToFirstChunk"]["count"], 1);
}

#[test]
fn streaming_send_returns_at_once_and_the_reply_follows_as_events() {
    let chat = ChatApp::start();
    let session = chat.session();
    chat.double
        .enqueue(Script::chunks((0..20).map(|i| format!("{i},")).collect()).interval(10));
    let returned = chat.app.ok(
        "send_message_streaming",
        json!({ "sessionId": session, "content": "count" }),
    );
    assert_eq!(returned, Value::Null);
    // The user's message is stored before the command returns.
    assert_eq!(chat.messages(&session)[0]["content"], "count");
    let (name, _) = chat.wait_for_end(&session);
    assert_eq!(name, "stream-end");
    let indexes: Vec<u64> = chat
        .events_of(&session)
        .iter()
        .filter(|(n, _)| *n == "stream-chunk")
        .map(|(_, p)| p["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, (0..20).collect::<Vec<_>>());
    let stored = chat.messages(&session);
    assert_eq!(
        stored[1]["content"],
        (0..20).map(|i| format!("{i},")).collect::<String>()
    );
}

#[test]
fn provider_faults_arrive_as_typed_errors_and_the_session_stays_usable() {
    let chat = ChatApp::start();
    let cases = [
        (Script::rate_limited(3), "rateLimited", Some(429)),
        (Script::http_error(401, "bad key"), "auth", Some(401)),
        (Script::http_error(500, "boom"), "provider", Some(500)),
        (
            Script::chunks(vec!["a".into()]).ending(Ending::ErrorEvent {
                message: "Overloaded".into(),
            }),
            "rateLimited",
            None,
        ),
        (
            Script::chunks(vec!["a".into()]).ending(Ending::Drop),
            "network",
            None,
        ),
    ];
    for (script, code, status) in cases {
        let session = chat.session();
        chat.double.enqueue(script);
        let err = chat.app.err(
            "send_message",
            json!({ "sessionId": session, "content": "hi" }),
        );
        assert_eq!(err["kind"], "provider", "{code}: {err}");
        assert_eq!(err["code"], code, "{err}");
        assert_eq!(err["provider"], "anthropic");
        assert_eq!(err["status"], json!(status), "{err}");
        assert!(err["message"].as_str().unwrap().starts_with("anthropic: "));
        let (name, payload) = chat.wait_for_end(&session);
        assert_eq!(
            (name, payload["code"].as_str()),
            ("stream-error", Some(code))
        );
        let stored = &chat.messages(&session)[1];
        assert_eq!(stored["status"], "failed");
        // The reason is kept with the reply, as the stream-error said it.
        assert_eq!(
            stored["failure"],
            json!({ "code": code, "message": payload["message"] }),
            "{stored}"
        );
        // Usable again.
        chat.app.ok(
            "send_message",
            json!({ "sessionId": session, "content": "again" }),
        );
    }
    let err = chat
        .app
        .err("send_message", json!({ "sessionId": "x", "content": "hi" }));
    assert_eq!(err["kind"], "invalidArgument");
}

#[test]
fn cancel_stops_within_100ms_and_keeps_the_partial_reply() {
    let chat = ChatApp::start();
    let session = chat.session();
    chat.double
        .enqueue(Script::chunks((0..500).map(|i| format!("{i} ")).collect()).interval(20));
    chat.app.ok(
        "send_message_streaming",
        json!({ "sessionId": session, "content": "long" }),
    );
    chat.wait_for(&session, |(n, p)| *n == "stream-chunk" && p["index"] == 2);
    let busy = chat.app.err(
        "send_message",
        json!({ "sessionId": session, "content": "meanwhile" }),
    );
    assert_eq!(busy["kind"], "sessionBusy");
    assert_eq!(busy["sessionId"], session);

    let asked = Instant::now();
    chat.app
        .ok("cancel_stream", json!({ "sessionId": session }));
    let (name, payload) = chat.wait_for_end(&session);
    assert!(
        asked.elapsed() < Duration::from_millis(100),
        "{:?}",
        asked.elapsed()
    );
    assert_eq!(
        (name, payload["code"].as_str()),
        ("stream-error", Some("cancelled"))
    );
    tauri::async_runtime::block_on(chat.double.wait_for_abandoned(1, Duration::from_secs(5)));

    let stored = chat.messages(&session);
    assert_eq!(stored.len(), 2, "the refused message was not stored");
    assert_eq!(stored[1]["status"], "cancelled");
    assert!(stored[1]["content"].as_str().unwrap().starts_with("0 1 2 "));
    assert_eq!(chat.app.ok("get_metrics", json!({}))["streamsCancelled"], 1);
}

#[test]
fn deleting_a_session_mid_stream_cancels_the_reply_and_the_waiting_send() {
    let chat = ChatApp::start();
    let session = chat.session();
    chat.double
        .enqueue(Script::chunks((0..500).map(|i| format!("{i} ")).collect()).interval(20));
    std::thread::scope(|scope| {
        let webview = chat.app.webview.clone();
        let args = json!({ "sessionId": session, "content": "long" });
        let waiting = scope.spawn(move || common::invoke_on(&webview, "send_message", args));
        chat.wait_for(&session, |(n, p)| *n == "stream-chunk" && p["index"] == 2);
        assert_eq!(
            chat.app
                .ok("delete_session", json!({ "sessionId": session })),
            Value::Null
        );
        let err = waiting.join().unwrap().unwrap_err();
        assert_eq!(err["kind"], "cancelled", "{err}");
    });
    let ends: Vec<_> = chat
        .events_of(&session)
        .into_iter()
        .filter(|(n, _)| matches!(*n, "stream-end" | "stream-error"))
        .collect();
    assert_eq!(ends.len(), 1, "{ends:?}");
    assert_eq!(ends[0].1["code"], "cancelled");
    assert_eq!(
        chat.app.err("get_session", json!({ "sessionId": session }))["kind"],
        "sessionNotFound"
    );
    tauri::async_runtime::block_on(chat.double.wait_for_abandoned(1, Duration::from_secs(5)));
    let metrics = chat.app.ok("get_metrics", json!({}));
    assert_eq!(metrics["streamsCancelled"], 1);
    assert_eq!(metrics["streamsFailed"], 0);
}

#[test]
fn two_sessions_stream_at_once_and_their_events_never_mix() {
    let chat = ChatApp::start();
    let (a, b) = (chat.session(), chat.session());
    chat.double
        .enqueue(Script::chunks((0..25).map(|i| format!("a{i}")).collect()).interval(4));
    chat.double
        .enqueue(Script::chunks((0..25).map(|i| format!("b{i}")).collect()).interval(4));
    chat.app.ok(
        "send_message_streaming",
        json!({ "sessionId": a, "content": "a" }),
    );
    chat.app.ok(
        "send_message_streaming",
        json!({ "sessionId": b, "content": "b" }),
    );
    chat.wait_for_end(&a);
    chat.wait_for_end(&b);
    for (session, tag) in [(&a, "a"), (&b, "b")] {
        let events = chat.events_of(session);
        let message_id = events[0].1["messageId"].clone();
        assert!(events.iter().all(|(_, p)| p["messageId"] == message_id));
        let text: Vec<String> = events
            .iter()
            .filter(|(n, _)| *n == "stream-chunk")
            .map(|(_, p)| p["content"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            text,
            (0..25).map(|i| format!("{tag}{i}")).collect::<Vec<_>>()
        );
        assert_eq!(events.last().unwrap().0, "stream-end");
    }
}
