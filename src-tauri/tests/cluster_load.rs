//! Two `clawdesk serve` processes on one PostgreSQL database serve as one
//! (issue 15), measured under load:
//!
//! 1. 50 clients spread over both, each in its own session, 20 streaming
//!    sends each to one server while reading its events from the *other*
//!    server: every event arrives there in order, each stream ends once,
//!    every reply is stored once.
//! 2. Sends racing to one session from both servers: one winner, the other
//!    `sessionBusy` (409), nothing stored for the loser.
//! 3. SIGKILL one server while both stream: the survivor fails the dead
//!    one's replies (text kept, one `stream-error` each, seen by clients
//!    subscribed to the survivor), keeps serving, and the dead one's
//!    sessions take new messages.
//!
//! Prints the figures. `CLUSTER_LOAD_CLIENTS` / `CLUSTER_LOAD_SENDS` change
//! the size. Needs `scripts/with-postgres.sh` (skipped with
//! `CLAWDESK_SKIP_POSTGRES=1`).

#![cfg(unix)]

mod common;

use common::database::TestDatabase;
use common::serve::ServeProcess;
use common::sse::SseReader;
use common::write_hermetic_config;
use provider_double::{ProviderDouble, Script};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// One server: its process and where to reach it.
struct Server {
    process: ServeProcess,
    url: String,
    token: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(database: &TestDatabase) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config_dir = dir.path().join("config");
        write_hermetic_config(&config_dir);
        let process =
            ServeProcess::start_on_database(&config_dir, &dir.path().join("data"), &database.url);
        Self {
            url: process.url.clone(),
            token: process.token.clone(),
            process,
            _dir: dir,
        }
    }

    fn at(&self) -> (String, String) {
        (self.url.clone(), self.token.clone())
    }
}

