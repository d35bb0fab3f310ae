//! The response body stream: frames rendered on demand, pauses, and a
//! scripted tail, with abandonment tracking on drop.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;

use crate::script::{Ending, KeepAlive};
use crate::wire::Wire;
use crate::Shared;

/// With no pause between chunks, frames are filled up to this size: a few
/// large writes instead of one per chunk.
const FRAME_BYTES: usize = 256 * 1024;

/// Time given to the connection to flush what was written before a scripted
/// drop aborts it (an aborted hyper connection discards unflushed bytes).
const DROP_FLUSH_GRACE: Duration = Duration::from_millis(30);

/// What happens once all data was emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tail {
    /// Clean end of body.
    End,
    /// The body yields an I/O error, so the server aborts the connection.
    Abort,
    /// The body never yields again.
    Stall,
}

/// Renders a streamed reply chunk by chunk as the connection asks for data.
struct Renderer {
    wire: Box<dyn Wire + Send>,
    chunks: Vec<String>,
    next: usize,
    interval: Duration,
    ending: Ending,
    prelude_done: bool,
    /// Keep-alives still to send before the first chunk.
    keep_alive: Option<KeepAlive>,
}

/// The body stream handed to axum. Counts itself in `open_streams` while
/// alive and in `streams_abandoned` if dropped before its natural end.
pub(crate) struct TrackedBody {
    /// `None` once everything was rendered (or for fixed bodies).
    renderer: Option<Renderer>,
    /// Data ready to be yielded before rendering more.
    ready: VecDeque<Bytes>,
    tail: Tail,
    grace_done: bool,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    finished: bool,
    shared: Arc<Shared>,
}

impl TrackedBody {
    fn new(
        renderer: Option<Renderer>,
        ready: VecDeque<Bytes>,
        tail: Tail,
        shared: Arc<Shared>,
    ) -> Self {
        shared.open.fetch_add(1, Ordering::SeqCst);
        TrackedBody {
            renderer,
            ready,
            tail,
            grace_done: false,
            sleep: None,
            finished: false,
            shared,
        }
    }

    /// A streamed reply: prelude, `chunks` (paced by `interval`), then `ending`.
    pub(crate) fn stream(
        wire: Box<dyn Wire + Send>,
        chunks: Vec<String>,
        interval: Duration,
        ending: Ending,
        shared: Arc<Shared>,
    ) -> Self {
        let tail = match ending {
            Ending::Complete | Ending::ErrorEvent { .. } => Tail::End,
            Ending::Drop => Tail::Abort,
            Ending::Stall => Tail::Stall,
        };
        let renderer = Renderer {
            wire,
            chunks,
            next: 0,
            interval,
            ending,
            prelude_done: false,
            keep_alive: None,
        };
        TrackedBody::new(Some(renderer), VecDeque::new(), tail, shared)
    }

    /// Sends `keep_alive` between the prelude and the first chunk.
    pub(crate) fn with_keep_alive(mut self, keep_alive: Option<KeepAlive>) -> Self {
        if let Some(r) = self.renderer.as_mut() {
            r.keep_alive = keep_alive.filter(|k| k.count > 0);
        }
        self
    }

    /// A body of `data` (possibly empty) followed by `tail`.
    pub(crate) fn fixed(data: Vec<u8>, tail: Tail, shared: Arc<Shared>) -> Self {
        let mut ready = VecDeque::new();
        if !data.is_empty() {
            ready.push_back(Bytes::from(data));
        }
        TrackedBody::new(None, ready, tail, shared)
    }

    /// Renders the next frame. With no interval that is as many chunks as fit
    /// in a frame; with an interval it is one chunk, and a pause is armed
    /// before the following one. The ending goes out with the last chunk.
    fn render_next(&mut self) -> Vec<u8> {
        let Some(r) = self.renderer.as_mut() else {
            return Vec::new();
        };
        let mut buf = Vec::new();
        if !r.prelude_done {
            r.prelude_done = true;
            r.wire.prelude(&mut buf);
        }
        if let Some(keep_alive) = r.keep_alive.as_mut() {
            // One keep-alive per frame, each followed by its pause.
            r.wire.keep_alive(&mut buf);
            keep_alive.count -= 1;
            let pause = Duration::from_millis(keep_alive.interval_ms);
            if keep_alive.count == 0 {
                r.keep_alive = None;
            }
            self.sleep = Some(Box::pin(tokio::time::sleep(pause)));
            return buf;
        }
        let total = r.chunks.len();
        if r.interval.is_zero() {
            let remaining: usize = r.chunks[r.next..]
                .iter()
                .map(|c| c.len() + 200)
                .sum::<usize>()
                .min(FRAME_BYTES)
                + 1024;
            buf.reserve(remaining);
            while r.next < total && buf.len() < FRAME_BYTES {
                r.wire.chunk(r.next, &r.chunks[r.next], &mut buf);
                r.next += 1;
            }
        } else if r.next < total {
            r.wire.chunk(r.next, &r.chunks[r.next], &mut buf);
            r.next += 1;
            if r.next < total {
                self.sleep = Some(Box::pin(tokio::time::sleep(r.interval)));
            }
        }
        if r.next == total {
            match &r.ending {
                Ending::Complete => r.wire.complete(&mut buf),
                Ending::ErrorEvent { message } => r.wire.error(message, &mut buf),
                Ending::Drop | Ending::Stall => {}
            }
            self.renderer = None;
        }
        buf
    }
}

impl Stream for TrackedBody {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.finished {
            return Poll::Ready(None);
        }
        loop {
            if let Some(sleep) = this.sleep.as_mut() {
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => this.sleep = None,
                    Poll::Pending => return Poll::Pending,
                }
            }
            if let Some(bytes) = this.ready.pop_front() {
                return Poll::Ready(Some(Ok(bytes)));
            }
            if this.renderer.is_some() {
                let frame = this.render_next();
                if !frame.is_empty() {
                    return Poll::Ready(Some(Ok(Bytes::from(frame))));
                }
                continue;
            }
            return match this.tail {
                Tail::End => {
                    this.finished = true;
                    Poll::Ready(None)
                }
                Tail::Abort if !this.grace_done => {
                    this.grace_done = true;
                    this.sleep = Some(Box::pin(tokio::time::sleep(DROP_FLUSH_GRACE)));
                    continue;
                }
                Tail::Abort => {
                    this.finished = true;
                    Poll::Ready(Some(Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "provider double: scripted connection drop",
                    ))))
                }
                // Nothing will ever wake this task again; the stream lives
                // until the connection is closed.
                Tail::Stall => Poll::Pending,
            };
        }
    }
}

impl Drop for TrackedBody {
    fn drop(&mut self) {
        self.shared.open.fetch_sub(1, Ordering::SeqCst);
        if !self.finished {
            self.shared.abandoned.fetch_add(1, Ordering::SeqCst);
            self.shared.bump();
        }
    }
}
