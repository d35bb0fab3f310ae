//! Token counts for text no provider has counted yet.
//!
//! What a provider reports (`Usage`) is the truth for what was sent; these
//! counts are for deciding before sending (auto-compaction) and for storing
//! a count with every message. OpenAI models get their real BPE tokenizer
//! (`tiktoken-rs`, whose tables are compiled in: nothing is downloaded);
//! other families get the calibrated estimate.

use crate::providers::ChatRequest;
use tiktoken_rs::CoreBPE;

/// Tokens an API adds around each turn (role markers, separators); OpenAI
/// documents 3 to 4 per message, Anthropic's counts come out similar.
pub const TOKENS_PER_TURN: u32 = 4;

/// Tokens of `text` as `model` would count them: exact for models with a
/// known OpenAI tokenizer, the calibrated estimate for the rest.
pub fn count_tokens(model: &str, text: &str) -> u32 {
    if text.is_empty() {
        return 0;
    }
    match tokenizer_for(model) {
        Some(bpe) => u32::try_from(bpe.encode_ordinary(text).len()).unwrap_or(u32::MAX),
        None => estimate_tokens(text),
    }
}

/// Whether `model` is counted exactly (an OpenAI tokenizer is known for it).
pub fn has_exact_tokenizer(model: &str) -> bool {
    tokenizer_for(model).is_some()
}

fn tokenizer_for(model: &str) -> Option<&'static CoreBPE> {
    // Only OpenAI's own model names: a model served by Ollama or Anthropic
    // uses another vocabulary, and a wrong exact count is worse than an estimate.
    let tokenizer = tiktoken_rs::tokenizer::get_tokenizer(model)?;
    tiktoken_rs::bpe_for_tokenizer(tokenizer).ok()
}

/// The input tokens `request` will take, counted with the model's tokenizer.
pub fn count_request_tokens(request: &ChatRequest) -> u32 {
    let system = request
        .system
        .as_deref()
        .map_or(0, |s| count_tokens(&request.model, s) + TOKENS_PER_TURN);
    request.turns.iter().fold(system, |sum, turn| {
        sum.saturating_add(count_tokens(&request.model, &turn.content) + TOKENS_PER_TURN)
    })
}

/// A calibrated estimate: English prose averages about four characters per
/// token across the BPE tokenizers of the major model families; text with
/// few spaces (code, CJK) runs denser, so count those characters higher.
pub fn estimate_tokens(text: &str) -> u32 {
    if text.is_empty() {
        return 0;
    }
    let mut units = 0.0f64;
    for ch in text.chars() {
        units += if ch.is_ascii_alphanumeric() || ch == ' ' {
            0.25
        } else if ch.is_ascii() {
            0.5
        } else {
            1.0
        };
    }
    (units.ceil() as u32).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_is_about_four_characters_per_token() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("a"), 1);
        let prose = "The quick brown fox jumps over the lazy dog and runs away";
        let estimate = estimate_tokens(prose);
        assert!((12..=16).contains(&estimate), "{estimate}");
    }

    #[test]
    fn openai_models_are_counted_with_their_tokenizer() {
        assert!(has_exact_tokenizer("gpt-4o"));
        assert!(has_exact_tokenizer("gpt-4"));
        assert!(!has_exact_tokenizer("claude-sonnet-4-5"));
        assert!(!has_exact_tokenizer("llama3.2"));
        // o200k_base: "hello world" is two tokens; cl100k_base agrees.
        assert_eq!(count_tokens("gpt-4o", "hello world"), 2);
        assert_eq!(count_tokens("gpt-4", "hello world"), 2);
        assert_eq!(count_tokens("gpt-4o", ""), 0);
        // Everything else falls back to the estimate.
        let text = "The quick brown fox jumps over the lazy dog and runs away";
        assert_eq!(count_tokens("llama3.2", text), estimate_tokens(text));
        // The real count of prose lands near the estimate (the calibration).
        let exact = count_tokens("gpt-4o", text);
        assert!((10..=16).contains(&exact), "{exact}");
    }

    #[test]
    fn requests_count_their_system_prompt_turns_and_overhead() {
        use crate::providers::{ChatRole, ChatTurn};
        let request = ChatRequest {
            model: "gpt-4o".into(),
            system: Some("hello world".into()),
            turns: vec![ChatTurn {
                role: ChatRole::User,
                content: "hello world".into(),
            }],
            max_tokens: 10,
        };
        assert_eq!(count_request_tokens(&request), 2 * (2 + TOKENS_PER_TURN));
    }
}
