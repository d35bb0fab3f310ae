//! Request plumbing shared by the clients: send, and turn a non-success
//! response into a classified failure with the provider's own message.

use super::ProviderFailure;
use reqwest::{RequestBuilder, Response};

/// Sends the request and returns the response if its status is a success.
pub(super) async fn send_checked(request: RequestBuilder) -> Result<Response, ProviderFailure> {
    let response = request
        .send()
        .await
        .map_err(|e| ProviderFailure::from_transport(&e))?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let headers = response.headers().clone();
    // The error body is small; if it cannot be read, the status still says enough.
    let body = response.text().await.unwrap_or_default();
    Err(ProviderFailure::from_http(status.as_u16(), &headers, &body))
}

/// `data[].id` of a model list (OpenAI's and Anthropic's `/v1/models`).
pub(super) fn model_ids_in_list(json: &serde_json::Value) -> Vec<String> {
    json.get("data")
        .and_then(|d| d.as_array())
        .map(|models| {
            models
                .iter()
                .filter_map(|m| m.get("id").and_then(|id| id.as_str()))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
