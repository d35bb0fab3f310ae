//! Text folded the way the word index folds it (lower case, diacritics
//! removed), remembering where each folded character came from, so matches
//! found in folded text can be mapped back onto the original.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Folded characters, each with the byte range of the original character it
/// came from.
pub(crate) struct Folded {
    pub chars: Vec<char>,
    pub origin: Vec<(usize, usize)>,
}

/// Lower case, canonical decomposition, combining marks dropped: "Café" and
/// "CAFE" both give "cafe", like `unicode61 remove_diacritics 2`.
pub(crate) fn fold(text: &str) -> Folded {
    let mut chars = Vec::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        let span = (at, at + c.len_utf8());
        // Most chat text is ASCII, which has nothing to decompose: the
        // lookup below costs more than everything else here.
        if c.is_ascii() {
            chars.push(c.to_ascii_lowercase());
            origin.push(span);
            continue;
        }
        for lower in c.to_lowercase() {
            decompose_canonical(lower, |d| {
                if !is_combining_mark(d) {
                    chars.push(d);
                    origin.push(span);
                }
            });
        }
    }
    Folded { chars, origin }
}

/// Just the folded characters.
pub(crate) fn fold_str(text: &str) -> Vec<char> {
    fold(text).chars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_diacritics_and_keeps_origins() {
        let folded = fold("Café Ñandú");
        assert_eq!(folded.chars.iter().collect::<String>(), "cafe nandu");
        // 'é' is two bytes at 3..5.
        assert_eq!(folded.origin[3], (3, 5));
        assert_eq!(fold_str("日本語"), vec!['日', '本', '語']);
    }
}
