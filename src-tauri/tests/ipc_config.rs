//! Configuration commands through the real IPC layer.

mod common;

use common::TestApp;
use provider_double::ProviderDouble;
use serde_json::{json, Value};

fn read_config_file(app: &TestApp) -> String {
    std::fs::read_to_string(app.dir.path().join("config/config.toml")).unwrap()
}

#[test]
fn get_config_has_the_documented_shape_and_no_secrets() {
    let app = TestApp::start();
    let config = app.ok("get_config", json!({}));
    assert_eq!(
        config["gateway"],
        json!({ "enabled": false, "host": "127.0.0.1", "port": 1420, "allowedOrigins": [], "tokenSet": false })
    );
    assert_eq!(
        config["providers"]["anthropic"],
        // Disabled by the tests' hermetic config; the defaults themselves are
        // checked in clawdesk-core's config tests.
        json!({ "kind": "anthropic", "baseUrl": "https://api.anthropic.com", "enabled": false, "apiKeySet": false, "includeUsage": true })
    );
    assert_eq!(config["defaults"]["model"], "anthropic/claude-sonnet-4-5");
    assert!(config["defaults"]["systemPrompt"].is_string());
    assert_eq!(config["compaction"]["thresholdPercent"], 80);
    assert_eq!(config["compaction"]["keepRecent"], 8);
    assert_eq!(config["storage"]["databasePath"], Value::Null);

    app.ok(
        "update_config",
        json!({ "key": "providers.anthropic.apiKey", "value": "sk-ant-top-secret" }),
    );
    let config = app.ok("get_config", json!({}));
    assert_eq!(config["providers"]["anthropic"]["apiKeySet"], true);
    assert!(!config.to_string().contains("top-secret"));

    // The gateway token: only through its own commands, never in the config.
    let token = app.ok("get_gateway_token", json!({}));
    let token = token.as_str().unwrap().to_string();
    assert_eq!(token.len(), 64);
    assert_eq!(app.ok("get_gateway_token", json!({})), json!(token));
    let config = app.ok("get_config", json!({}));
    assert_eq!(config["gateway"]["tokenSet"], true);
    assert!(!config.to_string().contains(&token));
    assert!(!read_config_file(&app).contains(&token));
    let rotated = app.ok("rotate_gateway_token", json!({}));
    assert_ne!(rotated, json!(token));
    let on_disk = std::fs::read_to_string(app.dir.path().join("config/secrets.toml")).unwrap();
    assert!(
        on_disk.contains("top-secret"),
        "kept in the 0600 secrets file"
    );
}

/// The server the window may work through: its address is a typed config
/// key, its token a write-only secret that only `get_remote_token` reads.
#[test]
fn remote_server_token_is_a_secret_and_its_url_is_checked() {
    let app = TestApp::start();
    assert_eq!(app.ok("get_remote_token", json!({})), Value::Null);
    let config = app.ok("get_config", json!({}));
    assert_eq!(config["remote"], json!({ "url": null, "tokenSet": false }));

    for bad in [
        "desk.example",
        "ftp://desk.example",
        "https://u:p@desk.example",
    ] {
        let err = app.err(
            "update_config",
            json!({ "key": "remote.url", "value": bad }),
        );
        assert_eq!(err["kind"], "configValue", "{bad}: {err}");
    }
    let err = app.err(
        "update_config",
        json!({ "key": "remote.token", "value": "  " }),
    );
    assert_eq!(err["kind"], "configValue", "{err}");
    let err = app.err(
        "update_config",
        json!({ "key": "remote.tokenSet", "value": true }),
    );
    assert_eq!(err["kind"], "configKey", "{err}");

    app.ok(
        "update_config",
        json!({ "key": "remote.url", "value": "http://127.0.0.1:4242" }),
    );
    app.ok(
        "update_config",
        json!({ "key": "remote.token", "value": "remote-top-secret" }),
    );
    let config = app.ok("get_config", json!({}));
    assert_eq!(
        config["remote"],
        json!({ "url": "http://127.0.0.1:4242", "tokenSet": true })
    );
    assert!(!config.to_string().contains("remote-top-secret"));
    assert!(!read_config_file(&app).contains("remote-top-secret"));
    assert!(read_config_file(&app).contains("http://127.0.0.1:4242"));
    assert_eq!(
        app.ok("get_remote_token", json!({})),
        json!("remote-top-secret")
    );

    app.ok(
        "update_config",
        json!({ "key": "remote.token", "value": null }),
    );
    app.ok(
        "update_config",
        json!({ "key": "remote.url", "value": null }),
    );
    assert_eq!(app.ok("get_remote_token", json!({})), Value::Null);
    let config = app.ok("get_config", json!({}));
    assert_eq!(config["remote"], json!({ "url": null, "tokenSet": false }));
}

#[test]
fn update_config_applies_live_and_persists() {
    let app = TestApp::start();
    assert_eq!(
        app.ok(
            "update_config",
            json!({ "key": "gateway.port", "value": 1500 })
        ),
        Value::Null
    );
    assert_eq!(app.ok("get_config", json!({}))["gateway"]["port"], 1500);
    assert_eq!(
        app.state().config.load().gateway.port,
        1500,
        "swapped in without restart"
    );
    let toml = std::fs::read_to_string(app.dir.path().join("config/config.toml")).unwrap();
    assert!(toml.contains("port = 1500"), "{toml}");

    app.ok("update_config", json!({ "key": "providers.lmstudio", "value": { "kind": "openai", "baseUrl": "http://127.0.0.1:1234/v1" } }));
    assert_eq!(
        app.ok("get_config", json!({}))["providers"]["lmstudio"]["enabled"],
        true
    );
}

