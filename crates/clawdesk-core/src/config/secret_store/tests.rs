//! The choice of store and the migration, on `keyring-core`'s mock store
//! (which can fail a chosen call) and on a store that never answers. The
//! real Secret Service is tested in `tests/keychain.rs`.

use super::keychain::KeychainStore;
use super::{SecretStore, SecretStoreKind};
use crate::config::secrets::{Secret, SecretsFile};
use keyring_core::api::{CredentialApi, CredentialStoreApi};
use keyring_core::{mock, CredentialStore, Entry, Error};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SERVICE: &str = "dev.clawdesk.unit-test";

fn mock_keychain() -> (Arc<CredentialStore>, KeychainStore) {
    let store: Arc<CredentialStore> = mock::Store::new().unwrap();
    let given = store.clone();
    let keychain =
        KeychainStore::open_with(move || Ok(given), SERVICE, Duration::from_secs(5)).unwrap();
    (store, keychain)
}

/// Makes the next call on the entry `name` fail.
fn fail_next_call(store: &Arc<CredentialStore>, name: &str) {
    let entry = Entry::new_in_store(store, SERVICE, name).unwrap();
    let cred: &mock::Cred = entry.as_any().downcast_ref().unwrap();
    cred.set_error(Error::NoStorageAccess("locked".into()));
}

fn stored(store: &Arc<CredentialStore>, name: &str) -> Option<String> {
    Entry::new_in_store(store, SERVICE, name)
        .unwrap()
        .get_password()
        .ok()
}

fn file_with(dir: &std::path::Path, entries: &[(&str, &str)]) -> SecretsFile {
    let file = SecretsFile::new(dir);
    let map: BTreeMap<String, Secret> = entries
        .iter()
        .map(|(k, v)| (k.to_string(), Secret::new(*v)))
        .collect();
    file.save(&map).unwrap();
    file
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_secrets_file_moves_into_the_keychain_and_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let file = file_with(
        dir.path(),
        &[("gateway.token", "tok-1"), ("anthropic", "sk-ant-1")],
    );
    let (store, keychain) = mock_keychain();
    let opened = SecretStore::choose(file, Ok(keychain), &names(&["gateway.token", "anthropic"]));
    assert_eq!(opened.status.kind, SecretStoreKind::Keychain);
    assert!(
        opened.status.detail.contains("2 secrets moved"),
        "{}",
        opened.status.detail
    );
    assert!(!dir.path().join("secrets.toml").exists());
    assert_eq!(stored(&store, "gateway.token").as_deref(), Some("tok-1"));
    assert_eq!(stored(&store, "anthropic").as_deref(), Some("sk-ant-1"));
    assert_eq!(opened.secrets["anthropic"].expose(), "sk-ant-1");
    assert!(opened.issue.is_none());
}

#[test]
fn a_failed_write_keeps_the_file_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let file = file_with(
        dir.path(),
        &[("anthropic", "sk-ant-1"), ("openai", "sk-oa-1")],
    );
    let (store, keychain) = mock_keychain();
    fail_next_call(&store, "openai");
    let opened = SecretStore::choose(file, Ok(keychain), &names(&["anthropic", "openai"]));
    assert_eq!(opened.status.kind, SecretStoreKind::File);
    assert!(
        opened.status.detail.contains("the file is kept"),
        "{}",
        opened.status.detail
    );
    assert!(dir.path().join("secrets.toml").exists());
    assert_eq!(opened.secrets["openai"].expose(), "sk-oa-1");
    assert!(
        !opened.status.detail.contains("sk-"),
        "no secret in the detail"
    );
    assert!(matches!(opened.store, SecretStore::File(_)));
}

#[test]
fn a_failed_read_back_keeps_the_file_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let file = file_with(dir.path(), &[("gateway.token", "tok-2")]);
    let inner: Arc<CredentialStore> = mock::Store::new().unwrap();
    let failing: Arc<CredentialStore> = Arc::new(FailOnRead {
        inner: inner.clone(),
    });
    let keychain =
        KeychainStore::open_with(move || Ok(failing), SERVICE, Duration::from_secs(5)).unwrap();
    let opened = SecretStore::choose(file, Ok(keychain), &names(&["gateway.token"]));
    assert_eq!(opened.status.kind, SecretStoreKind::File);
    assert!(
        dir.path().join("secrets.toml").exists(),
        "kept until read back"
    );
    assert_eq!(opened.secrets["gateway.token"].expose(), "tok-2");
    // The write did happen; the file stays the truth until a read-back agrees.
    assert_eq!(stored(&inner, "gateway.token").as_deref(), Some("tok-2"));
}

#[test]
fn entries_only_the_keychain_has_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (store, keychain) = mock_keychain();
    Entry::new_in_store(&store, SERVICE, "openai")
        .unwrap()
        .set_password("sk-oa-keychain")
        .unwrap();
    let file = file_with(dir.path(), &[("anthropic", "sk-ant-file")]);
    let opened = SecretStore::choose(file, Ok(keychain), &names(&["anthropic", "openai"]));
    assert_eq!(opened.status.kind, SecretStoreKind::Keychain);
    assert_eq!(opened.secrets["openai"].expose(), "sk-oa-keychain");
    assert_eq!(opened.secrets["anthropic"].expose(), "sk-ant-file");
}

