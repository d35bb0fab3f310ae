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

/// `import-progress`: how many chats a running `import_archive` has
/// written, out of the file's total; the last one has `done == total`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[serde(transparent)]
#[tauri_specta(event_name = "import-progress")]
pub struct ImportProgress(pub clawdesk_core::archive::ImportProgress);

impl Type for ImportProgress {
    fn definition(types: &mut Types) -> DataType {
        clawdesk_core::archive::ImportProgress::definition(types)
    }
}

/// Emits `import-progress` to the window; managed state, so the (runtime
/// independent) import command can report progress without an `AppHandle<R>`.
#[derive(Clone)]
pub struct ProgressEmitter(
    std::sync::Arc<dyn Fn(clawdesk_core::archive::ImportProgress) + Send + Sync>,
);

impl ProgressEmitter {
    pub fn for_app<R: tauri::Runtime>(app: tauri::AppHandle<R>) -> Self {
        Self(std::sync::Arc::new(move |progress| {
            if let Err(err) = ImportProgress(progress).emit(&app) {
                tracing::warn!("could not emit import progress: {err}");
            }
        }))
    }

    /// The function the core's import calls.
    pub fn reporter(
        &self,
    ) -> impl Fn(clawdesk_core::archive::ImportProgress) + Send + Sync + 'static {
        let emit = self.0.clone();
        move |progress| emit(progress)
    }
}
