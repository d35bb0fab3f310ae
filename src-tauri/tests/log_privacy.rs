//! The log file a user attaches to a bug report: after chats with an API
//! key and a base URL with credentials set, including a provider error that
//! echoes the key, the log at the default level holds ids and outcomes and
//! not one key, credential or word of the conversation.

mod common;

use common::serve::ServeProcess;
use common::HERMETIC_CONFIG;
use provider_double::{ProviderDouble, Script};
use serde_json::{json, Value};
use std::time::Duration;

const API_KEY: &str = "sk-ant-logcheck-5f1e9a7c3b";
const URL_USER: &str = "loguser";
const URL_PASSWORD: &str = "url-pass-8d2c41";
const QUESTION: &str = "purple elephants hum quietly";
const ANSWER_WORD: &str = "zanzibarquill";

async fn call(http: &reqwest::Client, server: &ServeProcess, name: &str, args: Value) -> Value {
    let response = http
        .post(format!("{}/v1/commands/{name}", server.url))
        .bearer_auth(&server.token)
        .json(&args)
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

#[test]
fn the_log_holds_no_key_credential_or_message_text() {
    let dir = tempfile::tempdir().unwrap();
    let config_dir = dir.path().join("config");
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(config_dir.join("config.toml"), HERMETIC_CONFIG).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let double = runtime.block_on(ProviderDouble::start());
    let server = ServeProcess::start(&config_dir, &data_dir);
    let http = reqwest::Client::new();
    let base_url =
        double
            .base_url()
            .replacen("http://", &format!("http://{URL_USER}:{URL_PASSWORD}@"), 1);

    let session = runtime.block_on(async {
        for (key, value) in [
            ("providers.anthropic.enabled", json!(true)),
            ("providers.anthropic.baseUrl", json!(base_url)),
            ("providers.anthropic.apiKey", json!(API_KEY)),
            ("network.maxRetries", json!(0)),
        ] {
            let answer = call(
                &http,
                &server,
                "update_config",
                json!({ "key": key, "value": value }),
            )
            .await;
            assert_eq!(answer, Value::Null, "{key}: {answer}");
        }
        let session = call(&http, &server, "create_session", json!({})).await;
        let session = session["id"].as_str().unwrap().to_string();
        // A reply that completes…
        double.enqueue(Script::reply(&format!("The answer is {ANSWER_WORD}.")));
        let reply = call(
            &http,
            &server,
            "send_message",
            json!({ "sessionId": session, "content": QUESTION }),
        )
        .await;
        assert!(
            reply["content"].as_str().unwrap().contains(ANSWER_WORD),
            "{reply}"
        );
        // …and one that fails with the provider quoting the key, the
        // credentials and the question back.
        double.enqueue(Script::http_error(
            401,
            &format!("invalid x-api-key {API_KEY} for {URL_USER}:{URL_PASSWORD} asking {QUESTION}"),
        ));
        let failed = call(
            &http,
            &server,
            "send_message",
            json!({ "sessionId": session, "content": QUESTION }),
        )
        .await;
        assert_eq!(failed["kind"], "provider", "{failed}");
        // A failing command too: its kind is logged, not its message.
        let refused = call(
            &http,
            &server,
            "update_config",
            json!({ "key": "defaults.model", "value": "" }),
        )
        .await;
        assert_eq!(refused["kind"], "configValue", "{refused}");
        session
    });
    let health = runtime.block_on(call(&http, &server, "get_health", json!({})));
    let log_dir = data_dir.join("logs");
    assert_eq!(
        health["logDirectory"],
        json!(log_dir.to_string_lossy()),
        "{health}"
    );
    drop(server);

    let mut log = String::new();
    for entry in std::fs::read_dir(&log_dir).unwrap() {
        let path = entry.unwrap().path();
        log.push_str(&std::fs::read_to_string(&path).unwrap());
    }
    // Not vacuous: the replies and the failures are there, by id and outcome.
    assert!(log.contains(&session), "no session id in the log:\n{log}");
    assert!(log.contains("reply ended"), "{log}");
    assert!(
        log.contains("outcome=\"complete\"") || log.contains("outcome=complete"),
        "{log}"
    );
    assert!(log.contains("failed"), "{log}");
    assert!(log.contains("configValue"), "{log}");
    for secret in [
        API_KEY,
        URL_USER,
        URL_PASSWORD,
        QUESTION,
        "elephants",
        ANSWER_WORD,
    ] {
        assert!(!log.contains(secret), "the log contains {secret:?}:\n{log}");
    }
    println!(
        "log: {} lines, none with a key, credential or message text",
        log.lines().count()
    );
}
