use crate::state::AppState;
use clawdesk_core::types::{HealthStatus, Metrics};
use clawdesk_core::AppError;
use tauri::State;

/// Health from real checks: the store answers, the config loaded cleanly,
/// a provider is usable.
#[tauri::command]
#[specta::specta]
pub async fn get_health(state: State<'_, AppState>) -> Result<HealthStatus, AppError> {
    state.get_health().await
}

/// Counters and latency figures kept by the backend since it started.
#[tauri::command]
#[specta::specta]
pub async fn get_metrics(state: State<'_, AppState>) -> Result<Metrics, AppError> {
    state.get_metrics().await
}
