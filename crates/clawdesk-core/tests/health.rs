//! `get_health` against real providers (the loopback double) and addresses
//! that do not answer: it reports what answers, says what to do when
//! nothing does, and never waits on the network itself.

mod support;

use clawdesk_core::health::{assess, HealthInputs};
use clawdesk_core::registry::ChannelRegistry;
use clawdesk_core::types::{HealthLevel, HealthStatus, ProviderState, SecretStoreKind};
use serde_json::json;
use std::time::{Duration, Instant};
use support::{Harness, Wire};

async fn health(h: &Harness, registry: &clawdesk_core::registry::ProviderRegistry) -> HealthStatus {
    assess(HealthInputs {
        store: h.store.as_ref(),
        config: &h.config,
        providers: registry,
        channels: &ChannelRegistry::new(),
        uptime: Duration::from_secs(1),
        log_directory: None,
        storage: &clawdesk_core::types::StorageStatus {
            kind: clawdesk_core::types::StorageKind::Sqlite,
            location: h.dir.path().join("clawdesk.db").display().to_string(),
        },
        cluster: &clawdesk_core::cluster::Solo,
    })
    .await
}

/// Polls health until no provider is still being checked (panics after 10 s).
async fn settled(
    h: &Harness,
    registry: &clawdesk_core::registry::ProviderRegistry,
) -> HealthStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = health(h, registry).await;
        if status
            .providers
            .iter()
            .all(|p| p.status != ProviderState::Checking)
        {
            return status;
        }
        assert!(Instant::now() < deadline, "still checking: {status:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn state_of(status: &HealthStatus, name: &str) -> ProviderState {
    status
        .providers
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} not reported"))
        .status
}

/// A loopback URL nothing listens on (the port was just free).
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn an_answering_provider_is_ready_and_counted() {
    let h = Harness::start(Wire::Ollama).await;
    h.set("providers.anthropic.enabled", json!(true));
    let registry = clawdesk_core::registry::ProviderRegistry::with_config_manager(h.config.clone());
    let status = settled(&h, &registry).await;
    assert_eq!(status.status, HealthLevel::Healthy, "{status:?}");
    assert_eq!(status.providers_active, 1);
    assert_eq!(state_of(&status, "ollama"), ProviderState::Ready);
    assert_eq!(state_of(&status, "anthropic"), ProviderState::NeedsKey);
    assert_eq!(state_of(&status, "openai"), ProviderState::Disabled);
    let ollama = status
        .providers
        .iter()
        .find(|p| p.name == "ollama")
        .unwrap();
    assert!(ollama.checked_at.is_some());
    assert_eq!(status.checks[2].detail, "answering: ollama");
    // Where the secrets are: this harness keeps them in its secrets.toml.
    assert_eq!(status.secret_store.kind, SecretStoreKind::File);
    assert!(
        status.secret_store.detail.starts_with(
            &h.config
                .file_path()
                .with_file_name("secrets.toml")
                .display()
                .to_string()
        ),
        "{}",
        status.secret_store.detail
    );
}

#[tokio::test]
async fn nothing_reachable_is_degraded_and_says_what_to_do() {
    let h = Harness::start(Wire::Ollama).await;
    let unreachable = closed_port_url();
    h.set("providers.ollama.baseUrl", json!(unreachable));
    h.set("providers.anthropic.enabled", json!(true));
    h.set("providers.openai.enabled", json!(true));
    let registry = clawdesk_core::registry::ProviderRegistry::with_config_manager(h.config.clone());
    let status = settled(&h, &registry).await;
    assert_eq!(status.status, HealthLevel::Degraded);
    assert_eq!(status.providers_active, 0);
    assert_eq!(state_of(&status, "ollama"), ProviderState::Unreachable);
    assert_eq!(state_of(&status, "anthropic"), ProviderState::NeedsKey);
    assert_eq!(state_of(&status, "openai"), ProviderState::NeedsKey);
    let host = unreachable.trim_start_matches("http://");
    assert_eq!(
        status.checks[2].detail,
        format!(
            "No provider can answer: add an Anthropic or OpenAI key in Settings, \
             or start Ollama on {host}"
        )
    );
    // The check is cached: asking again reports the same check.
    let checked_at = |s: &HealthStatus| {
        s.providers
            .iter()
            .find(|p| p.name == "ollama")
            .and_then(|p| p.checked_at.clone())
    };
    tokio::time::sleep(Duration::from_millis(5)).await;
    let again = settled(&h, &registry).await;
    assert_eq!(checked_at(&again), checked_at(&status));

    // Pointing Ollama at a server that answers is seen without a restart.
    h.set("providers.ollama.baseUrl", json!(h.double.base_url()));
    let status = settled(&h, &registry).await;
    assert_eq!(state_of(&status, "ollama"), ProviderState::Ready);
    assert_eq!(status.status, HealthLevel::Healthy);
}

#[tokio::test]
async fn health_never_waits_for_a_provider_that_does_not_answer() {
    let h = Harness::start(Wire::Ollama).await;
    // Accepts connections (the kernel does) but never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    h.set("providers.ollama.baseUrl", json!(url));
    let registry = clawdesk_core::registry::ProviderRegistry::with_config_manager(h.config.clone());
    let started = Instant::now();
    let status = health(&h, &registry).await;
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(state_of(&status, "ollama"), ProviderState::Checking);
    assert_eq!(status.providers_active, 0);
    // The background check gives up after its bound and reports it.
    let status = settled(&h, &registry).await;
    assert_eq!(state_of(&status, "ollama"), ProviderState::Unreachable);
    drop(silent);
}
