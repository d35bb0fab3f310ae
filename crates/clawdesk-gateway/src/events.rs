//! `GET /v1/events`: the stream events as Server-Sent Events, each with the
//! window's event name (`stream-chunk`, ...) and its payload JSON as is.

use crate::limits::StreamLimits;
use crate::status::ErrorResponse;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use clawdesk_core::ids::SessionId;
use clawdesk_core::pipeline::StreamEvent;
use clawdesk_core::{AppError, ClawDesk};
use futures_util::{stream, StreamExt};
use serde::Deserialize;
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;
use tokio_util::sync::CancellationToken;

/// How long an event stream stays quiet before it sends a keep-alive
/// comment. Clients rely on it: the app window counts a stream with no byte
/// for three of these as lost to a server that stopped answering
/// (`EVENTS_KEEP_ALIVE_MS` in src/remote/deadlines.ts, which a test keeps
/// equal to this).
const EVENTS_KEEP_ALIVE: Duration = Duration::from_secs(15);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    session_id: Option<String>,
}

pub async fn events(
    State(desk): State<ClawDesk>,
    Extension(stop): Extension<CancellationToken>,
    Extension(limits): Extension<Arc<StreamLimits>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    filter: Result<Query<Filter>, QueryRejection>,
) -> Response {
    let filter = match filter {
        Ok(Query(filter)) => filter,
        Err(rejection) => {
            let err = AppError::invalid_argument("query", rejection.body_text());
            return ErrorResponse(err).into_response();
        }
    };
    let only = match filter.session_id.as_deref().map(SessionId::parse_argument) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(err)) => return ErrorResponse(err).into_response(),
    };
    // Served without connection info (a router mounted elsewhere): every
    // caller counts as one client.
    let client = peer.map_or(
        Ipv4Addr::UNSPECIFIED.into(),
        |Extension(ConnectInfo(addr))| addr.ip(),
    );
    let Some(slot) = limits.acquire(client) else {
        let err = AppError::invalid_argument(
            "events",
            format!(
                "this client already has {} event streams open; close one first",
                limits.max()
            ),
        );
        return (StatusCode::TOO_MANY_REQUESTS, Json(err)).into_response();
    };
    // Subscribed before the response starts: an event emitted after this
    // request was answered is never missed.
    let receiver = desk.subscribe();
    // The slot lives in the stream's state: it is given back when the
    // stream ends or the client goes away and the body is dropped.
    let state = (receiver, only, slot);
    let events = stream::unfold(state, |(mut receiver, only, slot)| async move {
        let event = next_event(&mut receiver, only.as_ref()).await?;
        let sse = Event::default()
            .event(event.name())
            .data(event.payload_json());
        Some((Ok::<_, Infallible>(sse), (receiver, only, slot)))
    });
    // The gateway stopping ends the stream, so shutting down never waits on
    // a client that only listens.
    let events = events.take_until(stop.cancelled_owned());
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(EVENTS_KEEP_ALIVE))
        .into_response()
}

/// The next event for this client; `None` ends its stream.
async fn next_event(
    receiver: &mut Receiver<StreamEvent>,
    only: Option<&SessionId>,
) -> Option<StreamEvent> {
    loop {
        match receiver.recv().await {
            Ok(event) if only.is_none_or(|id| event.session_id() == id) => return Some(event),
            Ok(_) => continue,
            // Too slow to keep up: events were dropped. Ending the stream
            // tells the client to reconnect and resynchronize with
            // `get_messages`, rather than go on with a gap it cannot see.
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "an events client fell behind; closing its stream");
                return None;
            }
            Err(RecvError::Closed) => return None,
        }
    }
}
