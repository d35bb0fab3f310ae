//! The built Solid frontend at `/`: the window's own app, which in a
//! browser asks for the token once and then talks to this gateway over HTTP
//! through the generated client.
//!
//! The files are public (they are the app's code, not anyone's data), so
//! they are served before the token is checked; the `Host` check still
//! applies. Only paths the frontend really has are served here: anything
//! else goes on to the token guard, so an unknown path still reveals
//! nothing without the token.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;
use std::sync::Arc;

/// Where the frontend's files come from: in the app, the copy Tauri embeds
/// in the binary for the window (so there is one copy, one version).
pub trait FrontendAssets: Send + Sync + 'static {
    /// The file at `path`, which starts with `/` (e.g. `/index.html`,
    /// `/assets/index-3f2a.js`).
    fn get(&self, path: &str) -> Option<Cow<'_, [u8]>>;
}

/// The page may load only its own scripts and styles and talk only to this
/// gateway; nothing may frame it.
const CONTENT_SECURITY: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'none'";

/// Serves `GET`/`HEAD` requests for the frontend's files; passes everything
/// else on.
pub async fn serve_frontend(
    State(assets): State<Arc<dyn FrontendAssets>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return next.run(request).await;
    }
    let path = match request.uri().path() {
        "/" => "/index.html",
        path => path,
    };
    // The API's paths are never files, whatever the assets hold.
    if path.starts_with("/v1/") {
        return next.run(request).await;
    }
    match assets.get(path) {
        Some(bytes) => file_response(path, bytes.into_owned()),
        None => next.run(request).await,
    }
}

fn file_response(path: &str, bytes: Vec<u8>) -> Response {
    let mut response = Body::from(bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY),
    );
    // Vite names built files by their content hash: they never change.
    // The page itself must be asked for again to pick up a new build.
    let cache = if path.starts_with("/assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// The media type of a built file, by its extension.
fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map(|(_, ext)| ext).unwrap_or("");
    match extension.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::content_type;

    #[test]
    fn built_files_get_their_media_type() {
        assert_eq!(content_type("/index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("/assets/index-3f2a.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            content_type("/assets/index-3f2a.CSS"),
            "text/css; charset=utf-8"
        );
        assert_eq!(content_type("/favicon"), "application/octet-stream");
    }
}
