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
    state.get_config().await
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
    state
        .update_config(key.into_inner(), value.into_inner())
        .await
}

/// Models of every usable provider.
#[tauri::command]
#[specta::specta]
pub async fn get_models(state: State<'_, AppState>) -> Result<Vec<ModelInfo>, AppError> {
    state.get_models().await
}

/// The channels messages arrive through, with their status.
#[tauri::command]
#[specta::specta]
pub async fn get_channels(state: State<'_, AppState>) -> Result<Vec<ChannelInfo>, AppError> {
    state.get_channels().await
}
