//! The stream events as tauri-specta `Event`s, so the bindings carry typed
//! `events.streamStart.listen(...)` etc. Each is the core's payload
//! (`clawdesk_core::pipeline`) as is: a transparent wrapper that adds only
//! the event name, so the window and the gateway send the same JSON and the
//! bindings name the core's payload types.

use clawdesk_core::pipeline;
use serde::{Deserialize, Serialize};
use specta::datatype::DataType;
use specta::{Type, Types};
use tauri_specta::Event;

macro_rules! window_event {
    ($(#[$doc:meta])* $name:ident = $wire:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
        #[serde(transparent)]
        #[tauri_specta(event_name = $wire)]
        pub struct $name(pub pipeline::$name);

        // Exported as the core payload type itself, so the bindings keep
        // `makeEvent<StreamStart, StreamStart>("stream-start")`.
        impl Type for $name {
            fn definition(types: &mut Types) -> DataType {
                pipeline::$name::definition(types)
            }
        }
    };
}

window_event!(
    /// `stream-start`: a reply has started; chunks follow.
    StreamStart = "stream-start"
);
window_event!(
    /// `stream-chunk`: one piece of reply text.
    StreamChunk = "stream-chunk"
);
window_event!(
    /// `stream-end`: the reply is complete and stored.
    StreamEnd = "stream-end"
);
window_event!(
    /// `stream-error`: the stream failed or was cancelled.
    StreamError = "stream-error"
);
window_event!(
    /// `session-compacted`: the session was compacted automatically.
    SessionCompacted = "session-compacted"
);
