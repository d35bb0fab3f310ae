//! Which providers are usable and which models they serve; which channels
//! exist and in what state.

use crate::catalog;
use crate::config::{AppConfig, ConfigManager, ProviderConfig, ProviderKind, Secret};
use crate::error::{AppError, AppResult};
use crate::models::{qualified_id, ModelRef};
use crate::providers::{build_provider, Provider};
use crate::reachability::{ProbeSnapshot, ProbeTarget, Prober};
use crate::time::{now_ms, rfc3339_from_ms};
use crate::types::{ChannelStatus, ModelCapability, ModelInfo, ModelSource};
use arc_swap::ArcSwap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// The provider entries that ship with the app; the catalog describes their
/// models. Entries a user adds (any OpenAI-compatible server) are not assumed
/// to serve the catalog's models; their models come from discovery.
const BUILT_IN_PROVIDERS: &[&str] = &["anthropic", "openai", "ollama"];

/// Context window assumed for a discovered model the catalog does not know.
const UNKNOWN_CONTEXT_WINDOW: u32 = 8_192;

/// A model resolved to the client that serves it.
pub struct RoutedModel {
    pub provider_name: String,
    pub provider: Box<dyn Provider>,
    /// The model's own id, as requests to the provider carry it.
    pub model: String,
    pub context_window: u32,
}

impl RoutedModel {
    /// The provider-qualified id, `"<provider>/<model>"`: what sessions,
    /// stored replies and responses name.
    pub fn qualified_id(&self) -> String {
        qualified_id(&self.provider_name, &self.model)
    }
}

/// Where a model reference resolved to, before a client is built.
struct Resolved {
    name: String,
    config: ProviderConfig,
    model: String,
    context_window: u32,
}

pub struct ProviderRegistry {
    config: Arc<ArcSwap<AppConfig>>,
    config_manager: Option<Arc<ConfigManager>>,
    /// One connection pool for every provider, rebuilt when the connect
    /// timeout changes (reqwest fixes it at build time).
    http: Mutex<Option<(u32, reqwest::Client)>>,
    prober: Arc<Prober>,
}

