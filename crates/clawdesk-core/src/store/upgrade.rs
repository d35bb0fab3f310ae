//! Bringing a database to the schema this build expects without ever
//! losing what it holds.
//!
//! Before pending migrations run on a database that already has a schema,
//! it is copied next to itself with `VACUUM INTO` (a consistent snapshot,
//! WAL included) as `<file>.backup-v<last applied>-<UTC time>`, and only the
//! newest [`BACKUPS_KEPT`] such copies stay. The pending migrations then run
//! in ONE transaction (each in a savepoint of it): if any fails, none of
//! them is kept and the file is exactly what it was.

use crate::error::AppError;
use chrono::Utc;
use sqlx::migrate::{Migrate, MigrateError, Migration, Migrator};
use sqlx::sqlite::SqlitePool;
use sqlx::Connection;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// How many backups of one database are kept; older ones are deleted.
pub const BACKUPS_KEPT: usize = 3;

/// What [`migrate`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpgradeReport {
    /// The copy made before migrating, when there was something to keep.
    pub backup: Option<PathBuf>,
    /// The migrations applied, in order.
    pub applied: Vec<i64>,
}

/// Applies `migrator`'s pending migrations to the database at `path` (open
/// as `pool`), backing it up first when it already had a schema.
pub async fn migrate(
    pool: &SqlitePool,
    path: &Path,
    migrator: &Migrator,
) -> Result<UpgradeReport, AppError> {
    let mut conn = pool.acquire().await?;
    conn.ensure_migrations_table().await.map_err(refused)?;
    if let Some(version) = conn.dirty_version().await.map_err(refused)? {
        return Err(refused(MigrateError::Dirty(version)));
    }
    let applied: HashMap<i64, Vec<u8>> = conn
        .list_applied_migrations()
        .await
        .map_err(refused)?
        .into_iter()
        .map(|m| (m.version, m.checksum.into_owned()))
        .collect();
    let pending = pending(migrator, &applied)?;
    if pending.is_empty() {
        return Ok(UpgradeReport::default());
    }
    let current = applied.keys().copied().max();
    let backup = match current {
        // A brand-new file has nothing to keep.
        None => None,
        Some(version) => {
            let backup = back_up(pool, path, version).await?;
            tracing::info!(
                backup = %backup.display(),
                "backed up the database at schema version {version} before upgrading it"
            );
            prune_backups(path);
            Some(backup)
        }
    };

    let mut tx = conn.begin().await?;
    for migration in &pending {
        // `apply` opens its own transaction, which inside ours is a savepoint:
        // nothing is committed until every pending migration succeeded.
        if let Err(err) = tx.apply(migration).await {
            // Undoes every migration of this run; were the rollback itself to
            // fail, the connection closes and SQLite discards the transaction.
            let _ = tx.rollback().await;
            return Err(failed(migration, err, current, backup.as_deref()));
        }
    }
    tx.commit().await.map_err(|err| {
        failed(
            pending.last().expect("pending is not empty"),
            MigrateError::Execute(err),
            current,
            backup.as_deref(),
        )
    })?;
    let applied: Vec<i64> = pending.iter().map(|m| m.version).collect();
    tracing::info!(?applied, "database upgraded");
    Ok(UpgradeReport { backup, applied })
}

/// The up-migrations not applied yet, after checking that those applied are
/// the ones this build knows (same versions, same checksums).
fn pending<'m>(
    migrator: &'m Migrator,
    applied: &HashMap<i64, Vec<u8>>,
) -> Result<Vec<&'m Migration>, AppError> {
    let known: HashMap<i64, &Migration> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| (m.version, m))
        .collect();
    for (version, checksum) in applied {
        match known.get(version) {
            None => return Err(refused(MigrateError::VersionMissing(*version))),
            Some(m) if m.checksum.as_ref() != checksum.as_slice() => {
                return Err(refused(MigrateError::VersionMismatch(*version)))
            }
            Some(_) => {}
        }
    }
    let mut pending: Vec<&Migration> = known
        .into_values()
        .filter(|m| !applied.contains_key(&m.version))
        .collect();
    pending.sort_by_key(|m| m.version);
    Ok(pending)
}

/// The name of a backup of `database` taken at schema `version` at `stamp`.
fn backup_path(database: &Path, version: i64, stamp: &str) -> PathBuf {
    let mut name = database
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "clawdesk.db".into());
    name.push(format!(".backup-v{version}-{stamp}"));
    database.with_file_name(name)
}

