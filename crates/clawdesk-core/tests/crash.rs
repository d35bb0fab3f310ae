//! Killing the process mid-stream loses at most the last fraction of a
//! second of the reply: a real child process streams into a real database
//! and is killed with SIGKILL; the database is then opened again.

mod support;

use clawdesk_core::config::ConfigManager;
use clawdesk_core::metrics::MetricsRecorder;
use clawdesk_core::pipeline::{Pipeline, Turn};
use clawdesk_core::registry::{ProviderRegistry, DESKTOP_CHANNEL};
use clawdesk_core::store::{NewSession, SessionStore, SqliteStore};
use clawdesk_core::types::{MessageStatus, Role};
use provider_double::{ProviderDouble, Script};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use support::{configure, RecordingSink, Wire};

const CHILD_DIR: &str = "CLAWDESK_CRASH_CHILD_DIR";
const CHILD_PROVIDER: &str = "CLAWDESK_CRASH_CHILD_PROVIDER";
/// Set: the child asks, gets a short answer, then edits its question and is
/// killed while the edit's reply streams.
const CHILD_EDITS: &str = "CLAWDESK_CRASH_CHILD_EDITS";
const EDITED_TEXT: &str = "Write a very long poem instead, please.";
const USER_TEXT: &str = "Write a very long story, please.";

fn story_chunk(i: usize) -> String {
    format!("word{i} ")
}

/// The child's side: stream a reply that never ends, until killed.
#[tokio::test]
#[ignore = "entry point of the child process started by the SIGKILL test"]
async fn crash_child() {
    let dir = PathBuf::from(std::env::var(CHILD_DIR).expect("run by the SIGKILL test"));
    let base = std::env::var(CHILD_PROVIDER).unwrap();
    let store: Arc<dyn SessionStore> =
        Arc::new(SqliteStore::open(&dir.join("clawdesk.db")).await.unwrap());
    let config = Arc::new(ConfigManager::load(&dir.join("config")));
    configure(&config, Wire::Anthropic, &base);
    let pipeline = Pipeline::new(
        store.clone(),
        Arc::new(ProviderRegistry::with_config_manager(config.clone())),
        config.shared(),
        Arc::new(MetricsRecorder::new()),
    );
    let session = store
        .create_session(NewSession {
            channel_id: DESKTOP_CHANNEL.into(),
            model: None,
        })
        .await
        .unwrap();
    let sink = Arc::new(RecordingSink::default());
    if std::env::var_os(CHILD_EDITS).is_some() {
        pipeline
            .send(&session.id, USER_TEXT, sink.clone())
            .await
            .unwrap();
        let question = store.get_messages(&session.id, None).await.unwrap()[0]
            .id
            .clone();
        let started = pipeline
            .start_streaming(
                Turn::Edit {
                    of: &question,
                    content: EDITED_TEXT,
                },
                sink.clone(),
            )
            .await;
        let _ = started.unwrap();
        std::future::pending::<()>().await;
    }
    let result = pipeline.send(&session.id, USER_TEXT, sink).await;
    panic!("the reply should still be streaming when the process is killed: {result:?}");
}

#[tokio::test]
async fn sigkill_mid_stream_keeps_the_user_message_and_the_partial_reply() {
    let double = ProviderDouble::start().await;
    // 20 chunks a second for far longer than the test runs.
    double.enqueue(Script::chunks((0..10_000).map(story_chunk).collect()).interval(50));
    let dir = tempfile::tempdir().unwrap();

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "crash_child", "--nocapture"])
        .env(CHILD_DIR, dir.path())
        .env(CHILD_PROVIDER, double.base_url())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    double.wait_for_requests(1, Duration::from_secs(60)).await;
    // Long enough for several batched writes (every 200 ms) to land.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    child.kill().unwrap(); // SIGKILL: no destructors, no shutdown code.
    child.wait().unwrap();

    // "Starting again": the app opens the store and recovers.
    let store = SqliteStore::open(&dir.path().join("clawdesk.db"))
        .await
        .unwrap();
    let sessions = store.list_sessions().await.unwrap();
    assert_eq!(sessions.len(), 1);
    let messages = store.get_messages(&sessions[0].id, None).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        (messages[0].role, messages[0].content.as_str()),
        (Role::User, USER_TEXT)
    );
    let partial = &messages[1];
    assert_eq!(partial.status, MessageStatus::Streaming);
    let full: String = (0..10_000).map(story_chunk).collect();
    assert!(
        partial.content.len() >= story_chunk(0).len() * 10 && full.starts_with(&partial.content),
        "partial reply kept: {:?}",
        partial.content
    );

    assert_eq!(store.recover_interrupted().await.unwrap(), 1);
    let recovered = &store.get_messages(&sessions[0].id, None).await.unwrap()[1];
    assert_eq!(recovered.status, MessageStatus::Failed);
    assert_eq!(recovered.content, partial.content);
}

