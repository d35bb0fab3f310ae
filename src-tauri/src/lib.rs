//! ClawDesk's Tauri layer: commands, events, managed state and the bindings
//! export. Domain logic lives in `clawdesk-core`, behind its one API
//! (`ClawDesk`); the commands here forward to it.

pub mod bindings;
pub mod commands;
pub mod events;
mod frontend_assets;
pub mod gateway_client;
mod logging;
pub mod migrate;
pub mod paths;
pub mod serve;
mod single_instance;
pub mod state;
pub mod stream_sink;

use clawdesk_core::config::ConfigManager;
use clawdesk_core::registry::DESKTOP_CHANNEL;
use clawdesk_core::types::ChannelStatus;
use clawdesk_gateway::GatewayController;
use paths::{AppPaths, Cli, Command};
use state::AppState;
use std::sync::Arc;
use stream_sink::TauriStreamSink;
use tauri::Manager;

/// Runs what the command line asks: the desktop app, `clawdesk serve` or
/// `clawdesk migrate`.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::from_args_and_env(std::env::args_os());
    let serve_args = match cli.command {
        // A one-off tool, not the app: it reports on stderr and stdout
        // itself, and leaves the app's log alone.
        Some(Command::Migrate(args)) => return migrate::migrate(args),
        Some(Command::Serve(args)) => Some(args),
        None => None,
    };
    let serving = serve_args.is_some();
    // The directories Tauri would give the app, resolved once: for the log
    // level here, and as `serve`'s directories.
    let resolved = AppPaths::without_tauri(cli.paths.clone());
    let level = match &resolved {
        Ok(paths) => ConfigManager::configured_log_level(&paths.config_dir),
        Err(_) => Default::default(),
    };
    let log_dir = logging::init(
        logging::LogTargets {
            dir: paths::log_dir(&cli.paths),
            // A server's log is read where it runs; the app's is the file's
            // job, except while developing it.
            stderr: serving || cfg!(debug_assertions),
        },
        level,
    );
    match serve_args {
        Some(args) => match resolved {
            Ok(paths) => serve::serve(paths, args, log_dir),
            Err(err) => {
                tracing::error!("{err}");
                std::process::ExitCode::FAILURE
            }
        },
        None => run(cli.paths, log_dir),
    }
}

/// Starts the desktop app, unless one already runs on the same data.
pub fn run(
    overrides: paths::PathOverrides,
    log_dir: Option<std::path::PathBuf>,
) -> std::process::ExitCode {
    match single_instance::hand_over_or_wait(&overrides) {
        single_instance::Launch::Start => {}
        single_instance::Launch::HandedOver => {
            tracing::info!("ClawDesk already runs on this data: it was brought forward");
            return std::process::ExitCode::SUCCESS;
        }
        single_instance::Launch::Stuck => {
            tracing::error!(
                "another ClawDesk holds this data and neither answers nor closes; \
                 end it, or launch with other directories"
            );
            return std::process::ExitCode::FAILURE;
        }
    }
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

    let (context, frontend) = frontend_assets::context();
    let app = tauri::Builder::default()
        // First, so a second launch on the same data hands over before
        // anything else starts.
        .plugin(single_instance::plugin(&overrides))
        // Size, position and maximized state, saved on close and restored.
        .plugin(tauri_plugin_window_state::Builder::default().build())
        // "Open logs folder" (and, later, links in replies).
        .plugin(tauri_plugin_opener::init())
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
                let mut state = state::initialize(&paths, sink).await;
                state.log_directory = log_dir;
                // Ask the providers now, in the background, so the first
                // health check and model list have answers instead of
                // `checking`.
                state.provider_registry.latest_probe();
                // The HTTP gateway, when `gateway.enabled`; it follows
                // `update_config` from here on. A failure to listen is on
                // the `gateway` channel; the window works either way.
                let gateway = GatewayController::attach(&state, Some(frontend));
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
            exit_on_sigterm(app.handle().clone());
            Ok(())
        })
        .build(context);
    let app = match app {
        Ok(app) => app,
        Err(err) => {
            tracing::error!("ClawDesk could not start: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    app.run(|app, event| {
        // Closing the app stops running replies and waits (briefly) until
        // each is stored as `cancelled` with its text rather than left
        // `streaming`; on a shared database its sessions are freed at once.
        if let tauri::RunEvent::ExitRequested { .. } = event {
            if let Some(state) = app.try_state::<AppState>() {
                tauri::async_runtime::block_on(state.shut_down());
            }
        }
    });
    std::process::ExitCode::SUCCESS
}

/// A `SIGTERM` (logging out, a service manager, `kill`) closes the app the
/// way its window's close button does: running replies are stored as
/// `cancelled` and the window's size and place are saved.
fn exit_on_sigterm(app: tauri::AppHandle) {
    #[cfg(unix)]
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            if term.recv().await.is_some() {
                tracing::info!("SIGTERM: closing");
                app.exit(0);
            }
        }
    });
    #[cfg(not(unix))]
    let _ = app;
}
