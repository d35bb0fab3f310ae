//! Where the secrets (API keys, the gateway token) live: the OS keychain
//! when one answers, else the 0600 `secrets.toml` beside the config.
//!
//! The choice is made once, at load, by probing the keychain within a
//! bounded time; a `secrets.toml` left from before moves into the keychain
//! then (see [`migrate`]). `get_health` reports the choice and why.

mod keychain;
mod migrate;
#[cfg(test)]
mod tests;

use super::secrets::{Secret, SecretsFile};
use crate::error::{AppError, AppResult};
use crate::types::{SecretStoreKind, SecretStoreStatus};
use keychain::KeychainStore;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// How the secret store is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretStoreMode {
    /// The OS keychain if it answers within the timeout, else the file.
    Auto,
    /// Always `secrets.toml` (tests, portable installs, or by choice).
    File,
}

/// Where secrets may go, decided by whoever decides where files live (the
/// app, from its command line and environment; tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretStoreOptions {
    pub mode: SecretStoreMode,
    /// The keychain service every entry is filed under; each secret's name
    /// (`gateway.token`, a provider's name) is the entry's account. Tests use
    /// a name of their own so they never touch a user's entries.
    pub service: String,
    /// The longest any keychain call (the probe included) is waited for.
    pub timeout: Duration,
}

impl SecretStoreOptions {
    /// The app's identifier: the keychain service of a normal install.
    pub const DEFAULT_SERVICE: &'static str = "dev.clawdesk.app";
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

    /// The keychain under `service` if it answers, else the file.
    pub fn auto(service: impl Into<String>) -> Self {
        Self {
            mode: SecretStoreMode::Auto,
            service: service.into(),
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    /// `secrets.toml` only; the keychain is never asked.
    pub fn file_only() -> Self {
        Self {
            mode: SecretStoreMode::File,
            service: Self::DEFAULT_SERVICE.into(),
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }
}

impl Default for SecretStoreOptions {
    fn default() -> Self {
        Self::auto(Self::DEFAULT_SERVICE)
    }
}

pub(crate) enum SecretStore {
    Keychain(KeychainStore),
    File(SecretsFile),
}

/// The store chosen at load, what it holds, and how it was chosen.
pub(crate) struct OpenedStore {
    pub store: SecretStore,
    pub secrets: BTreeMap<String, Secret>,
    pub status: SecretStoreStatus,
    /// A store that could not be read (a broken `secrets.toml`): for the
    /// config's health check. Never holds a secret.
    pub issue: Option<String>,
}

impl SecretStore {
    /// Chooses the store for `dir` and reads the secrets from it. `names`
    /// are the entries to look for in the keychain (which cannot be listed
    /// portably): the gateway token and every configured provider.
    pub(crate) fn open(dir: &Path, options: &SecretStoreOptions, names: &[String]) -> OpenedStore {
        let file = SecretsFile::new(dir);
        if options.mode == SecretStoreMode::File {
            let detail = format!("{} (the file store was asked for)", file.path().display());
            return open_file(file, detail);
        }
        let keychain = KeychainStore::open(&options.service, options.timeout);
        Self::choose(file, keychain, names)
    }

    /// The keychain if it opened (after moving `file` into it, if there is
    /// one), else `file`.
    fn choose(
        file: SecretsFile,
        keychain: Result<KeychainStore, String>,
        names: &[String],
    ) -> OpenedStore {
        let keychain = match keychain {
            Ok(keychain) => keychain,
            Err(why) => {
                tracing::info!("no OS keychain ({why}); secrets stay in the 0600 file");
                let detail = format!("{} (no OS keychain answered: {why})", file.path().display());
                return open_file(file, detail);
            }
        };
        let mut moved = None;
        if file.exists() {
            match migrate::into_keychain(&file, &keychain) {
                Ok(count) => {
                    tracing::info!(
                        "moved {count} secrets from {} into the {}",
                        file.path().display(),
                        keychain::platform_name()
                    );
                    moved = Some(count);
                }
                Err(why) => {
                    tracing::warn!("secrets.toml is kept and used: moving it into the OS keychain failed ({why})");
                    let detail = format!(
                        "{} (the {} answers, but moving this file into it failed: {why}; the file is kept and used)",
                        file.path().display(),
                        keychain::platform_name()
                    );
                    return open_file(file, detail);
                }
            }
        }
        match keychain.get_many(names) {
            Ok(secrets) => {
                let mut detail = format!(
                    "{}, service {}",
                    keychain::platform_name(),
                    keychain.service()
                );
                if let Some(count) = moved {
                    detail.push_str(&format!("; {count} secrets moved here from secrets.toml"));
                }
                OpenedStore {
                    store: SecretStore::Keychain(keychain),
                    secrets,
                    status: SecretStoreStatus {
                        kind: SecretStoreKind::Keychain,
                        detail,
                    },
                    issue: None,
                }
            }
            Err(why) => {
                // What is written now goes to the file; it moves into the
                // keychain on a later start, over what is there.
                tracing::warn!("cannot read secrets from the OS keychain ({why}); using the file");
                let detail = format!(
                    "{} (the {} could not be read: {why})",
                    file.path().display(),
                    keychain::platform_name()
                );
                open_file(file, detail)
            }
        }
    }

    /// Stores `next`, of which only the entries named in `changed` differ
    /// from what is stored (a name missing from `next` is deleted). On error
    /// the file is unchanged; in the keychain, the entries before the failing
    /// one are written (each entry stands alone there).
    pub(crate) fn write(&self, next: &BTreeMap<String, Secret>, changed: &[&str]) -> AppResult<()> {
        match self {
            SecretStore::File(file) => file.save(next),
            SecretStore::Keychain(keychain) => {
                for name in changed {
                    match next.get(*name) {
                        Some(secret) => keychain.set(name, secret),
                        None => keychain.remove(name),
                    }
                    .map_err(|why| AppError::storage(format!("the OS keychain: {why}")))?;
                }
                Ok(())
            }
        }
    }
}

fn open_file(file: SecretsFile, detail: String) -> OpenedStore {
    let (secrets, issue) = match file.load() {
        Ok(secrets) => (secrets, None),
        Err(err) => (BTreeMap::new(), Some(err.to_string())),
    };
    OpenedStore {
        store: SecretStore::File(file),
        secrets,
        status: SecretStoreStatus {
            kind: SecretStoreKind::File,
            detail,
        },
        issue,
    }
}
