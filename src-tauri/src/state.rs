//! The one managed state every command reaches the backend through: the
//! core's [`ClawDesk`], which owns the seed's `AppState` fields
//! (`agent_pipeline`, `session_store`, `config`, `provider_registry`,
//! `channel_registry`) and has a method per command.

use crate::paths::AppPaths;
use clawdesk_core::config::Secret;
use clawdesk_core::pipeline::StreamSink;
use clawdesk_core::store::DATABASE_URL_ENV;
use clawdesk_core::ClawDesk;
use std::sync::Arc;

pub type AppState = ClawDesk;

/// Opens the backend on the app's directories (where they are is decided
/// here, in the app; what is in them, in the core), or on the PostgreSQL
/// database `CLAWDESK_DATABASE_URL` names (read here, not through the
/// command line, whose help and errors would show its password).
pub async fn initialize(paths: &AppPaths, stream_sink: Arc<dyn StreamSink>) -> AppState {
    let database_url = std::env::var(DATABASE_URL_ENV).ok().map(Secret::new);
    ClawDesk::initialize_with_secrets(
        &paths.config_dir,
        &paths.secrets,
        database_url,
        |configured| paths.database(configured),
        stream_sink,
    )
    .await
}
