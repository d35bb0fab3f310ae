//! Store latency at scale: 10,000 sessions and 1,000,000 messages.
//! Targets (medians): list_sessions < 20 ms, get_messages(limit 50) < 2 ms.

use clawdesk_core::ids::SessionId;
use clawdesk_core::store::{SessionStore, SqliteStore};
use criterion::{criterion_group, criterion_main, Criterion};
use std::sync::Arc;

const SESSIONS: i64 = 10_000;
const MESSAGES_PER_SESSION: i64 = 100;

/// Seeds through one SQL statement per table inside a transaction: the point
/// is to measure reads at scale, not to wait minutes for a million inserts.
async fn seed(store: &SqliteStore) {
    let mut tx = store.pool().begin().await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
         INSERT INTO sessions (id, channel_id, model, title, created_at, last_active, message_count)
         SELECT printf('sess_01JBENCH%018d', i), 'desktop', 'claude-sonnet-4-5', 'Session ' || i,
                1700000000000 + i, 1700000000000 + i * 7 % 100003, ? FROM n",
    )
    .bind(SESSIONS)
    .bind(MESSAGES_PER_SESSION)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
         INSERT INTO messages (id, session_id, seq, role, content, model, input_tokens, output_tokens, status, created_at, parent_id)
         SELECT printf('msg_01JBENCH%018d', i), printf('sess_01JBENCH%018d', i / ?), i % ? + 1,
                CASE i % 2 WHEN 0 THEN 'user' ELSE 'assistant' END,
                'A message of ordinary length, about the size people type into a chat box, number ' || i,
                'claude-sonnet-4-5', 120, 340, 'complete', 1700000000000 + i,
                CASE WHEN i % ? = 0 THEN NULL ELSE printf('msg_01JBENCH%018d', i - 1) END FROM n",
    )
    .bind(SESSIONS * MESSAGES_PER_SESSION)
    .bind(MESSAGES_PER_SESSION)
    .bind(MESSAGES_PER_SESSION)
    .bind(MESSAGES_PER_SESSION)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
}

fn store_benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = rt.block_on(async {
        let path = dir.path().join("bench.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let started = std::time::Instant::now();
        seed(&store).await;
        eprintln!(
            "seeded {SESSIONS} sessions / {} messages in {:?}",
            SESSIONS * MESSAGES_PER_SESSION,
            started.elapsed()
        );
        store.close().await;
        drop(store);
        // Reopening, as at app start, reads no session; the first
        // list_sessions fills the session index from the table.
        let started = std::time::Instant::now();
        let store = SqliteStore::open(&path).await.unwrap();
        eprintln!("reopened (migrations checked) in {:?}", started.elapsed());
        let started = std::time::Instant::now();
        store.list_sessions().await.unwrap();
        eprintln!(
            "first list_sessions (session index filled) in {:?}",
            started.elapsed()
        );
        Arc::new(store)
    });

    let mut group = c.benchmark_group("store_10k_sessions_1m_messages");
    group.sample_size(30);
    group.bench_function("list_sessions", |b| {
        b.to_async(&rt).iter(|| async {
            let sessions = store.list_sessions().await.unwrap();
            assert_eq!(sessions.len(), SESSIONS as usize);
        })
    });
    group.sample_size(200);
    let mut i = 0i64;
    group.bench_function("get_messages_limit_50", |b| {
        b.to_async(&rt).iter(|| {
            // Walk across sessions so every page comes from a different place in the index.
            i = (i + 7919) % SESSIONS;
            let id = SessionId::parse(format!("sess_01JBENCH{i:018}")).unwrap();
            let store = store.clone();
            async move {
                let page = store.get_messages(&id, Some(50)).await.unwrap();
                assert_eq!(page.len(), 50);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, store_benches);
criterion_main!(benches);
