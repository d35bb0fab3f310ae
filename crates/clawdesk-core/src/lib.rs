//! ClawDesk's domain: everything that does not need a window.
//!
//! [`ClawDesk`] is the one API over it; the Tauri app (`src-tauri`) is a
//! thin layer of commands forwarding to it.

pub mod api;
pub mod archive;
pub mod catalog;
pub mod cluster;
pub mod config;
pub mod error;
pub mod health;
pub mod ids;
pub mod json;
pub mod metrics;
pub mod models;
pub mod page;
pub mod pipeline;
pub mod providers;
pub mod reachability;
pub mod registry;
pub mod search;
pub mod store;
pub mod stream;
pub mod time;
pub mod tokens;
pub mod types;

pub use api::ClawDesk;
pub use error::{AppError, AppResult, FailureCode};
