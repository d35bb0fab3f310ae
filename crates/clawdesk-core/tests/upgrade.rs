//! Upgrading a database never loses data: the committed schema-v3 database
//! (`tests/fixtures/v3/`) keeps every row and field through the current
//! migrations; pending migrations are preceded by a backup; a migration that
//! fails leaves the file byte for byte as it was, and the app says so.
//!
//! The fixture was written by `regenerate_v3_fixture` below (the real store
//! code at schema v3); see `tests/fixtures/v3/README.md`.

use clawdesk_core::api::ClawDesk;
use clawdesk_core::config::ConfigManager;
use clawdesk_core::pipeline::{StreamEvent, StreamSink};
use clawdesk_core::store::{
    list_backups, migrator, NewMessage, NewSession, NewSummary, SessionStore, SqliteStore,
    BACKUPS_KEPT,
};
use clawdesk_core::types::{HealthLevel, MessageFailure, MessageStatus, Role, Usage};
use clawdesk_core::{AppError, FailureCode};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Column, Row, TypeInfo, ValueRef};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The schema version the fixture was written at.
const FIXTURE_VERSION: i64 = 3;
/// The tables that schema had, whose rows must all survive.
const V3_TABLES: &[&str] = &["sessions", "messages", "_sqlx_migrations"];

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v3")
}

/// A copy of the fixture (database and config) in a fresh directory.
fn copy_fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture_dir().join("clawdesk.db"),
        dir.path().join("clawdesk.db"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::copy(
        fixture_dir().join("config.toml"),
        dir.path().join("config/config.toml"),
    )
    .unwrap();
    let db = dir.path().join("clawdesk.db");
    (dir, db)
}

/// One SQLite value, compared exactly (text as text, integers as integers).
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// Every row of `table`, in rowid order, restricted to `columns` (the
/// columns the fixture's schema had), read without any store code.
async fn rows(db: &Path, table: &str, columns: &[String]) -> Vec<Vec<(String, Cell)>> {
    let pool = read_only(db).await;
    let list = columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = sqlx::query(&format!("SELECT {list} FROM \"{table}\" ORDER BY rowid"))
        .fetch_all(&pool)
        .await
        .unwrap();
    let out = rows
        .iter()
        .map(|row| {
            row.columns()
                .iter()
                .map(|col| {
                    let i = col.ordinal();
                    let raw = row.try_get_raw(i).unwrap();
                    let cell = if raw.is_null() {
                        Cell::Null
                    } else {
                        match raw.type_info().name() {
                            "INTEGER" => Cell::Integer(row.get(i)),
                            "REAL" => Cell::Real(row.get(i)),
                            "TEXT" => Cell::Text(row.get(i)),
                            _ => Cell::Blob(row.get(i)),
                        }
                    };
                    (col.name().to_owned(), cell)
                })
                .collect()
        })
        .collect();
    pool.close().await;
    out
}

async fn columns_of(db: &Path, table: &str) -> Vec<String> {
    let pool = read_only(db).await;
    let names: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
    ))
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    names
}

async fn read_only(db: &Path) -> sqlx::SqlitePool {
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(db))
        .await
        .unwrap()
}

/// The versions this build would apply to the fixture.
fn pending_for_fixture() -> Vec<i64> {
    migrator()
        .iter()
        .map(|m| m.version)
        .filter(|v| *v > FIXTURE_VERSION)
        .collect()
}

