//! `clawdesk serve` killed with SIGKILL while ten clients stream replies
//! over HTTP: after a restart on the same directories, every user message
//! that was accepted is stored, and every reply whose chunks a client saw
//! is stored with at least the text that client received (as `failed`,
//! the recovery rule for a reply the app never finished).

#![cfg(unix)]

mod common;

use common::serve::ServeProcess as Server;
use common::sse::{Sse, SseReader};
use common::HERMETIC_CONFIG;
use provider_double::{ProviderDouble, Script};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CLIENTS: usize = 10;

async fn call(http: &reqwest::Client, server: (&str, &str), name: &str, args: Value) -> Value {
    let response = http
        .post(format!("{}/v1/commands/{name}", server.0))
        .bearer_auth(server.1)
        .json(&args)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{name}: {body}");
    body
}

/// What one client saw before the kill.
#[derive(Default)]
struct Seen {
    /// User messages the server accepted (`200`).
    accepted: Vec<String>,
    /// Reply id -> the text of its chunks, in order.
    replies: BTreeMap<String, String>,
    /// Replies that ended (`stream-end`) before the kill.
    ended: BTreeSet<String>,
}

/// Sends streaming messages one after another and reads their events until
/// the server goes away.
async fn client(
    http: reqwest::Client,
    url: String,
    token: String,
    session: String,
    seen: Arc<Mutex<Seen>>,
) {
    let Ok(response) = http
        .get(format!("{url}/v1/events?sessionId={session}"))
        .bearer_auth(&token)
        .send()
        .await
    else {
        return;
    };
    assert_eq!(response.status(), 200);
    let mut events = SseReader::from_response(response);
    for n in 0.. {
        let content = format!("{session} message {n}");
        let sent = http
            .post(format!("{url}/v1/commands/send_message_streaming"))
            .bearer_auth(&token)
            .json(&json!({ "sessionId": session, "content": content }))
            .send()
            .await;
        match sent {
            Ok(response) if response.status() == 200 => {
                seen.lock().unwrap().accepted.push(content);
            }
            Ok(response) => panic!("{}: {:?}", response.status(), response.text().await),
            Err(_) => return,
        }
        // This reply's events, until it ends or the server is gone.
        loop {
            // None: the kill; what was seen is final.
            let Some(Sse { event, data }) = events.next().await else {
                return;
            };
            let id = data["messageId"].as_str().unwrap_or_default().to_string();
            let mut seen = seen.lock().unwrap();
            match event.as_str() {
                "stream-start" => {
                    seen.replies.insert(id, String::new());
                }
                "stream-chunk" => {
                    let text = seen.replies.entry(id).or_default();
                    text.push_str(data["content"].as_str().unwrap());
                }
                "stream-end" => {
                    seen.ended.insert(id);
                    break;
                }
                other => panic!("unexpected {other}: {data}"),
            }
        }
    }
}

#[test]
fn sigkill_mid_stream_loses_no_accepted_message_nor_any_streamed_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let config_dir: PathBuf = dir.path().join("config");
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(config_dir.join("config.toml"), HERMETIC_CONFIG).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let double = runtime.block_on(ProviderDouble::start());
    // Slow replies: each chunk comes after the reply in progress is due to
    // be saved again, so every reply is in flight when the kill comes.
    let words: Vec<String> = (0..12).map(|n| format!("word{n} ")).collect();
    double.set_default(Script::chunks(words).interval(250).usage(5, 12));

    let mut server = Server::start(&config_dir, &data_dir);
    let http = reqwest::Client::new();
    let seen: Vec<Arc<Mutex<Seen>>> = (0..CLIENTS).map(|_| Arc::default()).collect();
    let sessions: Vec<String> = runtime.block_on(async {
        let at = (server.url.as_str(), server.token.as_str());
        for (key, value) in [
            ("providers.anthropic.enabled", json!(true)),
            ("providers.anthropic.baseUrl", json!(double.base_url())),
            ("providers.anthropic.apiKey", json!("sk-ant-serve-kill")),
            ("network.maxRetries", json!(0)),
        ] {
            call(
                &http,
                at,
                "update_config",
                json!({ "key": key, "value": value }),
            )
            .await;
        }
        let mut sessions = Vec::new();
        for _ in 0..CLIENTS {
            let session = call(&http, at, "create_session", json!({})).await;
            sessions.push(session["id"].as_str().unwrap().to_string());
        }
        sessions
    });
    let tasks: Vec<_> = sessions
        .iter()
        .zip(&seen)
        .map(|(session, seen)| {
            runtime.spawn(client(
                http.clone(),
                server.url.clone(),
                server.token.clone(),
                session.clone(),
                seen.clone(),
            ))
        })
        .collect();
    // Past the first replies (12 chunks x 250 ms) and into the second ones.
    std::thread::sleep(Duration::from_millis(4_200));
    server.kill();
    runtime.block_on(async {
        for task in tasks {
            tokio::time::timeout(Duration::from_secs(20), task)
                .await
                .expect("clients notice the kill")
                .unwrap();
        }
    });

    let server = Server::start(&config_dir, &data_dir);
    let at = (server.url.as_str(), server.token.as_str());
    let (mut users, mut in_flight, mut completed, mut chunks_seen) = (0, 0, 0, 0);
    // For the replies cut off: bytes received by clients, bytes stored.
    let (mut cut_received, mut cut_stored) = (0, 0);
    for (session, seen) in sessions.iter().zip(&seen) {
        let seen = seen.lock().unwrap();
        let stored = runtime.block_on(call(
            &http,
            at,
            "get_messages",
            json!({ "sessionId": session }),
        ));
        let stored = stored.as_array().unwrap();
        let stored_users: BTreeSet<&str> = stored
            .iter()
            .filter(|m| m["role"] == "user")
            .map(|m| m["content"].as_str().unwrap())
            .collect();
        for content in &seen.accepted {
            assert!(
                stored_users.contains(content.as_str()),
                "accepted but lost: {content:?}"
            );
            users += 1;
        }
        for (id, received) in &seen.replies {
            if received.is_empty() {
                continue;
            }
            let reply = stored
                .iter()
                .find(|m| m["id"] == id.as_str())
                .unwrap_or_else(|| panic!("reply {id} with {received:?} was not stored"));
            let text = reply["content"].as_str().unwrap();
            assert!(
                text.starts_with(received.as_str()),
                "reply {id}: received {received:?}, stored {text:?}"
            );
            chunks_seen += received.split_whitespace().count();
            if seen.ended.contains(id) {
                assert_eq!(reply["status"], "complete", "{reply}");
                completed += 1;
            } else {
                assert_eq!(reply["status"], "failed", "{reply}");
                in_flight += 1;
                cut_received += received.len();
                cut_stored += text.len();
            }
        }
    }
    println!(
        "SIGKILL with {CLIENTS} clients streaming: {users} accepted user messages all stored; \
         {completed} finished replies stored complete; {in_flight} replies cut mid-stream \
         stored as failed with at least their received prefix ({cut_received} bytes received, \
         {cut_stored} stored); {chunks_seen} chunks received in all"
    );
    assert!(in_flight > 0, "the kill came while replies were streaming");
}
