//! Session and message commands through the real IPC layer.

mod common;

use clawdesk_core::ids::SessionId;
use clawdesk_core::store::NewMessage;
use clawdesk_core::types::{MessageStatus, Role, Usage};
use common::{assert_timestamp, TestApp};
use serde_json::{json, Value};

const UNKNOWN: &str = "sess_01ARZ3NDEKTSV4RRFFQ69G5FAV";

#[test]
fn create_session_defaults_and_shape() {
    let app = TestApp::start();
    let session = app.ok("create_session", json!({}));
    let keys: Vec<&str> = session
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "channelId",
            "createdAt",
            "id",
            "lastActive",
            "messageCount",
            "model",
            "pinned",
            "systemPrompt",
            "title"
        ]
    );
    assert_eq!(session["pinned"], false);
    assert_eq!(session["systemPrompt"], Value::Null);
    assert!(session["id"].as_str().unwrap().starts_with("sess_"));
    assert_eq!(session["channelId"], "desktop");
    assert_eq!(session["messageCount"], 0);
    assert_eq!(
        session["model"], "anthropic/claude-sonnet-4-5",
        "the configured default model, provider-qualified"
    );
    assert_eq!(session["title"], Value::Null);
    assert_timestamp(&session["createdAt"]);
    assert_timestamp(&session["lastActive"]);

    let explicit = app.ok(
        "create_session",
        json!({ "channelId": "desktop", "model": "gpt-4o" }),
    );
    assert_eq!(
        explicit["model"], "gpt-4o",
        "nobody serves it: kept as given"
    );
    let nulls = app.ok(
        "create_session",
        json!({ "channelId": null, "model": null }),
    );
    assert_eq!(nulls["channelId"], "desktop");
}

#[test]
fn create_session_rejects_bad_input_and_creates_nothing() {
    let app = TestApp::start();
    let err = app.err("create_session", json!({ "channelId": "telegram" }));
    assert_eq!(err["kind"], "invalidArgument");
    assert_eq!(err["field"], "channelId");
    assert!(err["message"].as_str().unwrap().contains("telegram"));
    let err = app.err("create_session", json!({ "model": "has spaces" }));
    assert_eq!(
        err,
        json!({ "kind": "invalidArgument", "field": "model", "message": "invalid model: \"has spaces\" is not a model id" })
    );
    // A wrong JSON type never reaches the command, and is typed all the same.
    let err = app.err("create_session", json!({ "model": 42 }));
    assert_eq!(err["kind"], "invalidArgument", "{err}");
    assert_eq!(err["field"], "model");
    assert_eq!(app.ok("list_sessions", json!({})), json!([]));
}

#[test]
fn list_get_delete_round_trip() {
    let app = TestApp::start();
    let first = app.ok("create_session", json!({}));
    std::thread::sleep(std::time::Duration::from_millis(3));
    let second = app.ok("create_session", json!({}));
    let listed = app.ok("list_sessions", json!({}));
    assert_eq!(
        listed,
        json!([second.clone(), first.clone()]),
        "most recently active first"
    );

    let id = first["id"].as_str().unwrap();
    assert_eq!(app.ok("get_session", json!({ "sessionId": id })), first);
    assert_eq!(
        app.ok("delete_session", json!({ "sessionId": id })),
        Value::Null
    );
    assert_eq!(app.ok("list_sessions", json!({})), json!([second]));
    let err = app.err("get_session", json!({ "sessionId": id }));
    assert_eq!(
        err,
        json!({ "kind": "sessionNotFound", "message": format!("session {id} does not exist"), "sessionId": id })
    );
}

#[test]
fn bad_and_unknown_session_ids_for_every_session_command() {
    let app = TestApp::start();
    for cmd in ["get_session", "delete_session", "get_messages"] {
        for bad in [
            "",
            "nope",
            "msg_01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "sess_lowercase-not-ulid",
        ] {
            let err = app.err(cmd, json!({ "sessionId": bad }));
            assert_eq!(err["kind"], "invalidArgument", "{cmd}({bad})");
            assert_eq!(err["field"], "sessionId");
        }
        let err = app.err(cmd, json!({ "sessionId": UNKNOWN }));
        assert_eq!(err["kind"], "sessionNotFound", "{cmd}");
        assert_eq!(err["sessionId"], UNKNOWN);
        // Missing argument: typed too (see ipc_arguments.rs for every command).
        let err = app.err(cmd, json!({}));
        assert_eq!(err["kind"], "invalidArgument", "{cmd}");
        assert_eq!(err["field"], "sessionId");
    }
}

