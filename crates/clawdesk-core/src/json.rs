//! A JSON value with a TypeScript type, for arguments like
//! `update_config`'s `value`. `serde_json::Value` cannot be exported because
//! its numbers may be 64-bit integers; here every number is a double, which
//! is exactly what JavaScript can send.

use serde::{Deserialize, Serialize};
use specta::Type;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(untagged)]
pub enum JsonValue {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<JsonValue>),
    Object(BTreeMap<String, JsonValue>),
}

/// Largest integer a double holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

impl From<JsonValue> for serde_json::Value {
    fn from(value: JsonValue) -> Self {
        use serde_json::Value;
        match value {
            JsonValue::Null => Value::Null,
            JsonValue::Bool(b) => Value::Bool(b),
            // Whole numbers become integers so they fit integer fields
            // (JavaScript has no separate integer type to tell us).
            JsonValue::Number(n) if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER => {
                Value::from(n as i64)
            }
            JsonValue::Number(n) => {
                serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
            }
            JsonValue::String(s) => Value::String(s),
            JsonValue::Array(items) => Value::Array(items.into_iter().map(Into::into).collect()),
            JsonValue::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, v.into())).collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_json_with_integers_kept_integral() {
        let input = json!({ "a": [1, 2.5, null, true, "x"], "b": { "c": 1420 } });
        let value: JsonValue = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(serde_json::Value::from(value), input);
    }
}
