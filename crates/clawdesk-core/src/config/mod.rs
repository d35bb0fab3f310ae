//! Typed application configuration: defaults embedded in the binary, a TOML
//! file in the app's config directory, secrets (API keys, the gateway token)
//! in the OS keychain or else a separate 0600 secrets file, and live updates
//! by dotted camelCase key.

mod keys;
mod manager;
mod plaintext;
mod secret_store;
mod secrets;
pub mod typed_keys;
mod types;
mod validate;

pub use manager::{ConfigLoadIssue, ConfigManager};
pub use secret_store::{SecretStoreMode, SecretStoreOptions};
pub use secrets::Secret;
pub use types::*;
pub use validate::is_host;
