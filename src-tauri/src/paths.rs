//! Where ClawDesk keeps its files. Precedence, highest first: command-line
//! options, environment variables (used by tests), the config file's
//! `storage.databasePath`, then Tauri's per-user app directories.

use std::ffi::OsString;
use std::path::PathBuf;

pub const ENV_CONFIG_DIR: &str = "CLAWDESK_CONFIG_DIR";
pub const ENV_DATA_DIR: &str = "CLAWDESK_DATA_DIR";
pub const ENV_DB_PATH: &str = "CLAWDESK_DB_PATH";

/// Overrides given on the command line or in the environment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathOverrides {
    pub config_dir: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub db_path: Option<PathBuf>,
}

impl PathOverrides {
    /// Reads `--config-dir`, `--data-dir` and `--db` (as `--flag value` or
    /// `--flag=value`), falling back to the environment variables.
    pub fn from_args_and_env(args: impl IntoIterator<Item = OsString>) -> Self {
        let mut out = Self::default();
        let mut args = args.into_iter().skip(1).peekable();
        while let Some(arg) = args.next() {
            let arg = arg.to_string_lossy().into_owned();
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) => (f.to_string(), Some(v.to_string())),
                None => (arg, None),
            };
            let slot = match flag.as_str() {
                "--config-dir" => &mut out.config_dir,
                "--data-dir" => &mut out.data_dir,
                "--db" => &mut out.db_path,
                _ => continue,
            };
            let value = inline.or_else(|| args.next().map(|v| v.to_string_lossy().into_owned()));
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                *slot = Some(PathBuf::from(value));
            }
        }
        let env = |name| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        out.config_dir = out.config_dir.or_else(|| env(ENV_CONFIG_DIR));
        out.data_dir = out.data_dir.or_else(|| env(ENV_DATA_DIR));
        out.db_path = out.db_path.or_else(|| env(ENV_DB_PATH));
        out
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
}

impl AppPaths {
    pub fn new(
        overrides: PathOverrides,
        default_config_dir: PathBuf,
        default_data_dir: PathBuf,
    ) -> Self {
        Self {
            config_dir: overrides.config_dir.unwrap_or(default_config_dir),
            data_dir: overrides.data_dir.unwrap_or(default_data_dir),
            db_override: overrides.db_path,
        }
    }

    /// All files under one directory (tests and portable installs).
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        Self {
            config_dir: dir.join("config"),
            data_dir: dir.join("data"),
            db_override: None,
        }
    }

    pub fn database(&self, configured: Option<&str>) -> PathBuf {
        self.db_override
            .clone()
            .or_else(|| configured.map(PathBuf::from))
            .unwrap_or_else(|| self.data_dir.join("clawdesk.db"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_in_both_spellings() {
        let args = [
            "clawdesk",
            "--db",
            "/tmp/a.db",
            "--config-dir=/tmp/c",
            "--unknown",
            "x",
        ];
        let o = PathOverrides::from_args_and_env(args.map(OsString::from));
        assert_eq!(o.db_path, Some(PathBuf::from("/tmp/a.db")));
        assert_eq!(o.config_dir, Some(PathBuf::from("/tmp/c")));
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
