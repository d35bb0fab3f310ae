//! [`Cluster`] on PostgreSQL: the `clawdesk serve` processes sharing one
//! database coordinate through it (tables of migration 0002).
//!
//! - **Who is alive**: each process has an `instances` row and refreshes its
//!   heartbeat every [`ClusterOptions::heartbeat`]. A row older than
//!   [`ClusterOptions::lease_ttl`] is a dead process: whoever sweeps first
//!   deletes it and its leases, fails its streaming replies (text kept) and
//!   publishes one `stream-error` for each, so every stream still ends once.
//! - **One reply per session**: a `session_leases` row per session taken.
//! - **Cancel anywhere**: `NOTIFY clawdesk_cancel, '<session id>'`; the
//!   process streaming there cancels.
//! - **Events everywhere**: each process writes its stream events to
//!   `stream_events` in batches, under one advisory lock so that `seq` order
//!   is commit order, and wakes the others with `NOTIFY clawdesk_events`;
//!   each reads past the last `seq` it saw. Nothing is lost when a listener
//!   reconnects, and payloads have no size limit (NOTIFY's is 8 kB).
//!
//! Heartbeats, sweeps and events have a small pool of their own: they must
//! not queue behind a busy store (or a loaded process would look dead).
//! Leases and cancels, which come with the store's writes, use the store's.

use super::{Cluster, LeaseId, LocalInstance, Take};
use crate::error::{AppError, AppResult, FailureCode};
use crate::ids::{next_ulid, SessionId};
use crate::store::{fail_unleased_replies, PgStore};
use crate::stream::{StreamError, StreamEvent};
use crate::types::HealthLevel;
use async_trait::async_trait;
use sqlx::postgres::{PgConnection, PgListener, PgPool, PgPoolOptions};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const EVENTS_CHANNEL: &str = "clawdesk_events";
const CANCEL_CHANNEL: &str = "clawdesk_cancel";
/// Serializes event writers (see the module's doc); any fixed key will do.
const EVENTS_LOCK: i64 = 0x636c_6177_6465_736b; // "clawdesk"
/// Events written in one transaction at most.
const BATCH: usize = 512;
/// Events read per query when catching up.
const READ_PAGE: i64 = 1000;
/// How long relayed events are kept: a process that falls further behind
/// misses events (its subscribers resynchronize from the store).
const EVENTS_KEPT: Duration = Duration::from_secs(60);
/// How often a listener looks for events even without a NOTIFY (one lost
/// while it reconnected).
const POLL: Duration = Duration::from_secs(1);
/// How long leaving waits for queued events to be written.
const LEAVE_WAIT: Duration = Duration::from_secs(2);
/// The failure a reply gets when its process died while it streamed.
pub const PROCESS_DIED: &str = "the server streaming this reply stopped before it finished";

/// Timing of liveness.
#[derive(Debug, Clone, Copy)]
pub struct ClusterOptions {
    /// How often a process proves it is alive (and sweeps the dead).
    pub heartbeat: Duration,
    /// How long without a heartbeat until a process counts as dead. Several
    /// heartbeats, so one slow write is not a death.
    pub lease_ttl: Duration,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            heartbeat: Duration::from_secs(1),
            lease_ttl: Duration::from_secs(6),
        }
    }
}

pub struct PgCluster {
    /// Heartbeats, sweeps and events.
    pool: PgPool,
    /// Leases and cancels: the store's pool, as they come with its writes,
    /// so a burst of sends never delays a heartbeat.
    store_pool: PgPool,
    instance_id: String,
    options: ClusterOptions,
    /// This process's events on their way to `write_events`; taken when
    /// the process leaves, which ends the writer once it has written them.
    outbox: Mutex<Option<mpsc::UnboundedSender<String>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    /// The heartbeat and the reader.
    background: Mutex<Vec<JoinHandle<()>>>,
    /// Sessions whose running streams another process ended (it declared
    /// this one dead and sent their `stream-error`): the rest of those
    /// streams, their own end included, is not published.
    silenced: Arc<Mutex<HashSet<String>>>,
}

