//! The session store against real databases: every test of the trait runs
//! on SQLite (a file in a temporary directory) and on PostgreSQL (a fresh
//! database of the test server; see `support/stores.rs`). What only SQLite
//! has (its pragmas, the process lock, a file that is not a database) is
//! tested on SQLite alone.

mod support;

use clawdesk_core::ids::SessionId;
use clawdesk_core::store::{NewMessage, NewSession, SessionStore, SqliteStore};
use clawdesk_core::types::{MessageStatus, Role, Usage};
use clawdesk_core::AppError;
use support::stores::Backend;

on_every_store!(
    sessions_round_trip_and_sort_by_activity,
    messages_come_oldest_first_and_limit_takes_the_newest,
    streaming_reply_is_updated_in_place_and_recovered_after_a_crash,
    delete_removes_session_and_messages_together,
    unknown_ids_are_not_found,
    data_survives_reopening,
    concurrent_appends_keep_counts_and_order_consistent,
    listing_agrees_with_single_lookups_field_for_field,
);

async fn open_temp() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("nested/clawdesk.db"))
        .await
        .unwrap();
    (dir, store)
}

fn user(session_id: &SessionId, content: &str) -> NewMessage {
    NewMessage {
        session_id: session_id.clone(),
        role: Role::User,
        content: content.into(),
        model: None,
        usage: None,
        status: MessageStatus::Complete,
        tokens: None,
    }
}

#[tokio::test]
async fn open_enables_wal_and_foreign_keys() {
    let (_dir, store) = open_temp().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(fk, 1);
    let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "EXPLAIN QUERY PLAN SELECT id FROM sessions ORDER BY last_active DESC, id DESC",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert!(
        plan.iter()
            .any(|row| row.3.contains("sessions_by_last_active")),
        "{plan:?}"
    );
}

async fn sessions_round_trip_and_sort_by_activity(backend: Backend) {
    let store = backend.open().await;
    let a = store
        .create_session(NewSession {
            channel_id: "desktop".into(),
            model: None,
        })
        .await
        .unwrap();
    let b = store
        .create_session(NewSession {
            channel_id: "desktop".into(),
            model: Some("gpt-4o".into()),
        })
        .await
        .unwrap();
    assert!(a.id.starts_with("sess_"));
    assert_eq!(store.get_session(&b.id).await.unwrap(), b);

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    store
        .append_message(user(&a.id, "  First question\nmore"))
        .await
        .unwrap();
    let listed = store.list_sessions().await.unwrap();
    assert_eq!(
        listed.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        [a.id.as_str(), b.id.as_str()]
    );
    assert_eq!(listed[0].message_count, 1);
    assert_eq!(listed[0].title.as_deref(), Some("First question"));

    // The title comes from the first user message only.
    store.append_message(user(&a.id, "second")).await.unwrap();
    assert_eq!(
        store.get_session(&a.id).await.unwrap().title.as_deref(),
        Some("First question")
    );
}

async fn messages_come_oldest_first_and_limit_takes_the_newest(backend: Backend) {
    let store = backend.open().await;
    let s = store
        .create_session(NewSession {
            channel_id: "desktop".into(),
            model: None,
        })
        .await
        .unwrap();
    for i in 0..10 {
        store
            .append_message(user(&s.id, &format!("m{i}")))
            .await
            .unwrap();
    }
    let all = store.get_messages(&s.id, None).await.unwrap();
    assert_eq!(
        all.iter().map(|m| m.content.as_str()).collect::<Vec<_>>(),
        (0..10).map(|i| format!("m{i}")).collect::<Vec<_>>()
    );
    let page = store.get_messages(&s.id, Some(3)).await.unwrap();
    assert_eq!(
        page.iter().map(|m| m.content.as_str()).collect::<Vec<_>>(),
        ["m7", "m8", "m9"]
    );
    assert!(matches!(
        store.get_messages(&s.id, Some(0)).await,
        Err(AppError::InvalidArgument { .. })
    ));
}

async fn streaming_reply_is_updated_in_place_and_recovered_after_a_crash(backend: Backend) {
    let store = backend.open().await;
    let s = store
        .create_session(NewSession {
            channel_id: "desktop".into(),
            model: None,
        })
        .await
        .unwrap();
    let reply = store
        .append_message(NewMessage {
            session_id: s.id.clone(),
            role: Role::Assistant,
            content: String::new(),
            model: Some("m".into()),
            usage: None,
            status: MessageStatus::Streaming,
            tokens: None,
        })
        .await
        .unwrap();
    store
        .update_message(&reply.id, "partial", MessageStatus::Streaming, None)
        .await
        .unwrap();
    assert_eq!(store.recover_interrupted().await.unwrap(), 1);
    let stored = store.get_messages(&s.id, None).await.unwrap();
    assert_eq!(stored[0].content, "partial");
    assert_eq!(stored[0].status, MessageStatus::Failed);

    let usage = Usage {
        input_tokens: 12,
        output_tokens: 34,
    };
    store
        .update_message(&reply.id, "done", MessageStatus::Complete, Some(usage))
        .await
        .unwrap();
    assert_eq!(
        store.get_messages(&s.id, None).await.unwrap()[0].usage,
        Some(usage)
    );
}

