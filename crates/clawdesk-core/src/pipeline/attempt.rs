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
}

impl From<&NetworkConfig> for Limits {
    fn from(network: &NetworkConfig) -> Self {
        Self {
            first_byte: Duration::from_millis(network.first_byte_timeout_ms.into()),
            idle: Duration::from_millis(network.idle_timeout_ms.into()),
            max_retries: network.max_retries,
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
    let mut heard_anything = false;
    let mut finished = false;
    loop {
        let deadline = if heard_anything {
            Instant::now() + limits.idle
        } else {
            first_byte_deadline
        };
        // Dropping `stream` on cancel closes the HTTP connection.
        let next = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(ProviderFailure::cancelled()),
            next = tokio::time::timeout_at(deadline.into(), stream.next()) => next,
        };
        let event = match next {
            // A server that said it was done but keeps the connection open
            // has still given the whole reply.
            Err(_) if finished => return Ok(()),
            Err(_) if heard_anything => {
                return Err(ProviderFailure::timeout("the reply stalled", limits.idle))
            }
            Err(_) => {
                return Err(ProviderFailure::timeout(
                    "no answer from the provider",
                    limits.first_byte,
                ))
            }
            Ok(None) if finished => return Ok(()),
            Ok(None) => return Err(ProviderFailure::truncated()),
            Ok(Some(Err(failure))) => return Err(failure),
            Ok(Some(Ok(event))) => event,
        };
        heard_anything = true;
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

impl ProviderFailure {
    pub(crate) fn is_cancel(&self) -> bool {
        self.code == FailureCode::Cancelled
    }
}