#[tokio::test]
async fn upgrading_the_v3_fixture_keeps_every_row_and_field() {
    let (_dir, db) = copy_fixture();
    let mut before = Vec::new();
    for table in V3_TABLES {
        let columns = columns_of(&db, table).await;
        assert!(!columns.is_empty(), "fixture has table {table}");
        before.push((table, columns.clone(), rows(&db, table, &columns).await));
    }
    let sessions_before = before[0].2.len();
    let messages_before = before[1].2.len();
    assert!(
        sessions_before >= 4 && messages_before >= 100,
        "a real fixture"
    );

    let store = SqliteStore::open(&db).await.unwrap();
    let report = store.upgrade_report().clone();
    store.close().await;
    drop(store);

    // Nothing of v3 changed: same tables, same columns (new ones may be
    // added), the same rows with the same values in the same order.
    for (table, columns, rows_before) in &before {
        let now = columns_of(&db, table).await;
        for column in columns {
            assert!(now.contains(column), "{table}.{column} survived");
        }
        let rows_after = rows(&db, table, columns).await;
        if **table == "_sqlx_migrations" {
            // The history gains the new versions; the old entries stay.
            assert_eq!(rows_after[..rows_before.len()], rows_before[..]);
            continue;
        }
        assert_eq!(rows_after.len(), rows_before.len(), "rows of {table}");
        for (i, (after, before)) in rows_after.iter().zip(rows_before).enumerate() {
            assert_eq!(after, before, "{table} row {i}");
        }
    }

    let pending = pending_for_fixture();
    assert_eq!(report.applied, pending);
    let backups = list_backups(&db);
    if pending.is_empty() {
        assert!(report.backup.is_none() && backups.is_empty());
    } else {
        // The copy is the fixture as it was, at its version.
        let backup = report.backup.expect("backed up before migrating");
        assert_eq!(backups, std::slice::from_ref(&backup));
        let name = backup.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("clawdesk.db.backup-v3-"), "{name}");
        for (table, columns, rows_before) in &before {
            assert_eq!(&rows(&backup, table, columns).await, rows_before);
        }
    }
}

#[tokio::test]
async fn the_upgraded_fixture_reads_through_the_store_as_written() {
    let (_dir, db) = copy_fixture();
    let store = SqliteStore::open(&db).await.unwrap();
    let sessions = store.list_sessions().await.unwrap();
    assert_eq!(sessions.len(), 4);
    let by_title = |t: &str| {
        sessions
            .iter()
            .find(|s| s.title.as_deref() == Some(t))
            .unwrap_or_else(|| panic!("session {t}"))
            .clone()
    };

    let long = by_title("A long chat about Rust lifetimes");
    let messages = store.get_messages(&long.id, None).await.unwrap();
    assert_eq!(messages.len(), 120);
    assert_eq!(long.message_count, 120);
    assert!(messages.iter().all(|m| m.status == MessageStatus::Complete));
    assert_eq!(
        messages[1].usage,
        Some(Usage {
            input_tokens: 40,
            output_tokens: 21
        })
    );

    let compacted = by_title("Trip planning, compacted");
    let messages = store.get_messages(&compacted.id, None).await.unwrap();
    let summary: Vec<_> = messages.iter().filter(|m| m.summary).collect();
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0].role, Role::System);
    assert!(summary[0]
        .content
        .starts_with("Summary of the earlier conversation"));
    assert_eq!(messages.iter().filter(|m| m.compacted).count(), 6);
    let live = store.get_live_messages(&compacted.id).await.unwrap();
    assert_eq!(live.len(), messages.len() - 6);
    assert!(live[0].summary);

    let failures = by_title("Replies that did not complete");
    let messages = store.get_messages(&failures.id, None).await.unwrap();
    let ended: Vec<_> = messages
        .iter()
        .filter_map(|m| m.failure.as_ref().map(|f| (m.status, f.code)))
        .collect();
    assert_eq!(
        ended,
        [
            (MessageStatus::Failed, FailureCode::Network),
            (MessageStatus::Cancelled, FailureCode::Cancelled),
            (MessageStatus::Failed, FailureCode::Auth),
        ]
    );
    assert_eq!(messages[3].content, "Partial answer befo");

    let empty = sessions.iter().find(|s| s.title.is_none()).unwrap();
    assert_eq!(empty.message_count, 0);
    assert_eq!(empty.model, None);
}

