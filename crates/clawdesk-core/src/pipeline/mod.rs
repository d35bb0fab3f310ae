//! The agent pipeline: from a user's message to a stored, streamed reply.
//!
//! `send` and `send_streaming` share one path: validate, reserve the session
//! (one send at a time), route the model, store the user's message, build the
//! request from the history, then stream the reply into the store and the
//! [`StreamSink`] while honouring timeouts, retries and cancel.

mod active;
mod attempt;
mod compaction;
mod reply;
mod request;

pub use compaction::{
    compaction_split, context_tokens, over_threshold, summary_request, SUMMARY_MAX_TOKENS,
};
pub use request::{build_request, MAX_REPLY_TOKENS, SUMMARY_HEADING};
// The events a reply streams; they have their own module because the
// cluster relays them too.
pub use crate::stream::{
    SessionCompacted, StreamChunk, StreamEnd, StreamError, StreamEvent, StreamSink, StreamStart,
};

use crate::cluster::{Cluster, Solo, Take};
use crate::config::AppConfig;
use crate::error::{AppError, AppResult};
use crate::ids::{MessageId, SessionId};
use crate::metrics::MetricsRecorder;
use crate::registry::ProviderRegistry;
use crate::store::{NewMessage, SessionStore};
use crate::tokens::count_tokens;
use crate::types::{CompactionResult, Message, MessageResponse, MessageStatus, Role};
use active::{ActiveSends, Lease, Reservation};
use arc_swap::ArcSwap;
use attempt::Limits;
use compaction::Compactor;
use reply::ReplyRun;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest message accepted from a user (bytes); longer is surely a paste
/// accident and would only fail at the provider.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// How long `delete_session` waits for a cancelled reply to end. A reply
/// ends within a store write of its cancel; this bounds a stuck store.
const DELETE_WAIT: Duration = Duration::from_secs(5);

/// How often a delete asks again for a session another process streams in.
const TAKE_OVER_POLL: Duration = Duration::from_millis(50);

#[derive(Clone)]
pub struct Pipeline {
    store: Arc<dyn SessionStore>,
    providers: Arc<ProviderRegistry>,
    config: Arc<ArcSwap<AppConfig>>,
    metrics: Arc<MetricsRecorder>,
    active: Arc<ActiveSends>,
    /// The other processes on the same database, if any.
    cluster: Arc<dyn Cluster>,
}

impl Pipeline {
    pub fn new(
        store: Arc<dyn SessionStore>,
        providers: Arc<ProviderRegistry>,
        config: Arc<ArcSwap<AppConfig>>,
        metrics: Arc<MetricsRecorder>,
    ) -> Self {
        Self {
            store,
            providers,
            config,
            metrics,
            active: Arc::new(ActiveSends::default()),
            cluster: Arc::new(Solo),
        }
    }

    /// The pipeline of one process among several on one database: sessions
    /// are taken, and cancels travel, across all of them.
    pub fn in_cluster(mut self, cluster: Arc<dyn Cluster>) -> Self {
        self.cluster = cluster;
        self
    }

    /// Sends and waits for the whole reply (events are emitted as well).
    pub async fn send(
        &self,
        session_id: &SessionId,
        content: &str,
        sink: Arc<dyn StreamSink>,
    ) -> AppResult<MessageResponse> {
        let turn = Turn::Send {
            session_id,
            content,
        };
        let (run, _) = self.start(turn, sink).await?;
        run.run().await
    }

    /// Returns once the user's message is stored and the reply has started;
    /// the reply continues in the background and arrives as events.
    pub async fn send_streaming(
        &self,
        session_id: &SessionId,
        content: &str,
        sink: Arc<dyn StreamSink>,
    ) -> AppResult<()> {
        let turn = Turn::Send {
            session_id,
            content,
        };
        self.start_streaming(turn, sink).await.map(drop)
    }

