//! One running send per session: a reservation holds the session's cancel
//! token and frees the session when dropped, however the send ends.

use crate::error::{AppError, AppResult};
use crate::ids::SessionId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

#[derive(Default)]
pub(crate) struct ActiveSends {
    sends: Mutex<HashMap<String, CancellationToken>>,
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
        })
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
}

impl Reservation {
    pub(crate) fn token(&self) -> &CancellationToken {
        &self.token
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut sends = self.owner.sends.lock().unwrap_or_else(|p| p.into_inner());
        sends.remove(&self.session_id);
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
}
