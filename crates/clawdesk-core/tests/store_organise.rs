//! Organising sessions in the store: `update_session` (rename, model,
//! system prompt, pin) and the keyset-paginated list. On SQLite and
//! PostgreSQL (see `support/stores.rs`); the query plans checked are SQLite's.

mod support;

use clawdesk_core::ids::SessionId;
use clawdesk_core::page::{PageOrder, SessionCursor};
use clawdesk_core::store::{
    page_query_sql, NewMessage, NewSession, SessionStore, SessionUpdate, SqliteStore,
};
use clawdesk_core::types::{MessageStatus, Role, SessionInfo};
use clawdesk_core::AppError;
use std::collections::HashSet;
use support::stores::{Backend, TestStore};

on_every_store!(
    a_rename_wins_over_the_first_message_title_before_and_after_it,
    model_prompt_and_pin_change_alone_and_survive_reopening,
    updating_an_unknown_session_is_not_found_and_creates_nothing,
    pages_walk_every_session_once_in_order,
    an_empty_store_is_one_empty_last_page,
    a_cursor_of_the_other_order_is_refused,
    opening_reads_no_session_and_writes_before_the_first_listing_are_kept,
);

async fn open_temp() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("clawdesk.db"))
        .await
        .unwrap();
    (dir, store)
}

