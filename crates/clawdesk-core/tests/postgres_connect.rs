//! Opening a PostgreSQL store: TLS as the URL's `sslmode` asks (this build
//! has rustls), a refused server failing at once, and a server that never
//! answers bounded by `CONNECT_TIMEOUT` instead of the pool's 10 s. Each
//! failure is one `storage` error naming the URL with its password masked.
//!
//! The TLS cases need the test server of `CLAWDESK_TEST_DATABASE_URL`
//! (`scripts/with-postgres.sh`, whose server has no TLS); the timeouts use
//! loopback ports of their own.

mod support;

use clawdesk_core::store::{PgStore, SessionStore, CONNECT_TIMEOUT};
use clawdesk_core::AppError;
use std::time::{Duration, Instant};
use support::stores::{postgres_skipped, DATABASE_URL_VAR};

/// The test server's URL with `sslmode` set.
fn with_sslmode(mode: &str) -> String {
    let url = std::env::var(DATABASE_URL_VAR).unwrap();
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}sslmode={mode}")
}

fn storage_message(err: AppError) -> String {
    match err {
        AppError::Storage { message } => message,
        other => panic!("expected a storage error, got {other:?}"),
    }
}

/// Whether the test server has TLS on (`WITH_POSTGRES_TLS=1`).
async fn server_has_tls() -> bool {
    let store = PgStore::open(&with_sslmode("disable")).await.unwrap();
    let ssl: String = sqlx::query_scalar("SHOW ssl")
        .fetch_one(store.pool())
        .await
        .unwrap();
    store.close().await;
    ssl == "on"
}

/// Whether the store's connections are encrypted.
async fn encrypted(store: &PgStore) -> bool {
    sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// `sslmode=require`: on a server without TLS (with-postgres.sh's default)
/// a storage error saying the server has no TLS, not that this build
/// lacks it (what it said before rustls was in); on a server with TLS
/// (`WITH_POSTGRES_TLS=1`), an encrypted connection.
#[tokio::test]
async fn sslmode_require_encrypts_or_says_the_server_has_no_tls() {
    if postgres_skipped() {
        return;
    }
    let opened = PgStore::open(&with_sslmode("require")).await;
    if server_has_tls().await {
        let store = opened.unwrap();
        assert!(encrypted(&store).await);
        store.close().await;
        return;
    }
    let err = match opened {
        Ok(_) => panic!("the test server has no TLS: require cannot be met"),
        Err(err) => err,
    };
    let message = storage_message(err);
    eprintln!("sslmode=require: {message}");
    assert!(message.contains("TLS"), "{message}");
    assert!(message.contains("server does not support TLS"), "{message}");
    assert!(!message.contains("without TLS support"), "{message}");
    assert!(!message.contains("not enabled"), "{message}");
    assert!(message.contains(":***@"), "password masked: {message}");
}

/// `sslmode=prefer` (the default) connects either way: encrypted when the
/// server offers TLS, plain when it does not.
#[tokio::test]
async fn sslmode_prefer_uses_tls_when_offered_and_plain_otherwise() {
    if postgres_skipped() {
        return;
    }
    let store = PgStore::open(&with_sslmode("prefer")).await.unwrap();
    store.ping().await.unwrap();
    assert_eq!(encrypted(&store).await, server_has_tls().await);
    store.close().await;
}

/// `sslmode=verify-full` checks the certificate: with the test CA given
/// (`sslrootcert`) it connects; with the built-in roots only, the
/// self-made certificate is refused, as a storage error. Needs
/// `WITH_POSTGRES_TLS=1` (which sets `CLAWDESK_TEST_DATABASE_CA`).
#[tokio::test]
async fn sslmode_verify_full_checks_the_certificate() {
    if postgres_skipped() {
        return;
    }
    let Ok(ca) = std::env::var("CLAWDESK_TEST_DATABASE_CA") else {
        eprintln!("skipped: the test server has no TLS (WITH_POSTGRES_TLS=1 gives it)");
        return;
    };
    let trusted = format!("{}&sslrootcert={ca}", with_sslmode("verify-full"));
    let store = PgStore::open(&trusted).await.unwrap();
    assert!(encrypted(&store).await);
    store.close().await;
    let err = match PgStore::open(&with_sslmode("verify-full")).await {
        Ok(_) => panic!("a certificate of an unknown CA was accepted"),
        Err(err) => err,
    };
    let message = storage_message(err);
    eprintln!("verify-full without the CA: {message}");
    assert!(message.contains("invalid peer certificate"), "{message}");
}

/// A loopback port nobody listens on (bound by the kernel, then released).
fn refused_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_refused_connection_fails_at_once() {
    let url = format!(
        "postgres://clawdesk:hunter2@127.0.0.1:{}/clawdesk",
        refused_port()
    );
    let started = Instant::now();
    let err = match PgStore::open(&url).await {
        Ok(_) => panic!("nobody listens there"),
        Err(err) => err,
    };
    let took = started.elapsed();
    eprintln!("refused connection reported after {took:?}");
    let message = storage_message(err);
    assert!(message.contains("cannot connect to"), "{message}");
    assert!(message.contains(":***@127.0.0.1"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    // Not retried until a timeout: the refusal is the answer.
    assert!(took < CONNECT_TIMEOUT, "took {took:?}");
}

#[tokio::test]
async fn a_server_that_never_answers_is_given_up_on_after_the_connect_timeout() {
    // Accepts connections (the kernel completes them from the backlog) and
    // never says a word, like a host whose server hangs.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "postgres://clawdesk:hunter2@{}/clawdesk",
        silent.local_addr().unwrap()
    );
    let started = Instant::now();
    let err = match PgStore::open(&url).await {
        Ok(_) => panic!("a silent server cannot be connected to"),
        Err(err) => err,
    };
    let took = started.elapsed();
    eprintln!("silent server given up on after {took:?}");
    let message = storage_message(err);
    assert!(message.contains("no answer within 3 s"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    assert!(took >= CONNECT_TIMEOUT, "took {took:?}");
    // Well short of the pool's 10 s acquire timeout, which it used to wait.
    assert!(
        took < CONNECT_TIMEOUT + Duration::from_secs(3),
        "took {took:?}"
    );
    drop(silent);
}