#[tokio::test]
async fn upgraded_linear_chats_become_single_path_trees() {
    let (_dir, db) = copy_fixture();
    let store = SqliteStore::open(&db).await.unwrap();
    for session in store.list_sessions().await.unwrap() {
        let messages = store.get_messages(&session.id, None).await.unwrap();
        assert_eq!(
            messages.len() as u32,
            session.message_count,
            "all on the path"
        );
        // Each message follows the latest non-summary message before it; a
        // summary names the last message it replaced, which is that too.
        let mut previous = None;
        for message in &messages {
            assert_eq!(message.parent_id, previous, "parent of {}", message.id);
            assert!(message.versions.is_none());
            if !message.summary {
                previous = Some(message.id.clone());
            }
        }
    }

    // The upgraded chat works as a tree: an edit adds a version, a switch
    // brings back the path exactly as it was.
    let long = store
        .list_sessions()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.message_count == 120)
        .unwrap();
    let before = store.get_messages(&long.id, None).await.unwrap();
    let edited = store
        .append_version(
            &before[40].id,
            NewMessage {
                session_id: long.id.clone(),
                role: Role::User,
                content: "An edited question".into(),
                model: None,
                usage: None,
                status: MessageStatus::Complete,
                tokens: None,
            },
        )
        .await
        .unwrap();
    let now = store.get_messages(&long.id, None).await.unwrap();
    assert_eq!(now.len(), 41);
    assert_eq!(now[40].id, edited.id);
    assert_eq!(now[..40], before[..40]);
    store.switch_branch(&before[40].id).await.unwrap();
    let back = store.get_messages(&long.id, None).await.unwrap();
    assert_eq!(back.len(), 120);
    for (i, (was, is)) in before.iter().zip(&back).enumerate() {
        if i == 40 {
            assert_eq!(
                is.versions.as_ref().map(|v| (v.position, v.count)),
                Some((1, 2))
            );
            continue;
        }
        assert_eq!(was, is, "message {i}");
    }
}

/// A migrator of the v3 migrations plus `extra` (name, SQL) files.
async fn migrator_with(extra: &[(&str, &str)]) -> (tempfile::TempDir, Migrator) {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let version: i64 = name[..4].parse().unwrap();
        if version <= FIXTURE_VERSION {
            std::fs::copy(entry.path(), dir.path().join(&name)).unwrap();
        }
    }
    for (name, sql) in extra {
        std::fs::write(dir.path().join(name), sql).unwrap();
    }
    let migrator = Migrator::new(dir.path()).await.unwrap();
    (dir, migrator)
}

const GOOD_4: (&str, &str) = (
    "0004_pinned.sql",
    "ALTER TABLE sessions ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;\n\
     UPDATE sessions SET pinned = 1;",
);
const BAD_5: (&str, &str) = (
    "0005_broken.sql",
    "CREATE TABLE search (body TEXT);\n\
     INSERT INTO search SELECT content FROM messages;\n\
     ALTER TABLE no_such_table ADD COLUMN x INTEGER;",
);

#[tokio::test]
async fn a_failing_migration_leaves_the_file_untouched_and_names_the_backup() {
    let (_dir, db) = copy_fixture();
    let original = std::fs::read(&db).unwrap();
    let (_m, failing) = migrator_with(&[GOOD_4, BAD_5]).await;

    let err = SqliteStore::open_with_migrator(&db, &failing)
        .await
        .err()
        .expect("the migration fails");
    let AppError::Storage { message } = &err else {
        panic!("a storage error: {err:?}")
    };
    let backups = list_backups(&db);
    assert_eq!(backups.len(), 1, "backed up before trying");
    assert!(message.contains("migration 5 (broken) failed"), "{message}");
    assert!(
        message.contains("no such table: no_such_table"),
        "{message}"
    );
    assert!(
        message.contains("left unchanged at schema version 3"),
        "{message}"
    );
    assert!(
        message.contains(&backups[0].display().to_string()),
        "names the backup: {message}"
    );

    // The main file is byte for byte what it was...
    assert!(std::fs::read(&db).unwrap() == original, "byte for byte");
    // ...and so is what SQLite reads (a WAL left behind holds no commit):
    // migration 4 succeeded on its own, yet is not kept; all or nothing.
    let (_m, v3) = migrator_with(&[]).await;
    let store = SqliteStore::open_with_migrator(&db, &v3).await.unwrap();
    assert_eq!(store.upgrade_report(), &Default::default());
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(sessions, 4);
    store.close().await;
    drop(store);
    assert!(!columns_of(&db, "sessions")
        .await
        .contains(&"pinned".to_owned()));
    assert!(
        columns_of(&db, "search").await.is_empty(),
        "no table search"
    );
    let (_f, pristine) = copy_fixture();
    for table in V3_TABLES {
        let columns = columns_of(&pristine, table).await;
        assert_eq!(
            rows(&db, table, &columns).await,
            rows(&pristine, table, &columns).await,
            "{table}"
        );
    }
}

