//! One stream of reply events for every transport: the pipeline emits into
//! [`FanOut`], which hands each event to the window's sink, to everyone
//! subscribed (the gateway's Server-Sent Events clients) and to the other
//! processes of the cluster, whose events [`ThisProcess`] relays to the
//! subscribers here.

use crate::cluster::{Cluster, LocalInstance};
use crate::pipeline::{Pipeline, StreamEvent, StreamSink};
use std::sync::Arc;
use tokio::sync::broadcast;

/// Events a slow subscriber may fall behind by before it misses some. A
/// reply of thousands of chunks fits; a subscriber that lags further is told
/// (`RecvError::Lagged`) and resynchronizes from the store (`get_messages`).
pub const EVENT_BUFFER: usize = 4096;

pub(super) struct FanOut {
    pub window: Arc<dyn StreamSink>,
    pub bus: broadcast::Sender<StreamEvent>,
    pub cluster: Arc<dyn Cluster>,
}

impl StreamSink for FanOut {
    fn emit(&self, event: StreamEvent) {
        if !self.cluster.publish(&event) {
            // Another process already ended this stream for every
            // subscriber; only the window, which hears no relays, gets it.
            self.window.emit(event);
            return;
        }
        // With no subscriber, skip the clone: the window alone is the common case.
        let copy = (self.bus.receiver_count() > 0).then(|| event.clone());
        // The window first: whoever hears of an event over a subscription
        // can rely on the window having it too.
        self.window.emit(event);
        if let Some(copy) = copy {
            // Fails only when every subscriber left in the meantime.
            let _ = self.bus.send(copy);
        }
    }
}

/// What the cluster asks of this process: its cancels and sessions are the
/// pipeline's; the other processes' events go to the subscribers (not the
/// window, which shows the replies it asked for).
pub(super) struct ThisProcess {
    pub pipeline: Pipeline,
    pub bus: broadcast::Sender<StreamEvent>,
}

impl LocalInstance for ThisProcess {
    fn cancel(&self, session_id: &str) -> bool {
        self.pipeline.cancel_here(session_id)
    }

    fn held_sessions(&self) -> Vec<String> {
        self.pipeline.held_sessions()
    }

    fn cancel_all(&self) {
        self.pipeline.cancel_all();
    }

    fn relay(&self, event: StreamEvent) {
        // Nobody subscribed here: nothing to do.
        let _ = self.bus.send(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{MessageId, SessionId};
    use crate::pipeline::StreamStart;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Window(Mutex<Vec<StreamEvent>>);
    impl StreamSink for Window {
        fn emit(&self, event: StreamEvent) {
            self.0.lock().unwrap().push(event);
        }
    }

    #[test]
    fn the_window_and_every_subscriber_get_each_event() {
        let window = Arc::new(Window::default());
        let (bus, _) = broadcast::channel(4);
        let fan_out = FanOut {
            window: window.clone(),
            bus: bus.clone(),
            cluster: Arc::new(crate::cluster::Solo),
        };
        let event = StreamEvent::Start(StreamStart {
            session_id: SessionId::generate(),
            message_id: MessageId::generate(),
        });
        // Nobody subscribed yet: the window alone.
        fan_out.emit(event.clone());
        let mut a = bus.subscribe();
        let mut b = bus.subscribe();
        fan_out.emit(event.clone());
        assert_eq!(window.0.lock().unwrap().len(), 2);
        assert_eq!(a.try_recv().unwrap(), event);
        assert_eq!(b.try_recv().unwrap(), event);
        assert!(a.try_recv().is_err(), "subscribers see only later events");
    }
}
