//! The router and a running listener.

use crate::auth::{guard, Access, Token};
use crate::limits::{StreamLimits, DEFAULT_MAX_STREAMS_PER_CLIENT};
use crate::{commands, events};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{Extension, Router};
use clawdesk_core::registry::GATEWAY_CHANNEL;
use clawdesk_core::types::ChannelStatus;
use clawdesk_core::ClawDesk;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Largest request body accepted (bytes): a message at the pipeline's limit
/// (1 MiB) plus its JSON escaping fits; anything larger is refused unread.
pub const DEFAULT_BODY_LIMIT: usize = 4 * 1024 * 1024;

pub struct GatewayOptions {
    /// Where to listen; loopback unless someone chose otherwise.
    pub addr: SocketAddr,
    /// What `Authorization: Bearer` must carry.
    pub token: Token,
    pub body_limit: usize,
    /// The host name the gateway was configured with (`gateway.host`), which
    /// requests may also carry as their `Host`.
    pub host_name: Option<String>,
    /// Event streams one client (peer IP) may hold open at once.
    pub max_streams_per_client: usize,
}

impl GatewayOptions {
    /// `127.0.0.1:<port>` (0: any free port) with `token`.
    pub fn loopback(port: u16, token: impl Into<Token>) -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            token: token.into(),
            body_limit: DEFAULT_BODY_LIMIT,
            host_name: None,
            max_streams_per_client: DEFAULT_MAX_STREAMS_PER_CLIENT,
        }
    }
}

/// Every route, behind the [`guard`] (unknown paths too: without the token
/// nothing, not even which routes exist, is revealed) for a gateway bound
/// to `bound` (and named `host_name`). Event streams end when `stop` is
/// cancelled; each client (peer IP, when served with connect info) holds at
/// most `max_streams` of them.
pub fn router(
    desk: ClawDesk,
    token: Token,
    bound: SocketAddr,
    host_name: Option<&str>,
    body_limit: usize,
    max_streams: usize,
    stop: CancellationToken,
) -> Router {
    let access = Arc::new(Access::new(token, bound).with_name(host_name, bound));
    Router::new()
        .route("/v1/commands/{name}", post(commands::command))
        .route("/v1/events", get(events::events))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(Extension(stop))
        .layer(Extension(StreamLimits::new(max_streams)))
        .layer(axum::middleware::from_fn_with_state(access, guard))
        .with_state(desk)
}

/// A gateway serving on its own task until shut down or dropped.
pub struct Gateway {
    local_addr: SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<()>,
    /// Set when whoever replaces this gateway reports the channel itself.
    superseded: Arc<AtomicBool>,
}

impl Gateway {
    /// Binds and starts serving; a port in use is the bind's error.
    pub async fn start(desk: ClawDesk, options: GatewayOptions) -> io::Result<Self> {
        let listener = TcpListener::bind(options.addr).await?;
        let local_addr = listener.local_addr()?;
        let channels = desk.channel_registry.clone();
        channels.register(GATEWAY_CHANNEL, "gateway", "the gateway is not running");
        // Registered just above, so setting its status cannot fail.
        let _ = channels.set_status(
            GATEWAY_CHANNEL,
            ChannelStatus::Active,
            Some(format!("listening on http://{local_addr}")),
        );
        let stop = CancellationToken::new();
        let app = router(
            desk,
            options.token,
            local_addr,
            options.host_name.as_deref(),
            options.body_limit,
            options.max_streams_per_client,
            stop.clone(),
        );
        let stopped = stop.clone();
        let superseded = Arc::new(AtomicBool::new(false));
        let quiet = superseded.clone();
        let task = tokio::spawn(async move {
            let app = app.into_make_service_with_connect_info::<SocketAddr>();
            let serving = axum::serve(listener, app)
                .with_graceful_shutdown(async move { stopped.cancelled().await });
            let (status, detail) = match serving.await {
                Ok(()) => (
                    ChannelStatus::Inactive,
                    "the gateway was stopped".to_string(),
                ),
                Err(err) => {
                    tracing::error!(%err, "the gateway stopped");
                    (ChannelStatus::Error, format!("the gateway stopped: {err}"))
                }
            };
            if !quiet.load(Ordering::SeqCst) {
                let _ = channels.set_status(GATEWAY_CHANNEL, status, Some(detail));
            }
        });
        Ok(Self {
            local_addr,
            stop,
            task,
            superseded,
        })
    }

    /// The bound address (the port, when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops listening and ends every event stream without waiting, and
    /// leaves the `gateway` channel to the caller (who is replacing this
    /// gateway or reporting why it stopped). Safe from inside a request
    /// this gateway is serving.
    pub fn stop_superseded(self) {
        self.superseded.store(true, Ordering::SeqCst);
        self.stop.cancel();
    }

    /// Stops listening, ends every event stream and returns once the
    /// requests in flight are answered (a command is never cut in half).
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        let _ = (&mut self.task).await;
    }
}

impl Drop for Gateway {
    /// Dropped without `shutdown`: stop the same way, without waiting.
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
