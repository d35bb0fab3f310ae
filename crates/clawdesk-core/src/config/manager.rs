//! Loading, updating and persisting the configuration.

use super::keys::{self, split_key};
use super::plaintext::{self, Found};
use super::secret_store::{SecretStore, SecretStoreOptions};
use super::secrets::{write_atomically, Secret};
use super::types::{AppConfig, LogLevel};
use super::validate::{is_usable_postgres_url, validate, DATABASE_URL_EXPECTATION};
use crate::error::{AppError, AppResult};
use crate::types::SecretStoreStatus;
use arc_swap::ArcSwap;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

const CONFIG_FILE: &str = "config.toml";
const FILE_HEADER: &str = "# ClawDesk configuration. Edited by the app; hand edits are kept.\n\
# API keys are not stored here: they are in the OS keychain, or else in\n\
# secrets.toml (readable by you only); get_health says which.\n\n";

/// Why the config on disk was not used as it is; reported by `get_health`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigLoadIssue {
    pub message: String,
    /// Where an unusable config file was moved so it is not lost.
    pub kept_aside_as: Option<PathBuf>,
}

pub struct ConfigManager {
    file: PathBuf,
    current: Arc<ArcSwap<AppConfig>>,
    /// Every secret, read at load: the store is written through, never
    /// read again (the gateway checks its token on every request).
    secrets: RwLock<BTreeMap<String, Secret>>,
    secret_store: SecretStore,
    secret_store_status: SecretStoreStatus,
    load_issues: Vec<ConfigLoadIssue>,
    /// Serializes updates: read-modify-write of the file and the swap.
    update_lock: Mutex<()>,
}

impl ConfigManager {
    /// The log level `config.toml` in `dir` asks for, read before logging
    /// starts. Touches nothing: an unreadable file gives the default, and
    /// [`ConfigManager::load_with`] later sets it aside and reports it.
    pub fn configured_log_level(dir: &Path) -> LogLevel {
        read_config_file(&dir.join(CONFIG_FILE))
            .ok()
            .flatten()
            .map(|(config, _)| config.logging.level)
            .unwrap_or_default()
    }

    /// Loads `config.toml` from `dir`, with the secrets in `secrets.toml`
    /// there (never the OS keychain: see [`ConfigManager::load_with`]).
    pub fn load(dir: &Path) -> Self {
        Self::load_with(dir, &SecretStoreOptions::file_only())
    }

    /// Loads `config.toml` from `dir` and the secrets from the store
    /// `secrets` chooses (the OS keychain if it answers, moving a
    /// `secrets.toml` there into it; else that file). Never fails: a
    /// missing file means defaults; an unusable one is renamed aside,
    /// defaults are used, and the problem is kept for health reporting.
    pub fn load_with(dir: &Path, secrets: &SecretStoreOptions) -> Self {
        let file = dir.join(CONFIG_FILE);
        let mut load_issues = Vec::new();

        let mut plaintext = Vec::new();
        let mut config = match read_config_file(&file) {
            Ok(Some((config, found))) => {
                plaintext = found;
                config
            }
            Ok(None) => AppConfig::default(),
            Err(reason) => {
                let aside = keep_aside(&file);
                let message = match &aside {
                    Some(p) => format!(
                        "{reason}; the file was moved to {} and defaults are in use",
                        p.display()
                    ),
                    None => format!("{reason}; defaults are in use"),
                };
                load_issues.push(ConfigLoadIssue {
                    message,
                    kept_aside_as: aside,
                });
                AppConfig::default()
            }
        };

        let names: Vec<String> = [GATEWAY_TOKEN, DATABASE_URL, REMOTE_TOKEN]
            .into_iter()
            .map(str::to_string)
            .chain(config.providers.keys().cloned())
            .collect();
        let opened = SecretStore::open(dir, secrets, &names);
        if let Some(message) = opened.issue {
            load_issues.push(ConfigLoadIssue {
                message,
                kept_aside_as: None,
            });
        }
        mark_api_keys(&mut config, &opened.secrets);

        let mut manager = Self {
            file,
            current: Arc::new(ArcSwap::from_pointee(config)),
            secrets: RwLock::new(opened.secrets),
            secret_store: opened.store,
            secret_store_status: opened.status,
            load_issues,
            update_lock: Mutex::new(()),
        };
        manager.adopt_plaintext(plaintext);
        manager
    }