impl PgCluster {
    /// Registers this process on the store's database (whose migrations
    /// made the tables) and starts writing its events.
    pub async fn join(store: &PgStore, options: ClusterOptions) -> AppResult<Arc<Self>> {
        let connect = store.pool().connect_options().as_ref().clone();
        // Heartbeat and sweep, event writes, event reads: one each.
        let pool = PgPoolOptions::new()
            .max_connections(3)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(connect)
            .await
            .map_err(|e| {
                AppError::storage(format!(
                    "cannot connect to {} for the cluster: {e}",
                    store.shown_url()
                ))
            })?;
        let instance_id = format!("i{}", next_ulid());
        register(&pool, &instance_id).await?;
        let (outbox, pending) = mpsc::unbounded_channel();
        let writer = tokio::spawn(write_events(pool.clone(), instance_id.clone(), pending));
        tracing::info!(instance = %instance_id, "joined the cluster");
        Ok(Arc::new(Self {
            pool,
            store_pool: store.pool().clone(),
            instance_id,
            options,
            outbox: Mutex::new(Some(outbox)),
            writer: Mutex::new(Some(writer)),
            background: Mutex::new(Vec::new()),
            silenced: Arc::default(),
        }))
    }

    /// This process's id in `instances`.
    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// Stops everything this process does in the cluster without leaving:
    /// to the others it now looks dead (tests use it to play a crash).
    pub fn vanish(&self) {
        self.outbox_lock().take();
        if let Some(writer) = lock(&self.writer).take() {
            writer.abort();
        }
        self.stop_background();
    }

    fn stop_background(&self) {
        for task in lock(&self.background).drain(..) {
            task.abort();
        }
    }

    fn outbox_lock(&self) -> std::sync::MutexGuard<'_, Option<mpsc::UnboundedSender<String>>> {
        lock(&self.outbox)
    }
}

#[async_trait]
impl Cluster for PgCluster {
    async fn take(&self, session_id: &SessionId) -> AppResult<Take> {
        let lease = LeaseId(next_ulid().to_string());
        // A row of this process is an earlier take whose release is still
        // on its way (the pipeline holds the session locally): replaced.
        let taken: Option<String> = sqlx::query_scalar(
            "INSERT INTO session_leases (session_id, instance_id, lease_id)
             VALUES ($1, $2, $3)
             ON CONFLICT (session_id) DO UPDATE
                SET lease_id = EXCLUDED.lease_id, taken_at = now()
                WHERE session_leases.instance_id = EXCLUDED.instance_id
             RETURNING lease_id",
        )
        .bind(session_id)
        .bind(&self.instance_id)
        .bind(&lease.0)
        .fetch_optional(&self.store_pool)
        .await?;
        Ok(match taken {
            Some(_) => Take::Leased(lease),
            None => Take::Busy,
        })
    }

    async fn release(&self, session_id: &SessionId, lease: &LeaseId) {
        let freed =
            sqlx::query("DELETE FROM session_leases WHERE session_id = $1 AND lease_id = $2")
                .bind(session_id)
                .bind(&lease.0)
                .execute(&self.store_pool)
                .await;
        // The heartbeat frees leases this process no longer holds, so a
        // failure here delays the session's next take, nothing more.
        if let Err(err) = freed {
            tracing::warn!(session = %session_id, "could not free the session's lease: {err}");
        }
    }

