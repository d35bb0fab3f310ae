//! The HTTP status of each `AppError` kind (ipc-contract.md, "Additions of
//! the second wave"). The body is the `AppError` JSON either way; the status
//! lets HTTP tooling (curl --fail, proxies, retries) act without parsing it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use clawdesk_core::AppError;

pub fn status(err: &AppError) -> StatusCode {
    match err {
        AppError::InvalidArgument { .. }
        | AppError::ConfigKey { .. }
        | AppError::ConfigValue { .. } => StatusCode::BAD_REQUEST,
        AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
        AppError::SessionNotFound { .. } | AppError::MessageNotFound { .. } => {
            StatusCode::NOT_FOUND
        }
        // A call cut short conflicts with what stopped it, as a busy session does.
        AppError::SessionBusy { .. } | AppError::Cancelled { .. } => StatusCode::CONFLICT,
        AppError::Provider { .. } | AppError::NoProvider { .. } => StatusCode::BAD_GATEWAY,
        AppError::Storage { .. } => StatusCode::SERVICE_UNAVAILABLE,
        // Well-formed request, content that cannot be processed.
        AppError::Archive { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An `AppError` as a response: its status and its JSON.
pub struct ErrorResponse(pub AppError);

impl IntoResponse for ErrorResponse {
    fn into_response(self) -> Response {
        (status(&self.0), Json(self.0)).into_response()
    }
}