    /// Stores the secrets found written into `config.toml` as if they had
    /// been set with `update` (same checks), then rewrites the file without
    /// them: a secret never stays there in plaintext. One that fails its
    /// checks is dropped from the file too, and reported (never echoed) by
    /// `get_health`.
    fn adopt_plaintext(&mut self, found: Vec<Found>) {
        if found.is_empty() {
            return;
        }
        let mut moved = Vec::new();
        for Found { key, value } in found {
            let value = value.map_or(Value::Null, Value::String);
            let stored = if value.is_null() {
                Err(AppError::config_value(&key, "a string"))
            } else if key == GATEWAY_TOKEN {
                secret_text(&key, value, "a non-empty token string")
                    .and_then(|token| self.replace_secret(GATEWAY_TOKEN, token))
            } else {
                self.update(&key, value)
            };
            match stored {
                Ok(()) => moved.push(key),
                Err(err) => self.load_issues.push(ConfigLoadIssue {
                    message: format!(
                        "{key} was written into {CONFIG_FILE}, where secrets do not belong, \
                         and could not be used ({err}); it was removed from the file"
                    ),
                    kept_aside_as: None,
                }),
            }
        }
        if let Err(err) = self.write_config(&self.get()) {
            self.load_issues.push(ConfigLoadIssue {
                message: format!("{CONFIG_FILE} still holds secrets in plaintext: {err}"),
                kept_aside_as: None,
            });
            return;
        }
        if !moved.is_empty() {
            tracing::warn!(
                keys = ?moved,
                store = ?self.secret_store_status.kind,
                "secrets written into {CONFIG_FILE} were moved to the secret store"
            );
        }
    }

    /// The live config, shared with everything that reads it.
    pub fn shared(&self) -> Arc<ArcSwap<AppConfig>> {
        self.current.clone()
    }

    pub fn get(&self) -> Arc<AppConfig> {
        self.current.load_full()
    }

    pub fn file_path(&self) -> &Path {
        &self.file
    }

    pub fn load_issues(&self) -> &[ConfigLoadIssue] {
        &self.load_issues
    }

    /// Where the secrets are kept, and why there.
    pub fn secret_store_status(&self) -> &SecretStoreStatus {
        &self.secret_store_status
    }

    /// The stored API key of a provider entry, if any.
    pub fn api_key(&self, provider: &str) -> Option<Secret> {
        self.secrets
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(provider)
            .cloned()
    }

    /// Sets one dotted camelCase key. Validates the whole resulting config,
    /// writes it atomically, then swaps it in; on any error nothing changes.
    pub fn update(&self, key: &str, value: Value) -> AppResult<()> {
        let _guard = self.update_lock.lock().unwrap_or_else(|p| p.into_inner());
        let parts = split_key(key)?;
        if let ["providers", name, "apiKey"] = parts.as_slice() {
            return self.update_api_key(key, name, value);
        }
        if parts.as_slice() == ["storage", "databaseUrl"] {
            return self.update_database_url(key, value);
        }
        if parts == ["remote", "token"] {
            return self.update_remote_token(key, value);
        }

        let current = self.current.load_full();
        let current_json = serde_json::to_value(&*current).map_err(AppError::internal)?;
        let next_json = keys::apply(&current_json, key, value)?;
        let mut next = self.parse_candidate(key, &parts, &current_json, next_json)?;

        let removed_providers: Vec<String> = current
            .providers
            .keys()
            .filter(|name| !next.providers.contains_key(*name))
            .cloned()
            .collect();
        {
            let secrets = self.secrets.read().unwrap_or_else(|p| p.into_inner());
            mark_api_keys(&mut next, &secrets);
        }
        self.write_config(&next)?;
        if !removed_providers.is_empty() {
            // A removed provider's key goes with it; the config is already
            // written, so a failure here only leaves an unused secret behind.
            let mut secrets = self.secrets.write().unwrap_or_else(|p| p.into_inner());
            let mut pruned = secrets.clone();
            for name in &removed_providers {
                pruned.remove(name);
            }
            let changed: Vec<&str> = removed_providers.iter().map(String::as_str).collect();
            match self.secret_store.write(&pruned, &changed) {
                Ok(()) => *secrets = pruned,
                Err(err) => tracing::warn!("a removed provider's key stays stored: {err}"),
            }
        }
        self.current.store(Arc::new(next));
        Ok(())
    }

