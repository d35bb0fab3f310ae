//! Built-in knowledge of the models the well-known providers serve, with
//! their published context windows. Provider discovery adds to this list.

use crate::config::ProviderKind;
use crate::types::ModelCapability::{self, Chat, Reasoning, Streaming, Tools, Vision};

pub struct CatalogModel {
    pub id: &'static str,
    pub display_name: &'static str,
    pub kind: ProviderKind,
    pub context_window: u32,
    pub capabilities: &'static [ModelCapability],
}

const fn model(
    id: &'static str,
    display_name: &'static str,
    kind: ProviderKind,
    context_window: u32,
    capabilities: &'static [ModelCapability],
) -> CatalogModel {
    CatalogModel {
        id,
        display_name,
        kind,
        context_window,
        capabilities,
    }
}

const FRONTIER: &[ModelCapability] = &[Chat, Streaming, Vision, Tools, Reasoning];
const MULTIMODAL: &[ModelCapability] = &[Chat, Streaming, Vision, Tools];
const TEXT_TOOLS: &[ModelCapability] = &[Chat, Streaming, Tools];

use ProviderKind::{Anthropic, Ollama, Openai};

pub static CATALOG: &[CatalogModel] = &[
    model(
        "claude-opus-4-1",
        "Claude Opus 4.1",
        Anthropic,
        200_000,
        FRONTIER,
    ),
    model(
        "claude-sonnet-4-5",
        "Claude Sonnet 4.5",
        Anthropic,
        200_000,
        FRONTIER,
    ),
    model(
        "claude-haiku-4-5",
        "Claude Haiku 4.5",
        Anthropic,
        200_000,
        FRONTIER,
    ),
    model(
        "claude-3-5-haiku-latest",
        "Claude 3.5 Haiku",
        Anthropic,
        200_000,
        MULTIMODAL,
    ),
    model("gpt-5", "GPT-5", Openai, 400_000, FRONTIER),
    model("gpt-5-mini", "GPT-5 mini", Openai, 400_000, FRONTIER),
    model("gpt-4.1", "GPT-4.1", Openai, 1_047_576, MULTIMODAL),
    model(
        "gpt-4.1-mini",
        "GPT-4.1 mini",
        Openai,
        1_047_576,
        MULTIMODAL,
    ),
    model("gpt-4o", "GPT-4o", Openai, 128_000, MULTIMODAL),
    model("gpt-4o-mini", "GPT-4o mini", Openai, 128_000, MULTIMODAL),
    model("o3", "o3", Openai, 200_000, FRONTIER),
    model("o4-mini", "o4-mini", Openai, 200_000, FRONTIER),
    model("llama3.2", "Llama 3.2", Ollama, 131_072, TEXT_TOOLS),
    model("llama3.1", "Llama 3.1", Ollama, 131_072, TEXT_TOOLS),
    model("qwen2.5", "Qwen 2.5", Ollama, 32_768, TEXT_TOOLS),
    model("mistral", "Mistral 7B", Ollama, 32_768, TEXT_TOOLS),
    model(
        "gemma3",
        "Gemma 3",
        Ollama,
        131_072,
        &[Chat, Streaming, Vision],
    ),
];

/// The catalog's entries for one provider kind.
pub fn models_for(kind: ProviderKind) -> impl Iterator<Item = &'static CatalogModel> {
    CATALOG.iter().filter(move |m| m.kind == kind)
}

/// The catalog entry for a model id, if the catalog knows it.
pub fn lookup(model_id: &str) -> Option<&'static CatalogModel> {
    CATALOG.iter().find(|m| m.id == model_id)
}
