//! Model references: `"<provider>/<model>"` names the provider entry that
//! serves a model, so two providers serving `llama3.2` can be told apart.
//!
//! Model ids may contain `/` themselves (OpenRouter's `meta-llama/llama-3-8b`,
//! Ollama's `hf.co/user/repo`), so a reference is split on its first `/`
//! only when what comes before is the name of a configured provider entry;
//! anything else is a bare model id (from an older session, caller or
//! config), which routing resolves to the first usable provider serving it.

use std::fmt;

/// A parsed model reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModelRef {
    /// The provider entry (key under `providers`), when the reference names one.
    pub provider: Option<String>,
    /// The model's own id, as the provider knows it (what requests carry).
    pub model: String,
}

impl ModelRef {
    /// Parses `reference`, where `is_provider` says whether a name is a
    /// configured provider entry (enabled or not).
    pub fn parse(reference: &str, is_provider: impl Fn(&str) -> bool) -> Self {
        match reference.split_once('/') {
            Some((provider, model)) if !model.is_empty() && is_provider(provider) => Self {
                provider: Some(provider.to_string()),
                model: model.to_string(),
            },
            _ => Self::bare(reference),
        }
    }

    /// A model id without a provider.
    pub fn bare(model: impl Into<String>) -> Self {
        Self {
            provider: None,
            model: model.into(),
        }
    }

    /// A model id served by `provider`.
    pub fn qualified(provider: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            provider: Some(provider.into()),
            model: model.into(),
        }
    }
}

/// `provider/model`, or the bare model id.
impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.provider {
            Some(provider) => write!(f, "{provider}/{}", self.model),
            None => f.write_str(&self.model),
        }
    }
}

/// The qualified id of `model` served by `provider`: `"ollama/llama3.2"`.
pub fn qualified_id(provider: &str, model: &str) -> String {
    format!("{provider}/{model}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configured(name: &str) -> bool {
        matches!(name, "anthropic" | "openai" | "ollama" | "openrouter")
    }

    #[test]
    fn a_configured_provider_prefix_is_split_off() {
        let parsed = ModelRef::parse("ollama/llama3.2", configured);
        assert_eq!(parsed, ModelRef::qualified("ollama", "llama3.2"));
        assert_eq!(parsed.to_string(), "ollama/llama3.2");
        assert_eq!(
            ModelRef::parse("anthropic/claude-sonnet-4-5", configured),
            ModelRef::qualified("anthropic", "claude-sonnet-4-5")
        );
    }

    #[test]
    fn only_the_first_slash_splits() {
        assert_eq!(
            ModelRef::parse("openrouter/meta-llama/llama-3-8b", configured),
            ModelRef::qualified("openrouter", "meta-llama/llama-3-8b")
        );
        assert_eq!(
            ModelRef::parse("ollama/hf.co/user/repo:Q4_K_M", configured),
            ModelRef::qualified("ollama", "hf.co/user/repo:Q4_K_M")
        );
    }

    #[test]
    fn ids_whose_prefix_is_no_provider_stay_bare() {
        for id in [
            "llama3.2",
            "meta-llama/llama-3-8b",
            "hf.co/user/repo",
            "gpt-4o",
            // A provider name with nothing after it is not a reference to it.
            "ollama/",
            "/llama3.2",
        ] {
            let parsed = ModelRef::parse(id, configured);
            assert_eq!(parsed, ModelRef::bare(id), "{id}");
            assert_eq!(parsed.to_string(), id, "{id}");
        }
    }

    #[test]
    fn qualified_ids_round_trip_through_parse() {
        let id = qualified_id("openrouter", "meta-llama/llama-3-8b");
        assert_eq!(id, "openrouter/meta-llama/llama-3-8b");
        assert_eq!(ModelRef::parse(&id, configured).to_string(), id);
    }
}
