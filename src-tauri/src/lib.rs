//! ClawDesk's Tauri layer: commands, events, managed state and the bindings
//! export. Domain logic lives in `clawdesk-core`, behind its one API
//! (`ClawDesk`); the commands here forward to it.

pub mod bindings;
pub mod commands;
pub mod events;
pub mod gateway_client;
pub mod paths;
pub mod serve;
pub mod state;
pub mod stream_sink;

use clawdesk_core::registry::DESKTOP_CHANNEL;
use clawdesk_core::types::ChannelStatus;
use clawdesk_gateway::GatewayController;
use paths::{AppPaths, Cli, Command};
use state::AppState;
use std::sync::Arc;
use stream_sink::TauriStreamSink;
use tauri::Manager;

/// Log lines to stderr: `info` and above by default, or what `RUST_LOG`
/// asks for (e.g. `RUST_LOG=clawdesk_core=debug`). Commands have spans
/// (`ClawDesk`'s methods); messages and keys are never logged.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second call (tests that start the app twice) keeps the first.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs what the command line asks: the desktop app, or `clawdesk serve`.
pub fn main() -> std::process::ExitCode {
    init_logging();
    let cli = Cli::from_args_and_env(std::env::args_os());
    match cli.command {
        Some(Command::Serve(args)) => match AppPaths::without_tauri(cli.paths) {
            Ok(paths) => serve::serve(paths, args),
            Err(err) => {
                tracing::error!("{err}");
                std::process::ExitCode::FAILURE
            }
        },
        None => {
            run(cli.paths);
            std::process::ExitCode::SUCCESS
        }
    }
}

/// Starts the desktop app.
pub fn run(overrides: paths::PathOverrides) {
    let builder = bindings::specta_builder::<tauri::Wry>();

    // Debug builds run from the source tree keep the committed bindings in
    // step; the drift test in CI catches anything this misses.
    #[cfg(debug_assertions)]
    {
        let path = bindings::bindings_path();
        if path.parent().is_some_and(|dir| dir.is_dir()) {
            if let Err(err) = bindings::export_bindings(&builder, &path) {
                tracing::warn!("could not export bindings: {err}");
            }
        }
    }

    tauri::Builder::default()
        // The window asks it for the path of an export or import.
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let paths = AppPaths::new(
                overrides,
                app.path().app_config_dir()?,
                app.path().app_data_dir()?,
            );
            let sink = Arc::new(TauriStreamSink::new(app.handle().clone()));
            let (state, gateway) = tauri::async_runtime::block_on(async {
                let state = state::initialize(&paths, sink).await;
                // Ask the providers now, in the background, so the first
                // health check and model list have answers instead of
                // `checking`.
                state.provider_registry.latest_probe();
                // The HTTP gateway, when `gateway.enabled`; it follows
                // `update_config` from here on. A failure to listen is on
                // the `gateway` channel; the window works either way.
                let gateway = GatewayController::attach(&state);
                if let Err(err) = gateway.start_from_config().await {
                    tracing::warn!("the gateway is not running: {err}");
                }
                (state, gateway)
            });
            state
                .channel_registry
                .set_status(DESKTOP_CHANNEL, ChannelStatus::Active, None)?;
            app.manage(state);
            app.manage(events::ProgressEmitter::for_app(app.handle().clone()));
            // Kept alive with the app; the core only holds it weakly.
            app.manage(gateway);
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("error while building the ClawDesk application")
        .run(|app, event| {
            // Closing the app stops running replies, so each is stored as
            // `cancelled` with its text rather than left `streaming`.
            if let tauri::RunEvent::ExitRequested { .. } = event {
                if let Some(state) = app.try_state::<AppState>() {
                    state.agent_pipeline.cancel_all();
                }
            }
        });
}
