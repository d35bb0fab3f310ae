//! What a search engine without our tokenizer indexes of a message: its
//! words folded the way [`super::query`] folds the query's words, with every
//! separator made a space. PostgreSQL's `to_tsvector('simple', …)` of this
//! text then holds exactly the words FTS5's `unicode61 remove_diacritics`
//! would, whatever the server's locale or extensions: "Café" and "e-mail"
//! index as `cafe` and `e mail` (a phrase), as the query parser reads them.

use super::fold::fold_str;
use super::script::is_word_char;

/// The most bytes of a message's words that are indexed. PostgreSQL's
/// `tsvector` holds at most 1 MiB; at this size even a text of one-letter
/// words stays well under it. A longer message is found by the words of its
/// first 128 KiB (its text is kept and shown whole).
pub const MAX_INDEXED_BYTES: usize = 128 * 1024;

/// The folded words of `content`, separated by single spaces, cut after
/// [`MAX_INDEXED_BYTES`] at a word boundary.
pub fn indexed_words(content: &str) -> String {
    let mut out = String::with_capacity(content.len().min(MAX_INDEXED_BYTES));
    let mut in_word = false;
    for c in fold_str(content) {
        if is_word_char(c) {
            if out.len() + c.len_utf8() > MAX_INDEXED_BYTES {
                // Drop the word cut in half: it would index as another word.
                if in_word {
                    let start = out.rfind(' ').map_or(0, |at| at + 1);
                    out.truncate(start);
                }
                break;
            }
            out.push(c);
            in_word = true;
        } else if in_word {
            out.push(' ');
            in_word = false;
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_splits_like_the_query_parser() {
        assert_eq!(
            indexed_words("Café, e-mail!  «NAÏVE» 3.5"),
            "cafe e mail naive 3 5"
        );
        assert_eq!(indexed_words("日本語のテキスト ok"), "日本語のテキスト ok");
        assert_eq!(indexed_words("...  "), "");
    }

    #[test]
    fn long_text_is_cut_between_words() {
        let text = "word ".repeat(MAX_INDEXED_BYTES);
        let words = indexed_words(&text);
        assert!(words.len() <= MAX_INDEXED_BYTES);
        assert!(words.split(' ').all(|w| w == "word"), "no half word");
    }
}