#[test]
fn an_unreadable_file_is_not_moved_and_stays() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secrets.toml"), "anthropic = \"sk-ant-1").unwrap();
    let (_store, keychain) = mock_keychain();
    let opened = SecretStore::choose(
        SecretsFile::new(dir.path()),
        Ok(keychain),
        &names(&["anthropic"]),
    );
    assert_eq!(opened.status.kind, SecretStoreKind::File);
    assert!(dir.path().join("secrets.toml").exists());
    let issue = opened.issue.expect("the broken file is reported");
    assert!(!issue.contains("sk-ant"), "{issue}");
    assert!(
        !opened.status.detail.contains("sk-ant"),
        "{}",
        opened.status.detail
    );
}

#[test]
fn no_keychain_means_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = file_with(dir.path(), &[("anthropic", "sk-ant-1")]);
    let opened = SecretStore::choose(file, Err("no bus".into()), &names(&["anthropic"]));
    assert_eq!(opened.status.kind, SecretStoreKind::File);
    assert!(opened.status.detail.contains("no bus"));
    assert_eq!(opened.secrets["anthropic"].expose(), "sk-ant-1");
}

#[test]
fn writes_go_to_the_keychain_entry_by_entry() {
    let (store, keychain) = mock_keychain();
    let keychain = SecretStore::Keychain(keychain);
    let mut next = BTreeMap::new();
    next.insert("anthropic".to_string(), Secret::new("sk-ant-2"));
    keychain.write(&next, &["anthropic"]).unwrap();
    assert_eq!(stored(&store, "anthropic").as_deref(), Some("sk-ant-2"));
    next.remove("anthropic");
    keychain.write(&next, &["anthropic"]).unwrap();
    assert_eq!(stored(&store, "anthropic"), None);
    // Deleting what is not there is fine.
    keychain.write(&next, &["anthropic"]).unwrap();
    fail_next_call(&store, "openai");
    next.insert("openai".to_string(), Secret::new("sk-oa-9"));
    let err = keychain.write(&next, &["openai"]).unwrap_err();
    assert_eq!(err.kind(), "storage");
    assert!(!err.to_string().contains("sk-oa-9"), "{err}");
}

#[test]
fn a_keychain_that_never_answers_is_given_up_on_in_time() {
    let started = Instant::now();
    let result = KeychainStore::open_with(
        || {
            std::thread::sleep(Duration::from_secs(30));
            Err("too late".into())
        },
        SERVICE,
        Duration::from_millis(300),
    );
    let err = result.err().expect("times out");
    assert!(err.contains("no answer within"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // A store that opened but then hangs: each call is bounded too.
    let hanging: Arc<CredentialStore> = Arc::new(Hanging {
        inner: mock::Store::new().unwrap(),
        after_probe: std::sync::atomic::AtomicBool::new(false),
    });
    let keychain =
        KeychainStore::open_with(move || Ok(hanging), SERVICE, Duration::from_millis(300)).unwrap();
    let started = Instant::now();
    let err = keychain.get_many(&names(&["anthropic"])).unwrap_err();
    assert!(err.contains("no answer within"), "{err}");
    assert!(keychain.set("anthropic", &Secret::new("x")).is_err());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// Passes everything to `inner`, but the first call on an entry that holds
/// a password (the read-back, after the write) fails.
struct FailOnRead {
    inner: Arc<CredentialStore>,
}

impl std::fmt::Debug for FailOnRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FailOnRead")
    }
}

impl CredentialStoreApi for FailOnRead {
    fn vendor(&self) -> String {
        "fail on read".into()
    }
    fn id(&self) -> String {
        "fail-on-read".into()
    }
    fn build(
        &self,
        service: &str,
        user: &str,
        mods: Option<&HashMap<&str, &str>>,
    ) -> keyring_core::Result<Entry> {
        let entry = self.inner.build(service, user, mods)?;
        // The probe entry must read as usual, so the store opens.
        if user != "clawdesk.probe" {
            if let Some(cred) = entry.as_any().downcast_ref::<mock::Cred>() {
                if cred.get_password().is_ok() {
                    cred.set_error(Error::NoStorageAccess("read refused".into()));
                }
            }
        }
        Ok(entry)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Answers the probe, then sleeps on every call.
struct Hanging {
    inner: Arc<CredentialStore>,
    after_probe: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Hanging {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hanging")
    }
}

impl CredentialStoreApi for Hanging {
    fn vendor(&self) -> String {
        "hanging".into()
    }
    fn id(&self) -> String {
        "hanging".into()
    }
    fn build(
        &self,
        service: &str,
        user: &str,
        mods: Option<&HashMap<&str, &str>>,
    ) -> keyring_core::Result<Entry> {
        if self
            .after_probe
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            std::thread::sleep(Duration::from_secs(30));
        }
        self.inner.build(service, user, mods)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
