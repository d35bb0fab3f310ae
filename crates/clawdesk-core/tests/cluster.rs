//! Two processes of the backend on one PostgreSQL database act as one
//! service (issue 15): a subscriber of either sees the other's stream
//! events in order with one terminal event, a session streams in one place
//! at a time, cancel and delete reach the process that streams, and the
//! replies of a process that died are failed, text kept, by a survivor.
//!
//! Each "process" is a whole backend (`ClawDesk`) with its own store pool
//! and its own `PgCluster`, as two `clawdesk serve` have; the provider is
//! the loopback double speaking OpenAI's wire format. Run through
//! `scripts/with-postgres.sh`; skipped like the other PostgreSQL tests.

mod support;

use clawdesk_core::api::ClawDesk;
use clawdesk_core::cluster::{ClusterOptions, PgCluster, PROCESS_DIED};
use clawdesk_core::config::ConfigManager;
use clawdesk_core::error::{AppError, FailureCode};
use clawdesk_core::ids::SessionId;
use clawdesk_core::pipeline::StreamEvent;
use clawdesk_core::store::{PgStore, SessionStore};
use clawdesk_core::types::{MessageStatus, StorageKind, StorageStatus};
use provider_double::{Ending, ProviderDouble, Script};
use std::sync::Arc;
use std::time::Duration;
use support::stores::{postgres_skipped, Backend, TestStore};
use support::{configure, is_final, RecordingSink, Wire};
use tokio::sync::broadcast;

const WIRE: Wire = Wire::OpenAi {
    include_usage: true,
};

/// Quick sweeps, so what a death leaves is cleaned up within 100 ms. The
/// tests make their dead processes by hand (an old heartbeat, a deleted
/// row), so the lease time can stay long enough that a live process on a
/// loaded machine is never taken for dead.
const FAST: ClusterOptions = ClusterOptions {
    heartbeat: Duration::from_millis(100),
    lease_ttl: Duration::from_secs(3),
};

struct Process {
    desk: ClawDesk,
    cluster: Arc<PgCluster>,
    /// What this process's window would get (its own replies only).
    window: Arc<RecordingSink>,
    /// The process's store's pool, for looking at the tables.
    pool: sqlx::PgPool,
    _dir: tempfile::TempDir,
}

async fn process(url: &str, double: &ProviderDouble) -> Process {
    let dir = tempfile::tempdir().unwrap();
    let config = Arc::new(ConfigManager::load(&dir.path().join("config")));
    configure(&config, WIRE, &double.base_url());
    let store = PgStore::open(url).await.unwrap();
    let cluster = PgCluster::join(&store, FAST).await.unwrap();
    let window = Arc::new(RecordingSink::default());
    let pool = store.pool().clone();
    let storage = StorageStatus {
        kind: StorageKind::Postgres,
        location: store.shown_url().to_string(),
    };
    let desk = ClawDesk::with_store_in_cluster(
        config,
        Arc::new(store),
        storage,
        window.clone(),
        cluster.clone(),
    );
    Process {
        desk,
        cluster,
        window,
        pool,
        _dir: dir,
    }
}

/// A database and two processes on it, or `None` when PostgreSQL tests are
/// skipped.
async fn two_processes() -> Option<(TestStore, ProviderDouble, Process, Process)> {
    if postgres_skipped() {
        return None;
    }
    let database = Backend::Postgres.open().await;
    let url = database.database_url().unwrap().to_string();
    let double = ProviderDouble::start().await;
    double.set_models(vec![WIRE.model().into()]);
    let a = process(&url, &double).await;
    let b = process(&url, &double).await;
    Some((database, double, a, b))
}

fn slow_reply(chunks: usize, interval_ms: u64) -> Script {
    Script::chunks((0..chunks).map(|n| format!("part{n} ")).collect()).interval(interval_ms)
}

/// The events of `session` a subscriber gets, up to and including the
/// stream's terminal event.
async fn stream_of(
    events: &mut broadcast::Receiver<StreamEvent>,
    session: &SessionId,
) -> Vec<StreamEvent> {
    let mut seen = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let event = events.recv().await.expect("no events lost");
            if event.session_id() != session {
                continue;
            }
            let last = is_final(&event);
            seen.push(event);
            if last {
                return;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the stream did not end; saw {seen:?}"));
    seen
}

/// Waits until `done` holds, checking every 20 ms (panics after 10 s).
async fn eventually<F: std::future::Future<Output = bool>>(what: &str, done: impl Fn() -> F) {
    for _ in 0..500 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what} did not happen in time");
}

