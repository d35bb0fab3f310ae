//! How provider failures are classified: one place maps HTTP statuses,
//! provider error bodies and transport errors onto [`FailureCode`]s, and
//! decides which of them are worth retrying.
//!
//! Messages are kept whole here; the client wrapper masks credentials in
//! them and cuts them to length ([`super::redact`]), in that order, so a
//! key can never survive half-cut.

use crate::error::{AppError, FailureCode};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct ProviderFailure {
    pub code: FailureCode,
    /// HTTP status, when the failure came with one.
    pub status: Option<u16>,
    pub message: String,
    /// Whether the same request may succeed if sent again.
    pub retryable: bool,
    /// How long the provider asked us to wait (`Retry-After`).
    pub retry_after: Option<Duration>,
}

impl ProviderFailure {
    pub fn new(code: FailureCode, message: impl Into<String>) -> Self {
        let retryable = matches!(
            code,
            FailureCode::RateLimited | FailureCode::Timeout | FailureCode::Network
        );
        Self {
            code,
            status: None,
            message: message.into(),
            retryable,
            retry_after: None,
        }
    }

    pub fn timeout(what: &str, limit: Duration) -> Self {
        Self::new(
            FailureCode::Timeout,
            format!("{what} after {} ms", limit.as_millis()),
        )
    }

    pub fn cancelled() -> Self {
        Self {
            retryable: false,
            ..Self::new(FailureCode::Cancelled, "the reply was stopped")
        }
    }

    /// The connection broke while the reply was arriving.
    pub fn connection_lost(err: impl std::fmt::Display) -> Self {
        Self::new(
            FailureCode::Network,
            format!("the connection failed: {err}"),
        )
    }

    /// The stream ended without the provider saying the reply was finished.
    pub fn truncated() -> Self {
        Self::new(
            FailureCode::Network,
            "the connection closed before the reply was finished",
        )
    }

    pub fn malformed(detail: impl std::fmt::Display) -> Self {
        Self {
            retryable: false,
            ..Self::new(
                FailureCode::Provider,
                format!("unreadable reply from the provider: {detail}"),
            )
        }
    }

    /// A non-success HTTP response; `body` is the provider's error text.
    pub fn from_http(status: u16, headers: &HeaderMap, body: &str) -> Self {
        let detail = error_message_in_body(body).unwrap_or_else(|| body.trim().to_string());
        let code = match status {
            401 | 403 => FailureCode::Auth,
            429 | 529 => FailureCode::RateLimited,
            408 | 504 => FailureCode::Timeout,
            413 => FailureCode::ContextLength,
            _ if mentions_context_length(&detail) => FailureCode::ContextLength,
            _ => FailureCode::Provider,
        };
        let retryable = match code {
            FailureCode::RateLimited | FailureCode::Timeout => true,
            FailureCode::Provider => status >= 500,
            _ => false,
        };
        let message = if detail.is_empty() {
            format!("HTTP {status}")
        } else {
            format!("HTTP {status}: {detail}")
        };
        Self {
            code,
            status: Some(status),
            message,
            retryable,
            retry_after: retry_after(headers),
        }
    }

    /// An error the provider reported inside a stream that began with 200.
    /// `kind` is the provider's error type when it gives one.
    pub fn in_stream(kind: Option<&str>, message: &str) -> Self {
        let kind = kind.unwrap_or_default();
        let (code, retryable) = match kind {
            "overloaded_error" | "rate_limit_error" | "rate_limit_exceeded" => {
                (FailureCode::RateLimited, true)
            }
            "authentication_error" | "permission_error" | "invalid_api_key" => {
                (FailureCode::Auth, false)
            }
            _ if mentions_context_length(message) || kind == "context_length_exceeded" => {
                (FailureCode::ContextLength, false)
            }
            "invalid_request_error" => (FailureCode::Provider, false),
            // api_error, server_error and unnamed errors are the provider's
            // own trouble; sending again may well work.
            _ => (FailureCode::Provider, true),
        };
        Self {
            code,
            status: None,
            message: format!("the provider reported an error: {message}"),
            retryable,
            retry_after: None,
        }
    }

    pub fn from_transport(err: &reqwest::Error) -> Self {
        if err.is_timeout() {
            return Self::new(FailureCode::Timeout, format!("timed out: {err}"));
        }
        // reqwest's Display hides the cause ("error sending request"); the
        // chain says what actually happened (refused, reset, DNS).
        let mut message = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::new(FailureCode::Network, message)
    }

    pub fn into_app_error(self, provider: &str) -> AppError {
        if self.code == FailureCode::Cancelled {
            return AppError::cancelled();
        }
        AppError::Provider {
            message: format!("{provider}: {}", self.message),
            provider: provider.to_string(),
            code: self.code,
            status: self.status,
            retryable: self.retryable,
            retry_after_ms: self
                .retry_after
                .map(|d| u32::try_from(d.as_millis()).unwrap_or(u32::MAX)),
        }
    }
}

/// `Retry-After` in seconds (the form providers use) or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        // `try_`: a hostile or absurd value (1e300) must not panic.
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// The human message inside the common error bodies:
/// `{"error":{"message":..}}` (Anthropic, OpenAI) or `{"error":".."}` (Ollama).
fn error_message_in_body(body: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_str(body).ok()?;
    let error = json.get("error")?;
    error
        .get("message")
        .and_then(|m| m.as_str())
        .or_else(|| error.as_str())
        .map(str::to_string)
}

fn mentions_context_length(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    [
        "context length",
        "context_length",
        "context window",
        "prompt is too long",
        "too many tokens",
        "maximum context",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn statuses_map_to_codes() {
        let none = HeaderMap::new();
        let code = |status, body| ProviderFailure::from_http(status, &none, body).code;
        assert_eq!(code(401, ""), FailureCode::Auth);
        assert_eq!(code(429, ""), FailureCode::RateLimited);
        assert_eq!(code(529, ""), FailureCode::RateLimited);
        assert_eq!(code(504, ""), FailureCode::Timeout);
        assert_eq!(code(500, ""), FailureCode::Provider);
        assert_eq!(
            code(
                400,
                r#"{"error":{"message":"prompt is too long: 210000 tokens > 200000 maximum"}}"#
            ),
            FailureCode::ContextLength
        );
        assert!(ProviderFailure::from_http(500, &none, "").retryable);
        assert!(!ProviderFailure::from_http(400, &none, "").retryable);
    }

    #[test]
    fn retry_after_seconds_are_read_and_exposed_in_ms() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        let failure = ProviderFailure::from_http(429, &headers, r#"{"error":"slow down"}"#);
        assert_eq!(failure.retry_after, Some(Duration::from_secs(2)));
        assert_eq!(failure.message, "HTTP 429: slow down");
        match failure.into_app_error("groq") {
            AppError::Provider {
                retry_after_ms,
                code,
                ..
            } => {
                assert_eq!(retry_after_ms, Some(2000));
                assert_eq!(code, FailureCode::RateLimited);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn absurd_retry_after_values_are_ignored_not_fatal() {
        for value in ["1e300", "-5", "NaN", "inf"] {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
            let failure = ProviderFailure::from_http(429, &headers, "");
            assert_eq!(failure.retry_after, None, "{value}");
        }
    }

    #[test]
    fn in_stream_overload_is_retryable_rate_limit() {
        let failure = ProviderFailure::in_stream(Some("overloaded_error"), "Overloaded");
        assert_eq!(failure.code, FailureCode::RateLimited);
        assert!(failure.retryable);
    }
}