#[tokio::test]
async fn each_upgrade_backs_up_first_and_only_the_newest_three_stay() {
    let (_dir, db) = copy_fixture();
    let mut extra = Vec::new();
    let names: Vec<String> = (4..=8).map(|v| format!("{v:04}_step.sql")).collect();
    let mut made = Vec::new();
    for (i, name) in names.iter().enumerate() {
        extra.push((
            name.as_str(),
            "CREATE TABLE IF NOT EXISTS steps (n INTEGER);",
        ));
        let (_m, migrator) = migrator_with(&extra).await;
        let store = SqliteStore::open_with_migrator(&db, &migrator)
            .await
            .unwrap();
        let report = store.upgrade_report().clone();
        store.close().await;
        drop(store);
        assert_eq!(report.applied, [i as i64 + 4]);
        let backup = report.backup.unwrap();
        let name = backup.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(
            name.starts_with(&format!("clawdesk.db.backup-v{}-", i + 3)),
            "named after the version it holds: {name}"
        );
        made.push(backup);
        // Backups are named to the millisecond.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(list_backups(&db), made[made.len() - BACKUPS_KEPT..]);
    // Nothing pending: no new backup.
    let (_m, migrator) = migrator_with(&extra).await;
    let store = SqliteStore::open_with_migrator(&db, &migrator)
        .await
        .unwrap();
    assert_eq!(store.upgrade_report().backup, None);
}

#[tokio::test]
async fn a_brand_new_database_is_not_backed_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clawdesk.db");
    let store = SqliteStore::open(&db).await.unwrap();
    assert_eq!(store.upgrade_report().backup, None);
    assert_eq!(
        store.upgrade_report().applied,
        migrator().iter().map(|m| m.version).collect::<Vec<_>>()
    );
    assert!(list_backups(&db).is_empty());
}

struct NoSink;
impl StreamSink for NoSink {
    fn emit(&self, _: StreamEvent) {}
}

/// A database at schema v2 whose `messages` already has the column 0003
/// adds (as a hand edit might leave it): the real migration 0003 fails.
async fn v2_database_that_0003_cannot_upgrade(db: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for name in ["0001_init.sql", "0002_compaction.sql"] {
        std::fs::copy(source.join(name), dir.path().join(name)).unwrap();
    }
    let v2 = Migrator::new(dir.path()).await.unwrap();
    let store = SqliteStore::open_with_migrator(db, &v2).await.unwrap();
    // Rows as the v2 app wrote them: today's store code writes columns that
    // schema does not have yet.
    for statement in [
        "INSERT INTO sessions (id, channel_id, model, title, created_at, last_active, message_count)
         VALUES ('sess_01JD0000000000000000000001', 'desktop', NULL, 'kept', 1, 1, 1)",
        "INSERT INTO messages (id, session_id, seq, role, content, model, input_tokens, output_tokens,
                               status, created_at, tokens, compacted, summary)
         VALUES ('msg_01JD0000000000000000000001', 'sess_01JD0000000000000000000001', 1, 'user',
                 'kept', NULL, NULL, NULL, 'complete', 1, 1, 0, 0)",
    ] {
        sqlx::query(statement).execute(store.pool()).await.unwrap();
    }
    sqlx::query("ALTER TABLE messages ADD COLUMN failure_code TEXT")
        .execute(store.pool())
        .await
        .unwrap();
    // Everything in the main file, so comparing its bytes means something.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(store.pool())
        .await
        .unwrap();
    store.close().await;
}

