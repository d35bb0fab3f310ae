//! The PostgreSQL database a benchmark runs on: a fresh one on the server
//! `scripts/with-postgres.sh` starts (`CLAWDESK_TEST_DATABASE_URL`).

use sqlx::ConnectOptions;
use std::str::FromStr;

/// A fresh, empty database `<prefix>_<pid>` (one left by an earlier run of
/// the same process id is dropped first), and its URL.
pub async fn postgres_database(prefix: &str) -> String {
    let server = std::env::var("CLAWDESK_TEST_DATABASE_URL").expect(
        "CLAWDESK_TEST_DATABASE_URL names a PostgreSQL server: run this bench through \
         scripts/with-postgres.sh",
    );
    let name = format!("{prefix}_{}", std::process::id());
    let mut admin = sqlx::postgres::PgConnectOptions::from_str(&server)
        .unwrap()
        .connect()
        .await
        .unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}
