//! Export and import through the core API: export → import → export gives
//! identical bytes; ChatGPT's export imports each conversation's active
//! branch; a malformed or truncated file imports nothing; importing twice
//! adds nothing the second time.

use clawdesk_core::api::ClawDesk;
use clawdesk_core::archive::{ExportFormat, ImportProgress, ImportSource, ARCHIVE_VERSION};
use clawdesk_core::pipeline::{StreamEvent, StreamSink};
use clawdesk_core::types::{MessageStatus, Role};
use clawdesk_core::AppError;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use support::stores::{Backend, TestStore};

mod support;

on_every_store!(
    export_import_export_gives_identical_files,
    one_chat_exports_as_json_that_round_trips_and_as_markdown,
    chatgpt_export_imports_each_conversations_active_branch,
    importing_our_archive_twice_does_not_duplicate_chats,
    a_truncated_or_malformed_file_imports_nothing_and_says_where,
    import_reports_progress_up_to_the_total,
    paths_must_be_absolute_and_readable,
    a_branched_chat_exports_the_path_it_shows,
);

struct NoSink;
impl StreamSink for NoSink {
    fn emit(&self, _: StreamEvent) {}
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// An app on its own directory, with the v3 fixture's chats or none, its
/// sessions in the store of `backend`: SQLite in the directory, or a fresh
/// PostgreSQL database chosen through `storage.databaseUrl` (the fixture's
/// chats then come in through an export and import).
async fn app(dir: &Path, with_fixture_chats: bool, backend: Backend) -> App {
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::copy(
        fixtures().join("v3/config.toml"),
        dir.join("config/config.toml"),
    )
    .unwrap();
    let database = match backend {
        Backend::Sqlite => {
            if with_fixture_chats {
                std::fs::copy(fixtures().join("v3/clawdesk.db"), dir.join("clawdesk.db")).unwrap();
            }
            None
        }
        Backend::Postgres => {
            let database = backend.open().await;
            clawdesk_core::config::ConfigManager::load(&dir.join("config"))
                .update(
                    "storage.databaseUrl",
                    serde_json::json!(database.database_url().unwrap()),
                )
                .unwrap();
            Some(database)
        }
    };
    let db = dir.join("clawdesk.db");
    let desk = ClawDesk::initialize(&dir.join("config"), |_| db, Arc::new(NoSink)).await;
    if backend == Backend::Postgres && with_fixture_chats {
        let file = path(dir, "fixture.json");
        std::fs::write(&file, exported_fixture().await).unwrap();
        desk.import_archive(file, ignore).await.unwrap();
    }
    App {
        desk,
        _database: database,
    }
}

/// The app, and the PostgreSQL test database it uses (dropped with it).
struct App {
    desk: ClawDesk,
    _database: Option<TestStore>,
}

impl std::ops::Deref for App {
    type Target = ClawDesk;
    fn deref(&self) -> &ClawDesk {
        &self.desk
    }
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_owned()
}

fn ignore(_: ImportProgress) {}

async fn export_import_export_gives_identical_files(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let source = app(&dir.path().join("a"), true, backend).await;
    let first = path(dir.path(), "first.json");
    let exported = source.export_all_sessions(first.clone()).await.unwrap();
    assert_eq!(exported.sessions, 4);
    assert_eq!(exported.messages, 137);

    let target = app(&dir.path().join("b"), false, backend).await;
    let imported = target.import_archive(first.clone(), ignore).await.unwrap();
    assert_eq!(imported.source, ImportSource::Clawdesk);
    assert_eq!(imported.sessions_imported, 4);
    assert_eq!(imported.messages_imported, 137);
    let second = path(dir.path(), "second.json");
    target.export_all_sessions(second.clone()).await.unwrap();
    let (a, b) = (
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap(),
    );
    assert!(a == b, "identical bytes");

    // Every field is there: a compaction's flags, failures, usage, models.
    let json: Value = serde_json::from_slice(&a).unwrap();
    assert_eq!(json["format"], "clawdesk-archive");
    assert_eq!(json["version"], ARCHIVE_VERSION);
    let messages: Vec<&Value> = json["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["messages"].as_array().unwrap())
        .collect();
    assert_eq!(messages.iter().filter(|m| m["summary"] == true).count(), 1);
    assert_eq!(
        messages.iter().filter(|m| m["compacted"] == true).count(),
        6
    );
    assert!(messages
        .iter()
        .any(|m| m["failure"]["code"] == "cancelled" && m["status"] == "cancelled"));
    assert!(messages
        .iter()
        .any(|m| m["usage"]["outputTokens"].is_number()));

    // And the store reads them as the source does.
    for session in source.list_sessions().await.unwrap() {
        assert_eq!(target.get_session(&session.id).await.unwrap(), session);
        assert_eq!(
            target.get_messages(&session.id, None).await.unwrap(),
            source.get_messages(&session.id, None).await.unwrap()
        );
    }
}

async fn one_chat_exports_as_json_that_round_trips_and_as_markdown(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let source = app(&dir.path().join("a"), true, backend).await;
    let chat = source
        .list_sessions()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.title.as_deref() == Some("Trip planning, compacted"))
        .unwrap();
    let json = path(dir.path(), "trip.json");
    let result = source
        .export_session(&chat.id, json.clone(), ExportFormat::Json)
        .await
        .unwrap();
    assert_eq!((result.sessions, result.messages), (1, 11));
    let target = app(&dir.path().join("b"), false, backend).await;
    target.import_archive(json.clone(), ignore).await.unwrap();
    let again = path(dir.path(), "again.json");
    target
        .export_session(&chat.id, again.clone(), ExportFormat::Json)
        .await
        .unwrap();
    assert!(std::fs::read(&json).unwrap() == std::fs::read(&again).unwrap());

    let md = path(dir.path(), "trip.md");
    source
        .export_session(&chat.id, md.clone(), ExportFormat::Markdown)
        .await
        .unwrap();
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.starts_with("# Trip planning, compacted\n"));
    assert!(text.contains("## Summary of earlier messages · `openai/gpt-4o`"));
    assert_eq!(text.matches(" · compacted\n").count(), 6);
}

