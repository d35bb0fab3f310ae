//! Keeps the listener where the config says: started at start-up when
//! `gateway.enabled`, moved or stopped when `update_config` changes
//! `gateway.enabled`, `gateway.host` or `gateway.port`, without a restart.

use crate::auth::Token;
use crate::frontend::FrontendAssets;
use crate::limits::DEFAULT_MAX_STREAMS_PER_CLIENT;
use crate::server::{Gateway, GatewayOptions, DEFAULT_BODY_LIMIT};
use async_trait::async_trait;
use clawdesk_core::api::GatewayControl;
use clawdesk_core::config::GatewayConfig;
use clawdesk_core::registry::GATEWAY_CHANNEL;
use clawdesk_core::types::ChannelStatus;
use clawdesk_core::{AppError, AppResult, ClawDesk};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// The gateway of one [`ClawDesk`], following its config. Whoever runs it
/// (the app, `clawdesk serve`) keeps the `Arc`; the core holds it weakly.
pub struct GatewayController {
    desk: ClawDesk,
    /// Served at `/` by every listener this controller starts.
    frontend: Option<Arc<dyn FrontendAssets>>,
    running: Mutex<Option<Gateway>>,
    /// Where the last listener we stopped was, and when: its socket closes
    /// a moment after, so binding there again right away may need a retry.
    last_stopped: std::sync::Mutex<Option<(SocketAddr, Instant)>>,
}

impl GatewayController {
    /// A controller for `desk`, linked so that `update_config` of a
    /// `gateway` key goes through [`GatewayControl::apply`], serving
    /// `frontend` (if any) at `/`. Starts nothing: see
    /// [`GatewayController::start_from_config`].
    pub fn attach(desk: &ClawDesk, frontend: Option<Arc<dyn FrontendAssets>>) -> Arc<Self> {
        let controller = Arc::new(Self {
            desk: desk.clone(),
            frontend,
            running: Mutex::new(None),
            last_stopped: std::sync::Mutex::new(None),
        });
        let control: Arc<dyn GatewayControl> = controller.clone();
        desk.set_gateway_control(&control);
        desk.channel_registry
            .register(GATEWAY_CHANNEL, "gateway", "gateway.enabled is off");
        controller
    }

    /// Starts the gateway if the config enables it (making the token on
    /// first enable). A failure is on the `gateway` channel and returned;
    /// nothing else stops.
    pub async fn start_from_config(&self) -> AppResult<()> {
        let config = self.desk.config.load().gateway.clone();
        if config.enabled {
            let manager = self.desk.config_manager.clone();
            tokio::task::spawn_blocking(move || manager.ensure_gateway_token())
                .await
                .map_err(AppError::internal)??;
        }
        self.apply(&config).await
    }

    /// Where it listens, if it does.
    pub async fn local_addr(&self) -> Option<SocketAddr> {
        self.running.lock().await.as_ref().map(Gateway::local_addr)
    }

    /// Stops listening (at exit); requests in flight are answered.
    pub async fn shutdown(&self) {
        if let Some(gateway) = self.running.lock().await.take() {
            gateway.shutdown().await;
        }
    }

    fn stopped(&self, gateway: Gateway) {
        let addr = gateway.local_addr();
        gateway.stop_superseded();
        *self.last_stopped.lock().unwrap_or_else(|p| p.into_inner()) = Some((addr, Instant::now()));
    }

    fn just_stopped(&self, addr: SocketAddr) -> bool {
        self.last_stopped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|(at, when)| {
                at.port() == addr.port() && when.elapsed() < Duration::from_secs(2)
            })
    }

    fn report(&self, status: ChannelStatus, detail: String) {
        let _ = self
            .desk
            .channel_registry
            .set_status(GATEWAY_CHANNEL, status, Some(detail));
    }

    async fn start(&self, addr: SocketAddr, config: &GatewayConfig) -> io::Result<Gateway> {
        let options = GatewayOptions {
            addr,
            token: Token::Stored(self.desk.config_manager.clone()),
            body_limit: DEFAULT_BODY_LIMIT,
            host_name: Some(config.host.clone()),
            max_streams_per_client: DEFAULT_MAX_STREAMS_PER_CLIENT,
            frontend: self.frontend.clone(),
            allowed_origins: config.allowed_origins.clone(),
        };
        Gateway::start(self.desk.clone(), options).await
    }

    /// Binds `addr`, retrying briefly while a listener we just stopped
    /// still holds it.
    async fn start_after(&self, addr: SocketAddr, config: &GatewayConfig) -> io::Result<Gateway> {
        let mut tries = 0;
        loop {
            match self.start(addr, config).await {
                Err(err) if err.kind() == io::ErrorKind::AddrInUse && tries < 20 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                other => return other,
            }
        }
    }
}

