//! The one error type that crosses the IPC boundary.
//!
//! Serialized as a discriminated union on `kind` (camelCase), every variant
//! carrying `message` (its Display text) plus typed fields. Constructors build
//! the message so that `Display` and the `message` field never disagree.

use crate::ids::{MessageId, SessionId};
use serde::{Deserialize, Serialize};
use specta::Type;

/// Machine-readable failure codes shared by `AppError::Provider` and the
/// `stream-error` event, so a frontend can switch over them exhaustively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum FailureCode {
    /// The user (or a shutdown) stopped the stream.
    Cancelled,
    /// The provider answered with an error not covered by a finer code.
    Provider,
    /// HTTP 429 or a provider "overloaded" signal.
    RateLimited,
    /// Connect, first-byte or idle timeout.
    Timeout,
    /// The connection failed or dropped.
    Network,
    /// The provider rejected the credentials (401/403) or none is set.
    Auth,
    /// The request does not fit the model's context window.
    ContextLength,
    /// The reply could not be stored.
    Storage,
    /// A bug on our side.
    Internal,
}

impl FailureCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cancelled => "cancelled",
            Self::Provider => "provider",
            Self::RateLimited => "rateLimited",
            Self::Timeout => "timeout",
            Self::Network => "network",
            Self::Auth => "auth",
            Self::ContextLength => "contextLength",
            Self::Storage => "storage",
            Self::Internal => "internal",
        }
    }

    /// The code [`as_str`](Self::as_str) wrote (how the store keeps it).
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == value)
    }

    pub const ALL: [Self; 9] = [
        Self::Cancelled,
        Self::Provider,
        Self::RateLimited,
        Self::Timeout,
        Self::Network,
        Self::Auth,
        Self::ContextLength,
        Self::Storage,
        Self::Internal,
    ];
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize, Type)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum AppError {
    /// An argument failed validation before anything was touched.
    #[error("{message}")]
    InvalidArgument { message: String, field: String },
    #[error("{message}")]
    SessionNotFound {
        message: String,
        session_id: SessionId,
    },
    /// No message has this id (`edit_message`, `regenerate`, `switch_branch`).
    #[error("{message}")]
    MessageNotFound {
        message: String,
        message_id: MessageId,
    },
    /// A send is already running for this session.
    #[error("{message}")]
    SessionBusy {
        message: String,
        session_id: SessionId,
    },
    /// No configured and enabled provider can serve the model.
    #[error("{message}")]
    NoProvider { message: String, model: String },
    #[error("{message}")]
    Provider {
        message: String,
        provider: String,
        code: FailureCode,
        status: Option<u16>,
        retryable: bool,
        retry_after_ms: Option<u32>,
    },
    /// `update_config` was given a key that does not exist (or is read-only).
    #[error("{message}")]
    ConfigKey { message: String, key: String },
    /// `update_config` was given a value of the wrong type or out of range.
    #[error("{message}")]
    ConfigValue {
        message: String,
        key: String,
        expected: String,
    },
    #[error("{message}")]
    Storage { message: String },
    /// A file given to import is not an archive this version can read:
    /// malformed or truncated JSON, an unknown format or version, or a
    /// field with a wrong value. Nothing was imported.
    #[error("{message}")]
    Archive {
        message: String,
        /// Where in the file, as a JSON path (`sessions[2].messages[0].role`);
        /// empty when the problem is the file as a whole.
        path: String,
        /// What is wrong there.
        reason: String,
    },
    /// The gateway was called without its bearer token, or with a wrong one.
    /// Says nothing else: not which part was wrong, nor what is behind it.
    #[error("{message}")]
    Unauthenticated { message: String },
    #[error("{message}")]
    Cancelled { message: String },
    #[error("{message}")]
    Internal { message: String },
}

pub type AppResult<T> = Result<T, AppError>;

/// How a missing argument reads in serde errors: Tauri says "command x
/// missing required key y", and transports without Tauri say the same.
pub const MISSING_KEY: &str = "missing required key";

impl AppError {
    pub fn invalid_argument(field: impl Into<String>, why: impl std::fmt::Display) -> Self {
        let field = field.into();
        Self::InvalidArgument {
            message: format!("invalid {field}: {why}"),
            field,
        }
    }

    pub fn session_not_found(session_id: &SessionId) -> Self {
        let session_id = session_id.clone();
        Self::SessionNotFound {
            message: format!("session {session_id} does not exist"),
            session_id,
        }
    }

    pub fn message_not_found(message_id: &MessageId) -> Self {
        let message_id = message_id.clone();
        Self::MessageNotFound {
            message: format!("message {message_id} does not exist"),
            message_id,
        }
    }

    pub fn session_busy(session_id: &SessionId) -> Self {
        let session_id = session_id.clone();
        Self::SessionBusy {
            message: format!("session {session_id} is already answering a message"),
            session_id,
        }
    }

    pub fn no_provider(model: impl Into<String>) -> Self {
        let model = model.into();
        Self::NoProvider {
            message: format!("no configured and enabled provider serves model {model}"),
            model,
        }
    }

