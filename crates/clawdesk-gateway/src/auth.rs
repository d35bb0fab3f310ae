//! Bearer-token authentication for every route.

use crate::status::ErrorResponse;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clawdesk_core::AppError;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The token a request must present.
pub struct Token(String);

impl Token {
    pub fn new(token: String) -> Self {
        Self(token)
    }

    /// Compared in constant time, so response timing does not reveal how
    /// much of a guess was right.
    fn matches(&self, presented: &str) -> bool {
        self.0.as_bytes().ct_eq(presented.as_bytes()).into()
    }
}

/// Lets a request through only with `Authorization: Bearer <token>`. A
/// missing, malformed or wrong token gets the same `401 unauthenticated`.
pub async fn require_token(
    State(token): State<Arc<Token>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    match presented {
        Some(presented) if token.matches(presented.trim()) => next.run(request).await,
        _ => {
            let mut response = ErrorResponse(AppError::unauthenticated()).into_response();
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
    }
}