#[test]
fn get_messages_returns_stored_messages_oldest_first_with_limit() {
    let app = TestApp::start();
    let session = app.ok("create_session", json!({}));
    let id = session["id"].as_str().unwrap().to_string();
    let store = app.state().session_store.clone();
    tauri::async_runtime::block_on(async {
        for i in 0..5 {
            store
                .append_message(NewMessage {
                    session_id: SessionId::parse(id.clone()).unwrap(),
                    role: if i % 2 == 0 {
                        Role::User
                    } else {
                        Role::Assistant
                    },
                    content: format!("message {i}"),
                    model: (i % 2 == 1).then(|| "claude-sonnet-4-5".to_string()),
                    usage: (i % 2 == 1).then_some(Usage {
                        input_tokens: 10,
                        output_tokens: 20,
                    }),
                    status: MessageStatus::Complete,
                    tokens: None,
                })
                .await
                .unwrap();
        }
    });
    let all = app.ok("get_messages", json!({ "sessionId": id }));
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[0]["content"], "message 0");
    assert_eq!(all[0]["role"], "user");
    assert_eq!(all[0]["usage"], Value::Null);
    assert_eq!(all[1]["role"], "assistant");
    assert_eq!(
        all[1]["usage"],
        json!({ "inputTokens": 10, "outputTokens": 20 })
    );
    assert_eq!(all[1]["status"], "complete");
    assert_eq!(all[1]["sessionId"], id.as_str());
    assert!(all[1]["id"].as_str().unwrap().starts_with("msg_"));
    assert_timestamp(&all[1]["timestamp"]);

    let page = app.ok("get_messages", json!({ "sessionId": id, "limit": 2 }));
    let contents: Vec<&str> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["message 3", "message 4"]);
    let err = app.err("get_messages", json!({ "sessionId": id, "limit": 0 }));
    assert_eq!(err["kind"], "invalidArgument");
    assert_eq!(err["field"], "limit");
    // A negative limit is not a u32: typed, nothing read.
    let err = app.err("get_messages", json!({ "sessionId": id, "limit": -1 }));
    assert_eq!(err["kind"], "invalidArgument");
    assert_eq!(err["field"], "limit");

    let info = app.ok("get_session", json!({ "sessionId": id }));
    assert_eq!(info["messageCount"], 5);
    assert_eq!(info["title"], "message 0");
}

#[test]
fn delete_takes_the_messages_with_it() {
    let app = TestApp::start();
    let session = app.ok("create_session", json!({}));
    let id = session["id"].as_str().unwrap().to_string();
    let store = app.state().session_store.clone();
    tauri::async_runtime::block_on(store.append_message(NewMessage {
        session_id: SessionId::parse(id.clone()).unwrap(),
        role: Role::User,
        content: "hi".into(),
        model: None,
        usage: None,
        status: MessageStatus::Complete,
        tokens: None,
    }))
    .unwrap();
    app.ok("delete_session", json!({ "sessionId": id }));
    assert_eq!(
        app.err("get_messages", json!({ "sessionId": id }))["kind"],
        "sessionNotFound"
    );
    assert_eq!(
        app.err("delete_session", json!({ "sessionId": id }))["kind"],
        "sessionNotFound"
    );
}

#[test]
fn unreadable_database_gives_storage_errors_and_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("broken.db");
    let garbage = b"not a database, and the user's data all the same\n".repeat(64);
    std::fs::write(&db, &garbage).unwrap();
    let app = TestApp::with_paths(dir, |d| {
        let mut paths = clawdesk_lib::paths::AppPaths::in_dir(d);
        paths.db_override = Some(db.clone());
        paths
    });
    for (cmd, args) in [
        ("create_session", json!({})),
        ("list_sessions", json!({})),
        ("get_session", json!({ "sessionId": UNKNOWN })),
        ("delete_session", json!({ "sessionId": UNKNOWN })),
        ("get_messages", json!({ "sessionId": UNKNOWN })),
        ("get_channels", json!({})),
    ] {
        let err = app.err(cmd, args);
        assert_eq!(err["kind"], "storage", "{cmd}: {err}");
        assert!(
            err["message"].as_str().unwrap().contains("broken.db"),
            "{err}"
        );
    }
    let health = app.ok("get_health", json!({}));
    assert_eq!(health["status"], "unhealthy");
    assert_eq!(health["checks"][0]["name"], "store");
    assert_eq!(health["checks"][0]["status"], "unhealthy");
    assert_eq!(std::fs::read(&db).unwrap(), garbage);
}

fn seed_user_message(app: &TestApp, id: &str, content: &str) {
    let store = app.state().session_store.clone();
    tauri::async_runtime::block_on(store.append_message(NewMessage {
        session_id: SessionId::parse(id).unwrap(),
        role: Role::User,
        content: content.into(),
        model: None,
        usage: None,
        status: MessageStatus::Complete,
        tokens: None,
    }))
    .unwrap();
}

