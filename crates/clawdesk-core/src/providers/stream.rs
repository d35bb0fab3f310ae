//! The stream a provider hands to the pipeline: normalized events plus a
//! record of when bytes last arrived on the connection.
//!
//! Timeouts must be measured on bytes, not on decoded events: Anthropic's
//! `ping` events, SSE `:` keep-alive comments, and the pieces of one large
//! event all prove the provider is alive yet decode to nothing. The clients
//! therefore wrap the raw body in [`Activity::observe`], which notes the
//! time of every read (one clock read and one relaxed atomic store per
//! network read, no timer), and the pipeline's single timer looks at that
//! note when it fires.

use super::{ProviderEvent, ProviderFailure};
use futures_util::stream::{BoxStream, Stream, StreamExt};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// When bytes last arrived, shared between the reading side and the timer.
#[derive(Clone, Debug)]
pub struct Activity(Arc<Clock>);

#[derive(Debug)]
struct Clock {
    origin: Instant,
    /// Nanoseconds after `origin` of the last arrival; 0 = nothing yet.
    last: AtomicU64,
}

impl Default for Activity {
    fn default() -> Self {
        Self::new()
    }
}

impl Activity {
    pub fn new() -> Self {
        Self(Arc::new(Clock {
            origin: Instant::now(),
            last: AtomicU64::new(0),
        }))
    }

    /// Something arrived now.
    pub fn touch(&self) {
        let nanos = u64::try_from(self.0.origin.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.0.last.store(nanos.max(1), Ordering::Relaxed);
    }

    /// When something last arrived; `None` before the first arrival.
    pub fn last(&self) -> Option<Instant> {
        match self.0.last.load(Ordering::Relaxed) {
            0 => None,
            nanos => Some(self.0.origin + Duration::from_nanos(nanos)),
        }
    }

    /// Passes `body` through, touching on every item it yields (data or error).
    pub fn observe<S: Stream>(&self, body: S) -> impl Stream<Item = S::Item> {
        let activity = self.clone();
        body.inspect(move |_| activity.touch())
    }
}

type Events = BoxStream<'static, Result<ProviderEvent, ProviderFailure>>;

/// What [`super::Provider::stream_chat`] returns: a `Stream` of events, with
/// the connection's [`Activity`] alongside.
pub struct ProviderStream {
    events: Events,
    activity: Activity,
}

impl ProviderStream {
    /// Events decoded from a body that `activity` observes (see
    /// [`Activity::observe`]).
    pub fn new(events: Events, activity: Activity) -> Self {
        Self { events, activity }
    }

    /// A stream with no body to observe (fakes, replays): every event counts
    /// as activity.
    pub fn from_events(events: Events) -> Self {
        let activity = Activity::new();
        let events = activity.observe(events).boxed();
        Self { events, activity }
    }

    pub fn activity(&self) -> &Activity {
        &self.activity
    }

    /// Rewrites every failure the stream yields (the same activity is kept).
    pub fn map_failures(
        self,
        rewrite: impl Fn(ProviderFailure) -> ProviderFailure + Send + 'static,
    ) -> Self {
        Self {
            events: self.events.map(move |item| item.map_err(&rewrite)).boxed(),
            activity: self.activity,
        }
    }
}

impl Stream for ProviderStream {
    type Item = Result<ProviderEvent, ProviderFailure>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.poll_next_unpin(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.events.size_hint()
    }
}
