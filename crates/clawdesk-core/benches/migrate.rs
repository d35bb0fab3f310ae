//! How long `clawdesk migrate` takes: a SQLite history of 1,000 sessions /
//! 100,000 messages (each chat a path of 100, one question in ten edited
//! into a second version) copied into a fresh PostgreSQL database with
//! `store::migrate::migrate_sessions`, then the same again (everything
//! skipped, only counted back). Prints the wall time and the rate of each.
//! No target: the figure says how long a user's move takes.
//!
//! PostgreSQL is the server `CLAWDESK_TEST_DATABASE_URL` names
//! (`scripts/with-postgres.sh -- cargo bench -p clawdesk-core --bench
//! migrate`). Built as a test (no `--bench`), it moves 20 sessions.

mod bench_postgres;

use bench_postgres::postgres_database;
use clawdesk_core::store::migrate::migrate_sessions;
use clawdesk_core::store::{PgStore, SqliteStore};
use std::time::Instant;

/// Every session's path of `per` messages, plus a second version of each
/// tenth question (a sibling, off the path), seeded by SQL with the columns
/// the store's own writes fill.
fn seed(sessions: i64, per: i64) -> [String; 3] {
    [
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {sessions})
             INSERT INTO sessions (id, channel_id, model, title, created_at, last_active, message_count)
             SELECT printf('sess_01JBMGRT%018d', i), 'desktop', 'ollama/llama3.2', 'Session ' || i,
                    1700000000000 + i, 1700000000000 + i, {per} FROM n"
        ),
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {total})
             INSERT INTO messages (id, session_id, seq, role, content, status, created_at, tokens,
                                   parent_id, chosen_at, has_versions)
             SELECT printf('msg_01JBMGRT%018d', i), printf('sess_01JBMGRT%018d', i / {per}),
                    i % {per} + 1, CASE i % 2 WHEN 0 THEN 'user' ELSE 'assistant' END,
                    'A message of ordinary length about topic' || (i % 10) ||
                    ' that people type into a chat box, number ' || i, 'complete',
                    1700000000000 + i, 20,
                    CASE WHEN i % {per} = 0 THEN NULL ELSE printf('msg_01JBMGRT%018d', i - 1) END,
                    1700000000000 + i, i % 20 = 0
             FROM n",
            total = sessions * per
        ),
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 20 FROM n WHERE i + 20 < {total})
             INSERT INTO messages (id, session_id, seq, role, content, status, created_at, tokens,
                                   parent_id, on_path, chosen_at, has_versions)
             SELECT printf('msg_01JBMGRV%018d', i), printf('sess_01JBMGRT%018d', i / {per}),
                    {per} + i % {per} + 1, 'user', 'An edited question, number ' || i, 'complete',
                    1700000000000 + i, 10,
                    CASE WHEN i % {per} = 0 THEN NULL ELSE printf('msg_01JBMGRT%018d', i - 1) END,
                    0, 1700000000000 + i, 1
             FROM n",
            total = sessions * per
        ),
    ]
}

fn main() {
    tokio::runtime::Runtime::new().unwrap().block_on(bench());
}

async fn bench() {
    let full = std::env::args().any(|a| a == "--bench");
    let (sessions, per) = if full { (1_000, 100) } else { (20, 40) };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(&dir.path().join("bench.db"))
        .await
        .unwrap();
    let mut tx = sqlite.pool().begin().await.unwrap();
    for statement in seed(sessions, per) {
        sqlx::query(&statement).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let postgres = PgStore::open(&postgres_database("clawdesk_bench_migrate").await)
        .await
        .unwrap();

    let started = Instant::now();
    let first = migrate_sessions(&sqlite, &postgres, &|_, _| {})
        .await
        .unwrap();
    let copy = started.elapsed();
    assert!(first.is_complete(), "{first:?}");
    assert_eq!(first.copied_sessions as i64, sessions);

    let started = Instant::now();
    let again = migrate_sessions(&sqlite, &postgres, &|_, _| {})
        .await
        .unwrap();
    let rerun = started.elapsed();
    assert!(again.is_complete(), "{again:?}");
    assert_eq!(again.skipped_sessions as i64, sessions);

    let messages = first.source_messages as f64;
    println!(
        "{} sessions / {} messages (with {} versions off the path)",
        first.source_sessions,
        first.source_messages,
        first.source_messages as i64 - sessions * per
    );
    for (what, took) in [("copy", copy), ("rerun, all skipped", rerun)] {
        println!(
            "{what:<20} {:>7.2} s  {:>8.0} sessions/s  {:>9.0} messages/s",
            took.as_secs_f64(),
            sessions as f64 / took.as_secs_f64(),
            messages / took.as_secs_f64()
        );
    }
    postgres.close().await;
    sqlite.close().await;
}
