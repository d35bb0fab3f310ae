use super::arg::Arg;
use crate::state::AppState;
use clawdesk_core::ids::SessionId;
use clawdesk_core::registry::DESKTOP_CHANNEL;
use clawdesk_core::store::NewSession;
use clawdesk_core::types::{Message, SessionInfo};
use clawdesk_core::AppError;
use tauri::State;

const MAX_MODEL_ID_LEN: usize = 200;

fn validate_model_id(model: &str) -> Result<(), AppError> {
    if model.trim().is_empty()
        || model.len() > MAX_MODEL_ID_LEN
        || model.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(AppError::invalid_argument(
            "model",
            format!("{model:?} is not a model id"),
        ));
    }
    Ok(())
}

/// Creates an empty session. `channelId` defaults to `"desktop"`; `model`
/// defaults to the configured default model (or, when no provider serves
/// that, a model a running provider such as a local Ollama reports), which
/// the session keeps.
#[tauri::command]
#[specta::specta]
pub async fn create_session(
    state: State<'_, AppState>,
    channel_id: Arg<Option<String>>,
    model: Arg<Option<String>>,
) -> Result<SessionInfo, AppError> {
    state
        .track(async {
            let channel_id = channel_id
                .into_inner()
                .unwrap_or_else(|| DESKTOP_CHANNEL.to_string());
            if !state.channel_registry.exists(&channel_id) {
                return Err(AppError::invalid_argument(
                    "channelId",
                    format!("unknown channel {channel_id:?}"),
                ));
            }
            let model = match model.into_inner() {
                Some(model) => {
                    validate_model_id(&model)?;
                    state.provider_registry.qualify(&model).await
                }
                None => state.provider_registry.default_model().await,
            };
            let session = state
                .timed_store(state.session_store.create_session(NewSession {
                    channel_id,
                    model: Some(model),
                }))
                .await?;
            state.metrics.session_created();
            Ok(session)
        })
        .await
}

/// Every session, most recently active first.
#[tauri::command]
#[specta::specta]
pub async fn list_sessions(state: State<'_, AppState>) -> Result<Vec<SessionInfo>, AppError> {
    state
        .track(state.timed_store(state.session_store.list_sessions()))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_session(
    state: State<'_, AppState>,
    session_id: Arg<SessionId>,
) -> Result<SessionInfo, AppError> {
    state
        .track(async {
            state
                .timed_store(state.session_store.get_session(&session_id))
                .await
        })
        .await
}

/// Deletes the session and all of its messages.
#[tauri::command]
#[specta::specta]
pub async fn delete_session(
    state: State<'_, AppState>,
    session_id: Arg<SessionId>,
) -> Result<(), AppError> {
    state
        .track(async {
            state
                .timed_store(state.agent_pipeline.delete_session(&session_id))
                .await?;
            state.metrics.session_deleted();
            Ok(())
        })
        .await
}

/// Messages oldest first; with `limit`, the newest `limit` of them.
#[tauri::command]
#[specta::specta]
pub async fn get_messages(
    state: State<'_, AppState>,
    session_id: Arg<SessionId>,
    limit: Arg<Option<u32>>,
) -> Result<Vec<Message>, AppError> {
    state
        .track(async {
            state
                .timed_store(state.session_store.get_messages(&session_id, *limit))
                .await
        })
        .await
}