async fn delete_removes_session_and_messages_together(backend: Backend) {
    let store = backend.open().await;
    let s = store
        .create_session(NewSession {
            channel_id: "desktop".into(),
            model: None,
        })
        .await
        .unwrap();
    store.append_message(user(&s.id, "hello")).await.unwrap();
    store.delete_session(&s.id).await.unwrap();
    let left = store
        .scalar(
            "SELECT count(*) FROM messages",
            "SELECT count(*) FROM messages",
        )
        .await;
    assert_eq!(left, 0);
    assert_eq!(
        store.get_session(&s.id).await.unwrap_err(),
        AppError::session_not_found(&s.id)
    );
    assert_eq!(
        store.delete_session(&s.id).await.unwrap_err(),
        AppError::session_not_found(&s.id)
    );
}

async fn unknown_ids_are_not_found(backend: Backend) {
    // Malformed ids never reach the store: `SessionId` cannot hold one (see
    // the unit tests in `ids.rs` and the IPC argument tests).
    let store = backend.open().await;
    let unknown = SessionId::parse("sess_01ARZ3NDEKTSV4RRFFQ69G5FAV").unwrap();
    assert!(matches!(
        store.get_session(&unknown).await,
        Err(AppError::SessionNotFound { .. })
    ));
    assert!(matches!(
        store.delete_session(&unknown).await,
        Err(AppError::SessionNotFound { .. })
    ));
    assert!(matches!(
        store.get_messages(&unknown, None).await,
        Err(AppError::SessionNotFound { .. })
    ));
    assert!(matches!(
        store.append_message(user(&unknown, "x")).await,
        Err(AppError::SessionNotFound { .. })
    ));
    assert_eq!(store.list_sessions().await.unwrap().len(), 0);
}

