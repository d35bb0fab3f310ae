//! Health and metrics through the real IPC layer.

mod common;

use common::TestApp;
use provider_double::ProviderDouble;
use serde_json::json;

#[test]
fn health_is_derived_from_real_checks() {
    let app = TestApp::start();
    let double = tauri::async_runtime::block_on(ProviderDouble::start());
    // The hosted providers enabled with no key: never contacted, reported.
    for (key, value) in [
        ("providers.ollama.baseUrl", json!(double.base_url())),
        ("providers.ollama.enabled", json!(true)),
        ("providers.anthropic.enabled", json!(true)),
        ("providers.openai.enabled", json!(true)),
    ] {
        app.ok("update_config", json!({ "key": key, "value": value }));
    }
    app.settle_providers();
    let health = app.ok("get_health", json!({}));
    assert_eq!(health["status"], "healthy", "{health}");
    assert!(health["uptime"].is_u64(), "whole seconds");
    assert_eq!(health["channelsActive"], 1);
    assert_eq!(health["providersActive"], 1, "Ollama answered");
    let names: Vec<&str> = health["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["store", "config", "providers"]);
    let providers = health["providers"].as_array().unwrap();
    let states: Vec<(&str, &str)> = providers
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("anthropic", "needsKey"),
            ("ollama", "ready"),
            ("openai", "needsKey")
        ]
    );
    let ollama = &providers[1];
    assert_eq!(ollama["kind"], "ollama");
    assert!(ollama["detail"]
        .as_str()
        .unwrap()
        .starts_with("answered in"));
    common::assert_timestamp(&ollama["checkedAt"]);
    assert_eq!(providers[0]["checkedAt"], serde_json::Value::Null);

    // Nothing answers: degraded, and it says what to do next.
    drop(double);
    app.ok(
        "update_config",
        json!({ "key": "providers.ollama.baseUrl", "value": "http://127.0.0.1:9" }),
    );
    app.settle_providers();
    let health = app.ok("get_health", json!({}));
    assert_eq!(health["status"], "degraded");
    assert_eq!(health["providersActive"], 0);
    assert_eq!(health["providers"][1]["status"], "unreachable");
    assert_eq!(health["checks"][2]["status"], "degraded");
    assert_eq!(
        health["checks"][2]["detail"],
        "No provider can answer: add an Anthropic or OpenAI key in Settings, \
         or start Ollama on 127.0.0.1:9"
    );

    // Everything off: it says so too.
    app.ok(
        "update_config",
        json!({ "key": "providers.ollama.enabled", "value": false }),
    );
    let health = app.ok("get_health", json!({}));
    assert_eq!(health["providers"][1]["status"], "disabled");
    assert_eq!(health["status"], "degraded");
}

#[test]
fn corrupt_config_is_reported_in_health() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::write(
        dir.path().join("config/config.toml"),
        "this is = = not toml",
    )
    .unwrap();
    let app = TestApp::with_paths(dir, |d| clawdesk_lib::paths::AppPaths::in_dir(d));
    // The corrupt file left the defaults in charge; keep the test off
    // whatever may run on Ollama's default port.
    app.ok(
        "update_config",
        json!({ "key": "providers.ollama.enabled", "value": false }),
    );
    let health = app.ok("get_health", json!({}));
    assert_eq!(health["status"], "degraded");
    let config_check = &health["checks"][1];
    assert_eq!(config_check["status"], "degraded");
    assert!(
        config_check["detail"].as_str().unwrap().contains("corrupt"),
        "{config_check}"
    );
    let kept: Vec<_> = std::fs::read_dir(app.dir.path().join("config"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        kept.iter()
            .any(|name| name.starts_with("config.toml.corrupt-")),
        "{kept:?}"
    );
}

#[test]
fn metrics_count_what_the_backend_did() {
    let app = TestApp::start();
    let before = app.ok("get_metrics", json!({}));
    assert_eq!(before["commandsTotal"], 0);
    let session = app.ok("create_session", json!({}));
    app.ok("list_sessions", json!({}));
    app.err("get_session", json!({ "sessionId": "bad" }));
    app.ok("delete_session", json!({ "sessionId": session["id"] }));
    let metrics = app.ok("get_metrics", json!({}));
    assert_eq!(metrics["commandsTotal"], 5, "{metrics}");
    assert_eq!(metrics["commandErrors"], 1);
    assert_eq!(metrics["sessionsCreated"], 1);
    assert_eq!(metrics["sessionsDeleted"], 1);
    assert_eq!(metrics["activeStreams"], 0);
    assert_eq!(metrics["storeQuery"]["count"], 3);
    assert!(metrics["storeQuery"]["p50Us"].as_u64().unwrap() > 0);
    assert!(
        metrics["storeQuery"]["maxUs"].as_u64().unwrap()
            >= metrics["storeQuery"]["p50Us"].as_u64().unwrap()
    );
    for key in ["timeToFirstChunk", "streamDuration"] {
        assert_eq!(
            metrics[key],
            json!({ "count": 0, "p50Us": 0, "p95Us": 0, "maxUs": 0 })
        );
    }
}
