//! Ranking the candidates a search found: Okapi BM25, as FTS5's `bm25()`
//! computes it, then recency.
//!
//! FTS5's own `bm25()` counts, for every query, how many messages contain
//! each term by reading the term's whole doclist: ~35 ms for a word in
//! nearly all of a million messages, before a single row is scored. Here
//! the counts are capped (see `DF_CAP` in the store) and the per-message
//! figures (term frequency, length) come from the candidates' own text,
//! folded and matched the way the snippet is.

use super::fold::fold;
use super::query::SearchQuery;
use super::results::SearchRow;
use super::script::is_word_char;
use super::snippet::FoldedTerm;

/// BM25's usual constants (FTS5 uses the same).
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// The weight of a term in half the messages or more (FTS5's floor too):
/// it orders nothing, like a stop word.
const COMMON_IDF: f64 = 1e-6;

/// How many messages contain a term, as far as the store counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocFrequency {
    Exactly(u64),
    /// At least this many: the count stopped there.
    AtLeast(u64),
    /// Not counted (CJK terms too short for the trigram index): every
    /// candidate gets the same weight for it.
    Unknown,
}

fn idf(df: DocFrequency, total: u64) -> f64 {
    let total = total as f64;
    match df {
        DocFrequency::Exactly(n) => {
            let n = n as f64;
            let idf = ((total - n + 0.5) / (n + 0.5)).ln();
            if idf > 0.0 {
                idf
            } else {
                COMMON_IDF
            }
        }
        DocFrequency::AtLeast(_) => COMMON_IDF,
        DocFrequency::Unknown => 1.0,
    }
}

/// Orders `rows` (newest first, as the store read them) best first: by
/// BM25 over the query's terms, ties by creation time then storage order
/// (both newest first). `doc_frequencies` has one entry per term of
/// `query`; `total` is how many messages there are.
pub fn rank(
    mut rows: Vec<SearchRow>,
    query: &SearchQuery,
    doc_frequencies: &[DocFrequency],
    total: u64,
) -> Vec<SearchRow> {
    let weights: Vec<f64> = doc_frequencies.iter().map(|&df| idf(df, total)).collect();
    let terms: Vec<FoldedTerm> = query.terms.iter().map(FoldedTerm::new).collect();
    // Per row: (term frequencies, length in tokens).
    let figures: Vec<(Vec<usize>, usize)> = rows
        .iter()
        .map(|row| {
            let folded = fold(&row.content).chars;
            let length = folded
                .split(|&c| !is_word_char(c))
                .filter(|w| !w.is_empty())
                .count();
            let tf = terms.iter().map(|term| term.spans(&folded).len()).collect();
            (tf, length.max(1))
        })
        .collect();
    let average =
        figures.iter().map(|(_, len)| *len as f64).sum::<f64>() / rows.len().max(1) as f64;
    let scores: Vec<f64> = figures
        .iter()
        .map(|(tf, len)| {
            let norm = K1 * (1.0 - B + B * *len as f64 / average);
            tf.iter()
                .zip(&weights)
                .map(|(&tf, w)| {
                    let tf = tf as f64;
                    w * tf * (K1 + 1.0) / (tf + norm)
                })
                .sum()
        })
        .collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    // Stable: equal scores and times keep the store's newest-first order.
    order.sort_by(|&a, &b| {
        scores[b]
            .total_cmp(&scores[a])
            .then(rows[b].created_at_ms.cmp(&rows[a].created_at_ms))
    });
    let mut taken: Vec<Option<SearchRow>> = rows.drain(..).map(Some).collect();
    order.into_iter().filter_map(|i| taken[i].take()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{MessageId, SessionId};
    use crate::types::Role;

    fn row(content: &str, created_at_ms: i64) -> SearchRow {
        SearchRow {
            message_id: MessageId::generate(),
            session_id: SessionId::generate(),
            role: Role::User,
            content: content.into(),
            created_at_ms,
            compacted: false,
            summary: false,
            other_branch: false,
        }
    }

    fn ranked(rows: Vec<SearchRow>, query: &str, dfs: &[DocFrequency], total: u64) -> Vec<String> {
        let query = SearchQuery::parse(query).unwrap();
        rank(rows, &query, dfs, total)
            .into_iter()
            .map(|r| r.content)
            .collect()
    }

    #[test]
    fn denser_and_shorter_first_then_newer() {
        let rows = vec![
            row("kernel", 3),
            row("kernel panic in the kernel", 2),
            row(
                "a long text that says kernel once and goes on and on about other things",
                4,
            ),
            row("kernel", 1),
        ];
        let query = SearchQuery::parse("kernel").unwrap();
        let order: Vec<(String, i64)> = rank(rows, &query, &[DocFrequency::Exactly(4)], 100)
            .into_iter()
            .map(|r| (r.content, r.created_at_ms))
            .collect();
        let long = "a long text that says kernel once and goes on and on about other things";
        assert_eq!(
            order,
            vec![
                ("kernel".to_string(), 3),
                ("kernel".to_string(), 1),
                ("kernel panic in the kernel".to_string(), 2),
                (long.to_string(), 4),
            ]
        );
    }

    #[test]
    fn a_rare_term_weighs_more_than_a_common_one() {
        let rows = vec![row("the the the zephyr", 2), row("zephyr zephyr the", 1)];
        let dfs = [DocFrequency::AtLeast(20_000), DocFrequency::Exactly(10)];
        let order = ranked(rows, "the zephyr", &dfs, 1_000_000);
        assert_eq!(order[0], "zephyr zephyr the");
    }

    #[test]
    fn with_all_terms_common_recency_still_orders_equal_texts() {
        let rows = vec![row("the end", 5), row("the end", 9), row("the end", 7)];
        let order: Vec<i64> = rank(
            rows,
            &SearchQuery::parse("the").unwrap(),
            &[DocFrequency::AtLeast(1)],
            10,
        )
        .into_iter()
        .map(|r| r.created_at_ms)
        .collect();
        assert_eq!(order, vec![9, 7, 5]);
    }
}
