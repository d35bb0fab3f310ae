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

/// The gateway's bearer token (`Authorization: Bearer <token>`), for the
/// user to copy into a script or a browser; made now if there is none.
/// Only the window can ask: the HTTP gateway does not serve this command.
#[tauri::command]
#[specta::specta]
pub async fn get_gateway_token(state: State<'_, AppState>) -> Result<String, AppError> {
    state.get_gateway_token().await
}

/// Replaces the gateway's bearer token with a new random one and returns
/// it; the old token stops working at once. Only the window can ask: the
/// HTTP gateway does not serve this command.
#[tauri::command]
#[specta::specta]
pub async fn rotate_gateway_token(state: State<'_, AppState>) -> Result<String, AppError> {
    state.rotate_gateway_token().await
}

/// The stored token of the ClawDesk server at `remote.url` (`null` when
/// none is stored), for the window to call that server with. Only the
/// window can ask: the HTTP gateway does not serve this command.
#[tauri::command]
#[specta::specta]
pub async fn get_remote_token(state: State<'_, AppState>) -> Result<Option<String>, AppError> {
    state.get_remote_token().await
}