async fn new_session(store: &TestStore) -> SessionInfo {
    store
        .create_session(NewSession {
            channel_id: "desktop".into(),
            model: Some("anthropic/claude-sonnet-4-5".into()),
        })
        .await
        .unwrap()
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

fn rename(title: &str) -> SessionUpdate {
    SessionUpdate {
        title: Some(title.into()),
        ..SessionUpdate::default()
    }
}

async fn a_rename_wins_over_the_first_message_title_before_and_after_it(backend: Backend) {
    let store = backend.open().await;
    // Renamed before anything was written: the first message does not title it.
    let early = new_session(&store).await;
    let renamed = store
        .update_session(&early.id, rename("Trip plans"))
        .await
        .unwrap();
    assert_eq!(renamed.title.as_deref(), Some("Trip plans"));
    assert_eq!(renamed.last_active, early.last_active, "not activity");
    store
        .append_message(user(&early.id, "Where should we go in May?"))
        .await
        .unwrap();
    let after = store.get_session(&early.id).await.unwrap();
    assert_eq!(after.title.as_deref(), Some("Trip plans"));
    assert_eq!(after.message_count, 1);

    // Titled by its first message, then renamed.
    let late = new_session(&store).await;
    store
        .append_message(user(&late.id, "How do lifetimes work?"))
        .await
        .unwrap();
    assert_eq!(
        store.get_session(&late.id).await.unwrap().title.as_deref(),
        Some("How do lifetimes work?")
    );
    store
        .update_session(&late.id, rename("Rust notes"))
        .await
        .unwrap();
    store
        .append_message(user(&late.id, "And traits?"))
        .await
        .unwrap();
    let listed = store.list_sessions().await.unwrap();
    let late_listed = listed.iter().find(|s| s.id == late.id).unwrap();
    assert_eq!(late_listed.title.as_deref(), Some("Rust notes"));
}

async fn model_prompt_and_pin_change_alone_and_survive_reopening(backend: Backend) {
    let mut store = backend.open().await;
    let id = {
        let session = new_session(&store).await;
        let updated = store
            .update_session(
                &session.id,
                SessionUpdate {
                    model: Some("ollama/llama3.2".into()),
                    system_prompt: Some(Some("Answer in French.".into())),
                    pinned: Some(true),
                    ..SessionUpdate::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(updated.model.as_deref(), Some("ollama/llama3.2"));
        assert_eq!(updated.system_prompt.as_deref(), Some("Answer in French."));
        assert!(updated.pinned);
        assert_eq!(updated.title, None, "left alone");
        assert_eq!(store.get_session(&session.id).await.unwrap(), updated);
        session.id
    };
    store.reopen().await;
    let reopened = store.get_session(&id).await.unwrap();
    assert!(reopened.pinned);
    assert_eq!(reopened.system_prompt.as_deref(), Some("Answer in French."));

    // Clearing the prompt and unpinning leave the model as it was.
    let cleared = store
        .update_session(
            &id,
            SessionUpdate {
                system_prompt: Some(None),
                pinned: Some(false),
                ..SessionUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(cleared.system_prompt, None);
    assert!(!cleared.pinned);
    assert_eq!(cleared.model.as_deref(), Some("ollama/llama3.2"));
}

async fn updating_an_unknown_session_is_not_found_and_creates_nothing(backend: Backend) {
    let store = backend.open().await;
    let ghost = SessionId::generate();
    let err = store
        .update_session(&ghost, rename("Nobody"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::SessionNotFound { .. }), "{err:?}");
    assert!(store.list_sessions().await.unwrap().is_empty());
}

/// Seeds `count` sessions straight into the table with colliding activity
/// times (ties must be broken by id) and every third one pinned.
async fn seed(store: &TestStore, count: i64) {
    store
        .execute(
            &format!(
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {count})
                 INSERT INTO sessions (id, channel_id, model, title, created_at, last_active,
                                       message_count, pinned)
                 SELECT printf('sess_01JBPAGE%018d', i), 'desktop', NULL, 'Session ' || i,
                        1700000000000, 1700000000000 + (i * 37) % 11, 0, i % 3 = 0 FROM n"
            ),
            &format!(
                "INSERT INTO sessions (id, channel_id, model, title, created_at, last_active,
                                       message_count, pinned)
                 SELECT 'sess_01JBPAGE' || lpad(i::text, 18, '0'), 'desktop', NULL, 'Session ' || i,
                        1700000000000, 1700000000000 + (i * 37) % 11, 0, i % 3 = 0
                 FROM generate_series(0, {count} - 1) AS i"
            ),
        )
        .await;
}

/// The same seed for the SQLite-only plan test.
async fn seed_sqlite(store: &SqliteStore, count: i64) {
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
         INSERT INTO sessions (id, channel_id, model, title, created_at, last_active,
                               message_count, pinned)
         SELECT printf('sess_01JBPAGE%018d', i), 'desktop', NULL, 'Session ' || i,
                1700000000000, 1700000000000 + (i * 37) % 11, 0, i % 3 = 0 FROM n",
    )
    .bind(count)
    .execute(store.pool())
    .await
    .unwrap();
}

async fn all_pages(store: &dyn SessionStore, order: PageOrder, limit: u32) -> Vec<SessionInfo> {
    let mut seen = Vec::new();
    let mut cursor: Option<SessionCursor> = None;
    loop {
        let page = store
            .list_sessions_page(order, cursor.as_ref(), limit)
            .await
            .unwrap();
        assert!(page.sessions.len() <= limit as usize);
        seen.extend(page.sessions.iter().cloned());
        match page.next_cursor {
            Some(next) => {
                assert_eq!(page.sessions.len(), limit as usize, "only full pages go on");
                cursor = Some(next);
            }
            None => return seen,
        }
    }
}

async fn pages_walk_every_session_once_in_order(backend: Backend) {
    let mut store = backend.open().await;
    seed(&store, 103).await;
    // Reopened so the seeded rows are in an in-memory index too.
    store.reopen().await;
    let everything = store.list_sessions().await.unwrap();
    assert_eq!(everything.len(), 103);

    for limit in [1, 7, 50, 103, 500] {
        let recent = all_pages(&*store, PageOrder::Recent, limit).await;
        assert_eq!(recent, everything, "recent order, limit {limit}");

        let pinned = all_pages(&*store, PageOrder::PinnedFirst, limit).await;
        let ids: HashSet<_> = pinned.iter().map(|s| s.id.clone()).collect();
        assert_eq!(ids.len(), 103, "no duplicates, none missed (limit {limit})");
        let mut expected = everything.clone();
        // Stable: within pinned and unpinned, the recent order stays.
        expected.sort_by_key(|s| !s.pinned);
        assert_eq!(pinned, expected, "pinned first, limit {limit}");
        assert_eq!(pinned.iter().filter(|s| s.pinned).count(), 35);
    }
}

async fn an_empty_store_is_one_empty_last_page(backend: Backend) {
    let store = backend.open().await;
    let page = store
        .list_sessions_page(PageOrder::PinnedFirst, None, 10)
        .await
        .unwrap();
    assert!(page.sessions.is_empty());
    assert_eq!(page.next_cursor, None);
}

async fn a_cursor_of_the_other_order_is_refused(backend: Backend) {
    let store = backend.open().await;
    seed(&store, 5).await;
    let page = store
        .list_sessions_page(PageOrder::Recent, None, 2)
        .await
        .unwrap();
    let cursor = page.next_cursor.unwrap();
    let err = store
        .list_sessions_page(PageOrder::PinnedFirst, Some(&cursor), 2)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::InvalidArgument { field, .. } if field == "cursor"),
        "{err:?}"
    );
}

