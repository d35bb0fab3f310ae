//! What the hand-rolled benchmarks (harness = false) share: how many rounds
//! to run, and how their figures are summarized.

use std::time::Duration;

/// `full` under `cargo bench` (which passes `--bench`); otherwise `quick`,
/// enough to prove the benchmark still works when built as a test.
pub fn rounds(full: usize, quick: usize) -> usize {
    if std::env::args().any(|a| a == "--bench") {
        full
    } else {
        quick
    }
}

#[allow(dead_code)] // not every benchmark reports medians
pub fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The `p`th percentile (0–100) by nearest rank.
#[allow(dead_code)]
pub fn percentile(mut values: Vec<Duration>, p: f64) -> Duration {
    values.sort();
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}
