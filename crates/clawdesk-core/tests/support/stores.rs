//! The store's tests run against every backend: SQLite in a temporary
//! directory, and PostgreSQL in a fresh database of the server that
//! `CLAWDESK_TEST_DATABASE_URL` names (`scripts/with-postgres.sh` starts one
//! and sets it). Each PostgreSQL test gets its own database, so tests run in
//! parallel; it is dropped when the test's store is.
//!
//! Without the variable the PostgreSQL variants fail, saying how to run
//! them, unless `CLAWDESK_SKIP_POSTGRES=1` says to skip them.
//!
//! [`on_every_store!`] turns `async fn name(backend: Backend)` tests into
//! `sqlite::name` and `postgres::name`.

use clawdesk_core::store::{PgStore, SessionStore, SqliteStore};
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::SqlitePool;
use sqlx::ConnectOptions;
use std::ops::Deref;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

pub const DATABASE_URL_VAR: &str = "CLAWDESK_TEST_DATABASE_URL";
pub const SKIP_VAR: &str = "CLAWDESK_SKIP_POSTGRES";

/// Generates one `#[tokio::test]` per backend for each named
/// `async fn(Backend)` of the calling file.
#[macro_export]
macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::stores::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::support::stores::postgres_skipped() {
                        return;
                    }
                    super::$name($crate::support::stores::Backend::Postgres).await
                }
            )*
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// True when the PostgreSQL variants are to be skipped (and say so); panics
/// with how to run them when no server is given and skipping was not asked.
pub fn postgres_skipped() -> bool {
    if std::env::var_os(DATABASE_URL_VAR).is_some() {
        return false;
    }
    if std::env::var(SKIP_VAR).as_deref() == Ok("1") {
        eprintln!("skipped: {SKIP_VAR}=1 and no {DATABASE_URL_VAR}");
        return true;
    }
    panic!(
        "{DATABASE_URL_VAR} is not set: run the PostgreSQL variants through \
         scripts/with-postgres.sh -- cargo test ... (it starts a throw-away server), \
         or set {SKIP_VAR}=1 to skip them"
    );
}

/// Where a test's store lives.
enum Location {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres {
        /// The test's own database.
        url: String,
        /// The server's database the test database was created from.
        admin: Box<PgConnectOptions>,
        name: String,
    },
}

enum Opened {
    Sqlite(Arc<SqliteStore>),
    Postgres(Arc<PgStore>),
    /// Between closing and reopening.
    Closed,
}

/// A store of one backend on its own empty database.
pub struct TestStore {
    pub backend: Backend,
    opened: Opened,
    location: Location,
}

impl Backend {
    pub async fn open(self) -> TestStore {
        match self {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("nested/clawdesk.db");
                let store = SqliteStore::open(&path).await.unwrap();
                TestStore {
                    backend: self,
                    opened: Opened::Sqlite(Arc::new(store)),
                    location: Location::Sqlite { _dir: dir, path },
                }
            }
            Backend::Postgres => {
                let (url, admin, name) = fresh_database().await;
                let store = PgStore::open(&url).await.unwrap();
                TestStore {
                    backend: self,
                    opened: Opened::Postgres(Arc::new(store)),
                    location: Location::Postgres {
                        url,
                        admin: Box::new(admin),
                        name,
                    },
                }
            }
        }
    }
}

