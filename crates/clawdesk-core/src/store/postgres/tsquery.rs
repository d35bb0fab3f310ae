//! Our parsed [`SearchQuery`] as a PostgreSQL `to_tsquery` expression. The
//! user's text never reaches PostgreSQL's query syntax: every word is one
//! the parser already reduced to folded letters and digits, written as a
//! quoted lexeme (quotes and backslashes escaped all the same), and the
//! operators come from here only: `&` between terms, `<->` between a
//! phrase's words, `:*` after a prefix. The expression is bound as a
//! parameter of `to_tsquery('simple', $n)`, never spliced into SQL.

use crate::search::{SearchQuery, Term};

/// The expression matching every word and phrase term of `query` (CJK
/// substrings are matched apart), or `None` when it has none.
pub fn tsquery(query: &SearchQuery) -> Option<String> {
    let parts: Vec<String> = query.terms.iter().filter_map(term_tsquery).collect();
    (!parts.is_empty()).then(|| parts.join(" & "))
}

/// One term's expression; `None` for a CJK substring.
pub(super) fn term_tsquery(term: &Term) -> Option<String> {
    match term {
        Term::Word { text, prefix } => Some(lexeme(text, *prefix)),
        Term::Phrase { words, prefix } => {
            let last = words.len().saturating_sub(1);
            let chain: Vec<String> = words
                .iter()
                .enumerate()
                .map(|(i, word)| lexeme(word, *prefix && i == last))
                .collect();
            Some(format!("({})", chain.join(" <-> ")))
        }
        Term::Substring(_) => None,
    }
}

fn lexeme(word: &str, prefix: bool) -> String {
    let quoted = word.replace('\\', "\\\\").replace('\'', "''");
    format!("'{quoted}'{}", if prefix { ":*" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_and_prefixes_become_quoted_lexemes() {
        let q = SearchQuery::parse(r#"Rust async* "error handling" "e-mail ad"* 日本語"#).unwrap();
        assert_eq!(
            tsquery(&q).unwrap(),
            "'rust' & 'async':* & ('error' <-> 'handling') & ('e' <-> 'mail' <-> 'ad':*)"
        );
        assert_eq!(tsquery(&SearchQuery::parse("日本語 中文").unwrap()), None);
    }

    #[test]
    fn query_syntax_in_the_text_stays_text() {
        let q = SearchQuery::parse(r#""a & b | !c <-> d:*""#).unwrap();
        assert_eq!(tsquery(&q).unwrap(), "('a' <-> 'b' <-> 'c' <-> 'd')");
        assert_eq!(lexeme("it's\\", false), r"'it''s\\'");
    }
}
