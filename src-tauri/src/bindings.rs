//! The specta builder: the single list of commands and events, from which
//! both the invoke handler and `bindings/bindings.ts` are made.

use crate::commands::{chat, config, sessions, system};
use crate::events::{SessionCompacted, StreamChunk, StreamEnd, StreamError, StreamStart};
use specta_typescript::Typescript;
use std::path::{Path, PathBuf};
use tauri::Runtime;
use tauri_specta::{collect_commands, collect_events, Builder};

pub fn specta_builder<R: Runtime>() -> Builder<R> {
    Builder::<R>::new()
        .commands(collect_commands![
            sessions::create_session,
            sessions::list_sessions,
            sessions::get_session,
            sessions::delete_session,
            sessions::get_messages,
            chat::send_message,
            chat::send_message_streaming,
            chat::cancel_stream,
            chat::compact_session,
            config::get_config,
            config::update_config,
            config::get_models,
            config::get_channels,
            system::get_health,
            system::get_metrics,
        ])
        .events(collect_events![
            StreamStart,
            StreamChunk,
            StreamEnd,
            StreamError,
            SessionCompacted
        ])
        // Our types serialize and deserialize the same way; one TypeScript
        // type per Rust type instead of `X_Serialize | X_Deserialize` pairs.
        .disable_serde_phases()
}

/// The committed bindings file.
pub fn bindings_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bindings/bindings.ts")
}

pub fn typescript() -> Typescript {
    Typescript::default()
}

/// Writes the bindings to `path`.
pub fn export_bindings<R: Runtime>(builder: &Builder<R>, path: &Path) -> Result<(), String> {
    builder
        .export(typescript(), path)
        .map_err(|e| e.to_string())
}
