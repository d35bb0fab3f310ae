//! The OS keychain through `keyring-core`: the Secret Service on Linux and
//! the BSDs, Keychain Services on macOS, the Credential Manager on Windows.
//!
//! Every call runs on a thread of its own and is waited for at most
//! `timeout`: a Secret Service that is being activated, locked behind a
//! prompt nobody can answer, or a bus that accepts and never replies must
//! not hang start-up or a settings change. A call that times out is left
//! to finish (or not) on its thread; the caller gets an error.
//!
//! Error texts never carry a secret: `keyring-core` errors that can hold the
//! stored bytes (`BadEncoding`, `BadDataFormat`) are described without them.

use crate::config::Secret;
use keyring_core::{CredentialStore, Entry, Error};
use std::collections::BTreeMap;
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// The entry the availability probe reads. It is never written: reading a
/// missing entry proves the store answers without prompting anyone.
const PROBE_ENTRY: &str = "clawdesk.probe";

#[derive(Clone)]
pub(crate) struct KeychainStore {
    store: Arc<CredentialStore>,
    /// The service every entry is filed under (`dev.clawdesk.app`); each
    /// secret's name is the entry's user/account.
    service: String,
    timeout: Duration,
}

/// What the keychain of this platform is called, for people.
pub(crate) fn platform_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager"
    } else {
        "Secret Service"
    }
}

impl KeychainStore {
    /// Opens the platform's store and reads the probe entry, all within
    /// `timeout`; `Err` says why the keychain cannot be used.
    pub(crate) fn open(service: &str, timeout: Duration) -> Result<Self, String> {
        Self::open_with(platform_store, service, timeout)
    }

    /// [`KeychainStore::open`] on the store `make` returns (tests give a
    /// mock, or one that never answers).
    pub(crate) fn open_with(
        make: impl FnOnce() -> Result<Arc<CredentialStore>, String> + Send + 'static,
        service: &str,
        timeout: Duration,
    ) -> Result<Self, String> {
        if service.trim().is_empty() {
            return Err("the keychain service name is empty".into());
        }
        let service = service.to_string();
        let probe_service = service.clone();
        let store = within(timeout, "opening the keychain", move || {
            let store = make()?;
            let entry =
                Entry::new_in_store(&store, &probe_service, PROBE_ENTRY).map_err(describe)?;
            match entry.get_password() {
                Ok(_) | Err(Error::NoEntry) => Ok(store),
                Err(err) => Err(describe(err)),
            }
        })?;
        Ok(Self {
            store,
            service,
            timeout,
        })
    }

    pub(crate) fn service(&self) -> &str {
        &self.service
    }

    /// Reads each named entry; a missing one is left out.
    pub(crate) fn get_many(&self, names: &[String]) -> Result<BTreeMap<String, Secret>, String> {
        let (store, service) = (self.store.clone(), self.service.clone());
        let names = names.to_vec();
        within(self.timeout, "reading from the keychain", move || {
            let mut found = BTreeMap::new();
            for name in names {
                let entry = Entry::new_in_store(&store, &service, &name).map_err(describe)?;
                match entry.get_password() {
                    Ok(value) => {
                        found.insert(name, Secret::new(value));
                    }
                    Err(Error::NoEntry) => {}
                    Err(err) => return Err(format!("{name}: {}", describe(err))),
                }
            }
            Ok(found)
        })
    }

    /// Stores or replaces one entry.
    pub(crate) fn set(&self, name: &str, secret: &Secret) -> Result<(), String> {
        let (store, service, name) = (self.store.clone(), self.service.clone(), name.to_string());
        let secret = secret.clone();
        within(self.timeout, "writing to the keychain", move || {
            let entry = Entry::new_in_store(&store, &service, &name).map_err(describe)?;
            entry
                .set_password(secret.expose())
                .map_err(|err| format!("{name}: {}", describe(err)))
        })
    }

    /// Deletes one entry; one that is not there is already deleted.
    pub(crate) fn remove(&self, name: &str) -> Result<(), String> {
        let (store, service, name) = (self.store.clone(), self.service.clone(), name.to_string());
        within(self.timeout, "deleting from the keychain", move || {
            let entry = Entry::new_in_store(&store, &service, &name).map_err(describe)?;
            match entry.delete_credential() {
                Ok(()) | Err(Error::NoEntry) => Ok(()),
                Err(err) => Err(format!("{name}: {}", describe(err))),
            }
        })
    }
}

/// Runs `call` on its own thread and waits at most `timeout` for it.
fn within<T: Send + 'static>(
    timeout: Duration,
    what: &str,
    call: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("keychain".into())
        .spawn(move || {
            let _ = tx.send(call());
        })
        .map_err(|err| format!("{what}: cannot start a thread ({err})"))?;
    match rx.recv_timeout(timeout) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "{what}: no answer within {:.1} s",
            timeout.as_secs_f64()
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(format!("{what}: the call failed")),
    }
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn platform_store() -> Result<Arc<CredentialStore>, String> {
    let store = zbus_secret_service_keyring_store::Store::new().map_err(describe)?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn platform_store() -> Result<Arc<CredentialStore>, String> {
    let store = apple_native_keyring_store::keychain::Store::new().map_err(describe)?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn platform_store() -> Result<Arc<CredentialStore>, String> {
    let store = windows_native_keyring_store::Store::new().map_err(describe)?;
    Ok(store)
}

#[cfg(not(any(
    all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ),
    target_os = "macos",
    target_os = "windows"
)))]
fn platform_store() -> Result<Arc<CredentialStore>, String> {
    Err("this platform has no supported keychain".into())
}

/// A `keyring-core` error for people, without any stored bytes.
fn describe(err: Error) -> String {
    match err {
        Error::PlatformFailure(inner) => format!("the keychain failed: {inner}"),
        Error::NoStorageAccess(inner) => format!("the keychain refused access: {inner}"),
        Error::NoEntry => "no such entry".into(),
        Error::BadEncoding(_) => "the stored value is not UTF-8 text".into(),
        Error::BadDataFormat(_, _) => "the stored value is malformed".into(),
        Error::BadStoreFormat(why) => format!("the keychain is malformed: {why}"),
        Error::TooLong(what, limit) => format!("{what} is longer than the keychain's {limit}"),
        Error::Invalid(what, why) => format!("{what} is invalid: {why}"),
        Error::Ambiguous(found) => format!("{} entries match", found.len()),
        Error::NoDefaultStore => "no keychain is set up".into(),
        Error::NotSupportedByStore(why) => format!("not supported by the keychain: {why}"),
        _ => "the keychain failed".into(),
    }
}
