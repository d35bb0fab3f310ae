//! `clawdesk serve`: the built binary, with no window, on a temporary
//! directory and a port of the OS's choosing, answers over HTTP with the
//! token it stored, and stops when told.

mod common;

use common::serve::ServeProcess;
use common::write_hermetic_config;
use serde_json::Value;
use std::process::Command;
use std::time::Duration;

#[test]
fn serve_answers_get_health_with_its_token() {
    let dir = tempfile::tempdir().unwrap();
    let config_dir = dir.path().join("config");
    write_hermetic_config(&config_dir);
    let mut server = ServeProcess::start(&config_dir, &dir.path().join("data"));
    let (url, token, second) = (
        server.url.clone(),
        server.token.clone(),
        server.token_notice.clone(),
    );
    let secrets = config_dir.join("secrets.toml");
    assert!(second.contains(&secrets.display().to_string()), "{second}");

    assert_eq!(token.len(), 64);
    assert!(!second.contains(&token), "the token itself is not printed");
    assert!(!std::fs::read_to_string(config_dir.join("config.toml"))
        .unwrap_or_default()
        .contains(&token));

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (status, body) = runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(format!("{url}/v1/commands/get_health"))
            .bearer_auth(&token)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap();
        (response.status(), response.json::<Value>().await.unwrap())
    });
    assert_eq!(status, 200, "{body}");
    assert!(body["status"].is_string(), "{body}");
    let unauthenticated = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{url}/v1/commands/get_health"))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(unauthenticated, 401);

    // SIGTERM: a clean stop.
    #[cfg(unix)]
    {
        let stopped = Command::new("kill")
            .args(["-TERM", &server.child.id().to_string()])
            .status()
            .unwrap();
        assert!(stopped.success());
        let status = server.child.wait().unwrap();
        assert!(status.success(), "{status:?}");
    }
    #[cfg(not(unix))]
    {
        server.child.kill().unwrap();
        server.child.wait().unwrap();
    }
}

/// `serve` on the real secret-store choice: with a Secret Service (`make
/// test-keychain` runs this on a private gnome-keyring) the token goes to
/// the keychain, no secrets.toml is written, and `get_health` says so. Only
/// there: elsewhere it would leave an entry in the keychain of whoever runs
/// the tests.
#[test]
fn serve_keeps_its_token_in_the_keychain_where_one_answers() {
    if std::env::var("CLAWDESK_TEST_REQUIRE_KEYCHAIN").as_deref() != Ok("1") {
        eprintln!("skipped: runs on the private Secret Service of `make test-keychain`");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config_dir = dir.path().join("config");
    write_hermetic_config(&config_dir);
    let service = format!("dev.clawdesk.test.serve.{}", std::process::id());
    let server = ServeProcess::start_with(&config_dir, &dir.path().join("data"), Some(&service));
    assert!(
        server.token_notice.contains("in the OS keychain")
            && server.token_notice.contains(&service),
        "{}",
        server.token_notice
    );
    assert!(!server.token_notice.contains(&server.token));
    assert!(!config_dir.join("secrets.toml").exists());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let body = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/v1/commands/get_health", server.url))
            .bearer_auth(&server.token)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    });
    assert_eq!(body["secretStore"]["kind"], "keychain", "{body}");
    assert!(body["secretStore"]["detail"]
        .as_str()
        .unwrap()
        .contains(&service));
}

/// `CLAWDESK_DATABASE_URL` puts serve's sessions on that PostgreSQL server
/// (`scripts/with-postgres.sh` gives the tests one): health says so with the
/// password masked, the sessions are in the server's tables, no SQLite file
/// is made, and the password is in no response and no log file.
#[test]
fn serve_keeps_its_sessions_on_the_server_of_clawdesk_database_url() {
    let Some(database) = common::database::TestDatabase::create("clawdesk_serve") else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (url, name, password) = (&database.url, &database.name, database.password());

    let dir = tempfile::tempdir().unwrap();
    let config_dir = dir.path().join("config");
    let data_dir = dir.path().join("data");
    write_hermetic_config(&config_dir);
    let serve = ServeProcess::start_on_database(&config_dir, &data_dir, url);
    let call = |command: &str, body: Value| -> Value {
        runtime.block_on(async {
            let response = reqwest::Client::new()
                .post(format!("{}/v1/commands/{command}", serve.url))
                .bearer_auth(&serve.token)
                .json(&body)
                .timeout(Duration::from_secs(10))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        })
    };
    let health = call("get_health", serde_json::json!({}));
    assert_eq!(health["storage"]["kind"], "postgres", "{health}");
    let location = health["storage"]["location"].as_str().unwrap();
    assert!(location.ends_with(&format!("/{name}")), "{location}");
    let created = call("create_session", serde_json::json!({}));
    assert!(
        created["id"].as_str().unwrap().starts_with("sess_"),
        "{created}"
    );
    if let Some(password) = &password {
        assert!(!health.to_string().contains(password.as_str()), "{health}");
        assert!(location.contains(":***@"), "{location}");
    }

    let stored = database.scalar("SELECT count(*) FROM sessions");
    assert_eq!(stored, 1);
    assert!(!data_dir.join("clawdesk.db").exists(), "no SQLite file");
    drop(serve);
    if let Some(password) = &password {
        for entry in std::fs::read_dir(data_dir.join("logs")).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            assert!(
                !text.contains(password.as_str()),
                "the log holds the password"
            );
        }
    }
}
