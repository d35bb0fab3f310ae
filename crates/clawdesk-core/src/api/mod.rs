//! The one door into the core: [`ClawDesk`] has one async method per
//! command of the contract, taking typed arguments and returning
//! `AppResult<T>`. Transports (the Tauri window, the HTTP gateway) only
//! turn their wire format into these calls and the results back; what a
//! command does, validates and counts lives here, once.
//!
//! Each method runs in a `tracing` span named after its command, and counts
//! itself (and its failure) in the metrics, which `get_metrics` reports.

mod archive;
mod chat;
mod config;
mod events;
mod gateway;
mod search;
mod sessions;
mod system;

use crate::cluster::{Cluster, ClusterOptions, Solo};
use crate::config::{AppConfig, ConfigManager, Secret, SecretStoreOptions};
use crate::metrics::MetricsRecorder;
use crate::pipeline::{Pipeline, StreamEvent, StreamSink};
use crate::registry::{ChannelRegistry, ProviderRegistry};
use crate::store::{SessionStore, StoreTarget};
use crate::types::StorageStatus;
use crate::AppResult;
use arc_swap::ArcSwap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;
use tokio::sync::broadcast;

pub use events::EVENT_BUFFER;

/// How long shutting down waits for cancelled replies to store their text.
const SHUTDOWN_WAIT: std::time::Duration = std::time::Duration::from_secs(3);
pub use gateway::GatewayControl;

/// The backend every transport reaches: the seed's `AppState`, with the
/// commands as methods. Cloning is cheap (shared handles), so each transport
/// can hold its own.
#[derive(Clone)]
pub struct ClawDesk {
    pub session_store: Arc<dyn SessionStore>,
    pub config: Arc<ArcSwap<AppConfig>>,
    pub config_manager: Arc<ConfigManager>,
    pub provider_registry: Arc<ProviderRegistry>,
    pub channel_registry: Arc<ChannelRegistry>,
    pub metrics: Arc<MetricsRecorder>,
    /// From a user's message to a stored, streamed reply.
    pub agent_pipeline: Pipeline,
    /// Where replies' stream events go: the sink given to `initialize` (the
    /// window, in the app) and every [`ClawDesk::subscribe`]r.
    pub stream_sink: Arc<dyn StreamSink>,
    events: broadcast::Sender<StreamEvent>,
    /// Who moves the gateway's listener when `gateway.*` changes, if anyone.
    gateway_control: Arc<Mutex<Weak<dyn GatewayControl>>>,
    /// `gateway.*` updates one at a time: each binds before it is stored.
    gateway_update: Arc<tokio::sync::Mutex<()>>,
    /// Where the transport writes the log files, which `get_health` reports.
    pub log_directory: Option<PathBuf>,
    /// Which database holds the sessions (password masked), for `get_health`.
    pub storage: StorageStatus,
    /// The other processes on the same database ([`Solo`] on SQLite).
    cluster: Arc<dyn Cluster>,
}

impl ClawDesk {
    /// Loads config from `config_dir` and opens the store: the PostgreSQL
    /// database of the config's `storage.databaseUrl` secret when one is
    /// stored, else the SQLite file at the path `database` gives for the
    /// configured `storage.databasePath` (where files live is the
    /// transport's business). Never fails: a database that cannot be opened
    /// gives a store that answers every call with its `storage` error (and
    /// an unhealthy health check) while a file is left untouched.
    ///
    /// Secrets stay in `secrets.toml` in `config_dir`; the app, which may use
    /// the OS keychain, calls [`ClawDesk::initialize_with_secrets`].
    pub async fn initialize(
        config_dir: &Path,
        database: impl FnOnce(Option<&str>) -> PathBuf,
        stream_sink: Arc<dyn StreamSink>,
    ) -> Self {
        Self::initialize_with_secrets(
            config_dir,
            &SecretStoreOptions::file_only(),
            None,
            database,
            stream_sink,
        )
        .await
    }

    /// [`ClawDesk::initialize`], with the secrets where `secrets` chooses
    /// (the OS keychain when it answers in time), and `database_url` (the
    /// transport's `CLAWDESK_DATABASE_URL`) winning over the configured
    /// database. The keychain is probed on a blocking thread, so a slow one
    /// never stalls the async runtime.
    pub async fn initialize_with_secrets(
        config_dir: &Path,
        secrets: &SecretStoreOptions,
        database_url: Option<Secret>,
        database: impl FnOnce(Option<&str>) -> PathBuf,
        stream_sink: Arc<dyn StreamSink>,
    ) -> Self {
        let config_manager = {
            let (dir, secrets) = (config_dir.to_path_buf(), secrets.clone());
            let loaded =
                tokio::task::spawn_blocking(move || ConfigManager::load_with(&dir, &secrets)).await;
            match loaded {
                Ok(manager) => Arc::new(manager),
                // Loading panicked (it never should): the file store at least.
                Err(err) => {
                    tracing::error!("loading the config failed ({err}); secrets stay in the file");
                    Arc::new(ConfigManager::load(config_dir))
                }
            }
        };
        let config = config_manager.shared();
        let target = StoreTarget::choose(database_url, config_manager.database_url(), || {
            database(config.load().storage.database_path.as_deref())
        });
        let (session_store, cluster) = target.open(ClusterOptions::default()).await;
        // A reply that was streaming when the app last stopped cannot
        // resume; keep its text and say honestly that it failed. (On a
        // shared database only those no live process streams.)
        if let Ok(recovered) = session_store.recover_interrupted().await {
            if recovered > 0 {
                tracing::info!("marked {recovered} interrupted replies as failed");
            }
        }
        Self::assemble(
            config_manager,
            session_store,
            target.status(),
            stream_sink,
            cluster,
        )
    }