    /// Stores the turn's messages and starts its reply in the background
    /// (it arrives as events); returns what was stored.
    pub async fn start_streaming(
        &self,
        turn: Turn<'_>,
        sink: Arc<dyn StreamSink>,
    ) -> AppResult<Started> {
        let (run, started) = self.start(turn, sink).await?;
        // The outcome reaches the frontend as `stream-end`/`stream-error`.
        tokio::spawn(async move {
            let _ = run.run().await;
        });
        Ok(started)
    }

    /// Stops the session's running reply, in whichever process of the
    /// cluster it runs; a no-op when none runs.
    pub async fn cancel(&self, session_id: &SessionId) -> AppResult<()> {
        if !self.active.cancel(session_id) {
            self.cluster.cancel_elsewhere(session_id).await;
        }
        Ok(())
    }

    /// Stops the session's reply if it runs in this process.
    pub fn cancel_here(&self, session_id: &str) -> bool {
        self.active.cancel(session_id)
    }

    /// The sessions this process holds now (a reply, a compaction, a delete).
    pub fn held_sessions(&self) -> Vec<String> {
        self.active.held()
    }

    /// Waits until this process holds no session (replies cancelled at
    /// shutdown end by storing their text), at most `wait`.
    pub async fn wait_idle(&self, wait: Duration) -> bool {
        self.active.wait_idle(wait).await
    }

    /// Deletes the session and its messages. A reply or compaction running
    /// there is cancelled first (its upstream request closed, as
    /// [`cancel`](Self::cancel) does) and allowed to end (its partial text
    /// stored, one `cancelled` stream error, the waiting send answered
    /// `cancelled`) before anything is deleted, so it never writes to a
    /// session that is gone. The session stays held while it is deleted: a
    /// send arriving meanwhile meets `sessionBusy`, then `sessionNotFound`.
    pub async fn delete_session(&self, session_id: &SessionId) -> AppResult<()> {
        let deadline = tokio::time::Instant::now() + DELETE_WAIT;
        let mut held = self
            .active
            .take_over(session_id, DELETE_WAIT)
            .await
            .ok_or_else(|| AppError::session_busy(session_id))?;
        // Another process may stream there: ask it to stop, and wait until
        // it has stored the reply and freed the session.
        loop {
            match self.cluster.take(session_id).await? {
                Take::Leased(lease) => {
                    held.hold_lease(Lease::new(self.cluster.clone(), session_id.clone(), lease));
                    break;
                }
                Take::Alone => break,
                Take::Busy if tokio::time::Instant::now() >= deadline => {
                    return Err(AppError::session_busy(session_id));
                }
                Take::Busy => {
                    self.cluster.cancel_elsewhere(session_id).await;
                    tokio::time::sleep(TAKE_OVER_POLL).await;
                }
            }
        }
        let deleted = self.store.delete_session(session_id).await;
        held.release().await;
        deleted
    }

    /// Replaces the older part of the session's live context by a summary
    /// from the session's model (see [`compaction_split`]). Holds the
    /// session like a send does: `sessionBusy` while a reply streams, and a
    /// send meets `sessionBusy` while this runs. A provider failure leaves
    /// the session as it was.
    pub async fn compact(&self, session_id: &SessionId) -> AppResult<CompactionResult> {
        let Held {
            reservation,
            config,
            model,
            system_prompt,
        } = self.hold(session_id).await?;
        let live = self.store.get_live_messages(session_id).await?;
        let keep_recent = config.compaction.keep_recent.max(2) as usize;
        if compaction_split(&live, keep_recent).is_none() {
            // Already small: nothing to summarize, and no provider needed.
            let count = u32::try_from(live.len()).unwrap_or(u32::MAX);
            return Ok(CompactionResult {
                messages_before: count,
                messages_after: count,
                tokens_saved: 0,
            });
        }
        let routed = self.providers.route(&model).await?;
        let limits: Limits = (&config.network).into();
        let compacted = Compactor {
            store: self.store.as_ref(),
            routed: &routed,
            model: &routed.qualified_id(),
            config: &config,
            system_prompt: &system_prompt,
            limits: &limits,
            cancel: reservation.token(),
            session_id,
        }
        .run(&live)
        .await;
        reservation.release().await;
        compacted
    }

