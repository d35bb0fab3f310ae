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
            StreamEvent::Start(payload) => StreamStart(payload).emit(&self.app),
            StreamEvent::Chunk(payload) => StreamChunk(payload).emit(&self.app),
            StreamEvent::End(payload) => StreamEnd(payload).emit(&self.app),
            StreamEvent::Error(payload) => StreamError(payload).emit(&self.app),
            StreamEvent::Compacted(payload) => SessionCompacted(payload).emit(&self.app),
        };
        if let Err(err) = result {
            tracing::warn!("could not emit a stream event: {err}");
        }
    }
}