    async fn cancel_elsewhere(&self, session_id: &SessionId) {
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CANCEL_CHANNEL)
            .bind(session_id)
            .execute(&self.store_pool)
            .await;
        if let Err(err) = sent {
            tracing::warn!(session = %session_id, "could not relay the cancel: {err}");
        }
    }

    fn publish(&self, event: &StreamEvent) -> bool {
        {
            let mut silenced = lock(&self.silenced);
            let session = event.session_id().as_str();
            if silenced.contains(session) {
                match event {
                    // The silenced stream's end: the last of it.
                    StreamEvent::End(_) | StreamEvent::Error(_) => {
                        silenced.remove(session);
                        return false;
                    }
                    // A new stream (what was held was no stream, e.g. a
                    // compaction): nobody ended this one.
                    StreamEvent::Start(_) => {
                        silenced.remove(session);
                    }
                    _ => return false,
                }
            }
        }
        let body = serde_json::to_string(event).expect("stream events serialize");
        if let Some(outbox) = self.outbox_lock().as_ref() {
            // Fails only once the writer stopped (the process is leaving).
            let _ = outbox.send(body);
        }
        true
    }

    fn start(&self, local: Arc<dyn LocalInstance>) {
        let reader = tokio::spawn(read_events(
            self.pool.clone(),
            self.instance_id.clone(),
            local.clone(),
        ));
        let heart = tokio::spawn(keep_alive(
            self.pool.clone(),
            self.instance_id.clone(),
            self.options,
            self.silenced.clone(),
            local,
        ));
        lock(&self.background).extend([reader, heart]);
    }

    async fn leave(&self) {
        // The writer ends once it has written what is queued (the last
        // replies' ends), bounded so a dead database cannot hold us.
        self.outbox_lock().take();
        let writer = lock(&self.writer).take();
        if let Some(writer) = writer {
            if tokio::time::timeout(LEAVE_WAIT, writer).await.is_err() {
                tracing::warn!("stream events still queued when leaving were dropped");
            }
        }
        self.stop_background();
        let left = sqlx::query(
            "WITH gone AS (DELETE FROM instances WHERE id = $1)
             DELETE FROM session_leases WHERE instance_id = $1",
        )
        .bind(&self.instance_id)
        .execute(&self.pool)
        .await;
        if let Err(err) = left {
            tracing::warn!("could not leave the cluster (the others will time us out): {err}");
        }
        tracing::info!(instance = %self.instance_id, "left the cluster");
    }

    async fn health(&self) -> Option<(HealthLevel, String)> {
        let counted: Result<(i64, bool), sqlx::Error> = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE heartbeat_at >= now() - $2::INTERVAL),
                    COALESCE(bool_or(id = $1), FALSE)
             FROM instances",
        )
        .bind(&self.instance_id)
        .bind(interval(self.options.lease_ttl))
        .fetch_one(&self.pool)
        .await;
        Some(match counted {
            Ok((live, true)) => (
                HealthLevel::Healthy,
                format!(
                    "{live} server{} on this database (this one is {})",
                    if live == 1 { "" } else { "s" },
                    self.instance_id
                ),
            ),
            // Swept by another (it missed heartbeats); the next beat rejoins.
            Ok((_, false)) => (
                HealthLevel::Degraded,
                format!(
                    "{} missed its heartbeats and is rejoining",
                    self.instance_id
                ),
            ),
            Err(err) => (
                HealthLevel::Degraded,
                format!("cannot read the servers: {err}"),
            ),
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

async fn register(pool: &PgPool, instance_id: &str) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO instances (id, host, pid) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()",
    )
    .bind(instance_id)
    .bind(host_name())
    .bind(i64::from(std::process::id()))
    .execute(pool)
    .await?;
    Ok(())
}

/// For people looking at `instances`: which machine a process runs on.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .unwrap_or_default()
}

/// Writes this process's events in batches, in order.
async fn write_events(
    pool: PgPool,
    instance_id: String,
    mut pending: mpsc::UnboundedReceiver<String>,
) {
    while let Some(first) = pending.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match pending.try_recv() {
                Ok(body) => batch.push(body),
                Err(_) => break,
            }
        }
        // A failed write is retried a few times; after that the events are
        // lost to the other processes' subscribers (the store has the text).
        for attempt in 1..=3 {
            match write_batch(&pool, &instance_id, &batch).await {
                Ok(()) => break,
                Err(err) if attempt == 3 => {
                    tracing::warn!(
                        "dropped {} stream events for the other servers: {err}",
                        batch.len()
                    )
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50 * attempt)).await,
            }
        }
    }
}

async fn write_batch(
    pool: &PgPool,
    instance_id: &str,
    batch: &[String],
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    append_events(&mut tx, instance_id, batch).await?;
    tx.commit().await
}

