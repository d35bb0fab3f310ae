//! What a browser meets: the frontend's files at `/` without the token (the
//! API behind them still needs it), the `Host` check on everything, and CORS
//! headers only for the origins the user configured.

mod common;

use clawdesk_gateway::{FrontendAssets, GatewayController, GatewayOptions};
use common::{Served, TOKEN};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// A built frontend of two files, as the app's embedded assets answer.
struct TwoFiles(HashMap<&'static str, &'static [u8]>);

impl FrontendAssets for TwoFiles {
    fn get(&self, path: &str) -> Option<Cow<'_, [u8]>> {
        self.0.get(path).map(|bytes| Cow::Borrowed(*bytes))
    }
}

const INDEX: &[u8] =
    b"<!doctype html><script type=\"module\" src=\"/assets/app-1a2b.js\"></script>";
const SCRIPT: &[u8] = b"console.log('ClawDesk')";

fn frontend() -> Arc<dyn FrontendAssets> {
    Arc::new(TwoFiles(HashMap::from([
        ("/index.html", INDEX),
        ("/assets/app-1a2b.js", SCRIPT),
    ])))
}

async fn served(origins: &[&str]) -> Served {
    let origins: Vec<String> = origins.iter().map(|o| o.to_string()).collect();
    Served::with_options(move |options| GatewayOptions {
        frontend: Some(frontend()),
        allowed_origins: origins,
        ..options
    })
    .await
}

#[tokio::test]
async fn the_frontend_is_served_without_the_token_and_nothing_else_is() {
    let s = served(&[]).await;
    let page = s.http.get(format!("{}/", s.base)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let headers = page.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.bytes().await.unwrap().as_ref(), INDEX);

    let script = s
        .http
        .get(format!("{}/assets/app-1a2b.js", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(script.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert_eq!(script.bytes().await.unwrap().as_ref(), SCRIPT);

    // Not a file of the frontend, or not a read: the token guard answers.
    for (method, path) in [
        ("GET", "/admin"),
        ("GET", "/assets/missing.js"),
        ("POST", "/"),
        ("GET", "/v1/events"),
        ("POST", "/v1/commands/list_sessions"),
    ] {
        let response = s
            .http
            .request(method.parse().unwrap(), format!("{}{path}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
    }
    assert_eq!(s.desk.metrics.snapshot().commands_total, 0);
}

#[tokio::test]
async fn the_frontend_answers_only_at_the_bound_address() {
    let s = served(&[]).await;
    let port = s.gateway.local_addr().port();
    let response = s
        .http
        .get(format!("{}/", s.base))
        .header("Host", format!("evil.example:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::MISDIRECTED_REQUEST);
}

/// A cross-origin call as a browser makes it: a preflight, then the POST.
async fn cross_origin(s: &Served, origin: &str) -> (reqwest::Response, reqwest::Response) {
    let url = format!("{}/v1/commands/list_sessions", s.base);
    let preflight = s
        .http
        .request(reqwest::Method::OPTIONS, &url)
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    let call = s
        .http
        .post(&url)
        .header("Origin", origin)
        .bearer_auth(TOKEN)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    (preflight, call)
}

#[tokio::test]
async fn no_cors_headers_unless_origins_are_configured() {
    let s = served(&[]).await;
    let (preflight, call) = cross_origin(&s, "https://tool.example").await;
    assert!(preflight
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    // The call itself is answered (curl does not care about CORS), but a
    // browser gets nothing it may hand to the page.
    assert_eq!(call.status(), StatusCode::OK);
    assert!(call.headers().get("access-control-allow-origin").is_none());
}

/// The app's window on another computer uses this gateway as its server
/// without anyone listing the window's origin; the token is still needed.
#[tokio::test]
async fn the_app_windows_origins_get_cors_headers_without_being_listed() {
    let s = served(&[]).await;
    for origin in ["tauri://localhost", "http://tauri.localhost"] {
        let (preflight, call) = cross_origin(&s, origin).await;
        assert_eq!(preflight.status(), StatusCode::OK, "{origin}");
        assert_eq!(preflight.headers()["access-control-allow-origin"], origin);
        assert_eq!(call.status(), StatusCode::OK, "{origin}");
        assert_eq!(call.headers()["access-control-allow-origin"], origin);
    }
    let anonymous = reqwest::Client::new()
        .post(format!("{}/v1/commands/list_sessions", s.base))
        .header("Origin", "tauri://localhost")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn configured_origins_and_only_those_get_cors_headers() {
    let s = served(&["https://tool.example"]).await;
    let (preflight, call) = cross_origin(&s, "https://tool.example").await;
    assert_eq!(
        preflight.status(),
        StatusCode::OK,
        "preflight needs no token"
    );
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://tool.example"
    );
    let allowed_headers = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed_headers.contains("authorization"),
        "{allowed_headers}"
    );
    assert_eq!(
        call.headers()["access-control-allow-origin"],
        "https://tool.example"
    );
    let body: Value = call.json().await.unwrap();
    assert_eq!(body, json!([]));

    let (preflight, call) = cross_origin(&s, "https://evil.example").await;
    assert!(preflight
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    assert!(call.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn allowed_origins_follow_update_config() {
    let s = Served::start().await;
    let controller = GatewayController::attach(&s.desk, Some(frontend()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let update = |key: &str, value: Value| {
        let desk = s.desk.clone();
        let key = key.to_string();
        async move {
            desk.update_config(key, serde_json::from_value(value).unwrap())
                .await
        }
    };
    update("gateway.port", json!(port)).await.unwrap();
    update("gateway.enabled", json!(true)).await.unwrap();
    let preflight = || async {
        reqwest::Client::new()
            .request(
                reqwest::Method::OPTIONS,
                format!("http://127.0.0.1:{port}/v1/commands/get_health"),
            )
            .header("Origin", "http://localhost:3000")
            .header("Access-Control-Request-Method", "POST")
            .send()
            .await
            .unwrap()
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(preflight().await, None);

    update("gateway.allowedOrigins", json!(["http://localhost:3000"]))
        .await
        .unwrap();
    assert_eq!(preflight().await.as_deref(), Some("http://localhost:3000"));
    assert_eq!(
        s.desk.get_config().await.unwrap().gateway.allowed_origins,
        vec!["http://localhost:3000".to_string()]
    );

    // Not an origin: a typed error naming the key, and nothing changes.
    for bad in [
        json!(["*"]),
        json!(["https://tool.example/app"]),
        json!("https://tool.example"),
    ] {
        let err = update("gateway.allowedOrigins", bad.clone())
            .await
            .unwrap_err();
        let err = serde_json::to_value(&err).unwrap();
        assert!(
            err["kind"] == "configValue" || err["kind"] == "configKey",
            "{bad}: {err}"
        );
        assert_eq!(err["key"], "gateway.allowedOrigins", "{bad}: {err}");
    }
    assert_eq!(preflight().await.as_deref(), Some("http://localhost:3000"));

    // The page the gateway serves itself needs none of this.
    let page = reqwest::get(format!("http://127.0.0.1:{port}/"))
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    controller.shutdown().await;
}
