//! Where a hit's terms are in its text, and the snippet the window shows:
//! plain text (no markup: the window highlights by offsets with text nodes)
//! with the matches as UTF-16 ranges, so JavaScript's `slice` cuts them.

use super::fold::{fold, fold_str};
use super::query::{SearchQuery, Term};
use super::script::is_word_char;
use crate::types::TextRange;

/// Characters of context kept before the first match.
const CONTEXT_BEFORE: usize = 60;
/// Longest snippet, in characters, before the ellipses.
const SNIPPET_CHARS: usize = 240;
/// How far the cut may move to fall between words instead of inside one.
const WORD_SLACK: usize = 16;
const ELLIPSIS: char = '…';

/// Byte ranges of `content` where the query's terms match, sorted and
/// merged. Matching follows the index: folded case and diacritics, words
/// at word boundaries, CJK substrings anywhere.
pub fn match_ranges(content: &str, query: &SearchQuery) -> Vec<(usize, usize)> {
    let folded = fold(content);
    let mut found: Vec<(usize, usize)> = Vec::new();
    for term in &query.terms {
        let spans = FoldedTerm::new(term).spans(&folded.chars);
        found.extend(
            spans
                .into_iter()
                .map(|(start, end)| (folded.origin[start].0, folded.origin[end - 1].1)),
        );
    }
    found.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(found.len());
    for (start, end) in found {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// A term folded once per search, to be matched against many texts.
pub(crate) enum FoldedTerm {
    /// Words in order (one for a word); the last may be a prefix.
    Phrase(Vec<Vec<char>>, bool),
    Substring(Vec<char>),
}

impl FoldedTerm {
    pub fn new(term: &Term) -> Self {
        match term {
            Term::Word { text, prefix } => Self::Phrase(vec![fold_str(text)], *prefix),
            Term::Phrase { words, prefix } => {
                Self::Phrase(words.iter().map(|w| fold_str(w)).collect(), *prefix)
            }
            Term::Substring(sub) => Self::Substring(fold_str(sub)),
        }
    }

    /// Where the term matches in folded text (char indices, end exclusive).
    pub fn spans(&self, text: &[char]) -> Vec<(usize, usize)> {
        match self {
            Self::Phrase(words, prefix) => phrase_spans(text, words, *prefix),
            Self::Substring(sub) => substring_spans(text, sub),
        }
    }
}

fn starts_with_at(text: &[char], at: usize, word: &[char]) -> bool {
    text.len() >= at + word.len() && text[at..at + word.len()] == *word
}

/// Spans (folded char indices, end exclusive) of `words` in order, each at a
/// word start, separated by non-word characters; the last may be a prefix
/// (its span then runs to the end of the word it starts).
fn phrase_spans(text: &[char], words: &[Vec<char>], prefix: bool) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut at = 0;
    'start: while at < text.len() {
        let start = at;
        at += 1;
        if start > 0 && is_word_char(text[start - 1]) {
            continue;
        }
        let mut pos = start;
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                let gap = pos;
                while pos < text.len() && !is_word_char(text[pos]) {
                    pos += 1;
                }
                if pos == gap {
                    continue 'start;
                }
            }
            if !starts_with_at(text, pos, word) {
                continue 'start;
            }
            pos += word.len();
            let last = i + 1 == words.len();
            if last && prefix {
                while pos < text.len() && is_word_char(text[pos]) {
                    pos += 1;
                }
            } else if pos < text.len() && is_word_char(text[pos]) {
                continue 'start;
            }
        }
        spans.push((start, pos));
        at = pos;
    }
    spans
}

fn substring_spans(text: &[char], sub: &[char]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    if sub.is_empty() {
        return spans;
    }
    let mut at = 0;
    while at + sub.len() <= text.len() {
        if text[at..at + sub.len()] == *sub {
            spans.push((at, at + sub.len()));
            at += sub.len();
        } else {
            at += 1;
        }
    }
    spans
}