/// A new database on the test server, and a URL to it.
async fn fresh_database() -> (String, PgConnectOptions, String) {
    let server = std::env::var(DATABASE_URL_VAR).unwrap_or_else(|_| {
        postgres_skipped();
        unreachable!("skipped tests do not open a store")
    });
    let admin = PgConnectOptions::from_str(&server)
        .unwrap_or_else(|e| panic!("{DATABASE_URL_VAR} is not a PostgreSQL URL: {e}"));
    let name = format!(
        "clawdesk_t_{}",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    let mut conn = admin
        .connect()
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test server of {DATABASE_URL_VAR}: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    drop(conn);
    let url = replace_database(&server, &name);
    (url, admin, name)
}

/// `url` naming database `name` instead of its own.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |at| at + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |at| scheme_end + at);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

impl TestStore {
    pub fn store(&self) -> Arc<dyn SessionStore> {
        match &self.opened {
            Opened::Sqlite(store) => store.clone(),
            Opened::Postgres(store) => store.clone(),
            Opened::Closed => unreachable!("the store is being reopened"),
        }
    }

    /// The PostgreSQL URL of this test's database (PostgreSQL only).
    pub fn database_url(&self) -> Option<&str> {
        match &self.location {
            Location::Postgres { url, .. } => Some(url),
            Location::Sqlite { .. } => None,
        }
    }

    /// Closes the store and opens its database again (as a restart does).
    /// The caller must hold no other handle to the store.
    pub async fn reopen(&mut self) {
        // Every handle goes first: SQLite's process lock goes with the last.
        match std::mem::replace(&mut self.opened, Opened::Closed) {
            Opened::Sqlite(store) => store.close().await,
            Opened::Postgres(store) => store.close().await,
            Opened::Closed => {}
        }
        self.opened = match &self.location {
            Location::Sqlite { path, .. } => {
                Opened::Sqlite(Arc::new(SqliteStore::open(path).await.unwrap()))
            }
            Location::Postgres { url, .. } => {
                Opened::Postgres(Arc::new(PgStore::open(url).await.unwrap()))
            }
        };
    }

    /// The store's search index agrees with its messages (on PostgreSQL,
    /// the vocabulary's document frequencies too).
    pub async fn check_search_index(&self) {
        match &self.opened {
            Opened::Sqlite(store) => store.check_search_index().await.unwrap(),
            Opened::Postgres(store) => store.check_search_index().await.unwrap(),
            Opened::Closed => unreachable!("the store is being reopened"),
        }
    }

    /// Runs raw SQL on the store's database, in the backend's dialect.
    pub async fn execute(&self, sqlite: &str, postgres: &str) {
        match &self.opened {
            Opened::Sqlite(store) => {
                sqlx::raw_sql(sqlite).execute(store.pool()).await.unwrap();
            }
            Opened::Postgres(store) => {
                sqlx::raw_sql(postgres).execute(store.pool()).await.unwrap();
            }
            Opened::Closed => unreachable!("the store is being reopened"),
        }
    }

    /// One integer from raw SQL, in the backend's dialect.
    pub async fn scalar(&self, sqlite: &str, postgres: &str) -> i64 {
        match &self.opened {
            Opened::Sqlite(store) => sqlx::query_scalar(sqlite)
                .fetch_one(store.pool())
                .await
                .unwrap(),
            Opened::Postgres(store) => sqlx::query_scalar(postgres)
                .fetch_one(store.pool())
                .await
                .unwrap(),
            Opened::Closed => unreachable!("the store is being reopened"),
        }
    }

    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.opened {
            Opened::Sqlite(store) => Some(store.pool()),
            _ => None,
        }
    }

    pub fn pg_pool(&self) -> Option<&PgPool> {
        match &self.opened {
            Opened::Postgres(store) => Some(store.pool()),
            _ => None,
        }
    }
}

impl Deref for TestStore {
    type Target = dyn SessionStore;
    fn deref(&self) -> &Self::Target {
        match &self.opened {
            Opened::Sqlite(store) => &**store,
            Opened::Postgres(store) => &**store,
            Opened::Closed => unreachable!("the store is being reopened"),
        }
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        let Location::Postgres { admin, name, .. } = &self.location else {
            return;
        };
        // Dropped on a thread of its own: Drop cannot await, and the
        // database must not outlive the test on a server someone keeps.
        let (admin, name) = (admin.as_ref().clone(), name.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut conn) = admin.connect().await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}
