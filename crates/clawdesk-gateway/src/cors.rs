//! Cross-origin access for the web origins the user listed in
//! `gateway.allowedOrigins` and for the ClawDesk app's own window (so the
//! app on another computer can use this one as its server), and for no one
//! else: a browser keeps every other site's pages from reading its answers.

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderValue, Method};
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The origins of a Tauri app's window: `tauri://localhost` (Linux, macOS)
/// and `http(s)://tauri.localhost` (Windows).
///
/// Allowed without being listed, because it is safe: CORS here only lets a
/// page *read* answers, and every answer still needs the bearer token,
/// which the gateway never puts in a cookie, so no page gets anything
/// without it. And no web site can have these origins: a browser gives
/// `tauri://` to no web page, and `*.localhost` names resolve to this
/// machine's loopback only (RFC 6761), which a remote site cannot serve.
/// A local program, or another Tauri app, can send them, but it could just
/// as well call the gateway without a browser; the token is the guard.
pub const APP_WINDOW_ORIGINS: &[&str] = &[
    "tauri://localhost",
    "http://tauri.localhost",
    "https://tauri.localhost",
];

/// The CORS layer for `origins` and the app window's origins. Preflight
/// requests are answered here, before the token guard: browsers send them
/// without credentials.
pub fn layer(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .map(String::as_str)
        .chain(APP_WINDOW_ORIGINS.iter().copied())
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([AUTHORIZATION, CONTENT_TYPE])
            .max_age(Duration::from_secs(600)),
    )
}
