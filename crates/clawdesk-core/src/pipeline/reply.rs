//! One reply in flight: streams it, keeps the store up to date while it
//! arrives, and ends it (store, event, metrics) exactly once.

use super::active::Reservation;
use super::attempt::{stream_with_retries, Limits, ReplyReceiver};
use super::compaction::Compactor;
use super::request::build_request;
use crate::config::AppConfig;
use crate::error::{AppError, AppResult, FailureCode};
use crate::ids::{MessageId, SessionId};
use crate::metrics::{MetricsRecorder, StreamOutcome};
use crate::providers::{ChatRequest, ProviderFailure};
use crate::registry::RoutedModel;
use crate::store::SessionStore;
use crate::stream::{StreamChunk, StreamEnd, StreamError, StreamEvent, StreamSink, StreamStart};
use crate::tokens::{count_request_tokens, count_tokens};
use crate::types::{MessageFailure, MessageResponse, MessageStatus, Role, Usage};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the growing reply is written while it streams (its first text
/// at once): a crash loses at most this much of it, and nothing that was
/// sent before the last write.
const FLUSH_INTERVAL: Duration = Duration::from_millis(200);

pub(crate) struct ReplyRun {
    pub(super) store: Arc<dyn SessionStore>,
    pub(super) metrics: Arc<MetricsRecorder>,
    pub(super) sink: Arc<dyn StreamSink>,
    pub(super) routed: RoutedModel,
    pub(super) request: ChatRequest,
    pub(super) limits: Limits,
    pub(super) config: Arc<AppConfig>,
    /// The session's own system prompt, or the configured default (see
    /// `Pipeline::hold`); a request rebuilt after compaction uses it too.
    pub(super) system_prompt: String,
    /// The context is over `compaction.thresholdPercent` of the window:
    /// compact before sending.
    pub(super) compact_first: bool,
    pub(super) session_id: SessionId,
    pub(super) message_id: MessageId,
    /// Provider-qualified (stored, returned); requests and token counts use
    /// `routed.model`, the provider's own id.
    pub(super) model: String,
    pub(super) timestamp: String,
    pub(super) started: Instant,
    pub(super) reservation: Reservation,
}

/// What one streaming of the request brought.
struct Attempt {
    outcome: Result<u32, (ProviderFailure, u32)>,
    text: String,
    input_tokens: Option<u32>,
    output_tokens: Option<u32>,
}

/// Collects the reply as it arrives and forwards it to the sink and store.
struct Collector<'a> {
    run: &'a ReplyRun,
    text: String,
    input_tokens: Option<u32>,
    output_tokens: Option<u32>,
    /// When the reply was last saved; `None` until its first text.
    last_flush: Option<Instant>,
}

impl ReplyReceiver for Collector<'_> {
    async fn text(&mut self, delta: String, index: u32) {
        if index == 0 {
            self.run.metrics.first_chunk(self.run.started.elapsed());
        }
        self.text.push_str(&delta);
        // Saved before it is sent when a save is due (the first text, then
        // every FLUSH_INTERVAL): a client never holds a prefix the store
        // lacks, save for the text of the last interval.
        if self
            .last_flush
            .is_none_or(|last| last.elapsed() >= FLUSH_INTERVAL)
        {
            self.last_flush = Some(Instant::now());
            // A failed intermediate write is not fatal: the final write
            // decides, and reports a storage failure if it fails too.
            if let Err(err) = self
                .run
                .store
                .update_message(
                    &self.run.message_id,
                    &self.text,
                    MessageStatus::Streaming,
                    None,
                )
                .await
            {
                tracing::warn!("could not save the reply in progress: {err}");
            }
        }
        self.run.sink.emit(StreamEvent::Chunk(StreamChunk {
            session_id: self.run.session_id.clone(),
            message_id: self.run.message_id.clone(),
            content: delta,
            index,
        }));
    }

    fn usage(&mut self, input_tokens: Option<u32>, output_tokens: Option<u32>) {
        // Reported counts replace earlier ones (Anthropic's are cumulative).
        self.input_tokens = input_tokens.or(self.input_tokens);
        self.output_tokens = output_tokens.or(self.output_tokens);
    }

    fn restart(&mut self) {
        self.input_tokens = None;
        self.output_tokens = None;
    }
}

