//! How many `GET /v1/events` streams one client may hold open at once.
//!
//! A client is its peer IP address. The bearer token cannot tell clients
//! apart (there is one, shared by everyone let in), and the peer's port is
//! one TCP connection, which over HTTP/1.1 carries one stream at a time, so
//! it would bound nothing. On loopback every local program is the same
//! client: the default leaves room for the 50-client load test, and is
//! there so that one runaway script cannot pile up receivers and tasks
//! without end. The stream past the bound is `429 Too Many Requests` with
//! an `invalidArgument` `AppError` on field `events`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Default open event streams per client (peer IP).
pub const DEFAULT_MAX_STREAMS_PER_CLIENT: usize = 64;

pub struct StreamLimits {
    max: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl StreamLimits {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max,
            open: Mutex::new(HashMap::new()),
        })
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// A place for one more stream of `client`, held until dropped (the
    /// stream ends or its client goes away); `None` past the bound.
    pub fn acquire(self: &Arc<Self>, client: IpAddr) -> Option<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(client).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(StreamSlot {
            limits: self.clone(),
            client,
        })
    }
}

pub struct StreamSlot {
    limits: Arc<StreamLimits>,
    client: IpAddr,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.limits.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}
