//! `clawdesk migrate --from <sqlite file> --to <postgres url>`: a thin
//! adapter over `clawdesk_core::store::migrate` (the copy and its count
//! check live there). Progress goes to stderr, one line per chat; the
//! counts and the verdict to stdout. Exit code 0 only when everything of
//! the source is in the target. The URL is shown with its password masked,
//! everywhere.

use crate::paths::MigrateArgs;
use clawdesk_core::store::database_url::{is_postgres_url, mask_database_url};
use clawdesk_core::store::migrate::{migrate_sessions, MigrationReport, MigrationStep};
use clawdesk_core::store::{PgStore, SqliteStore};
use std::process::ExitCode;

/// Runs the migration to its end; see the module's doc.
pub fn migrate(args: MigrateArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("clawdesk migrate: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: MigrateArgs) -> ExitCode {
    let url = args.to.expose();
    let shown = mask_database_url(url);
    if !is_postgres_url(url) {
        eprintln!("clawdesk migrate: --to must be a postgres:// URL, not {shown}");
        return ExitCode::from(2);
    }
    eprintln!("Reading {}", args.from.display());
    let source = match SqliteStore::open_existing(&args.from).await {
        Ok(store) => store,
        Err(err) => {
            eprintln!("clawdesk migrate: {err}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("Writing into {shown}");
    let target = match PgStore::open(url).await {
        Ok(store) => store,
        Err(err) => {
            // PgStore's errors show the URL masked.
            eprintln!("clawdesk migrate: {err}");
            source.close().await;
            return ExitCode::FAILURE;
        }
    };
    let progress = |step: &MigrationStep, done: u32| match step {
        MigrationStep::Copied {
            session_id,
            messages,
        } => eprintln!("[{done}] {session_id}: copied, {messages} messages"),
        MigrationStep::AlreadyThere { session_id } => {
            eprintln!("[{done}] {session_id}: already there, skipped")
        }
        MigrationStep::Refused { session_id, why } => {
            eprintln!("[{done}] {session_id}: NOT copied: {why}")
        }
    };
    let result = migrate_sessions(&source, &target, &progress).await;
    source.close().await;
    target.close().await;
    match result {
        Ok(report) => {
            print!("{}", summary(&report, &shown));
            if report.is_complete() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(err) => {
            eprintln!(
                "clawdesk migrate: stopped: {err}\n\
                 The chats copied so far are in {shown}; running the same command again \
                 skips them and goes on."
            );
            ExitCode::FAILURE
        }
    }
}

/// What stdout shows at the end: the counts on both sides and the verdict.
fn summary(report: &MigrationReport, shown_url: &str) -> String {
    let mut out = format!(
        "Sessions: {} in the source, {} of them in the target ({} copied now, {} already there)\n\
         Messages: {} in the source, {} of them in the target ({} copied now)\n",
        report.source_sessions,
        report.target_sessions,
        report.copied_sessions,
        report.skipped_sessions,
        report.source_messages,
        report.target_messages,
        report.copied_messages,
    );
    for mismatch in &report.mismatches {
        out.push_str(&format!("Mismatch: {mismatch}\n"));
    }
    if report.is_complete() {
        out.push_str(&format!(
            "OK: every session and message is in {shown_url}\n"
        ));
    } else {
        out.push_str("FAILED: the counts differ (see above)\n");
    }
    out
}
