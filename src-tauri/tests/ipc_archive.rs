//! Export and import through the real IPC layer: files written and read at
//! the paths the window passes, the `import-progress` event, typed
//! `archive` errors, and nothing imported when a file is bad.

mod common;

use clawdesk_lib::events::ImportProgress;
use common::{record_event, EventLog, TestApp};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/clawdesk-core/tests/fixtures")
}

/// The app on a copy of the schema-v3 fixture's chats.
fn app_with_chats() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in [("v3/clawdesk.db", "data"), ("v3/config.toml", "config")] {
        let from = fixtures().join(from);
        std::fs::create_dir_all(dir.path().join(to)).unwrap();
        std::fs::copy(&from, dir.path().join(to).join(from.file_name().unwrap())).unwrap();
    }
    TestApp::with_paths(dir, |d| clawdesk_lib::paths::AppPaths::in_dir(d))
}

fn file(app: &TestApp, name: &str) -> String {
    app.dir.path().join(name).to_str().unwrap().to_owned()
}

#[test]
fn export_all_then_import_elsewhere_then_export_gives_the_same_file() {
    let source = app_with_chats();
    let first = file(&source, "all.json");
    let result = source.ok("export_all_sessions", json!({ "path": first }));
    assert_eq!(
        result,
        json!({ "sessions": 4, "messages": 137, "bytes": std::fs::metadata(&first).unwrap().len() })
    );

    let target = TestApp::start();
    let log = EventLog::default();
    record_event::<ImportProgress>(&target, "importProgress", &log);
    let imported = target.ok("import_archive", json!({ "path": first }));
    assert_eq!(
        imported,
        json!({ "source": "clawdesk", "sessionsImported": 4, "sessionsSkipped": 0, "messagesImported": 137 })
    );
    let progress: Vec<Value> = log.lock().unwrap().iter().map(|(_, p)| p.clone()).collect();
    assert_eq!(progress.first(), Some(&json!({ "done": 0, "total": 4 })));
    assert_eq!(progress.last(), Some(&json!({ "done": 4, "total": 4 })));

    let second = file(&target, "again.json");
    target.ok("export_all_sessions", json!({ "path": second }));
    assert!(std::fs::read(&first).unwrap() == std::fs::read(&second).unwrap());
    assert_eq!(
        target.ok("list_sessions", json!({})),
        source.ok("list_sessions", json!({}))
    );

    // Twice: nothing new.
    let again = target.ok("import_archive", json!({ "path": first }));
    assert_eq!(again["sessionsImported"], 0);
    assert_eq!(again["sessionsSkipped"], 4);
    assert_eq!(
        target
            .ok("list_sessions", json!({}))
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn one_chat_exports_as_markdown_and_json() {
    let app = app_with_chats();
    let sessions = app.ok("list_sessions", json!({}));
    let chat = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == "Replies that did not complete")
        .unwrap();
    let md = file(&app, "chat.md");
    let result = app.ok(
        "export_session",
        json!({ "sessionId": chat["id"], "path": md, "format": "markdown" }),
    );
    assert_eq!(result["messages"], 6);
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.starts_with("# Replies that did not complete\n"));
    assert!(
        text.contains("cancelled (cancelled: stopped by the user)"),
        "{text}"
    );
    assert!(text.contains("failed (auth: anthropic: the API key was rejected)"));

    let json_path = file(&app, "chat.json");
    app.ok(
        "export_session",
        json!({ "sessionId": chat["id"], "path": json_path, "format": "json" }),
    );
    let archive: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_eq!(archive["format"], "clawdesk-archive");
    assert_eq!(archive["sessions"][0]["session"], *chat);
    assert_eq!(
        archive["sessions"][0]["messages"],
        app.ok("get_messages", json!({ "sessionId": chat["id"] }))
    );
}

#[test]
fn chatgpt_conversations_import_through_ipc() {
    let app = TestApp::start();
    let path = fixtures().join("chatgpt/conversations.json");
    let result = app.ok("import_archive", json!({ "path": path }));
    assert_eq!(
        result,
        json!({ "source": "chatgpt", "sessionsImported": 2, "sessionsSkipped": 0, "messagesImported": 6 })
    );
    let titles: Vec<Value> = app
        .ok("list_sessions", json!({}))
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].clone())
        .collect();
    assert!(titles.contains(&json!("Sourdough starter help")));
}

#[test]
fn a_bad_file_is_a_typed_archive_error_and_imports_nothing() {
    let source = app_with_chats();
    let good = file(&source, "all.json");
    source.ok("export_all_sessions", json!({ "path": good }));
    let bytes = std::fs::read(&good).unwrap();

    let app = TestApp::start();
    let truncated = file(&app, "truncated.json");
    std::fs::write(&truncated, &bytes[..bytes.len() - 100]).unwrap();
    let err = app.err("import_archive", json!({ "path": truncated }));
    assert_eq!(err["kind"], "archive");
    assert_eq!(err["path"], "");
    assert!(
        err["reason"].as_str().unwrap().contains("truncated"),
        "{err}"
    );

    let mut json: Value = serde_json::from_slice(&bytes).unwrap();
    json["sessions"][2]["messages"][4]["status"] = "exploded".into();
    let malformed = file(&app, "malformed.json");
    std::fs::write(&malformed, json.to_string()).unwrap();
    let err = app.err("import_archive", json!({ "path": malformed }));
    assert_eq!(err["kind"], "archive");
    assert_eq!(err["path"], "sessions[2].messages[4].status");
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("sessions[2].messages[4].status"));
    assert_eq!(app.ok("list_sessions", json!({})), json!([]));

    let err = app.err("import_archive", json!({ "path": "relative.json" }));
    assert_eq!(err["kind"], "invalidArgument");
    assert_eq!(err["field"], "path");
}
