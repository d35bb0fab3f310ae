//! Reading a branched chat: a 5,000-message chat with 500 branch points
//! (two regenerated replies in every nine exchanges), written through the store's
//! own methods. Targets: `get_messages` with `limit` 100 under 1 ms, the
//! whole active path under 10 ms.

use clawdesk_core::ids::SessionId;
use clawdesk_core::store::{NewMessage, NewSession, SessionStore, SqliteStore};
use clawdesk_core::types::{MessageStatus, Role};
use criterion::{criterion_group, criterion_main, Criterion};
use std::sync::Arc;

const EXCHANGES: usize = 2_250;
/// Exchanges `i` with `i % 9 < 2` get their reply regenerated: 500 of 2,250.
const BRANCHED: fn(usize) -> bool = |i| i % 9 < 2;
const BRANCH_POINTS: usize = 500;

fn message(session_id: &SessionId, role: Role, content: String) -> NewMessage {
    NewMessage {
        session_id: session_id.clone(),
        role,
        content,
        model: None,
        usage: None,
        status: MessageStatus::Complete,
        tokens: None,
    }
}

/// 2,250 exchanges, 500 of them with a regenerated reply: 4,500 messages
/// on the active path, 500 more off it, 500 branch points.
async fn branched_chat(store: &SqliteStore) -> SessionId {
    let session = store
        .create_session(NewSession {
            channel_id: "desktop".into(),
            model: None,
        })
        .await
        .unwrap()
        .id;
    for i in 0..EXCHANGES {
        store
            .append_message(message(
                &session,
                Role::User,
                format!("Question {i}: how would you handle case {i} in the parser, and why?"),
            ))
            .await
            .unwrap();
        let reply = store
            .append_message(message(
                &session,
                Role::Assistant,
                format!("Answer {i}. The short version: keep the state small and pass it along."),
            ))
            .await
            .unwrap();
        if BRANCHED(i) {
            store
                .append_version(
                    &reply.id,
                    message(
                        &session,
                        Role::Assistant,
                        format!("Answer {i}, regenerated."),
                    ),
                )
                .await
                .unwrap();
        }
    }
    session
}

fn tree_benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, session) = rt.block_on(async {
        let store = SqliteStore::open(&dir.path().join("bench.db"))
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let session = branched_chat(&store).await;
        let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let path = store.get_messages(&session, None).await.unwrap();
        let branch_points = path.iter().filter(|m| m.versions.is_some()).count();
        eprintln!(
            "wrote {stored} messages ({} on the active path, {branch_points} with versions) in {:?}",
            path.len(),
            started.elapsed()
        );
        assert_eq!(stored as usize, 2 * EXCHANGES + BRANCH_POINTS);
        assert_eq!(path.len(), 2 * EXCHANGES);
        assert_eq!(branch_points, BRANCH_POINTS);
        (Arc::new(store), session)
    });

    let mut group = c.benchmark_group("tree_5000_messages_500_branch_points");
    group.sample_size(200);
    group.bench_function("get_messages_limit_100", |b| {
        b.to_async(&rt).iter(|| async {
            let page = store.get_messages(&session, Some(100)).await.unwrap();
            assert_eq!(page.len(), 100);
        })
    });
    group.sample_size(50);
    group.bench_function("get_messages_whole_path", |b| {
        b.to_async(&rt).iter(|| async {
            let path = store.get_messages(&session, None).await.unwrap();
            assert_eq!(path.len(), 2 * EXCHANGES);
        })
    });
    group.bench_function("get_live_messages", |b| {
        b.to_async(&rt).iter(|| async {
            let live = store.get_live_messages(&session).await.unwrap();
            assert_eq!(live.len(), 2 * EXCHANGES);
        })
    });
    // A switch near the start of the chat moves the whole path: the worst case.
    let (first_version, second_version) = rt.block_on(async {
        let path = store.get_messages(&session, Some(u32::MAX)).await.unwrap();
        let versions = path[1]
            .versions
            .clone()
            .expect("the first reply has versions");
        (versions.previous.unwrap(), path[1].id.clone())
    });
    let mut flip = false;
    group.bench_function("switch_branch_at_the_start", |b| {
        b.to_async(&rt).iter(|| {
            flip = !flip;
            let target = if flip {
                &first_version
            } else {
                &second_version
            };
            let store = store.clone();
            let target = target.clone();
            async move { store.switch_branch(&target).await.unwrap() }
        })
    });
    group.finish();
}

criterion_group!(benches, tree_benches);
criterion_main!(benches);
