use crate::state::AppState;
use clawdesk_core::health::{assess, HealthInputs};
use clawdesk_core::types::{HealthStatus, Metrics};
use clawdesk_core::AppError;
use tauri::State;

/// Health from real checks: the store answers, the config loaded cleanly,
/// a provider is usable.
#[tauri::command]
#[specta::specta]
pub async fn get_health(state: State<'_, AppState>) -> Result<HealthStatus, AppError> {
    state
        .track(async {
            Ok(assess(HealthInputs {
                store: state.session_store.as_ref(),
                config: &state.config_manager,
                providers: &state.provider_registry,
                channels: &state.channel_registry,
                uptime: state.metrics.uptime(),
            })
            .await)
        })
        .await
}

/// Counters and latency figures kept by the backend since it started.
#[tauri::command]
#[specta::specta]
pub async fn get_metrics(state: State<'_, AppState>) -> Result<Metrics, AppError> {
    state.track(async { Ok(state.metrics.snapshot()) }).await
}
