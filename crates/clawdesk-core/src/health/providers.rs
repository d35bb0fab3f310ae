//! Per-provider health from the config and the latest reachability probe,
//! and the `providers` check, whose detail tells the user what to do next
//! when nothing can answer.

use crate::config::{AppConfig, ProviderConfig, ProviderKind};
use crate::error::FailureCode;
use crate::reachability::{ProbeOutcome, ProbeSnapshot};
use crate::time::rfc3339_from_ms;
use crate::types::{HealthCheck, HealthLevel, ProviderHealth, ProviderState};

/// Every configured provider entry, in config order, as far as `latest`
/// (the newest probe, fresh or not) knows it.
pub fn provider_health(config: &AppConfig, latest: Option<&ProbeSnapshot>) -> Vec<ProviderHealth> {
    config
        .providers
        .iter()
        .map(|(name, provider)| one(name, provider, latest))
        .collect()
}

fn one(name: &str, provider: &ProviderConfig, latest: Option<&ProbeSnapshot>) -> ProviderHealth {
    let report = |status, detail: String, checked_at: Option<String>| ProviderHealth {
        name: name.to_string(),
        kind: provider.kind,
        status,
        detail,
        checked_at,
    };
    if !provider.enabled {
        return report(
            ProviderState::Disabled,
            "turned off in Settings".into(),
            None,
        );
    }
    if provider.requires_api_key() && !provider.api_key_set {
        return report(
            ProviderState::NeedsKey,
            format!("add an API key for {} in Settings", display_name(name)),
            None,
        );
    }
    let Some((snapshot, probe)) =
        latest.and_then(|s| s.probe_of(name, provider).map(|probe| (s, probe)))
    else {
        return report(
            ProviderState::Checking,
            "checking whether it answers".into(),
            None,
        );
    };
    let checked_at = Some(rfc3339_from_ms(snapshot.finished_at_ms));
    match &probe.outcome {
        ProbeOutcome::Answered { models, elapsed } => report(
            ProviderState::Ready,
            format!(
                "answered in {} ms, serving {} model{}",
                elapsed.as_millis(),
                models.len(),
                if models.len() == 1 { "" } else { "s" }
            ),
            checked_at,
        ),
        // It answers, but not to this key: the user's next step is the key.
        ProbeOutcome::Failed(failure) if failure.code == FailureCode::Auth => report(
            ProviderState::NeedsKey,
            format!("the API key was refused: {}", failure.message),
            checked_at,
        ),
        ProbeOutcome::Failed(failure) => report(
            ProviderState::Unreachable,
            format!("{}: {}", provider.base_url, failure.message),
            checked_at,
        ),
    }
}

/// The `providers` check: healthy when at least one provider answers;
/// otherwise degraded, saying what is being checked or what to do.
pub fn providers_check(config: &AppConfig, providers: &[ProviderHealth]) -> HealthCheck {
    let names_in = |state| -> Vec<&str> {
        providers
            .iter()
            .filter(|p| p.status == state)
            .map(|p| p.name.as_str())
            .collect()
    };
    let ready = names_in(ProviderState::Ready);
    let (status, detail) = if !ready.is_empty() {
        (
            HealthLevel::Healthy,
            format!("answering: {}", ready.join(", ")),
        )
    } else if !names_in(ProviderState::Checking).is_empty() {
        (
            HealthLevel::Degraded,
            format!(
                "checking whether {} answer{}",
                names_in(ProviderState::Checking).join(", "),
                if names_in(ProviderState::Checking).len() == 1 {
                    "s"
                } else {
                    ""
                }
            ),
        )
    } else {
        (HealthLevel::Degraded, next_step(config, providers))
    };
    HealthCheck {
        name: "providers".into(),
        status,
        detail,
    }
}

/// What the user can do when no provider answers, from what each one lacks:
/// "No provider can answer: add an Anthropic or OpenAI key in Settings, or
/// start Ollama on 127.0.0.1:11434".
fn next_step(config: &AppConfig, providers: &[ProviderHealth]) -> String {
    let mut steps = Vec::new();
    let missing_keys: Vec<String> = providers
        .iter()
        .filter(|p| p.status == ProviderState::NeedsKey && p.checked_at.is_none())
        .map(|p| display_name(&p.name))
        .collect();
    if !missing_keys.is_empty() {
        let names = join_or(&missing_keys);
        steps.push(format!("add {} {names} key in Settings", article(&names)));
    }
    for p in providers {
        let base_url = config
            .providers
            .get(&p.name)
            .map_or("", |entry| entry.base_url.as_str());
        match p.status {
            ProviderState::NeedsKey if p.checked_at.is_some() => steps.push(format!(
                "check the API key of {} in Settings",
                display_name(&p.name)
            )),
            ProviderState::Unreachable if p.kind == ProviderKind::Ollama => {
                steps.push(format!("start Ollama on {}", authority(base_url)))
            }
            ProviderState::Unreachable => steps.push(format!(
                "check that {} at {base_url} is running",
                display_name(&p.name)
            )),
            _ => {}
        }
    }
    if steps.is_empty() {
        steps.push("turn a provider on in Settings".into());
    }
    format!("No provider can answer: {}", steps.join(", or "))
}

