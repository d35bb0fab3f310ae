//! Commands over HTTP answer with the JSON the core gives the window, and
//! fail with the same `AppError` JSON under a status that fits its kind.

mod common;

use clawdesk_core::ids::SessionId;
use common::Served;
use reqwest::StatusCode;
use serde_json::{json, Value};

const UNKNOWN: &str = "sess_01ARZ3NDEKTSV4RRFFQ69G5FAV";

fn to_json<T: serde::Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap()
}

#[tokio::test]
async fn commands_answer_what_the_core_answers() {
    let s = Served::start().await;
    let created = s
        .ok("create_session", json!({ "model": "anthropic-x" }))
        .await;
    let id = SessionId::parse(created["id"].as_str().unwrap()).unwrap();
    assert_eq!(created["channelId"], "gateway", "made over HTTP");
    assert_eq!(created["model"], "anthropic-x");

    // The same calls in process give the same JSON.
    let session = s.ok("get_session", json!({ "sessionId": id })).await;
    assert_eq!(session, to_json(s.desk.get_session(&id).await.unwrap()));
    let listed = s.ok("list_sessions", json!({})).await;
    assert_eq!(listed, to_json(s.desk.list_sessions().await.unwrap()));
    let messages = s
        .ok("get_messages", json!({ "sessionId": id, "limit": 5 }))
        .await;
    assert_eq!(messages, json!([]));
    let config = s.ok("get_config", json!({})).await;
    assert_eq!(config, to_json(s.desk.get_config().await.unwrap()));
    let channels = s.ok("get_channels", json!({})).await;
    assert_eq!(channels, to_json(s.desk.get_channels().await.unwrap()));
    let gateway = &channels[1];
    assert_eq!(
        (&gateway["id"], &gateway["status"], &gateway["sessionCount"]),
        (&json!("gateway"), &json!("active"), &json!(1))
    );
    assert!(gateway["detail"].as_str().unwrap().contains(&s.base));
    let desktop = s
        .ok("create_session", json!({ "channelId": "desktop" }))
        .await;
    assert_eq!(desktop["channelId"], "desktop", "a named channel is kept");
    assert_eq!(s.ok("get_models", json!({})).await, json!([]));
    let health = s.ok("get_health", json!({})).await;
    assert_eq!(health["checks"][0]["name"], "store");

    // Unit results are `null`, as the window gets them; arguments may be
    // left out entirely when none are taken.
    let updated = s
        .ok(
            "update_config",
            json!({ "key": "gateway.port", "value": 1500 }),
        )
        .await;
    assert_eq!(updated, Value::Null);
    assert_eq!(s.desk.config.load().gateway.port, 1500);
    let response = s
        .http
        .post(format!("{}/v1/commands/list_sessions", s.base))
        .bearer_auth(common::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        s.ok("cancel_stream", json!({ "sessionId": id })).await,
        Value::Null,
        "cancelling when nothing runs is fine"
    );
    assert_eq!(
        s.ok("delete_session", json!({ "sessionId": id })).await,
        Value::Null
    );

    let (status, err) = s.call("get_session", json!({ "sessionId": id })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        err,
        to_json(s.desk.get_session(&id).await.unwrap_err()),
        "the same AppError JSON"
    );
    assert_eq!(err["kind"], "sessionNotFound");
    assert_eq!(err["sessionId"], id.as_str());

    let metrics = s.ok("get_metrics", json!({})).await;
    assert_eq!(metrics["sessionsCreated"], 2);
    assert_eq!(metrics["sessionsDeleted"], 1);
}

