//! A bounded load on loopback: many clients, each in its own session, each
//! sending streaming messages one after another over HTTP and reading its
//! events over SSE. Every reply is stored, every stream ends with exactly
//! one terminal event, nothing is lost. Prints p50/p99 time to first chunk.
//! `GATEWAY_LOAD_CLIENTS` / `GATEWAY_LOAD_MESSAGES` change the size
//! (default 50 x 20, as issue 11 asks).

mod common;

use common::{Served, SseReader, TOKEN};
use provider_double::{ProviderDouble, Script};
use serde_json::json;
use std::time::{Duration, Instant};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_clients_stream_without_losing_anything() {
    let clients = env_or("GATEWAY_LOAD_CLIENTS", 50);
    let messages = env_or("GATEWAY_LOAD_MESSAGES", 20);
    let s = Served::start().await;
    let double = ProviderDouble::start().await;
    s.use_double(&double).await;
    double.set_default(
        Script::chunks(vec!["One ".into(), "two ".into(), "three.".into()]).usage(5, 3),
    );

    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..clients {
        let http = s.http.clone();
        let base = s.base.clone();
        let session = s.ok("create_session", json!({})).await;
        tasks.push(tokio::spawn(async move {
            let id = session["id"].as_str().unwrap().to_string();
            let response = http
                .get(format!("{base}/v1/events?sessionId={id}"))
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap();
            let mut events = SseReader::new(response);
            let mut first_chunks = Vec::new();
            for n in 0..messages {
                let sent = Instant::now();
                let response = http
                    .post(format!("{base}/v1/commands/send_message_streaming"))
                    .bearer_auth(TOKEN)
                    .json(&json!({ "sessionId": id, "content": format!("client {client} message {n}") }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
                let (mut starts, mut chunks, mut terminals) = (0, 0, 0);
                let mut first_chunk = None;
                while terminals == 0 {
                    let event = tokio::time::timeout(Duration::from_secs(30), events.next())
                        .await
                        .expect("events keep coming")
                        .expect("the stream stays open");
                    assert_eq!(event.data["sessionId"], id.as_str(), "filtered to its session");
                    match event.event.as_str() {
                        "stream-start" => starts += 1,
                        "stream-chunk" => {
                            assert_eq!(event.data["index"], chunks, "no gaps");
                            chunks += 1;
                            first_chunk.get_or_insert_with(|| sent.elapsed());
                        }
                        "stream-end" => terminals += 1,
                        other => panic!("client {client}: unexpected {other}: {}", event.data),
                    }
                }
                assert_eq!((starts, chunks, terminals), (1, 3, 1), "client {client} message {n}");
                first_chunks.push(first_chunk.unwrap());
            }
            (id, first_chunks)
        }));
    }
    let mut first_chunks = Vec::new();
    let mut sessions = Vec::new();
    for task in tasks {
        let (id, times) = task.await.unwrap();
        sessions.push(id);
        first_chunks.extend(times);
    }
    let elapsed = started.elapsed();

    // Everything is stored: each user message and its complete reply.
    for id in &sessions {
        let stored = s.ok("get_messages", json!({ "sessionId": id })).await;
        let stored = stored.as_array().unwrap();
        assert_eq!(stored.len(), messages * 2, "{id}");
        for pair in stored.chunks(2) {
            assert_eq!(pair[0]["role"], "user");
            assert_eq!(pair[1]["content"], "One two three.");
            assert_eq!(pair[1]["status"], "complete");
        }
    }
    first_chunks.sort();
    let at = |q: f64| first_chunks[((first_chunks.len() - 1) as f64 * q) as usize];
    println!(
        "{clients} clients x {messages} streaming messages in {:.1} s: time to first chunk p50 {:.1} ms, p99 {:.1} ms",
        elapsed.as_secs_f64(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3
    );
    let metrics = s.ok("get_metrics", json!({})).await;
    assert_eq!(metrics["streamsCompleted"], clients * messages);
    assert_eq!(metrics["activeStreams"], 0);
}