#[tokio::test]
async fn unreadable_database_is_a_storage_error_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clawdesk.db");
    let garbage = b"this is not a sqlite database, but the user's file all the same".repeat(100);
    std::fs::write(&path, &garbage).unwrap();
    let err = SqliteStore::open(&path).await.err().expect("must not open");
    assert!(matches!(err, AppError::Storage { .. }), "{err:?}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

async fn data_survives_reopening(backend: Backend) {
    let mut store = backend.open().await;
    let id = {
        let s = store
            .create_session(NewSession {
                channel_id: "desktop".into(),
                model: None,
            })
            .await
            .unwrap();
        store.append_message(user(&s.id, "keep me")).await.unwrap();
        s.id
    };
    store.reopen().await;
    assert_eq!(
        store.get_messages(&id, None).await.unwrap()[0].content,
        "keep me"
    );
}

async fn concurrent_appends_keep_counts_and_order_consistent(backend: Backend) {
    let opened = backend.open().await;
    let store = opened.store();
    let s = store
        .create_session(NewSession {
            channel_id: "desktop".into(),
            model: None,
        })
        .await
        .unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            let id = s.id.clone();
            tokio::spawn(async move {
                for i in 0..25 {
                    store
                        .append_message(user(&id, &format!("{t}-{i}")))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let info = store.get_session(&s.id).await.unwrap();
    assert_eq!(info.message_count, 200);
    let messages = store.get_messages(&s.id, None).await.unwrap();
    assert_eq!(messages.len(), 200);
    // Each writer's messages in the order it wrote them.
    for t in 0..8 {
        let mine: Vec<&str> = messages
            .iter()
            .map(|m| m.content.as_str())
            .filter(|c| c.starts_with(&format!("{t}-")))
            .collect();
        let expected: Vec<String> = (0..25).map(|i| format!("{t}-{i}")).collect();
        assert_eq!(mine, expected);
    }
}

async fn listing_agrees_with_single_lookups_field_for_field(backend: Backend) {
    let mut store = backend.open().await;
    let mut ids = Vec::new();
    for i in 0..40 {
        let s = store
            .create_session(NewSession {
                channel_id: "desktop".into(),
                model: (i % 2 == 0).then(|| "m".to_string()),
            })
            .await
            .unwrap();
        if i % 3 == 0 {
            store
                .append_message(user(&s.id, &format!("title {i}")))
                .await
                .unwrap();
        }
        ids.push(s.id);
    }
    // Millisecond values that do not round-trip through a double cleanly.
    store
        .execute(
            "UPDATE sessions SET last_active = 1795465754087 + (rowid * 1000003) % 997, created_at = 1795465754001 + rowid",
            "UPDATE sessions SET last_active = 1795465754087 + (n * 1000003) % 997, created_at = 1795465754001 + n
             FROM (SELECT id AS nid, row_number() OVER (ORDER BY id) AS n FROM sessions) AS numbered
             WHERE id = nid",
        )
        .await;
    // Reopen so an in-memory index is rebuilt from the rows just written.
    store.reopen().await;
    let listed = store.list_sessions().await.unwrap();
    assert_eq!(listed.len(), ids.len());
    for pair in listed.windows(2) {
        assert!(
            (pair[0].last_active.as_str(), pair[0].id.as_str())
                >= (pair[1].last_active.as_str(), pair[1].id.as_str())
        );
    }
    for session in &listed {
        let (last_active, count): (i64, i64) = match (store.sqlite_pool(), store.pg_pool()) {
            (Some(pool), _) => {
                sqlx::query_as("SELECT last_active, message_count FROM sessions WHERE id = ?")
                    .bind(&session.id)
                    .fetch_one(pool)
                    .await
                    .unwrap()
            }
            (_, Some(pool)) => {
                sqlx::query_as("SELECT last_active, message_count FROM sessions WHERE id = $1")
                    .bind(&session.id)
                    .fetch_one(pool)
                    .await
                    .unwrap()
            }
            _ => unreachable!(),
        };
        assert_eq!(
            session.last_active,
            clawdesk_core::time::rfc3339_from_ms(last_active)
        );
        assert_eq!(i64::from(session.message_count), count);
        assert_eq!(*session, store.get_session(&session.id).await.unwrap());
    }
}

#[tokio::test]
async fn a_second_process_cannot_open_the_same_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let first = SqliteStore::open(&path).await.unwrap();
    let err = SqliteStore::open(&path).await.err().expect("locked");
    assert!(
        matches!(err, AppError::Storage { ref message } if message.contains("in use")),
        "{err:?}"
    );
    drop(first);
    SqliteStore::open(&path).await.unwrap();
}

/// Two stores on one PostgreSQL database, as two server processes are:
/// each sees the other's writes at once (nothing is kept per process), and
/// appends to one session from both take every seq once, counted exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_processes_share_one_database() {
    if support::stores::postgres_skipped() {
        return;
    }
    let first = Backend::Postgres.open().await;
    let second = std::sync::Arc::new(
        clawdesk_core::store::PgStore::open(first.database_url().unwrap())
            .await
            .unwrap(),
    );
    let first_store = first.store();
    let s = first_store
        .create_session(NewSession {
            channel_id: "desktop".into(),
            model: None,
        })
        .await
        .unwrap();
    assert_eq!(second.get_session(&s.id).await.unwrap(), s);
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let store: std::sync::Arc<dyn SessionStore> = if t % 2 == 0 {
                first_store.clone()
            } else {
                second.clone()
            };
            let id = s.id.clone();
            tokio::spawn(async move {
                for i in 0..20 {
                    store
                        .append_message(user(&id, &format!("{t}-{i}")))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    for store in [
        first_store.clone(),
        second.clone() as std::sync::Arc<dyn SessionStore>,
    ] {
        let info = store.get_session(&s.id).await.unwrap();
        assert_eq!(info.message_count, 160);
        assert!(info.title.is_some());
        let messages = store.get_messages(&s.id, None).await.unwrap();
        assert_eq!(messages.len(), 160);
        assert_eq!(store.list_sessions().await.unwrap()[0].message_count, 160);
        // One path: each message follows the one appended before it.
        assert_eq!(messages[0].parent_id, None);
        for pair in messages.windows(2) {
            assert_eq!(pair[1].parent_id.as_ref(), Some(&pair[0].id));
        }
        assert!(messages.iter().all(|m| m.versions.is_none()));
    }
    let seqs = first
        .scalar(
            "",
            "SELECT count(DISTINCT seq) FILTER (WHERE seq BETWEEN 1 AND 160) FROM messages",
        )
        .await;
    assert_eq!(seqs, 160, "every seq once, none skipped");
    // A rename through one is what the other lists; a delete through one
    // is gone for the other.
    second
        .update_session(
            &s.id,
            clawdesk_core::store::SessionUpdate {
                title: Some("Shared".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        first_store.list_sessions().await.unwrap()[0]
            .title
            .as_deref(),
        Some("Shared")
    );
    second.delete_session(&s.id).await.unwrap();
    assert!(matches!(
        first_store.get_session(&s.id).await,
        Err(AppError::SessionNotFound { .. })
    ));
    second.close().await;
}
