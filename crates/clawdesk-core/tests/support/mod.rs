//! A pipeline wired to a real store, real config and the loopback provider
//! double, with a sink that records every stream event.

#![allow(dead_code)]

pub mod stores;

use clawdesk_core::config::ConfigManager;
use clawdesk_core::ids::SessionId;
use clawdesk_core::metrics::MetricsRecorder;
use clawdesk_core::pipeline::{Pipeline, StreamEvent, StreamSink};
use clawdesk_core::registry::{ProviderRegistry, DESKTOP_CHANNEL};
use clawdesk_core::store::{NewSession, SessionStore, SqliteStore};
use provider_double::ProviderDouble;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Default)]
pub struct RecordingSink {
    events: Mutex<Vec<StreamEvent>>,
    changed: Notify,
}

impl StreamSink for RecordingSink {
    fn emit(&self, event: StreamEvent) {
        self.events.lock().unwrap().push(event);
        self.changed.notify_waiters();
    }
}

impl RecordingSink {
    pub fn events(&self) -> Vec<StreamEvent> {
        self.events.lock().unwrap().clone()
    }

    pub fn for_session(&self, session_id: &str) -> Vec<StreamEvent> {
        self.events()
            .into_iter()
            .filter(|e| e.session_id() == session_id)
            .collect()
    }

    /// Waits until `done` holds for the recorded events (panics after 10 s).
    pub async fn wait_until(&self, done: impl Fn(&[StreamEvent]) -> bool) -> Vec<StreamEvent> {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let notified = self.changed.notified();
                let events = self.events();
                if done(&events) {
                    return events;
                }
                notified.await;
            }
        })
        .await
        .expect("stream events did not arrive in time")
    }

    /// Waits for the `stream-end` or `stream-error` of a session.
    pub async fn wait_for_end(&self, session_id: &str) -> StreamEvent {
        let events = self
            .wait_until(|events| {
                events
                    .iter()
                    .any(|e| is_final(e) && e.session_id() == session_id)
            })
            .await;
        events
            .into_iter()
            .find(|e| is_final(e) && e.session_id() == session_id)
            .unwrap()
    }
}

pub fn is_final(event: &StreamEvent) -> bool {
    matches!(event, StreamEvent::End(_) | StreamEvent::Error(_))
}

/// Which provider entry the harness points at the double.
#[derive(Debug, Clone, Copy)]
pub enum Wire {
    Anthropic,
    OpenAi { include_usage: bool },
    Ollama,
}

impl Wire {
    /// The model's own id (what the provider's request carries).
    pub fn model(self) -> &'static str {
        match self {
            Wire::Anthropic => "claude-sonnet-4-5",
            Wire::OpenAi { .. } => "gpt-4o",
            Wire::Ollama => "llama3.2",
        }
    }

    /// The provider entry the harness points at the double.
    pub fn provider(self) -> &'static str {
        match self {
            Wire::Anthropic => "anthropic",
            Wire::OpenAi { .. } => "openai",
            Wire::Ollama => "ollama",
        }
    }

    /// `"<provider>/<model>"`, as sessions and replies name it.
    pub fn qualified(self) -> String {
        format!("{}/{}", self.provider(), self.model())
    }
}

/// Points the config at the double for `wire`, with short timeouts.
pub fn configure(config: &ConfigManager, wire: Wire, base: &str) {
    let set = |key: &str, value: serde_json::Value| {
        config
            .update(key, value)
            .unwrap_or_else(|e| panic!("{key}: {e}"))
    };
    // Only the provider under test is reachable; the others are off so
    // nothing tries the real internet.
    for name in ["anthropic", "openai", "ollama"] {
        set(&format!("providers.{name}.enabled"), json!(false));
    }
    match wire {
        Wire::Anthropic => {
            set("providers.anthropic.baseUrl", json!(base));
            set("providers.anthropic.apiKey", json!("sk-ant-test-key"));
            set("providers.anthropic.enabled", json!(true));
        }
        Wire::OpenAi { include_usage } => {
            set("providers.openai.baseUrl", json!(format!("{base}/v1")));
            set("providers.openai.apiKey", json!("sk-openai-test-key"));
            set("providers.openai.includeUsage", json!(include_usage));
            set("providers.openai.enabled", json!(true));
        }
        Wire::Ollama => {
            set("providers.ollama.baseUrl", json!(base));
            set("providers.ollama.enabled", json!(true));
        }
    }
    set("defaults.model", json!(wire.model()));
    set("defaults.systemPrompt", json!("You are a test assistant."));
    set("network.firstByteTimeoutMs", json!(2_000));
    set("network.idleTimeoutMs", json!(2_000));
    set("network.maxRetries", json!(2));
}

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub double: ProviderDouble,
    pub config: Arc<ConfigManager>,
    pub store: Arc<dyn SessionStore>,
    pub metrics: Arc<MetricsRecorder>,
    pub pipeline: Pipeline,
    pub sink: Arc<RecordingSink>,
    pub wire: Wire,
    /// The database behind `store` when the harness opened it on a backend
    /// (dropping it drops a PostgreSQL test database).
    pub backing: Option<stores::TestStore>,
}

impl Harness {
    /// A harness whose store is of `backend` (see `support/stores.rs`).
    pub async fn start_on(wire: Wire, backend: stores::Backend) -> Self {
        let double = ProviderDouble::start().await;
        let dir = tempfile::tempdir().unwrap();
        let backing = backend.open().await;
        let mut harness = Self::with(wire, double, dir, backing.store());
        harness.backing = Some(backing);
        harness
    }

    pub async fn start(wire: Wire) -> Self {
        let double = ProviderDouble::start().await;
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn SessionStore> = Arc::new(
            SqliteStore::open(&dir.path().join("clawdesk.db"))
                .await
                .unwrap(),
        );
        Self::with(wire, double, dir, store)
    }

    pub fn with(
        wire: Wire,
        double: ProviderDouble,
        dir: tempfile::TempDir,
        store: Arc<dyn SessionStore>,
    ) -> Self {
        // A local server serves what is installed there: the double lists
        // the wire's model, as a real one would.
        double.set_models(vec![
            provider_double::DEFAULT_MODEL.into(),
            wire.model().into(),
        ]);
        let config = Arc::new(ConfigManager::load(&dir.path().join("config")));
        configure(&config, wire, &double.base_url());
        let metrics = Arc::new(MetricsRecorder::new());
        let providers = Arc::new(ProviderRegistry::with_config_manager(config.clone()));
        let pipeline = Pipeline::new(store.clone(), providers, config.shared(), metrics.clone());
        Self {
            dir,
            double,
            config,
            store,
            metrics,
            pipeline,
            sink: Arc::new(RecordingSink::default()),
            wire,
            backing: None,
        }
    }

    pub fn set(&self, key: &str, value: serde_json::Value) {
        self.config.update(key, value).unwrap();
    }

    pub fn sink(&self) -> Arc<dyn StreamSink> {
        self.sink.clone()
    }

    pub async fn session(&self) -> SessionId {
        self.store
            .create_session(NewSession {
                channel_id: DESKTOP_CHANNEL.into(),
                model: None,
            })
            .await
            .unwrap()
            .id
    }
}
