use super::arg::Arg;
use crate::state::AppState;
use clawdesk_core::config::AppConfig;
use clawdesk_core::json::JsonValue;
use clawdesk_core::types::{ChannelInfo, ModelInfo};
use clawdesk_core::AppError;
use tauri::State;

/// The live configuration. API keys appear only as `apiKeySet`.
#[tauri::command]
#[specta::specta]
pub async fn get_config(state: State<'_, AppState>) -> Result<AppConfig, AppError> {
    state
        .track(async { Ok((*state.config.load_full()).clone()) })
        .await
}

/// Sets one dotted camelCase key (`"gateway.port"`,
/// `"providers.anthropic.apiKey"`). Unknown key: `configKey`; wrong type or
/// out of range: `configValue`; either way nothing changes.
#[tauri::command]
#[specta::specta]
pub async fn update_config(
    state: State<'_, AppState>,
    key: Arg<String>,
    value: Arg<JsonValue>,
) -> Result<(), AppError> {
    let manager = state.config_manager.clone();
    state
        .track(async move {
            // File writes and fsync block; keep them off the async workers.
            tauri::async_runtime::spawn_blocking(move || {
                manager.update(&key, value.into_inner().into())
            })
            .await
            .map_err(AppError::internal)?
        })
        .await
}

/// Models of every usable provider.
#[tauri::command]
#[specta::specta]
pub async fn get_models(state: State<'_, AppState>) -> Result<Vec<ModelInfo>, AppError> {
    state
        .track(async { Ok(state.provider_registry.models().await) })
        .await
}

/// The channels messages arrive through, with their status.
#[tauri::command]
#[specta::specta]
pub async fn get_channels(state: State<'_, AppState>) -> Result<Vec<ChannelInfo>, AppError> {
    state
        .track(async {
            let mut out = Vec::new();
            for channel in state.channel_registry.list() {
                let session_count = state
                    .timed_store(state.session_store.count_sessions_in_channel(&channel.id))
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
