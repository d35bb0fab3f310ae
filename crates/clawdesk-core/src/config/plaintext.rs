//! Secrets written by hand into `config.toml` (an API key, a token, the
//! database URL), where they would sit in plaintext. The app never writes
//! them there, but a person following a server guide might: rather than
//! ignore them silently, loading takes them out of the file's contents and
//! [`super::ConfigManager`] stores them with the other secrets, then
//! rewrites the file without them.

use serde_json::Value;

/// A secret found in the file: its config key (`storage.databaseUrl`) and
/// what was written there (`None` when it was not a string).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Found {
    pub key: String,
    pub value: Option<String>,
}

/// Removes every secret from `file` (the file's TOML as JSON) and returns
/// them in the order of their keys.
pub(super) fn take_secrets(file: &mut Value) -> Vec<Found> {
    let mut found = Vec::new();
    for (section, field) in [
        ("gateway", "token"),
        ("remote", "token"),
        ("storage", "databaseUrl"),
    ] {
        if let Some(value) = take(file, &[section], field) {
            found.push(Found {
                key: format!("{section}.{field}"),
                value,
            });
        }
    }
    let providers: Vec<String> = file
        .get("providers")
        .and_then(Value::as_object)
        .map(|map| map.keys().cloned().collect())
        .unwrap_or_default();
    for name in providers {
        if let Some(value) = take(file, &["providers", &name], "apiKey") {
            found.push(Found {
                key: format!("providers.{name}.apiKey"),
                value,
            });
        }
    }
    found.sort_by(|a, b| a.key.cmp(&b.key));
    found
}

/// Removes `field` from the table at `path`; `Some(None)` when it was there
/// but not a string.
fn take(file: &mut Value, path: &[&str], field: &str) -> Option<Option<String>> {
    let mut table = file;
    for part in path {
        table = table.get_mut(*part)?;
    }
    let value = table.as_object_mut()?.remove(field)?;
    Some(value.as_str().map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_secret_is_taken_out_and_nothing_else() {
        let mut file = json!({
            "storage": { "databaseUrl": "postgres://u:pw@h/db", "databasePath": "/x.db" },
            "gateway": { "token": "t0k", "port": 1 },
            "providers": {
                "openai": { "apiKey": "sk-1", "enabled": true },
                "mine": { "apiKey": 7 },
                "ollama": { "enabled": false }
            }
        });
        let found = take_secrets(&mut file);
        let keys: Vec<_> = found
            .iter()
            .map(|f| (f.key.as_str(), f.value.as_deref()))
            .collect();
        assert_eq!(
            keys,
            [
                ("gateway.token", Some("t0k")),
                ("providers.mine.apiKey", None),
                ("providers.openai.apiKey", Some("sk-1")),
                ("storage.databaseUrl", Some("postgres://u:pw@h/db")),
            ]
        );
        assert_eq!(
            file,
            json!({
                "storage": { "databasePath": "/x.db" },
                "gateway": { "port": 1 },
                "providers": {
                    "openai": { "enabled": true },
                    "mine": {},
                    "ollama": { "enabled": false }
                }
            })
        );
        assert!(take_secrets(&mut json!({ "storage": 3 })).is_empty());
    }
}