async fn chatgpt_export_imports_each_conversations_active_branch(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let desk = app(dir.path(), false, backend).await;
    let file = fixtures().join("chatgpt/conversations.json");
    let result = desk
        .import_archive(file.to_str().unwrap().to_owned(), ignore)
        .await
        .unwrap();
    assert_eq!(result.source, ImportSource::Chatgpt);
    assert_eq!(result.sessions_imported, 2);
    assert_eq!(result.messages_imported, 6);

    let sessions = desk.list_sessions().await.unwrap();
    let sourdough = sessions
        .iter()
        .find(|s| s.title.as_deref() == Some("Sourdough starter help"))
        .unwrap();
    assert_eq!(sourdough.created_at, "2024-11-30T10:00:00.123Z");
    assert_eq!(sourdough.last_active, "2024-11-30T10:10:00.500Z");
    assert_eq!(sourdough.model.as_deref(), Some("openai/gpt-4o"));
    let messages = desk.get_messages(&sourdough.id, None).await.unwrap();
    let seen: Vec<(Role, &str, Option<&str>)> = messages
        .iter()
        .map(|m| (m.role, m.content.as_str(), m.model.as_deref()))
        .collect();
    // The regenerated answer and the edited question (the branch that
    // leads to current_node); not the hidden system prompt, not the tool.
    assert_eq!(
        seen,
        [
            (
                Role::User,
                "My starter smells like nail polish. Is it dead?",
                None
            ),
            (
                Role::Assistant,
                "No: acetone smell means it is **hungry**. Feed it 1:1:1 twice a day.",
                Some("openai/gpt-4o")
            ),
            (Role::User, "How warm should it be? Here is a photo.", None),
            (
                Role::Assistant,
                "24–26 °C is ideal.\nKeep it away from the oven.",
                Some("openai/gpt-4o")
            ),
        ]
    );
    assert_eq!(messages[1].timestamp, "2024-11-30T10:00:30.750Z");
    assert!(messages.iter().all(|m| m.status == MessageStatus::Complete));

    // No title: the first question names it, as for a chat made here.
    let untitled = sessions.iter().find(|s| s.id != sourdough.id).unwrap();
    assert_eq!(
        untitled.title.as_deref(),
        Some("Translate 'good morning' into Japanese")
    );
    let messages = desk.get_messages(&untitled.id, None).await.unwrap();
    assert_eq!(messages[1].content, "```\nおはようございます\n```");
    assert_eq!(messages[1].model.as_deref(), Some("openai/gpt-4o-mini"));

    // The same export again adds nothing.
    let again = desk
        .import_archive(file.to_str().unwrap().to_owned(), ignore)
        .await
        .unwrap();
    assert_eq!(
        (
            again.sessions_imported,
            again.sessions_skipped,
            again.messages_imported
        ),
        (0, 2, 0)
    );
    assert_eq!(desk.list_sessions().await.unwrap().len(), 2);
}

