//! One running send per session: a reservation holds the session's cancel
//! token and frees the session when dropped, however the send ends. In a
//! cluster it also holds the session's lease (see [`crate::cluster`]), so
//! the session is taken across every process.

use crate::cluster::{Cluster, LeaseId};
use crate::error::{AppError, AppResult};
use crate::ids::SessionId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

#[derive(Default)]
pub(crate) struct ActiveSends {
    sends: Mutex<HashMap<String, CancellationToken>>,
    /// Woken whenever a reservation is released.
    released: Notify,
}

impl ActiveSends {
    /// Reserves the session, or `sessionBusy` if a send already runs there.
    pub(crate) fn reserve(self: &Arc<Self>, session_id: &SessionId) -> AppResult<Reservation> {
        let mut sends = self.sends.lock().unwrap_or_else(|p| p.into_inner());
        if sends.contains_key(session_id.as_str()) {
            return Err(AppError::session_busy(session_id));
        }
        let token = CancellationToken::new();
        sends.insert(session_id.to_string(), token.clone());
        Ok(Reservation {
            owner: self.clone(),
            session_id: session_id.to_string(),
            token,
            lease: None,
        })
    }

    /// Reserves the session even while a send runs there: cancels it and
    /// waits for it to release the session (it stores its partial reply and
    /// reports `cancelled` on the way), again if another send slipped in.
    /// `None` when the session is still taken after `wait`.
    pub(crate) async fn take_over(
        self: &Arc<Self>,
        session_id: &SessionId,
        wait: Duration,
    ) -> Option<Reservation> {
        self.retry_on_release(wait, || match self.reserve(session_id) {
            Ok(reservation) => Some(reservation),
            Err(_) => {
                self.cancel(session_id);
                None
            }
        })
        .await
    }

    /// Runs `attempt` now and again after each release of a reservation,
    /// until it gives something or `wait` has passed (`None`).
    async fn retry_on_release<T>(
        &self,
        wait: Duration,
        mut attempt: impl FnMut() -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Registered before the attempt, so a release in between still wakes us.
            let released = self.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            if let Some(done) = attempt() {
                return Some(done);
            }
            tokio::time::timeout_at(deadline, released).await.ok()?;
        }
    }

    /// Cancels the session's running send; false when none runs.
    pub(crate) fn cancel(&self, session_id: &str) -> bool {
        let sends = self.sends.lock().unwrap_or_else(|p| p.into_inner());
        match sends.get(session_id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// The sessions reserved here now.
    pub(crate) fn held(&self) -> Vec<String> {
        let sends = self.sends.lock().unwrap_or_else(|p| p.into_inner());
        sends.keys().cloned().collect()
    }

    /// Waits until nothing is reserved here, at most `wait`; false if
    /// something still is.
    pub(crate) async fn wait_idle(&self, wait: Duration) -> bool {
        self.retry_on_release(wait, || self.held().is_empty().then_some(()))
            .await
            .is_some()
    }

    pub(crate) fn is_busy(&self, session_id: &str) -> bool {
        let sends = self.sends.lock().unwrap_or_else(|p| p.into_inner());
        sends.contains_key(session_id)
    }

    /// Cancels every running send (app shutdown).
    pub(crate) fn cancel_all(&self) {
        let sends = self.sends.lock().unwrap_or_else(|p| p.into_inner());
        sends.values().for_each(CancellationToken::cancel);
    }
}

pub(crate) struct Reservation {
    owner: Arc<ActiveSends>,
    session_id: String,
    token: CancellationToken,
    /// The session's lease in the cluster, once taken.
    lease: Option<Lease>,
}

impl Reservation {
    pub(crate) fn token(&self) -> &CancellationToken {
        &self.token
    }

    pub(crate) fn hold_lease(&mut self, lease: Lease) {
        self.lease = Some(lease);
    }

    /// Frees the session everywhere, the cluster's lease first (awaited, so
    /// whoever hears of the end next can take the session on any process).
    pub(crate) async fn release(mut self) {
        if let Some(lease) = self.lease.take() {
            lease.release().await;
        }
    }
}

/// A session's lease in the cluster; freed by [`Lease::release`], or in the
/// background if it is dropped (a send that ended by an error).
pub(crate) struct Lease {
    held: Option<(Arc<dyn Cluster>, SessionId, LeaseId)>,
}

impl Lease {
    pub(crate) fn new(cluster: Arc<dyn Cluster>, session_id: SessionId, id: LeaseId) -> Self {
        Self {
            held: Some((cluster, session_id, id)),
        }
    }

    async fn release(mut self) {
        if let Some((cluster, session_id, id)) = self.held.take() {
            cluster.release(&session_id, &id).await;
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let Some((cluster, session_id, id)) = self.held.take() else {
            return;
        };
        // Without a runtime (the process is ending) the heartbeat's cleanup
        // or the lease's expiry frees it.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { cluster.release(&session_id, &id).await });
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut sends = self.owner.sends.lock().unwrap_or_else(|p| p.into_inner());
        sends.remove(&self.session_id);
        drop(sends);
        self.owner.released.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_takes_one_send_until_the_reservation_drops() {
        let active = Arc::new(ActiveSends::default());
        let (a, b) = (SessionId::generate(), SessionId::generate());
        let first = active.reserve(&a).unwrap();
        assert!(matches!(
            active.reserve(&a),
            Err(AppError::SessionBusy { .. })
        ));
        let other = active.reserve(&b).unwrap();
        assert!(active.cancel(&a));
        assert!(first.token().is_cancelled());
        assert!(!other.token().is_cancelled());
        drop(first);
        assert!(!active.is_busy(&a));
        assert!(!active.cancel(&a));
        active.reserve(&a).unwrap();
    }

    #[tokio::test]
    async fn take_over_cancels_the_running_send_and_waits_for_it_to_end() {
        let active = Arc::new(ActiveSends::default());
        let (a, b, c) = (
            SessionId::generate(),
            SessionId::generate(),
            SessionId::generate(),
        );
        let running = active.reserve(&a).unwrap();
        let token = running.token().clone();
        // The "send": ends a little after it is cancelled.
        let send = tokio::spawn(async move {
            token.cancelled().await;
            tokio::time::sleep(Duration::from_millis(30)).await;
            drop(running);
        });
        let held = active
            .take_over(&a, Duration::from_secs(5))
            .await
            .expect("taken over once the send ended");
        send.await.unwrap();
        assert!(matches!(
            active.reserve(&a),
            Err(AppError::SessionBusy { .. })
        ));
        drop(held);

        // A send that never ends: bounded.
        let _stuck = active.reserve(&b).unwrap();
        assert!(active
            .take_over(&b, Duration::from_millis(50))
            .await
            .is_none());
        // Nothing runs: taken at once.
        assert!(active
            .take_over(&c, Duration::from_millis(1))
            .await
            .is_some());
    }
}
