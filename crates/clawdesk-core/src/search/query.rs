//! The search box's language, parsed here so that nothing the user types is
//! ever handed to FTS5 as syntax.
//!
//! - `word` finds the word (case and diacritics folded: `cafe` finds "Café");
//! - `word*` finds words starting with it;
//! - `"several words"` finds them in that order; a bare `e-mail` is the
//!   phrase "e mail", as the index splits it;
//! - text in Chinese, Japanese or Korean (see [`is_cjk`]) is found as a
//!   substring, quoted or not, since those scripts have no spaces between
//!   words;
//! - every term must match (AND).
//!
//! Refused with `invalidArgument { field: "query" }`: an empty query, an
//! unbalanced `"`, an empty phrase, `*` anywhere but at the end of a word,
//! FTS operators (`AND`, `OR`, `NOT`, `NEAR`, parentheses, a leading `-`,
//! `+` or `^`), a term with no letters or digits, over [`MAX_QUERY_CHARS`]
//! characters or [`MAX_TERMS`] terms.

use super::fold::fold_str;
use super::script::{has_cjk, is_word_char};
use crate::{AppError, AppResult};

pub const MAX_QUERY_CHARS: usize = 500;
pub const MAX_TERMS: usize = 16;

/// The trigram index matches substrings of at least three characters;
/// shorter CJK terms are matched with `LIKE` over the messages it holds.
pub const TRIGRAM: usize = 3;

/// One thing every hit must contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A whole word, or with `prefix` any word starting with it.
    Word { text: String, prefix: bool },
    /// Words in this order with only separators between them; with
    /// `prefix`, the last one may be the start of a word.
    Phrase { words: Vec<String>, prefix: bool },
    /// Text of a script without word spaces, matched anywhere.
    Substring(String),
}

/// A parsed, valid query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub terms: Vec<Term>,
}

fn refuse<T>(why: impl std::fmt::Display) -> AppResult<T> {
    Err(AppError::invalid_argument("query", why))
}

impl SearchQuery {
    pub fn parse(input: &str) -> AppResult<Self> {
        if input.chars().count() > MAX_QUERY_CHARS {
            return refuse(format!("is longer than {MAX_QUERY_CHARS} characters"));
        }
        let chars: Vec<char> = input.chars().collect();
        let mut terms = Vec::new();
        let mut at = 0;
        while at < chars.len() {
            let c = chars[at];
            if c.is_whitespace() {
                at += 1;
            } else if c == '"' {
                let Some(len) = chars[at + 1..].iter().position(|&c| c == '"') else {
                    return refuse("a quote is not closed (\" … \")");
                };
                let inner: String = chars[at + 1..at + 1 + len].iter().collect();
                at += len + 2;
                let prefix = chars.get(at) == Some(&'*');
                if prefix {
                    at += 1;
                }
                terms.push(quoted_term(&inner, prefix)?);
            } else {
                let end = chars[at..]
                    .iter()
                    .position(|&c| c.is_whitespace() || c == '"')
                    .map_or(chars.len(), |len| at + len);
                let bare: String = chars[at..end].iter().collect();
                at = end;
                terms.push(bare_term(&bare)?);
            }
        }
        if terms.is_empty() {
            return refuse("is empty");
        }
        if terms.len() > MAX_TERMS {
            return refuse(format!("has more than {MAX_TERMS} terms"));
        }
        Ok(Self { terms })
    }

    /// The FTS5 expression for the word index (`message_search`), or `None`
    /// when every term is a CJK substring. Every token is quoted, so nothing
    /// in it is FTS syntax.
    pub fn word_match(&self) -> Option<String> {
        self.joined(|lookup| match lookup {
            Lookup::Words(expr) => Some(expr),
            _ => None,
        })
    }

    /// The FTS5 expression for the trigram index (`message_search_cjk`): the
    /// CJK terms long enough for it.
    pub fn trigram_match(&self) -> Option<String> {
        self.joined(|lookup| match lookup {
            Lookup::Trigrams(expr) => Some(expr),
            _ => None,
        })
    }

    /// `LIKE` patterns (escape character `\`) for the CJK terms too short
    /// for the trigram index.
    pub fn like_patterns(&self) -> Vec<String> {
        self.terms
            .iter()
            .filter_map(|term| match term.lookup() {
                Lookup::Like(pattern) => Some(pattern),
                _ => None,
            })
            .collect()
    }

    fn joined(&self, pick: impl Fn(Lookup) -> Option<String>) -> Option<String> {
        let parts: Vec<String> = self.terms.iter().filter_map(|t| pick(t.lookup())).collect();
        (!parts.is_empty()).then(|| parts.join(" AND "))
    }
}

/// How the store finds one term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// An FTS5 expression for the word index.
    Words(String),
    /// An FTS5 expression for the trigram index.
    Trigrams(String),
    /// A `LIKE` pattern (escape `\`) over the messages with CJK text.
    Like(String),
}

impl Term {
    pub fn lookup(&self) -> Lookup {
        match self {
            Term::Word { text, prefix } => Lookup::Words(fts_string(text, *prefix)),
            Term::Phrase { words, prefix } => Lookup::Words(fts_string(&words.join(" "), *prefix)),
            Term::Substring(text) if text.chars().count() >= TRIGRAM => {
                Lookup::Trigrams(fts_string(text, false))
            }
            Term::Substring(text) => {
                let mut pattern = String::from("%");
                for c in text.chars() {
                    if matches!(c, '%' | '_' | '\\') {
                        pattern.push('\\');
                    }
                    pattern.push(c);
                }
                pattern.push('%');
                Lookup::Like(pattern)
            }
        }
    }
}

