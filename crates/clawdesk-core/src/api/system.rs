//! `get_health`, `get_metrics`.

use super::ClawDesk;
use crate::health::{assess, HealthInputs};
use crate::types::{HealthStatus, Metrics};
use crate::AppResult;

impl ClawDesk {
    /// Health from real checks: the store answers, the config loaded
    /// cleanly, a provider is usable.
    #[tracing::instrument(name = "get_health", skip_all)]
    pub async fn get_health(&self) -> AppResult<HealthStatus> {
        self.track(async {
            Ok(assess(HealthInputs {
                store: self.session_store.as_ref(),
                config: &self.config_manager,
                providers: &self.provider_registry,
                channels: &self.channel_registry,
                uptime: self.metrics.uptime(),
                log_directory: self.log_directory.as_deref(),
                storage: &self.storage,
                cluster: self.cluster.as_ref(),
            })
            .await)
        })
        .await
    }

    /// Counters and latency figures kept since the backend started.
    #[tracing::instrument(name = "get_metrics", skip_all)]
    pub async fn get_metrics(&self) -> AppResult<Metrics> {
        self.track(async { Ok(self.metrics.snapshot()) }).await
    }
}