async fn importing_our_archive_twice_does_not_duplicate_chats(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let source = app(&dir.path().join("a"), true, backend).await;
    let file = path(dir.path(), "all.json");
    source.export_all_sessions(file.clone()).await.unwrap();
    // Into the app that has them already: all skipped.
    let result = source.import_archive(file.clone(), ignore).await.unwrap();
    assert_eq!((result.sessions_imported, result.sessions_skipped), (0, 4));
    assert_eq!(source.list_sessions().await.unwrap().len(), 4);
    // After deleting one, only that one comes back.
    let gone = source.list_sessions().await.unwrap()[0].clone();
    source.delete_session(&gone.id).await.unwrap();
    let result = source.import_archive(file, ignore).await.unwrap();
    assert_eq!((result.sessions_imported, result.sessions_skipped), (1, 3));
    assert_eq!(source.get_session(&gone.id).await.unwrap(), gone);
}

/// Imports `bytes` into an empty app and returns the error; asserts that
/// nothing was imported.
async fn refused(backend: Backend, bytes: &[u8]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let desk = app(dir.path(), false, backend).await;
    let file = path(dir.path(), "bad.json");
    std::fs::write(&file, bytes).unwrap();
    let err = desk.import_archive(file, ignore).await.unwrap_err();
    assert!(
        desk.list_sessions().await.unwrap().is_empty(),
        "nothing imported"
    );
    match err {
        AppError::Archive { path, reason, .. } => (path, reason),
        other => panic!("an archive error: {other:?}"),
    }
}

/// The v3 fixture's chats as an archive (exported from SQLite, where the
/// fixture database is).
async fn exported_fixture() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::copy(
        fixtures().join("v3/config.toml"),
        config.join("config.toml"),
    )
    .unwrap();
    let db = dir.path().join("clawdesk.db");
    std::fs::copy(fixtures().join("v3/clawdesk.db"), &db).unwrap();
    let desk = ClawDesk::initialize(&config, |_| db, Arc::new(NoSink)).await;
    let file = path(dir.path(), "all.json");
    desk.export_all_sessions(file.clone()).await.unwrap();
    std::fs::read(file).unwrap()
}

async fn a_truncated_or_malformed_file_imports_nothing_and_says_where(backend: Backend) {
    let good = exported_fixture().await;

    let (path, reason) = refused(backend, &good[..good.len() / 2]).await;
    assert_eq!(path, "");
    assert!(reason.contains("truncated"), "{reason}");

    let (path, reason) = refused(backend, b"<html>not json</html>").await;
    assert_eq!(path, "");
    assert!(reason.contains("not valid JSON"), "{reason}");

    let mut json: Value = serde_json::from_slice(&good).unwrap();
    // The last chat is bad: the first three must not be imported either.
    json["sessions"][3]["messages"][0]["role"] = "robot".into();
    let (path, reason) = refused(backend, json.to_string().as_bytes()).await;
    assert_eq!(path, "sessions[3].messages[0].role");
    assert!(reason.contains("robot"), "{reason}");

    let mut json: Value = serde_json::from_slice(&good).unwrap();
    json["sessions"][1]["messages"][2]["id"] = "msg_nope".into();
    let (path, _) = refused(backend, json.to_string().as_bytes()).await;
    assert_eq!(path, "sessions[1].messages[2].id");

    let mut json: Value = serde_json::from_slice(&good).unwrap();
    json["sessions"][2]["session"]["messageCount"] = 99.into();
    let (path, reason) = refused(backend, json.to_string().as_bytes()).await;
    assert_eq!(path, "sessions[2].session.messageCount");
    assert!(reason.contains("99"), "{reason}");

    let mut json: Value = serde_json::from_slice(&good).unwrap();
    json["version"] = 2.into();
    let (path, reason) = refused(backend, json.to_string().as_bytes()).await;
    assert_eq!(path, "version");
    assert!(reason.contains("newer"), "{reason}");

    let mut json: Value = serde_json::from_slice(&good).unwrap();
    json["sessions"][3]["messages"][1]["timestamp"] = "yesterday".into();
    let (path, _) = refused(backend, json.to_string().as_bytes()).await;
    assert_eq!(path, "sessions[3].messages[1].timestamp");

    let chatgpt = std::fs::read(fixtures().join("chatgpt/conversations.json")).unwrap();
    let mut json: Value = serde_json::from_slice(&chatgpt).unwrap();
    json[1]["current_node"] = "missing".into();
    let (path, reason) = refused(backend, json.to_string().as_bytes()).await;
    assert_eq!(path, "[1].current_node");
    assert!(reason.contains("missing"), "{reason}");
    let mut json: Value = serde_json::from_slice(&chatgpt).unwrap();
    json[0]["mapping"]["u-1"]["message"]["author"] = Value::Null;
    let (path, _) = refused(backend, json.to_string().as_bytes()).await;
    assert_eq!(path, "[0].mapping.u-1.message.author");
}

