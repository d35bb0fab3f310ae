//! Which store the core opens: SQLite with nothing configured, PostgreSQL
//! when `storage.databaseUrl` names a server. The URL's password shows
//! nowhere: not in health, not in errors, not in the config.

mod support;

use clawdesk_core::config::ConfigManager;
use clawdesk_core::types::{HealthLevel, StorageKind};
use clawdesk_core::{AppError, ClawDesk};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use support::stores::{postgres_skipped, Backend};
use support::RecordingSink;

async fn desk(dir: &Path) -> ClawDesk {
    // Hermetic: health asks the providers, and Ollama's default address is
    // a real port on this machine. No provider is needed here.
    ConfigManager::load(&dir.join("config"))
        .update("providers.ollama.enabled", json!(false))
        .unwrap();
    let db = dir.join("clawdesk.db");
    ClawDesk::initialize(
        &dir.join("config"),
        move |_| db,
        Arc::new(RecordingSink::default()),
    )
    .await
}

fn configure_url(dir: &Path, url: &str) {
    ConfigManager::load(&dir.join("config"))
        .update("storage.databaseUrl", json!(url))
        .unwrap();
}

#[tokio::test]
async fn nothing_configured_is_the_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let desk = desk(dir.path()).await;
    let health = desk.get_health().await.unwrap();
    assert_eq!(health.storage.kind, StorageKind::Sqlite);
    assert_eq!(
        health.storage.location,
        dir.path().join("clawdesk.db").display().to_string()
    );
    desk.create_session(None, None).await.unwrap();
    assert!(dir.path().join("clawdesk.db").exists());
}

#[tokio::test]
async fn an_unreachable_server_is_an_unhealthy_store_that_keeps_its_password() {
    let dir = tempfile::tempdir().unwrap();
    // Port 1 of loopback: nothing listens there.
    configure_url(dir.path(), "postgres://alice:s3cretpw@127.0.0.1:1/chats");
    let desk = desk(dir.path()).await;
    let health = desk.get_health().await.unwrap();
    assert_eq!(health.storage.kind, StorageKind::Postgres);
    assert_eq!(
        health.storage.location,
        "postgres://alice:***@127.0.0.1:1/chats"
    );
    let store_check = health.checks.iter().find(|c| c.name == "store").unwrap();
    assert_eq!(store_check.status, HealthLevel::Unhealthy);
    let shown = serde_json::to_string(&health).unwrap();
    assert!(!shown.contains("s3cretpw"), "{shown}");
    let err = desk.list_sessions().await.unwrap_err();
    assert!(matches!(err, AppError::Storage { .. }), "{err:?}");
    assert!(!err.to_string().contains("s3cretpw"), "{err}");
    assert!(
        !dir.path().join("clawdesk.db").exists(),
        "no SQLite fallback"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_server_holds_the_sessions() {
    if postgres_skipped() {
        return;
    }
    let database = Backend::Postgres.open().await;
    let url = database.database_url().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    configure_url(dir.path(), &url);
    let desk = desk(dir.path()).await;
    let health = desk.get_health().await.unwrap();
    assert_eq!(health.storage.kind, StorageKind::Postgres);
    assert_eq!(
        health.storage.location,
        clawdesk_core::store::database_url::mask_database_url(&url)
    );
    let password = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('@').next())
        .and_then(|user| user.split_once(':'))
        .map(|(_, password)| password.to_string());
    if let Some(password) = password.filter(|p| !p.is_empty()) {
        let shown = serde_json::to_string(&health).unwrap();
        assert!(!shown.contains(&password), "{shown}");
        let config = serde_json::to_string(&desk.get_config().await.unwrap()).unwrap();
        assert!(!config.contains(&password), "{config}");
    }
    let created = desk.create_session(None, None).await.unwrap();
    // Written to the server: another store on the database sees it.
    assert_eq!(database.get_session(&created.id).await.unwrap(), created);
    assert!(!dir.path().join("clawdesk.db").exists());
}
