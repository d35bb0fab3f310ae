//! Secrets in a real Secret Service (gnome-keyring in CI: `make
//! test-keychain` runs these under `dbus-run-session`). Each test files its
//! entries under a service name of its own, so a user's entries are never
//! read or touched, and deletes them at the end.
//!
//! Without a reachable Secret Service each test prints why and passes,
//! unless `CLAWDESK_TEST_REQUIRE_KEYCHAIN=1` (set by `make test-keychain`),
//! which turns that into a failure.
#![cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]

use clawdesk_core::config::{ConfigManager, SecretStoreOptions};
use clawdesk_core::types::SecretStoreKind;
use keyring_core::{CredentialStore, Entry};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A service name no one else uses, and the entries under it deleted when
/// the test ends (passing or not).
struct TestService {
    name: String,
    store: Arc<CredentialStore>,
}

impl TestService {
    /// `None` (after saying why) when no Secret Service answers.
    fn new(test: &str) -> Option<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("dev.clawdesk.test.{test}.{}.{nanos}", std::process::id());
        let options = SecretStoreOptions::auto(&name);
        let probe_dir = tempfile::tempdir().unwrap();
        let probe = ConfigManager::load_with(probe_dir.path(), &options);
        let status = probe.secret_store_status().clone();
        if status.kind != SecretStoreKind::Keychain {
            let why = format!("no Secret Service to test against: {}", status.detail);
            if std::env::var("CLAWDESK_TEST_REQUIRE_KEYCHAIN").as_deref() == Ok("1") {
                panic!("CLAWDESK_TEST_REQUIRE_KEYCHAIN=1, but {why}");
            }
            eprintln!("skipped {test}: {why}");
            return None;
        }
        let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()
            .expect("the Secret Service answered the app, so it answers the test");
        Some(Self { name, store })
    }

    fn options(&self) -> SecretStoreOptions {
        SecretStoreOptions::auto(&self.name)
    }

    /// What the Secret Service holds for `user`, read over a connection of
    /// the test's own (not through the app's cache).
    fn read(&self, user: &str) -> Option<String> {
        Entry::new_in_store(&self.store, &self.name, user)
            .unwrap()
            .get_password()
            .ok()
    }
}

impl Drop for TestService {
    fn drop(&mut self) {
        for user in ["gateway.token", "anthropic", "openai", "ollama", "groq"] {
            if let Ok(entry) = Entry::new_in_store(&self.store, &self.name, user) {
                let _ = entry.delete_credential();
            }
        }
    }
}

fn load(dir: &Path, service: &TestService) -> ConfigManager {
    let manager = ConfigManager::load_with(dir, &service.options());
    assert_eq!(
        manager.secret_store_status().kind,
        SecretStoreKind::Keychain,
        "{}",
        manager.secret_store_status().detail
    );
    manager
}

