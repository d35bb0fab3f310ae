//! Which providers are usable and which models they serve; which channels
//! exist and in what state.

use crate::catalog;
use crate::config::{AppConfig, ConfigManager, ProviderConfig, Secret};
use crate::error::{AppError, AppResult};
use crate::providers::{build_provider, Provider};
use crate::time::{now_ms, rfc3339_from_ms};
use crate::types::{ChannelStatus, ModelCapability, ModelInfo, ModelSource};
use arc_swap::ArcSwap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// The provider entries that ship with the app; the catalog describes their
/// models. Entries a user adds (any OpenAI-compatible server) are not assumed
/// to serve the catalog's models; their models come from discovery.
const BUILT_IN_PROVIDERS: &[&str] = &["anthropic", "openai", "ollama"];

/// How long a discovery result is trusted before providers are asked again.
const DISCOVERY_TTL: Duration = Duration::from_secs(60);
/// Discovery must never hold `get_models` hostage to an unreachable server.
const DISCOVERY_TIMEOUT: Duration = Duration::from_secs(3);
/// Context window assumed for a discovered model the catalog does not know.
const UNKNOWN_CONTEXT_WINDOW: u32 = 8_192;

/// A model resolved to the client that serves it.
pub struct RoutedModel {
    pub provider_name: String,
    pub provider: Box<dyn Provider>,
    pub context_window: u32,
}

struct DiscoveryCache {
    /// The config the result was computed from: a changed config (a provider
    /// added, a URL or key changed) makes it stale at once.
    config: Arc<AppConfig>,
    fetched_at: Instant,
    models: Vec<ModelInfo>,
}

pub struct ProviderRegistry {
    config: Arc<ArcSwap<AppConfig>>,
    config_manager: Option<Arc<ConfigManager>>,
    /// One connection pool for every provider, rebuilt when the connect
    /// timeout changes (reqwest fixes it at build time).
    http: Mutex<Option<(u32, reqwest::Client)>>,
    discovered: tokio::sync::Mutex<Option<DiscoveryCache>>,
}

impl ProviderRegistry {
    /// A registry over a config without stored keys (tests, key-less providers).
    pub fn new(config: Arc<ArcSwap<AppConfig>>) -> Self {
        Self {
            config,
            config_manager: None,
            http: Mutex::new(None),
            discovered: tokio::sync::Mutex::new(None),
        }
    }

    /// The app's registry: live config and the API keys stored beside it.
    pub fn with_config_manager(manager: Arc<ConfigManager>) -> Self {
        Self {
            config_manager: Some(manager.clone()),
            ..Self::new(manager.shared())
        }
    }

    /// Provider entries that can be called now: enabled, with a key when
    /// their API needs one. Reads the live config, so updates apply at once.
    pub fn usable_providers(&self) -> Vec<(String, ProviderConfig)> {
        self.config
            .load()
            .providers
            .iter()
            .filter(|(_, p)| p.enabled && (p.api_key_set || !p.requires_api_key()))
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

    /// The catalog merged with what the providers report serving. A provider
    /// that cannot be reached contributes its catalog models only.
    pub async fn models(&self) -> Vec<ModelInfo> {
        let mut models = self.catalog_models();
        for found in self.discovered_models().await {
            let known = models
                .iter()
                .any(|m| m.id == found.id && m.provider == found.provider);
            if !known {
                models.push(found);
            }
        }
        models
    }

    /// The model a new session gets when it names none: the configured
    /// default when a usable provider serves it; otherwise, so that a fresh
    /// install with a local Ollama (and no keys) chats at once, the first
    /// model a provider reports serving; otherwise the configured default
    /// (sending will then explain that no provider serves it).
    pub async fn default_model(&self) -> String {
        let configured = self.config.load().defaults.model.clone();
        if self.catalog_models().iter().any(|m| m.id == configured) {
            return configured;
        }
        let discovered = self.discovered_models().await;
        if discovered.iter().any(|m| m.id == configured) {
            return configured;
        }
        discovered.into_iter().next().map_or(configured, |m| m.id)
    }

    /// The model's provider client, from the catalog or discovery; `noProvider`
    /// when no usable provider serves it.
    pub async fn route(&self, model: &str) -> AppResult<RoutedModel> {
        let catalog = self.catalog_models();
        let entry = match catalog.into_iter().find(|m| m.id == model) {
            Some(entry) => entry,
            None => self
                .discovered_models()
                .await
                .into_iter()
                .find(|m| m.id == model)
                .ok_or_else(|| AppError::no_provider(model))?,
        };
        let (name, config) = self
            .usable_providers()
            .into_iter()
            .find(|(name, _)| *name == entry.provider)
            .ok_or_else(|| AppError::no_provider(model))?;
        Ok(RoutedModel {
            provider: self.client_for(&name, &config),
            provider_name: name,
            context_window: entry.context_window,
        })
    }

    fn client_for(&self, name: &str, config: &ProviderConfig) -> Box<dyn Provider> {
        build_provider(name, config, self.api_key(name), self.http_client())
    }

    fn api_key(&self, name: &str) -> Option<Secret> {
        self.config_manager.as_ref().and_then(|m| m.api_key(name))
    }

    fn http_client(&self) -> reqwest::Client {
        let connect_timeout_ms = self.config.load().network.connect_timeout_ms;
        let mut slot = self.http.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((built_for, client)) = slot.as_ref() {
            if *built_for == connect_timeout_ms {
                return client.clone();
            }
        }
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(connect_timeout_ms.into()))
            .user_agent(concat!("ClawDesk/", env!("CARGO_PKG_VERSION")))
            .build()
            // Building fails only when the TLS backend cannot initialize,
            // which rustls with bundled roots does not do.
            .unwrap_or_else(|_| reqwest::Client::new());
        *slot = Some((connect_timeout_ms, client.clone()));
        client
    }

