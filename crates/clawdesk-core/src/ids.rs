//! Prefixed, sortable identifiers: `sess_<ULID>` and `msg_<ULID>`.
//!
//! Validation happens before any database lookup so that a malformed ID is an
//! `invalidArgument`, never a confusing "not found".

use crate::error::AppError;
use std::sync::Mutex;
use ulid::Ulid;

pub const SESSION_PREFIX: &str = "sess_";
pub const MESSAGE_PREFIX: &str = "msg_";

/// ULIDs from one monotonic generator, so IDs created in the same millisecond
/// still sort in creation order.
fn next_ulid() -> Ulid {
    static GENERATOR: Mutex<Option<ulid::Generator>> = Mutex::new(None);
    let mut guard = GENERATOR
        .lock()
        .unwrap_or_else(|poison| poison.into_inner());
    let generator = guard.get_or_insert_with(ulid::Generator::new);
    // Overflow needs 2^80 IDs in one millisecond; fall back to a fresh ULID.
    generator.generate().unwrap_or_else(|_| Ulid::new())
}

pub fn new_session_id() -> String {
    format!("{SESSION_PREFIX}{}", next_ulid())
}

pub fn new_message_id() -> String {
    format!("{MESSAGE_PREFIX}{}", next_ulid())
}

fn validate(value: &str, prefix: &str, field: &str) -> Result<(), AppError> {
    let Some(rest) = value.strip_prefix(prefix) else {
        return Err(AppError::invalid_argument(
            field,
            format!("expected an ID starting with {prefix:?}, got {value:?}"),
        ));
    };
    if Ulid::from_string(rest).is_err() {
        return Err(AppError::invalid_argument(
            field,
            format!("{value:?} is not a {prefix}<ULID> identifier"),
        ));
    }
    Ok(())
}

pub fn validate_session_id(value: &str) -> Result<(), AppError> {
    validate(value, SESSION_PREFIX, "sessionId")
}

pub fn validate_message_id(value: &str) -> Result<(), AppError> {
    validate(value, MESSAGE_PREFIX, "messageId")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_validate_and_sort_in_creation_order() {
        let ids: Vec<String> = (0..1000).map(|_| new_session_id()).collect();
        for id in &ids {
            validate_session_id(id).unwrap();
        }
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        validate_message_id(&new_message_id()).unwrap();
    }

    #[test]
    fn wrong_prefix_or_body_is_invalid_argument() {
        for bad in [
            "",
            "sess_",
            "msg_01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "sess_nope",
            "x",
        ] {
            let err = validate_session_id(bad).unwrap_err();
            assert!(
                matches!(err, AppError::InvalidArgument { ref field, .. } if field == "sessionId"),
                "{bad}"
            );
        }
    }
}
