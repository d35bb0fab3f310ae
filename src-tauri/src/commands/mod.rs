//! Tauri commands: one-line forwards to the core's [`ClawDesk`] methods,
//! which validate, run and count each command. Each is also a specta
//! function, so the bindings are generated from these signatures and their
//! docs. Every argument is an [`Arg`], so a bad one is a typed
//! `invalidArgument`, never Tauri's string.
//!
//! [`ClawDesk`]: clawdesk_core::ClawDesk

pub mod archive;
pub mod arg;
pub mod chat;
pub mod config;
pub mod search;
pub mod sessions;
pub mod system;
