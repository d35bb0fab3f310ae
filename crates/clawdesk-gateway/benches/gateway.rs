//! What the gateway costs over calling the core in process: the median of
//! one command call each way, and stream chunks per second over SSE against
//! an in-process subscriber of the same reply. Loopback only, against the
//! provider double. `cargo bench -p clawdesk-gateway` prints the figures;
//! built as a test it runs a few rounds to prove it still works.

use clawdesk_core::pipeline::{StreamEvent, StreamSink};
use clawdesk_core::ClawDesk;
use clawdesk_gateway::{Gateway, GatewayOptions};
use provider_double::{ProviderDouble, Script};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-token-0123456789abcdef";

struct NoWindow;
impl StreamSink for NoWindow {
    fn emit(&self, _event: StreamEvent) {}
}

fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let config_dir = dir.path().join("config");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        "[providers.openai]\nenabled = false\n\n[providers.ollama]\nenabled = false\n",
    )
    .unwrap();
    let db = dir.path().join("clawdesk.db");
    let desk = ClawDesk::initialize(&config_dir, |_| db, Arc::new(NoWindow)).await;
    let double = ProviderDouble::start().await;
    for (key, value) in [
        ("providers.anthropic.baseUrl", json!(double.base_url())),
        ("providers.anthropic.apiKey", json!("sk-ant-bench")),
        ("network.maxRetries", json!(0)),
    ] {
        desk.update_config(key.into(), serde_json::from_value(value).unwrap())
            .await
            .unwrap();
    }
    let gateway = Gateway::start(desk.clone(), GatewayOptions::loopback(0, TOKEN))
        .await
        .unwrap();
    let base = format!("http://{}", gateway.local_addr());
    let http = reqwest::Client::new();
    let session = desk.create_session(None, None).await.unwrap();

    // One call: in process, then over HTTP (a kept-alive connection).
    let rounds = if full_run() { 2000 } else { 20 };
    let mut in_process = Vec::with_capacity(rounds);
    let mut over_http = Vec::with_capacity(rounds);
    let url = format!("{base}/v1/commands/get_session");
    let args = json!({ "sessionId": session.id });
    for _ in 0..rounds {
        let started = Instant::now();
        let info = desk.get_session(&session.id).await.unwrap();
        serde_json::to_vec(&info).unwrap();
        in_process.push(started.elapsed());

        let started = Instant::now();
        let response = http
            .post(&url)
            .bearer_auth(TOKEN)
            .json(&args)
            .send()
            .await
            .unwrap();
        let _: Value = response.json().await.unwrap();
        over_http.push(started.elapsed());
    }
    let (local, remote) = (median(in_process), median(over_http));
    println!(
        "get_session median: in process {:.3} ms, over HTTP {:.3} ms, gateway adds {:.3} ms",
        local.as_secs_f64() * 1e3,
        remote.as_secs_f64() * 1e3,
        remote.saturating_sub(local).as_secs_f64() * 1e3
    );

    // One reply of many chunks seen in process, then another over SSE: one
    // at a time, so neither reader competes with the other for the two
    // cores (racing them made the in-process reader fall behind the event
    // buffer and measured the machine, not the transport).
    // A burst within the event buffer (EVENT_BUFFER, 4,096): the double
    // sends as fast as the socket takes it, far above any model's pace, and
    // a longer burst outruns whichever reader is slower than the producer;
    // the gateway closes such a reader by design (it resynchronizes with
    // `get_messages`), which would measure scheduling, not throughput.
    let chunks = if full_run() {
        clawdesk_core::api::EVENT_BUFFER - 96
    } else {
        500
    };
    let script = || Script::chunks((0..chunks).map(|i| format!("{i} ")).collect());

    double.enqueue(script());
    let mut local_events = desk.subscribe();
    let started = Instant::now();
    desk.send_message_streaming(&session.id, "Count")
        .await
        .unwrap();
    let mut local_seen = 0usize;
    loop {
        match local_events.recv().await {
            Ok(StreamEvent::Chunk(_)) => local_seen += 1,
            Ok(StreamEvent::End(_) | StreamEvent::Error(_)) => break,
            Ok(_) => {}
            Err(err) => panic!("in-process subscriber: {err}"),
        }
    }
    let local_elapsed = started.elapsed();
    drop(local_events);

    double.enqueue(script());
    let mut sse = http
        .get(format!("{base}/v1/events?sessionId={}", session.id))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let started = Instant::now();
    desk.send_message_streaming(&session.id, "Count again")
        .await
        .unwrap();
    let mut buffer = Vec::new();
    let mut seen = 0usize;
    let mut ended = false;
    while let Some(bytes) = sse.chunk().await.unwrap() {
        buffer.extend_from_slice(&bytes);
        // Count whole frames only; keep a partial one for the next read.
        while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
            let frame: Vec<u8> = buffer.drain(..end + 2).collect();
            if frame.starts_with(b"event: stream-chunk") {
                seen += 1;
            } else if frame.starts_with(b"event: stream-end")
                || frame.starts_with(b"event: stream-error")
            {
                ended = true;
            }
        }
        if ended {
            break;
        }
    }
    let sse_elapsed = started.elapsed();
    assert!(ended, "the SSE stream ended before the reply did");
    assert_eq!((seen, local_seen), (chunks, chunks), "every chunk arrived");
    let rate = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "stream of {chunks} chunks: in process {:.0} chunks/s, over SSE {:.0} chunks/s",
        rate(local_seen, local_elapsed),
        rate(seen, sse_elapsed)
    );
    gateway.shutdown().await;
}
