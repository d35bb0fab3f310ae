//! `bindings/gateway.ts`: the HTTP client for the gateway, generated from the
//! same specta builder as `bindings/bindings.ts`.
//!
//! tauri-specta hands every [`LanguageExt`] the builder's configuration: the
//! collected commands (IPC name, argument names) and events (wire names),
//! with the casing it uses for their accessors. [`GatewayClient`] is such a
//! language. It writes one method per command, named as in `bindings.ts`,
//! that POSTs the command's named arguments to `/v1/commands/<name>`, and one
//! accessor per event read from `GET /v1/events`. The types are not repeated:
//! the client's `commands` is declared as `typeof commands` of `bindings.ts`
//! and its events as that file's `listen`/`once`, so the compiler checks that
//! each generated method takes exactly the IPC method's arguments.

use specta::datatype::{DataType, Reference};
use specta::Types;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;
use std::path::Path;
use tauri_specta::{BuilderConfiguration, Casing, LanguageExt};

/// The runtime the generated methods share: the HTTP call, the SSE reader.
const RUNTIME: &str = include_str!("gateway_client_runtime.ts");

/// Generates the gateway client (see the module docs).
#[derive(Debug, Default, Clone, Copy)]
pub struct GatewayClient;

impl LanguageExt for GatewayClient {
    type Error = io::Error;

    fn export(self, cfg: &BuilderConfiguration, path: &Path) -> Result<(), io::Error> {
        std::fs::write(path, render(cfg)?)
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// A name that can stand in generated source as an identifier or a path
/// segment without quoting.
fn check_name(kind: &str, name: &str) -> Result<(), io::Error> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(invalid(format!(
            "{kind} {name:?} is not a plain identifier"
        )))
    }
}

/// A `tauri::ipc::Channel` argument streams over IPC; the gateway has no
/// counterpart, so a command taking one cannot be served over HTTP.
fn is_channel(dt: &DataType, types: &Types) -> bool {
    let DataType::Reference(Reference::Named(r)) = dt else {
        return false;
    };
    types.get(r).is_some_and(|ndt| ndt.name == "TAURI_CHANNEL")
}

pub fn render(cfg: &BuilderConfiguration) -> Result<String, io::Error> {
    let mut commands = String::new();
    for command in &cfg.commands {
        let ipc_name = command.name();
        check_name("command", ipc_name)?;
        let accessor = cfg
            .function_casing
            .apply(cfg.command_accessor_name(command));
        check_name("command accessor", &accessor)?;
        // As tauri-specta names them in the invoke object: camelCase.
        let mut args: Vec<Cow<'_, str>> = Vec::new();
        for (name, dt) in command.args() {
            if is_channel(dt, &cfg.types) {
                return Err(invalid(format!(
                    "command {ipc_name:?} takes a Channel, which the gateway cannot carry"
                )));
            }
            let arg = Casing::CamelCase.apply(name);
            check_name("argument", &arg)?;
            args.push(arg);
        }
        let params = args.join(", ");
        let body = if args.is_empty() {
            "{}".to_owned()
        } else {
            format!("{{ {params} }}")
        };
        writeln!(
            commands,
            "\t\t\t{accessor}: ({params}) => call(\"{ipc_name}\", {body}),"
        )
        .expect("writing to a String");
    }
    let mut events = String::new();
    for name in cfg.events.keys() {
        check_name("event", name)?;
        let accessor = cfg.function_casing.apply(name);
        check_name("event accessor", &accessor)?;
        writeln!(events, "\t\t\t{accessor}: reader.event(\"{name}\"),")
            .expect("writing to a String");
    }
    Ok(format!(
        "{RUNTIME}\n\
         /**\n \
         * A client for the gateway: `commands` and `events` as in `./bindings`,\n \
         * over `POST /v1/commands/<name>` and `GET /v1/events`.\n \
         */\n\
         export function createGatewayClient(options: GatewayClientOptions): GatewayClient {{\n\
         \tconst call = __gatewayCall(options);\n\
         \tconst reader = __gatewayEvents(options);\n\
         \treturn {{\n\
         \t\tcommands: {{\n\
         {commands}\
         \t\t}},\n\
         \t\tevents: {{\n\
         {events}\
         \t\t}},\n\
         \t\tclose: reader.close,\n\
         \t}};\n\
         }}\n"
    ))
}