    /// A send, compaction, switch or delete holds the session in this
    /// process (other processes of a cluster are not asked).
    pub fn is_busy(&self, session_id: &str) -> bool {
        self.active.is_busy(session_id)
    }

    /// Stops every running reply (the app is closing); each keeps its text
    /// as `cancelled`.
    pub fn cancel_all(&self) {
        self.active.cancel_all();
    }

    /// Takes the session for one send or compaction (`sessionNotFound`,
    /// `sessionBusy`), with the config it runs under and the session's model.
    async fn hold(&self, session_id: &SessionId) -> AppResult<Held> {
        let session = self.store.get_session(session_id).await?;
        let reservation = self.reserve(session_id).await?;
        let config = self.config.load_full();
        let model = session
            .model
            .unwrap_or_else(|| config.defaults.model.clone());
        let system_prompt = session
            .system_prompt
            .unwrap_or_else(|| config.defaults.system_prompt.clone());
        Ok(Held {
            reservation,
            config,
            model,
            system_prompt,
        })
    }

    /// Reserves the session here and takes it in the cluster:
    /// `sessionBusy` if a send runs there in this process or another.
    async fn reserve(&self, session_id: &SessionId) -> AppResult<Reservation> {
        let mut reservation = self.active.reserve(session_id)?;
        match self.cluster.take(session_id).await? {
            Take::Leased(lease) => {
                reservation.hold_lease(Lease::new(self.cluster.clone(), session_id.clone(), lease));
            }
            Take::Alone => {}
            Take::Busy => return Err(AppError::session_busy(session_id)),
        }
        Ok(reservation)
    }

    /// Stores what the turn adds before the reply (a question, an edited
    /// question), then the reply's empty message, and starts nothing yet:
    /// the caller runs the returned reply. Every check (content, session,
    /// target message, busy, provider) comes before the first write, so a
    /// refused turn changes nothing.
    async fn start(
        &self,
        turn: Turn<'_>,
        sink: Arc<dyn StreamSink>,
    ) -> AppResult<(ReplyRun, Started)> {
        let started = Instant::now();
        if let Some(content) = turn.content() {
            validate_content(content)?;
        }
        let session_id = self.session_of(&turn).await?;
        let session_id = &session_id;
        let Held {
            reservation,
            config,
            model,
            system_prompt,
        } = self.hold(session_id).await?;
        let model = match turn {
            Turn::Regenerate {
                model: Some(other), ..
            } => other.to_string(),
            _ => model,
        };
        // Routing first: with no provider nothing is stored, and the user
        // keeps their text in the composer with a clear error.
        let routed = self.providers.route(&model).await?;
        // The reply names the provider that answered, even when the session
        // holds a bare id from before models were qualified; the provider's
        // request and the tokenizer get the model's own id.
        let model = routed.qualified_id();
        let bare = routed.model.as_str();

        let question = |content: &str| NewMessage {
            session_id: session_id.clone(),
            role: Role::User,
            content: content.to_string(),
            model: None,
            usage: None,
            status: MessageStatus::Complete,
            tokens: Some(count_tokens(bare, content)),
        };
        let user_message = match turn {
            Turn::Send { content, .. } => Some(self.store.append_message(question(content)).await?),
            Turn::Edit { of, content } => {
                Some(self.store.append_version(of, question(content)).await?)
            }
            Turn::Regenerate { .. } => None,
        };
        if user_message.is_some() {
            self.metrics.user_message();
        }
        let empty_reply = NewMessage {
            session_id: session_id.clone(),
            role: Role::Assistant,
            content: String::new(),
            model: Some(model.clone()),
            usage: None,
            status: MessageStatus::Streaming,
            tokens: Some(0),
        };
        let reply = match turn {
            Turn::Regenerate { of, .. } => self.store.append_version(of, empty_reply).await?,
            _ => self.store.append_message(empty_reply).await?,
        };

        let limits: Limits = (&config.network).into();
        // What the reply answers: the active path up to its own message.
        let mut history = self.store.get_live_messages(session_id).await?;
        history.retain(|m| m.id != reply.id);
        // Decided here from the stored counts; the compaction itself runs
        // with the reply (see `ReplyRun::run`), so this call returns at once.
        let compact_first = config.compaction.auto
            && over_threshold(
                context_tokens(bare, &system_prompt, &history),
                routed.context_window,
                config.compaction.threshold_percent,
            );
        let request = build_request(bare, &system_prompt, &history);
        let run = ReplyRun {
            store: self.store.clone(),
            metrics: self.metrics.clone(),
            sink,
            routed,
            request,
            limits,
            config: config.clone(),
            system_prompt,
            compact_first,
            session_id: session_id.clone(),
            message_id: reply.id.clone(),
            model,
            timestamp: reply.timestamp.clone(),
            started,
            reservation,
        };
        run.announce();
        Ok((
            run,
            Started {
                user_message,
                reply,
            },
        ))
    }