#[tokio::test]
async fn the_app_runs_on_and_health_reports_a_failed_migration() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clawdesk.db");
    v2_database_that_0003_cannot_upgrade(&db).await;
    let original = std::fs::read(&db).unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::copy(
        fixture_dir().join("config.toml"),
        dir.path().join("config/config.toml"),
    )
    .unwrap();

    let desk =
        ClawDesk::initialize(&dir.path().join("config"), |_| db.clone(), Arc::new(NoSink)).await;
    let backups = list_backups(&db);
    assert_eq!(backups.len(), 1);
    assert!(backups[0]
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("clawdesk.db.backup-v2-"));

    let health = desk.get_health().await.unwrap();
    assert_eq!(health.status, HealthLevel::Unhealthy);
    let store = health.checks.iter().find(|c| c.name == "store").unwrap();
    assert_eq!(store.status, HealthLevel::Unhealthy);
    assert!(
        store
            .detail
            .contains("migration 3 (message failure) failed"),
        "{}",
        store.detail
    );
    assert!(store.detail.contains("duplicate column name: failure_code"));
    assert!(store.detail.contains(&backups[0].display().to_string()));
    // Commands answer with the same reason; the file is as it was.
    let err = desk.list_sessions().await.unwrap_err();
    assert!(err.to_string().contains("migration 3"), "{err}");
    assert!(std::fs::read(&db).unwrap() == original, "byte for byte");
}

/// Writes `tests/fixtures/v3/` with the store code of schema v3. Run it
/// only at a commit whose newest migration is 0003:
/// `REGENERATE_V3_FIXTURE=1 cargo test -p clawdesk-core --test upgrade -- --ignored regenerate`
#[tokio::test]
#[ignore = "writes the committed fixture; see tests/fixtures/v3/README.md"]
async fn regenerate_v3_fixture() {
    assert!(
        std::env::var_os("REGENERATE_V3_FIXTURE").is_some(),
        "set REGENERATE_V3_FIXTURE=1 to overwrite the fixture"
    );
    let newest = migrator().iter().map(|m| m.version).max().unwrap();
    assert_eq!(
        newest, FIXTURE_VERSION,
        "the fixture must be written at schema v3: check out the commit named in tests/fixtures/v3/README.md"
    );
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("clawdesk.db");
    let store = SqliteStore::open(&db).await.unwrap();
    write_fixture_chats(&store).await;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(store.pool())
        .await
        .unwrap();
    store.close().await;
    drop(store);

    let config_dir = work.path().join("config");
    std::fs::create_dir_all(&config_dir).unwrap();
    // Providers off (tests reach no real host); a few settings changed from
    // their defaults; no API key, so no secrets.toml.
    std::fs::write(
        config_dir.join("config.toml"),
        "[providers.anthropic]\nenabled = false\n\n[providers.openai]\nenabled = false\n\n\
         [providers.ollama]\nenabled = false\n",
    )
    .unwrap();
    let config = ConfigManager::load(&config_dir);
    config
        .update(
            "defaults.model",
            serde_json::json!("anthropic/claude-sonnet-4-5"),
        )
        .unwrap();
    config
        .update("network.maxRetries", serde_json::json!(2))
        .unwrap();
    assert!(!config_dir.join("secrets.toml").exists());

    let out = fixture_dir();
    std::fs::create_dir_all(&out).unwrap();
    std::fs::copy(&db, out.join("clawdesk.db")).unwrap();
    std::fs::copy(config_dir.join("config.toml"), out.join("config.toml")).unwrap();
}