async fn import_reports_progress_up_to_the_total(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let desk = app(dir.path(), false, backend).await;
    let file = path(dir.path(), "all.json");
    std::fs::write(&file, exported_fixture().await).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    desk.import_archive(file, move |p| log.lock().unwrap().push(p))
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.first(), Some(&ImportProgress { done: 0, total: 4 }));
    assert_eq!(seen.last(), Some(&ImportProgress { done: 4, total: 4 }));
    assert!(seen.windows(2).all(|w| w[0].done < w[1].done));
}

async fn paths_must_be_absolute_and_readable(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let desk = app(dir.path(), true, backend).await;
    for bad in ["", "relative/file.json"] {
        let err = desk.export_all_sessions(bad.into()).await.unwrap_err();
        assert!(
            matches!(&err, AppError::InvalidArgument { field, .. } if field == "path"),
            "{err:?}"
        );
    }
    let missing = path(dir.path(), "missing.json");
    let err = desk.import_archive(missing, ignore).await.unwrap_err();
    assert!(
        matches!(&err, AppError::InvalidArgument { field, .. } if field == "path"),
        "{err:?}"
    );
    let into_missing_dir = path(dir.path(), "no/such/dir/out.json");
    let err = desk
        .export_all_sessions(into_missing_dir)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::InvalidArgument { field, .. } if field == "path"),
        "{err:?}"
    );
}

async fn a_branched_chat_exports_the_path_it_shows(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let source = app(&dir.path().join("a"), true, backend).await;
    let chat = source
        .list_sessions()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.message_count == 120)
        .unwrap();
    let before = source.get_messages(&chat.id, None).await.unwrap();
    source
        .session_store
        .append_version(
            &before[100].id,
            clawdesk_core::store::NewMessage {
                session_id: chat.id.clone(),
                role: before[100].role,
                content: "An edited question, on its own path".into(),
                model: None,
                usage: None,
                status: clawdesk_core::types::MessageStatus::Complete,
                tokens: None,
            },
        )
        .await
        .unwrap();
    let shown = source.get_messages(&chat.id, None).await.unwrap();
    assert_eq!(shown.len(), 101);
    assert_eq!(
        source.get_session(&chat.id).await.unwrap().message_count,
        101
    );

    let json = path(dir.path(), "branched.json");
    let result = source
        .export_session(&chat.id, json.clone(), ExportFormat::Json)
        .await
        .unwrap();
    assert_eq!(result.messages, 101);
    let target = app(&dir.path().join("b"), false, backend).await;
    let imported = target.import_archive(json, ignore).await.unwrap();
    assert_eq!(imported.messages_imported, 101);
    let restored = target.get_messages(&chat.id, None).await.unwrap();
    let without_versions: Vec<_> = shown
        .into_iter()
        .map(|m| clawdesk_core::types::Message {
            versions: None,
            ..m
        })
        .collect();
    assert_eq!(restored, without_versions, "the path, as it was shown");

    let md = path(dir.path(), "branched.md");
    source
        .export_session(&chat.id, md.clone(), ExportFormat::Markdown)
        .await
        .unwrap();
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("An edited question, on its own path"));
    assert!(
        !text.contains(&before[100].content),
        "the other version is not exported"
    );
}
