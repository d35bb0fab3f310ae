//! One contract, two transports: the same backend answers the window (IPC)
//! and the gateway (HTTP) with the same JSON, including every typed
//! argument error, and the gateway's status fits the error's kind.

mod common;

use clawdesk_gateway::{Gateway, GatewayOptions};
use common::http::{post_command, HttpAnswer};
use common::TestApp;
use serde_json::{json, Value};

const TOKEN: &str = "parity-token-0123456789abcdef";
const UNKNOWN: &str = "sess_01ARZ3NDEKTSV4RRFFQ69G5FAV";

struct Both {
    app: TestApp,
    gateway: Gateway,
    http: reqwest::Client,
}

impl Both {
    fn start() -> Self {
        let app = TestApp::start();
        let desk = app.state().inner().clone();
        let gateway = tauri::async_runtime::block_on(Gateway::start(
            desk,
            GatewayOptions::loopback(0, TOKEN),
        ))
        .unwrap();
        Self {
            app,
            gateway,
            http: reqwest::Client::new(),
        }
    }

    /// The HTTP answer as the window's shape: `Ok(data)` or `Err(error)`,
    /// with the status checked against the error's kind.
    fn http(&self, cmd: &str, args: &Value) -> Result<Value, Value> {
        match post_command(&self.http, &self.gateway, TOKEN, cmd, args) {
            HttpAnswer::Ok(data) => Ok(data),
            HttpAnswer::WindowOnly(body) => panic!("{cmd} refused over HTTP: {body}"),
            HttpAnswer::Failed(error) => Err(error),
        }
    }

    /// Calls both transports and asserts they answered alike.
    fn same(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let window = self.app.invoke(cmd, args.clone());
        let http = self.http(cmd, &args);
        assert_eq!(window, http, "{cmd} {args}");
        window
    }
}

/// Each command with valid arguments, and variations that break one
/// argument each (missing, wrong JSON type, out of range, malformed id).
fn bad_inputs() -> Vec<(&'static str, Value)> {
    let s = UNKNOWN;
    vec![
        ("create_session", json!({ "channelId": 1 })),
        ("create_session", json!({ "channelId": "nowhere" })),
        ("create_session", json!({ "model": [1] })),
        ("create_session", json!({ "model": "two words" })),
        ("get_session", json!({})),
        ("get_session", json!({ "sessionId": true })),
        (
            "get_session",
            json!({ "sessionId": "msg_01ARZ3NDEKTSV4RRFFQ69G5FAV" }),
        ),
        (
            "get_session",
            json!({ "sessionId": "sess_8ZZZZZZZZZZZZZZZZZZZZZZZZZ" }),
        ),
        ("get_session", json!({ "sessionId": s })),
        ("delete_session", json!({ "sessionId": "" })),
        ("delete_session", json!({ "sessionId": s })),
        ("get_messages", json!({ "sessionId": s, "limit": -1 })),
        (
            "get_messages",
            json!({ "sessionId": s, "limit": 4_294_967_296u64 }),
        ),
        ("get_messages", json!({ "sessionId": s, "limit": 1.5 })),
        ("get_messages", json!({ "sessionId": s, "limit": "10" })),
        ("get_messages", json!({ "sessionId": s })),
        ("send_message", json!({ "sessionId": s })),
        ("send_message", json!({ "content": "hi" })),
        ("send_message", json!({ "sessionId": s, "content": [1, 2] })),
        ("send_message", json!({ "sessionId": s, "content": "hi" })),
        (
            "send_message_streaming",
            json!({ "sessionId": s, "content": " " }),
        ),
        (
            "send_message_streaming",
            json!({ "sessionId": s, "content": "hi" }),
        ),
        ("cancel_stream", json!({})),
        ("compact_session", json!({ "sessionId": s })),
        ("update_config", json!({ "key": "gateway.port" })),
        ("update_config", json!({ "value": 1 })),
        ("update_config", json!({ "key": true, "value": 1 })),
        (
            "update_config",
            json!({ "key": "gateway.nope", "value": 1 }),
        ),
        (
            "update_config",
            json!({ "key": "gateway.port", "value": "1420" }),
        ),
        (
            "update_config",
            json!({ "key": "gateway.port", "value": 70000 }),
        ),
    ]
}

#[test]
fn bad_input_fails_alike_on_both_transports() {
    let both = Both::start();
    for (cmd, args) in bad_inputs() {
        let answer = both.same(cmd, args.clone());
        assert!(answer.is_err(), "{cmd} {args} should fail: {answer:?}");
    }
    // Nothing was created or changed by any of it.
    assert_eq!(both.same("list_sessions", json!({})), Ok(json!([])));
}

#[test]
fn answers_are_alike_on_both_transports() {
    let both = Both::start();
    for cmd in ["list_sessions", "get_config", "get_models", "get_channels"] {
        both.same(cmd, json!({})).unwrap();
    }
    // A session made over HTTP reads the same through both.
    let created = both
        .http("create_session", &json!({ "model": "gpt-4o" }))
        .unwrap();
    let id = created["id"].clone();
    assert_eq!(
        both.same("get_session", json!({ "sessionId": id })),
        Ok(created)
    );
    both.same("get_messages", json!({ "sessionId": id, "limit": 3 }))
        .unwrap();
    both.same("list_sessions", json!({})).unwrap();
    both.same("compact_session", json!({ "sessionId": id }))
        .unwrap();
    both.same("cancel_stream", json!({ "sessionId": id }))
        .unwrap();
    // A setting changed through one is seen through the other.
    both.http(
        "update_config",
        &json!({ "key": "compaction.keepRecent", "value": 12 }),
    )
    .unwrap();
    let config = both.same("get_config", json!({})).unwrap();
    assert_eq!(config["compaction"]["keepRecent"], 12);
    // Deleted over HTTP: gone for both, with the same error.
    both.http("delete_session", &json!({ "sessionId": id }))
        .unwrap();
    let err = both
        .same("get_session", json!({ "sessionId": id }))
        .unwrap_err();
    assert_eq!(err["kind"], "sessionNotFound");
    // Both transports count into the same metrics.
    let metrics = both.app.ok("get_metrics", json!({}));
    assert_eq!(metrics["sessionsCreated"], 1);
    assert_eq!(metrics["sessionsDeleted"], 1);
}