async fn back_up(pool: &SqlitePool, database: &Path, version: i64) -> Result<PathBuf, AppError> {
    // Fixed width, so names sort by time; no ':' (not allowed on every system).
    let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string();
    let target = backup_path(database, version, &stamp);
    let Some(target_text) = target.to_str() else {
        return Err(AppError::storage(format!(
            "cannot back up the database before upgrading it: {} is not valid UTF-8",
            target.display()
        )));
    };
    sqlx::query("VACUUM INTO ?")
        .bind(target_text)
        .execute(pool)
        .await
        .map_err(|err| {
            AppError::storage(format!(
                "the database was not upgraded because it could not be backed up to {} first: {err}",
                target.display()
            ))
        })?;
    Ok(target)
}

/// Every backup of `database`, oldest first.
pub fn list_backups(database: &Path) -> Vec<PathBuf> {
    let Some(name) = database.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    let prefix = format!("{name}.backup-v");
    let dir = match database.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut backups: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let file = entry.file_name().to_str()?.to_owned();
            let rest = file.strip_prefix(&prefix)?;
            // "<version>-<stamp>": order by the time, whatever the version.
            let (_, stamp) = rest.split_once('-')?;
            Some((stamp.to_owned(), entry.path()))
        })
        .collect();
    backups.sort();
    backups.into_iter().map(|(_, path)| path).collect()
}

/// Deletes all but the newest [`BACKUPS_KEPT`] backups. Failing to delete
/// one is only logged: an extra copy harms nobody.
fn prune_backups(database: &Path) {
    let backups = list_backups(database);
    let surplus = backups.len().saturating_sub(BACKUPS_KEPT);
    for old in &backups[..surplus] {
        match std::fs::remove_file(old) {
            Ok(()) => tracing::info!(backup = %old.display(), "deleted an old database backup"),
            Err(err) => {
                tracing::warn!(backup = %old.display(), "cannot delete an old backup: {err}")
            }
        }
    }
}

/// The database's migration history does not fit this build (written by a
/// newer one, edited, or half-migrated by a tool): nothing was changed.
fn refused(err: MigrateError) -> AppError {
    AppError::storage(format!(
        "the database's schema cannot be upgraded by this version ({err}); it was not changed"
    ))
}

fn failed(
    migration: &Migration,
    err: MigrateError,
    current: Option<i64>,
    backup: Option<&Path>,
) -> AppError {
    let cause = match err {
        MigrateError::ExecuteMigration(err, _) | MigrateError::Execute(err) => err.to_string(),
        other => other.to_string(),
    };
    let kept = match current {
        Some(version) => format!("the database was left unchanged at schema version {version}"),
        None => "the new database was left empty".to_owned(),
    };
    let copy = backup
        .map(|b| format!("; a copy made before the upgrade is {}", b.display()))
        .unwrap_or_default();
    AppError::storage(format!(
        "migration {} ({}) failed: {cause}; {kept}{copy}",
        migration.version, migration.description
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names_carry_version_and_time_and_list_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("clawdesk.db");
        let names = [
            backup_path(&db, 3, "20261130T230000.002Z"),
            backup_path(&db, 2, "20261130T230000.001Z"),
            backup_path(&db, 4, "20261130T230000.003Z"),
        ];
        assert_eq!(
            names[0].file_name().unwrap(),
            "clawdesk.db.backup-v3-20261130T230000.002Z"
        );
        for name in &names {
            std::fs::write(name, b"").unwrap();
        }
        std::fs::write(dir.path().join("clawdesk.db-wal"), b"").unwrap();
        std::fs::write(dir.path().join("other.db.backup-v1-x"), b"").unwrap();
        assert_eq!(
            list_backups(&db),
            [names[1].clone(), names[0].clone(), names[2].clone()]
        );
    }

    #[test]
    fn pruning_keeps_the_newest_three() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("clawdesk.db");
        for i in 0..5 {
            std::fs::write(backup_path(&db, i, &format!("2026113{i}T000000.000Z")), b"").unwrap();
        }
        prune_backups(&db);
        let left: Vec<_> = list_backups(&db)
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            left,
            [
                "clawdesk.db.backup-v2-20261132T000000.000Z",
                "clawdesk.db.backup-v3-20261133T000000.000Z",
                "clawdesk.db.backup-v4-20261134T000000.000Z"
            ]
        );
    }
}
