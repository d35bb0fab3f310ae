//! Applying one `update_config(key, value)` to the JSON form of the config.
//!
//! Works on `serde_json::Value` so one generic walk serves every field: it
//! finds the key (or reports `configKey`), checks the value's JSON type
//! against the current one (or reports `configValue`), and merges objects
//! field by field so that a partial object only changes what it names.

use super::typed_keys::PROVIDER_FIELDS;
use super::validate::leaf_expectation;
use crate::error::AppError;
use serde_json::{Map, Value};

/// Fields of a provider entry that a new entry may leave out.
pub(crate) fn provider_template() -> Value {
    serde_json::json!({ "enabled": true, "apiKeySet": false, "includeUsage": true })
}

pub(crate) fn split_key(key: &str) -> Result<Vec<&str>, AppError> {
    let parts: Vec<&str> = key.split('.').collect();
    if key.is_empty() || parts.iter().any(|p| p.is_empty()) {
        return Err(AppError::config_key(
            key,
            "is not a dotted key like \"gateway.port\"",
        ));
    }
    Ok(parts)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn same_json_type(old: &Value, new: &Value) -> bool {
    match (old, new) {
        // Nullable fields (old null) take any type, and null is offered to
        // any field: serde decides afterwards whether the field is nullable.
        (Value::Null, _) | (_, Value::Null) => true,
        (Value::Number(_), Value::Number(_)) => true,
        _ => std::mem::discriminant(old) == std::mem::discriminant(new),
    }
}

pub(crate) fn expectation(path: &[&str], old: &Value) -> String {
    leaf_expectation(path)
        .map(str::to_string)
        .unwrap_or_else(|| type_name(old).to_string())
}

fn is_provider_map(path: &[&str]) -> bool {
    path == ["providers"]
}

/// Sets `new` at `path` inside `target`, merging objects recursively.
/// `path` is the full dotted path of `target` (for error messages).
fn merge_into(path: &mut Vec<String>, target: &mut Value, new: Value) -> Result<(), AppError> {
    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
    let key = path.join(".");
    if refs.last() == Some(&"apiKeySet") {
        return Err(AppError::config_key(
            key,
            "is read-only; set providers.<name>.apiKey instead",
        ));
    }
    if refs == ["gateway", "tokenSet"] {
        return Err(AppError::config_key(
            key,
            "is read-only; the token is made on first enable and replaced with rotate_gateway_token",
        ));
    }
    if refs == ["storage", "databaseUrlSet"] {
        return Err(AppError::config_key(
            key,
            "is read-only; set storage.databaseUrl instead",
        ));
    }
    if refs == ["remote", "tokenSet"] {
        return Err(AppError::config_key(
            key,
            "is read-only; set remote.token instead",
        ));
    }
    if !same_json_type(target, &new) {
        return Err(AppError::config_value(key, expectation(&refs, target)));
    }
    match (target, new) {
        (Value::Object(existing), Value::Object(incoming)) => {
            let provider_map = is_provider_map(&refs);
            for (field, value) in incoming {
                path.push(field.clone());
                let result = match existing.get_mut(&field) {
                    Some(slot) => merge_into(path, slot, value),
                    None if provider_map => insert_provider(path, existing, &field, value),
                    None => Err(AppError::config_key(
                        path.join("."),
                        "is not a configuration key",
                    )),
                };
                path.pop();
                result?;
            }
            Ok(())
        }
        (slot, value) => {
            *slot = value;
            Ok(())
        }
    }
}

fn insert_provider(
    path: &[String],
    providers: &mut Map<String, Value>,
    name: &str,
    value: Value,
) -> Result<(), AppError> {
    let key = path.join(".");
    let Value::Object(fields) = value else {
        return Err(AppError::config_value(
            key,
            "a provider object with kind and baseUrl, or null to remove it",
        ));
    };
    let mut entry = provider_template();
    let mut inner_path = path.to_vec();
    for (field, value) in fields {
        inner_path.push(field.clone());
        let inner_key = inner_path.join(".");
        inner_path.pop();
        if field == "apiKeySet" || field == "apiKey" {
            return Err(AppError::config_key(
                inner_key,
                "cannot be set inside an object; set providers.<name>.apiKey on its own",
            ));
        }
        if !PROVIDER_FIELDS.contains(&field.as_str()) {
            // serde would drop it silently; the same field on an existing
            // entry is a `configKey` error, so it is one here too.
            return Err(AppError::config_key(
                inner_key,
                format!(
                    "is not a provider field (one of {})",
                    PROVIDER_FIELDS.join(", ")
                ),
            ));
        }
        entry[field] = value;
    }
    providers.insert(name.to_string(), entry);
    Ok(())
}

/// Applies `key = value` to the config's JSON form and returns the new JSON.
pub(crate) fn apply(current: &Value, key: &str, value: Value) -> Result<Value, AppError> {
    let parts = split_key(key)?;
    let mut next = current.clone();

    // `providers.<name> = null` removes a provider entry.
    if let (["providers", name], Value::Null) = (parts.as_slice(), &value) {
        let removed = next["providers"]
            .as_object_mut()
            .and_then(|map| map.remove(*name));
        return match removed {
            Some(_) => Ok(next),
            None => Err(AppError::config_key(key, "is not a configured provider")),
        };
    }

    let (last, parents) = parts.split_last().expect("split_key never returns empty");
    let mut cursor = &mut next;
    for (depth, part) in parents.iter().enumerate() {
        let prefix = parts[..=depth].join(".");
        cursor = match cursor.get_mut(*part) {
            Some(child) if child.is_object() => child,
            Some(_) => {
                let why = format!("{prefix} has no field {}", parts[depth + 1]);
                return Err(AppError::config_key(key, why));
            }
            None => {
                let why = format!("{prefix} is not a configuration key");
                return Err(AppError::config_key(key, why));
            }
        };
    }
    let parent = cursor
        .as_object_mut()
        .ok_or_else(|| AppError::config_key(key, "is not a configuration key"))?;
    let mut path: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
    match parent.get_mut(*last) {
        Some(slot) => merge_into(&mut path, slot, value)?,
        None if parents == ["providers"] => insert_provider(&path, parent, last, value)?,
        None => return Err(AppError::config_key(key, "is not a configuration key")),
    }
    Ok(next)
}

/// Overlays a config file (as JSON) on the defaults: known keys override,
/// provider entries are added over the provider template, and keys this
/// version does not know are ignored (a newer version may have written them).
pub(crate) fn overlay_file(defaults: &mut Value, file: Value, path: &mut Vec<String>) {
    let (Value::Object(target), Value::Object(incoming)) = (&mut *defaults, file) else {
        return;
    };
    let provider_map = path.len() == 1 && path[0] == "providers";
    for (field, value) in incoming {
        match target.get_mut(&field) {
            Some(slot) if slot.is_object() && value.is_object() => {
                path.push(field.clone());
                overlay_file(slot, value, path);
                path.pop();
            }
            Some(slot) => *slot = value,
            None if provider_map && value.is_object() => {
                let mut entry = provider_template();
                overlay_file(&mut entry, value.clone(), path);
                // The template lacks kind/baseUrl; copy every field of the entry.
                if let (Value::Object(entry_map), Value::Object(fields)) = (&mut entry, value) {
                    for (k, v) in fields {
                        entry_map.insert(k, v);
                    }
                }
                target.insert(field, entry);
            }
            None => {}
        }
    }
}

/// The JSON of a config as it goes into the TOML file: no derived
/// `apiKeySet`, `tokenSet` or `databaseUrlSet`, no nulls (TOML has none; a missing key means the default).
pub(crate) fn to_file_json(config_json: &Value) -> Value {
    fn strip(value: &Value, parent_is_provider: bool) -> Option<Value> {
        match value {
            Value::Null => None,
            Value::Object(map) => Some(Value::Object(
                map.iter()
                    .filter(|(k, _)| !(parent_is_provider && k.as_str() == "apiKeySet"))
                    .filter_map(|(k, v)| strip(v, false).map(|v| (k.clone(), v)))
                    .collect(),
            )),
            other => Some(other.clone()),
        }
    }
    let mut out = strip(config_json, false).unwrap_or(Value::Null);
    if let Some(gateway) = out.get_mut("gateway").and_then(Value::as_object_mut) {
        gateway.remove("tokenSet");
    }
    if let Some(storage) = out.get_mut("storage").and_then(Value::as_object_mut) {
        storage.remove("databaseUrlSet");
    }
    if let Some(remote) = out.get_mut("remote").and_then(Value::as_object_mut) {
        remote.remove("tokenSet");
    }
    if let Some(providers) = out.get_mut("providers").and_then(Value::as_object_mut) {
        for entry in providers.values_mut() {
            if let Some(map) = entry.as_object_mut() {
                map.remove("apiKeySet");
            }
        }
    }
    out
}
