//! ClawDesk's domain: everything that does not need a window.
//!
//! The Tauri app (`src-tauri`) is a thin layer of commands over this crate.

pub mod catalog;
pub mod config;
pub mod error;
pub mod health;
pub mod ids;
pub mod json;
pub mod metrics;
pub mod models;
pub mod pipeline;
pub mod providers;
pub mod reachability;
pub mod registry;
pub mod store;
pub mod time;
pub mod tokens;
pub mod types;

pub use error::{AppError, AppResult, FailureCode};
