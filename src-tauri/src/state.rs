//! The one managed state every command reaches the backend through.

use crate::paths::AppPaths;
use arc_swap::ArcSwap;
use clawdesk_core::config::{AppConfig, ConfigManager};
use clawdesk_core::metrics::MetricsRecorder;
use clawdesk_core::pipeline::{Pipeline, StreamSink};
use clawdesk_core::registry::{ChannelRegistry, ProviderRegistry};
use clawdesk_core::store::{SessionStore, SqliteStore, UnavailableStore};
use clawdesk_core::AppResult;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

pub struct AppState {
    pub session_store: Arc<dyn SessionStore>,
    pub config: Arc<ArcSwap<AppConfig>>,
    pub config_manager: Arc<ConfigManager>,
    pub provider_registry: Arc<ProviderRegistry>,
    pub channel_registry: Arc<ChannelRegistry>,
    pub metrics: Arc<MetricsRecorder>,
    /// From a user's message to a stored, streamed reply.
    pub agent_pipeline: Pipeline,
    /// Where replies' stream events go (the window, in the app).
    pub stream_sink: Arc<dyn StreamSink>,
}

impl AppState {
    /// Loads config and opens the store. Never fails: an unreadable database
    /// gives a store that answers every call with its `storage` error (and
    /// an unhealthy health check) while the file is left untouched.
    pub async fn initialize(paths: &AppPaths, stream_sink: Arc<dyn StreamSink>) -> Self {
        let config_manager = Arc::new(ConfigManager::load(&paths.config_dir));
        let config = config_manager.shared();
        let db_path = paths.database(config.load().storage.database_path.as_deref());
        let session_store: Arc<dyn SessionStore> = match SqliteStore::open(&db_path).await {
            Ok(store) => {
                // A reply that was streaming when the app last stopped cannot
                // resume; keep its text and say honestly that it failed.
                if let Ok(recovered) = store.recover_interrupted().await {
                    if recovered > 0 {
                        eprintln!("clawdesk: marked {recovered} interrupted replies as failed");
                    }
                }
                Arc::new(store)
            }
            Err(err) => {
                eprintln!("clawdesk: {err}");
                Arc::new(UnavailableStore::new(err))
            }
        };
        let provider_registry = Arc::new(ProviderRegistry::with_config_manager(
            config_manager.clone(),
        ));
        let metrics = Arc::new(MetricsRecorder::new());
        let agent_pipeline = Pipeline::new(
            session_store.clone(),
            provider_registry.clone(),
            config.clone(),
            metrics.clone(),
        );
        Self {
            session_store,
            provider_registry,
            config,
            config_manager,
            channel_registry: Arc::new(ChannelRegistry::new()),
            metrics,
            agent_pipeline,
            stream_sink,
        }
    }

    /// Runs a command body, counting it (and its failure) in the metrics.
    pub async fn track<T>(&self, body: impl Future<Output = AppResult<T>>) -> AppResult<T> {
        let result = body.await;
        self.metrics.command(result.is_ok());
        result
    }

    /// Runs a store call, recording its latency.
    pub async fn timed_store<T>(&self, call: impl Future<Output = AppResult<T>>) -> AppResult<T> {
        let started = Instant::now();
        let result = call.await;
        self.metrics.store_query(started.elapsed());
        result
    }
}