    /// The PostgreSQL URL `storage.databaseUrl` stored (with the secrets:
    /// it may hold a password), if any.
    pub fn database_url(&self) -> Option<Secret> {
        self.secrets
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(DATABASE_URL)
            .cloned()
    }

    /// Stores (or with `null` removes) the database URL among the secrets;
    /// the value is never echoed, in errors or anywhere. Read at start-up.
    fn update_database_url(&self, key: &str, value: Value) -> AppResult<()> {
        let new_secret = match value {
            Value::Null => None,
            Value::String(url) if is_usable_postgres_url(url.trim()) => {
                Some(Secret::new(url.trim()))
            }
            _ => return Err(AppError::config_value(key, DATABASE_URL_EXPECTATION)),
        };
        self.replace_secret(DATABASE_URL, new_secret)
    }

    /// Stores (`Some`) or removes (`None`) the secret `name` with the other
    /// secrets, then refreshes the config's `...Set` flags.
    fn replace_secret(&self, name: &str, secret: Option<Secret>) -> AppResult<()> {
        let mut secrets = self.secrets.write().unwrap_or_else(|p| p.into_inner());
        let mut next_secrets = secrets.clone();
        match secret {
            Some(secret) => next_secrets.insert(name.to_string(), secret),
            None => next_secrets.remove(name),
        };
        self.secret_store.write(&next_secrets, &[name])?;
        *secrets = next_secrets;
        let mut next = (*self.current.load_full()).clone();
        mark_api_keys(&mut next, &secrets);
        self.current.store(Arc::new(next));
        Ok(())
    }

    /// The stored secret `name`, if any.
    fn secret(&self, name: &str) -> Option<Secret> {
        self.secrets
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned()
    }

    /// The gateway's bearer token, if one was made.
    pub fn gateway_token(&self) -> Option<Secret> {
        self.secret(GATEWAY_TOKEN)
    }

    /// The gateway's bearer token, made (and stored) now if there is none.
    pub fn ensure_gateway_token(&self) -> AppResult<Secret> {
        let _guard = self.update_lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(token) = self.gateway_token() {
            return Ok(token);
        }
        self.store_gateway_token(new_gateway_token()?)
    }

    /// Replaces the gateway's bearer token with a new random one; the old
    /// one stops working at once.
    pub fn rotate_gateway_token(&self) -> AppResult<Secret> {
        let _guard = self.update_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.store_gateway_token(new_gateway_token()?)
    }

    fn store_gateway_token(&self, token: Secret) -> AppResult<Secret> {
        self.replace_secret(GATEWAY_TOKEN, Some(token.clone()))?;
        Ok(token)
    }

    /// The stored token of the server at `remote.url`, if any.
    pub fn remote_token(&self) -> Option<Secret> {
        self.secret(REMOTE_TOKEN)
    }

    /// `remote.token`: write-only, kept with the other secrets (keychain
    /// or the 0600 file), never in `config.toml`; `null` removes it.
    fn update_remote_token(&self, key: &str, value: Value) -> AppResult<()> {
        let new_secret = secret_text(key, value, "a non-empty token string, or null to remove it")?;
        self.replace_secret(REMOTE_TOKEN, new_secret)
    }

    /// The config `update(key, value)` would make, validated, without
    /// storing anything: for checks that must pass before a change is kept
    /// (the gateway binding its new address).
    pub fn preview(&self, key: &str, value: Value) -> AppResult<AppConfig> {
        let parts = split_key(key)?;
        let current = self.current.load_full();
        let current_json = serde_json::to_value(&*current).map_err(AppError::internal)?;
        let next_json = keys::apply(&current_json, key, value)?;
        let next = self.parse_candidate(key, &parts, &current_json, next_json)?;
        Ok(next)
    }

    fn parse_candidate(
        &self,
        key: &str,
        parts: &[&str],
        current_json: &Value,
        next_json: Value,
    ) -> AppResult<AppConfig> {
        let next: AppConfig = serde_json::from_value(next_json).map_err(|err| {
            let expected = expected_from_serde(&err.to_string());
            let old = lookup(current_json, parts).unwrap_or(Value::Null);
            let expected = if old.is_null() && expected.is_some() {
                expected.unwrap_or_default()
            } else {
                keys::expectation(parts, &old)
            };
            AppError::config_value(key, expected)
        })?;
        validate(&next).map_err(|invalid| AppError::config_value(invalid.key, invalid.expected))?;
        Ok(next)
    }

