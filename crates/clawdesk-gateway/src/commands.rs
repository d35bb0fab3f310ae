//! `POST /v1/commands/<command_name>`: the contract's commands, by their
//! snake_case names, forwarded to [`ClawDesk`] like the Tauri commands are.

use crate::args::Args;
use crate::status::ErrorResponse;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use clawdesk_core::ids::SessionId;
use clawdesk_core::registry::GATEWAY_CHANNEL;
use clawdesk_core::types::SearchOptions;
use clawdesk_core::{AppError, AppResult, ClawDesk};
use serde::Serialize;
use serde_json::Value;

pub async fn command(
    State(desk): State<ClawDesk>,
    Path(name): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        // Over the size limit, or the connection broke while reading.
        Err(rejection) => {
            let status = rejection.status();
            let err = AppError::invalid_argument("body", rejection.body_text());
            return (status, Json(err)).into_response();
        }
    };
    match dispatch(&desk, &name, &body).await {
        Ok(value) => (StatusCode::OK, Json(value)).into_response(),
        Err(Refused::WindowOnly) => {
            let err = AppError::invalid_argument(
                "command",
                format!("{name} is available only in the app's window"),
            );
            (StatusCode::FORBIDDEN, Json(err)).into_response()
        }
        Err(Refused::UnknownCommand) => {
            let err = AppError::invalid_argument("command", format!("no command named {name:?}"));
            (StatusCode::NOT_FOUND, Json(err)).into_response()
        }
        Err(Refused::Failed(err)) => ErrorResponse(err).into_response(),
    }
}

enum Refused {
    UnknownCommand,
    /// The token's own commands: whoever holds a token must not be able to
    /// read a new one or lock the window's user out.
    WindowOnly,
    Failed(AppError),
}

impl From<AppError> for Refused {
    fn from(err: AppError) -> Self {
        Self::Failed(err)
    }
}

/// The JSON the window would receive: the command's `Ok` value as is.
fn reply<T: Serialize>(result: AppResult<T>) -> Result<Value, Refused> {
    let value = result?;
    serde_json::to_value(value).map_err(|err| AppError::internal(err).into())
}

async fn dispatch(desk: &ClawDesk, name: &str, body: &[u8]) -> Result<Value, Refused> {
    // Like the window's `Arg`s: a call refused for its arguments never
    // reaches the core, so it is counted here.
    let counted = |err: AppError| {
        desk.metrics.command(false);
        Refused::Failed(err)
    };
    let args = Args::from_body(body).map_err(counted)?;
    let session = || args.get::<SessionId>("sessionId").map_err(counted);
    match name {
        "create_session" => {
            // Sessions started over HTTP belong to the gateway's channel
            // unless the caller names one.
            let channel_id: Option<String> = args.get("channelId").map_err(counted)?;
            let channel_id = channel_id.unwrap_or_else(|| GATEWAY_CHANNEL.to_string());
            let model = args.get("model").map_err(counted)?;
            reply(desk.create_session(Some(channel_id), model).await)
        }
        "list_sessions" => reply(desk.list_sessions().await),
        "list_sessions_page" => {
            let cursor = args.get("cursor").map_err(counted)?;
            let limit = args.get("limit").map_err(counted)?;
            let pinned_first = args.get("pinnedFirst").map_err(counted)?;
            reply(desk.list_sessions_page(cursor, limit, pinned_first).await)
        }
        "get_session" => reply(desk.get_session(&session()?).await),
        "update_session" => {
            let session_id = session()?;
            let patch = args.get("patch").map_err(counted)?;
            reply(desk.update_session(&session_id, patch).await)
        }
        "delete_session" => reply(desk.delete_session(&session()?).await),
        "get_messages" => {
            let session_id = session()?;
            let limit = args.get("limit").map_err(counted)?;
            reply(desk.get_messages(&session_id, limit).await)
        }
        "get_messages_around" => {
            let session_id = session()?;
            let message_id = args.get("messageId").map_err(counted)?;
            let before = args.get("before").map_err(counted)?;
            let after = args.get("after").map_err(counted)?;
            reply(
                desk.get_messages_around(&session_id, &message_id, before, after)
                    .await,
            )
        }
        "search_messages" => {
            let query: String = args.get("query").map_err(counted)?;
            let options: Option<SearchOptions> = args.get("options").map_err(counted)?;
            reply(
                desk.search_messages(&query, options.unwrap_or_default())
                    .await,
            )
        }
        "send_message" => {
            let session_id = session()?;
            let content: String = args.get("content").map_err(counted)?;
            reply(desk.send_message(&session_id, &content).await)
        }
        "send_message_streaming" => {
            let session_id = session()?;
            let content: String = args.get("content").map_err(counted)?;
            reply(desk.send_message_streaming(&session_id, &content).await)
        }
        "cancel_stream" => reply(desk.cancel_stream(&session()?).await),
        "compact_session" => reply(desk.compact_session(&session()?).await),
        "edit_message" => {
            let message_id = args.get("messageId").map_err(counted)?;
            let content: String = args.get("content").map_err(counted)?;
            reply(desk.edit_message(&message_id, &content).await)
        }
        "regenerate" => {
            let message_id = args.get("messageId").map_err(counted)?;
            let model: Option<String> = args.get("model").map_err(counted)?;
            reply(desk.regenerate(&message_id, model.as_deref()).await)
        }
        "switch_branch" => reply(
            desk.switch_branch(&args.get("messageId").map_err(counted)?)
                .await,
        ),
        "get_config" => reply(desk.get_config().await),
        "update_config" => {
            let key = args.get("key").map_err(counted)?;
            let value = args.get("value").map_err(counted)?;
            reply(desk.update_config(key, value).await)
        }
        "get_models" => reply(desk.get_models().await),
        "get_channels" => reply(desk.get_channels().await),
        "get_health" => reply(desk.get_health().await),
        "get_metrics" => reply(desk.get_metrics().await),
        // Secrets of this computer: the gateway's own token, and the token
        // it keeps for another server (`remote.token`).
        "get_gateway_token" | "rotate_gateway_token" | "get_remote_token" => {
            Err(Refused::WindowOnly)
        }
        // They read and write files at a path the window's dialog chose; a
        // path on the server means nothing to an HTTP caller.
        "export_session" | "export_all_sessions" | "import_archive" => Err(Refused::WindowOnly),
        _ => Err(Refused::UnknownCommand),
    }
}
