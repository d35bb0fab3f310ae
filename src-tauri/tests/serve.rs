//! `clawdesk serve`: the built binary, with no window, on a temporary
//! directory and a port of the OS's choosing, answers over HTTP with the
//! token it stored, and stops when told.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Tests reach only loopback servers they start.
const HERMETIC_CONFIG: &str = "\
[providers.anthropic]
enabled = false

[providers.openai]
enabled = false

[providers.ollama]
enabled = false
";

/// The server, killed if the test fails before stopping it.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[test]
fn serve_answers_get_health_with_its_token() {
    let dir = tempfile::tempdir().unwrap();
    let config_dir = dir.path().join("config");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(config_dir.join("config.toml"), HERMETIC_CONFIG).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_clawdesk"))
        .args(["serve", "--port", "0"])
        .env("CLAWDESK_CONFIG_DIR", &config_dir)
        .env("CLAWDESK_DATA_DIR", dir.path().join("data"))
        .env_remove("CLAWDESK_DB_PATH")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().expect("serve printed its address").unwrap();
    let url = first
        .split_whitespace()
        .find(|word| word.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_string();
    let second = lines.next().unwrap().unwrap();
    let secrets = config_dir.join("secrets.toml");
    assert!(second.contains(&secrets.display().to_string()), "{second}");

    // The token, where serve said it is.
    let text = std::fs::read_to_string(&secrets).unwrap();
    let token = text
        .lines()
        .find_map(|line| line.strip_prefix("\"gateway.token\" = "))
        .unwrap_or_else(|| panic!("no gateway.token in {text}"))
        .trim_matches('"')
        .to_string();
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
            .args(["-TERM", &child.0.id().to_string()])
            .status()
            .unwrap();
        assert!(stopped.success());
        let status = child.0.wait().unwrap();
        assert!(status.success(), "{status:?}");
    }
    #[cfg(not(unix))]
    {
        child.0.kill().unwrap();
        child.0.wait().unwrap();
    }
}