/// How people know the built-in providers; other entries by their name.
fn display_name(name: &str) -> String {
    match name {
        "anthropic" => "Anthropic".into(),
        "openai" => "OpenAI".into(),
        "ollama" => "Ollama".into(),
        other => other.into(),
    }
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

fn article(word: &str) -> &'static str {
    match word.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// `host:port` of a URL (what a person types to reach the server).
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::ProviderFailure;
    use crate::reachability::ProviderProbe;
    use std::collections::BTreeMap;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    fn snapshot(config: &AppConfig, outcomes: &[(&str, ProbeOutcome)]) -> ProbeSnapshot {
        ProbeSnapshot {
            config: Arc::new(config.clone()),
            finished_at: Instant::now(),
            finished_at_ms: 1_700_000_000_000,
            providers: outcomes
                .iter()
                .map(|(name, outcome)| {
                    (
                        name.to_string(),
                        ProviderProbe {
                            config: config.providers[*name].clone(),
                            outcome: outcome.clone(),
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>(),
        }
    }

    fn refused() -> ProbeOutcome {
        ProbeOutcome::Failed(ProviderFailure::connection_lost("connection refused"))
    }

    #[test]
    fn a_fresh_install_with_nothing_running_says_what_to_do() {
        let config = AppConfig::default();
        let probed = snapshot(&config, &[("ollama", refused())]);
        let providers = provider_health(&config, Some(&probed));
        let states: Vec<_> = providers
            .iter()
            .map(|p| (p.name.as_str(), p.status))
            .collect();
        assert_eq!(
            states,
            [
                ("anthropic", ProviderState::NeedsKey),
                ("ollama", ProviderState::Unreachable),
                ("openai", ProviderState::NeedsKey),
            ]
        );
        let check = providers_check(&config, &providers);
        assert_eq!(check.status, HealthLevel::Degraded);
        assert_eq!(
            check.detail,
            "No provider can answer: add an Anthropic or OpenAI key in Settings, \
             or start Ollama on 127.0.0.1:11434"
        );
    }

    #[test]
    fn before_the_first_probe_providers_are_being_checked() {
        let config = AppConfig::default();
        let providers = provider_health(&config, None);
        assert_eq!(providers[1].status, ProviderState::Checking);
        assert_eq!(providers[1].checked_at, None);
        let check = providers_check(&config, &providers);
        assert_eq!(check.status, HealthLevel::Degraded);
        assert_eq!(check.detail, "checking whether ollama answers");
    }

    #[test]
    fn an_answering_provider_is_ready_and_a_refused_key_needs_a_key() {
        let mut config = AppConfig::default();
        config.providers.get_mut("anthropic").unwrap().api_key_set = true;
        config.providers.get_mut("openai").unwrap().enabled = false;
        let rejected = ProviderFailure::new(FailureCode::Auth, "invalid x-api-key");
        let probed = snapshot(
            &config,
            &[
                ("anthropic", ProbeOutcome::Failed(rejected)),
                (
                    "ollama",
                    ProbeOutcome::Answered {
                        models: vec!["llama3.2".into()],
                        elapsed: Duration::from_millis(4),
                    },
                ),
            ],
        );
        let providers = provider_health(&config, Some(&probed));
        assert_eq!(providers[0].status, ProviderState::NeedsKey);
        assert!(providers[0].detail.contains("invalid x-api-key"));
        assert_eq!(providers[1].status, ProviderState::Ready);
        assert_eq!(providers[1].detail, "answered in 4 ms, serving 1 model");
        assert!(providers[1].checked_at.is_some());
        assert_eq!(providers[2].status, ProviderState::Disabled);
        let check = providers_check(&config, &providers);
        assert_eq!(check.status, HealthLevel::Healthy);
        assert_eq!(check.detail, "answering: ollama");

        // Without Ollama, the refused key is the thing to fix.
        let probed = snapshot(
            &config,
            &[(
                "anthropic",
                ProbeOutcome::Failed(ProviderFailure::new(FailureCode::Auth, "no")),
            )],
        );
        let mut providers = provider_health(&config, Some(&probed));
        providers.retain(|p| p.name != "ollama");
        assert_eq!(
            providers_check(&config, &providers).detail,
            "No provider can answer: check the API key of Anthropic in Settings"
        );
    }

    #[test]
    fn a_probe_of_an_entry_that_changed_since_says_nothing_about_it() {
        let config = AppConfig::default();
        let probed = snapshot(&config, &[("ollama", refused())]);
        let mut moved = config.clone();
        moved.providers.get_mut("ollama").unwrap().base_url = "http://10.0.0.2:11434".into();
        let providers = provider_health(&moved, Some(&probed));
        assert_eq!(providers[1].status, ProviderState::Checking);
    }
}
