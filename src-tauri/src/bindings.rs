//! The specta builder: the single list of commands and events, from which
//! both the invoke handler and `bindings/bindings.ts` are made.

use crate::commands::{archive, chat, config, search, sessions, system};
use crate::events::{
    ImportProgress, SessionCompacted, StreamChunk, StreamEnd, StreamError, StreamStart,
};
use crate::gateway_client::GatewayClient;
use clawdesk_core::config::typed_keys::{self, ConfigValues, NewProvider, ProviderSettings};
use clawdesk_core::{ids, page};
use specta_typescript::Typescript;
use std::path::{Path, PathBuf};
use tauri::Runtime;
use tauri_specta::{collect_commands, collect_events, Builder};

pub fn specta_builder<R: Runtime>() -> Builder<R> {
    Builder::<R>::new()
        .commands(collect_commands![
            sessions::create_session,
            sessions::list_sessions,
            sessions::list_sessions_page,
            sessions::get_session,
            sessions::update_session,
            sessions::delete_session,
            sessions::get_messages,
            search::get_messages_around,
            search::search_messages,
            chat::send_message,
            chat::send_message_streaming,
            chat::cancel_stream,
            chat::compact_session,
            chat::edit_message,
            chat::regenerate,
            chat::switch_branch,
            config::get_config,
            config::update_config,
            config::get_models,
            config::get_channels,
            config::get_gateway_token,
            config::rotate_gateway_token,
            config::get_remote_token,
            system::get_health,
            system::get_metrics,
            archive::export_session,
            archive::export_all_sessions,
            archive::import_archive,
        ])
        .events(collect_events![
            StreamStart,
            StreamChunk,
            StreamEnd,
            StreamError,
            SessionCompacted,
            ImportProgress
        ])
        // Not named by any command; they give `updateConfig` its typed keys.
        .typ::<ConfigValues>()
        .typ::<ProviderSettings>()
        .typ::<NewProvider>()
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
        // Ids render as their brand's name, declared once (`id_types`),
        // instead of the brand spelled out at every use.
        .branded_type_impl(|_, branded| Ok(branded.brand().clone()))
        .with_raw(id_types())
        .with_raw(typed_keys::TYPESCRIPT)
}

/// `export type SessionId = string & { readonly __brand: "SessionId" };` for
/// each id type: a plain string on the wire, a distinct type to the compiler.
fn id_types() -> String {
    ids::BRANDS
        .iter()
        .chain(page::BRANDS)
        .map(|brand| {
            format!(
                "\n/** A `{brand}`: a string on the wire; only ids the backend returned have this type. */\n\
                 export type {brand} = string & {{ readonly __brand: \"{brand}\" }};\n"
            )
        })
        .collect()
}

/// What tauri-specta writes for `update_config`, whose two arguments it
/// cannot relate, and what the bindings say instead: the value's type
/// follows from the key (`ConfigValueOf`, from `config::typed_keys`).
const UNTYPED_UPDATE_CONFIG: &str = "updateConfig: (key: string, value: JsonValue) =>";
const TYPED_UPDATE_CONFIG: &str =
    "updateConfig: <K extends ConfigKey>(key: K, value: ConfigValueOf<K>) =>";

/// The gateway client generated beside the bindings file at `bindings`.
pub fn gateway_client_path(bindings: &Path) -> PathBuf {
    bindings.with_file_name("gateway.ts")
}

/// Writes the bindings to `path`, and the gateway's HTTP client, made from
/// the same builder, beside it (`gateway_client_path`).
pub fn export_bindings<R: Runtime>(builder: &Builder<R>, path: &Path) -> Result<(), String> {
    builder
        .export(GatewayClient, gateway_client_path(path))
        .map_err(|e| format!("gateway client: {e}"))?;
    builder
        .export(typescript(), path)
        .map_err(|e| e.to_string())?;
    let generated = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    if !generated.contains(UNTYPED_UPDATE_CONFIG) {
        // A tauri-specta upgrade changed its output: fail rather than ship
        // an untyped `updateConfig` without anyone noticing.
        return Err(format!(
            "the generated bindings no longer contain {UNTYPED_UPDATE_CONFIG:?}"
        ));
    }
    let typed = generated.replacen(UNTYPED_UPDATE_CONFIG, TYPED_UPDATE_CONFIG, 1);
    std::fs::write(path, typed).map_err(|e| e.to_string())
}
