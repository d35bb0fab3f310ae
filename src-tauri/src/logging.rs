//! Where log lines go: a daily-rotated file in the app's log directory (the
//! last week kept), for users to attach to a bug report, and stderr in
//! development and for `clawdesk serve`. The level is `logging.level` from
//! the config, or `RUST_LOG` when set (e.g. `RUST_LOG=clawdesk_core=debug`).
//!
//! What is logged is ids, providers, timings and outcomes: message text,
//! keys and credentials never reach a log line (a test reads the file after
//! a chat with keys set to prove it).

use clawdesk_core::config::LogLevel;
use std::path::{Path, PathBuf};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Log files kept (one per day).
const KEPT_FILES: usize = 7;
/// `clawdesk.2026-11-30.log`, …
const FILE_PREFIX: &str = "clawdesk";
const FILE_SUFFIX: &str = "log";

/// Where logs go for this run.
pub struct LogTargets {
    /// The log directory; `None`: no file (no such directory on this system).
    pub dir: Option<PathBuf>,
    /// Also write to stderr.
    pub stderr: bool,
}

/// Starts logging; returns the directory actually written to. A directory
/// that cannot be created leaves stderr only, and says so there.
pub fn init(targets: LogTargets, level: LogLevel) -> Option<PathBuf> {
    let filter =
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level.as_str()));
    let file = targets.dir.as_deref().and_then(|dir| match open_file(dir) {
        Ok(appender) => Some((dir.to_path_buf(), appender)),
        Err(err) => {
            eprintln!("clawdesk: cannot write logs to {}: {err}", dir.display());
            None
        }
    });
    let dir = file.as_ref().map(|(dir, _)| dir.clone());
    let file_layer = file.map(|(_, appender)| {
        fmt::layer()
            .with_ansi(false)
            .with_writer(appender)
            .with_filter(filter())
    });
    let stderr_layer = targets.stderr.then(|| {
        fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter())
    });
    // A second call (tests that start the app twice) keeps the first.
    let _ = tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    dir
}

/// Each line is written as it happens (no buffer to lose when the process
/// exits or is killed).
fn open_file(dir: &Path) -> Result<RollingFileAppender, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix(FILE_SUFFIX)
        .max_log_files(KEPT_FILES)
        .build(dir)
        .map_err(|e| e.to_string())
}
