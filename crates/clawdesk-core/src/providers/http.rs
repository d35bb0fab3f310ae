//! Request plumbing shared by the clients: endpoint URLs, sending, turning a
//! non-success response into a classified failure with the provider's own
//! message, and reading a server-sent-event body.

use super::sse::SseParser;
use super::stream::Activity;
use super::{ProviderEvent, ProviderFailure, ProviderStream};
use futures_util::ready;
use futures_util::stream::{BoxStream, Stream, StreamExt};
use reqwest::{RequestBuilder, Response};
use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

/// `path` appended to the base URL's path, keeping its query: a base URL
/// may carry parameters (`?api-version=…`, `?key=…`) that every request needs.
pub(super) fn endpoint(base_url: &str, path: &str) -> String {
    match base_url.split_once('?') {
        Some((base, query)) => format!("{}{path}?{query}", base.trim_end_matches('/')),
        None => format!("{base_url}{path}"),
    }
}

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
/// connection or an unparseable stream ends it with a failure. Every read
/// from the socket counts as activity, whether or not it completes an event.
pub(super) fn sse_events(response: Response, decode: SseDecoder) -> ProviderStream {
    let activity = Activity::new();
    let events = SseEvents {
        body: activity.observe(response.bytes_stream()).boxed(),
        parser: SseParser::new(),
        decode,
        ready: VecDeque::new(),
        ended: false,
    };
    ProviderStream::new(events.boxed(), activity)
}

/// Decodes events one at a time as they are asked for: the first event of
/// a large read reaches the window without waiting for the rest of the read.
struct SseEvents {
    body: BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    parser: SseParser,
    decode: SseDecoder,
    /// Decoded from the last event (one event may give usage and a stop).
    ready: VecDeque<Result<ProviderEvent, ProviderFailure>>,
    ended: bool,
}

impl Stream for SseEvents {
    type Item = Result<ProviderEvent, ProviderFailure>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.ready.pop_front() {
                return Poll::Ready(Some(item));
            }
            if this.ended {
                return Poll::Ready(None);
            }
            match this.parser.next_event() {
                Some(Ok(event)) => {
                    this.ready.extend((this.decode)(event.event, event.data));
                    continue;
                }
                Some(Err(err)) => {
                    this.ready.push_back(Err(ProviderFailure::malformed(err)));
                    continue;
                }
                None => {}
            }
            match ready!(this.body.poll_next_unpin(cx)) {
                Some(Ok(bytes)) => this.parser.push(&bytes),
                Some(Err(err)) => {
                    this.ready
                        .push_back(Err(ProviderFailure::connection_lost(err)));
                    this.ended = true;
                }
                // An event cut off by the end is dropped (the SSE rules); the
                // pipeline then sees a stream that ended without a stop.
                None => this.ended = true,
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::endpoint;

    #[test]
    fn endpoints_keep_the_base_query() {
        assert_eq!(
            endpoint("http://h:1/v1", "/chat/completions"),
            "http://h:1/v1/chat/completions"
        );
        assert_eq!(
            endpoint("https://h/openai/?api-version=2024-06&key=k", "/models"),
            "https://h/openai/models?api-version=2024-06&key=k"
        );
    }
}
