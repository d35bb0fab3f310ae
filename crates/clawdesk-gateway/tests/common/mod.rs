//! A `ClawDesk` on a temporary directory served by a gateway on a loopback
//! port the test picked (port 0), and an HTTP client for it.

#![allow(dead_code)]

use clawdesk_core::pipeline::{StreamEvent, StreamSink};
use clawdesk_core::ClawDesk;
use clawdesk_gateway::{Gateway, GatewayOptions};
use provider_double::ProviderDouble;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

pub const TOKEN: &str = "test-token-0123456789abcdef0123456789abcdef";

/// Stands in for the window: records what it would have shown.
#[derive(Default)]
pub struct Window(pub Mutex<Vec<StreamEvent>>);

impl StreamSink for Window {
    fn emit(&self, event: StreamEvent) {
        self.0.lock().unwrap().push(event);
    }
}

pub struct Served {
    pub dir: tempfile::TempDir,
    pub desk: ClawDesk,
    pub window: Arc<Window>,
    pub gateway: Gateway,
    pub base: String,
    pub http: reqwest::Client,
}

/// Tests reach only loopback servers they start: the built-in providers
/// (real hosts, an Ollama on 127.0.0.1:11434) start disabled.
const HERMETIC_CONFIG: &str = "\
[providers.anthropic]
enabled = false

[providers.openai]
enabled = false

[providers.ollama]
enabled = false
";

impl Served {
    pub async fn start() -> Self {
        Self::with_options(|port_zero| port_zero).await
    }

    pub async fn with_options(options: impl FnOnce(GatewayOptions) -> GatewayOptions) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config_dir = dir.path().join("config");
        std::fs::create_dir_all(&config_dir).unwrap();
        std::fs::write(config_dir.join("config.toml"), HERMETIC_CONFIG).unwrap();
        let db = dir.path().join("data/clawdesk.db");
        let window = Arc::new(Window::default());
        let desk = ClawDesk::initialize(&config_dir, |_| db, window.clone()).await;
        let gateway = Gateway::start(desk.clone(), options(GatewayOptions::loopback(0, TOKEN)))
            .await
            .unwrap();
        let base = format!("http://{}", gateway.local_addr());
        Self {
            dir,
            desk,
            window,
            gateway,
            base,
            http: reqwest::Client::new(),
        }
    }

    /// `POST /v1/commands/<name>` with the token: status and JSON body.
    pub async fn call(&self, name: &str, args: Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}/v1/commands/{name}", self.base))
            .bearer_auth(TOKEN)
            .json(&args)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    pub async fn ok(&self, name: &str, args: Value) -> Value {
        let (status, body) = self.call(name, args).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        body
    }

    /// The double as the only provider (as Anthropic with a key), failing
    /// fast: configured over HTTP, as a script would.
    pub async fn use_double(&self, double: &ProviderDouble) {
        for (key, value) in [
            ("providers.anthropic.enabled", json!(true)),
            ("providers.anthropic.baseUrl", json!(double.base_url())),
            ("providers.anthropic.apiKey", json!("sk-ant-gateway")),
            ("network.maxRetries", json!(0)),
        ] {
            self.ok("update_config", json!({ "key": key, "value": value }))
                .await;
        }
    }
}

/// One Server-Sent Event: its name and its data parsed as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Sse {
    pub event: String,
    pub data: Value,
}

/// Reads Server-Sent Events from a response body.
pub struct SseReader {
    response: reqwest::Response,
    buffer: String,
}

impl SseReader {
    pub fn new(response: reqwest::Response) -> Self {
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped); `None` when the stream ends.
    pub async fn next(&mut self) -> Option<Sse> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let mut event = None;
                let mut data = String::new();
                for line in frame.lines() {
                    if let Some(name) = line.strip_prefix("event: ") {
                        event = Some(name.to_string());
                    } else if let Some(part) = line.strip_prefix("data: ") {
                        data.push_str(part);
                    }
                }
                if let Some(event) = event {
                    let data = serde_json::from_str(&data).unwrap();
                    return Some(Sse { event, data });
                }
                continue;
            }
            let chunk = self.response.chunk().await.unwrap()?;
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}
