//! Without a Secret Service the secrets go to the 0600 file, and finding
//! that out takes a bounded time: a session bus address that leads nowhere,
//! and a "bus" that accepts the connection and never answers.
//!
//! One test in a binary of its own: it points `DBUS_SESSION_BUS_ADDRESS`
//! somewhere else, which is process-wide.
#![cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]

use clawdesk_core::config::{ConfigManager, SecretStoreOptions};
use clawdesk_core::types::SecretStoreKind;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::time::{Duration, Instant};

fn assert_file_store(manager: &ConfigManager, dir: &std::path::Path) {
    let status = manager.secret_store_status();
    assert_eq!(status.kind, SecretStoreKind::File, "{}", status.detail);
    assert!(
        status.detail.contains("no OS keychain answered"),
        "{}",
        status.detail
    );
    manager
        .update("providers.anthropic.apiKey", json!("sk-ant-fallback"))
        .unwrap();
    let token = manager.ensure_gateway_token().unwrap();
    let file = dir.join("secrets.toml");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("sk-ant-fallback") && text.contains(token.expose()));
    assert!(!status.detail.contains("sk-ant"));
}

#[test]
fn without_a_secret_service_the_file_is_used_within_a_bounded_time() {
    let sockets = tempfile::tempdir().unwrap();
    let service = format!("dev.clawdesk.test.fallback.{}", std::process::id());

    // No bus at that address at all.
    let nowhere = sockets.path().join("no-bus");
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", nowhere.display()),
    );
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let manager = ConfigManager::load_with(dir.path(), &SecretStoreOptions::auto(&service));
    let elapsed = started.elapsed();
    assert!(
        elapsed < SecretStoreOptions::DEFAULT_TIMEOUT + Duration::from_secs(1),
        "{elapsed:?}"
    );
    println!("no bus: fell back to the file in {elapsed:?}");
    assert_file_store(&manager, dir.path());

    // A bus that takes the connection and never says a word: the probe's
    // timeout is what ends the wait.
    let silent = sockets.path().join("silent-bus");
    let listener = UnixListener::bind(&silent).unwrap();
    let held = std::thread::spawn(move || {
        // Keep the accepted connections open (and mute) until the test ends.
        let mut open = Vec::new();
        for stream in listener.incoming().take(4).flatten() {
            open.push(stream);
        }
        std::thread::sleep(Duration::from_secs(60));
    });
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", silent.display()),
    );
    let mut options = SecretStoreOptions::auto(&service);
    options.timeout = Duration::from_millis(800);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let manager = ConfigManager::load_with(dir.path(), &options);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    println!("silent bus: fell back to the file in {elapsed:?}");
    assert!(manager
        .secret_store_status()
        .detail
        .contains("no answer within"));
    assert_file_store(&manager, dir.path());
    drop(held);
}