/// A quoted FTS5 string (`"` doubled inside), `*` after it for a prefix.
fn fts_string(text: &str, prefix: bool) -> String {
    format!(
        "\"{}\"{}",
        text.replace('"', "\"\""),
        if prefix { "*" } else { "" }
    )
}

/// The words of `text` as the index splits them, folded.
fn words(text: &str) -> Vec<String> {
    fold_str(text)
        .split(|&c| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .map(|w| w.iter().collect())
        .collect()
}

fn quoted_term(inner: &str, prefix: bool) -> AppResult<Term> {
    let inner = inner.split_whitespace().collect::<Vec<_>>().join(" ");
    if inner.is_empty() {
        return refuse("a quoted phrase is empty");
    }
    text_term(&inner, prefix)
}

fn bare_term(bare: &str) -> AppResult<Term> {
    if matches!(bare, "AND" | "OR" | "NOT" | "NEAR") || bare.starts_with("NEAR(") {
        return refuse(format!(
            "search operators such as {bare} are not supported; every word must match (quote it to search for it)"
        ));
    }
    if bare.contains(['(', ')']) {
        return refuse("parentheses are not supported; quote text to search for it");
    }
    if bare.starts_with(['-', '+', '^']) {
        return refuse(format!(
            "{:?} is search syntax that is not supported; quote text to search for it",
            &bare[..1]
        ));
    }
    let (body, prefix) = match bare.strip_suffix('*') {
        Some(body) => (body, true),
        None => (bare, false),
    };
    if body.contains('*') || body.is_empty() {
        return refuse("* may only end a word, as in inter* (words starting with inter)");
    }
    text_term(body, prefix)
}

fn text_term(text: &str, prefix: bool) -> AppResult<Term> {
    if has_cjk(text) {
        // Substrings already match anywhere; a `*` adds nothing.
        return Ok(Term::Substring(text.to_string()));
    }
    let mut words = words(text);
    match words.len() {
        0 => refuse(format!("{text:?} has no letters or digits to search for")),
        1 => Ok(Term::Word {
            text: words.remove(0),
            prefix,
        }),
        _ => Ok(Term::Phrase { words, prefix }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, prefix: bool) -> Term {
        Term::Word {
            text: text.into(),
            prefix,
        }
    }

    fn refused(input: &str) -> String {
        match SearchQuery::parse(input) {
            Err(AppError::InvalidArgument { field, message }) => {
                assert_eq!(field, "query");
                message
            }
            other => panic!("{input:?} was not refused: {other:?}"),
        }
    }

    #[test]
    fn words_prefixes_and_phrases() {
        let q = SearchQuery::parse(r#"  Rust  async* "error handling"  "#).unwrap();
        assert_eq!(
            q.terms,
            vec![
                word("rust", false),
                word("async", true),
                Term::Phrase {
                    words: vec!["error".into(), "handling".into()],
                    prefix: false
                },
            ]
        );
        assert_eq!(
            q.word_match().unwrap(),
            r#""rust" AND "async"* AND "error handling""#
        );
        assert_eq!(q.trigram_match(), None);
    }

    #[test]
    fn diacritics_and_case_are_folded_and_inner_punctuation_makes_a_phrase() {
        let q = SearchQuery::parse("CAFÉ e-mail").unwrap();
        assert_eq!(
            q.terms,
            vec![
                word("cafe", false),
                Term::Phrase {
                    words: vec!["e".into(), "mail".into()],
                    prefix: false
                }
            ]
        );
    }

    #[test]
    fn cjk_terms_are_substrings_long_ones_through_the_trigram_index() {
        let q = SearchQuery::parse("日本語 中文 tokyo").unwrap();
        assert_eq!(q.word_match().unwrap(), r#""tokyo""#);
        assert_eq!(q.trigram_match().unwrap(), r#""日本語""#);
        assert_eq!(q.like_patterns(), vec!["%中文%".to_string()]);
    }

    #[test]
    fn fts_syntax_in_a_quoted_phrase_is_just_text() {
        let q = SearchQuery::parse(r#""NEAR(a b) OR c:d""#).unwrap();
        assert_eq!(q.word_match().unwrap(), r#""near a b or c d""#);
        // A quote inside CJK text cannot close the FTS string early.
        assert_eq!(fts_string(r#"日"本"#, false), r#""日""本""#);
    }

    #[test]
    fn bad_queries_are_refused_with_the_query_field() {
        for input in [
            "",
            "   ",
            r#""unbalanced"#,
            r#"one "two"#,
            r#""""#,
            "*",
            "in*ter",
            "**",
            "*suffix",
            "a AND b",
            "a OR b",
            "NOT a",
            "NEAR(a b)",
            "(a",
            "-excluded",
            "^start",
            "!!!",
            r#"". , ;""#,
        ] {
            refused(input);
        }
        assert!(refused(r#""open"#).contains("quote"));
        let long = "a ".repeat(MAX_QUERY_CHARS);
        assert!(refused(&long).contains("longer"));
        let many = (0..=MAX_TERMS)
            .map(|i| format!("w{i} "))
            .collect::<String>();
        assert!(refused(&many).contains("terms"));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        let q = SearchQuery::parse("中%").unwrap();
        assert_eq!(q.like_patterns(), vec![r"%中\%%".to_string()]);
    }
}
