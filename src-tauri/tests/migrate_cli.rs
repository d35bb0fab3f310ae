//! `clawdesk migrate`: the built binary copies a SQLite history (with
//! versions and a compaction) into a PostgreSQL database of the test's own,
//! says what it counted with the password masked, adds nothing on a rerun
//! (also with the URL from `CLAWDESK_DATABASE_URL`), fails when the target
//! lacks something, and refuses a missing source (creating nothing) or one
//! the app holds.
//!
//! The PostgreSQL test needs `CLAWDESK_TEST_DATABASE_URL`
//! (`scripts/with-postgres.sh -- cargo test -p clawdesk --test migrate_cli`);
//! `CLAWDESK_SKIP_POSTGRES=1` skips it.

mod common;

use clawdesk_core::store::{NewMessage, NewSession, NewSummary, SessionStore, SqliteStore};
use clawdesk_core::types::{MessageStatus, Role};
use common::database::TestDatabase;
use std::path::Path;
use std::process::{Command, Output};

/// Runs `clawdesk migrate` with `args`, `CLAWDESK_DATABASE_URL` as given
/// (else unset), and no directory of whoever runs the tests.
fn migrate(args: &[&str], database_url: Option<&str>, dir: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clawdesk"));
    match database_url {
        Some(url) => command.env("CLAWDESK_DATABASE_URL", url),
        None => command.env_remove("CLAWDESK_DATABASE_URL"),
    };
    command
        .arg("migrate")
        .args(args)
        .env("CLAWDESK_CONFIG_DIR", dir.join("config"))
        .env("CLAWDESK_DATA_DIR", dir.join("data"))
        .env("CLAWDESK_LOG_DIR", dir.join("logs"))
        .env_remove("CLAWDESK_DB_PATH")
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn message(session_id: &clawdesk_core::ids::SessionId, role: Role, text: &str) -> NewMessage {
    NewMessage {
        session_id: session_id.clone(),
        role,
        content: text.into(),
        model: None,
        usage: None,
        status: MessageStatus::Complete,
        tokens: None,
    }
}

/// Two chats: one with an edited question (2 versions) and its replies, one
/// compacted. 9 messages in all.
async fn write_history(path: &Path) {
    let store = SqliteStore::open(path).await.unwrap();
    let new = || NewSession {
        channel_id: "desktop".into(),
        model: None,
    };
    let tree = store.create_session(new()).await.unwrap();
    let question = store
        .append_message(message(&tree.id, Role::User, "first question"))
        .await
        .unwrap();
    store
        .append_message(message(&tree.id, Role::Assistant, "first answer"))
        .await
        .unwrap();
    store
        .append_version(
            &question.id,
            message(&tree.id, Role::User, "edited question"),
        )
        .await
        .unwrap();
    store
        .append_message(message(&tree.id, Role::Assistant, "answer to the edit"))
        .await
        .unwrap();
    let compacted = store.create_session(new()).await.unwrap();
    store
        .append_message(message(&compacted.id, Role::User, "tell me about rivers"))
        .await
        .unwrap();
    let answer = store
        .append_message(message(&compacted.id, Role::Assistant, "rivers flow"))
        .await
        .unwrap();
    store
        .apply_compaction(
            &compacted.id,
            &answer.id,
            NewSummary {
                content: "Summary: rivers".into(),
                model: None,
                usage: None,
                tokens: 3,
            },
        )
        .await
        .unwrap();
    store
        .append_message(message(&compacted.id, Role::User, "and lakes?"))
        .await
        .unwrap();
    store
        .append_message(message(&compacted.id, Role::Assistant, "lakes stay"))
        .await
        .unwrap();
    store.close().await;
}

#[test]
fn migrate_copies_the_history_checks_it_and_a_rerun_adds_nothing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(database) = TestDatabase::create("clawdesk_migrate") else {
        return;
    };
    let url = database.url.clone();
    let password = database
        .password()
        .expect("the test server's URL has a password");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clawdesk.db");
    runtime.block_on(write_history(&db));
    let from = db.to_str().unwrap();

    let first = migrate(&["--from", from, "--to", &url], None, dir.path());
    let (out, err) = text(&first);
    assert!(first.status.success(), "{out}\n{err}");
    assert!(
        out.contains(
            "Sessions: 2 in the source, 2 of them in the target (2 copied now, 0 already there)"
        ),
        "{out}"
    );
    assert!(
        out.contains("Messages: 9 in the source, 9 of them in the target (9 copied now)"),
        "{out}"
    );
    assert!(
        out.contains("OK: every session and message is in postgres://"),
        "{out}"
    );
    assert!(err.contains("copied, 5 messages"), "{err}");
    assert!(err.contains("copied, 4 messages"), "{err}");
    for shown in [&out, &err] {
        assert!(!shown.contains(&password), "password shown: {shown}");
        assert!(shown.contains(":***@"), "{shown}");
    }

    // Again, the URL from the environment: everything is skipped.
    let again = migrate(&["--from", from], Some(&url), dir.path());
    let (out, err) = text(&again);
    assert!(again.status.success(), "{out}\n{err}");
    assert!(out.contains("(0 copied now, 2 already there)"), "{out}");
    assert!(
        out.contains("Messages: 9 in the source, 9 of them in the target (0 copied now)"),
        "{out}"
    );
    assert_eq!(err.matches("already there, skipped").count(), 2, "{err}");
    assert!(!out.contains(&password) && !err.contains(&password));

    // The target loses a message: the count check says so and fails.
    runtime.block_on(async {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::query("DELETE FROM messages WHERE content = 'lakes stay'")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let short = migrate(&["--from", from, "--to", &url], None, dir.path());
    let (out, err) = text(&short);
    assert!(!short.status.success(), "{out}\n{err}");
    assert!(
        out.contains("9 in the source, 8 of them in the target"),
        "{out}"
    );
    assert!(out.contains("Mismatch: session"), "{out}");
    assert!(out.contains("FAILED"), "{out}");
}

#[test]
fn a_missing_source_is_refused_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none/clawdesk.db");
    let output = migrate(
        &[
            "--from",
            missing.to_str().unwrap(),
            "--to",
            "postgres://clawdesk:hunter2@127.0.0.1:1/clawdesk",
        ],
        None,
        dir.path(),
    );
    let (out, err) = text(&output);
    assert!(!output.status.success(), "{out}\n{err}");
    assert!(err.contains("does not exist"), "{err}");
    assert!(!missing.exists());
    assert!(
        !dir.path().join("none").exists(),
        "no directory made either"
    );
    assert!(!err.contains("hunter2") && !out.contains("hunter2"));
}

#[test]
fn a_source_the_app_holds_is_refused_with_what_to_do() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clawdesk.db");
    // This process plays the app: it holds the database's lock.
    let app = runtime.block_on(SqliteStore::open(&db)).unwrap();
    let output = migrate(
        &[
            "--from",
            db.to_str().unwrap(),
            "--to",
            "postgres://clawdesk:hunter2@127.0.0.1:1/clawdesk",
        ],
        None,
        dir.path(),
    );
    let (out, err) = text(&output);
    assert!(!output.status.success(), "{out}\n{err}");
    assert!(err.contains("in use by another ClawDesk process"), "{err}");
    assert!(err.contains("quit it first"), "{err}");
    runtime.block_on(app.close());
}

#[test]
fn a_target_that_is_not_postgres_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = migrate(
        &[
            "--from",
            "/nonexistent.db",
            "--to",
            "mysql://u:hunter2@h/db",
        ],
        None,
        dir.path(),
    );
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("must be a postgres:// URL"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}