    /// The session a turn belongs to; for an edit or a regeneration, after
    /// checking that the message is one that can have such a version.
    async fn session_of(&self, turn: &Turn<'_>) -> AppResult<SessionId> {
        let (of, role, what) = match turn {
            Turn::Send { session_id, .. } => return Ok((*session_id).clone()),
            Turn::Edit { of, .. } => (*of, Role::User, "only your own messages can be edited"),
            Turn::Regenerate { of, .. } => {
                (*of, Role::Assistant, "only a reply can be regenerated")
            }
        };
        let target = self.store.get_message(of).await?;
        if target.role != role || target.summary {
            return Err(AppError::invalid_argument(
                "messageId",
                format!("message {of} is a {} message: {what}", target.role.as_str()),
            ));
        }
        if role == Role::Assistant && target.parent_id.is_none() {
            return Err(AppError::invalid_argument(
                "messageId",
                format!("message {of} answers no message, so there is nothing to regenerate"),
            ));
        }
        Ok(target.session_id)
    }

    /// Makes the path through `message_id` the active one (see
    /// `SessionStore::switch_branch`); `sessionBusy` while its chat answers.
    pub async fn switch_branch(&self, message_id: &MessageId) -> AppResult<SessionId> {
        let message = self.store.get_message(message_id).await?;
        let held = self.reserve(&message.session_id).await?;
        let switched = self.store.switch_branch(message_id).await;
        held.release().await;
        switched
    }
}

/// What a reply answers.
#[derive(Debug, Clone, Copy)]
pub enum Turn<'a> {
    /// A new message at the end of the session's active path.
    Send {
        session_id: &'a SessionId,
        content: &'a str,
    },
    /// A new version of the user's message `of`, answered anew.
    Edit { of: &'a MessageId, content: &'a str },
    /// A new version of the reply `of`, from `model` (any id `route`
    /// accepts) or the session's model.
    Regenerate {
        of: &'a MessageId,
        model: Option<&'a str>,
    },
}

impl Turn<'_> {
    /// The text the user wrote for this turn, if it has any.
    fn content(&self) -> Option<&str> {
        match self {
            Turn::Send { content, .. } | Turn::Edit { content, .. } => Some(content),
            Turn::Regenerate { .. } => None,
        }
    }
}

/// What a turn stored before its reply started.
#[derive(Debug, Clone)]
pub struct Started {
    /// The question this turn stored (none for a regeneration).
    pub user_message: Option<Message>,
    /// The reply's message as stored when it started (empty, streaming).
    pub reply: Message,
}

/// A session taken by [`Pipeline::hold`]: free again when `reservation` is
/// released or dropped.
struct Held {
    reservation: Reservation,
    config: Arc<AppConfig>,
    model: String,
    /// The chat's own system prompt, or the configured default.
    system_prompt: String,
}

fn validate_content(content: &str) -> AppResult<()> {
    if content.trim().is_empty() {
        return Err(AppError::invalid_argument(
            "content",
            "the message is empty",
        ));
    }
    if content.len() > MAX_MESSAGE_BYTES {
        return Err(AppError::invalid_argument(
            "content",
            format!(
                "the message is {} bytes; the limit is {MAX_MESSAGE_BYTES}",
                content.len()
            ),
        ));
    }
    Ok(())
}
