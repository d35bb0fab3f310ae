//! The command line, and where ClawDesk keeps its files. Precedence,
//! highest first: command-line options, environment variables (used by
//! tests), the config file's `storage.databasePath`, then the per-user app
//! directories Tauri uses (`dev.clawdesk.app` under the platform's config
//! and data directories).

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, Parser, Subcommand, ValueEnum};
use clawdesk_core::config::{Secret, SecretStoreOptions};
use std::ffi::OsString;
use std::path::PathBuf;

pub const ENV_CONFIG_DIR: &str = "CLAWDESK_CONFIG_DIR";
pub const ENV_DATA_DIR: &str = "CLAWDESK_DATA_DIR";
pub const ENV_DB_PATH: &str = "CLAWDESK_DB_PATH";
pub const ENV_LOG_DIR: &str = "CLAWDESK_LOG_DIR";
pub const ENV_SECRET_STORE: &str = "CLAWDESK_SECRET_STORE";
pub const ENV_KEYCHAIN_SERVICE: &str = "CLAWDESK_KEYCHAIN_SERVICE";

/// The app's identifier (`tauri.conf.json`), the name of its directories.
pub const IDENTIFIER: &str = "dev.clawdesk.app";

/// `clawdesk [OPTIONS] [COMMAND]`: the desktop app, `clawdesk serve`, or
/// `clawdesk migrate`.
#[derive(Debug, Clone, Default, PartialEq, Parser)]
#[command(
    name = "clawdesk",
    version,
    about = "ClawDesk: AI chat on your desktop, and over HTTP"
)]
pub struct Cli {
    #[command(flatten)]
    pub paths: PathOverrides,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, PartialEq, Subcommand)]
pub enum Command {
    /// Run the HTTP gateway with no window, on the same config and data
    /// directories as the app (for a server or a machine without a display).
    Serve(ServeArgs),
    /// Copy every chat of a SQLite database (the app's clawdesk.db) into a
    /// PostgreSQL database, with every version of edited messages, then
    /// check that all of it arrived. Quit the app first. Running it again
    /// skips the chats already there.
    Migrate(MigrateArgs),
}

#[derive(Debug, Clone, PartialEq, Args)]
pub struct MigrateArgs {
    /// The SQLite database to copy from; it must exist (nothing is created).
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The PostgreSQL database to copy into, `postgres://user:password@host/db`
    /// (its tables are made if missing). The password is never shown.
    #[arg(
        long,
        env = clawdesk_core::store::DATABASE_URL_ENV,
        hide_env_values = true,
        value_name = "URL",
        value_parser = secret_url
    )]
    pub to: Secret,
}

/// A URL given for `--to`, kept as a secret: its `Debug` shows no password.
fn secret_url(value: &str) -> Result<Secret, String> {
    if value.trim().is_empty() {
        return Err("a postgres:// URL is needed".into());
    }
    Ok(Secret::new(value))
}

#[derive(Debug, Clone, Default, PartialEq, Args)]
pub struct ServeArgs {
    /// Listen on this address instead of `gateway.host` (not stored).
    #[arg(long)]
    pub host: Option<String>,
    /// Listen on this port instead of `gateway.port` (not stored; 0: any
    /// free port, the one chosen is printed).
    #[arg(long)]
    pub port: Option<u16>,
}

