//! A loopback HTTP server that stands in for model providers in tests and
//! benchmarks, speaking each provider's real wire format:
//!
//! - `POST /v1/messages`: Anthropic Messages API (SSE)
//! - `POST /v1/chat/completions`: OpenAI Chat Completions (SSE)
//! - `POST /api/chat`: Ollama chat (NDJSON)
//! - `GET /v1/models` (OpenAI shape) and `GET /api/tags` (Ollama shape)
//!
//! Every chat request takes the next queued [`Script`] (FIFO), or the default
//! script when the queue is empty, and is recorded before it is answered.
//! Scripts can stream at a pace, send only keep-alives before the text, end
//! with an in-stream error, drop the connection, stall forever, delay the
//! headers, or answer with an HTTP error in the provider's own error shape.
//!
//! Control endpoints (for tests written in other languages):
//! `POST /_double/script` (enqueue a Script JSON), `POST /_double/default`
//! (set the default Script), `GET /_double/requests` (recorded requests),
//! `POST /_double/reset` (clear queue and recordings, restore default script
//! and models), `POST /_double/models` (JSON array of model ids) and
//! `GET /_double/stats` (counters).
//!
//! A request body with an explicit `"stream": false` gets the provider's
//! non-streamed JSON answer; anything else (including no `stream` field) is
//! answered with a stream.

mod body;
mod script;
mod wire;

use std::collections::{BTreeMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

pub use script::{Ending, KeepAlive, Reply, Script};

use body::{Tail, TrackedBody};
use wire::{Ctx, Provider};

/// The text of the initial default script.
pub const DEFAULT_REPLY: &str = "Hello from the provider double.";
/// The initial model list.
pub const DEFAULT_MODEL: &str = "double-model";

/// One chat request as the double received it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedRequest {
    /// e.g. `"/v1/messages"`
    pub path: String,
    /// Lowercase header names; repeated headers are joined with `", "`.
    pub headers: BTreeMap<String, String>,
    /// The parsed JSON body (`null` for an empty body, a string holding the
    /// raw text if it was not JSON).
    pub body: Value,
}

/// State shared by the server and the handle.
pub(crate) struct Shared {
    queue: Mutex<VecDeque<Script>>,
    default: Mutex<Script>,
    requests: Mutex<Vec<RecordedRequest>>,
    models: Mutex<Vec<String>>,
    pub(crate) abandoned: AtomicUsize,
    pub(crate) open: AtomicUsize,
    seq: AtomicU64,
    /// Bumped whenever a request is recorded or a stream is abandoned.
    changes: watch::Sender<()>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn new() -> Shared {
        Shared {
            queue: Mutex::new(VecDeque::new()),
            default: Mutex::new(Script::reply(DEFAULT_REPLY)),
            requests: Mutex::new(Vec::new()),
            models: Mutex::new(vec![DEFAULT_MODEL.to_owned()]),
            abandoned: AtomicUsize::new(0),
            open: AtomicUsize::new(0),
            seq: AtomicU64::new(0),
            changes: watch::Sender::new(()),
        }
    }

    pub(crate) fn bump(&self) {
        self.changes.send_modify(|_| {});
    }

    /// Records the request and takes its script, atomically with respect to
    /// other requests (the n-th recorded request gets the n-th script).
    fn record_and_take(&self, request: RecordedRequest) -> Script {
        let script = {
            let mut requests = lock(&self.requests);
            requests.push(request);
            let next = lock(&self.queue).pop_front();
            next.unwrap_or_else(|| lock(&self.default).clone())
        };
        self.bump();
        script
    }

    fn reset(&self) {
        let mut requests = lock(&self.requests);
        requests.clear();
        lock(&self.queue).clear();
        *lock(&self.default) = Script::reply(DEFAULT_REPLY);
        *lock(&self.models) = vec![DEFAULT_MODEL.to_owned()];
    }
}

/// A running provider double. Dropping it stops the server and closes every
/// connection it holds.
pub struct ProviderDouble {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl ProviderDouble {
    /// Binds `127.0.0.1:0` and serves in a spawned tokio task until dropped.
    pub async fn start() -> ProviderDouble {
        ProviderDouble::start_on(0)
            .await
            .expect("provider double: cannot bind 127.0.0.1:0")
    }

