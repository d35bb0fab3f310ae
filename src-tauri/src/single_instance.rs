//! One app per database: launching ClawDesk again on the same directories
//! brings the running window forward instead of failing on the database
//! lock. A launch on other directories (`--db`, `--data-dir`,
//! `--config-dir`) is another instance, as before.

use crate::paths::{AppPaths, PathOverrides, IDENTIFIER};
use std::hash::{Hash, Hasher};
use tauri::{AppHandle, Manager, Runtime};

/// What a launch does about an instance already running on the same data.
#[derive(Debug, PartialEq, Eq)]
pub enum Launch {
    /// None runs (or none can be found): start the app.
    Start,
    /// The running instance took this launch's arguments: exit, successfully.
    HandedOver,
    /// One holds the name but neither answers nor lets go.
    Stuck,
}

/// How long a launch waits for an instance that is closing to let go.
const CLOSING_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Hands this launch over to a running instance, or waits for a closing one
/// to let go of the name. The plugin alone hands over too, but when the
/// instance holding the name is shutting down its forward gets no reply,
/// and the plugin then fails the whole launch (Tauri's build panics). So
/// this runs first: a forward with a short timeout, and on failure a
/// bounded wait until the name is free, after which the plugin takes it.
#[cfg(target_os = "linux")]
pub fn hand_over_or_wait(overrides: &PathOverrides) -> Launch {
    hand_over_or_wait_within(overrides, CLOSING_WAIT)
}

#[cfg(target_os = "linux")]
fn hand_over_or_wait_within(overrides: &PathOverrides, wait: std::time::Duration) -> Launch {
    use std::time::{Duration, Instant};
    let name = bus_name(overrides);
    // The object path the plugin serves its interface at.
    let path = format!("/{}", name.replace('.', "/").replace('-', "_"));
    let connection = match zbus::blocking::connection::Builder::session()
        .and_then(|b| b.method_timeout(Duration::from_secs(2)).build())
    {
        Ok(connection) => connection,
        // No session bus: no other instance can be found (the plugin says so).
        Err(_) => return Launch::Start,
    };
    let Ok(bus) = zbus::blocking::fdo::DBusProxy::new(&connection) else {
        return Launch::Start;
    };
    let Ok(bus_name) = zbus::names::BusName::try_from(name.as_str()) else {
        return Launch::Start;
    };
    let deadline = Instant::now() + wait;
    let mut said = false;
    loop {
        match bus.name_has_owner(bus_name.clone()) {
            Ok(true) => {}
            _ => return Launch::Start,
        }
        let argv: Vec<String> = std::env::args_os()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        let cwd = std::env::current_dir().unwrap_or_default();
        let forwarded = connection.call_method(
            Some(name.as_str()),
            path.as_str(),
            Some("org.SingleInstance.DBus"),
            "ExecuteCallback",
            &(argv, cwd.to_string_lossy().as_ref()),
        );
        if forwarded.is_ok() {
            return Launch::HandedOver;
        }
        if Instant::now() >= deadline {
            return Launch::Stuck;
        }
        if !said {
            tracing::info!("another ClawDesk on the same data is closing: waiting for it");
            said = true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(not(target_os = "linux"))]
pub fn hand_over_or_wait(_: &PathOverrides) -> Launch {
    // The plugin's named pipe (Windows) and socket (macOS) hand over on
    // their own; neither has the closing-instance case of D-Bus.
    Launch::Start
}

/// The plugin, keyed by the directories this launch uses.
pub fn plugin<R: Runtime>(overrides: &PathOverrides) -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_single_instance::Builder::new()
        .dbus_id(instance_id(overrides))
        .callback(|app, _args, _cwd| bring_forward(app))
        .build()
}

/// The well-known name the plugin holds for these directories.
fn bus_name(overrides: &PathOverrides) -> String {
    format!("{}.SingleInstance", instance_id(overrides))
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
    use std::time::{Duration, Instant};

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

    /// A private session bus for this test process (`dbus-daemon` from the
    /// `dbus` package, which the e2e set-up installs): the launch logic reads
    /// `DBUS_SESSION_BUS_ADDRESS`, and no test here touches the user's bus.
    struct PrivateBus(std::process::Child);

    impl PrivateBus {
        fn start() -> Self {
            use std::io::BufRead;
            let mut child = std::process::Command::new("dbus-daemon")
                .args(["--session", "--nofork", "--print-address=1"])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("dbus-daemon (Debian package dbus) runs the single-instance tests");
            let mut address = String::new();
            std::io::BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut address)
                .unwrap();
            std::env::set_var("DBUS_SESSION_BUS_ADDRESS", address.trim());
            Self(child)
        }
    }

    impl Drop for PrivateBus {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// Stands in for a running instance: holds the name, and answers the
    /// hand-over (a live instance) or not (one that is closing).
    struct Holder;

    #[zbus::interface(name = "org.SingleInstance.DBus")]
    impl Holder {
        fn execute_callback(&self, _argv: Vec<String>, _cwd: String) {}
    }

    fn hold(name: &str, answering: bool) -> zbus::blocking::Connection {
        let path = format!("/{}", name.replace('.', "/").replace('-', "_"));
        let builder = zbus::blocking::connection::Builder::session()
            .unwrap()
            .name(name)
            .unwrap();
        let builder = if answering {
            builder.serve_at(path.as_str(), Holder).unwrap()
        } else {
            builder
        };
        builder.build().unwrap()
    }

    // One test, in order: they share the process's bus address.
    #[test]
    fn a_launch_hands_over_to_a_live_instance_and_waits_for_a_closing_one() {
        let _bus = PrivateBus::start();
        let here = overrides(Some("/tmp/clawdesk-si/handover.db"));
        let name = bus_name(&here);

        // Nobody holds the name: start.
        assert_eq!(
            hand_over_or_wait_within(&here, Duration::from_secs(1)),
            Launch::Start
        );

        // A live instance takes the launch over.
        let live = hold(&name, true);
        assert_eq!(
            hand_over_or_wait_within(&here, Duration::from_secs(1)),
            Launch::HandedOver
        );
        drop(live);

        // A closing instance answers nothing; once it lets go, start.
        let closing = hold(&name, false);
        let released = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(600));
            drop(closing);
        });
        let asked = Instant::now();
        assert_eq!(
            hand_over_or_wait_within(&here, Duration::from_secs(5)),
            Launch::Start
        );
        let waited = asked.elapsed();
        released.join().unwrap();
        assert!(waited >= Duration::from_millis(500), "waited {waited:?}");

        // One that never lets go: a clear failure after the wait, no panic.
        let _stuck = hold(&name, false);
        assert_eq!(
            hand_over_or_wait_within(&here, Duration::from_millis(500)),
            Launch::Stuck
        );
    }
}