#[test]
fn unknown_keys_give_config_key_and_change_nothing() {
    let app = TestApp::start();
    let before = app.ok("get_config", json!({}));
    let file_before = read_config_file(&app);
    let err = app.err(
        "update_config",
        json!({ "key": "gateway.prot", "value": 1 }),
    );
    assert_eq!(
        err,
        json!({ "kind": "configKey", "key": "gateway.prot", "message": "config key gateway.prot: is not a configuration key" })
    );
    for key in [
        "",
        "nothing",
        "providers.nobody.baseUrl",
        "providers.openai.apiKeySet",
    ] {
        let err = app.err("update_config", json!({ "key": key, "value": true }));
        assert_eq!(err["kind"], "configKey", "{key}");
    }
    assert_eq!(app.ok("get_config", json!({})), before);
    assert_eq!(read_config_file(&app), file_before, "nothing written");
}

#[test]
fn wrong_types_and_ranges_give_config_value_and_change_nothing() {
    let app = TestApp::start();
    let before = app.ok("get_config", json!({}));
    let err = app.err(
        "update_config",
        json!({ "key": "gateway.port", "value": "1420" }),
    );
    assert_eq!(
        err,
        json!({
            "kind": "configValue", "key": "gateway.port", "expected": "an integer from 1024 to 65535",
            "message": "config key gateway.port expects an integer from 1024 to 65535"
        })
    );
    for (key, value) in [
        ("gateway.port", json!(99999)),
        ("providers.openai.enabled", json!(1)),
        ("providers.openai.baseUrl", json!("not a url")),
        ("compaction.thresholdPercent", json!(99)),
        ("providers.anthropic.apiKey", json!("")),
        ("defaults", json!([1, 2])),
    ] {
        let err = app.err("update_config", json!({ "key": key, "value": value }));
        assert_eq!(err["kind"], "configValue", "{key} = {value}: {err}");
        assert!(err["expected"].is_string());
    }
    assert_eq!(app.ok("get_config", json!({})), before);
    // A missing value is an error, not a silent null.
    let err = app.err("update_config", json!({ "key": "gateway.port" }));
    assert_eq!(err["kind"], "invalidArgument");
    assert_eq!(err["field"], "value");
}

#[test]
fn get_models_offers_what_reachable_and_keyed_providers_serve() {
    let app = TestApp::start();
    // Nothing usable (no keys, Ollama off): nothing to pick.
    assert_eq!(app.ok("get_models", json!({})), json!([]));

    // A local Ollama offers what is installed there, not the catalog.
    let ollama = tauri::async_runtime::block_on(ProviderDouble::start());
    ollama.set_models(vec!["llama3.2".into(), "hf.co/acme/tiny:Q4".into()]);
    for (key, value) in [
        ("providers.ollama.baseUrl", json!(ollama.base_url())),
        ("providers.ollama.enabled", json!(true)),
    ] {
        app.ok("update_config", json!({ "key": key, "value": value }));
    }
    let models = app.ok("get_models", json!({}));
    let ids: Vec<&str> = models
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ollama/llama3.2", "ollama/hf.co/acme/tiny:Q4"]);
    let llama = &models[0];
    assert_eq!(llama["model"], "llama3.2");
    assert_eq!(llama["provider"], "ollama");
    assert_eq!(llama["source"], "discovered");
    assert_eq!(llama["contextWindow"], 131072, "known to the catalog");
    assert!(llama["capabilities"]
        .as_array()
        .unwrap()
        .contains(&json!("streaming")));

    // A key brings the provider's catalog (its server is a double here).
    let anthropic = tauri::async_runtime::block_on(ProviderDouble::start());
    for (key, value) in [
        ("providers.anthropic.baseUrl", json!(anthropic.base_url())),
        ("providers.anthropic.enabled", json!(true)),
        ("providers.anthropic.apiKey", json!("sk-ant-x")),
    ] {
        app.ok("update_config", json!({ "key": key, "value": value }));
    }
    let models = app.ok("get_models", json!({}));
    let sonnet = models
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "anthropic/claude-sonnet-4-5")
        .expect("listed once a key is set");
    assert_eq!(sonnet["provider"], "anthropic");
    assert_eq!(sonnet["model"], "claude-sonnet-4-5");
    assert_eq!(sonnet["contextWindow"], 200000);
    assert_eq!(sonnet["displayName"], "Claude Sonnet 4.5");
    assert_eq!(sonnet["source"], "catalog");
    // A session created with a picked id keeps it.
    let session = app.ok(
        "create_session",
        json!({ "channelId": null, "model": "ollama/hf.co/acme/tiny:Q4" }),
    );
    assert_eq!(session["model"], "ollama/hf.co/acme/tiny:Q4");
    // A bare id from an older caller is qualified on creation.
    let session = app.ok(
        "create_session",
        json!({ "channelId": null, "model": "llama3.2" }),
    );
    assert_eq!(session["model"], "ollama/llama3.2");

    app.ok(
        "update_config",
        json!({ "key": "providers.anthropic.enabled", "value": false }),
    );
    // Ollama stops answering: nothing of it is offered any more.
    drop(ollama);
    app.ok(
        "update_config",
        json!({ "key": "providers.ollama.baseUrl", "value": "http://127.0.0.1:9" }),
    );
    assert_eq!(app.ok("get_models", json!({})), json!([]));
}

#[test]
fn get_channels_reports_the_desktop_channel() {
    let app = TestApp::start();
    app.ok("create_session", json!({}));
    let channels = app.ok("get_channels", json!({}));
    let desktop = &channels[0];
    assert_eq!(desktop["id"], "desktop");
    assert_eq!(desktop["kind"], "desktop");
    assert_eq!(desktop["status"], "active");
    assert_eq!(desktop["sessionCount"], 1);
    assert!(desktop["connectedAt"].is_string());
}
