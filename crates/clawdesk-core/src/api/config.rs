//! `get_config`, `update_config`, `get_models`, `get_channels`.

use super::ClawDesk;
use crate::config::AppConfig;
use crate::json::JsonValue;
use crate::types::{ChannelInfo, ModelInfo};
use crate::{AppError, AppResult};

impl ClawDesk {
    /// The live configuration. API keys appear only as `apiKeySet`.
    #[tracing::instrument(name = "get_config", skip_all)]
    pub async fn get_config(&self) -> AppResult<AppConfig> {
        self.track(async { Ok((*self.config.load_full()).clone()) })
            .await
    }

    /// Sets one dotted camelCase key. Unknown key: `configKey`; wrong type
    /// or out of range: `configValue`; either way nothing changes. A
    /// `gateway.*` change moves the running gateway first: an address in
    /// use is a `configValue` error and changes nothing.
    // The key is logged, never the value: it may be an API key.
    #[tracing::instrument(name = "update_config", skip_all, fields(%key))]
    pub async fn update_config(&self, key: String, value: JsonValue) -> AppResult<()> {
        if super::gateway::is_gateway_key(&key) {
            return self.track(self.update_gateway_config(key, value)).await;
        }
        let manager = self.config_manager.clone();
        self.track(async move {
            // File writes and fsync block; keep them off the async workers.
            tokio::task::spawn_blocking(move || manager.update(&key, value.into()))
                .await
                .map_err(AppError::internal)?
        })
        .await
    }

    /// Models of every usable provider.
    #[tracing::instrument(name = "get_models", skip_all)]
    pub async fn get_models(&self) -> AppResult<Vec<ModelInfo>> {
        self.track(async { Ok(self.provider_registry.models().await) })
            .await
    }

    /// The channels messages arrive through, with their status.
    #[tracing::instrument(name = "get_channels", skip_all)]
    pub async fn get_channels(&self) -> AppResult<Vec<ChannelInfo>> {
        self.track(async {
            let mut out = Vec::new();
            for channel in self.channel_registry.list() {
                let session_count = self
                    .timed_store(self.session_store.count_sessions_in_channel(&channel.id))
                    .await?;
                out.push(ChannelInfo {
                    id: channel.id,
                    kind: channel.kind,
                    status: channel.status,
                    detail: channel.detail,
                    connected_at: channel.connected_at,
                    session_count,
                });
            }
            Ok(out)
        })
        .await
    }
}
