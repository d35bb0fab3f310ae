//! Who may talk to the gateway: requests addressed to the bound address
//! (not a DNS name someone pointed at it) that carry the bearer token.

use crate::status::ErrorResponse;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, HOST, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use clawdesk_core::config::ConfigManager;
use clawdesk_core::AppError;
use std::net::SocketAddr;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// Where the bearer token comes from.
#[derive(Clone)]
pub enum Token {
    /// One token for the gateway's life (tests, benchmarks).
    Fixed(String),
    /// The token stored with the secrets, read on every request, so a
    /// rotation takes effect at once; none stored means nothing is let in.
    Stored(Arc<ConfigManager>),
}

impl From<String> for Token {
    fn from(token: String) -> Self {
        Self::Fixed(token)
    }
}

impl From<&str> for Token {
    fn from(token: &str) -> Self {
        Self::Fixed(token.to_string())
    }
}

pub struct Access {
    token: Token,
    /// `Host` values requests may carry; `None` when bound to every
    /// interface, where no single name is right.
    hosts: Option<Vec<String>>,
}

impl Access {
    pub fn new(token: Token, bound: SocketAddr) -> Self {
        let port = bound.port();
        let ip = bound.ip();
        let hosts = if ip.is_unspecified() {
            None
        } else if ip.is_loopback() {
            Some(vec![bound.to_string(), format!("localhost:{port}")])
        } else {
            Some(vec![bound.to_string()])
        };
        Self { token, hosts }
    }

    /// Also answers to `name` (the configured `gateway.host`, when it is a
    /// host name rather than an address) at the bound port.
    pub fn with_name(mut self, name: Option<&str>, bound: SocketAddr) -> Self {
        if let (Some(hosts), Some(name)) = (&mut self.hosts, name) {
            if name.parse::<std::net::IpAddr>().is_err() {
                hosts.push(format!("{name}:{}", bound.port()));
            }
        }
        self
    }

    /// Compared in constant time, so response timing does not reveal how
    /// much of a guess was right.
    fn token_matches(&self, presented: &str) -> bool {
        match &self.token {
            Token::Fixed(token) => token.as_bytes().ct_eq(presented.as_bytes()).into(),
            Token::Stored(config) => config
                .gateway_token()
                .is_some_and(|token| token.expose().as_bytes().ct_eq(presented.as_bytes()).into()),
        }
    }

    fn host_allowed(&self, host: Option<&str>) -> bool {
        match (&self.hosts, host) {
            (None, _) => true,
            (Some(hosts), Some(host)) => hosts.iter().any(|h| h.eq_ignore_ascii_case(host)),
            (Some(_), None) => false,
        }
    }
}

/// Lets a request through only when its `Host` is the bound address: a web
/// page on another name resolving to 127.0.0.1 (DNS rebinding) is refused
/// before anything else is looked at, the frontend's files included.
pub async fn host_guard(
    State(access): State<Arc<Access>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request.headers().get(HOST).and_then(|v| v.to_str().ok());
    if !access.host_allowed(host) {
        let err =
            AppError::invalid_argument("host", "this gateway answers only at its own address");
        return (StatusCode::MISDIRECTED_REQUEST, Json(err)).into_response();
    }
    next.run(request).await
}

/// Lets a request through only with `Authorization: Bearer <token>`; a
/// missing, malformed or wrong token gets the same `401 unauthenticated`.
pub async fn token_guard(
    State(access): State<Arc<Access>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    match presented {
        Some(presented) if access.token_matches(presented.trim()) => next.run(request).await,
        _ => {
            let mut response = ErrorResponse(AppError::unauthenticated()).into_response();
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_answers_to_its_address_and_localhost_only() {
        let access = Access::new(Token::from("t"), "127.0.0.1:1420".parse().unwrap());
        assert!(access.host_allowed(Some("127.0.0.1:1420")));
        assert!(access.host_allowed(Some("LOCALHOST:1420")));
        assert!(!access.host_allowed(Some("evil.example:1420")));
        assert!(!access.host_allowed(Some("127.0.0.1:1421")));
        assert!(!access.host_allowed(None));
        let v6 = Access::new(Token::from("t"), "[::1]:9".parse().unwrap());
        assert!(v6.host_allowed(Some("[::1]:9")));
        let lan: SocketAddr = "192.168.1.20:1500".parse().unwrap();
        let named = Access::new(Token::from("t"), lan).with_name(Some("my-box.local"), lan);
        assert!(named.host_allowed(Some("my-box.local:1500")));
        assert!(named.host_allowed(Some("192.168.1.20:1500")));
        assert!(!named.host_allowed(Some("localhost:1500")));
    }

    #[test]
    fn tokens_must_match_exactly() {
        let access = Access::new(Token::from("secret"), "127.0.0.1:1".parse().unwrap());
        assert!(access.token_matches("secret"));
        for wrong in ["", "secre", "secrets", "Secret"] {
            assert!(!access.token_matches(wrong), "{wrong}");
        }
    }
}