#[tokio::test]
async fn failures_are_typed_with_fitting_statuses() {
    let s = Served::start().await;
    let cases = [
        // Arguments: missing, wrong type, out of range, malformed id.
        (
            "get_session",
            json!({}),
            StatusCode::BAD_REQUEST,
            "invalidArgument",
        ),
        (
            "get_session",
            json!({ "sessionId": [1] }),
            StatusCode::BAD_REQUEST,
            "invalidArgument",
        ),
        (
            "get_session",
            json!({ "sessionId": "msg_01ARZ3NDEKTSV4RRFFQ69G5FAV" }),
            StatusCode::BAD_REQUEST,
            "invalidArgument",
        ),
        (
            "get_messages",
            json!({ "sessionId": UNKNOWN, "limit": -1 }),
            StatusCode::BAD_REQUEST,
            "invalidArgument",
        ),
        (
            "send_message",
            json!({ "sessionId": UNKNOWN }),
            StatusCode::BAD_REQUEST,
            "invalidArgument",
        ),
        (
            "update_config",
            json!({ "key": "gateway.port" }),
            StatusCode::BAD_REQUEST,
            "invalidArgument",
        ),
        (
            "create_session",
            json!({ "channelId": "nowhere" }),
            StatusCode::BAD_REQUEST,
            "invalidArgument",
        ),
        // Config.
        (
            "update_config",
            json!({ "key": "gateway.nope", "value": 1 }),
            StatusCode::BAD_REQUEST,
            "configKey",
        ),
        (
            "update_config",
            json!({ "key": "gateway.port", "value": "x" }),
            StatusCode::BAD_REQUEST,
            "configValue",
        ),
        // Sessions.
        (
            "get_session",
            json!({ "sessionId": UNKNOWN }),
            StatusCode::NOT_FOUND,
            "sessionNotFound",
        ),
        (
            "send_message",
            json!({ "sessionId": UNKNOWN, "content": "hi" }),
            StatusCode::NOT_FOUND,
            "sessionNotFound",
        ),
        // Commands that do not exist.
        (
            "drop_tables",
            json!({}),
            StatusCode::NOT_FOUND,
            "invalidArgument",
        ),
    ];
    for (command, args, status, kind) in cases {
        let (got_status, err) = s.call(command, args.clone()).await;
        assert_eq!(
            (got_status, err["kind"].as_str()),
            (status, Some(kind)),
            "{command} {args}: {err}"
        );
        assert!(err["message"].is_string(), "{err}");
    }

    // The argument errors read as the window's do.
    let (_, err) = s.call("get_session", json!({})).await;
    assert_eq!(
        err,
        json!({ "kind": "invalidArgument", "field": "sessionId", "message": "invalid sessionId: is required" })
    );

    // No provider can serve the session's model: 502 noProvider, nothing stored.
    let session = s.ok("create_session", json!({})).await;
    let (status, err) = s
        .call(
            "send_message",
            json!({ "sessionId": session["id"], "content": "hi" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{err}");
    assert_eq!(err["kind"], "noProvider");

    // A body that is not a JSON object.
    for body in ["[1]", "{", "\"x\""] {
        let response = s
            .http
            .post(format!("{}/v1/commands/list_sessions", s.base))
            .bearer_auth(common::TOKEN)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let err: Value = response.json().await.unwrap();
        assert_eq!(
            (err["kind"].as_str(), err["field"].as_str()),
            (Some("invalidArgument"), Some("body"))
        );
    }

    // Calls refused for their arguments count as failed commands, as in the window.
    let metrics = s.ok("get_metrics", json!({})).await;
    assert!(
        metrics["commandErrors"].as_u64().unwrap() >= 12,
        "{metrics}"
    );
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_unread() {
    let s = Served::with_options(|mut options| {
        options.body_limit = 1024;
        options
    })
    .await;
    let session = s.ok("create_session", json!({})).await;
    let (status, err) = s
        .call(
            "send_message",
            json!({ "sessionId": session["id"], "content": "x".repeat(4096) }),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{err}");
    assert_eq!(err["kind"], "invalidArgument");
    assert_eq!(err["field"], "body");
    let messages = s
        .ok("get_messages", json!({ "sessionId": session["id"] }))
        .await;
    assert_eq!(messages, json!([]));
}
