//! Import and export at scale: 1,000 chats of 100 messages (100,000
//! messages, ~20 MB of JSON) into an empty database, through the API the
//! commands call. Prints the median of 5 runs of each, and the longest gap
//! between two progress reports (how long a progress bar would stand still).
//!
//! `cargo bench -p clawdesk-core --bench import`

use clawdesk_core::api::ClawDesk;
use clawdesk_core::archive::{Archive, ArchivedSession};
use clawdesk_core::ids::{MessageId, SessionId};
use clawdesk_core::pipeline::{StreamEvent, StreamSink};
use clawdesk_core::time::rfc3339_from_ms;
use clawdesk_core::types::{Message, MessageStatus, Role, SessionInfo, Usage};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CHATS: usize = 1_000;
const MESSAGES_PER_CHAT: usize = 100;
const RUNS: usize = 5;

struct NoSink;
impl StreamSink for NoSink {
    fn emit(&self, _: StreamEvent) {}
}

fn archive() -> Archive {
    let base = 1_764_000_000_000i64;
    let sessions = (0..CHATS)
        .map(|c| {
            let id = SessionId::generate();
            let messages: Vec<Message> = (0..MESSAGES_PER_CHAT)
                .map(|m| {
                    let assistant = m % 2 == 1;
                    Message {
                        id: MessageId::generate(),
                        session_id: id.clone(),
                        role: if assistant { Role::Assistant } else { Role::User },
                        content: format!(
                            "Message {m} of chat {c}: a paragraph of ordinary length, about what people \
                             type into a chat box or get back from a model, with `code` and *emphasis*."
                        ),
                        model: assistant.then(|| "anthropic/claude-sonnet-4-5".to_owned()),
                        usage: assistant.then_some(Usage { input_tokens: 500, output_tokens: 40 }),
                        timestamp: rfc3339_from_ms(base + (c * 1000 + m) as i64),
                        status: MessageStatus::Complete,
                        tokens: 40,
                        compacted: false,
                        summary: false,
                        failure: None,
                        parent_id: None,
                        versions: None,
                    }
                })
                .collect();
            ArchivedSession {
                session: SessionInfo {
                    id,
                    channel_id: "desktop".into(),
                    created_at: rfc3339_from_ms(base + (c * 1000) as i64),
                    last_active: rfc3339_from_ms(base + (c * 1000 + MESSAGES_PER_CHAT) as i64),
                    message_count: MESSAGES_PER_CHAT as u32,
                    model: Some("anthropic/claude-sonnet-4-5".into()),
                    title: Some(format!("Chat {c}")),
                    pinned: false,
                    system_prompt: None,
                },
                messages,
            }
        })
        .collect();
    Archive::new(sessions)
}

async fn app(dir: &Path) -> ClawDesk {
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::write(
        dir.join("config/config.toml"),
        "[providers.anthropic]\nenabled = false\n[providers.openai]\nenabled = false\n[providers.ollama]\nenabled = false\n",
    )
    .unwrap();
    let db = dir.join("clawdesk.db");
    ClawDesk::initialize(&dir.join("config"), |_| db, Arc::new(NoSink)).await
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let work = tempfile::tempdir().unwrap();
        let file = work.path().join("archive.json");
        std::fs::write(&file, archive().to_json()).unwrap();
        let size = std::fs::metadata(&file).unwrap().len();
        let file = file.to_str().unwrap().to_owned();

        let mut imports = Vec::new();
        let mut gaps = Vec::new();
        let mut exports = Vec::new();
        for run in 0..RUNS {
            let dir = work.path().join(format!("run{run}"));
            let desk = app(&dir).await;
            let last = Arc::new(Mutex::new((Instant::now(), Duration::ZERO)));
            let seen = last.clone();
            let started = Instant::now();
            *last.lock().unwrap() = (started, Duration::ZERO);
            let result = desk
                .import_archive(file.clone(), move |_| {
                    let mut s = seen.lock().unwrap();
                    let now = Instant::now();
                    s.1 = s.1.max(now - s.0);
                    s.0 = now;
                })
                .await
                .unwrap();
            imports.push(started.elapsed());
            gaps.push(last.lock().unwrap().1);
            assert_eq!(result.messages_imported as usize, CHATS * MESSAGES_PER_CHAT);

            let out = dir.join("export.json").to_str().unwrap().to_owned();
            let started = Instant::now();
            desk.export_all_sessions(out).await.unwrap();
            exports.push(started.elapsed());
        }
        println!(
            "import {CHATS} chats / {} messages ({:.1} MB): median {:.2?} over {RUNS} runs \
             (all: {imports:.2?}); longest gap between progress reports: median {:.2?}",
            CHATS * MESSAGES_PER_CHAT,
            size as f64 / 1e6,
            median(imports.clone()),
            median(gaps.clone()),
        );
        println!(
            "export_all_sessions of the same: median {:.2?} (all: {exports:.2?})",
            median(exports.clone())
        );
    });
}