impl ReplyRun {
    /// Tells the frontend the reply exists (its id) before any text.
    pub(crate) fn announce(&self) {
        self.sink.emit(StreamEvent::Start(StreamStart {
            session_id: self.session_id.clone(),
            message_id: self.message_id.clone(),
        }));
        self.metrics.stream_started();
    }

    pub(crate) async fn run(mut self) -> AppResult<MessageResponse> {
        let mut compacted = false;
        if self.compact_first {
            // On failure the whole context is sent; if the provider refuses
            // it, the retry below or the reply's error says why.
            compacted = self.compact_and_rebuild("automatic compaction").await;
        }
        let mut attempt = self.stream().await;
        // Refused as too long before any text: compact once and try again.
        let too_long = matches!(
            &attempt.outcome,
            Err((failure, 0)) if failure.code == FailureCode::ContextLength
        );
        if too_long
            && !compacted
            && attempt.text.is_empty()
            && self
                .compact_and_rebuild("compaction after a too-long request")
                .await
        {
            attempt = self.stream().await;
        }
        let Attempt {
            outcome,
            text,
            input_tokens,
            output_tokens,
        } = attempt;
        let usage = Usage {
            input_tokens: input_tokens.unwrap_or_else(|| self.estimate_input_tokens()),
            output_tokens: output_tokens.unwrap_or_else(|| count_tokens(&self.routed.model, &text)),
        };
        match outcome {
            Ok(_) => self.finish_complete(text, usage).await,
            Err((failure, _)) => self.finish_failed(text, usage, failure).await,
        }
    }

    async fn stream(&self) -> Attempt {
        let mut collector = Collector {
            run: self,
            text: String::new(),
            input_tokens: None,
            output_tokens: None,
            last_flush: None,
        };
        let outcome = stream_with_retries(
            self.routed.provider.as_ref(),
            &self.request,
            &self.limits,
            self.reservation.token(),
            &mut collector,
        )
        .await;
        Attempt {
            outcome,
            text: collector.text,
            input_tokens: collector.input_tokens,
            output_tokens: collector.output_tokens,
        }
    }

    /// Compacts the session, tells the sink, and rebuilds the request from
    /// what is live after it; false when nothing was compacted.
    async fn compact_and_rebuild(&mut self, what: &str) -> bool {
        let live = match self.store.get_live_messages(&self.session_id).await {
            // This reply's own (empty) message is not part of the context.
            Ok(mut live) => {
                live.retain(|m| m.id != self.message_id);
                live
            }
            Err(err) => {
                tracing::warn!("could not read the session to compact it: {err}");
                return false;
            }
        };
        let compacted = Compactor {
            store: self.store.as_ref(),
            routed: &self.routed,
            model: &self.model,
            config: &self.config,
            system_prompt: &self.system_prompt,
            limits: &self.limits,
            cancel: self.reservation.token(),
            session_id: &self.session_id,
        }
        .run(&live)
        .await;
        let result = match compacted {
            Ok(result) if result.messages_after < result.messages_before => result,
            Ok(_) => return false,
            Err(err) => {
                tracing::warn!("{what} failed: {err}");
                return false;
            }
        };
        let Ok(live) = self.store.get_live_messages(&self.session_id).await else {
            return false;
        };
        self.sink
            .emit(StreamEvent::compacted(&self.session_id, result));
        self.request = build_request(&self.routed.model, &self.system_prompt, &live);
        true
    }

