//! The [`Secret`] type, and the file store of secrets: a `secrets.toml`
//! next to the config that only the user can read (mode 0600), written
//! atomically. The OS keychain is preferred where one answers (see
//! `secret_store`); many Linux sessions (and CI machines) have none, and
//! the file works everywhere.

use crate::error::{AppError, AppResult};
use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A secret string that never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The raw value, for the one place that needs it: the request header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

pub(crate) struct SecretsFile {
    path: PathBuf,
}

impl SecretsFile {
    pub fn new(dir: &Path) -> Self {
        Self {
            path: dir.join("secrets.toml"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    /// Deletes the file (after its entries moved elsewhere).
    pub fn remove(&self) -> AppResult<()> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(AppError::storage(format!(
                "cannot remove {}: {e}",
                self.path.display()
            ))),
        }
    }

    pub fn load(&self) -> AppResult<BTreeMap<String, Secret>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(AppError::storage(format!("cannot read secrets file: {e}"))),
        };
        // Never echo the parser's message: it may quote the file's content.
        let table: BTreeMap<String, String> = toml::from_str(&text).map_err(|_| {
            AppError::storage(format!(
                "secrets file {} is not valid TOML",
                self.path.display()
            ))
        })?;
        Ok(table.into_iter().map(|(k, v)| (k, Secret(v))).collect())
    }

    pub fn save(&self, secrets: &BTreeMap<String, Secret>) -> AppResult<()> {
        let table: BTreeMap<&str, &str> = secrets
            .iter()
            .map(|(k, v)| (k.as_str(), v.expose()))
            .collect();
        let text = toml::to_string(&table).map_err(AppError::internal)?;
        write_atomically(&self.path, text.as_bytes(), true)
    }
}

/// Writes to a temporary file in the same directory, fsyncs it, and renames
/// it over `path`, so readers see the old or the new file, never half of one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8], private: bool) -> AppResult<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| AppError::storage(format!("cannot create {}: {e}", dir.display())))?;
    let io = |e: std::io::Error| AppError::storage(format!("cannot write {}: {e}", path.display()));
    // NamedTempFile is created with mode 0600 on Unix.
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    #[cfg(unix)]
    if !private {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644)).map_err(io)?;
    }
    #[cfg(not(unix))]
    let _ = private;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}
