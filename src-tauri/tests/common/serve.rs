//! A `clawdesk serve` process (the built binary, no window) on directories
//! of the test's, for the tests of the headless gateway.

use clawdesk_core::config::{ConfigManager, SecretStoreOptions};
use std::io::{BufRead, BufReader, Lines};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

/// A running `clawdesk serve`, killed if the test ends before it did.
pub struct ServeProcess {
    pub child: Child,
    /// `http://127.0.0.1:<port>`, as serve printed it.
    pub url: String,
    /// The second line serve printed: where the token is.
    pub token_notice: String,
    /// The gateway token, read where serve said it is.
    pub token: String,
    /// Held so the server can keep writing to its stdout.
    _stdout: Lines<BufReader<ChildStdout>>,
}

impl ServeProcess {
    /// Starts serve on a port of the OS's choosing; returns once it printed
    /// its address (it is listening then). Its log files go to
    /// `<data_dir>/logs` (never the user's log directory).
    pub fn start(config_dir: &Path, data_dir: &Path) -> Self {
        Self::start_with(config_dir, data_dir, None)
    }

    /// [`ServeProcess::start`] with the secrets in the OS keychain under
    /// `keychain_service` if one answers (`None`: always the test's own
    /// secrets.toml, never the keychain of whoever runs the tests).
    pub fn start_with(config_dir: &Path, data_dir: &Path, keychain_service: Option<&str>) -> Self {
        Self::spawn(config_dir, data_dir, keychain_service, None)
    }

    /// [`ServeProcess::start`] with `CLAWDESK_DATABASE_URL` set to
    /// `database_url` (a PostgreSQL database the test made).
    pub fn start_on_database(config_dir: &Path, data_dir: &Path, database_url: &str) -> Self {
        Self::spawn(config_dir, data_dir, None, Some(database_url))
    }

    fn spawn(
        config_dir: &Path,
        data_dir: &Path,
        keychain_service: Option<&str>,
        database_url: Option<&str>,
    ) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_clawdesk"));
        // Never a database of whoever runs the tests.
        match database_url {
            Some(url) => command.env("CLAWDESK_DATABASE_URL", url),
            None => command.env_remove("CLAWDESK_DATABASE_URL"),
        };
        match keychain_service {
            Some(service) => command
                .env("CLAWDESK_SECRET_STORE", "auto")
                .env("CLAWDESK_KEYCHAIN_SERVICE", service),
            None => command
                .env("CLAWDESK_SECRET_STORE", "file")
                .env_remove("CLAWDESK_KEYCHAIN_SERVICE"),
        };
        let mut child = command
            .args(["serve", "--port", "0"])
            .env("CLAWDESK_CONFIG_DIR", config_dir)
            .env("CLAWDESK_DATA_DIR", data_dir)
            .env("CLAWDESK_LOG_DIR", data_dir.join("logs"))
            .env_remove("RUST_LOG")
            .env_remove("CLAWDESK_DB_PATH")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("serve printed its address").unwrap();
        let url = first
            .split_whitespace()
            .find(|word| word.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_string();
        let token_notice = lines
            .next()
            .expect("serve said where the token is")
            .unwrap();
        let token = match keychain_service {
            // Read where serve keeps it, through the core's own store.
            Some(service) if token_notice.contains("OS keychain") => {
                ConfigManager::load_with(config_dir, &SecretStoreOptions::auto(service))
                    .gateway_token()
                    .expect("the token serve made is in the keychain")
                    .expose()
                    .to_string()
            }
            _ => {
                let text = std::fs::read_to_string(config_dir.join("secrets.toml")).unwrap();
                text.lines()
                    .find_map(|line| line.strip_prefix("\"gateway.token\" = "))
                    .unwrap_or_else(|| panic!("no gateway.token in {text}"))
                    .trim_matches('"')
                    .to_string()
            }
        };
        Self {
            child,
            url,
            token_notice,
            token,
            _stdout: lines,
        }
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
