//! `clawdesk serve`: the HTTP gateway with no window, on the same config
//! and data directories as the app.

use crate::paths::{AppPaths, ServeArgs};
use crate::state;
use clawdesk_core::api::GatewayControl;
use clawdesk_core::pipeline::{StreamEvent, StreamSink};
use clawdesk_core::types::SecretStoreKind;
use clawdesk_gateway::GatewayController;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// No window: stream events reach only the gateway's `/v1/events` clients.
struct NoWindow;

impl StreamSink for NoWindow {
    fn emit(&self, _event: StreamEvent) {}
}

/// Serves until interrupted (Ctrl-C, SIGTERM). The listener follows
/// `gateway.host` and `gateway.port` (or `--host`/`--port`, which are not
/// stored), whatever `gateway.enabled` says: running `serve` is the ask.
pub fn serve(paths: AppPaths, args: ServeArgs, log_dir: Option<PathBuf>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            tracing::error!("cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(paths, args, log_dir))
}

async fn run(paths: AppPaths, args: ServeArgs, log_dir: Option<PathBuf>) -> ExitCode {
    let mut desk = state::initialize(&paths, Arc::new(NoWindow)).await;
    desk.log_directory = log_dir;
    desk.provider_registry.latest_probe();
    let token = {
        let manager = desk.config_manager.clone();
        tokio::task::spawn_blocking(move || manager.ensure_gateway_token()).await
    };
    if let Err(err) = token
        .map_err(|e| e.to_string())
        .and_then(|t| t.map_err(|e| e.to_string()))
    {
        tracing::error!("cannot make the gateway token: {err}");
        return ExitCode::FAILURE;
    }
    // The window's frontend, for browsers; the rest of the context is not
    // needed without a window.
    let (_, frontend) = crate::frontend_assets::context();
    let gateway = GatewayController::attach(&desk, Some(frontend));
    let mut config = desk.config.load().gateway.clone();
    config.enabled = true;
    config.host = args.host.unwrap_or(config.host);
    config.port = args.port.unwrap_or(config.port);
    if let Err(err) = gateway.apply(&config).await {
        tracing::error!("the gateway cannot listen: {err}");
        return ExitCode::FAILURE;
    }
    let addr = gateway
        .local_addr()
        .await
        .map(|a| a.to_string())
        .unwrap_or_default();
    println!("ClawDesk gateway listening on http://{addr}");
    let store = desk.config_manager.secret_store_status();
    match store.kind {
        SecretStoreKind::Keychain => println!(
            "Bearer token: the entry \"gateway.token\" in the OS keychain ({})",
            store.detail
        ),
        SecretStoreKind::File => println!(
            "Bearer token: \"gateway.token\" in {}",
            paths.config_dir.join("secrets.toml").display()
        ),
    }
    println!("Config: {}", desk.config_manager.file_path().display());
    wait_for_stop().await;
    tracing::info!("stopping");
    desk.shut_down().await;
    gateway.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