/// Overrides given on the command line or in the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Args)]
pub struct PathOverrides {
    /// Directory of config.toml and secrets.toml.
    #[arg(long, global = true, env = ENV_CONFIG_DIR, value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    /// Directory of the database (unless --db or storage.databasePath).
    #[arg(long, global = true, env = ENV_DATA_DIR, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The database file.
    #[arg(long = "db", global = true, env = ENV_DB_PATH, value_name = "FILE")]
    pub db_path: Option<PathBuf>,
    /// Directory of the log files (default: the platform's log directory
    /// for the app).
    #[arg(long, global = true, env = ENV_LOG_DIR, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
    /// Where API keys and the gateway token go: the OS keychain when one
    /// answers, else secrets.toml (`auto`, the default), or always the file.
    #[arg(long, global = true, env = ENV_SECRET_STORE, value_name = "STORE")]
    pub secret_store: Option<SecretStoreChoice>,
    /// The keychain service the secrets are filed under (default
    /// `dev.clawdesk.app`): another name keeps a second install, or a test,
    /// apart from the user's entries.
    #[arg(long, global = true, env = ENV_KEYCHAIN_SERVICE, value_name = "NAME")]
    pub keychain_service: Option<String>,
}

/// `--secret-store`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub enum SecretStoreChoice {
    Auto,
    File,
}

impl Cli {
    /// Parses the command line (and the environment); `--help`, `--version`
    /// and mistakes print and exit, as command-line tools do.
    pub fn from_args_and_env(args: impl IntoIterator<Item = OsString>) -> Self {
        Self::parse_lenient(args.into_iter().collect()).unwrap_or_else(|err| err.exit())
    }

    /// Like [`Cli::from_args_and_env`], but returns the error. The window
    /// ignores arguments it does not know, as it always has: launchers add
    /// their own (WebKitWebDriver's `--automation`, macOS's `-psn_…`).
    /// `serve` is strict.
    pub fn parse_lenient(mut args: Vec<OsString>) -> Result<Self, clap::Error> {
        let cli = loop {
            match Self::try_parse_from(&args) {
                Ok(cli) => break cli,
                Err(err)
                    if matches!(
                        err.kind(),
                        ErrorKind::UnknownArgument | ErrorKind::InvalidSubcommand
                    ) =>
                {
                    let unknown = [ContextKind::InvalidArg, ContextKind::InvalidSubcommand]
                        .into_iter()
                        .find_map(|kind| match err.get(kind) {
                            Some(ContextValue::String(arg)) => Some(arg.clone()),
                            _ => None,
                        });
                    let Some(unknown) = unknown else {
                        return Err(err);
                    };
                    // The subcommands are strict; only the window is lenient.
                    let serving = args.iter().skip(1).any(|a| a == "serve" || a == "migrate");
                    let at = args.iter().skip(1).position(|a| {
                        let a = a.to_string_lossy();
                        a == unknown
                            || a.split_once('=').is_some_and(|(f, _)| f == unknown)
                            // A short flag is reported alone: `-p` of `-psn_0_1`.
                            || (unknown.len() == 2
                                && !a.starts_with("--")
                                && a.starts_with(unknown.as_str()))
                    });
                    match at {
                        Some(at) if !serving => {
                            args.remove(at + 1);
                        }
                        _ => return Err(err),
                    }
                }
                Err(err) => return Err(err),
            }
        };
        let mut cli = cli;
        // An empty value means "not set", on the command line as in the
        // environment.
        for slot in [
            &mut cli.paths.config_dir,
            &mut cli.paths.data_dir,
            &mut cli.paths.db_path,
            &mut cli.paths.log_dir,
        ] {
            if slot.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
                *slot = None;
            }
        }
        if cli
            .paths
            .keychain_service
            .as_ref()
            .is_some_and(|s| s.trim().is_empty())
        {
            cli.paths.keychain_service = None;
        }
        Ok(cli)
    }
}

/// The resolved directories.
#[derive(Debug, Clone, PartialEq)]
pub struct AppPaths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    /// Set when the command line or environment names the database file;
    /// otherwise the config decides (see [`AppPaths::database`]).
    pub db_override: Option<PathBuf>,
    /// Where secrets go: the OS keychain or `secrets.toml` in `config_dir`.
    pub secrets: SecretStoreOptions,
}