/// Appends `bodies` to the relayed events as `instance_id`'s and wakes the
/// readers, in the caller's transaction: under the events lock, so their
/// `seq`s are in commit order (see the module's doc).
async fn append_events(
    tx: &mut PgConnection,
    instance_id: &str,
    bodies: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(EVENTS_LOCK)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO stream_events (instance_id, body) SELECT $1, unnest($2::TEXT[])")
        .bind(instance_id)
        .bind(bodies)
        .execute(&mut *tx)
        .await?;
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(EVENTS_CHANNEL)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Listens for cancels and new events; relays the other processes' events.
async fn read_events(pool: PgPool, instance_id: String, local: Arc<dyn LocalInstance>) {
    let mut last =
        match sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(seq), 0) FROM stream_events")
            .fetch_one(&pool)
            .await
        {
            Ok(last) => last,
            Err(err) => {
                tracing::error!("cannot read the cluster's events: {err}");
                0
            }
        };
    let mut listener = loop {
        match listen(&pool).await {
            Ok(listener) => break listener,
            Err(err) => {
                tracing::warn!("cannot listen for the cluster's events yet: {err}");
                tokio::time::sleep(POLL).await;
            }
        }
    };
    let mut poll = tokio::time::interval(POLL);
    loop {
        tokio::select! {
            received = listener.try_recv() => match received {
                Ok(Some(notification)) => {
                    // Under load many wake-ups queue up; one read serves
                    // them all, and cancels act at once.
                    let mut wake = false;
                    for notification in std::iter::once(notification)
                        .chain(std::iter::from_fn(|| listener.next_buffered()))
                    {
                        if notification.channel() == CANCEL_CHANNEL {
                            local.cancel(notification.payload());
                        } else {
                            wake = true;
                        }
                    }
                    if !wake {
                        continue;
                    }
                }
                // The connection dropped; the next call reconnects. Read
                // what arrived meanwhile.
                Ok(None) => {}
                Err(err) => {
                    tracing::warn!("the cluster's listener failed: {err}");
                    tokio::time::sleep(POLL).await;
                }
            },
            _ = poll.tick() => {}
        }
        if let Err(err) = relay_new_events(&pool, &instance_id, &mut last, local.as_ref()).await {
            tracing::warn!("cannot read the cluster's events: {err}");
        }
    }
}

async fn listen(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener
        .listen_all([EVENTS_CHANNEL, CANCEL_CHANNEL])
        .await?;
    Ok(listener)
}

/// Relays every event after `last` that another process wrote.
async fn relay_new_events(
    pool: &PgPool,
    instance_id: &str,
    last: &mut i64,
    local: &dyn LocalInstance,
) -> Result<(), sqlx::Error> {
    loop {
        // Own events come back without their bodies: only `seq` moves on.
        let rows: Vec<(i64, Option<String>)> = sqlx::query_as(
            "SELECT seq, CASE WHEN instance_id = $2 THEN NULL ELSE body END
             FROM stream_events WHERE seq > $1 ORDER BY seq LIMIT $3",
        )
        .bind(*last)
        .bind(instance_id)
        .bind(READ_PAGE)
        .fetch_all(pool)
        .await?;
        let read = rows.len();
        for (seq, body) in rows {
            *last = seq;
            let Some(body) = body else { continue };
            match serde_json::from_str::<StreamEvent>(&body) {
                Ok(event) => local.relay(event),
                // A newer build's event this one does not know: skipped.
                Err(err) => tracing::debug!("skipped a stream event: {err}"),
            }
        }
        if read < READ_PAGE as usize {
            return Ok(());
        }
    }
}

