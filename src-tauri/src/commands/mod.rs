//! Tauri commands: thin wrappers that validate arguments, call the core,
//! and count themselves in the metrics. Each is also a specta function, so
//! the bindings are generated from these signatures.

pub mod chat;
pub mod config;
pub mod sessions;
pub mod system;
