//! Reads one provider stream to its end, under the configured timeouts and
//! the user's cancel, and retries failures that happen before any text was
//! shown.

use crate::config::NetworkConfig;
use crate::error::FailureCode;
use crate::providers::{ChatRequest, Provider, ProviderEvent, ProviderFailure};
use backon::{BackoffBuilder, ExponentialBuilder};
use futures_util::StreamExt;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Where the reading loop delivers text and usage as they arrive.
pub(crate) trait ReplyReceiver {
    /// A piece of text, already counted; `index` is its place from 0.
    async fn text(&mut self, delta: String, index: u32);
    fn usage(&mut self, input_tokens: Option<u32>, output_tokens: Option<u32>);
    /// Nothing shown yet and the request is about to be sent again: forget
    /// usage reported by the failed attempt.
    fn restart(&mut self);
}

pub(crate) struct Limits {
    pub first_byte: Duration,
    pub idle: Duration,
    pub max_retries: u32,
    /// Longest wait before a retry; a provider asking for more fails the
    /// send at once (with its `Retry-After`) instead of silencing it.
    pub max_retry_wait: Duration,
}

impl From<&NetworkConfig> for Limits {
    fn from(network: &NetworkConfig) -> Self {
        Self {
            first_byte: Duration::from_millis(network.first_byte_timeout_ms.into()),
            idle: Duration::from_millis(network.idle_timeout_ms.into()),
            max_retries: network.max_retries,
            max_retry_wait: Duration::from_millis(network.max_retry_wait_ms.into()),
        }
    }
}

/// Streams the reply into `receiver`. Returns how many chunks were delivered,
/// or the failure that ended it (`cancelled` when `cancel` fired).
pub(crate) async fn stream_with_retries(
    provider: &dyn Provider,
    request: &ChatRequest,
    limits: &Limits,
    cancel: &CancellationToken,
    receiver: &mut impl ReplyReceiver,
) -> Result<u32, (ProviderFailure, u32)> {
    let mut delays = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(250))
        .with_max_delay(Duration::from_secs(10))
        .with_jitter()
        .with_max_times(limits.max_retries as usize)
        .build();
    let mut delivered = 0u32;
    loop {
        let failure =
            match read_once(provider, request, limits, cancel, receiver, &mut delivered).await {
                Ok(()) => return Ok(delivered),
                Err(failure) => failure,
            };
        // Once text was shown, a retry would repeat or contradict it.
        let may_retry = failure.retryable && delivered == 0;
        let Some(backoff) = delays.next().filter(|_| may_retry) else {
            return Err((failure, delivered));
        };
        let wait = failure
            .retry_after
            .map_or(backoff, |asked| asked.max(backoff));
        if wait > limits.max_retry_wait {
            // A `Retry-After: 3600` must not leave the user looking at a
            // silent send for an hour: fail now, still retryable and with
            // the provider's own figure, so the window can say when to retry.
            return Err((too_long_to_wait(failure, wait), delivered));
        }
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err((ProviderFailure::cancelled(), delivered)),
            _ = tokio::time::sleep(wait) => {}
        }
        receiver.restart();
    }
}

async fn read_once(
    provider: &dyn Provider,
    request: &ChatRequest,
    limits: &Limits,
    cancel: &CancellationToken,
    receiver: &mut impl ReplyReceiver,
    delivered: &mut u32,
) -> Result<(), ProviderFailure> {
    let sent_at = Instant::now();
    let first_byte_deadline = sent_at + limits.first_byte;
    let mut stream = tokio::select! {
        biased;
        _ = cancel.cancelled() => return Err(ProviderFailure::cancelled()),
        opened = tokio::time::timeout_at(first_byte_deadline.into(), provider.stream_chat(request)) => {
            opened.map_err(|_| ProviderFailure::timeout("no answer from the provider", limits.first_byte))??
        }
    };
    // One cancel registration and one timer for the whole stream: creating
    // them per chunk costs more than the chunk itself on a fast stream. The
    // timer is only moved when it fires. It judges silence by the bytes the
    // connection received (the stream's `Activity`), not by decoded events:
    // keep-alive pings and comments, and the parts of one large event,
    // decode to nothing but prove the provider is alive.
    let activity = stream.activity().clone();
    let cancelled = cancel.cancelled();
    tokio::pin!(cancelled);
    let timer = tokio::time::sleep_until(next_check(None, first_byte_deadline, limits).into());
    tokio::pin!(timer);
    let mut finished = false;
    loop {
        // Dropping `stream` on cancel closes the HTTP connection.
        let next = tokio::select! {
            biased;
            _ = &mut cancelled => return Err(ProviderFailure::cancelled()),
            next = stream.next() => next,
            _ = &mut timer => {
                let last_byte = activity.last();
                let deadline = last_byte.map_or(first_byte_deadline, |at| at + limits.idle);
                if deadline > Instant::now() {
                    timer.as_mut().reset(next_check(last_byte, first_byte_deadline, limits).into());
                    continue;
                }
                // A server that said it was done but keeps the connection
                // open has still given the whole reply.
                if finished {
                    return Ok(());
                }
                return Err(match last_byte {
                    Some(_) => ProviderFailure::timeout("the reply stalled", limits.idle),
                    None => ProviderFailure::timeout("no answer from the provider", limits.first_byte),
                });
            }
        };
        let event = match next {
            None if finished => return Ok(()),
            None => return Err(ProviderFailure::truncated()),
            Some(Err(failure)) => return Err(failure),
            Some(Ok(event)) => event,
        };
        match event {
            ProviderEvent::TextDelta(text) => {
                receiver.text(text, *delivered).await;
                *delivered += 1;
            }
            ProviderEvent::Usage {
                input_tokens,
                output_tokens,
            } => receiver.usage(input_tokens, output_tokens),
            // Keep reading: OpenAI sends usage after the finish reason.
            ProviderEvent::Stop { .. } => finished = true,
        }
    }
}

/// When the timer should next look at the connection. Once bytes arrived,
/// exactly when the idle limit runs out. Before that, at the first-byte
/// deadline but at least once per idle period: the first bytes may come at
/// any moment and the idle limit (often the shorter one) counts from them,
/// so this wake-up is never later than `first byte + idle`.
fn next_check(
    last_byte: Option<Instant>,
    first_byte_deadline: Instant,
    limits: &Limits,
) -> Instant {
    match last_byte {
        Some(at) => at + limits.idle,
        None => first_byte_deadline.min(Instant::now() + limits.idle),
    }
}

/// The failure that ends a send whose retry would wait longer than
/// `network.maxRetryWaitMs`: as the provider gave it (a 429 stays
/// `rateLimited`, retryable, with its `Retry-After`), saying why no retry.
fn too_long_to_wait(mut failure: ProviderFailure, wait: Duration) -> ProviderFailure {
    failure.message = format!(
        "{} (retrying would mean waiting {} s, longer than network.maxRetryWaitMs allows)",
        failure.message,
        wait.as_secs()
    );
    failure.retry_after = failure.retry_after.or(Some(wait));
    failure
}

impl ProviderFailure {
    pub(crate) fn is_cancel(&self) -> bool {
        self.code == FailureCode::Cancelled
    }
}
