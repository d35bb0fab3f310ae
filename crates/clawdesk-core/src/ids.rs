//! Prefixed, sortable identifiers: `sess_<ULID>` and `msg_<ULID>`.
//!
//! [`SessionId`] and [`MessageId`] are distinct types in Rust and, through
//! specta-typescript's brands, in the generated TypeScript: passing one where
//! the other belongs does not compile on either side. Their wire form is a
//! plain string. A value is validated once, when it enters (deserialization,
//! [`FromStr`], a database row); everything behind the boundary holds an id
//! that is known to be well formed.

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use ulid::Ulid;

pub const SESSION_PREFIX: &str = "sess_";
pub const MESSAGE_PREFIX: &str = "msg_";

/// The brands of the id types, as they are named in the generated TypeScript
/// (`export type SessionId = string & { readonly __brand: "SessionId" }`).
pub const BRANDS: &[&str] = &["SessionId", "MessageId"];

/// ULIDs from one monotonic generator, so IDs created in the same millisecond
/// still sort in creation order.
pub(crate) fn next_ulid() -> Ulid {
    static GENERATOR: Mutex<Option<ulid::Generator>> = Mutex::new(None);
    let mut guard = GENERATOR
        .lock()
        .unwrap_or_else(|poison| poison.into_inner());
    let generator = guard.get_or_insert_with(ulid::Generator::new);
    // Overflow needs 2^80 IDs in one millisecond; fall back to a fresh ULID.
    generator.generate().unwrap_or_else(|_| Ulid::new())
}

/// Why a string is not an id of the expected kind (the `message` of the
/// `invalidArgument` the caller gets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedId(String);

impl fmt::Display for MalformedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MalformedId {}

/// Checks `<prefix><26 Crockford base32 characters>`. The ulid crate accepts
/// bodies above the 128-bit maximum (`8ZZ…`) by wrapping them, which would
/// make two spellings name one id; those are rejected here.
fn check(value: &str, prefix: &str) -> Result<(), MalformedId> {
    let Some(body) = value.strip_prefix(prefix) else {
        return Err(MalformedId(format!(
            "expected an ID starting with {prefix:?}, got {value:?}"
        )));
    };
    let overflows = body.as_bytes().first().is_some_and(|first| *first > b'7');
    if overflows || Ulid::from_string(body).is_err() {
        return Err(MalformedId(format!(
            "{value:?} is not a {prefix}<ULID> identifier"
        )));
    }
    Ok(())
}

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:expr, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
        #[serde(try_from = "String")]
        // `Arc<str>`: an id is copied into every stream event of a reply,
        // and cloning it must not allocate.
        pub struct $name(Arc<str>);

        impl $name {
            /// A new id, later than every id this process made before.
            pub fn generate() -> Self {
                Self(Arc::from(format!("{}{}", $prefix, next_ulid())))
            }

            /// Validates `value` as an id of this kind.
            pub fn parse(value: impl Into<String>) -> Result<Self, MalformedId> {
                let value = value.into();
                check(&value, $prefix)?;
                Ok(Self(Arc::from(value)))
            }

            /// Validates `value`, failing with `invalidArgument` on `field`.
            pub fn parse_argument(value: &str) -> Result<Self, AppError> {
                Self::parse(value).map_err(|why| AppError::invalid_argument($field, why))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        // By hand rather than `into = "String"`, which would copy the id
        // into a new String for every event serialized.
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        // Hash and Eq are those of the inner string, so maps keyed by ids
        // can be looked up with a `&str`.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = MalformedId;
            fn from_str(value: &str) -> Result<Self, MalformedId> {
                Self::parse(value)
            }
        }

        impl TryFrom<String> for $name {
            type Error = MalformedId;
            fn try_from(value: String) -> Result<Self, MalformedId> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0.to_string()
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                &*self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                &*self.0 == *other
            }
        }

        impl specta::Type for $name {
            fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
                let inner = <String as specta::Type>::definition(types);
                specta::datatype::DataType::Reference(specta::datatype::Reference::opaque(
                    specta_typescript::Branded::new(stringify!($name), inner),
                ))
            }
        }

        // Stored as TEXT; a row that does not hold a well-formed id is a
        // storage error, not an id that fails later somewhere else.
        impl sqlx::Type<sqlx::Sqlite> for $name {
            fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
                <String as sqlx::Type<sqlx::Sqlite>>::type_info()
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Sqlite> for $name {
            fn decode(
                value: sqlx::sqlite::SqliteValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <String as sqlx::Decode<sqlx::Sqlite>>::decode(value)?;
                Ok(Self::parse(text)?)
            }
        }

        impl<'q> sqlx::Encode<'q, sqlx::Sqlite> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Sqlite as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<sqlx::Sqlite>>::encode(self.0.to_string(), buf)
            }
        }

        // The same on PostgreSQL (text columns).
        impl sqlx::Type<sqlx::Postgres> for $name {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <String as sqlx::Type<sqlx::Postgres>>::type_info()
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
            fn decode(
                value: sqlx::postgres::PgValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <String as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
                Ok(Self::parse(text)?)
            }
        }

        impl<'q> sqlx::Encode<'q, sqlx::Postgres> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Postgres as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<sqlx::Postgres>>::encode(&*self.0, buf)
            }
        }
    };
}

prefixed_id!(
    /// A session: `sess_` and a ULID, e.g. `sess_01JDQ3V6X7T9M2K4P8R5W0Y1ZC`.
    SessionId,
    SESSION_PREFIX,
    "sessionId"
);

prefixed_id!(
    /// A message: `msg_` and a ULID, e.g. `msg_01JDQ3V6X7T9M2K4P8R5W0Y1ZC`.
    MessageId,
    MESSAGE_PREFIX,
    "messageId"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_validate_and_sort_in_creation_order() {
        let ids: Vec<SessionId> = (0..1000).map(|_| SessionId::generate()).collect();
        for id in &ids {
            SessionId::parse(id.as_str()).unwrap();
        }
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        MessageId::parse(MessageId::generate().to_string()).unwrap();
    }

    #[test]
    fn wrong_prefix_or_body_is_invalid_argument() {
        for bad in [
            "",
            "sess_",
            "msg_01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "sess_nope",
            "x",
            // Above the 128-bit maximum `7ZZZZZZZZZZZZZZZZZZZZZZZZZ`.
            "sess_8ZZZZZZZZZZZZZZZZZZZZZZZZZ",
            "sess_ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
            // One character short and one too many.
            "sess_01ARZ3NDEKTSV4RRFFQ69G5FA",
            "sess_01ARZ3NDEKTSV4RRFFQ69G5FAVX",
        ] {
            let err = SessionId::parse_argument(bad).unwrap_err();
            assert!(
                matches!(err, AppError::InvalidArgument { ref field, .. } if field == "sessionId"),
                "{bad}"
            );
        }
        SessionId::parse("sess_7ZZZZZZZZZZZZZZZZZZZZZZZZZ").unwrap();
    }

    #[test]
    fn json_form_is_a_plain_string_validated_on_the_way_in() {
        let id = SessionId::generate();
        let json = serde_json::to_value(&id).unwrap();
        assert_eq!(json, serde_json::Value::String(id.to_string()));
        assert_eq!(serde_json::from_value::<SessionId>(json).unwrap(), id);
        let message_id = MessageId::generate().to_string();
        assert!(serde_json::from_str::<SessionId>(&format!("{message_id:?}")).is_err());
    }
}
