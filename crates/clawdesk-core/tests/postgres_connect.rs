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

#[tokio::test]
async fn sslmode_require_on_a_server_without_tls_says_so() {
    if postgres_skipped() {
        return;
    }
    let err = match PgStore::open(&with_sslmode("require")).await {
        Ok(_) => panic!("the test server has no TLS: require cannot be met"),
        Err(err) => err,
    };
    let message = storage_message(err);
    eprintln!("sslmode=require: {message}");
    assert!(message.contains("TLS"), "{message}");
    // Not the build's limit (what it said before rustls was in): the server's.
    assert!(!message.contains("without TLS support"), "{message}");
    assert!(!message.contains("not enabled"), "{message}");
    assert!(message.contains(":***@"), "password masked: {message}");
}

#[tokio::test]
async fn sslmode_prefer_falls_back_to_a_plain_connection() {
    if postgres_skipped() {
        return;
    }
    let store = PgStore::open(&with_sslmode("prefer")).await.unwrap();
    store.ping().await.unwrap();
    store.close().await;
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
