//! `compact_session` and the `session-compacted` event through Tauri's real
//! IPC layer (mock runtime) against the loopback provider double: the JSON
//! the frontend receives.

mod common;

use clawdesk_lib::events::{SessionCompacted, StreamEnd};
use common::{record_event, EventLog, TestApp};
use provider_double::{ProviderDouble, Script};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

struct App {
    app: TestApp,
    double: ProviderDouble,
    log: EventLog,
}

impl App {
    fn start() -> Self {
        let app = TestApp::start();
        let double = tauri::async_runtime::block_on(ProviderDouble::start());
        app.use_double_as_only_provider(&double);
        let log = EventLog::default();
        record_event::<SessionCompacted>(&app, "session-compacted", &log);
        record_event::<StreamEnd>(&app, "stream-end", &log);
        Self { app, double, log }
    }

    fn session(&self) -> String {
        let created = self.app.ok(
            "create_session",
            json!({ "channelId": null, "model": "claude-sonnet-4-5" }),
        );
        created["id"].as_str().unwrap().to_string()
    }

    fn converse(&self, session: &str, exchanges: usize) {
        for i in 0..exchanges {
            self.double
                .enqueue(Script::reply(&format!("Answer {i}.")).usage(50, 30 + i as u32));
            self.app.ok(
                "send_message",
                json!({ "sessionId": session, "content": format!("Question {i}?") }),
            );
        }
    }

    fn wait_for(&self, name: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some((_, payload)) = self.log.lock().unwrap().iter().find(|(n, _)| *n == name) {
                return payload.clone();
            }
            assert!(Instant::now() < deadline, "{name} never came");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[test]
fn compact_session_returns_counts_and_keeps_the_history_readable() {
    let t = App::start();
    let session = t.session();
    t.converse(&session, 10);
    let before = t.app.ok(
        "get_messages",
        json!({ "sessionId": session, "limit": null }),
    );
    let replaced: u64 = before.as_array().unwrap()[..12]
        .iter()
        .map(|m| m["tokens"].as_u64().unwrap())
        .sum();

    t.double
        .enqueue(Script::reply("Ten questions, ten answers.").usage(400, 7));
    let result = t.app.ok("compact_session", json!({ "sessionId": session }));
    assert_eq!(
        result,
        json!({ "messagesBefore": 20, "messagesAfter": 9, "tokensSaved": replaced - 7 })
    );

    let after = t.app.ok(
        "get_messages",
        json!({ "sessionId": session, "limit": null }),
    );
    let after = after.as_array().unwrap();
    assert_eq!(after.len(), 21);
    assert!(after[..12].iter().all(|m| m["compacted"] == true));
    let summary = &after[12];
    assert_eq!(summary["role"], "system");
    assert_eq!(summary["summary"], true);
    assert_eq!(summary["tokens"], 7);
    assert_eq!(summary["content"], "Ten questions, ten answers.");
    assert!(
        summary.get("compacted").is_none(),
        "false flags are left out"
    );
    assert!(after[13..]
        .iter()
        .all(|m| m.get("compacted").is_none() && m["tokens"].is_u64()));

    // Already compact: nothing changes, nothing is asked of the provider.
    let requests = t.double.requests().len();
    let again = t.app.ok("compact_session", json!({ "sessionId": session }));
    assert_eq!(
        again,
        json!({ "messagesBefore": 9, "messagesAfter": 9, "tokensSaved": 0 })
    );
    assert_eq!(t.double.requests().len(), requests);
}

#[test]
fn compact_session_errors_are_typed() {
    let t = App::start();
    let unknown = "sess_01ARZ3NDEKTSV4RRFFQ69G5FAV";
    let err = t
        .app
        .err("compact_session", json!({ "sessionId": unknown }));
    assert_eq!(err["kind"], "sessionNotFound");
    assert_eq!(err["sessionId"], unknown);
    let err = t.app.err("compact_session", json!({ "sessionId": "nope" }));
    assert_eq!(err["kind"], "invalidArgument");

    // While a reply streams, the session is busy.
    let session = t.session();
    t.converse(&session, 5);
    let chunks = (0..200).map(|i| format!("{i} ")).collect();
    t.double.enqueue(Script::chunks(chunks).interval(20));
    t.app.ok(
        "send_message_streaming",
        json!({ "sessionId": session, "content": "Count slowly" }),
    );
    // The reply's request has reached the provider (and taken its script).
    tauri::async_runtime::block_on(t.double.wait_for_requests(6, Duration::from_secs(10)));
    let err = t
        .app
        .err("compact_session", json!({ "sessionId": session }));
    assert_eq!(err["kind"], "sessionBusy");
    assert_eq!(err["sessionId"], session);
    t.app.ok("cancel_stream", json!({ "sessionId": session }));

    // A provider failure is a typed provider error, and changes nothing.
    let idle = Instant::now() + Duration::from_secs(10);
    while t.app.state().agent_pipeline.is_busy(&session) {
        assert!(Instant::now() < idle, "the stream did not stop");
        std::thread::sleep(Duration::from_millis(5));
    }
    let before = t.app.ok(
        "get_messages",
        json!({ "sessionId": session, "limit": null }),
    );
    t.double
        .enqueue(Script::http_error(400, "invalid request (provider double)"));
    let err = t
        .app
        .err("compact_session", json!({ "sessionId": session }));
    assert_eq!(err["kind"], "provider");
    assert_eq!(err["provider"], "anthropic");
    assert_eq!(
        t.app.ok(
            "get_messages",
            json!({ "sessionId": session, "limit": null })
        ),
        before
    );
}

#[test]
fn a_too_long_context_is_compacted_and_the_window_is_told() {
    let t = App::start();
    let session = t.session();
    t.converse(&session, 10);
    t.double.enqueue(Script::http_error(
        400,
        "prompt is too long: 210000 tokens > 200000 maximum",
    ));
    t.double
        .enqueue(Script::reply("Ten questions, ten answers.").usage(400, 7));
    t.double.enqueue(Script::reply("Short now.").usage(100, 3));
    let reply = t.app.ok(
        "send_message",
        json!({ "sessionId": session, "content": "One more?" }),
    );
    assert_eq!(reply["content"], "Short now.");

    let event = t.wait_for("session-compacted");
    assert_eq!(event["sessionId"], session);
    assert_eq!(event["messagesBefore"], 21);
    assert_eq!(event["messagesAfter"], 10);
    assert!(event["tokensSaved"].as_u64().unwrap() > 0);
    let mut keys: Vec<&str> = event
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "messagesAfter",
            "messagesBefore",
            "sessionId",
            "tokensSaved"
        ]
    );
}