async fn post(
    http: &reqwest::Client,
    at: &(String, String),
    name: &str,
    args: Value,
) -> (u16, Value) {
    let response = http
        .post(format!("{}/v1/commands/{name}", at.0))
        .bearer_auth(&at.1)
        .json(&args)
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn ok(http: &reqwest::Client, at: &(String, String), name: &str, args: Value) -> Value {
    let (status, body) = post(http, at, name, args).await;
    assert_eq!(status, 200, "{name}: {body}");
    body
}

/// One stream as a subscriber saw it: the reply's id, its text, and how it
/// ended (`stream-end`, or the `stream-error`'s code).
#[derive(Debug)]
struct Seen {
    message_id: String,
    text: String,
    ended: String,
    /// From the send to the first chunk, if one came.
    first_chunk: Option<Duration>,
}

/// Reads one whole stream (start, chunks numbered from 0, one terminal
/// event) and checks its order.
async fn read_stream(events: &mut SseReader, sent: Instant, wait: Duration) -> Seen {
    let start = events.next_within(wait).await.expect("the stream goes on");
    assert_eq!(start.event, "stream-start", "{start:?}");
    let message_id = start.data["messageId"].as_str().unwrap().to_string();
    let (mut text, mut index, mut first_chunk) = (String::new(), 0, None);
    loop {
        let event = events.next_within(wait).await.expect("the stream goes on");
        assert_eq!(event.data["messageId"], message_id.as_str(), "{event:?}");
        match event.event.as_str() {
            "stream-chunk" => {
                assert_eq!(event.data["index"], index, "chunks in order, no gaps");
                index += 1;
                first_chunk.get_or_insert_with(|| sent.elapsed());
                text.push_str(event.data["content"].as_str().unwrap());
            }
            "stream-end" => {
                return Seen {
                    message_id,
                    text,
                    ended: "end".into(),
                    first_chunk,
                }
            }
            "stream-error" => {
                return Seen {
                    message_id,
                    text,
                    ended: event.data["code"].as_str().unwrap().to_string(),
                    first_chunk,
                }
            }
            other => panic!("unexpected {other}: {event:?}"),
        }
    }
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_secs_f64() * 1000.0
}

#[test]
fn two_servers_on_one_database_serve_as_one() {
    let Some(database) = TestDatabase::create("clawdesk_cluster") else {
        return;
    };
    let clients = env_or("CLUSTER_LOAD_CLIENTS", 50);
    let sends = env_or("CLUSTER_LOAD_SENDS", 20);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let double = runtime.block_on(ProviderDouble::start());
    let mut servers = [Server::start(&database), Server::start(&database)];
    let http = reqwest::Client::new();
    runtime.block_on(async {
        for server in &servers {
            for (key, value) in [
                ("providers.anthropic.enabled", json!(true)),
                ("providers.anthropic.baseUrl", json!(double.base_url())),
                ("providers.anthropic.apiKey", json!("sk-ant-cluster-load")),
                ("network.maxRetries", json!(0)),
            ] {
                ok(
                    &http,
                    &server.at(),
                    "update_config",
                    json!({ "key": key, "value": value }),
                )
                .await;
            }
        }
    });
    let at = [servers[0].at(), servers[1].at()];

    // 1. The load.
    let words = ["One ", "two ", "three."];
    double.set_default(
        Script::chunks(words.map(String::from).to_vec())
            .interval(2)
            .usage(5, 3),
    );
    let started = Instant::now();
    // Each client reads its events from both servers at once: the relay's
    // cost is the difference.
    let results: Vec<(String, Vec<(Seen, Seen)>)> = runtime.block_on(async {
        let mut tasks = Vec::new();
        for client in 0..clients {
            let (mine, other) = (at[client % 2].clone(), at[(client + 1) % 2].clone());
            let http = http.clone();
            tasks.push(tokio::spawn(async move {
                let session = ok(&http, &mine, "create_session", json!({})).await;
                let session = session["id"].as_str().unwrap().to_string();
                let mut relayed = SseReader::open(&http, &other.0, &other.1, &session).await;
                let mut local = SseReader::open(&http, &mine.0, &mine.1, &session).await;
                let mut seen = Vec::new();
                for n in 0..sends {
                    let sent = Instant::now();
                    let content = format!("client {client} message {n}");
                    ok(
                        &http,
                        &mine,
                        "send_message_streaming",
                        json!({ "sessionId": session, "content": content }),
                    )
                    .await;
                    let wait = Duration::from_secs(20);
                    seen.push(tokio::join!(
                        read_stream(&mut relayed, sent, wait),
                        read_stream(&mut local, sent, wait),
                    ));
                }
                (session, seen)
            }));
        }
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        results
    });
    let elapsed = started.elapsed();
    let (mut first_relayed, mut first_local) = (Vec::new(), Vec::new());
    let mut reply_ids = BTreeSet::new();
    for (client, (session, seen)) in results.iter().enumerate() {
        // Read back from the server the client did not send to.
        let stored = runtime.block_on(ok(
            &http,
            &at[(client + 1) % 2],
            "get_messages",
            json!({ "sessionId": session }),
        ));
        let stored = stored.as_array().unwrap();
        assert_eq!(stored.len(), 2 * sends, "every message stored once");
        for (n, (pair, (seen, local))) in stored.chunks(2).zip(seen).enumerate() {
            assert_eq!(seen.message_id, local.message_id);
            assert_eq!((&seen.text, &seen.ended), (&local.text, &local.ended));
            assert_eq!(pair[0]["content"], format!("client {client} message {n}"));
            assert_eq!(pair[1]["id"], seen.message_id.as_str());
            assert_eq!(pair[1]["status"], "complete");
            assert_eq!(pair[1]["content"], words.concat());
            assert_eq!(seen.ended, "end");
            assert_eq!(seen.text, words.concat());
            assert!(
                reply_ids.insert(seen.message_id.clone()),
                "one reply per send"
            );
            first_relayed.extend(seen.first_chunk);
            first_local.extend(local.first_chunk);
        }
    }
    assert_eq!(
        database.scalar("SELECT count(*) FROM messages"),
        (clients * sends * 2) as i64
    );
    first_relayed.sort();
    first_local.sort();
    println!(
        "two servers, {clients} clients x {sends} streaming sends, each reading its events from \
         both servers: {} replies in {:.2} s ({:.0} replies/s); send to first chunk p50 / p99: \
         {:.1} / {:.1} ms on the server sent to, {:.1} / {:.1} ms relayed by the other",
        clients * sends,
        elapsed.as_secs_f64(),
        (clients * sends) as f64 / elapsed.as_secs_f64(),
        percentile(&first_local, 0.5),
        percentile(&first_local, 0.99),
        percentile(&first_relayed, 0.5),
        percentile(&first_relayed, 0.99),
    );

    // 2. Sends racing to one session from both servers.
    // Each reply holds its chat for 360 ms, so the second send surely meets
    // it, even on a loaded machine.
    double.set_default(Script::chunks(words.map(String::from).to_vec()).interval(120));
    runtime.block_on(async {
        for round in 0..20 {
            let session = ok(&http, &at[round % 2], "create_session", json!({})).await;
            let session = session["id"].as_str().unwrap().to_string();
            let mut events = SseReader::open(&http, &at[0].0, &at[0].1, &session).await;
            let send = |server: usize| {
                post(
                    &http,
                    &at[server],
                    "send_message_streaming",
                    json!({ "sessionId": session, "content": format!("from {server}") }),
                )
            };
            let sent = Instant::now();
            let (x, y) = tokio::join!(send(0), send(1));
            let mut statuses = [x.0, y.0];
            statuses.sort();
            assert_eq!(statuses, [200, 409], "{x:?} {y:?}");
            let refused = if x.0 == 409 { &x.1 } else { &y.1 };
            assert_eq!(refused["kind"], "sessionBusy", "{refused}");
            assert_eq!(
                read_stream(&mut events, sent, Duration::from_secs(20))
                    .await
                    .ended,
                "end"
            );
            let stored = ok(
                &http,
                &at[1],
                "get_messages",
                json!({ "sessionId": session }),
            )
            .await;
            assert_eq!(
                stored.as_array().unwrap().len(),
                2,
                "the loser stored nothing"
            );
        }
    });
    println!("20 races of two sends to one session from both servers: one winner each");

    // 3. SIGKILL server 0 while both stream slow replies; every client
    // reads its events from server 1, the survivor.
    // Each chunk comes after the reply in progress is due to be saved again
    // (every 200 ms), so what a client saw is stored when the kill comes.
    let slow: Vec<String> = (0..30).map(|n| format!("w{n} ")).collect();
    double.set_default(Script::chunks(slow.clone()).interval(250));
    let streaming = 10;
    let (killed_at, outcomes) = runtime.block_on(async {
        let mut sessions = Vec::new();
        for client in 0..2 * streaming {
            let server = client % 2;
            let session = ok(&http, &at[server], "create_session", json!({})).await;
            let session = session["id"].as_str().unwrap().to_string();
            let events = SseReader::open(&http, &at[1].0, &at[1].1, &session).await;
            sessions.push((server, session, events));
        }
        let mut tasks = Vec::new();
        for (server, session, mut events) in sessions {
            let (http, at) = (http.clone(), at.clone());
            tasks.push(tokio::spawn(async move {
                let sent = Instant::now();
                ok(
                    &http,
                    &at[server],
                    "send_message_streaming",
                    json!({ "sessionId": session, "content": "a long one" }),
                )
                .await;
                // Past the dead server's heartbeat expiry (6 s) and sweep.
                let seen = read_stream(&mut events, sent, Duration::from_secs(20)).await;
                (server, session, seen, Instant::now())
            }));
        }
        // Into the replies (30 chunks x 250 ms), then the kill.
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        servers[0].process.kill();
        let killed_at = Instant::now();
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.unwrap());
        }
        (killed_at, outcomes)
    });
    let mut noticed = Vec::new();
    for (server, session, seen, ended_at) in &outcomes {
        let stored = runtime.block_on(ok(
            &http,
            &at[1],
            "get_messages",
            json!({ "sessionId": session }),
        ));
        let reply = &stored.as_array().unwrap()[1];
        assert_eq!(reply["id"], seen.message_id.as_str());
        let text = reply["content"].as_str().unwrap();
        if *server == 0 {
            assert_eq!(seen.ended, "internal", "{seen:?}");
            assert_eq!(reply["status"], "failed", "{reply}");
            assert!(
                text.starts_with(&seen.text) && !text.is_empty(),
                "kept: {text:?} saw {:?}",
                seen.text
            );
            noticed.push(ended_at.duration_since(killed_at));
        } else {
            assert_eq!(seen.ended, "end", "the survivor's replies complete");
            assert_eq!(reply["status"], "complete");
            assert_eq!(text, slow.concat());
        }
    }
    // The dead server's sessions take new messages on the survivor.
    double.set_default(Script::reply("still here"));
    runtime.block_on(async {
        for (server, session, _, _) in outcomes.iter().filter(|o| o.0 == 0) {
            let _ = server;
            ok(
                &http,
                &at[1],
                "send_message",
                json!({ "sessionId": session, "content": "again" }),
            )
            .await;
        }
    });
    noticed.sort();
    println!(
        "SIGKILL of one server with {streaming} replies streaming on each: the survivor failed \
         the {} dead replies (text kept, one stream-error each) {:.1}-{:.1} s after the kill; \
         its own {streaming} completed; the dead server's sessions took new messages",
        noticed.len(),
        noticed[0].as_secs_f64(),
        noticed[noticed.len() - 1].as_secs_f64(),
    );
}
