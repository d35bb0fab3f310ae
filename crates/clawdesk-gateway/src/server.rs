//! The router and a running listener.

use crate::auth::{host_guard, token_guard, Access, Token};
use crate::frontend::{serve_frontend, FrontendAssets};
use crate::limits::{StreamLimits, DEFAULT_MAX_STREAMS_PER_CLIENT};
use crate::{commands, cors, events};
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
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
    /// The built frontend to serve at `/`, if any.
    pub frontend: Option<Arc<dyn FrontendAssets>>,
    /// Web origins (`https://tool.example`) whose pages may call the
    /// gateway from a browser; none means no CORS headers at all.
    pub allowed_origins: Vec<String>,
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
            frontend: None,
            allowed_origins: Vec::new(),
        }
    }
}

/// Every route, for a gateway bound to `bound`. Outermost first: the
/// `Host` check, CORS (only for configured origins), the frontend's files,
/// then the token guard in front of the API (unknown paths too: without the
/// token nothing, not even which routes exist, is revealed). Event streams
/// end when `stop` is cancelled; each client (peer IP, when served with
/// connect info) holds at most `max_streams_per_client` of them.
fn router(
    desk: ClawDesk,
    options: &GatewayOptions,
    bound: SocketAddr,
    stop: CancellationToken,
) -> Router {
    let access = Arc::new(
        Access::new(options.token.clone(), bound).with_name(options.host_name.as_deref(), bound),
    );
    let mut app = Router::new()
        .route("/v1/commands/{name}", post(commands::command))
        .route("/v1/events", get(events::events))
        .layer(DefaultBodyLimit::max(options.body_limit))
        .layer(Extension(stop))
        .layer(Extension(StreamLimits::new(options.max_streams_per_client)))
        .layer(from_fn_with_state(access.clone(), token_guard));
    if let Some(frontend) = &options.frontend {
        app = app.layer(from_fn_with_state(frontend.clone(), serve_frontend));
    }
    if let Some(cors) = cors::layer(&options.allowed_origins) {
        app = app.layer(cors);
    }
    app.layer(from_fn_with_state(access, host_guard))
        .with_state(desk)
}

/// A gateway serving on its own task until shut down or dropped.
pub struct Gateway {
    local_addr: SocketAddr,
    allowed_origins: Vec<String>,
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
        let app = router(desk, &options, local_addr, stop.clone());
        let allowed_origins = options.allowed_origins;
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
            allowed_origins,
            stop,
            task,
            superseded,
        })
    }

    /// The bound address (the port, when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The web origins this listener answers CORS requests from.
    pub fn allowed_origins(&self) -> &[String] {
        &self.allowed_origins
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
