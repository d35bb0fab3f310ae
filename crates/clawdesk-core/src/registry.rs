//! Which providers are usable and which models they serve; which channels
//! exist and in what state.

use crate::catalog;
use crate::config::{AppConfig, ProviderConfig};
use crate::error::{AppError, AppResult};
use crate::time::{now_ms, rfc3339_from_ms};
use crate::types::{ChannelStatus, ModelInfo, ModelSource};
use arc_swap::ArcSwap;
use std::sync::{Arc, RwLock};

/// The provider entries that ship with the app; the catalog describes their
/// models. Entries a user adds (any OpenAI-compatible server) are not assumed
/// to serve the catalog's models; their models come from discovery.
const BUILT_IN_PROVIDERS: &[&str] = &["anthropic", "openai", "ollama"];

pub struct ProviderRegistry {
    config: Arc<ArcSwap<AppConfig>>,
}

impl ProviderRegistry {
    pub fn new(config: Arc<ArcSwap<AppConfig>>) -> Self {
        Self { config }
    }

    /// Provider entries that can be called now: enabled, with a key when
    /// their API needs one. Reads the live config, so updates apply at once.
    pub fn usable_providers(&self) -> Vec<(String, ProviderConfig)> {
        self.config
            .load()
            .providers
            .iter()
            .filter(|(_, p)| p.enabled && (p.api_key_set || !p.kind.needs_api_key()))
            .map(|(name, p)| (name.clone(), p.clone()))
            .collect()
    }

    /// Every model that a usable provider serves, from the catalog.
    pub fn catalog_models(&self) -> Vec<ModelInfo> {
        self.usable_providers()
            .into_iter()
            .filter(|(name, _)| BUILT_IN_PROVIDERS.contains(&name.as_str()))
            .flat_map(|(name, provider)| {
                catalog::models_for(provider.kind).map(move |m| ModelInfo {
                    id: m.id.to_string(),
                    provider: name.clone(),
                    capabilities: m.capabilities.to_vec(),
                    context_window: m.context_window,
                    display_name: m.display_name.to_string(),
                    source: ModelSource::Catalog,
                })
            })
            .collect()
    }

    /// The provider entry that serves `model`, or `noProvider`.
    pub fn route(&self, model: &str) -> AppResult<(String, ProviderConfig)> {
        let models = self.catalog_models();
        let entry = models
            .iter()
            .find(|m| m.id == model)
            .ok_or_else(|| AppError::no_provider(model))?;
        self.usable_providers()
            .into_iter()
            .find(|(name, _)| *name == entry.provider)
            .ok_or_else(|| AppError::no_provider(model))
    }
}

#[derive(Debug, Clone)]
struct ChannelState {
    id: String,
    kind: String,
    status: ChannelStatus,
    detail: Option<String>,
    connected_at_ms: Option<i64>,
}

/// A channel as the registry reports it; session counts are added by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelSnapshot {
    pub id: String,
    pub kind: String,
    pub status: ChannelStatus,
    pub detail: Option<String>,
    pub connected_at: Option<String>,
}

/// The channels messages arrive through. Today that is the desktop window;
/// the registry is where others (an HTTP gateway, chat bridges) will register.
pub struct ChannelRegistry {
    channels: RwLock<Vec<ChannelState>>,
}

pub const DESKTOP_CHANNEL: &str = "desktop";

impl Default for ChannelRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl ChannelRegistry {
    /// A registry with the desktop channel, inactive until the app attaches it.
    pub fn new() -> Self {
        Self {
            channels: RwLock::new(vec![ChannelState {
                id: DESKTOP_CHANNEL.into(),
                kind: "desktop".into(),
                status: ChannelStatus::Inactive,
                detail: Some("the desktop window has not attached yet".into()),
                connected_at_ms: None,
            }]),
        }
    }

    pub fn set_status(
        &self,
        id: &str,
        status: ChannelStatus,
        detail: Option<String>,
    ) -> AppResult<()> {
        let mut channels = self.channels.write().unwrap_or_else(|p| p.into_inner());
        let channel = channels.iter_mut().find(|c| c.id == id).ok_or_else(|| {
            AppError::invalid_argument("channelId", format!("unknown channel {id}"))
        })?;
        if status == ChannelStatus::Active && channel.status != ChannelStatus::Active {
            channel.connected_at_ms = Some(now_ms());
        }
        if status != ChannelStatus::Active {
            channel.connected_at_ms = None;
        }
        channel.status = status;
        channel.detail = detail;
        Ok(())
    }

    pub fn exists(&self, id: &str) -> bool {
        self.channels
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|c| c.id == id)
    }

    pub fn list(&self) -> Vec<ChannelSnapshot> {
        self.channels
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|c| ChannelSnapshot {
                id: c.id.clone(),
                kind: c.kind.clone(),
                status: c.status,
                detail: c.detail.clone(),
                connected_at: c.connected_at_ms.map(rfc3339_from_ms),
            })
            .collect()
    }

    pub fn active_count(&self) -> u32 {
        self.list()
            .iter()
            .filter(|c| c.status == ChannelStatus::Active)
            .count() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProviderKind;

    #[test]
    fn only_usable_providers_contribute_models() {
        let config = Arc::new(ArcSwap::from_pointee(AppConfig::default()));
        let registry = ProviderRegistry::new(config.clone());
        // Defaults: no keys, so only Ollama (which needs none) is usable.
        let models = registry.catalog_models();
        assert!(!models.is_empty());
        assert!(models.iter().all(|m| m.provider == "ollama"));
        assert!(matches!(
            registry.route("claude-sonnet-4-5"),
            Err(AppError::NoProvider { .. })
        ));

        let mut next = (**config.load()).clone();
        next.providers.get_mut("anthropic").unwrap().api_key_set = true;
        config.store(Arc::new(next));
        let (name, provider) = registry.route("claude-sonnet-4-5").unwrap();
        assert_eq!(
            (name.as_str(), provider.kind),
            ("anthropic", ProviderKind::Anthropic)
        );
        let sonnet = registry
            .catalog_models()
            .into_iter()
            .find(|m| m.id == "claude-sonnet-4-5")
            .unwrap();
        assert_eq!(sonnet.context_window, 200_000);
    }

    #[test]
    fn desktop_channel_activates() {
        let channels = ChannelRegistry::new();
        assert_eq!(channels.active_count(), 0);
        channels
            .set_status(DESKTOP_CHANNEL, ChannelStatus::Active, None)
            .unwrap();
        let desktop = &channels.list()[0];
        assert_eq!(desktop.status, ChannelStatus::Active);
        assert!(desktop.connected_at.is_some());
        assert!(channels
            .set_status("nope", ChannelStatus::Active, None)
            .is_err());
    }
}