#[test]
fn update_session_renames_and_the_rename_wins_over_the_first_message() {
    let app = TestApp::start();
    let session = app.ok("create_session", json!({}));
    let id = session["id"].as_str().unwrap();
    let renamed = app.ok(
        "update_session",
        json!({ "sessionId": id, "patch": { "title": "  Trip plans  " } }),
    );
    assert_eq!(renamed["title"], "Trip plans", "trimmed");
    assert_eq!(renamed["lastActive"], session["lastActive"], "not activity");
    assert_eq!(renamed["model"], session["model"], "only the title changed");
    seed_user_message(&app, id, "Where should we go in May?");
    let after = app.ok("get_session", json!({ "sessionId": id }));
    assert_eq!(after["title"], "Trip plans");
    assert_eq!(after["messageCount"], 1);

    // Titled by its first message first, then renamed.
    let other = app.ok("create_session", json!({}));
    let other_id = other["id"].as_str().unwrap();
    seed_user_message(&app, other_id, "How do lifetimes work?");
    let renamed = app.ok(
        "update_session",
        json!({ "sessionId": other_id, "patch": { "title": "Rust notes" } }),
    );
    assert_eq!(renamed["title"], "Rust notes");
    assert_eq!(
        app.ok("get_session", json!({ "sessionId": other_id })),
        renamed
    );
}