async fn reply_status(
    store: &Arc<dyn SessionStore>,
    session: &SessionId,
) -> (MessageStatus, String) {
    let messages = store.get_messages(session, None).await.unwrap();
    let reply = messages.last().unwrap();
    (reply.status, reply.content.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_of_one_process_sees_the_replies_of_the_other() {
    let Some((_db, double, a, b)) = two_processes().await else {
        return;
    };
    double.set_default(slow_reply(30, 5));
    let session = a.desk.create_session(None, None).await.unwrap().id;
    let mut on_b = b.desk.subscribe();
    let mut on_a = a.desk.subscribe();
    a.desk
        .send_message_streaming(&session, "hello")
        .await
        .unwrap();

    for (who, events) in [("b", &mut on_b), ("a", &mut on_a)] {
        let seen = stream_of(events, &session).await;
        assert!(matches!(seen[0], StreamEvent::Start(_)), "{who}: {seen:?}");
        let chunks: Vec<_> = seen
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Chunk(c) => Some(c),
                _ => None,
            })
            .collect();
        assert_eq!(chunks.len(), 30, "{who}");
        assert!(
            chunks
                .iter()
                .enumerate()
                .all(|(n, c)| c.index as usize == n),
            "{who}: in order"
        );
        let text: String = chunks.iter().map(|c| c.content.as_str()).collect();
        assert_eq!(
            text,
            (0..30).map(|n| format!("part{n} ")).collect::<String>()
        );
        assert_eq!(seen.iter().filter(|e| is_final(e)).count(), 1, "{who}");
        assert!(matches!(seen.last(), Some(StreamEvent::End(_))), "{who}");
    }
    // Health names the servers sharing the database.
    let health = b.desk.get_health().await.unwrap();
    let cluster = health.checks.iter().find(|c| c.name == "cluster").unwrap();
    assert!(
        cluster.detail.starts_with("2 servers on this database"),
        "{cluster:?}"
    );
    assert!(cluster.detail.contains(b.cluster.instance_id()));
    // Nothing was relayed twice or back to its own process.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(on_a.try_recv().is_err() && on_b.try_recv().is_err());
    // B's window asked for nothing: other processes' replies reach
    // subscribers, not the window.
    assert!(b.window.events().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_streams_in_one_process_at_a_time() {
    let Some((_db, double, a, b)) = two_processes().await else {
        return;
    };
    double.set_default(slow_reply(20, 20));
    let session = a.desk.create_session(None, None).await.unwrap().id;
    let mut on_b = b.desk.subscribe();
    a.desk
        .send_message_streaming(&session, "first")
        .await
        .unwrap();

    let busy = |result: Result<(), AppError>| matches!(result, Err(AppError::SessionBusy { .. }));
    assert!(busy(
        b.desk.send_message_streaming(&session, "second").await
    ));
    assert!(busy(b.desk.compact_session(&session).await.map(drop)));
    let question = b.desk.get_messages(&session, None).await.unwrap()[0]
        .id
        .clone();
    assert!(busy(b.desk.switch_branch(&question).await));
    assert!(busy(
        b.desk.edit_message(&question, "edited").await.map(drop)
    ));

    // The end frees the session everywhere before anyone hears of it: B
    // sends the moment its subscriber sees A's reply end.
    let seen = stream_of(&mut on_b, &session).await;
    assert!(matches!(seen.last(), Some(StreamEvent::End(_))));
    double.set_default(Script::reply("quick"));
    b.desk
        .send_message_streaming(&session, "second")
        .await
        .unwrap();
    stream_of(&mut on_b, &session).await;
    let messages = b.desk.get_messages(&session, None).await.unwrap();
    let texts: Vec<_> = messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts.len(), 4, "{texts:?}");
    assert_eq!(texts[2], "second");

    // Sends racing from both processes to fresh sessions: one winner each
    // (its reply lasts long enough that the other surely meets it).
    double.set_default(slow_reply(5, 40));
    for _ in 0..10 {
        let session = a.desk.create_session(None, None).await.unwrap().id;
        let (x, y) = tokio::join!(
            a.desk.send_message_streaming(&session, "from a"),
            b.desk.send_message_streaming(&session, "from b"),
        );
        let won = [&x, &y].iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "{x:?} {y:?}");
        assert!(busy(if x.is_ok() { y } else { x }));
        stream_of(&mut on_b, &session).await;
        let stored = a.desk.get_messages(&session, None).await.unwrap();
        assert_eq!(stored.len(), 2, "the loser stored nothing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_and_delete_reach_the_process_that_streams() {
    let Some((_db, double, a, b)) = two_processes().await else {
        return;
    };
    double.set_default(slow_reply(200, 20));
    let session = a.desk.create_session(None, None).await.unwrap().id;
    let mut on_b = b.desk.subscribe();
    a.desk
        .send_message_streaming(&session, "long")
        .await
        .unwrap();
    a.window
        .wait_until(|events| {
            events
                .iter()
                .any(|e| matches!(e, StreamEvent::Chunk(c) if c.index >= 3))
        })
        .await;
    b.desk.cancel_stream(&session).await.unwrap();
    let seen = stream_of(&mut on_b, &session).await;
    match seen.last() {
        Some(StreamEvent::Error(error)) => assert_eq!(error.code, FailureCode::Cancelled),
        other => panic!("{other:?}"),
    }
    let (status, text) = reply_status(&a.desk.session_store, &session).await;
    assert_eq!(status, MessageStatus::Cancelled);
    assert!(text.starts_with("part0 part1 part2 part3 "), "{text}");

    // Deleting on B while A streams: A stops and stores, then it is gone.
    let doomed = a.desk.create_session(None, None).await.unwrap().id;
    a.desk
        .send_message_streaming(&doomed, "long")
        .await
        .unwrap();
    a.window
        .wait_until(|events| {
            events
                .iter()
                .any(|e| matches!(e, StreamEvent::Chunk(c) if c.session_id == doomed))
        })
        .await;
    b.desk.delete_session(&doomed).await.unwrap();
    let ends = a
        .window
        .for_session(&doomed)
        .into_iter()
        .filter(is_final)
        .count();
    assert_eq!(ends, 1);
    assert!(matches!(
        a.desk.get_session(&doomed).await,
        Err(AppError::SessionNotFound { .. })
    ));
    // The lease went with the delete: the id is free again everywhere.
    let leases: i64 = sqlx::query_scalar("SELECT count(*) FROM session_leases")
        .fetch_one(&a.pool)
        .await
        .unwrap();
    assert_eq!(leases, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replies_of_a_dead_process_are_failed_by_a_survivor() {
    let Some((db, double, a, b)) = two_processes().await else {
        return;
    };
    // A process that stopped heartbeating while it held a session with a
    // reply half written: its row, its lease, its reply, as a SIGKILL
    // leaves them.
    let session = a.desk.create_session(None, None).await.unwrap().id;
    double.set_default(Script::reply("the answer so far"));
    let mut on_a = a.desk.subscribe();
    let mut on_b = b.desk.subscribe();
    a.desk.send_message(&session, "question").await.unwrap();
    // Its own events first (relayed to B a moment later).
    for events in [&mut on_a, &mut on_b] {
        stream_of(events, &session).await;
    }
    let reply = a.desk.get_messages(&session, None).await.unwrap()[1]
        .id
        .clone();
    let pool = b.pool.clone();
    sqlx::raw_sql(&format!(
        "INSERT INTO instances (id, host, pid, heartbeat_at) VALUES ('gone', 'h', 1, now() - interval '1 hour');
         INSERT INTO session_leases (session_id, instance_id, lease_id) VALUES ('{session}', 'gone', 'l');"
    ))
    .execute(&pool)
    .await
    .unwrap();
    // The reply back to streaming, through the store as a stream writes it.
    b.desk
        .session_store
        .update_message(&reply, "the answer so far", MessageStatus::Streaming, None)
        .await
        .unwrap();

    // Whoever sweeps first fails it, once; every subscriber hears of it.
    for events in [&mut on_a, &mut on_b] {
        let seen = stream_of(events, &session).await;
        assert_eq!(seen.len(), 1, "{seen:?}");
        match &seen[0] {
            StreamEvent::Error(error) => {
                assert_eq!(error.message_id, reply);
                assert_eq!(error.code, FailureCode::Internal);
                assert_eq!(error.message, PROCESS_DIED);
            }
            other => panic!("{other:?}"),
        }
    }
    let stored = b.desk.session_store.get_message(&reply).await.unwrap();
    assert_eq!(stored.status, MessageStatus::Failed);
    assert_eq!(stored.content, "the answer so far");
    assert_eq!(stored.failure.unwrap().message, PROCESS_DIED);
    let gone: i64 = sqlx::query_scalar("SELECT count(*) FROM instances WHERE id = 'gone'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(gone, 0);
    // The session is free again, and search counts the failed reply's words.
    b.desk.send_message(&session, "again").await.unwrap();
    let store = PgStore::open(db.database_url().unwrap()).await.unwrap();
    store.check_search_index().await.unwrap();
    drop(a);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_declared_dead_stops_its_replies_and_a_starting_one_spares_live_ones() {
    let Some((db, double, a, b)) = two_processes().await else {
        return;
    };
    double.set_default(slow_reply(200, 20));
    let session = a.desk.create_session(None, None).await.unwrap().id;
    let (mut on_a, mut on_b) = (a.desk.subscribe(), b.desk.subscribe());
    a.desk
        .send_message_streaming(&session, "long")
        .await
        .unwrap();
    a.window
        .wait_until(|events| events.iter().any(|e| matches!(e, StreamEvent::Chunk(_))))
        .await;

    // A process starting meanwhile recovers only replies nobody holds.
    let starting = PgStore::open(db.database_url().unwrap()).await.unwrap();
    assert_eq!(starting.recover_interrupted().await.unwrap(), 0);
    assert_eq!(
        reply_status(&a.desk.session_store, &session).await.0,
        MessageStatus::Streaming
    );

    // B decides A is dead (as after a long pause): A notices at its next
    // heartbeat and stops its reply rather than write on as a zombie.
    // (What B's sweep does to a process whose heartbeat expired; done
    // directly, as A's own heartbeat would otherwise race a stale time.)
    sqlx::query(
        "WITH gone AS (DELETE FROM instances WHERE id = $1)
         DELETE FROM session_leases WHERE instance_id = $1",
    )
    .bind(a.cluster.instance_id())
    .execute(&b.pool)
    .await
    .unwrap();
    let end = a.window.wait_for_end(&session).await;
    assert!(matches!(end, StreamEvent::Error(_)), "{end:?}");
    // Every subscriber, on either process, sees the stream end once: with
    // the survivor's `internal` error, not A's own cancel besides.
    for events in [&mut on_a, &mut on_b] {
        let seen = stream_of(events, &session).await;
        match seen.last() {
            Some(StreamEvent::Error(error)) => assert_eq!(error.code, FailureCode::Internal),
            other => panic!("{other:?}"),
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for events in [&mut on_a, &mut on_b] {
        while let Ok(event) = events.try_recv() {
            assert!(
                event.session_id() != &session || !is_final(&event),
                "a second end: {event:?}"
            );
        }
    }
    eventually("A's reply is stored with its text", || async {
        let (status, text) = reply_status(&b.desk.session_store, &session).await;
        status != MessageStatus::Streaming && text.starts_with("part0 ")
    })
    .await;
    // A joined again and works.
    eventually("A re-registers", || async {
        let alive: i64 = sqlx::query_scalar("SELECT count(*) FROM instances WHERE id = $1")
            .bind(a.cluster.instance_id())
            .fetch_one(&b.pool)
            .await
            .unwrap();
        alive == 1
    })
    .await;
    double.set_default(Script::reply("fine"));
    a.desk.send_message(&session, "still there?").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_frees_the_sessions_at_once() {
    let Some((_db, double, a, b)) = two_processes().await else {
        return;
    };
    double.set_default(slow_reply(500, 20).ending(Ending::Stall));
    let session = a.desk.create_session(None, None).await.unwrap().id;
    a.desk
        .send_message_streaming(&session, "long")
        .await
        .unwrap();
    a.window
        .wait_until(|events| events.iter().any(|e| matches!(e, StreamEvent::Chunk(_))))
        .await;
    a.desk.shut_down().await;
    let (status, text) = reply_status(&b.desk.session_store, &session).await;
    assert_eq!(status, MessageStatus::Cancelled);
    assert!(text.starts_with("part0 "));
    double.set_default(Script::reply("over here"));
    b.desk.send_message(&session, "b takes over").await.unwrap();
}
