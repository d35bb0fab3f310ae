//! Killing the process mid-stream loses at most the last fraction of a
//! second of the reply: a real child process streams into a real database
//! and is killed with SIGKILL; the database is then opened again.

mod support;

use clawdesk_core::config::ConfigManager;
use clawdesk_core::metrics::MetricsRecorder;
use clawdesk_core::pipeline::Pipeline;
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
    let result = pipeline
        .send(&session.id, USER_TEXT, Arc::new(RecordingSink::default()))
        .await;
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
