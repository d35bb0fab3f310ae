//! The one managed state every command reaches the backend through: the
//! core's [`ClawDesk`], which owns the seed's `AppState` fields
//! (`agent_pipeline`, `session_store`, `config`, `provider_registry`,
//! `channel_registry`) and has a method per command.

use crate::paths::AppPaths;
use clawdesk_core::pipeline::StreamSink;
use clawdesk_core::ClawDesk;
use std::sync::Arc;

pub type AppState = ClawDesk;

/// Opens the backend on the app's directories (where they are is decided
/// here, in the app; what is in them, in the core).
pub async fn initialize(paths: &AppPaths, stream_sink: Arc<dyn StreamSink>) -> AppState {
    ClawDesk::initialize_with_secrets(
        &paths.config_dir,
        &paths.secrets,
        |configured| paths.database(configured),
        stream_sink,
    )
    .await
}
