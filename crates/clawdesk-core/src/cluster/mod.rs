//! Several processes on one database acting as one service.
//!
//! The pipeline asks a [`Cluster`] before it streams in a session (one reply
//! per session across every process), forwards cancels it cannot serve
//! itself, and hands it every stream event for the other processes'
//! subscribers. On SQLite there is one process per database and the cluster
//! is [`Solo`]: every take succeeds and nothing travels. On PostgreSQL it is
//! [`PgCluster`], which does this with the database's own means (rows,
//! `LISTEN/NOTIFY`), no broker of ours.

mod postgres;

pub use postgres::{ClusterOptions, PgCluster, PROCESS_DIED};

use crate::error::AppResult;
use crate::ids::SessionId;
use crate::stream::StreamEvent;
use crate::types::HealthLevel;
use async_trait::async_trait;
use std::sync::Arc;

/// One take of a session by this process; freeing an older take of the same
/// session never frees a newer one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseId(pub String);

/// What [`Cluster::take`] got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Take {
    /// The session is this process's until the lease is released.
    Leased(LeaseId),
    /// Another process holds the session.
    Busy,
    /// No other process exists: the local reservation is all there is.
    Alone,
}

#[async_trait]
pub trait Cluster: Send + Sync {
    /// Takes the session for this process. The process itself never takes
    /// a session twice at once (the pipeline's local reservations see to
    /// that).
    async fn take(&self, session_id: &SessionId) -> AppResult<Take>;

    /// Frees a take; a take already freed (or swept) is left alone.
    async fn release(&self, session_id: &SessionId, lease: &LeaseId);

    /// Asks the process streaming in the session, wherever it is, to cancel.
    async fn cancel_elsewhere(&self, session_id: &SessionId);

    /// Hands one of this process's stream events to the other processes,
    /// in order; must not block (it is called from the streaming task).
    /// False when the event must not reach any subscriber: its stream was
    /// already ended by another process (this one was declared dead).
    fn publish(&self, event: &StreamEvent) -> bool;

    /// Starts what runs in the background (heartbeat, relay), reporting to
    /// `local`. Called once, when the backend is assembled.
    fn start(&self, local: Arc<dyn LocalInstance>);

    /// The process is stopping: its sessions are free for the others now,
    /// not when its heartbeat expires.
    async fn leave(&self);

    /// How the cluster looks from here, for `get_health`; `None` alone.
    async fn health(&self) -> Option<(HealthLevel, String)>;
}

/// What the cluster asks of this process.
pub trait LocalInstance: Send + Sync {
    /// Cancels the session's reply if it runs here; false when it does not.
    fn cancel(&self, session_id: &str) -> bool;
    /// Sessions this process holds right now.
    fn held_sessions(&self) -> Vec<String>;
    /// The others declared this process dead (it missed its heartbeats) and
    /// failed its replies: stop them, as at shutdown.
    fn cancel_all(&self);
    /// A stream event of another process, for this process's subscribers.
    fn relay(&self, event: StreamEvent);
}

/// One process per database (SQLite): everything is local.
pub struct Solo;

#[async_trait]
impl Cluster for Solo {
    async fn take(&self, _session_id: &SessionId) -> AppResult<Take> {
        Ok(Take::Alone)
    }

    async fn release(&self, _session_id: &SessionId, _lease: &LeaseId) {}

    async fn cancel_elsewhere(&self, _session_id: &SessionId) {}

    fn publish(&self, _event: &StreamEvent) -> bool {
        true
    }

    fn start(&self, _local: Arc<dyn LocalInstance>) {}

    async fn leave(&self) {}

    async fn health(&self) -> Option<(HealthLevel, String)> {
        None
    }
}