#[tokio::test]
async fn sigkill_while_an_edit_streams_keeps_both_versions() {
    let double = ProviderDouble::start().await;
    double.enqueue(Script::reply("A short story."));
    double.enqueue(Script::chunks((0..10_000).map(story_chunk).collect()).interval(50));
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "crash_child", "--nocapture"])
        .env(CHILD_DIR, dir.path())
        .env(CHILD_PROVIDER, double.base_url())
        .env(CHILD_EDITS, "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    double.wait_for_requests(2, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    child.kill().unwrap();
    child.wait().unwrap();

    let store = SqliteStore::open(&dir.path().join("clawdesk.db"))
        .await
        .unwrap();
    let session = store.list_sessions().await.unwrap().remove(0);
    assert_eq!(store.recover_interrupted().await.unwrap(), 1);
    let shown = store.get_messages(&session.id, None).await.unwrap();
    assert_eq!(shown.len(), 2);
    assert_eq!(shown[0].content, EDITED_TEXT);
    assert_eq!(
        shown[0].versions.as_ref().map(|v| (v.position, v.count)),
        Some((2, 2))
    );
    assert_eq!(shown[1].status, MessageStatus::Failed);
    assert!(
        shown[1].content.starts_with(&story_chunk(0)),
        "{:?}",
        shown[1].content
    );

    let first = shown[0]
        .versions
        .as_ref()
        .unwrap()
        .previous
        .clone()
        .unwrap();
    store.switch_branch(&first).await.unwrap();
    let before = store.get_messages(&session.id, None).await.unwrap();
    assert_eq!(
        before
            .iter()
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>(),
        [USER_TEXT, "A short story."]
    );
}

const INDEX_CHILD_DIR: &str = "CLAWDESK_INDEX_CRASH_CHILD_DIR";

/// The child's side of the search-index test: writes as fast as it can
/// (appends, rewrites like a streaming reply, deletions, Latin and CJK
/// text) until killed, so the kill lands inside a write.
#[tokio::test]
#[ignore = "entry point of the child process started by the search-index SIGKILL test"]
async fn index_crash_child() {
    let dir = PathBuf::from(std::env::var(INDEX_CHILD_DIR).expect("run by the SIGKILL test"));
    let store = SqliteStore::open(&dir.join("clawdesk.db")).await.unwrap();
    for round in 0u64.. {
        let session = store
            .create_session(NewSession {
                channel_id: DESKTOP_CHANNEL.into(),
                model: None,
            })
            .await
            .unwrap();
        let mut last = None;
        for i in 0..20 {
            let text = if i % 3 == 0 {
                format!("日本語のメッセージ {round}-{i}")
            } else {
                format!("message number {round}-{i} about café")
            };
            let message = store
                .append_message(clawdesk_core::store::NewMessage {
                    session_id: session.id.clone(),
                    role: Role::User,
                    content: text,
                    model: None,
                    usage: None,
                    status: MessageStatus::Streaming,
                    tokens: None,
                })
                .await
                .unwrap();
            last = Some(message.id);
        }
        let last = last.unwrap();
        for step in 0..10 {
            let text = if step % 2 == 0 {
                "a reply growing"
            } else {
                "中文的回复"
            };
            store
                .update_message(
                    &last,
                    &text.repeat(step + 1),
                    MessageStatus::Streaming,
                    None,
                )
                .await
                .unwrap();
        }
        if round % 3 == 2 {
            store.delete_session(&session.id).await.unwrap();
        }
    }
}

#[tokio::test]
async fn sigkill_during_writes_leaves_the_search_index_matching_the_messages() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clawdesk.db");
    // Several kills at different moments, each followed by a check.
    for (round, wait_ms) in [350u64, 700, 1_100].into_iter().enumerate() {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "index_crash_child", "--nocapture"])
            .env(INDEX_CHILD_DIR, dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The child is writing once its WAL has grown.
        let started = std::time::Instant::now();
        loop {
            let written = std::fs::metadata(db.with_extension("db-wal"))
                .map(|m| m.len() > 64 * 1024)
                .unwrap_or(false);
            if written || started.elapsed() > Duration::from_secs(30) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        child.kill().unwrap(); // SIGKILL, most likely mid-transaction.
        child.wait().unwrap();

        let store = SqliteStore::open(&db).await.unwrap();
        store
            .check_search_index()
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        // And the index answers like the table: every message found by its own words.
        let messages: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert!(messages > 0, "round {round}: the child wrote nothing");
        let unmatched: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM messages m WHERE m.rowid NOT IN
               (SELECT rowid FROM message_search WHERE message_search MATCH '\"message\" OR \"reply\"')
             AND m.rowid NOT IN
               (SELECT rowid FROM message_search_cjk WHERE message_search_cjk MATCH '\"メッセージ\" OR \"的回复\"')",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(
            unmatched, 0,
            "round {round}: messages the index cannot find"
        );
        store.close().await;
    }
}
