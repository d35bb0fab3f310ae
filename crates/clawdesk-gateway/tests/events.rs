//! `GET /v1/events`: a chat's stream events over Server-Sent Events, with
//! the window's names and the very payloads the window got.

mod common;

use clawdesk_gateway::GatewayOptions;
use common::{Served, SseReader, TOKEN};
use provider_double::{ProviderDouble, Script};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

async fn subscribe(s: &Served, query: &str) -> SseReader {
    let response = s
        .http
        .get(format!("{}/v1/events{query}", s.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    SseReader::new(response)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_chat_arrives_as_the_window_gets_it() {
    let s = Served::start().await;
    let double = ProviderDouble::start().await;
    s.use_double(&double).await;
    let session = s.ok("create_session", json!({})).await;
    let other = s.ok("create_session", json!({})).await;
    let mut all = subscribe(&s, "").await;
    let mut only_other =
        subscribe(&s, &format!("?sessionId={}", other["id"].as_str().unwrap())).await;

    double.enqueue(Script::chunks(vec!["Hel".into(), "lo".into(), "!".into()]).usage(7, 3));
    let started = s
        .ok(
            "send_message_streaming",
            json!({ "sessionId": session["id"], "content": "Hi" }),
        )
        .await;
    assert_eq!(started, Value::Null);

    let mut received = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(10), all.next())
        .await
        .expect("events keep coming")
    {
        let done = event.event == "stream-end" || event.event == "stream-error";
        received.push(event);
        if done {
            break;
        }
    }
    let names: Vec<&str> = received.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        names,
        [
            "stream-start",
            "stream-chunk",
            "stream-chunk",
            "stream-chunk",
            "stream-end"
        ]
    );
    for (index, chunk) in received[1..4].iter().enumerate() {
        assert_eq!(chunk.data["index"], index);
        assert_eq!(chunk.data["sessionId"], session["id"]);
    }
    assert_eq!(
        received[4].data["usage"],
        json!({ "inputTokens": 7, "outputTokens": 3 })
    );

    // Exactly what the window was sent.
    let window: Vec<(String, Value)> = s
        .window
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e.name().to_string(),
                serde_json::from_str(&e.payload_json()).unwrap(),
            )
        })
        .collect();
    let over_http: Vec<(String, Value)> = received.into_iter().map(|e| (e.event, e.data)).collect();
    assert_eq!(over_http, window);

    // The reply is stored, and a reconnecting client finds it there.
    let messages = s
        .ok("get_messages", json!({ "sessionId": session["id"] }))
        .await;
    assert_eq!(messages[1]["content"], "Hello!");
    assert_eq!(messages[1]["status"], "complete");

    // The filtered stream saw none of it: the next thing it gets is its own session's.
    double.enqueue(Script::reply("Other."));
    s.ok(
        "send_message_streaming",
        json!({ "sessionId": other["id"], "content": "Hi" }),
    )
    .await;
    let first = tokio::time::timeout(Duration::from_secs(10), only_other.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.event, "stream-start");
    assert_eq!(first.data["sessionId"], other["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_and_cancelled_streams() {
    let s = Served::start().await;
    let double = ProviderDouble::start().await;
    s.use_double(&double).await;
    let session = s.ok("create_session", json!({})).await;
    let mut events = subscribe(
        &s,
        &format!("?sessionId={}", session["id"].as_str().unwrap()),
    )
    .await;
    double.enqueue(Script::chunks((0..500).map(|i| format!("{i} ")).collect()).interval(20));
    s.ok(
        "send_message_streaming",
        json!({ "sessionId": session["id"], "content": "Count" }),
    )
    .await;
    // Wait until text flows, then a second send is refused as busy.
    loop {
        let event = events.next().await.unwrap();
        if event.event == "stream-chunk" {
            break;
        }
    }
    let (status, err) = s
        .call(
            "send_message",
            json!({ "sessionId": session["id"], "content": "Again" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(err["kind"], "sessionBusy");

    assert_eq!(
        s.ok("cancel_stream", json!({ "sessionId": session["id"] }))
            .await,
        Value::Null
    );
    let end = loop {
        let event = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .unwrap()
            .unwrap();
        if event.event != "stream-chunk" {
            break event;
        }
    };
    assert_eq!(end.event, "stream-error");
    assert_eq!(end.data["code"], "cancelled");

    // A malformed filter is the usual typed error.
    let response = s
        .http
        .get(format!("{}/v1/events?sessionId=nope", s.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let err: Value = response.json().await.unwrap();
    assert_eq!(err["field"], "sessionId");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutting_down_ends_open_event_streams() {
    let s = Served::start().await;
    let mut events = subscribe(&s, "").await;
    let common::Served { gateway, desk, .. } = s;
    tokio::time::timeout(Duration::from_secs(5), gateway.shutdown())
        .await
        .expect("shutdown does not wait on listeners");
    let channels = desk.get_channels().await.unwrap();
    let channel = channels.iter().find(|c| c.id == "gateway").unwrap();
    assert_eq!(
        serde_json::to_value(channel.status).unwrap(),
        "inactive",
        "the channel follows the listener"
    );
    assert_eq!(channel.detail.as_deref(), Some("the gateway was stopped"));
    let ended = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .unwrap();
    assert_eq!(ended, None);
}

/// One client (peer IP) holds a bounded number of event streams: the next
/// is `429` with an `invalidArgument` `AppError` on `events`, and a stream
/// that ends gives its place back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_streams_per_client_are_bounded() {
    let s = Served::with_options(|options| GatewayOptions {
        max_streams_per_client: 3,
        ..options
    })
    .await;
    let open_one = || async {
        s.http
            .get(format!("{}/v1/events", s.base))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
    };
    let mut open = Vec::new();
    for _ in 0..3 {
        let response = open_one().await;
        assert_eq!(response.status(), StatusCode::OK);
        open.push(response);
    }
    let refused = open_one().await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers()["content-type"], "application/json");
    let err: Value = refused.json().await.unwrap();
    assert_eq!(err["kind"], "invalidArgument", "{err}");
    assert_eq!(err["field"], "events", "{err}");
    assert!(err["message"].as_str().unwrap().contains('3'), "{err}");

    // Commands are not streams: they still go through.
    assert_eq!(s.call("get_health", json!({})).await.0, StatusCode::OK);

    // A client that goes away frees its place, once the server notices
    // (at the latest when its next keep-alive cannot be written).
    drop(open.pop());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let response = open_one().await;
        if response.status() == StatusCode::OK {
            break;
        }
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(
            tokio::time::Instant::now() < deadline,
            "the closed stream's place was never given back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