/// Heartbeats, frees leases this process no longer holds, sweeps the dead,
/// and forgets old events.
async fn keep_alive(
    pool: PgPool,
    instance_id: String,
    options: ClusterOptions,
    silenced: Arc<Mutex<HashSet<String>>>,
    local: Arc<dyn LocalInstance>,
) {
    let mut tick = tokio::time::interval(options.heartbeat);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut beats: u64 = 0;
    loop {
        tick.tick().await;
        beats += 1;
        if let Err(err) = beat(&pool, &instance_id, local.as_ref(), &silenced).await {
            tracing::warn!("heartbeat failed: {err}");
            continue;
        }
        if let Err(err) = sweep(&pool, options.lease_ttl).await {
            tracing::warn!("could not sweep the cluster: {err}");
        }
        // Once a minute or so: the events nobody will read again.
        if beats % 30 == 1 {
            let forgotten =
                sqlx::query("DELETE FROM stream_events WHERE created_at < now() - $1::INTERVAL")
                    .bind(interval(EVENTS_KEPT))
                    .execute(&pool)
                    .await;
            if let Err(err) = forgotten {
                tracing::warn!("could not forget old stream events: {err}");
            }
        }
    }
}

/// PostgreSQL's text for a duration (`'6000 milliseconds'`).
fn interval(duration: Duration) -> String {
    format!("{} milliseconds", duration.as_millis())
}

async fn beat(
    pool: &PgPool,
    instance_id: &str,
    local: &dyn LocalInstance,
    silenced: &Mutex<HashSet<String>>,
) -> AppResult<()> {
    let alive = sqlx::query("UPDATE instances SET heartbeat_at = now() WHERE id = $1")
        .bind(instance_id)
        .execute(pool)
        .await?
        .rows_affected();
    if alive == 0 {
        // Another process swept this one (it missed its heartbeats): its
        // replies are failed and its sessions free, so stop them here too.
        tracing::error!("this server was declared dead by another; stopping its replies");
        // Its replies end as the dead's do (failed, one `stream-error`
        // each, from whoever fails them first: the sweeper did, or this),
        // then stop here without a second end.
        let mut tx = pool.begin().await?;
        sqlx::query("DELETE FROM session_leases WHERE instance_id = $1")
            .bind(instance_id)
            .execute(&mut *tx)
            .await?;
        fail_and_announce(&mut tx).await?;
        tx.commit().await?;
        lock(silenced).extend(local.held_sessions());
        local.cancel_all();
        register(pool, instance_id).await?;
    }
    // Leases whose release failed; a take younger than a few seconds may
    // not be in `held` yet, so it is left alone.
    sqlx::query(
        "DELETE FROM session_leases
         WHERE instance_id = $1 AND NOT (session_id = ANY($2))
           AND taken_at < now() - INTERVAL '5 seconds'",
    )
    .bind(instance_id)
    .bind(local.held_sessions())
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes the dead processes and their leases, then fails the streaming
/// replies no live process holds and tells every subscriber.
async fn sweep(pool: &PgPool, lease_ttl: Duration) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let dead: Vec<String> = sqlx::query_scalar(
        "DELETE FROM instances WHERE heartbeat_at < now() - $1::INTERVAL RETURNING id",
    )
    .bind(interval(lease_ttl))
    .fetch_all(&mut *tx)
    .await?;
    if !dead.is_empty() {
        tracing::warn!(?dead, "servers stopped answering; freeing their sessions");
        sqlx::query("DELETE FROM session_leases WHERE instance_id = ANY($1)")
            .bind(&dead)
            .execute(&mut *tx)
            .await?;
    }
    fail_and_announce(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Fails the streaming replies no live process holds and writes one
/// `stream-error` for each to the relayed events, in the caller's
/// transaction (a reply is failed once, by whoever gets there first).
async fn fail_and_announce(tx: &mut PgConnection) -> AppResult<()> {
    let failed = fail_unleased_replies(&mut *tx, PROCESS_DIED).await?;
    if !failed.is_empty() {
        let bodies: Vec<String> = failed
            .into_iter()
            .map(|reply| {
                let event = StreamEvent::Error(StreamError {
                    session_id: reply.session_id,
                    message_id: reply.id,
                    code: FailureCode::Internal,
                    message: PROCESS_DIED.to_string(),
                });
                serde_json::to_string(&event).expect("stream events serialize")
            })
            .collect();
        tracing::warn!(replies = bodies.len(), "failed replies of stopped servers");
        // Written as nobody's, so every process relays them, this one too.
        append_events(tx, "", &bodies).await?;
    }
    Ok(())
}
