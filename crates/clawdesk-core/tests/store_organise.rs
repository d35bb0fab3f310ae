//! Organising sessions in the store: `update_session` (rename, model,
//! system prompt, pin) and the keyset-paginated list.

use clawdesk_core::ids::SessionId;
use clawdesk_core::page::{PageOrder, SessionCursor};
use clawdesk_core::store::{
    page_query_sql, NewMessage, NewSession, SessionStore, SessionUpdate, SqliteStore,
};
use clawdesk_core::types::{MessageStatus, Role, SessionInfo};
use clawdesk_core::AppError;
use std::collections::HashSet;

async fn open_temp() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("clawdesk.db"))
        .await
        .unwrap();
    (dir, store)
}

async fn new_session(store: &SqliteStore) -> SessionInfo {
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

#[tokio::test]
async fn a_rename_wins_over_the_first_message_title_before_and_after_it() {
    let (_dir, store) = open_temp().await;
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

#[tokio::test]
async fn model_prompt_and_pin_change_alone_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clawdesk.db");
    let id = {
        let store = SqliteStore::open(&path).await.unwrap();
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
        store.close().await;
        session.id
    };
    let store = SqliteStore::open(&path).await.unwrap();
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

#[tokio::test]
async fn updating_an_unknown_session_is_not_found_and_creates_nothing() {
    let (_dir, store) = open_temp().await;
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
async fn seed(store: &SqliteStore, count: i64) {
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

async fn all_pages(store: &SqliteStore, order: PageOrder, limit: u32) -> Vec<SessionInfo> {
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

#[tokio::test]
async fn pages_walk_every_session_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clawdesk.db");
    {
        let store = SqliteStore::open(&path).await.unwrap();
        seed(&store, 103).await;
        store.close().await;
    }
    // Reopened so the seeded rows are in the store's index too.
    let store = SqliteStore::open(&path).await.unwrap();
    let everything = store.list_sessions().await.unwrap();
    assert_eq!(everything.len(), 103);

    for limit in [1, 7, 50, 103, 500] {
        let recent = all_pages(&store, PageOrder::Recent, limit).await;
        assert_eq!(recent, everything, "recent order, limit {limit}");

        let pinned = all_pages(&store, PageOrder::PinnedFirst, limit).await;
        let ids: HashSet<_> = pinned.iter().map(|s| s.id.clone()).collect();
        assert_eq!(ids.len(), 103, "no duplicates, none missed (limit {limit})");
        let mut expected = everything.clone();
        // Stable: within pinned and unpinned, the recent order stays.
        expected.sort_by_key(|s| !s.pinned);
        assert_eq!(pinned, expected, "pinned first, limit {limit}");
        assert_eq!(pinned.iter().filter(|s| s.pinned).count(), 35);
    }
}

#[tokio::test]
async fn an_empty_store_is_one_empty_last_page() {
    let (_dir, store) = open_temp().await;
    let page = store
        .list_sessions_page(PageOrder::PinnedFirst, None, 10)
        .await
        .unwrap();
    assert!(page.sessions.is_empty());
    assert_eq!(page.next_cursor, None);
}

#[tokio::test]
async fn a_cursor_of_the_other_order_is_refused() {
    let (_dir, store) = open_temp().await;
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
    seed(&store, 200).await;
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

#[tokio::test]
async fn opening_reads_no_session_and_writes_before_the_first_listing_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clawdesk.db");
    {
        let store = SqliteStore::open(&path).await.unwrap();
        seed(&store, 6).await;
        store.close().await;
    }
    let store = SqliteStore::open(&path).await.unwrap();
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
