//! Command arguments whose failures are typed.
//!
//! Tauri deserializes every `Deserialize` argument itself and rejects a
//! missing argument, a wrong JSON type or an out-of-range number with a
//! plain string, before the command runs. `Arg<T>` is not `Deserialize`, so
//! it takes Tauri's place: it reads the same JSON value and rejects with
//! `AppError::InvalidArgument`, whose `field` is the argument's name as the
//! caller wrote it (camelCase). Every failure of a command is therefore one
//! of the contract's kinds, and ids are validated here, once.

use crate::state::AppState;
use clawdesk_core::AppError;
use serde::Deserialize;
use specta::datatype::DataType;
use specta::{Type, Types};
use tauri::ipc::{CommandArg, CommandItem, InvokeError};
use tauri::{Manager, Runtime};

/// One argument of a command; exported to TypeScript as `T` itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg<T>(T);

impl<T> Arg<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Arg<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Arg<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<'de, T: Deserialize<'de>, R: Runtime> CommandArg<'de, R> for Arg<T> {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        let field = command.key;
        let webview = command.message.webview();
        T::deserialize(command).map(Arg).map_err(|err| {
            // The command body never runs, so count the failed call here
            // (arguments are read in order and the first failure ends the call).
            if let Some(app) = webview.try_state::<AppState>() {
                app.metrics.command(false);
            }
            InvokeError::from(AppError::argument(field, &err))
        })
    }
}

impl<T: Type> Type for Arg<T> {
    fn definition(types: &mut Types) -> DataType {
        T::definition(types)
    }
}