async fn write_fixture_chats(store: &SqliteStore) {
    let new = |model: Option<&str>| NewSession {
        channel_id: "desktop".into(),
        model: model.map(Into::into),
    };
    let say = |session: &clawdesk_core::types::SessionInfo,
               role: Role,
               content: String,
               status: MessageStatus,
               usage: Option<Usage>| NewMessage {
        session_id: session.id.clone(),
        role,
        content,
        model: (role == Role::Assistant).then(|| "anthropic/claude-sonnet-4-5".into()),
        usage,
        status,
        tokens: usage.map(|u| u.output_tokens),
    };

    // A long chat: 60 exchanges, markdown, code, non-ASCII text.
    let long = store
        .create_session(new(Some("anthropic/claude-sonnet-4-5")))
        .await
        .unwrap();
    for i in 0..60u32 {
        let question = if i == 0 {
            "A long chat about Rust lifetimes".to_owned()
        } else {
            format!("Question {i}: what does `'a` mean in `fn f<'a>(x: &'a str)`? — ünïcødé ✓")
        };
        store
            .append_message(say(
                &long,
                Role::User,
                question,
                MessageStatus::Complete,
                None,
            ))
            .await
            .unwrap();
        let answer = format!(
            "Answer {i}:\n\n```rust\nfn f<'a>(x: &'a str) -> &'a str {{ x }}\n```\n\n- the borrow lives as long as `'a`\n- 日本語 and emoji 🦀"
        );
        store
            .append_message(say(
                &long,
                Role::Assistant,
                answer,
                MessageStatus::Complete,
                Some(Usage {
                    input_tokens: 40 + i * 30,
                    output_tokens: 21 + i,
                }),
            ))
            .await
            .unwrap();
    }

    // A compacted chat: ten messages, the first six replaced by a summary.
    let trip = store
        .create_session(new(Some("openai/gpt-4o")))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..10u32 {
        let (role, text) = if i == 0 {
            (Role::User, "Trip planning, compacted".to_owned())
        } else if i % 2 == 0 {
            (Role::User, format!("Day {i}: where next?"))
        } else {
            (Role::Assistant, format!("Day {i}: take the train to Lyon."))
        };
        let usage = (role == Role::Assistant).then_some(Usage {
            input_tokens: 100 + i,
            output_tokens: 12,
        });
        let m = store
            .append_message(say(&trip, role, text, MessageStatus::Complete, usage))
            .await
            .unwrap();
        ids.push(m.id);
    }
    store
        .apply_compaction(
            &trip.id,
            &ids[5],
            NewSummary {
                content: "Summary of the earlier conversation: a week in France, by train, Paris then Lyon.".into(),
                model: Some("openai/gpt-4o".into()),
                usage: Some(Usage {
                    input_tokens: 420,
                    output_tokens: 31,
                }),
                tokens: 31,
            },
        )
        .await
        .unwrap();

    // Replies that did not complete: failed, cancelled, failed for auth.
    let failures = store
        .create_session(new(Some("anthropic/claude-sonnet-4-5")))
        .await
        .unwrap();
    let endings = [
        (
            MessageStatus::Failed,
            "",
            FailureCode::Network,
            "connection reset by peer",
        ),
        (
            MessageStatus::Cancelled,
            "Partial answer befo",
            FailureCode::Cancelled,
            "stopped by the user",
        ),
        (
            MessageStatus::Failed,
            "",
            FailureCode::Auth,
            "anthropic: the API key was rejected",
        ),
    ];
    for (i, (status, partial, code, why)) in endings.into_iter().enumerate() {
        let text = if i == 0 {
            "Replies that did not complete".to_owned()
        } else {
            format!("Try {i}")
        };
        store
            .append_message(say(
                &failures,
                Role::User,
                text,
                MessageStatus::Complete,
                None,
            ))
            .await
            .unwrap();
        let reply = store
            .append_message(say(
                &failures,
                Role::Assistant,
                String::new(),
                MessageStatus::Streaming,
                None,
            ))
            .await
            .unwrap();
        store
            .fail_message(
                &reply.id,
                partial,
                status,
                None,
                &MessageFailure {
                    code,
                    message: why.into(),
                },
            )
            .await
            .unwrap();
    }

    // A chat never written to: no title, no model.
    store.create_session(new(None)).await.unwrap();
}