#[tokio::test]
async fn page_queries_are_index_scans() {
    let (_dir, store) = open_temp().await;
    seed_sqlite(&store, 200).await;
    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
    for (pinned_first, index) in [
        (false, "sessions_by_last_active"),
        (true, "sessions_by_pinned_last_active"),
    ] {
        for after_cursor in [false, true] {
            let sql = page_query_sql(pinned_first, after_cursor);
            let mut plan_query = sqlx::query_as::<_, (i64, i64, i64, String)>(
                // Leaked for the test's lifetime: the query borrows its SQL.
                Box::leak(format!("EXPLAIN QUERY PLAN {sql}").into_boxed_str()),
            );
            if after_cursor {
                if pinned_first {
                    plan_query = plan_query.bind(true);
                }
                plan_query = plan_query
                    .bind(1_700_000_000_005i64)
                    .bind("sess_01JBPAGE000000000000000100");
            }
            let plan = plan_query
                .bind(51i64)
                .fetch_all(store.pool())
                .await
                .unwrap();
            let details: Vec<&str> = plan.iter().map(|row| row.3.as_str()).collect();
            assert!(
                details.iter().any(|d| d.contains(index)),
                "{sql}: {details:?}"
            );
            assert!(
                !details.iter().any(|d| d.contains("TEMP B-TREE")),
                "{sql} sorts instead of reading the index in order: {details:?}"
            );
            if after_cursor {
                assert!(
                    details.iter().any(|d| d.contains("SEARCH")),
                    "{sql} scans from the start instead of seeking the cursor: {details:?}"
                );
            }
        }
    }
}

async fn opening_reads_no_session_and_writes_before_the_first_listing_are_kept(backend: Backend) {
    let mut store = backend.open().await;
    seed(&store, 6).await;
    store.reopen().await;
    let id = |i: u32| SessionId::parse(format!("sess_01JBPAGE{i:018}")).unwrap();
    // Single sessions come from the table until the first listing.
    let stored = store.get_session(&id(1)).await.unwrap();
    assert_eq!(stored.title.as_deref(), Some("Session 1"));
    assert!(store.get_messages(&id(1), None).await.unwrap().is_empty());
    // Written before anything listed them: the listing has the writes.
    store
        .update_session(&id(2), rename("Renamed"))
        .await
        .unwrap();
    store.delete_session(&id(3)).await.unwrap();
    store.append_message(user(&id(4), "hello")).await.unwrap();
    let err = store.get_session(&id(3)).await.unwrap_err();
    assert!(matches!(err, AppError::SessionNotFound { .. }), "{err:?}");

    let listed = store.list_sessions().await.unwrap();
    assert_eq!(listed.len(), 5);
    assert!(listed.iter().all(|s| s.id != id(3)));
    assert_eq!(listed[0].id, id(4), "the latest activity first");
    assert_eq!(listed[0].message_count, 1);
    let renamed = listed.iter().find(|s| s.id == id(2)).unwrap();
    assert_eq!(renamed.title.as_deref(), Some("Renamed"));
    // The same answers as the table, field for field.
    for session in &listed {
        assert_eq!(&store.get_session(&session.id).await.unwrap(), session);
    }
    let err = store.get_session(&id(3)).await.unwrap_err();
    assert!(matches!(err, AppError::SessionNotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn postgres_page_queries_are_index_scans() {
    if support::stores::postgres_skipped() {
        return;
    }
    let store = Backend::Postgres.open().await;
    seed(&store, 5_000).await;
    store.execute("", "ANALYZE sessions").await;
    let pool = store.pg_pool().unwrap();
    for (pinned_first, index) in [
        (false, "sessions_by_last_active"),
        (true, "sessions_by_pinned_last_active"),
    ] {
        for after_cursor in [false, true] {
            let sql = clawdesk_core::store::pg_page_query_sql(pinned_first, after_cursor);
            let explain = format!("EXPLAIN {sql}");
            let mut plan_query = sqlx::query_scalar::<_, String>(&explain);
            if after_cursor {
                if pinned_first {
                    plan_query = plan_query.bind(true);
                }
                plan_query = plan_query
                    .bind(1_700_000_000_005i64)
                    .bind("sess_01JBPAGE000000000000000100");
            }
            let plan = plan_query.bind(51i64).fetch_all(pool).await.unwrap();
            let plan = plan.join("\n");
            assert!(
                plan.contains(&format!("Index Scan using {index}")),
                "{sql}: {plan}"
            );
            assert!(
                !plan.contains("Sort"),
                "{sql} sorts instead of reading the index: {plan}"
            );
            if after_cursor {
                assert!(
                    plan.contains("Index Cond"),
                    "{sql} scans from the start instead of seeking the cursor: {plan}"
                );
            }
        }
    }
}
