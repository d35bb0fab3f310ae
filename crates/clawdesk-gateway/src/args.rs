//! A command's arguments from a JSON body, read exactly as Tauri reads the
//! window's: each argument by its camelCase name from one JSON object; a
//! missing one is `None` for an optional argument and "is required"
//! otherwise; a present one goes through the same serde impls, so a wrong
//! type or an out-of-range number fails with the same words.

use clawdesk_core::error::MISSING_KEY;
use clawdesk_core::AppError;
use serde::de::{DeserializeOwned, Deserializer, Error as _, Visitor};
use serde_json::{Map, Value};

pub struct Args(Map<String, Value>);

impl Args {
    /// The body's arguments; an empty body is no arguments.
    pub fn from_body(body: &[u8]) -> Result<Self, AppError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(Map::new()));
        }
        match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(_) => Err(AppError::invalid_argument(
                "body",
                "the arguments must be a JSON object",
            )),
            Err(err) => Err(AppError::invalid_argument("body", err)),
        }
    }

    /// One argument, `field` as the caller writes it (camelCase).
    pub fn get<T: DeserializeOwned>(&self, field: &'static str) -> Result<T, AppError> {
        let read = match self.0.get(field) {
            Some(value) => T::deserialize(value),
            None => T::deserialize(Missing(field)),
        };
        read.map_err(|err| AppError::argument(field, &err))
    }
}

/// An absent argument: `None` to an `Option`, an error to anything else.
struct Missing(&'static str);

impl<'de> Deserializer<'de> for Missing {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(serde_json::Error::custom(format!(
            "{MISSING_KEY} {}",
            self.0
        )))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clawdesk_core::ids::SessionId;
    use clawdesk_core::json::JsonValue;

    fn field_and_message(err: AppError) -> (String, String) {
        match err {
            AppError::InvalidArgument { field, message } => (field, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_optional_and_required_arguments() {
        let args = Args::from_body(b"").unwrap();
        assert_eq!(args.get::<Option<u32>>("limit").unwrap(), None);
        let (field, message) = field_and_message(args.get::<SessionId>("sessionId").unwrap_err());
        assert_eq!(field, "sessionId");
        assert_eq!(message, "invalid sessionId: is required");
        // JSON `value` may be null, but not missing.
        assert!(args.get::<JsonValue>("value").is_err());
    }

    #[test]
    fn wrong_types_and_ranges_name_the_argument() {
        let args = Args::from_body(br#"{"limit": -1, "sessionId": [1]}"#).unwrap();
        assert_eq!(
            field_and_message(args.get::<Option<u32>>("limit").unwrap_err()).0,
            "limit"
        );
        assert_eq!(
            field_and_message(args.get::<SessionId>("sessionId").unwrap_err()).0,
            "sessionId"
        );
        assert!(Args::from_body(b"[1]").is_err());
        assert!(Args::from_body(b"{").is_err());
    }
}
