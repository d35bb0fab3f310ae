//! Upgrading a database written by an older version: the migrations after
//! it apply on open, and nothing it held is lost or changed.

use clawdesk_core::ids::{MessageId, SessionId};
use clawdesk_core::store::{SessionStore, SqliteStore, INTERRUPTED};
use clawdesk_core::types::{MessageFailure, MessageStatus, Role, Usage};
use clawdesk_core::FailureCode;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::path::Path;

/// The migrations of the version before failure reasons were stored.
const BEFORE_FAILURES: &[&str] = &["0001_init.sql", "0002_compaction.sql"];

const SESSION: &str = "sess_01JD0000000000000000000000";
const QUESTION: &str = "msg_01JD0000000000000000000001";
const ANSWER: &str = "msg_01JD0000000000000000000002";
const FAILED: &str = "msg_01JD0000000000000000000003";
const STREAMING: &str = "msg_01JD0000000000000000000004";

fn session_id() -> SessionId {
    SessionId::parse(SESSION).unwrap()
}

fn message(id: &str) -> MessageId {
    MessageId::parse(id).unwrap()
}

/// Writes a database as the older version left it: its migrations applied
/// by sqlx (so the bookkeeping table is what that version wrote), then rows.
async fn old_database(path: &Path) {
    let migrations = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for name in BEFORE_FAILURES {
        std::fs::copy(source.join(name), migrations.path().join(name)).unwrap();
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true),
        )
        .await
        .unwrap();
    sqlx::migrate::Migrator::new(migrations.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    sqlx::raw_sql(&format!(
        "INSERT INTO sessions (id, channel_id, model, title, created_at, last_active, message_count)
         VALUES ('{SESSION}', 'desktop', 'claude-sonnet-4-5', 'Old chat', 1000, 4000, 4);
         INSERT INTO messages (id, session_id, seq, role, content, model, input_tokens,
                               output_tokens, status, created_at, tokens, compacted, summary)
         VALUES ('{QUESTION}', '{SESSION}', 1, 'user', 'hello?', NULL, NULL, NULL, 'complete', 1000, 2, 0, 0),
                ('{ANSWER}', '{SESSION}', 2, 'assistant', 'hi!', 'claude-sonnet-4-5', 10, 2, 'complete', 2000, 2, 0, 0),
                ('{FAILED}', '{SESSION}', 3, 'assistant', 'half', 'claude-sonnet-4-5', NULL, NULL, 'failed', 3000, 1, 0, 0),
                ('{STREAMING}', '{SESSION}', 4, 'assistant', 'cut o', 'claude-sonnet-4-5', NULL, NULL, 'streaming', 4000, 2, 0, 0);"
    ))
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn an_older_database_upgrades_without_losing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clawdesk.db");
    old_database(&path).await;

    let store = SqliteStore::open(&path).await.unwrap();
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap();
    // Every migration of this build, whatever their number.
    let mut shipped: Vec<i64> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
            .unwrap()
            .map(|entry| {
                let name = entry.unwrap().file_name().into_string().unwrap();
                name[..4].parse().unwrap()
            })
            .collect();
    shipped.sort();
    assert_eq!(applied, shipped);
    // The messages written before search existed are in its index (0005).
    store.check_search_index().await.unwrap();
    let indexed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM message_search WHERE message_search MATCH '\"hello\"'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(indexed, 1);

    let session = store.get_session(&session_id()).await.unwrap();
    assert_eq!(session.message_count, 4);
    assert_eq!(session.title.as_deref(), Some("Old chat"));
    assert_eq!(session.model.as_deref(), Some("claude-sonnet-4-5"));
    // Sessions from before organising are unpinned and use the default prompt.
    assert!(!session.pinned);
    assert_eq!(session.system_prompt, None);
    let messages = store.get_messages(&session_id(), None).await.unwrap();
    let seen: Vec<_> = messages
        .iter()
        .map(|m| (m.id.as_str(), m.role, m.content.as_str(), m.status))
        .collect();
    assert_eq!(
        seen,
        [
            (QUESTION, Role::User, "hello?", MessageStatus::Complete),
            (ANSWER, Role::Assistant, "hi!", MessageStatus::Complete),
            (FAILED, Role::Assistant, "half", MessageStatus::Failed),
            (
                STREAMING,
                Role::Assistant,
                "cut o",
                MessageStatus::Streaming
            ),
        ]
    );
    assert_eq!(
        messages[1].usage,
        Some(Usage {
            input_tokens: 10,
            output_tokens: 2
        })
    );
    // Failures from before have no recorded reason; nothing is made up.
    assert!(messages.iter().all(|m| m.failure.is_none()));

    // The reply the old version left streaming is recovered with a reason.
    assert_eq!(store.recover_interrupted().await.unwrap(), 1);
    let messages = store.get_messages(&session_id(), None).await.unwrap();
    assert_eq!(messages[3].status, MessageStatus::Failed);
    assert_eq!(messages[3].content, "cut o");
    assert_eq!(
        messages[3].failure,
        Some(MessageFailure {
            code: FailureCode::Internal,
            message: INTERRUPTED.into()
        })
    );
    assert_eq!(messages[2].failure, None, "only the interrupted one");
}

#[tokio::test]
async fn a_failure_is_kept_across_reopening_and_cleared_by_a_later_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clawdesk.db");
    old_database(&path).await;
    let why = MessageFailure {
        code: FailureCode::Auth,
        message: "anthropic: the API key was rejected".into(),
    };
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store
            .fail_message(
                &message(STREAMING),
                "cut o",
                MessageStatus::Failed,
                None,
                &why,
            )
            .await
            .unwrap();
        store.close().await;
    }
    let store = SqliteStore::open(&path).await.unwrap();
    let messages = store.get_messages(&session_id(), None).await.unwrap();
    assert_eq!(messages[3].failure.as_ref(), Some(&why));
    assert_eq!(messages[3].status, MessageStatus::Failed);
    let json = serde_json::to_value(&messages[3]).unwrap();
    assert_eq!(
        json["failure"],
        serde_json::json!({ "code": "auth", "message": "anthropic: the API key was rejected" })
    );
    assert!(
        serde_json::to_value(&messages[1])
            .unwrap()
            .get("failure")
            .is_none(),
        "absent when there is none"
    );
    // Recovery leaves ended replies alone.
    assert_eq!(store.recover_interrupted().await.unwrap(), 0);

    store
        .update_message(
            &message(STREAMING),
            "complete now",
            MessageStatus::Complete,
            None,
        )
        .await
        .unwrap();
    let messages = store.get_messages(&session_id(), None).await.unwrap();
    assert_eq!(messages[3].failure, None);
}
