//! One app per database: launching ClawDesk again on the same directories
//! brings the running window forward instead of failing on the database
//! lock. A launch on other directories (`--db`, `--data-dir`,
//! `--config-dir`) is another instance, as before.

use crate::paths::{AppPaths, PathOverrides, IDENTIFIER};
use std::hash::{Hash, Hasher};
use tauri::{AppHandle, Manager, Runtime};

/// The plugin, keyed by the directories this launch uses.
pub fn plugin<R: Runtime>(overrides: &PathOverrides) -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_single_instance::Builder::new()
        .dbus_id(instance_id(overrides))
        .callback(|app, _args, _cwd| bring_forward(app))
        .build()
}

/// `dev.clawdesk.app.i<hash>`: the same for two launches that would open
/// the same files (a D-Bus name: its elements must not start with a digit).
fn instance_id(overrides: &PathOverrides) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    match AppPaths::without_tauri(overrides.clone()) {
        Ok(paths) => {
            let canonical =
                |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or(p.to_path_buf());
            canonical(&paths.config_dir).hash(&mut hasher);
            canonical(&paths.data_dir).hash(&mut hasher);
            paths
                .db_override
                .as_deref()
                .map(canonical)
                .hash(&mut hasher);
        }
        Err(_) => overrides.hash(&mut hasher),
    }
    format!("{IDENTIFIER}.i{:016x}", hasher.finish())
}

/// Shows, unminimizes and focuses the main window.
fn bring_forward<R: Runtime>(app: &AppHandle<R>) {
    tracing::info!("ClawDesk was launched again on the same data: focusing this window");
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn overrides(db: Option<&str>) -> PathOverrides {
        PathOverrides {
            config_dir: Some(PathBuf::from("/tmp/clawdesk-si/config")),
            data_dir: Some(PathBuf::from("/tmp/clawdesk-si/data")),
            db_path: db.map(PathBuf::from),
            ..Default::default()
        }
    }

    #[test]
    fn the_same_files_are_the_same_instance_and_others_are_not() {
        assert_eq!(instance_id(&overrides(None)), instance_id(&overrides(None)));
        assert_ne!(
            instance_id(&overrides(None)),
            instance_id(&overrides(Some("/tmp/clawdesk-si/other.db")))
        );
        let id = instance_id(&overrides(None));
        assert!(id.starts_with("dev.clawdesk.app.i"), "{id}");
        // D-Bus name elements: letters, digits, '_' and '-', not starting with a digit.
        assert!(id.split('.').all(|e| !e.is_empty()
            && !e.starts_with(|c: char| c.is_ascii_digit())
            && e.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')));
    }
}