#[test]
fn update_session_pins_sets_and_clears_the_system_prompt() {
    let app = TestApp::start();
    let id = app.ok("create_session", json!({}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let updated = app.ok(
        "update_session",
        json!({ "sessionId": id, "patch": { "pinned": true, "systemPrompt": "Answer in French." } }),
    );
    assert_eq!(updated["pinned"], true);
    assert_eq!(updated["systemPrompt"], "Answer in French.");
    assert_eq!(updated["title"], Value::Null);

    // Absent: kept. null: cleared. Blank: cleared too.
    let kept = app.ok(
        "update_session",
        json!({ "sessionId": id, "patch": { "pinned": false } }),
    );
    assert_eq!(kept["systemPrompt"], "Answer in French.");
    assert_eq!(kept["pinned"], false);
    let cleared = app.ok(
        "update_session",
        json!({ "sessionId": id, "patch": { "systemPrompt": null } }),
    );
    assert_eq!(cleared["systemPrompt"], Value::Null);
    app.ok(
        "update_session",
        json!({ "sessionId": id, "patch": { "systemPrompt": "Be brief." } }),
    );
    let blank = app.ok(
        "update_session",
        json!({ "sessionId": id, "patch": { "systemPrompt": "   " } }),
    );
    assert_eq!(blank["systemPrompt"], Value::Null);
    assert_eq!(app.ok("list_sessions", json!({}))[0], blank);
}

#[test]
fn update_session_changes_the_model_qualified_like_create_session() {
    let app = TestApp::start();
    let double = tauri::async_runtime::block_on(provider_double::ProviderDouble::start());
    app.use_double_as_only_provider(&double);
    let id = app.ok("create_session", json!({}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let updated = app.ok(
        "update_session",
        json!({ "sessionId": id, "patch": { "model": "claude-haiku-4-5" } }),
    );
    assert_eq!(updated["model"], "anthropic/claude-haiku-4-5");
    let explicit = app.ok(
        "update_session",
        json!({ "sessionId": id, "patch": { "model": "openai/gpt-4o" } }),
    );
    assert_eq!(explicit["model"], "openai/gpt-4o", "a qualified id is kept");
}

#[test]
fn a_chats_system_prompt_reaches_the_provider() {
    let app = TestApp::start();
    let double = tauri::async_runtime::block_on(provider_double::ProviderDouble::start());
    app.use_double_as_only_provider(&double);
    let id = app.ok("create_session", json!({}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.ok(
        "update_session",
        json!({ "sessionId": id, "patch": { "systemPrompt": "Answer like a pirate." } }),
    );
    app.ok("send_message", json!({ "sessionId": id, "content": "hi" }));
    let requests = double.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].body["system"], "Answer like a pirate.");
}

#[test]
fn update_session_refuses_bad_patches_and_changes_nothing() {
    let app = TestApp::start();
    let session = app.ok("create_session", json!({}));
    let id = session["id"].as_str().unwrap();
    let cases = [
        (json!({}), "patch"),
        (json!({ "title": null }), "patch"),
        (json!({ "title": "" }), "title"),
        (json!({ "title": "   " }), "title"),
        (json!({ "title": "two\nlines" }), "title"),
        (json!({ "title": "x".repeat(201) }), "title"),
        // A valid field does not carry a bad one through.
        (json!({ "pinned": true, "title": "" }), "title"),
        (json!({ "pinned": true, "model": "has spaces" }), "model"),
        (json!({ "model": "" }), "model"),
        (
            json!({ "pinned": true, "systemPrompt": "x".repeat(64 * 1024 + 1) }),
            "systemPrompt",
        ),
        // Unknown fields and wrong types are refused as the patch argument.
        (json!({ "titel": "typo" }), "patch"),
        (json!({ "pinned": "yes" }), "patch"),
    ];
    for (patch, field) in cases {
        let err = app.err(
            "update_session",
            json!({ "sessionId": id, "patch": patch.clone() }),
        );
        assert_eq!(err["kind"], "invalidArgument", "{patch}: {err}");
        assert_eq!(err["field"], field, "{patch}: {err}");
    }
    assert_eq!(app.ok("get_session", json!({ "sessionId": id })), session);

    let err = app.err(
        "update_session",
        json!({ "sessionId": UNKNOWN, "patch": { "title": "Ghost" } }),
    );
    assert_eq!(err["kind"], "sessionNotFound");
    assert_eq!(err["sessionId"], UNKNOWN);
    assert_eq!(app.ok("list_sessions", json!({})), json!([session]));
}

/// Every session through `list_sessions_page`, following `nextCursor`.
fn walk_pages(app: &TestApp, limit: u32, pinned_first: bool) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let page = app.ok(
            "list_sessions_page",
            json!({ "cursor": cursor, "limit": limit, "pinnedFirst": pinned_first }),
        );
        let sessions = page["sessions"].as_array().unwrap();
        assert!(sessions.len() <= limit as usize);
        seen.extend(sessions.iter().cloned());
        cursor = page["nextCursor"].clone();
        if cursor.is_null() {
            return seen;
        }
        assert_eq!(sessions.len(), limit as usize, "only full pages go on");
    }
}

#[test]
fn pages_walk_every_session_once_with_pinned_first() {
    let app = TestApp::start();
    let mut ids = Vec::new();
    for i in 0..23 {
        let id = app.ok("create_session", json!({}))["id"]
            .as_str()
            .unwrap()
            .to_string();
        if i % 5 == 0 {
            app.ok(
                "update_session",
                json!({ "sessionId": id, "patch": { "pinned": true } }),
            );
        }
        ids.push(id);
    }
    // Activity reorders: the oldest chat gets a message and goes up.
    seed_user_message(&app, &ids[1], "back to this one");

    let everything = app.ok("list_sessions", json!({}));
    let everything = everything.as_array().unwrap();
    assert_eq!(everything.len(), 23);
    for limit in [1, 4, 23, 50] {
        let recent = walk_pages(&app, limit, false);
        assert_eq!(&recent, everything, "limit {limit}: list_sessions' order");

        let pinned = walk_pages(&app, limit, true);
        let mut expected: Vec<Value> = everything.clone();
        expected.sort_by_key(|s| s["pinned"] != true);
        assert_eq!(pinned, expected, "limit {limit}: pinned first");
        let unique: std::collections::HashSet<&str> =
            pinned.iter().map(|s| s["id"].as_str().unwrap()).collect();
        assert_eq!(unique.len(), 23, "no duplicates, none missed");
        assert_eq!(pinned.iter().filter(|s| s["pinned"] == true).count(), 5);
    }
    // Defaults: 50 a page, recent order.
    let page = app.ok("list_sessions_page", json!({}));
    assert_eq!(page["sessions"].as_array().unwrap(), everything);
    assert_eq!(page["nextCursor"], Value::Null);
}

#[test]
fn bad_cursors_and_limits_are_typed() {
    let app = TestApp::start();
    for _ in 0..3 {
        app.ok("create_session", json!({}));
    }
    let page = app.ok(
        "list_sessions_page",
        json!({ "limit": 1, "pinnedFirst": false }),
    );
    let cursor = page["nextCursor"].clone();
    assert!(cursor.is_string());
    for bad in [
        json!("garbage"),
        json!(""),
        json!("recent:0:12:sess_nope"),
        json!(42),
    ] {
        let err = app.err("list_sessions_page", json!({ "cursor": bad }));
        assert_eq!(err["kind"], "invalidArgument", "{bad}: {err}");
        assert_eq!(err["field"], "cursor", "{bad}: {err}");
    }
    // A cursor made for the other order.
    let err = app.err(
        "list_sessions_page",
        json!({ "cursor": cursor, "pinnedFirst": true }),
    );
    assert_eq!(err["field"], "cursor", "{err}");
    for limit in [json!(0), json!(501), json!(-1)] {
        let err = app.err("list_sessions_page", json!({ "limit": limit }));
        assert_eq!(err["kind"], "invalidArgument", "{limit}: {err}");
        assert_eq!(err["field"], "limit", "{limit}: {err}");
    }
}
