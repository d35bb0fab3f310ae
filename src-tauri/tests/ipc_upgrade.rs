//! The database an older version wrote (the committed schema-v3 fixture,
//! `crates/clawdesk-core/tests/fixtures/v3/`) opens in the upgraded app and
//! reads through the IPC commands exactly as it was stored; a migration
//! that fails is reported by every command and by `get_health`.

mod common;

use common::TestApp;
use serde_json::{json, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::Row;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/clawdesk-core/tests/fixtures/v3")
        .join(name)
}

/// The app on a copy of the fixture's database and config.
fn app_on_fixture() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in [("clawdesk.db", "data"), ("config.toml", "config")] {
        std::fs::create_dir_all(dir.path().join(to)).unwrap();
        std::fs::copy(fixture(from), dir.path().join(to).join(from)).unwrap();
    }
    TestApp::with_paths(dir, |d| clawdesk_lib::paths::AppPaths::in_dir(d))
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The fixture's rows, read with SQL alone, as the IPC layer must show them.
async fn stored() -> (Vec<Value>, Vec<Value>) {
    // A copy: opening the committed file would leave -wal/-shm files by it.
    let copy = tempfile::tempdir().unwrap();
    let db = copy.path().join("clawdesk.db");
    std::fs::copy(fixture("clawdesk.db"), &db).unwrap();
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(&db))
        .await
        .unwrap();
    let sessions = sqlx::query(
        "SELECT id, channel_id, model, title, created_at, last_active, message_count FROM sessions",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        json!({
            "id": r.get::<String, _>(0),
            "channelId": r.get::<String, _>(1),
            "model": r.get::<Option<String>, _>(2),
            "title": r.get::<Option<String>, _>(3),
            "createdAt": rfc3339(r.get(4)),
            "lastActive": rfc3339(r.get(5)),
            "messageCount": r.get::<i64, _>(6),
        })
    })
    .collect();
    let messages = sqlx::query(
        "SELECT id, session_id, role, content, model, input_tokens, output_tokens, status,
                created_at, tokens, compacted, summary, failure_code, failure_message
         FROM messages ORDER BY session_id, seq",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        let mut m = json!({
            "id": r.get::<String, _>(0),
            "sessionId": r.get::<String, _>(1),
            "role": r.get::<String, _>(2),
            "content": r.get::<String, _>(3),
            "model": r.get::<Option<String>, _>(4),
            "usage": null,
            "status": r.get::<String, _>(7),
            "timestamp": rfc3339(r.get(8)),
            "tokens": r.get::<i64, _>(9),
        });
        if let (Some(i), Some(o)) = (r.get::<Option<i64>, _>(5), r.get::<Option<i64>, _>(6)) {
            m["usage"] = json!({ "inputTokens": i, "outputTokens": o });
        }
        if r.get::<i64, _>(10) != 0 {
            m["compacted"] = json!(true);
        }
        if r.get::<i64, _>(11) != 0 {
            m["summary"] = json!(true);
        }
        if let Some(code) = r.get::<Option<String>, _>(12) {
            m["failure"] = json!({ "code": code, "message": r.get::<Option<String>, _>(13) });
        }
        m
    })
    .collect();
    pool.close().await;
    (sessions, messages)
}

/// `value` restricted to the keys `expected` has (fields added by later
/// versions may be there too).
fn only_keys_of(expected: &Value, value: &Value) -> Value {
    let object = value.as_object().unwrap();
    expected
        .as_object()
        .unwrap()
        .keys()
        .map(|k| (k.clone(), object.get(k).cloned().unwrap_or(Value::Null)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

#[test]
fn the_v3_database_reads_through_the_ipc_commands_as_stored() {
    let app = app_on_fixture();
    let (sessions, messages) = tauri::async_runtime::block_on(stored());

    let listed = app.ok("list_sessions", json!({}));
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), sessions.len());
    for expected in &sessions {
        let got = listed
            .iter()
            .find(|s| s["id"] == expected["id"])
            .unwrap_or_else(|| panic!("session {} listed", expected["id"]));
        assert_eq!(&only_keys_of(expected, got), expected);
        let one = app.ok("get_session", json!({ "sessionId": expected["id"] }));
        assert_eq!(&only_keys_of(expected, &one), expected);

        let got = app.ok("get_messages", json!({ "sessionId": expected["id"] }));
        let want: Vec<&Value> = messages
            .iter()
            .filter(|m| m["sessionId"] == expected["id"])
            .collect();
        let got = got.as_array().unwrap();
        assert_eq!(got.len(), want.len(), "messages of {}", expected["id"]);
        for (g, w) in got.iter().zip(want) {
            assert_eq!(&only_keys_of(w, g), w);
        }
    }
    assert_eq!(messages.len(), 120 + 11 + 6);

    // The config written then (no secrets) is the config read now.
    let config = app.ok("get_config", json!({}));
    assert_eq!(config["defaults"]["model"], "anthropic/claude-sonnet-4-5");
    assert_eq!(config["network"]["maxRetries"], 2);
    assert_eq!(config["providers"]["anthropic"]["apiKeySet"], false);

    let health = app.ok("get_health", json!({}));
    assert_eq!(health["checks"][0]["name"], "store");
    assert_eq!(health["checks"][0]["status"], "healthy");
}

/// A schema-v2 database whose `messages` already has the column migration
/// 0003 adds, so the real 0003 fails on it.
async fn v2_database_0003_cannot_upgrade(db: &Path) {
    let migrations = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/clawdesk-core/migrations");
    for name in ["0001_init.sql", "0002_compaction.sql"] {
        std::fs::copy(source.join(name), migrations.path().join(name)).unwrap();
    }
    let v2 = sqlx::migrate::Migrator::new(migrations.path())
        .await
        .unwrap();
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let store = clawdesk_core::store::SqliteStore::open_with_migrator(db, &v2)
        .await
        .unwrap();
    sqlx::raw_sql(
        "INSERT INTO sessions (id, channel_id, model, title, created_at, last_active, message_count)
         VALUES ('sess_01JD0000000000000000000000', 'desktop', NULL, 'Kept', 1000, 1000, 0);
         ALTER TABLE messages ADD COLUMN failure_code TEXT;
         PRAGMA wal_checkpoint(TRUNCATE);",
    )
    .execute(store.pool())
    .await
    .unwrap();
    store.close().await;
}

#[test]
fn a_failed_migration_is_reported_by_commands_and_health_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/clawdesk.db");
    tauri::async_runtime::block_on(v2_database_0003_cannot_upgrade(&db));
    let original = std::fs::read(&db).unwrap();
    let app = TestApp::with_paths(dir, |d| clawdesk_lib::paths::AppPaths::in_dir(d));

    let backups = clawdesk_core::store::list_backups(&db);
    assert_eq!(backups.len(), 1, "backed up before the attempt");
    let backup = backups[0].display().to_string();
    let err = app.err("list_sessions", json!({}));
    assert_eq!(err["kind"], "storage");
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains("migration 3 (message failure) failed"),
        "{message}"
    );
    assert!(message.contains(&backup), "{message}");

    let health = app.ok("get_health", json!({}));
    assert_eq!(health["status"], "unhealthy");
    assert_eq!(health["checks"][0]["name"], "store");
    assert_eq!(health["checks"][0]["status"], "unhealthy");
    assert_eq!(health["checks"][0]["detail"], message);
    assert!(std::fs::read(&db).unwrap() == original, "byte for byte");
}