    /// Binds `127.0.0.1:port` (0 = any free port) and serves in a spawned
    /// tokio task until dropped.
    pub async fn start_on(port: u16) -> std::io::Result<ProviderDouble> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new());
        let task = tokio::spawn(serve(listener, router(shared.clone())));
        Ok(ProviderDouble { addr, shared, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `"http://127.0.0.1:PORT"` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues a script; each chat request takes the next one, FIFO; when the
    /// queue is empty the default script is used.
    pub fn enqueue(&self, script: Script) {
        lock(&self.shared.queue).push_back(script);
    }

    /// Replaces the script used when the queue is empty (initially
    /// `Script::reply("Hello from the provider double.")`).
    pub fn set_default(&self, script: Script) {
        *lock(&self.shared.default) = script;
    }

    /// Clears the queue and the recorded requests, restores the default
    /// script and the model list. Counters are left alone.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Every chat request received so far (not `/models` or `/tags`), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Waits until at least `n` chat requests were received, or panics after `timeout`.
    pub async fn wait_for_requests(&self, n: usize, timeout: Duration) -> Vec<RecordedRequest> {
        let ok = self
            .wait_until(timeout, || lock(&self.shared.requests).len() >= n)
            .await;
        let requests = self.requests();
        if !ok {
            let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
            panic!(
                "provider double: expected at least {n} chat request(s) within {timeout:?}, got {}: {paths:?}",
                requests.len()
            );
        }
        requests
    }

    /// Streamed responses whose body was dropped (client gone) before the
    /// stream reached its natural end.
    pub fn streams_abandoned(&self) -> usize {
        self.shared.abandoned.load(Ordering::SeqCst)
    }

    /// Waits until `streams_abandoned() >= n` or panics after `timeout`.
    pub async fn wait_for_abandoned(&self, n: usize, timeout: Duration) {
        let ok = self
            .wait_until(timeout, || self.streams_abandoned() >= n)
            .await;
        if !ok {
            panic!(
                "provider double: expected at least {n} abandoned stream(s) within {timeout:?}, got {} ({} still open)",
                self.streams_abandoned(),
                self.open_streams()
            );
        }
    }

    /// Response bodies currently being written.
    pub fn open_streams(&self) -> usize {
        self.shared.open.load(Ordering::SeqCst)
    }

    /// Model ids served by `GET /v1/models` and `GET /api/tags`.
    pub fn set_models(&self, ids: Vec<String>) {
        *lock(&self.shared.models) = ids;
    }

    async fn wait_until(&self, timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        // Subscribing before checking means no change can slip in between.
        let mut changes = self.shared.changes.subscribe();
        loop {
            if done() {
                return true;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return done(),
            }
        }
    }
}

impl Drop for ProviderDouble {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Accept loop. Connection tasks live in a `JoinSet` owned by this future, so
/// aborting the server task also closes every connection.
async fn serve(listener: TcpListener, router: Router) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => {
                    let _ = socket.set_nodelay(true);
                    let service = TowerToHyperService::new(router.clone());
                    connections.spawn(async move {
                        // Errors here are client disconnects and scripted drops.
                        let _ = hyper::server::conn::http1::Builder::new()
                            .timer(TokioTimer::new())
                            .serve_connection(TokioIo::new(socket), service)
                            .await;
                    });
                }
                // E.g. out of file descriptors: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/messages", post(anthropic_chat))
        .route("/v1/chat/completions", post(openai_chat))
        .route("/api/chat", post(ollama_chat))
        .route("/v1/models", get(openai_models))
        .route("/api/tags", get(ollama_tags))
        .route("/_double/script", post(control_enqueue))
        .route("/_double/default", post(control_default))
        .route("/_double/requests", get(control_requests))
        .route("/_double/reset", post(control_reset))
        .route("/_double/models", post(control_models))
        .route("/_double/stats", get(control_stats))
        .fallback(not_found)
        .layer(DefaultBodyLimit::disable())
        .with_state(shared)
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn json_value(status: StatusCode, value: &Value) -> Response {
    json_response(
        status,
        serde_json::to_vec(value).expect("serialising a JSON value cannot fail"),
    )
}

fn parse_body(body: &[u8]) -> Value {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

fn record_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        out.entry(name.as_str().to_ascii_lowercase())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    out
}

async fn anthropic_chat(
    state: State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    chat(Provider::Anthropic, state, uri, headers, body).await
}

async fn openai_chat(
    state: State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    chat(Provider::OpenAi, state, uri, headers, body).await
}

async fn ollama_chat(
    state: State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    chat(Provider::Ollama, state, uri, headers, body).await
}

async fn chat(
    provider: Provider,
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = SystemTime::now();
    let body = parse_body(&body);
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_MODEL)
        .to_owned();
    let streamed = body.get("stream") != Some(&Value::Bool(false));
    let include_usage = body.pointer("/stream_options/include_usage") == Some(&Value::Bool(true));

    let script = shared.record_and_take(RecordedRequest {
        path: uri.path().to_owned(),
        headers: record_headers(&headers),
        body,
    });
    let seq = shared.seq.fetch_add(1, Ordering::SeqCst) + 1;

    if script.headers_delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(script.headers_delay_ms)).await;
    }