/// A snippet of `content` around its first match and the matches inside it.
pub fn snippet(content: &str, query: &SearchQuery) -> (String, Vec<TextRange>) {
    let ranges = match_ranges(content, query);
    // Char boundaries (byte offsets) of content, to cut by characters.
    let bounds: Vec<usize> = content
        .char_indices()
        .map(|(i, _)| i)
        .chain([content.len()])
        .collect();
    let char_count = bounds.len() - 1;
    let char_at = |byte: usize| bounds.partition_point(|&b| b < byte);
    let first = ranges.first().map_or(0, |&(start, _)| char_at(start));

    let mut from = first.saturating_sub(CONTEXT_BEFORE);
    if from > 0 {
        // Start after a space close by rather than inside a word.
        if let Some(space) = (from..first.min(from + WORD_SLACK))
            .find(|&i| content[bounds[i]..].starts_with(char::is_whitespace))
        {
            from = space + 1;
        }
    }
    let mut to = (from + SNIPPET_CHARS).min(char_count);
    if to < char_count {
        if let Some(space) = (to.saturating_sub(WORD_SLACK).max(first + 1)..to)
            .rev()
            .find(|&i| content[bounds[i]..].starts_with(char::is_whitespace))
        {
            to = space;
        }
    }

    let mut text = String::new();
    if from > 0 {
        text.push(ELLIPSIS);
    }
    let lead = text.len();
    // Line breaks and tabs become spaces (one UTF-16 unit each, like what they replace).
    text.extend(content[bounds[from]..bounds[to]].chars().map(|c| {
        if c.is_control() {
            ' '
        } else {
            c
        }
    }));
    if to < char_count {
        text.push(ELLIPSIS);
    }

    let (lo, hi) = (bounds[from], bounds[to]);
    let utf16 = |byte_in_content: usize| -> u32 {
        let byte_in_text = lead + byte_in_content - lo;
        text[..byte_in_text].encode_utf16().count() as u32
    };
    let matches = ranges
        .into_iter()
        .filter(|&(start, end)| end > lo && start < hi)
        .map(|(start, end)| TextRange {
            start: utf16(start.max(lo)),
            end: utf16(end.min(hi)),
        })
        .collect();
    (text, matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn highlighted(content: &str, query: &str) -> (String, Vec<String>) {
        let (text, ranges) = snippet(content, &SearchQuery::parse(query).unwrap());
        let units: Vec<u16> = text.encode_utf16().collect();
        let parts = ranges
            .iter()
            .map(|r| String::from_utf16(&units[r.start as usize..r.end as usize]).unwrap())
            .collect();
        (text, parts)
    }

    #[test]
    fn words_prefixes_phrases_and_folding() {
        let (_, parts) = highlighted("The Café opens; cafe culture, CAFES", "cafe");
        assert_eq!(parts, vec!["Café", "cafe"]);
        let (_, parts) = highlighted("internal international inter", "inter*");
        assert_eq!(parts, vec!["internal", "international", "inter"]);
        let (_, parts) = highlighted("error, handling and error-handling", r#""error handling""#);
        assert_eq!(parts, vec!["error, handling", "error-handling"]);
    }

    #[test]
    fn offsets_are_utf16_units_across_emoji_and_cjk() {
        // 😀 is two UTF-16 units; JavaScript's slice must cut the match exactly.
        let (text, parts) = highlighted("😀 今日は日本語のテキスト 😀 rust", "日本語 rust");
        assert_eq!(parts, vec!["日本語", "rust"]);
        assert!(text.starts_with('😀'));
        let (_, parts) = highlighted("我们说中文。", "中文");
        assert_eq!(parts, vec!["中文"]);
    }

    #[test]
    fn long_text_is_cut_around_the_first_match_with_ellipses() {
        let content = format!("{} needle {}", "word ".repeat(200), "tail ".repeat(200));
        let (text, parts) = highlighted(&content, "needle");
        assert_eq!(parts, vec!["needle"]);
        assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
        assert!(text.chars().count() <= SNIPPET_CHARS + 2);
        assert!(!text.contains("  word"), "cut between words: {text}");
    }

    #[test]
    fn line_breaks_become_spaces_without_moving_offsets() {
        let (text, parts) = highlighted("first line\nsecond needle", "needle");
        assert_eq!(text, "first line second needle");
        assert_eq!(parts, vec!["needle"]);
    }

    #[test]
    fn text_without_a_visible_match_gives_its_start_and_no_ranges() {
        let (text, ranges) = snippet("nothing here", &SearchQuery::parse("absent").unwrap());
        assert_eq!(text, "nothing here");
        assert!(ranges.is_empty());
    }
}
