//! `get_health`: a status derived from real checks, each reported.
//!
//! Nothing here waits on the network: provider reachability comes from the
//! registry's latest probe, which refreshes itself in the background.

mod providers;

pub use providers::{provider_health, providers_check};

use crate::config::ConfigManager;
use crate::registry::{ChannelRegistry, ProviderRegistry};
use crate::store::SessionStore;
use crate::types::{HealthCheck, HealthLevel, HealthStatus, ProviderState, StorageStatus};
use std::time::Duration;

/// A store round trip slower than this marks the store as degraded.
const SLOW_STORE: Duration = Duration::from_millis(500);

pub struct HealthInputs<'a> {
    pub store: &'a dyn SessionStore,
    pub config: &'a ConfigManager,
    pub providers: &'a ProviderRegistry,
    pub channels: &'a ChannelRegistry,
    pub uptime: Duration,
    pub log_directory: Option<&'a std::path::Path>,
    pub storage: &'a StorageStatus,
    /// The other processes on the database ([`crate::cluster::Solo`]: no check).
    pub cluster: &'a dyn crate::cluster::Cluster,
}

pub async fn assess(inputs: HealthInputs<'_>) -> HealthStatus {
    let store = match inputs.store.ping().await {
        Ok(elapsed) if elapsed > SLOW_STORE => check(
            "store",
            HealthLevel::Degraded,
            format!("answered in {} ms", elapsed.as_millis()),
        ),
        Ok(elapsed) => check(
            "store",
            HealthLevel::Healthy,
            format!("answered in {:.2} ms", elapsed.as_secs_f64() * 1000.0),
        ),
        Err(err) => check("store", HealthLevel::Unhealthy, err.to_string()),
    };
    let config = match inputs.config.load_issues() {
        [] => check(
            "config",
            HealthLevel::Healthy,
            format!("loaded from {}", inputs.config.file_path().display()),
        ),
        issues => check(
            "config",
            HealthLevel::Degraded,
            issues
                .iter()
                .map(|i| i.message.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        ),
    };
    let latest = inputs.providers.latest_probe();
    let live = inputs.config.get();
    let provider_list = provider_health(&live, latest.as_deref());
    let providers = providers_check(&live, &provider_list);
    let mut checks = vec![store, config, providers];
    if let Some((level, detail)) = inputs.cluster.health().await {
        checks.push(check("cluster", level, detail));
    }
    let status = checks
        .iter()
        .map(|c| c.status)
        .max_by_key(|level| match level {
            HealthLevel::Healthy => 0,
            HealthLevel::Degraded => 1,
            HealthLevel::Unhealthy => 2,
        })
        .unwrap_or(HealthLevel::Healthy);
    HealthStatus {
        status,
        uptime: inputs.uptime.as_secs().min(u64::from(u32::MAX)) as u32,
        channels_active: inputs.channels.active_count(),
        providers_active: provider_list
            .iter()
            .filter(|p| p.status == ProviderState::Ready)
            .count() as u32,
        checks,
        providers: provider_list,
        log_directory: inputs
            .log_directory
            .map(|dir| dir.to_string_lossy().into_owned()),
        secret_store: inputs.config.secret_store_status().clone(),
        storage: inputs.storage.clone(),
    }
}

fn check(name: &str, status: HealthLevel, detail: String) -> HealthCheck {
    HealthCheck {
        name: name.into(),
        status,
        detail,
    }
}
