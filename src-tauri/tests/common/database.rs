//! A PostgreSQL database of the test's own on the server that
//! `CLAWDESK_TEST_DATABASE_URL` names (`scripts/with-postgres.sh` starts one
//! and sets it), dropped when the test ends.

use sqlx::postgres::PgConnectOptions;
use sqlx::ConnectOptions;
use std::str::FromStr;

pub struct TestDatabase {
    /// The URL of the test's database (password included, as given).
    pub url: String,
    /// The server's database the test's was created from.
    pub admin: PgConnectOptions,
    pub name: String,
}

impl TestDatabase {
    /// A new empty database, or `None` when `CLAWDESK_SKIP_POSTGRES=1` and
    /// no server is given; panics with how to run the test otherwise.
    pub fn create(prefix: &str) -> Option<Self> {
        let Ok(server) = std::env::var("CLAWDESK_TEST_DATABASE_URL") else {
            if std::env::var("CLAWDESK_SKIP_POSTGRES").as_deref() == Ok("1") {
                return None;
            }
            panic!(
                "CLAWDESK_TEST_DATABASE_URL is not set: run through scripts/with-postgres.sh, \
                 or set CLAWDESK_SKIP_POSTGRES=1 to skip"
            );
        };
        let admin = PgConnectOptions::from_str(&server).unwrap();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("{prefix}_{}_{nanos}", std::process::id());
        let (options, create) = (admin.clone(), format!("CREATE DATABASE {name}"));
        on_own_runtime(async move {
            let mut conn = options.connect().await.unwrap();
            sqlx::query(&create).execute(&mut conn).await.unwrap();
        });
        // The server's URL with the database's name, its parameters kept.
        let (base, query) = server.split_once('?').unwrap_or((&server, ""));
        let mut url = format!("{}/{name}", &base[..base.rfind('/').unwrap()]);
        if !query.is_empty() {
            url = format!("{url}?{query}");
        }
        Some(Self { url, admin, name })
    }

    /// The password of the URL, if it has one.
    pub fn password(&self) -> Option<String> {
        self.url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.rsplit_once('@'))
            .and_then(|(user, _)| user.split_once(':'))
            .map(|(_, password)| password.to_string())
            .filter(|password| !password.is_empty())
    }

    /// One integer from `sql` on the test's database.
    pub fn scalar(&self, sql: &str) -> i64 {
        let options = self.admin.clone().database(&self.name);
        let sql = sql.to_string();
        on_own_runtime(async move {
            let mut conn = options.connect().await.unwrap();
            sqlx::query_scalar(&sql).fetch_one(&mut conn).await.unwrap()
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        on_own_runtime(async move {
            if let Ok(mut conn) = admin.connect().await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
            }
        });
    }
}

/// Runs `work` on a runtime of its own thread, so callers inside or
/// outside a runtime (and Drop) can wait for it.
fn on_own_runtime<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(work)
    })
    .join()
    .unwrap()
}