impl AppPaths {
    pub fn new(
        overrides: PathOverrides,
        default_config_dir: PathBuf,
        default_data_dir: PathBuf,
    ) -> Self {
        let secrets = match overrides.secret_store {
            Some(SecretStoreChoice::File) => SecretStoreOptions::file_only(),
            Some(SecretStoreChoice::Auto) | None => SecretStoreOptions::auto(
                overrides
                    .keychain_service
                    .unwrap_or_else(|| IDENTIFIER.to_string()),
            ),
        };
        Self {
            config_dir: overrides.config_dir.unwrap_or(default_config_dir),
            data_dir: overrides.data_dir.unwrap_or(default_data_dir),
            db_override: overrides.db_path,
            secrets,
        }
    }

    /// Without Tauri (`clawdesk serve`): the directories Tauri gives the
    /// app, `<config dir>/dev.clawdesk.app` and `<data dir>/dev.clawdesk.app`
    /// (on Linux `~/.config/…` and `~/.local/share/…`), computed the way
    /// Tauri does.
    pub fn without_tauri(overrides: PathOverrides) -> Result<Self, String> {
        let missing = |what: &str, flag: &str| {
            format!("this system has no per-user {what} directory; pass {flag}")
        };
        let config = match &overrides.config_dir {
            Some(dir) => dir.clone(),
            None => dirs::config_dir()
                .ok_or_else(|| missing("config", "--config-dir"))?
                .join(IDENTIFIER),
        };
        let data = match &overrides.data_dir {
            Some(dir) => dir.clone(),
            None => dirs::data_dir()
                .ok_or_else(|| missing("data", "--data-dir"))?
                .join(IDENTIFIER),
        };
        Ok(Self::new(overrides, config, data))
    }

    /// All files under one directory (tests and portable installs), the
    /// secrets too: the keychain is shared by every install of the user.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        Self {
            config_dir: dir.join("config"),
            data_dir: dir.join("data"),
            db_override: None,
            secrets: SecretStoreOptions::file_only(),
        }
    }

    pub fn database(&self, configured: Option<&str>) -> PathBuf {
        self.db_override
            .clone()
            .or_else(|| configured.map(PathBuf::from))
            .unwrap_or_else(|| self.data_dir.join("clawdesk.db"))
    }
}

