//! Streaming overhead of the pipeline. 10,000 chunks come from the loopback
//! provider double (Anthropic wire format, no pacing, so the machine, not a
//! timer, is the limit) and are read two ways in the same run, interleaved:
//!
//! - bare: `reqwest` + SSE parsing (the same parser the clients use) + JSON
//!   decoding of each delta, the least any client must do;
//! - pipeline: `Pipeline::send`, storing the user message, building the
//!   request from history, emitting every event (serialized to JSON, as the
//!   window layer does) and persisting the reply.
//!
//! Targets (issue #3): median total ratio pipeline/bare <= 1.10, and median
//! time-to-first-chunk overhead < 2 ms. Prints medians; exits non-zero when
//! a target is missed.

mod figures;
#[path = "../tests/support/mod.rs"]
mod support;

use clawdesk_core::pipeline::{StreamChunk, StreamEvent, StreamSink};
use clawdesk_core::providers::sse::SseParser;
use figures::{median, ms, rounds};
use futures_util::StreamExt;
use provider_double::Script;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{Harness, Wire};

const CHUNKS: usize = 10_000;
const ROUNDS: usize = 25;

/// Serializes each event as the window layer would, and notes when the
/// first chunk went out.
struct TimingSink {
    first_chunk: Mutex<Option<Instant>>,
    bytes: Mutex<usize>,
}

impl StreamSink for TimingSink {
    fn emit(&self, event: StreamEvent) {
        if let StreamEvent::Chunk(StreamChunk { index: 0, .. }) = &event {
            let mut first = self.first_chunk.lock().unwrap();
            if first.is_none() {
                *first = Some(Instant::now());
            }
        }
        // What every transport sends: the payload's JSON.
        let json = event.payload_json();
        *self.bytes.lock().unwrap() += json.len();
    }
}

struct Sample {
    total: Duration,
    first_chunk: Duration,
}

async fn bare(client: &reqwest::Client, url: &str) -> Sample {
    let started = Instant::now();
    let response = client
        .post(url)
        .header("x-api-key", "sk-bench")
        .header("anthropic-version", "2023-06-01")
        .json(&serde_json::json!({
            "model": "claude-sonnet-4-5", "max_tokens": 1024, "stream": true,
            "messages": [{"role": "user", "content": "go"}]
        }))
        .send()
        .await
        .unwrap();
    let mut body = response.bytes_stream();
    let mut parser = SseParser::new();
    let mut text = String::new();
    let mut first_chunk = None;
    while let Some(read) = body.next().await {
        parser
            .feed(&read.unwrap(), |event, data| {
                if event != "content_block_delta" {
                    return;
                }
                let json: serde_json::Value = serde_json::from_str(data).unwrap();
                if let Some(delta) = json["delta"]["text"].as_str() {
                    first_chunk.get_or_insert_with(|| started.elapsed());
                    text.push_str(delta);
                }
            })
            .unwrap();
    }
    assert!(text.len() > CHUNKS);
    Sample {
        total: started.elapsed(),
        first_chunk: first_chunk.unwrap(),
    }
}

async fn through_pipeline(h: &Harness) -> Sample {
    let session = h.session().await;
    let sink = Arc::new(TimingSink {
        first_chunk: Mutex::new(None),
        bytes: Mutex::new(0),
    });
    let started = Instant::now();
    let reply = h.pipeline.send(&session, "go", sink.clone()).await.unwrap();
    let total = started.elapsed();
    assert!(reply.content.len() > CHUNKS);
    let stored = h.store.get_messages(&session, None).await.unwrap();
    assert_eq!(stored[1].content, reply.content, "reply persisted");
    let first = sink.first_chunk.lock().unwrap().unwrap();
    Sample {
        total,
        first_chunk: first - started,
    }
}

fn main() {
    let rounds = rounds(ROUNDS, 2);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let h = Harness::start(Wire::Anthropic).await;
        let chunks: Vec<String> = (0..CHUNKS).map(|i| format!("tok{i} ")).collect();
        h.double
            .set_default(Script::chunks(chunks).usage(20, CHUNKS as u32));
        let url = format!("{}/v1/messages", h.double.base_url());
        let client = reqwest::Client::new();
        // Warm up connections, allocator and the SQLite page cache.
        bare(&client, &url).await;
        through_pipeline(&h).await;

        let (mut bare_samples, mut pipeline_samples) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            bare_samples.push(bare(&client, &url).await);
            pipeline_samples.push(through_pipeline(&h).await);
        }
        let bare_total = median(bare_samples.iter().map(|s| s.total).collect());
        let pipe_total = median(pipeline_samples.iter().map(|s| s.total).collect());
        let bare_first = median(bare_samples.iter().map(|s| s.first_chunk).collect());
        let pipe_first = median(pipeline_samples.iter().map(|s| s.first_chunk).collect());
        let ratio = pipe_total.as_secs_f64() / bare_total.as_secs_f64();
        let first_overhead = ms(pipe_first) - ms(bare_first);
        println!("pipeline_stream/{CHUNKS}_chunks ({rounds} rounds each, interleaved, medians)");
        println!("  bare reqwest total        {:9.3} ms", ms(bare_total));
        println!("  pipeline total            {:9.3} ms", ms(pipe_total));
        println!("  overhead ratio            {ratio:9.3}   (target <= 1.10)");
        println!("  bare time to first chunk  {:9.3} ms", ms(bare_first));
        println!("  pipeline first chunk      {:9.3} ms", ms(pipe_first));
        println!("  first-chunk overhead      {first_overhead:9.3} ms (target < 2 ms)");
        if rounds == ROUNDS && (ratio > 1.10 || first_overhead >= 2.0) {
            eprintln!("pipeline_stream: a target was missed");
            std::process::exit(1);
        }
    });
}