    /// One line per reply for the log: ids, where it went, how long it
    /// took and how it ended; never its text or the provider's message
    /// (which may quote the request).
    fn log_end(&self, outcome: &str, code: Option<FailureCode>, elapsed: Duration) {
        tracing::info!(
            session_id = %self.session_id,
            message_id = %self.message_id,
            provider = %self.routed.provider_name,
            model = %self.routed.model,
            elapsed_ms = elapsed.as_millis() as u64,
            outcome,
            code = code.map(|c| format!("{c:?}")),
            "reply ended"
        );
    }

    fn estimate_input_tokens(&self) -> u32 {
        count_request_tokens(&self.request)
    }

    async fn finish_complete(self, text: String, usage: Usage) -> AppResult<MessageResponse> {
        let stored = self
            .store
            .update_message(
                &self.message_id,
                &text,
                MessageStatus::Complete,
                Some(usage),
            )
            .await;
        if let Err(err) = stored {
            let failure = ProviderFailure::new(FailureCode::Storage, err.to_string());
            return self.end_with_error(failure, Err(err)).await;
        }
        let elapsed = self.started.elapsed();
        self.log_end("complete", None, elapsed);
        self.metrics
            .assistant_message(usage.input_tokens, usage.output_tokens);
        self.metrics
            .stream_finished(StreamOutcome::Completed, elapsed);
        let event = StreamEvent::End(StreamEnd {
            session_id: self.session_id.clone(),
            message_id: self.message_id.clone(),
            usage,
        });
        let response = MessageResponse {
            id: self.message_id.clone(),
            role: Role::Assistant,
            content: text,
            model: self.model.clone(),
            usage,
            timestamp: self.timestamp.clone(),
        };
        self.end(event).await;
        Ok(response)
    }

    async fn finish_failed(
        self,
        text: String,
        usage: Usage,
        failure: ProviderFailure,
    ) -> AppResult<MessageResponse> {
        let status = if failure.is_cancel() {
            MessageStatus::Cancelled
        } else {
            MessageStatus::Failed
        };
        // Keep whatever arrived: the user saw it.
        let usage = (!text.is_empty()).then_some(usage);
        let error = failure.clone().into_app_error(&self.routed.provider_name);
        // Stored with the reply, so it still says why after a restart.
        let why = MessageFailure {
            code: failure.code,
            message: shown_message(&failure, &error),
        };
        if let Err(err) = self
            .store
            .fail_message(&self.message_id, &text, status, usage, &why)
            .await
        {
            tracing::warn!("could not save the ended reply: {err}");
        }
        self.end_with_error(failure, Err(error)).await
    }

    async fn end_with_error(
        self,
        failure: ProviderFailure,
        result: AppResult<MessageResponse>,
    ) -> AppResult<MessageResponse> {
        let outcome = if failure.is_cancel() {
            StreamOutcome::Cancelled
        } else {
            StreamOutcome::Failed
        };
        let label = if failure.is_cancel() {
            "cancelled"
        } else {
            "failed"
        };
        self.log_end(label, Some(failure.code), self.started.elapsed());
        self.metrics
            .stream_finished(outcome, self.started.elapsed());
        let message = match &result {
            Err(error) => shown_message(&failure, error),
            Ok(_) => failure.message.clone(),
        };
        let event = StreamEvent::Error(StreamError {
            session_id: self.session_id.clone(),
            message_id: self.message_id.clone(),
            code: failure.code,
            message,
        });
        self.end(event).await;
        result
    }

    /// Frees the session (in every process) before telling anyone of the
    /// end, so a reaction to it (sending the next message, on any process)
    /// never meets `sessionBusy`.
    async fn end(self, event: StreamEvent) {
        let ReplyRun {
            sink, reservation, ..
        } = self;
        reservation.release().await;
        sink.emit(event);
    }
}

/// The text a `stream-error` (and the stored failure) carries: a provider
/// error's message names the provider; anything else says what happened.
fn shown_message(failure: &ProviderFailure, error: &AppError) -> String {
    match error {
        AppError::Provider { message, .. } => message.clone(),
        _ => failure.message.clone(),
    }
}