    /// Models the usable providers report, from a cache younger than the TTL.
    async fn discovered_models(&self) -> Vec<ModelInfo> {
        let config = self.config.load_full();
        let mut cache = self.discovered.lock().await;
        if let Some(cached) = cache.as_ref() {
            if Arc::ptr_eq(&cached.config, &config) && cached.fetched_at.elapsed() < DISCOVERY_TTL {
                return cached.models.clone();
            }
        }
        let lookups = self.usable_providers().into_iter().map(|(name, provider)| {
            let client = self.client_for(&name, &provider);
            async move {
                let listed = tokio::time::timeout(DISCOVERY_TIMEOUT, client.list_models()).await;
                match listed {
                    Ok(Ok(ids)) => ids
                        .into_iter()
                        .filter(|id| is_chat_model(id))
                        .map(|id| discovered_model(&name, provider.kind, id))
                        .collect(),
                    // Unreachable or refusing: the catalog still answers.
                    _ => Vec::new(),
                }
            }
        });
        let models: Vec<ModelInfo> = futures_util::future::join_all(lookups)
            .await
            .into_iter()
            .flatten()
            .collect();
        *cache = Some(DiscoveryCache {
            config,
            fetched_at: Instant::now(),
            models: models.clone(),
        });
        models
    }
}

/// Model lists (OpenAI's above all) also name embedding, speech, image and
/// moderation models, which cannot chat; keep them out of the picker.
fn is_chat_model(id: &str) -> bool {
    const NOT_CHAT: &[&str] = &[
        "embed",
        "tts",
        "whisper",
        "dall-e",
        "moderation",
        "transcribe",
        "image",
        "davinci",
        "babbage",
        "rerank",
    ];
    let id = id.to_ascii_lowercase();
    !NOT_CHAT.iter().any(|word| id.contains(word))
}

/// A model a provider reported: what the catalog knows about the id, or
/// conservative defaults.
fn discovered_model(provider: &str, kind: crate::config::ProviderKind, id: String) -> ModelInfo {
    let known = catalog::models_for(kind).find(|m| m.id == id);
    ModelInfo {
        provider: provider.to_string(),
        capabilities: known.map_or_else(
            || vec![ModelCapability::Chat, ModelCapability::Streaming],
            |m| m.capabilities.to_vec(),
        ),
        context_window: known.map_or(UNKNOWN_CONTEXT_WINDOW, |m| m.context_window),
        display_name: known.map_or_else(|| id.clone(), |m| m.display_name.to_string()),
        source: ModelSource::Discovered,
        id,
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
/// The HTTP gateway's channel: listed once a gateway has started.
pub const GATEWAY_CHANNEL: &str = "gateway";

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

    /// Adds a channel (inactive, with why) unless one with this id exists;
    /// its owner reports its status with [`ChannelRegistry::set_status`].
    pub fn register(&self, id: &str, kind: &str, detail: &str) {
        let mut channels = self.channels.write().unwrap_or_else(|p| p.into_inner());
        if !channels.iter().any(|c| c.id == id) {
            channels.push(ChannelState {
                id: id.into(),
                kind: kind.into(),
                status: ChannelStatus::Inactive,
                detail: Some(detail.into()),
                connected_at_ms: None,
            });
        }
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

    #[test]
    fn only_usable_providers_contribute_models() {
        let config = Arc::new(ArcSwap::from_pointee(AppConfig::default()));
        let registry = ProviderRegistry::new(config.clone());
        // Defaults: no keys, so only Ollama (which needs none) is usable.
        let models = registry.catalog_models();
        assert!(!models.is_empty());
        assert!(models.iter().all(|m| m.provider == "ollama"));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        assert!(matches!(
            rt.block_on(registry.route("claude-sonnet-4-5")),
            Err(AppError::NoProvider { .. })
        ));

        let mut next = (**config.load()).clone();
        next.providers.get_mut("anthropic").unwrap().api_key_set = true;
        config.store(Arc::new(next));
        let routed = rt.block_on(registry.route("claude-sonnet-4-5")).unwrap();
        assert_eq!(routed.provider_name, "anthropic");
        assert_eq!(routed.context_window, 200_000);
        let sonnet = registry
            .catalog_models()
            .into_iter()
            .find(|m| m.id == "claude-sonnet-4-5")
            .unwrap();
        assert_eq!(sonnet.context_window, 200_000);
    }

    #[test]
    fn only_chat_models_are_kept_from_model_lists() {
        for id in ["gpt-4o", "llama3.2:latest", "claude-opus-4-1", "qwen3:8b"] {
            assert!(is_chat_model(id), "{id}");
        }
        for id in [
            "text-embedding-3-large",
            "tts-1-hd",
            "whisper-1",
            "dall-e-3",
            "omni-moderation-latest",
            "gpt-4o-transcribe",
            "nomic-embed-text:latest",
        ] {
            assert!(!is_chat_model(id), "{id}");
        }
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
