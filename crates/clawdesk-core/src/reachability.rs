//! Which providers answer: one bounded `list_models` call per usable
//! provider, cached for a while. The same call tells the model picker what
//! each provider serves (discovery) and `get_health` whether it answers, so
//! the two never disagree and a provider is asked once for both.
//!
//! `get_models` and routing wait for a fresh result (bounded by
//! [`PROBE_TIMEOUT`]); `get_health` never waits: it reads the latest result
//! and starts a refresh in the background when that one is stale.

use crate::config::{AppConfig, ProviderConfig};
use crate::providers::{Provider, ProviderFailure};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A provider that has not listed its models by then counts as unreachable:
/// no command may be held hostage to a server that does not answer.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a result is trusted before providers are asked again.
pub const PROBE_TTL: Duration = Duration::from_secs(30);

/// What asking one provider for its models brought.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeOutcome {
    /// It answered with these model ids.
    Answered {
        models: Vec<String>,
        elapsed: Duration,
    },
    /// It did not answer in time, or answered with an error.
    Failed(ProviderFailure),
}

/// One provider's probe, with the entry as it was probed: a result about an
/// entry whose URL or key has changed since says nothing about it now.
#[derive(Debug, Clone)]
pub struct ProviderProbe {
    pub config: ProviderConfig,
    pub outcome: ProbeOutcome,
}

/// The result of probing every usable provider of one config.
#[derive(Debug)]
pub struct ProbeSnapshot {
    /// The config the probe ran under.
    pub config: Arc<AppConfig>,
    pub finished_at: Instant,
    /// Milliseconds since the epoch when the probe finished, for reports.
    pub finished_at_ms: i64,
    pub providers: BTreeMap<String, ProviderProbe>,
}

impl ProbeSnapshot {
    /// Fresh for `config`: probed under exactly that config, within the TTL.
    pub fn is_fresh_for(&self, config: &Arc<AppConfig>) -> bool {
        Arc::ptr_eq(&self.config, config) && self.finished_at.elapsed() < PROBE_TTL
    }

    /// The probe of provider `name`, if it was made against the entry as
    /// `current` describes it now.
    pub fn probe_of(&self, name: &str, current: &ProviderConfig) -> Option<&ProviderProbe> {
        self.providers
            .get(name)
            .filter(|probe| probe.config == *current)
    }

    /// The model ids provider `name` listed, if it answered as `current` is now.
    pub fn models_of(&self, name: &str, current: &ProviderConfig) -> Option<&[String]> {
        match &self.probe_of(name, current)?.outcome {
            ProbeOutcome::Answered { models, .. } => Some(models),
            ProbeOutcome::Failed(_) => None,
        }
    }
}

/// One provider to probe: its entry name, the entry, and its client.
pub(crate) struct ProbeTarget {
    pub name: String,
    pub config: ProviderConfig,
    pub client: Box<dyn Provider>,
}

/// Holds the latest snapshot and makes sure one probe runs at a time.
#[derive(Default)]
pub(crate) struct Prober {
    latest: Mutex<Option<Arc<ProbeSnapshot>>>,
    /// Held while a probe runs; a caller that needs a fresh result waits on
    /// it and then usually finds the result the running probe stored.
    running: Arc<tokio::sync::Mutex<()>>,
}

impl Prober {
    /// The latest snapshot, fresh or not, without waiting.
    pub(crate) fn latest(&self) -> Option<Arc<ProbeSnapshot>> {
        self.latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn fresh(&self, config: &Arc<AppConfig>) -> Option<Arc<ProbeSnapshot>> {
        self.latest().filter(|s| s.is_fresh_for(config))
    }

    /// A snapshot fresh for `config`, probing (or waiting for the probe
    /// already running) when the latest one is stale.
    pub(crate) async fn current(
        &self,
        config: Arc<AppConfig>,
        targets: impl FnOnce() -> Vec<ProbeTarget>,
    ) -> Arc<ProbeSnapshot> {
        if let Some(fresh) = self.fresh(&config) {
            return fresh;
        }
        let _running = self.running.lock().await;
        if let Some(fresh) = self.fresh(&config) {
            return fresh;
        }
        let snapshot = Arc::new(probe(config, targets()).await);
        self.store(snapshot.clone());
        snapshot
    }

    /// Starts a probe in the background when the latest snapshot is stale
    /// for `config` and none is running; returns at once either way.
    pub(crate) fn refresh_in_background(
        self: &Arc<Self>,
        config: Arc<AppConfig>,
        targets: impl FnOnce() -> Vec<ProbeTarget>,
    ) {
        if self.fresh(&config).is_some() {
            return;
        }
        // Outside a runtime (a synchronous caller) there is nothing to run on;
        // the next async caller refreshes.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Ok(running) = self.running.clone().try_lock_owned() else {
            return;
        };
        let targets = targets();
        let prober = self.clone();
        runtime.spawn(async move {
            let snapshot = probe(config, targets).await;
            prober.store(Arc::new(snapshot));
            drop(running);
        });
    }

    fn store(&self, snapshot: Arc<ProbeSnapshot>) {
        *self.latest.lock().unwrap_or_else(|p| p.into_inner()) = Some(snapshot);
    }
}

/// Asks every target for its models at once, each bounded by [`PROBE_TIMEOUT`].
async fn probe(config: Arc<AppConfig>, targets: Vec<ProbeTarget>) -> ProbeSnapshot {
    let asks = targets.into_iter().map(|target| async move {
        let started = Instant::now();
        let outcome = match tokio::time::timeout(PROBE_TIMEOUT, target.client.list_models()).await {
            Ok(Ok(models)) => ProbeOutcome::Answered {
                models,
                elapsed: started.elapsed(),
            },
            Ok(Err(failure)) => ProbeOutcome::Failed(failure),
            Err(_) => ProbeOutcome::Failed(ProviderFailure::timeout(
                "no answer to a model list request",
                PROBE_TIMEOUT,
            )),
        };
        (
            target.name,
            ProviderProbe {
                config: target.config,
                outcome,
            },
        )
    });
    let providers = futures_util::future::join_all(asks)
        .await
        .into_iter()
        .collect();
    ProbeSnapshot {
        config,
        finished_at: Instant::now(),
        finished_at_ms: crate::time::now_ms(),
        providers,
    }
}
