//! Counters and latency histograms kept by the backend, read by `get_metrics`.
//!
//! Counters are lock-free atomics; latencies go into HDR histograms (1 µs to
//! 1 h, 3 significant digits) behind short-lived mutexes.

use crate::types::{LatencySummary, Metrics};
use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::{Duration, Instant};

struct Latency(Mutex<Histogram<u64>>);

impl Latency {
    fn new() -> Self {
        let histogram =
            Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("static bounds are valid");
        Self(Mutex::new(histogram))
    }

    fn record(&self, elapsed: Duration) {
        let micros = (elapsed.as_micros() as u64).clamp(1, 3_600_000_000);
        let mut h = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let _ = h.record(micros);
    }

    fn summary(&self) -> LatencySummary {
        let h = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if h.is_empty() {
            return LatencySummary::default();
        }
        LatencySummary {
            count: to_u32(h.len()),
            p50_us: to_u32(h.value_at_quantile(0.5)),
            p95_us: to_u32(h.value_at_quantile(0.95)),
            max_us: to_u32(h.max()),
        }
    }
}

/// How a stream ended, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamOutcome {
    Completed,
    Failed,
    Cancelled,
}

pub struct MetricsRecorder {
    started: Instant,
    commands_total: AtomicU64,
    command_errors: AtomicU64,
    sessions_created: AtomicU64,
    sessions_deleted: AtomicU64,
    messages_user: AtomicU64,
    messages_assistant: AtomicU64,
    input_tokens: AtomicU64,
    output_tokens: AtomicU64,
    active_streams: AtomicU64,
    streams_completed: AtomicU64,
    streams_failed: AtomicU64,
    streams_cancelled: AtomicU64,
    time_to_first_chunk: Latency,
    stream_duration: Latency,
    store_query: Latency,
}

impl Default for MetricsRecorder {
    fn default() -> Self {
        Self::new()
    }
}

fn to_u32(value: u64) -> u32 {
    value.min(u64::from(u32::MAX)) as u32
}

impl MetricsRecorder {
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            commands_total: AtomicU64::new(0),
            command_errors: AtomicU64::new(0),
            sessions_created: AtomicU64::new(0),
            sessions_deleted: AtomicU64::new(0),
            messages_user: AtomicU64::new(0),
            messages_assistant: AtomicU64::new(0),
            input_tokens: AtomicU64::new(0),
            output_tokens: AtomicU64::new(0),
            active_streams: AtomicU64::new(0),
            streams_completed: AtomicU64::new(0),
            streams_failed: AtomicU64::new(0),
            streams_cancelled: AtomicU64::new(0),
            time_to_first_chunk: Latency::new(),
            stream_duration: Latency::new(),
            store_query: Latency::new(),
        }
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Counts one command and whether it failed.
    pub fn command(&self, ok: bool) {
        self.commands_total.fetch_add(1, Relaxed);
        if !ok {
            self.command_errors.fetch_add(1, Relaxed);
        }
    }

    pub fn session_created(&self) {
        self.sessions_created.fetch_add(1, Relaxed);
    }

    pub fn session_deleted(&self) {
        self.sessions_deleted.fetch_add(1, Relaxed);
    }

    pub fn user_message(&self) {
        self.messages_user.fetch_add(1, Relaxed);
    }

    pub fn assistant_message(&self, input_tokens: u32, output_tokens: u32) {
        self.messages_assistant.fetch_add(1, Relaxed);
        self.input_tokens
            .fetch_add(u64::from(input_tokens), Relaxed);
        self.output_tokens
            .fetch_add(u64::from(output_tokens), Relaxed);
    }

    pub fn stream_started(&self) {
        self.active_streams.fetch_add(1, Relaxed);
    }

    pub fn first_chunk(&self, since_send: Duration) {
        self.time_to_first_chunk.record(since_send);
    }

    pub fn stream_finished(&self, outcome: StreamOutcome, duration: Duration) {
        // Saturating: never wrap below zero even if calls were unbalanced.
        let _ = self
            .active_streams
            .fetch_update(Relaxed, Relaxed, |n| Some(n.saturating_sub(1)));
        let counter = match outcome {
            StreamOutcome::Completed => &self.streams_completed,
            StreamOutcome::Failed => &self.streams_failed,
            StreamOutcome::Cancelled => &self.streams_cancelled,
        };
        counter.fetch_add(1, Relaxed);
        self.stream_duration.record(duration);
    }

    pub fn store_query(&self, elapsed: Duration) {
        self.store_query.record(elapsed);
    }

    pub fn snapshot(&self) -> Metrics {
        let get = |c: &AtomicU64| to_u32(c.load(Relaxed));
        Metrics {
            uptime: to_u32(self.uptime().as_secs()),
            commands_total: get(&self.commands_total),
            command_errors: get(&self.command_errors),
            sessions_created: get(&self.sessions_created),
            sessions_deleted: get(&self.sessions_deleted),
            messages_user: get(&self.messages_user),
            messages_assistant: get(&self.messages_assistant),
            input_tokens: get(&self.input_tokens),
            output_tokens: get(&self.output_tokens),
            active_streams: get(&self.active_streams),
            streams_completed: get(&self.streams_completed),
            streams_failed: get(&self.streams_failed),
            streams_cancelled: get(&self.streams_cancelled),
            time_to_first_chunk: self.time_to_first_chunk.summary(),
            stream_duration: self.stream_duration.summary(),
            store_query: self.store_query.summary(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_percentiles() {
        let m = MetricsRecorder::new();
        m.command(true);
        m.command(false);
        for ms in 1..=100 {
            m.store_query(Duration::from_millis(ms));
        }
        m.stream_started();
        m.stream_finished(StreamOutcome::Cancelled, Duration::from_millis(5));
        m.stream_finished(StreamOutcome::Failed, Duration::from_millis(5));
        let s = m.snapshot();
        assert_eq!((s.commands_total, s.command_errors), (2, 1));
        assert_eq!(s.active_streams, 0, "saturates instead of wrapping");
        assert_eq!((s.streams_cancelled, s.streams_failed), (1, 1));
        assert_eq!(s.store_query.count, 100);
        // HDR histograms keep 3 significant digits.
        assert!(
            s.store_query.p50_us.abs_diff(50_000) <= 50,
            "{:?}",
            s.store_query
        );
        assert!(s.store_query.p95_us.abs_diff(95_000) <= 95);
        assert!(s.store_query.max_us.abs_diff(100_000) <= 100);
    }
}