/// Where the log files go: `--log-dir`/`CLAWDESK_LOG_DIR`, else the
/// directory Tauri calls the app's log directory (Linux
/// `~/.local/share/dev.clawdesk.app/logs`, macOS
/// `~/Library/Logs/dev.clawdesk.app`, Windows
/// `%LOCALAPPDATA%\dev.clawdesk.app\logs`). `None` when the system has no
/// such directory: then the log goes to stderr only.
pub fn log_dir(overrides: &PathOverrides) -> Option<PathBuf> {
    if let Some(dir) = &overrides.log_dir {
        return Some(dir.clone());
    }
    if cfg!(target_os = "macos") {
        dirs::home_dir().map(|home| home.join("Library/Logs").join(IDENTIFIER))
    } else {
        dirs::data_local_dir().map(|dir| dir.join(IDENTIFIER).join("logs"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clawdesk_core::config::SecretStoreMode;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::parse_lenient(args.iter().map(OsString::from).collect())
    }

    #[test]
    fn the_window_ignores_launchers_arguments_and_serve_does_not() {
        let cli = parse(&[
            "clawdesk",
            "--automation",
            "--db",
            "/tmp/a.db",
            "--unknown",
            "x",
            "-psn_0_1",
            "--other=1",
        ])
        .unwrap();
        assert_eq!(cli.paths.db_path, Some(PathBuf::from("/tmp/a.db")));
        assert_eq!(cli.command, None);
        assert!(parse(&["clawdesk", "serve", "--automation"]).is_err());
    }

    #[test]
    fn flags_in_both_spellings() {
        let cli = parse(&["clawdesk", "--db", "/tmp/a.db", "--config-dir=/tmp/c"]).unwrap();
        assert_eq!(cli.paths.db_path, Some(PathBuf::from("/tmp/a.db")));
        assert_eq!(cli.paths.config_dir, Some(PathBuf::from("/tmp/c")));
        assert_eq!(cli.command, None);
    }

    #[test]
    fn serve_takes_the_path_flags_before_or_after_it() {
        let cli = parse(&["clawdesk", "--data-dir", "/d", "serve", "--port", "0"]).unwrap();
        assert_eq!(cli.paths.data_dir, Some(PathBuf::from("/d")));
        assert_eq!(
            cli.command,
            Some(Command::Serve(ServeArgs {
                host: None,
                port: Some(0)
            }))
        );
        let cli = parse(&["clawdesk", "serve", "--config-dir=/c"]).unwrap();
        assert_eq!(cli.paths.config_dir, Some(PathBuf::from("/c")));
        assert!(parse(&["clawdesk", "serve", "--port", "x"]).is_err());
    }

    #[test]
    fn migrate_takes_a_file_and_a_url_which_it_never_shows() {
        let cli = parse(&[
            "clawdesk",
            "migrate",
            "--from",
            "/d/clawdesk.db",
            "--to",
            "postgres://u:hunter2@db/x",
        ])
        .unwrap();
        let Some(Command::Migrate(args)) = &cli.command else {
            panic!("{cli:?}");
        };
        assert_eq!(args.from, PathBuf::from("/d/clawdesk.db"));
        assert_eq!(args.to.expose(), "postgres://u:hunter2@db/x");
        assert!(!format!("{cli:?}").contains("hunter2"));
        assert!(parse(&["clawdesk", "migrate", "--to", "postgres://db/x"]).is_err());
        assert!(parse(&[
            "clawdesk",
            "migrate",
            "--from",
            "/a",
            "--to",
            "postgres://d/x",
            "--x"
        ])
        .is_err());
    }

    #[test]
    fn the_identifier_is_the_apps() {
        let conf = include_str!("../tauri.conf.json");
        assert!(conf.contains(&format!("\"identifier\": \"{IDENTIFIER}\"")));
    }

    #[test]
    fn default_directories_are_tauris() {
        let paths = AppPaths::without_tauri(PathOverrides::default()).unwrap();
        assert!(paths.config_dir.ends_with(IDENTIFIER));
        assert!(paths.data_dir.ends_with(IDENTIFIER));
        assert_eq!(paths.db_override, None);
    }

    #[test]
    fn the_secret_store_is_auto_under_the_identifier_unless_told() {
        let paths = AppPaths::without_tauri(parse(&["clawdesk"]).unwrap().paths).unwrap();
        assert_eq!(paths.secrets, SecretStoreOptions::auto(IDENTIFIER));
        let cli = parse(&["clawdesk", "--keychain-service", "test.svc"]).unwrap();
        let paths = AppPaths::without_tauri(cli.paths).unwrap();
        assert_eq!(paths.secrets.mode, SecretStoreMode::Auto);
        assert_eq!(paths.secrets.service, "test.svc");
        let cli = parse(&["clawdesk", "serve", "--secret-store", "file"]).unwrap();
        let paths = AppPaths::without_tauri(cli.paths).unwrap();
        assert_eq!(paths.secrets, SecretStoreOptions::file_only());
        assert!(parse(&["clawdesk", "serve", "--secret-store", "vault"]).is_err());
        assert_eq!(AppPaths::in_dir("/x").secrets.mode, SecretStoreMode::File);
    }

    #[test]
    fn database_precedence() {
        let mut paths = AppPaths::in_dir("/x");
        assert_eq!(paths.database(None), PathBuf::from("/x/data/clawdesk.db"));
        assert_eq!(paths.database(Some("/y.db")), PathBuf::from("/y.db"));
        paths.db_override = Some("/z.db".into());
        assert_eq!(paths.database(Some("/y.db")), PathBuf::from("/z.db"));
    }
}