    fn update_api_key(&self, key: &str, provider: &str, value: Value) -> AppResult<()> {
        let current = self.current.load_full();
        if !current.providers.contains_key(provider) {
            return Err(AppError::config_key(
                key,
                format!("there is no provider named {provider}"),
            ));
        }
        let new_secret = secret_text(
            key,
            value,
            "a non-empty API key string, or null to remove it",
        )?;
        self.replace_secret(provider, new_secret)
    }

    fn write_config(&self, config: &AppConfig) -> AppResult<()> {
        let json = serde_json::to_value(config).map_err(AppError::internal)?;
        let file_json = keys::to_file_json(&json);
        let body = toml::to_string_pretty(&file_json).map_err(AppError::internal)?;
        write_atomically(&self.file, format!("{FILE_HEADER}{body}").as_bytes(), false)
    }
}

/// A write-only secret as `update` receives it: a non-empty one-line string
/// (trimmed), or `null` to remove it; anything else is `configValue` with
/// `expected`, which never echoes the value.
fn secret_text(key: &str, value: Value, expected: &str) -> AppResult<Option<Secret>> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if !s.trim().is_empty() && !s.chars().any(char::is_control) => {
            Ok(Some(Secret::new(s.trim())))
        }
        _ => Err(AppError::config_value(key, expected)),
    }
}

fn mark_api_keys(config: &mut AppConfig, secrets: &BTreeMap<String, Secret>) {
    for (name, provider) in config.providers.iter_mut() {
        provider.api_key_set = secrets.contains_key(name);
    }
    config.gateway.token_set = secrets.contains_key(GATEWAY_TOKEN);
    config.storage.database_url_set = secrets.contains_key(DATABASE_URL);
    config.remote.token_set = secrets.contains_key(REMOTE_TOKEN);
}

/// The database URL's entry among the secrets (no provider name has a dot).
const DATABASE_URL: &str = "storage.databaseUrl";

/// The gateway token's entry among the secrets. Provider names cannot
/// contain a dot, so it never collides with a provider's API key.
const GATEWAY_TOKEN: &str = "gateway.token";

/// The entry of the token for the server at `remote.url`; like the
/// gateway's, the dot keeps it apart from provider names.
const REMOTE_TOKEN: &str = "remote.token";

/// A new gateway token: 256 bits from the operating system's generator,
/// as 64 hex digits.
fn new_gateway_token() -> AppResult<Secret> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|err| AppError::internal(format!("no random numbers for the token: {err}")))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Secret::new(hex))
}

fn lookup(json: &Value, path: &[&str]) -> Option<Value> {
    path.iter()
        .try_fold(json, |value, part| value.get(*part))
        .cloned()
}

/// Pulls "expected X" out of a serde message such as
/// "invalid type: integer `5`, expected a string".
fn expected_from_serde(message: &str) -> Option<String> {
    let (_, rest) = message.split_once("expected ")?;
    Some(
        rest.split(" at line")
            .next()
            .unwrap_or(rest)
            .trim()
            .to_string(),
    )
}

/// Reads and validates the config file; `Ok(None)` when there is none.
/// The config in `file` (`None` when there is none), and the secrets that
/// were written into it by hand (see [`plaintext`]).
fn read_config_file(file: &Path) -> Result<Option<(AppConfig, Vec<Found>)>, String> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
    };
    let parsed: toml::Value = toml::from_str(&text)
        .map_err(|e| format!("{} is not valid TOML ({})", file.display(), e.message()))?;
    let mut file_json = serde_json::to_value(parsed).map_err(|e| e.to_string())?;
    let found = plaintext::take_secrets(&mut file_json);
    let mut json = serde_json::to_value(AppConfig::default()).map_err(|e| e.to_string())?;
    keys::overlay_file(&mut json, file_json, &mut Vec::new());
    let config: AppConfig = serde_json::from_value(json)
        .map_err(|e| format!("{} has an invalid value ({e})", file.display()))?;
    validate(&config).map_err(|invalid| {
        format!(
            "{}: {} must be {}",
            file.display(),
            invalid.key,
            invalid.expected
        )
    })?;
    Ok(Some((config, found)))
}

/// Renames an unusable config file to `config.toml.corrupt-<time>`.
fn keep_aside(file: &Path) -> Option<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let aside = file.with_file_name(format!("{CONFIG_FILE}.corrupt-{stamp}"));
    std::fs::rename(file, &aside).ok().map(|_| aside)
}
