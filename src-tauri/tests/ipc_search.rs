//! search_messages and get_messages_around through the real IPC layer: the
//! JSON the window receives (camelCase, UTF-16 match ranges, grouping), and
//! typed errors for bad queries, options, and a message of another chat.

mod common;

use clawdesk_core::ids::SessionId;
use clawdesk_core::store::NewMessage;
use clawdesk_core::types::{MessageStatus, Role};
use common::TestApp;
use serde_json::{json, Value};

/// A chat with these user messages; returns its id and its messages' ids.
fn chat(app: &TestApp, texts: &[&str]) -> (String, Vec<String>) {
    let session = app.ok("create_session", json!({}));
    let id = session["id"].as_str().unwrap().to_string();
    let store = app.state().session_store.clone();
    let ids = tauri::async_runtime::block_on(async {
        let mut ids = Vec::new();
        for text in texts {
            let message = store
                .append_message(NewMessage {
                    session_id: SessionId::parse(id.clone()).unwrap(),
                    role: Role::User,
                    content: text.to_string(),
                    model: None,
                    usage: None,
                    status: MessageStatus::Complete,
                    tokens: None,
                })
                .await
                .unwrap();
            ids.push(message.id.to_string());
        }
        ids
    });
    (id, ids)
}

/// `snippet.slice(start, end)` as JavaScript would cut it.
fn slice_utf16(text: &str, start: u64, end: u64) -> String {
    let units: Vec<u16> = text.encode_utf16().collect();
    String::from_utf16(&units[start as usize..end as usize]).unwrap()
}

#[test]
fn search_returns_hits_grouped_by_chat_with_utf16_ranges() {
    let app = TestApp::start();
    let (first, first_ids) = chat(&app, &["😀 Un café à Paris", "nothing here"]);
    let (second, _) = chat(&app, &["Another CAFE, 日本語のカフェ"]);

    let results = app.ok("search_messages", json!({ "query": "cafe" }));
    assert_eq!(results["truncated"], false);
    let groups = results["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    let group = groups
        .iter()
        .find(|g| g["sessionId"] == first.as_str())
        .unwrap();
    assert_eq!(group["title"], "😀 Un café à Paris");
    let hit = &group["hits"][0];
    let keys: Vec<&str> = hit
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["createdAt", "matches", "messageId", "role", "snippet"]
    );
    assert_eq!(hit["messageId"], first_ids[0].as_str());
    assert_eq!(hit["role"], "user");
    let snippet = hit["snippet"].as_str().unwrap();
    let range = &hit["matches"][0];
    // The emoji is two UTF-16 units, then " Un ": "café" at 6..10.
    assert_eq!(
        (range["start"].as_u64(), range["end"].as_u64()),
        (Some(6), Some(10))
    );
    assert_eq!(slice_utf16(snippet, 6, 10), "café");

    let cjk = app.ok(
        "search_messages",
        json!({ "query": "カフェ", "options": null }),
    );
    assert_eq!(cjk["groups"][0]["sessionId"], second.as_str());
    let hit = &cjk["groups"][0]["hits"][0];
    let (start, end) = (
        hit["matches"][0]["start"].as_u64().unwrap(),
        hit["matches"][0]["end"].as_u64().unwrap(),
    );
    assert_eq!(
        slice_utf16(hit["snippet"].as_str().unwrap(), start, end),
        "カフェ"
    );
}

#[test]
fn search_options_filter_and_limit() {
    let app = TestApp::start();
    let (first, _) = chat(&app, &["alpha one", "alpha two"]);
    chat(&app, &["alpha three"]);

    let only = app.ok(
        "search_messages",
        json!({ "query": "alpha", "options": { "sessionId": first, "limit": 1 } }),
    );
    assert_eq!(only["groups"].as_array().unwrap().len(), 1);
    assert_eq!(only["groups"][0]["hits"].as_array().unwrap().len(), 1);
    assert_eq!(only["truncated"], true);
    let assistants = app.ok(
        "search_messages",
        json!({ "query": "alpha", "options": { "role": "assistant" } }),
    );
    assert_eq!(assistants["groups"], json!([]));
    let future = app.ok(
        "search_messages",
        json!({ "query": "alpha", "options": { "from": "2999-01-01T00:00:00Z" } }),
    );
    assert_eq!(future["groups"], json!([]));
}

#[test]
fn bad_queries_and_options_are_typed_errors() {
    let app = TestApp::start();
    chat(&app, &["some text"]);
    for query in ["\"open", "", "a OR b", "(x)", "*", "wo*rd"] {
        let err = app.err("search_messages", json!({ "query": query }));
        assert_eq!(err["kind"], "invalidArgument", "{query:?}: {err}");
        assert_eq!(err["field"], "query", "{query:?}: {err}");
    }
    let field = |options: Value| {
        let err = app.err(
            "search_messages",
            json!({ "query": "text", "options": options }),
        );
        assert_eq!(err["kind"], "invalidArgument", "{err}");
        err["field"].as_str().unwrap().to_string()
    };
    assert_eq!(field(json!({ "limit": 0 })), "options.limit");
    assert_eq!(field(json!({ "from": "last week" })), "options.from");
    assert_eq!(field(json!({ "role": "robot" })), "options");
    assert_eq!(field(json!({ "sesionId": "typo" })), "options");
    assert_eq!(
        field(json!({ "sessionId": "msg_01ARZ3NDEKTSV4RRFFQ69G5FAV" })),
        "options"
    );
    let err = app.err(
        "search_messages",
        json!({ "query": "text", "options": { "sessionId": "sess_01ARZ3NDEKTSV4RRFFQ69G5FAV" } }),
    );
    assert_eq!(err["kind"], "sessionNotFound");
}

#[test]
fn messages_around_a_message_far_back() {
    let app = TestApp::start();
    let texts: Vec<String> = (0..250).map(|i| format!("line {i}")).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let (session, ids) = chat(&app, &refs);

    let window = app.ok(
        "get_messages_around",
        json!({ "sessionId": session, "messageId": ids[20], "before": 5, "after": 5 }),
    );
    let messages = window["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 11);
    assert_eq!(messages[5]["id"], ids[20].as_str());
    assert_eq!(messages[0]["content"], "line 15");
    assert_eq!(window["hasOlder"], true);
    assert_eq!(window["hasNewer"], true);

    // Defaults (50 a side), at the start of the chat.
    let start = app.ok(
        "get_messages_around",
        json!({ "sessionId": session, "messageId": ids[0] }),
    );
    assert_eq!(start["messages"].as_array().unwrap().len(), 51);
    assert_eq!(start["hasOlder"], false);

    // A message of another chat, an unknown chat, a session id for a message id.
    let (other, other_ids) = chat(&app, &["elsewhere"]);
    let err = app.err(
        "get_messages_around",
        json!({ "sessionId": session, "messageId": other_ids[0] }),
    );
    assert_eq!(
        (err["kind"].as_str(), err["field"].as_str()),
        (Some("invalidArgument"), Some("messageId"))
    );
    let err = app.err(
        "get_messages_around",
        json!({ "sessionId": "sess_01ARZ3NDEKTSV4RRFFQ69G5FAV", "messageId": ids[0] }),
    );
    assert_eq!(err["kind"], "sessionNotFound");
    let err = app.err(
        "get_messages_around",
        json!({ "sessionId": session, "messageId": other }),
    );
    assert_eq!(
        (err["kind"].as_str(), err["field"].as_str()),
        (Some("invalidArgument"), Some("messageId"))
    );
}
