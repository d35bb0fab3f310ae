//! Delivers the pipeline's stream events to the window as typed
//! tauri-specta events (`stream-start`, `stream-chunk`, ...).

use crate::events::{SessionCompacted, StreamChunk, StreamEnd, StreamError, StreamStart};
use clawdesk_core::pipeline::{StreamEvent, StreamSink};
use tauri::{AppHandle, Runtime};
use tauri_specta::Event;

pub struct TauriStreamSink<R: Runtime> {
    app: AppHandle<R>,
}

impl<R: Runtime> TauriStreamSink<R> {
    pub fn new(app: AppHandle<R>) -> Self {
        Self { app }
    }
}

impl<R: Runtime> StreamSink for TauriStreamSink<R> {
    fn emit(&self, event: StreamEvent) {
        // Emitting only fails when the event system is gone (app shutting
        // down); the reply is in the store either way.
        let result = match event {
            StreamEvent::Start {
                session_id,
                message_id,
            } => StreamStart {
                session_id,
                message_id,
            }
            .emit(&self.app),
            StreamEvent::Chunk {
                session_id,
                message_id,
                content,
                index,
            } => StreamChunk {
                session_id,
                message_id,
                content,
                index,
            }
            .emit(&self.app),
            StreamEvent::End {
                session_id,
                message_id,
                usage,
            } => StreamEnd {
                session_id,
                message_id,
                usage,
            }
            .emit(&self.app),
            StreamEvent::Error {
                session_id,
                message_id,
                code,
                message,
            } => StreamError {
                session_id,
                message_id,
                code,
                message,
            }
            .emit(&self.app),
            StreamEvent::Compacted {
                session_id,
                messages_before,
                messages_after,
                tokens_saved,
            } => SessionCompacted {
                session_id,
                messages_before,
                messages_after,
                tokens_saved,
            }
            .emit(&self.app),
        };
        if let Err(err) = result {
            eprintln!("clawdesk: could not emit a stream event: {err}");
        }
    }
}