/// The first address `host:port` resolves to.
async fn resolve(config: &GatewayConfig) -> AppResult<SocketAddr> {
    let unresolved = || {
        AppError::config_value(
            "gateway.host",
            format!(
                "an IP address or a host name this machine resolves ({:?} does not)",
                config.host
            ),
        )
    };
    tokio::net::lookup_host((config.host.as_str(), config.port))
        .await
        .map_err(|_| unresolved())?
        .next()
        .ok_or_else(unresolved)
}

/// Why a bind failed, as the `configValue` error of the key to change.
fn bind_error(addr: SocketAddr, err: &io::Error) -> AppError {
    match err.kind() {
        io::ErrorKind::AddrInUse => AppError::config_value(
            "gateway.port",
            format!("a port no other program is using ({addr} is in use)"),
        ),
        io::ErrorKind::AddrNotAvailable => AppError::config_value(
            "gateway.host",
            format!("an address of this machine ({} is not: {err})", addr.ip()),
        ),
        _ => AppError::config_value(
            "gateway.port",
            format!("an address the gateway can listen on ({addr}: {err})"),
        ),
    }
}

#[async_trait]
impl GatewayControl for GatewayController {
    async fn apply(&self, config: &GatewayConfig) -> AppResult<()> {
        let mut running = self.running.lock().await;
        if !config.enabled {
            if let Some(old) = running.take() {
                self.stopped(old);
            }
            self.report(ChannelStatus::Inactive, "gateway.enabled is off".into());
            return Ok(());
        }
        let addr = match resolve(config).await {
            Ok(addr) => addr,
            Err(err) => {
                if running.is_none() {
                    self.report(ChannelStatus::Error, err.to_string());
                }
                return Err(err);
            }
        };
        if running.as_ref().is_some_and(|g| {
            g.local_addr() == addr && g.allowed_origins() == config.allowed_origins.as_slice()
        }) {
            return Ok(());
        }
        let started = match self.start(addr, config).await {
            // The old listener holds the port (`0.0.0.0` and `127.0.0.1`
            // overlap): let it go first, and take it back if that fails.
            Err(err)
                if err.kind() == io::ErrorKind::AddrInUse
                    && running
                        .as_ref()
                        .is_some_and(|g| g.local_addr().port() == addr.port()) =>
            {
                let old = running.take().expect("checked above");
                let old_addr = old.local_addr();
                self.stopped(old);
                match self.start_after(addr, config).await {
                    Ok(gateway) => Ok(gateway),
                    Err(err) => {
                        let old_config = self.desk.config.load().gateway.clone();
                        *running = self.start_after(old_addr, &old_config).await.ok();
                        Err(err)
                    }
                }
            }
            // A listener we stopped a moment ago may still hold the port.
            Err(err) if err.kind() == io::ErrorKind::AddrInUse && self.just_stopped(addr) => {
                self.start_after(addr, config).await
            }
            other => other,
        };
        match started {
            Ok(gateway) => {
                let bound = gateway.local_addr();
                if let Some(old) = running.replace(gateway) {
                    self.stopped(old);
                }
                self.report(
                    ChannelStatus::Active,
                    format!("listening on http://{bound}"),
                );
                Ok(())
            }
            Err(err) => {
                let error = bind_error(addr, &err);
                tracing::warn!(%addr, %err, "the gateway cannot listen");
                match running.as_ref() {
                    Some(old) => self.report(
                        ChannelStatus::Active,
                        format!(
                            "listening on http://{}; cannot listen on {addr}: {err}",
                            old.local_addr()
                        ),
                    ),
                    None => self.report(
                        ChannelStatus::Error,
                        format!("cannot listen on {addr}: {err}"),
                    ),
                }
                Err(error)
            }
        }
    }
}