impl ProviderRegistry {
    /// A registry over a config without stored keys (tests, key-less providers).
    pub fn new(config: Arc<ArcSwap<AppConfig>>) -> Self {
        Self {
            config,
            config_manager: None,
            http: Mutex::new(None),
            prober: Arc::default(),
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
        usable_in(&self.config.load())
    }

    /// The catalog's models of the usable built-in providers that take a
    /// key: those are listed (and routed) without asking the provider, since
    /// a hosted API serves its catalog. A local server (Ollama) serves only
    /// what is installed there, which discovery reports.
    pub fn catalog_models(&self) -> Vec<ModelInfo> {
        self.usable_providers()
            .into_iter()
            .filter(|(name, provider)| serves_catalog(name, provider))
            .flat_map(|(name, provider)| {
                catalog::models_for(provider.kind).map(move |m| ModelInfo {
                    id: qualified_id(&name, m.id),
                    model: m.id.to_string(),
                    provider: name.clone(),
                    capabilities: m.capabilities.to_vec(),
                    context_window: m.context_window,
                    display_name: m.display_name.to_string(),
                    source: ModelSource::Catalog,
                })
            })
            .collect()
    }

    /// What the model picker offers: the catalog of usable providers with a
    /// key, plus what each usable provider that answered reports serving.
    /// Nothing from a provider that did not answer and serves no catalog.
    pub async fn models(&self) -> Vec<ModelInfo> {
        let mut models = self.catalog_models();
        let snapshot = self.probe().await;
        for (name, provider) in self.usable_providers() {
            let Some(listed) = snapshot.models_of(&name, &provider) else {
                continue;
            };
            for id in listed.iter().filter(|id| is_chat_model(id)) {
                let known = models.iter().any(|m| m.provider == name && m.model == *id);
                if !known {
                    models.push(discovered_model(&name, provider.kind, id.clone()));
                }
            }
        }
        models
    }

    /// The model a new session gets when it names none, provider-qualified:
    /// the configured default when a usable provider serves it; otherwise,
    /// so that a fresh install with a local Ollama (and no keys) chats at
    /// once, the first model a provider reports serving; otherwise the
    /// configured default (sending will then explain that no provider serves it).
    pub async fn default_model(&self) -> String {
        let configured = self.config.load().defaults.model.clone();
        if let Ok(resolved) = self.resolve(&configured).await {
            return qualified_id(&resolved.name, &resolved.model);
        }
        let discovered = self.models().await;
        discovered
            .into_iter()
            .find(|m| m.source == ModelSource::Discovered)
            .map_or(configured, |m| m.id)
    }

    /// `model` provider-qualified when a usable provider serves it (a bare
    /// id from an older caller resolves as routing would); unchanged otherwise.
    pub async fn qualify(&self, model: &str) -> String {
        match self.resolve(model).await {
            Ok(resolved) => qualified_id(&resolved.name, &resolved.model),
            Err(_) => model.to_string(),
        }
    }

    /// The model's provider client; `noProvider` when no usable provider
    /// serves it. `"<provider>/<model>"` goes to that provider; a bare id to
    /// the first usable provider serving it.
    pub async fn route(&self, model: &str) -> AppResult<RoutedModel> {
        let resolved = self.resolve(model).await?;
        Ok(RoutedModel {
            provider: self.client_for(&resolved.name, &resolved.config),
            provider_name: resolved.name,
            model: resolved.model,
            context_window: resolved.context_window,
        })
    }

    async fn resolve(&self, reference: &str) -> AppResult<Resolved> {
        let config = self.config.load_full();
        let parsed = ModelRef::parse(reference, |name| config.providers.contains_key(name));
        let usable = usable_in(&config);
        let model = parsed.model.as_str();
        let resolved = |name: &str, provider: &ProviderConfig, context_window: u32| Resolved {
            name: name.to_string(),
            config: provider.clone(),
            model: model.to_string(),
            context_window,
        };
        if let Some(wanted) = parsed.provider.as_deref() {
            let (name, provider) = usable
                .iter()
                .find(|(name, _)| name == wanted)
                .ok_or_else(|| AppError::no_provider(reference))?;
            if let Some(entry) = catalog_entry(name, provider, model) {
                return Ok(resolved(name, provider, entry.context_window));
            }
            let snapshot = self.probe().await;
            return match snapshot.models_of(name, provider) {
                Some(listed) if listed.iter().any(|id| id == model) => {
                    Ok(resolved(name, provider, known_window(provider.kind, model)))
                }
                // It answered, and this is not among what it serves.
                Some(_) => Err(AppError::no_provider(reference)),
                // It did not answer: send anyway, so the error says why
                // (connection refused, bad key) instead of "no provider".
                None => Ok(resolved(name, provider, known_window(provider.kind, model))),
            };
        }
        // A bare id: the catalog of keyed providers first (no network), then
        // what the providers report, then the catalog of a provider that
        // did not answer (so the send's error names the real cause).
        if let Some((name, provider, entry)) = usable
            .iter()
            .find_map(|(n, p)| catalog_entry(n, p, model).map(|e| (n, p, e)))
        {
            return Ok(resolved(name, provider, entry.context_window));
        }
        let snapshot = self.probe().await;
        if let Some((name, provider)) = usable.iter().find(|(name, provider)| {
            snapshot
                .models_of(name, provider)
                .is_some_and(|listed| listed.iter().any(|id| id == model))
        }) {
            return Ok(resolved(name, provider, known_window(provider.kind, model)));
        }
        usable
            .iter()
            .find(|(name, provider)| {
                BUILT_IN_PROVIDERS.contains(&name.as_str())
                    && snapshot.models_of(name, provider).is_none()
                    && catalog::models_for(provider.kind).any(|m| m.id == model)
            })
            .map(|(name, provider)| resolved(name, provider, known_window(provider.kind, model)))
            .ok_or_else(|| AppError::no_provider(reference))
    }

    /// A probe of every usable provider, fresh for the live config; waits
    /// for one (bounded) when the latest is stale.
    pub async fn probe(&self) -> Arc<ProbeSnapshot> {
        let config = self.config.load_full();
        self.prober
            .current(config.clone(), || self.probe_targets(&config))
            .await
    }

    /// The latest probe, fresh or not, without waiting; starts a refresh in
    /// the background when it is stale (or there is none yet).
    pub fn latest_probe(&self) -> Option<Arc<ProbeSnapshot>> {
        let config = self.config.load_full();
        self.prober
            .refresh_in_background(config.clone(), || self.probe_targets(&config));
        self.prober.latest()
    }

    fn probe_targets(&self, config: &AppConfig) -> Vec<ProbeTarget> {
        usable_in(config)
            .into_iter()
            .map(|(name, provider)| ProbeTarget {
                client: self.client_for(&name, &provider),
                name,
                config: provider,
            })
            .collect()
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
}

/// The entries of `config` that can be called: enabled, with a key when
/// their API needs one.
fn usable_in(config: &AppConfig) -> Vec<(String, ProviderConfig)> {
    config
        .providers
        .iter()
        .filter(|(_, p)| p.enabled && (p.api_key_set || !p.requires_api_key()))
        .map(|(name, p)| (name.clone(), p.clone()))
        .collect()
}

/// Whether the entry's catalog models count as served without asking it:
/// a built-in entry of a hosted API (one that takes a key).
fn serves_catalog(name: &str, provider: &ProviderConfig) -> bool {
    BUILT_IN_PROVIDERS.contains(&name) && provider.requires_api_key()
}

fn catalog_entry(
    name: &str,
    provider: &ProviderConfig,
    model: &str,
) -> Option<&'static catalog::CatalogModel> {
    if !serves_catalog(name, provider) {
        return None;
    }
    catalog::models_for(provider.kind).find(|m| m.id == model)
}

/// The context window the catalog gives `model` of this kind, or a conservative one.
fn known_window(kind: ProviderKind, model: &str) -> u32 {
    catalog::models_for(kind)
        .find(|m| m.id == model)
        .map_or(UNKNOWN_CONTEXT_WINDOW, |m| m.context_window)
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
fn discovered_model(provider: &str, kind: ProviderKind, model: String) -> ModelInfo {
    let known = catalog::models_for(kind).find(|m| m.id == model);
    ModelInfo {
        id: qualified_id(provider, &model),
        provider: provider.to_string(),
        capabilities: known.map_or_else(
            || vec![ModelCapability::Chat, ModelCapability::Streaming],
            |m| m.capabilities.to_vec(),
        ),
        context_window: known.map_or(UNKNOWN_CONTEXT_WINDOW, |m| m.context_window),
        display_name: known.map_or_else(|| model.clone(), |m| m.display_name.to_string()),
        source: ModelSource::Discovered,
        model,
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

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn keyed_providers_serve_their_catalog_under_qualified_ids() {
        let mut defaults = AppConfig::default();
        // Nothing here may reach a real server: Ollama (which needs no key,
        // so it would be asked for its models) is off.
        defaults.providers.get_mut("ollama").unwrap().enabled = false;
        let config = Arc::new(ArcSwap::from_pointee(defaults));
        let registry = ProviderRegistry::new(config.clone());
        // No keys: nothing is usable, nothing is listed or routed.
        assert!(registry.catalog_models().is_empty());
        let rt = runtime();
        for model in ["claude-sonnet-4-5", "anthropic/claude-sonnet-4-5"] {
            assert!(matches!(
                rt.block_on(registry.route(model)),
                Err(AppError::NoProvider { .. })
            ));
        }

        let mut next = (**config.load()).clone();
        next.providers.get_mut("anthropic").unwrap().api_key_set = true;
        config.store(Arc::new(next));
        for model in ["claude-sonnet-4-5", "anthropic/claude-sonnet-4-5"] {
            let routed = rt.block_on(registry.route(model)).unwrap();
            assert_eq!(routed.provider_name, "anthropic");
            assert_eq!(
                routed.model, "claude-sonnet-4-5",
                "requests carry the bare id"
            );
            assert_eq!(routed.qualified_id(), "anthropic/claude-sonnet-4-5");
            assert_eq!(routed.context_window, 200_000);
        }
        // OpenAI has no key: naming it does not fall back to someone else.
        assert!(matches!(
            rt.block_on(registry.route("openai/gpt-4o")),
            Err(AppError::NoProvider { .. })
        ));
        let models = registry.catalog_models();
        assert!(models.iter().all(|m| m.provider == "anthropic"));
        let sonnet = models
            .iter()
            .find(|m| m.id == "anthropic/claude-sonnet-4-5")
            .unwrap();
        assert_eq!(sonnet.model, "claude-sonnet-4-5");
        assert_eq!(sonnet.context_window, 200_000);
        assert_eq!(
            rt.block_on(registry.default_model()),
            "anthropic/claude-sonnet-4-5"
        );
    }

    #[test]
    fn only_the_official_openai_host_needs_a_key() {
        let config = AppConfig::default();
        let entry = |name: &str| config.providers[name].clone();
        assert!(entry("anthropic").requires_api_key());
        assert!(entry("openai").requires_api_key());
        assert!(!entry("ollama").requires_api_key());
        let mut local = entry("openai");
        for (url, needs) in [
            ("http://127.0.0.1:1234/v1", false),
            ("https://api.groq.com/openai/v1", false),
            ("https://API.openai.com/v1", true),
            ("https://api.openai.com:443/v1", true),
            ("https://api.openai.com.example.net/v1", false),
        ] {
            local.base_url = url.into();
            assert_eq!(local.requires_api_key(), needs, "{url}");
        }
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