    /// The backend on a store opened elsewhere (tests, tools).
    pub fn with_store(
        config_manager: Arc<ConfigManager>,
        session_store: Arc<dyn SessionStore>,
        storage: StorageStatus,
        stream_sink: Arc<dyn StreamSink>,
    ) -> Self {
        Self::assemble(
            config_manager,
            session_store,
            storage,
            stream_sink,
            Arc::new(Solo),
        )
    }

    /// [`ClawDesk::with_store`] for one process of several on the store's
    /// database (`cluster`, e.g. a [`crate::cluster::PgCluster`]).
    pub fn with_store_in_cluster(
        config_manager: Arc<ConfigManager>,
        session_store: Arc<dyn SessionStore>,
        storage: StorageStatus,
        stream_sink: Arc<dyn StreamSink>,
        cluster: Arc<dyn Cluster>,
    ) -> Self {
        Self::assemble(config_manager, session_store, storage, stream_sink, cluster)
    }

    fn assemble(
        config_manager: Arc<ConfigManager>,
        session_store: Arc<dyn SessionStore>,
        storage: StorageStatus,
        stream_sink: Arc<dyn StreamSink>,
        cluster: Arc<dyn Cluster>,
    ) -> Self {
        let config = config_manager.shared();
        let provider_registry = Arc::new(ProviderRegistry::with_config_manager(
            config_manager.clone(),
        ));
        let metrics = Arc::new(MetricsRecorder::new());
        let agent_pipeline = Pipeline::new(
            session_store.clone(),
            provider_registry.clone(),
            config.clone(),
            metrics.clone(),
        )
        .in_cluster(cluster.clone());
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let stream_sink = Arc::new(events::FanOut {
            window: stream_sink,
            bus: events.clone(),
            cluster: cluster.clone(),
        });
        cluster.start(Arc::new(events::ThisProcess {
            pipeline: agent_pipeline.clone(),
            bus: events.clone(),
        }));
        Self {
            session_store,
            provider_registry,
            config,
            config_manager,
            channel_registry: Arc::new(ChannelRegistry::new()),
            metrics,
            agent_pipeline,
            stream_sink,
            events,
            gateway_control: Arc::new(Mutex::new(gateway::no_control())),
            gateway_update: Arc::new(tokio::sync::Mutex::new(())),
            log_directory: None,
            storage,
            cluster,
        }
    }

    /// The process is stopping: stops every running reply (each keeps its
    /// text as `cancelled`), waits a little for them to be stored, and
    /// frees this process's sessions for the other processes at once.
    pub async fn shut_down(&self) {
        self.agent_pipeline.cancel_all();
        if !self.agent_pipeline.wait_idle(SHUTDOWN_WAIT).await {
            tracing::warn!("replies still running at shutdown");
        }
        self.cluster.leave().await;
    }

    /// Every stream event from now on, of every session, as the window gets
    /// them. A receiver that falls more than [`EVENT_BUFFER`] events behind
    /// gets `Lagged` and should resynchronize with `get_messages`.
    pub fn subscribe(&self) -> broadcast::Receiver<StreamEvent> {
        self.events.subscribe()
    }

    /// Runs a command body, counting it (and its failure) in the metrics;
    /// a failure is also noted in the command's span.
    async fn track<T>(&self, body: impl Future<Output = AppResult<T>>) -> AppResult<T> {
        let started = Instant::now();
        let result = body.await;
        self.metrics.command(result.is_ok());
        let elapsed_ms = (started.elapsed().as_secs_f64() * 100_000.0).round() / 100.0;
        match &result {
            // The kind only: an error's message may quote what the user
            // sent (a model id, a config value).
            Err(err) => {
                tracing::info!(kind = err.kind(), elapsed_ms, "command failed");
                tracing::debug!(%err, "command failed");
            }
            Ok(_) => tracing::debug!(elapsed_ms, "command done"),
        }
        result
    }

    /// Runs a store call, recording its latency.
    async fn timed_store<T>(&self, call: impl Future<Output = AppResult<T>>) -> AppResult<T> {
        let started = Instant::now();
        let result = call.await;
        self.metrics.store_query(started.elapsed());
        result
    }
}