    match script.reply {
        Reply::HttpError {
            status,
            retry_after_secs,
            message,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = json_response(
                status,
                wire::error_body(provider, status.as_u16(), &message),
            );
            if let Some(secs) = retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            add_request_id(provider, seq, &mut response);
            response
        }
        Reply::Stream {
            chunks,
            interval_ms,
            input_tokens,
            output_tokens,
            ending,
            crlf,
            comments,
            keep_alive,
        } => {
            let interval = Duration::from_millis(interval_ms);
            let ctx = Ctx {
                model,
                seq,
                include_usage,
                input_tokens,
                output_tokens,
                crlf,
                comments,
                interval,
                started,
            };
            let mut response = if streamed {
                let wire = wire::wire_for(provider, ctx);
                let body = TrackedBody::stream(wire, chunks, interval, ending, shared)
                    .with_keep_alive(keep_alive);
                let mut response = Response::new(Body::from_stream(body));
                let headers = response.headers_mut();
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(provider.stream_content_type()),
                );
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                response
            } else {
                non_streamed(provider, &ctx, &chunks, &ending, shared).await
            };
            add_request_id(provider, seq, &mut response);
            response
        }
    }
}

/// The answer to an explicit `"stream": false` request: the whole generation
/// time passes before the headers, then one JSON document.
async fn non_streamed(
    provider: Provider,
    ctx: &Ctx,
    chunks: &[String],
    ending: &Ending,
    shared: Arc<Shared>,
) -> Response {
    let pauses = u32::try_from(chunks.len().saturating_sub(1)).unwrap_or(u32::MAX);
    if !ctx.interval.is_zero() && pauses > 0 {
        tokio::time::sleep(ctx.interval * pauses).await;
    }
    let (data, tail) = match ending {
        Ending::Complete => (wire::full_body(provider, ctx, chunks), Tail::End),
        Ending::ErrorEvent { message } => {
            return json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                wire::error_body(provider, 500, message),
            );
        }
        Ending::Drop => (Vec::new(), Tail::Abort),
        Ending::Stall => (Vec::new(), Tail::Stall),
    };
    let mut response = Response::new(Body::from_stream(TrackedBody::fixed(data, tail, shared)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn add_request_id(provider: Provider, seq: u64, response: &mut Response) {
    let (name, prefix) = match provider {
        Provider::Anthropic => ("request-id", "req_double_"),
        Provider::OpenAi => ("x-request-id", "req_double_"),
        Provider::Ollama => return,
    };
    if let Ok(value) = HeaderValue::from_str(&format!("{prefix}{seq}")) {
        response.headers_mut().insert(name, value);
    }
}

async fn openai_models(State(shared): State<Arc<Shared>>) -> Response {
    let data: Vec<Value> = lock(&shared.models)
        .iter()
        .map(|id| json!({"id": id, "object": "model", "created": 0, "owned_by": "double"}))
        .collect();
    json_value(StatusCode::OK, &json!({"object": "list", "data": data}))
}

async fn ollama_tags(State(shared): State<Arc<Shared>>) -> Response {
    let models: Vec<Value> = lock(&shared.models)
        .iter()
        .map(|id| {
            json!({
                "name": id,
                "model": id,
                "modified_at": "2026-01-01T00:00:00Z",
                "size": 1,
                "digest": "d",
            })
        })
        .collect();
    json_value(StatusCode::OK, &json!({"models": models}))
}

fn bad_request(what: &str, err: serde_json::Error) -> Response {
    json_value(
        StatusCode::BAD_REQUEST,
        &json!({"error": format!("provider double: invalid {what}: {err}")}),
    )
}

async fn control_enqueue(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Script>(&body) {
        Ok(script) => {
            let queued = {
                let mut queue = lock(&shared.queue);
                queue.push_back(script);
                queue.len()
            };
            json_value(StatusCode::OK, &json!({"ok": true, "queued": queued}))
        }
        Err(e) => bad_request("script", e),
    }
}

async fn control_default(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Script>(&body) {
        Ok(script) => {
            *lock(&shared.default) = script;
            json_value(StatusCode::OK, &json!({"ok": true}))
        }
        Err(e) => bad_request("script", e),
    }
}

async fn control_requests(State(shared): State<Arc<Shared>>) -> Response {
    let body = serde_json::to_vec(&*lock(&shared.requests))
        .expect("serialising recorded requests cannot fail");
    json_response(StatusCode::OK, body)
}

async fn control_reset(State(shared): State<Arc<Shared>>) -> Response {
    shared.reset();
    json_value(StatusCode::OK, &json!({"ok": true}))
}

async fn control_models(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Vec<String>>(&body) {
        Ok(ids) => {
            *lock(&shared.models) = ids;
            json_value(StatusCode::OK, &json!({"ok": true}))
        }
        Err(e) => bad_request("model list", e),
    }
}

async fn control_stats(State(shared): State<Arc<Shared>>) -> Response {
    let requests = lock(&shared.requests).len();
    let queued = lock(&shared.queue).len();
    json_value(
        StatusCode::OK,
        &json!({
            "requests": requests,
            "queued": queued,
            "streamsAbandoned": shared.abandoned.load(Ordering::SeqCst),
            "openStreams": shared.open.load(Ordering::SeqCst),
        }),
    )
}

async fn not_found(uri: Uri) -> impl IntoResponse {
    json_value(
        StatusCode::NOT_FOUND,
        &json!({"error": format!("provider double: no route for {}", uri.path())}),
    )
}
