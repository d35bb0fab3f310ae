//! Token estimates for text no provider has counted yet.

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
}
