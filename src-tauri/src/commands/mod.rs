//! Tauri commands: thin wrappers that validate arguments, call the core,
//! and count themselves in the metrics. Each is also a specta function, so
//! the bindings are generated from these signatures. Every argument is an
//! [`Arg`], so a bad one is a typed `invalidArgument`, never Tauri's string.

pub mod arg;
pub mod chat;
pub mod config;
pub mod sessions;
pub mod system;
