//! Request plumbing shared by the clients: send, and turn a non-success
//! response into a classified failure with the provider's own message.

use super::{ProviderEvent, ProviderFailure, ProviderStream};
use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::StreamExt;
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

/// Decodes one server-sent event (its type and data) into normalized events.
pub(super) type SseDecoder = fn(&str, &str) -> Vec<Result<ProviderEvent, ProviderFailure>>;

/// A server-sent-event response body as normalized events; a broken
/// connection or an unparseable stream ends it with a failure.
pub(super) fn sse_events(response: Response, decode: SseDecoder) -> ProviderStream {
    response
        .bytes_stream()
        .eventsource()
        .flat_map(move |event| {
            let decoded = match event {
                Ok(event) => decode(&event.event, &event.data),
                Err(EventStreamError::Transport(err)) => {
                    vec![Err(ProviderFailure::connection_lost(err))]
                }
                Err(other) => vec![Err(ProviderFailure::malformed(other))],
            };
            futures_util::stream::iter(decoded)
        })
        .boxed()
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
