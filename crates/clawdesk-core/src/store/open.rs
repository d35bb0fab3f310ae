//! Which store the backend runs on: PostgreSQL when a database URL is
//! given (`CLAWDESK_DATABASE_URL`, read by the transport, wins over the
//! config's `storage.databaseUrl` secret), else the SQLite file, with
//! nothing to configure.

use super::database_url::mask_database_url;
use super::{PgStore, SessionStore, SqliteStore, UnavailableStore};
use crate::cluster::{Cluster, ClusterOptions, PgCluster, Solo};
use crate::config::Secret;
use crate::types::{StorageKind, StorageStatus};
use std::path::PathBuf;
use std::sync::Arc;

/// The environment variable naming a PostgreSQL database; the transport
/// reads it (the core never reads the environment) and it wins over
/// `storage.databaseUrl`.
pub const DATABASE_URL_ENV: &str = "CLAWDESK_DATABASE_URL";

/// Where the sessions are.
#[derive(Debug, Clone)]
pub enum StoreTarget {
    Sqlite(PathBuf),
    /// A `postgres://` URL (a secret: it may hold a password).
    Postgres(Secret),
}

impl StoreTarget {
    /// The URL given (`from_env` first, then `configured`) if any, else the
    /// SQLite file `path` names. An empty value counts as not given.
    pub fn choose(
        from_env: Option<Secret>,
        configured: Option<Secret>,
        path: impl FnOnce() -> PathBuf,
    ) -> Self {
        match from_env
            .filter(|url| !url.expose().trim().is_empty())
            .or(configured)
        {
            Some(url) => Self::Postgres(url),
            None => Self::Sqlite(path()),
        }
    }

    /// What health shows: the kind, and the file or the masked URL.
    pub fn status(&self) -> StorageStatus {
        match self {
            Self::Sqlite(path) => StorageStatus {
                kind: StorageKind::Sqlite,
                location: path.display().to_string(),
            },
            Self::Postgres(url) => StorageStatus {
                kind: StorageKind::Postgres,
                location: mask_database_url(url.expose()),
            },
        }
    }

    /// Opens the store, and on PostgreSQL joins this process to the others
    /// on the same database (see [`crate::cluster`]) with `cluster`'s
    /// timing; on SQLite the cluster is [`Solo`]. Never fails: a database
    /// that cannot be opened gives a store that answers every call with its
    /// `storage` error (and an unhealthy health check), and [`Solo`]; a
    /// SQLite file is left untouched.
    pub async fn open(&self, cluster: ClusterOptions) -> (Arc<dyn SessionStore>, Arc<dyn Cluster>) {
        match self.try_open(cluster).await {
            Ok(opened) => {
                let shown = self.status().location;
                tracing::info!(kind = ?self.status().kind, location = %shown, "store open");
                opened
            }
            Err(err) => {
                // Errors of either store show a URL masked (see PgStore::open).
                tracing::error!("the store is unavailable: {err}");
                (Arc::new(UnavailableStore::new(err)), Arc::new(Solo))
            }
        }
    }

    async fn try_open(
        &self,
        cluster: ClusterOptions,
    ) -> crate::AppResult<(Arc<dyn SessionStore>, Arc<dyn Cluster>)> {
        match self {
            Self::Sqlite(path) => {
                let store: Arc<dyn SessionStore> = Arc::new(SqliteStore::open(path).await?);
                Ok((store, Arc::new(Solo)))
            }
            Self::Postgres(url) => {
                let store = PgStore::open(url.expose()).await?;
                let cluster: Arc<dyn Cluster> = PgCluster::join(&store, cluster).await?;
                Ok((Arc::new(store), cluster))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_wins_and_nothing_set_is_sqlite() {
        let file = || PathBuf::from("/data/clawdesk.db");
        let env = Some(Secret::new("postgres://a:pw@env/db"));
        let configured = Some(Secret::new("postgres://b:pw@config/db"));
        match StoreTarget::choose(env, configured.clone(), file) {
            StoreTarget::Postgres(url) => assert!(url.expose().contains("@env/")),
            other => panic!("{other:?}"),
        }
        match StoreTarget::choose(Some(Secret::new(" ")), configured, file) {
            StoreTarget::Postgres(url) => assert!(url.expose().contains("@config/")),
            other => panic!("{other:?}"),
        }
        let target = StoreTarget::choose(None, None, file);
        assert!(matches!(&target, StoreTarget::Sqlite(p) if p == &file()));
        assert_eq!(target.status().kind, StorageKind::Sqlite);
        let shown = StoreTarget::Postgres(Secret::new("postgres://a:hunter2@h/db")).status();
        assert_eq!(shown.location, "postgres://a:***@h/db");
    }
}
