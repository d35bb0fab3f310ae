//! Cross-origin access for the web origins the user listed in
//! `gateway.allowedOrigins`, and for no one else: with none listed the
//! gateway sends no CORS headers at all, so a browser keeps every other
//! site's pages from reading its answers.

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderValue, Method};
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The CORS layer for `origins`, or `None` when there are none. Preflight
/// requests are answered here, before the token guard: browsers send them
/// without credentials.
pub fn layer(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
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