fn files_in(dir: &Path) -> String {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[test]
fn the_gateway_token_is_stored_read_and_rotated_in_the_keychain() {
    let Some(service) = TestService::new("token") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let manager = load(dir.path(), &service);
    assert!(manager.gateway_token().is_none());
    let first = manager.ensure_gateway_token().unwrap();
    assert_eq!(
        service.read("gateway.token").as_deref(),
        Some(first.expose())
    );
    assert!(manager.get().gateway.token_set);
    assert!(!dir.path().join("secrets.toml").exists(), "not in the file");

    let reloaded = load(dir.path(), &service);
    assert_eq!(
        reloaded.gateway_token(),
        Some(first.clone()),
        "read back at start"
    );
    let second = reloaded.rotate_gateway_token().unwrap();
    assert_ne!(second, first);
    assert_eq!(
        service.read("gateway.token").as_deref(),
        Some(second.expose())
    );
    assert_eq!(
        load(dir.path(), &service).gateway_token(),
        Some(second.clone())
    );
    assert!(!files_in(dir.path()).contains(second.expose()));
    let detail = &reloaded.secret_store_status().detail;
    assert!(
        detail.contains("Secret Service") && detail.contains(&service.name),
        "{detail}"
    );
}

#[test]
fn an_api_key_is_stored_replaced_and_removed_in_the_keychain() {
    let Some(service) = TestService::new("apikey") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let manager = load(dir.path(), &service);
    manager
        .update("providers.anthropic.apiKey", json!("sk-ant-keychain-1"))
        .unwrap();
    assert_eq!(
        service.read("anthropic").as_deref(),
        Some("sk-ant-keychain-1")
    );
    assert!(manager.get().providers["anthropic"].api_key_set);
    manager
        .update("providers.anthropic.apiKey", json!("sk-ant-keychain-2"))
        .unwrap();
    let reloaded = load(dir.path(), &service);
    assert_eq!(
        reloaded.api_key("anthropic").unwrap().expose(),
        "sk-ant-keychain-2"
    );
    assert!(reloaded.get().providers["anthropic"].api_key_set);
    assert!(
        !files_in(dir.path()).contains("sk-ant-keychain"),
        "no key in a file"
    );

    reloaded
        .update("providers.anthropic.apiKey", json!(null))
        .unwrap();
    assert_eq!(service.read("anthropic"), None);
    assert!(load(dir.path(), &service).api_key("anthropic").is_none());

    // A removed provider's key leaves the keychain with it.
    reloaded
        .update(
            "providers.groq",
            json!({ "kind": "openai", "baseUrl": "http://127.0.0.1:8080/v1" }),
        )
        .unwrap();
    reloaded
        .update("providers.groq.apiKey", json!("gsk-keychain"))
        .unwrap();
    assert_eq!(service.read("groq").as_deref(), Some("gsk-keychain"));
    reloaded.update("providers.groq", json!(null)).unwrap();
    assert_eq!(service.read("groq"), None);
    assert!(reloaded.api_key("groq").is_none());
}

#[test]
fn an_existing_secrets_file_moves_into_the_keychain_and_is_removed() {
    let Some(service) = TestService::new("migrate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // What an earlier version left: the file store, through the file-only manager.
    let before = ConfigManager::load(dir.path());
    assert_eq!(before.secret_store_status().kind, SecretStoreKind::File);
    let token = before.ensure_gateway_token().unwrap();
    before
        .update("providers.anthropic.apiKey", json!("sk-ant-from-file"))
        .unwrap();
    before
        .update("providers.openai.apiKey", json!("sk-oa-from-file"))
        .unwrap();
    assert!(dir.path().join("secrets.toml").exists());
    drop(before);

    let after = load(dir.path(), &service);
    assert!(
        !dir.path().join("secrets.toml").exists(),
        "removed once read back"
    );
    let detail = &after.secret_store_status().detail;
    assert!(detail.contains("3 secrets moved"), "{detail}");
    assert_eq!(
        service.read("gateway.token").as_deref(),
        Some(token.expose())
    );
    assert_eq!(
        service.read("anthropic").as_deref(),
        Some("sk-ant-from-file")
    );
    assert_eq!(service.read("openai").as_deref(), Some("sk-oa-from-file"));
    assert_eq!(after.gateway_token(), Some(token));
    assert_eq!(after.api_key("openai").unwrap().expose(), "sk-oa-from-file");
    assert!(after.get().providers["anthropic"].api_key_set);
    assert!(after.load_issues().is_empty());

    // Nothing left to move: the next start reads the keychain alone.
    let again = load(dir.path(), &service);
    assert!(!again.secret_store_status().detail.contains("moved"));
    assert_eq!(
        again.api_key("anthropic").unwrap().expose(),
        "sk-ant-from-file"
    );
}

#[test]
fn a_secrets_file_that_cannot_be_read_stays_and_stays_in_use() {
    let Some(service) = TestService::new("broken") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let broken = "anthropic = \"sk-ant-unterminated\n";
    std::fs::write(dir.path().join("secrets.toml"), broken).unwrap();
    let manager = ConfigManager::load_with(dir.path(), &service.options());
    let status = manager.secret_store_status();
    assert_eq!(status.kind, SecretStoreKind::File, "{}", status.detail);
    assert!(
        status.detail.contains("the file is kept"),
        "{}",
        status.detail
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("secrets.toml")).unwrap(),
        broken,
        "not touched"
    );
    assert_eq!(service.read("anthropic"), None);
    let issues: BTreeMap<_, _> = manager
        .load_issues()
        .iter()
        .map(|i| (i.message.clone(), ()))
        .collect();
    assert!(!issues.is_empty());
    assert!(issues.keys().all(|m| !m.contains("sk-ant")));
    assert!(!status.detail.contains("sk-ant"));
}
