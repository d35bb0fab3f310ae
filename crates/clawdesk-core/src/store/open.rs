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

    /// Opens the store. Never fails: a database that cannot be opened gives
    /// a store that answers every call with its `storage` error (and an
    /// unhealthy health check); a SQLite file is left untouched.
    pub async fn open(&self) -> Arc<dyn SessionStore> {
        self.open_shared(None).await.0
    }

    /// [`StoreTarget::open`], and on PostgreSQL this process joined to the
    /// others on the same database (see [`crate::cluster`]) when `cluster`
    /// gives the timing. SQLite, or a database that cannot be reached, is
    /// [`Solo`].
    pub async fn open_shared(
        &self,
        cluster: Option<ClusterOptions>,
    ) -> (Arc<dyn SessionStore>, Arc<dyn Cluster>) {
        let opened: crate::AppResult<(Arc<dyn SessionStore>, Arc<dyn Cluster>)> = match self {
            Self::Sqlite(path) => SqliteStore::open(path)
                .await
                .map(|store| (Arc::new(store) as Arc<dyn SessionStore>, solo())),
            Self::Postgres(url) => match PgStore::open(url.expose()).await {
                Ok(store) => {
                    let joined = match cluster {
                        Some(options) => PgCluster::join(&store, options)
                            .await
                            .map(|cluster| cluster as Arc<dyn Cluster>),
                        None => Ok(solo()),
                    };
                    joined.map(|cluster| (Arc::new(store) as Arc<dyn SessionStore>, cluster))
                }
                Err(err) => Err(err),
            },
        };
        match opened {
            Ok(opened) => {
                let shown = self.status().location;
                tracing::info!(kind = ?self.status().kind, location = %shown, "store open");
                opened
            }
            Err(err) => {
                // Errors of either store show a URL masked (see PgStore::open).
                tracing::error!("the store is unavailable: {err}");
                (Arc::new(UnavailableStore::new(err)), solo())
            }
        }
    }
}

fn solo() -> Arc<dyn Cluster> {
    Arc::new(Solo)
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
