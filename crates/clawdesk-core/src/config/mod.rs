//! Typed application configuration: defaults embedded in the binary, a TOML
//! file in the app's config directory, API keys in a separate 0600 secrets
//! file, and live updates by dotted camelCase key.

mod keys;
mod manager;
mod secrets;
pub mod typed_keys;
mod types;
mod validate;

pub use manager::{ConfigLoadIssue, ConfigManager};
pub use secrets::Secret;
pub use types::*;
pub use validate::is_host;