    pub fn config_key(key: impl Into<String>, why: impl std::fmt::Display) -> Self {
        let key = key.into();
        Self::ConfigKey {
            message: format!("config key {key}: {why}"),
            key,
        }
    }

    pub fn config_value(key: impl Into<String>, expected: impl Into<String>) -> Self {
        let key = key.into();
        let expected = expected.into();
        Self::ConfigValue {
            message: format!("config key {key} expects {expected}"),
            key,
            expected,
        }
    }

    pub fn storage(why: impl std::fmt::Display) -> Self {
        Self::Storage {
            message: format!("storage error: {why}"),
        }
    }

    pub fn archive(path: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        let path = path.into();
        let reason = reason.to_string();
        let message = if path.is_empty() {
            format!("not a readable archive: {reason}")
        } else {
            format!("not a readable archive: {path}: {reason}")
        };
        Self::Archive {
            message,
            path,
            reason,
        }
    }

    pub fn unauthenticated() -> Self {
        Self::Unauthenticated {
            message: "a valid bearer token is required".into(),
        }
    }

    /// The `invalidArgument` for an argument serde refused, worded the same
    /// on every transport: a missing one "is required", otherwise serde's
    /// reason (wrong type, out of range, malformed id).
    pub fn argument(field: &str, err: &impl std::fmt::Display) -> Self {
        let why = err.to_string();
        if why.contains(MISSING_KEY) {
            Self::invalid_argument(field, "is required")
        } else {
            Self::invalid_argument(field, why)
        }
    }

    pub fn cancelled() -> Self {
        Self::Cancelled {
            message: "the request was cancelled".into(),
        }
    }

    pub fn internal(why: impl std::fmt::Display) -> Self {
        Self::Internal {
            message: format!("internal error: {why}"),
        }
    }

    /// The camelCase tag, as the frontend sees it in `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidArgument { .. } => "invalidArgument",
            Self::SessionNotFound { .. } => "sessionNotFound",
            Self::MessageNotFound { .. } => "messageNotFound",
            Self::SessionBusy { .. } => "sessionBusy",
            Self::NoProvider { .. } => "noProvider",
            Self::Provider { .. } => "provider",
            Self::ConfigKey { .. } => "configKey",
            Self::ConfigValue { .. } => "configValue",
            Self::Storage { .. } => "storage",
            Self::Archive { .. } => "archive",
            Self::Unauthenticated { .. } => "unauthenticated",
            Self::Cancelled { .. } => "cancelled",
            Self::Internal { .. } => "internal",
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        AppError::storage(err)
    }
}

impl From<sqlx::migrate::MigrateError> for AppError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        AppError::storage(format!("migration failed: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_tagged_union_with_message_and_camel_case_fields() {
        let id = SessionId::parse("sess_01ARZ3NDEKTSV4RRFFQ69G5FAV").unwrap();
        let err = AppError::session_not_found(&id);
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "sessionNotFound",
                "message": "session sess_01ARZ3NDEKTSV4RRFFQ69G5FAV does not exist",
                "sessionId": "sess_01ARZ3NDEKTSV4RRFFQ69G5FAV"
            })
        );
        assert_eq!(
            err.to_string(),
            "session sess_01ARZ3NDEKTSV4RRFFQ69G5FAV does not exist"
        );
    }

    #[test]
    fn kind_matches_serialized_tag_for_every_variant() {
        let all = [
            AppError::invalid_argument("f", "x"),
            AppError::session_not_found(&SessionId::generate()),
            AppError::message_not_found(&MessageId::generate()),
            AppError::session_busy(&SessionId::generate()),
            AppError::no_provider("m"),
            AppError::Provider {
                message: "m".into(),
                provider: "p".into(),
                code: FailureCode::RateLimited,
                status: Some(429),
                retryable: true,
                retry_after_ms: Some(1000),
            },
            AppError::config_key("k", "x"),
            AppError::config_value("k", "e"),
            AppError::storage("x"),
            AppError::archive("sessions[0].id", "x"),
            AppError::unauthenticated(),
            AppError::cancelled(),
            AppError::internal("x"),
        ];
        for err in all {
            let json = serde_json::to_value(&err).unwrap();
            assert_eq!(json["kind"], err.kind());
            assert_eq!(json["message"], err.to_string());
            let back: AppError = serde_json::from_value(json).unwrap();
            assert_eq!(back, err);
        }
    }

    #[test]
    fn failure_codes_parse_what_as_str_and_serde_write() {
        for code in FailureCode::ALL {
            assert_eq!(FailureCode::parse(code.as_str()), Some(code));
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
        assert_eq!(FailureCode::parse("nope"), None);
    }

    #[test]
    fn provider_error_fields_are_camel_case() {
        let err = AppError::Provider {
            message: "slow down".into(),
            provider: "anthropic".into(),
            code: FailureCode::RateLimited,
            status: Some(429),
            retryable: true,
            retry_after_ms: Some(1500),
        };
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["retryAfterMs"], 1500);
        assert_eq!(json["code"], "rateLimited");
    }
}
