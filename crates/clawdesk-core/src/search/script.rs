//! Which characters belong to scripts written without spaces between words.

/// Chinese, Japanese and Korean characters: hiragana and katakana, CJK
/// ideographs (with extension A and the compatibility block), Hangul
/// syllables and half-width katakana. The same class as the `GLOB` in
/// migration `0005_message_search.sql`, which decides what the trigram index
/// holds; keep the two in step.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7AF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF66}'..='\u{FF9F}')
}

pub fn has_cjk(text: &str) -> bool {
    text.chars().any(is_cjk)
}

/// A character the word index keeps inside a token (unicode61 keeps letters
/// and numbers; everything else separates tokens).
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_is_told_from_latin_and_cyrillic() {
        for c in ['日', '本', '語', '中', '文', 'の', 'カ', '한', '豈', 'ｶ'] {
            assert!(is_cjk(c), "{c}");
        }
        for c in ['a', 'é', 'Ж', '1', ' ', '。', '!'] {
            assert!(!is_cjk(c), "{c}");
        }
    }
}
