//! Without the bearer token nothing is served, and nothing is revealed.

mod common;

use common::{Served, TOKEN};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn every_route_needs_the_token() {
    let s = Served::start().await;
    let commands = format!("{}/v1/commands/list_sessions", s.base);
    let events = format!("{}/v1/events", s.base);
    let unknown = format!("{}/admin", s.base);
    let wrong_same_length = "x".repeat(TOKEN.len());
    let authorizations: [Option<String>; 6] = [
        None,
        Some(String::new()),
        Some("Bearer wrong".into()),
        Some(format!("Bearer {wrong_same_length}")),
        Some(format!("Bearer {TOKEN}x")),
        Some(format!("Basic {TOKEN}")),
    ];
    for authorization in &authorizations {
        for (method, url) in [("POST", &commands), ("GET", &events), ("GET", &unknown)] {
            let mut request = s.http.request(method.parse().unwrap(), url.as_str());
            if let Some(value) = authorization {
                request = request.header("Authorization", value);
            }
            let response = request.json(&json!({})).send().await.unwrap();
            let what = format!("{method} {url} with {authorization:?}");
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{what}");
            assert_eq!(response.headers()["www-authenticate"], "Bearer", "{what}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(
                body,
                json!({ "kind": "unauthenticated", "message": "a valid bearer token is required" }),
                "the same answer whatever was wrong: {what}"
            );
        }
    }
    // Nothing ran.
    assert_eq!(s.desk.metrics.snapshot().commands_total, 0);

    // With the token: served, and an unknown path is only then a 404.
    assert_eq!(s.ok("list_sessions", json!({})).await, json!([]));
    let response = s
        .http
        .get(&unknown)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn listens_on_loopback_by_default() {
    let s = Served::start().await;
    assert!(s.gateway.local_addr().ip().is_loopback());
}

#[tokio::test]
async fn requests_for_another_host_name_are_refused() {
    let s = Served::start().await;
    let port = s.gateway.local_addr().port();
    // A page on a name that resolves to 127.0.0.1 (DNS rebinding) sends its
    // own name as Host: refused even with the right token.
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
    ] {
        let response = s
            .http
            .post(format!("{}/v1/commands/list_sessions", s.base))
            .header("Host", host.as_str())
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::MISDIRECTED_REQUEST, "{host}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["kind"], "invalidArgument");
        assert_eq!(body["field"], "host");
    }
    let response = s
        .http
        .post(format!("http://localhost:{port}/v1/commands/list_sessions"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "localhost is the same address"
    );
}
