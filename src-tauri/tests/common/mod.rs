//! A real Tauri app on the mock runtime: real IPC requests go through
//! argument parsing, state injection and response serialization.

#![allow(dead_code)]

pub mod database;
pub mod http;
pub mod serve;
pub mod sse;

use clawdesk_core::registry::DESKTOP_CHANNEL;
use clawdesk_core::types::ChannelStatus;
use clawdesk_lib::bindings::specta_builder;
use clawdesk_lib::paths::AppPaths;
use clawdesk_lib::state::AppState;
use clawdesk_lib::stream_sink::TauriStreamSink;
use provider_double::ProviderDouble;
use serde_json::{json, Value};
use std::sync::Arc;
use std::sync::Mutex;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

pub struct TestApp {
    pub dir: tempfile::TempDir,
    pub app: App<MockRuntime>,
    pub webview: WebviewWindow<MockRuntime>,
}

impl TestApp {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::with_paths(dir, |d| AppPaths::in_dir(d))
    }

    pub fn with_paths(
        dir: tempfile::TempDir,
        paths: impl FnOnce(&std::path::Path) -> AppPaths,
    ) -> Self {
        let paths = paths(dir.path());
        write_hermetic_config(&paths.config_dir);
        let builder = specta_builder::<MockRuntime>();
        let app = mock_builder()
            .invoke_handler(builder.invoke_handler())
            .build(mock_context(noop_assets()))
            .expect("mock app builds");
        // `.setup()` does not run under the mock runtime: do its work here.
        builder.mount_events(&app);
        let sink = Arc::new(TauriStreamSink::new(app.handle().clone()));
        let state = tauri::async_runtime::block_on(clawdesk_lib::state::initialize(&paths, sink));
        state
            .channel_registry
            .set_status(DESKTOP_CHANNEL, ChannelStatus::Active, None)
            .unwrap();
        app.manage(state);
        app.manage(clawdesk_lib::events::ProgressEmitter::for_app(
            app.handle().clone(),
        ));
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("mock window builds");
        Self { dir, app, webview }
    }

    pub fn state(&self) -> tauri::State<'_, AppState> {
        self.app.state::<AppState>()
    }

    /// Invokes `cmd` with camelCase JSON `args` exactly as the frontend would.
    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke_on(&self.webview, cmd, args)
    }

    pub fn ok(&self, cmd: &str, args: Value) -> Value {
        self.invoke(cmd, args)
            .unwrap_or_else(|err| panic!("{cmd} failed: {err}"))
    }

    pub fn err(&self, cmd: &str, args: Value) -> Value {
        match self.invoke(cmd, args) {
            Ok(value) => panic!("{cmd} unexpectedly succeeded with {value}"),
            Err(err) => err,
        }
    }
}

/// Tests reach only loopback servers they start themselves: the built-in
/// providers (the real Anthropic and OpenAI hosts, an Ollama on
/// 127.0.0.1:11434) start disabled unless the test wrote its own config.
pub const HERMETIC_CONFIG: &str = "\
[providers.anthropic]
enabled = false

[providers.openai]
enabled = false

[providers.ollama]
enabled = false
";

pub fn write_hermetic_config(config_dir: &std::path::Path) {
    let file = config_dir.join("config.toml");
    if !file.exists() {
        std::fs::create_dir_all(config_dir).unwrap();
        std::fs::write(file, HERMETIC_CONFIG).unwrap();
    }
}

/// Invokes `cmd` on `webview` (a clone of a `TestApp`'s, which can move to
/// another thread, where the app itself cannot) as the frontend would.
pub fn invoke_on(
    webview: &WebviewWindow<MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(webview, request).map(|body| body.deserialize::<Value>().unwrap())
}

/// Events the backend emitted, in order: the name they were recorded under
/// and their JSON payload as the window receives it.
pub type EventLog = Arc<Mutex<Vec<(&'static str, Value)>>>;

/// Appends every emission of event `E` to `log` under `name`.
pub fn record_event<E>(app: &TestApp, name: &'static str, log: &EventLog)
where
    E: tauri_specta::Event + serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    let log = log.clone();
    E::listen_any(app.app.handle(), move |event| {
        let payload = serde_json::to_value(&event.payload).unwrap();
        log.lock().unwrap().push((name, payload));
    });
}

impl TestApp {
    /// Makes the provider double the app's only provider, as Anthropic with
    /// a key, and fails fast (no retries) so fault tests see each fault once.
    pub fn use_double_as_only_provider(&self, double: &ProviderDouble) {
        for (key, value) in [
            ("providers.openai.enabled", json!(false)),
            ("providers.ollama.enabled", json!(false)),
            ("providers.anthropic.enabled", json!(true)),
            ("providers.anthropic.baseUrl", json!(double.base_url())),
            ("providers.anthropic.apiKey", json!("sk-ant-ipc")),
            ("network.maxRetries", json!(0)),
        ] {
            self.ok("update_config", json!({ "key": key, "value": value }));
        }
    }
}

impl TestApp {
    /// Waits until every usable provider was asked whether it answers (as
    /// `get_health` does in the background), so health reports a result.
    pub fn settle_providers(&self) {
        tauri::async_runtime::block_on(self.state().provider_registry.probe());
    }
}

/// Asserts an RFC 3339 UTC timestamp with milliseconds.
pub fn assert_timestamp(value: &Value) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"));
    assert!(
        chrono::DateTime::parse_from_rfc3339(text).is_ok()
            && text.ends_with('Z')
            && text.len() == 24,
        "not an RFC 3339 UTC timestamp: {text}"
    );
}
