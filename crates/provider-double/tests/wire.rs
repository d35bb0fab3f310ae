//! Wire-level tests over real loopback sockets.

use std::time::{Duration, Instant};

use provider_double::{Ending, ProviderDouble, Script};
use serde_json::{json, Value};

const T: Duration = Duration::from_secs(10);

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn post(double: &ProviderDouble, path: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!("{}{path}", double.base_url()))
        .header("x-api-key", "sk-test")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// GET `path` on the double, as JSON.
async fn get_json<T: serde::de::DeserializeOwned>(double: &ProviderDouble, path: &str) -> T {
    client()
        .get(format!("{}{path}", double.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Status and headers of a response whose body was read.
struct Head {
    status: reqwest::StatusCode,
    headers: reqwest::header::HeaderMap,
}

impl Head {
    fn status(&self) -> reqwest::StatusCode {
        self.status
    }
    fn headers(&self) -> &reqwest::header::HeaderMap {
        &self.headers
    }
}

async fn post_text(double: &ProviderDouble, path: &str, body: Value) -> (Head, String) {
    let resp = post(double, path, body).await;
    let head = Head {
        status: resp.status(),
        headers: resp.headers().clone(),
    };
    let text = tokio::time::timeout(T, resp.text()).await.unwrap().unwrap();
    (head, text)
}

/// Parses an SSE body that uses `\n` line endings into (event, data) pairs;
/// comment-only blocks are returned as ("#comment", text).
fn sse_events(body: &str) -> Vec<(Option<String>, String)> {
    assert!(
        body.ends_with("\n\n"),
        "SSE body must end with a blank line: {body:?}"
    );
    body.trim_end_matches('\n')
        .split("\n\n")
        .map(|block| {
            let mut event = None;
            let mut data = None;
            for line in block.split('\n') {
                if let Some(c) = line.strip_prefix(':') {
                    return (Some("#comment".to_owned()), c.trim().to_owned());
                } else if let Some(e) = line.strip_prefix("event: ") {
                    event = Some(e.to_owned());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    assert!(data.is_none(), "one data line per event: {block:?}");
                    data = Some(d.to_owned());
                } else {
                    panic!("unexpected SSE line {line:?}");
                }
            }
            (event, data.expect("data line"))
        })
        .collect()
}

fn anthropic_request(model: &str) -> Value {
    json!({"model": model, "max_tokens": 64, "stream": true,
           "messages": [{"role": "user", "content": "hi"}]})
}

fn openai_request(include_usage: bool) -> Value {
    let mut v = json!({"model": "gpt-double", "stream": true,
                       "messages": [{"role": "user", "content": "hi"}]});
    if include_usage {
        v["stream_options"] = json!({"include_usage": true});
    }
    v
}

fn ollama_request() -> Value {
    json!({"model": "llama-double", "messages": [{"role": "user", "content": "hi"}]})
}

#[tokio::test]
async fn anthropic_event_order_and_cumulative_usage() {
    let double = ProviderDouble::start().await;
    double.enqueue(Script::chunks(vec!["Hel".into(), "lo \"x\"\n".into()]).usage(7, 9));
    let (head, body) = post_text(&double, "/v1/messages", anthropic_request("claude-d")).await;
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-type"], "text/event-stream");

    let expected = concat!(
        "event: message_start\n",
        r#"data: {"type":"message_start","message":{"id":"msg_double_1","type":"message","role":"assistant","model":"claude-d","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":7,"output_tokens":1}}}"#,
        "\n\n",
        "event: content_block_start\n",
        r#"data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        "\n\n",
        "event: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}"#,
        "\n\n",
        "event: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo \"x\"\n"}}"#,
        "\n\n",
        "event: content_block_stop\n",
        r#"data: {"type":"content_block_stop","index":0}"#,
        "\n\n",
        "event: message_delta\n",
        r#"data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}}"#,
        "\n\n",
        "event: message_stop\n",
        r#"data: {"type":"message_stop"}"#,
        "\n\n",
    );
    assert_eq!(body, expected);

    // Every data payload is valid JSON whose "type" matches the event name.
    for (event, data) in sse_events(&body) {
        let v: Value = serde_json::from_str(&data).unwrap();
        assert_eq!(Some(v["type"].as_str().unwrap().to_owned()), event);
    }

    // Ids count up per request.
    let (_, body2) = post_text(&double, "/v1/messages", anthropic_request("m")).await;
    assert!(body2.contains(r#""id":"msg_double_2""#), "{body2}");
}

#[tokio::test]
async fn openai_include_usage_on_and_off() {
    let double = ProviderDouble::start().await;
    double.enqueue(Script::chunks(vec!["a".into(), "b".into()]).usage(5, 2));
    double.enqueue(Script::chunks(vec!["a".into(), "b".into()]).usage(5, 2));

    let (head, body) = post_text(&double, "/v1/chat/completions", openai_request(false)).await;
    assert_eq!(head.headers()["content-type"], "text/event-stream");
    let events = sse_events(&body);
    assert!(
        events.iter().all(|(e, _)| e.is_none()),
        "OpenAI uses data-only events"
    );
    let datas: Vec<&str> = events.iter().map(|(_, d)| d.as_str()).collect();
    assert_eq!(datas.len(), 5, "{body}");
    assert_eq!(*datas.last().unwrap(), "[DONE]");
    let chunks: Vec<Value> = datas[..4]
        .iter()
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    for c in &chunks {
        assert_eq!(c["id"], "chatcmpl-double-1");
        assert_eq!(c["object"], "chat.completion.chunk");
        assert_eq!(c["model"], "gpt-double");
        assert!(c["created"].as_u64().unwrap() > 1_600_000_000);
        assert!(
            c.get("usage").is_none(),
            "no usage field without include_usage"
        );
    }
    assert_eq!(
        chunks[0]["choices"][0]["delta"],
        json!({"role": "assistant", "content": ""})
    );
    assert_eq!(chunks[0]["choices"][0]["finish_reason"], Value::Null);
    assert_eq!(chunks[1]["choices"][0]["delta"]["content"], "a");
    assert_eq!(chunks[2]["choices"][0]["delta"]["content"], "b");
    assert_eq!(chunks[3]["choices"][0]["delta"], json!({}));
    assert_eq!(chunks[3]["choices"][0]["finish_reason"], "stop");

    let (_, body) = post_text(&double, "/v1/chat/completions", openai_request(true)).await;
    let datas: Vec<String> = sse_events(&body).into_iter().map(|(_, d)| d).collect();
    assert_eq!(datas.len(), 6, "{body}");
    assert_eq!(datas[5], "[DONE]");
    let usage: Value = serde_json::from_str(&datas[4]).unwrap();
    assert_eq!(usage["id"], "chatcmpl-double-2");
    assert_eq!(usage["choices"], json!([]));
    assert_eq!(
        usage["usage"],
        json!({"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7})
    );
    let finish: Value = serde_json::from_str(&datas[3]).unwrap();
    assert_eq!(finish["choices"][0]["finish_reason"], "stop");
    assert_eq!(finish["usage"], Value::Null);
}

#[tokio::test]
async fn ollama_ndjson_lines_and_final_line() {
    let double = ProviderDouble::start().await;
    double.enqueue(Script::chunks(vec!["Hi".into(), " there".into()]).usage(3, 4));
    let (head, body) = post_text(&double, "/api/chat", ollama_request()).await;
    assert_eq!(head.headers()["content-type"], "application/x-ndjson");
    assert!(body.ends_with('\n') && !body.contains('\r'));
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for (line, text) in lines[..2].iter().zip(["Hi", " there"]) {
        assert_eq!(line["model"], "llama-double");
        assert_eq!(
            line["message"],
            json!({"role": "assistant", "content": text})
        );
        assert_eq!(line["done"], false);
        let created = line["created_at"].as_str().unwrap();
        assert!(created.len() == 30 && created.ends_with('Z'), "{created}");
    }
    let last = &lines[2];
    assert_eq!(last["done"], true);
    assert_eq!(last["done_reason"], "stop");
    assert_eq!(last["message"], json!({"role": "assistant", "content": ""}));
    assert_eq!(last["prompt_eval_count"], 3);
    assert_eq!(last["eval_count"], 4);
    assert!(last["total_duration"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn crlf_and_comments() {
    let double = ProviderDouble::start().await;
    double.enqueue(
        Script::chunks(vec!["x".into(), "y".into()])
            .crlf()
            .comments(),
    );
    double.enqueue(
        Script::chunks(vec!["x".into(), "y".into()])
            .crlf()
            .comments(),
    );
    double.enqueue(Script::reply("plain"));

    let (_, body) = post_text(&double, "/v1/messages", anthropic_request("m")).await;
    assert!(
        !body.replace("\r\n", "").contains('\n'),
        "only CRLF line ends"
    );
    assert!(body.contains(": keep-alive\r\n\r\n"));
    assert!(body.contains("event: ping\r\ndata: {\"type\":\"ping\"}\r\n\r\n"));
    let events = sse_events(&body.replace("\r\n", "\n"));
    let names: Vec<String> = events.iter().map(|(e, _)| e.clone().unwrap()).collect();
    assert_eq!(
        names,
        [
            "message_start",
            "content_block_start",
            "#comment",
            "ping",
            "content_block_delta",
            "#comment",
            "ping",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );

    let (_, body) = post_text(&double, "/v1/chat/completions", openai_request(false)).await;
    assert!(!body.replace("\r\n", "").contains('\n'));
    let events = sse_events(&body.replace("\r\n", "\n"));
    let comments = events
        .iter()
        .filter(|(e, _)| e.as_deref() == Some("#comment"))
        .count();
    assert_eq!(comments, 2, "{body}");
    assert_eq!(events.last().unwrap().1, "[DONE]");

    let (_, body) = post_text(&double, "/v1/chat/completions", openai_request(false)).await;
    assert!(!body.contains('\r') && !body.contains(": keep-alive"));
}

#[tokio::test]
async fn http_errors_in_each_provider_shape() {
    let double = ProviderDouble::start().await;
    double.enqueue(Script::rate_limited(7));
    double.enqueue(Script::http_error(401, "bad key"));
    double.enqueue(Script::rate_limited(3));
    double.enqueue(Script::http_error(500, "boom"));

    let resp = post(&double, "/v1/messages", anthropic_request("m")).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "7");
    assert_eq!(resp.headers()["content-type"], "application/json");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["type"], "error");
    assert_eq!(v["error"]["type"], "rate_limit_error");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Rate limit"));

    let resp = post(&double, "/v1/messages", anthropic_request("m")).await;
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().get("retry-after").is_none());
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v,
        json!({"type": "error", "error": {"type": "authentication_error", "message": "bad key"}})
    );

    let resp = post(&double, "/v1/chat/completions", openai_request(false)).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "3");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "rate_limit_exceeded");
    assert!(v["error"]["message"].is_string());

    let resp = post(&double, "/api/chat", ollama_request()).await;
    assert_eq!(resp.status(), 500);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v, json!({"error": "boom"}));
}

#[tokio::test]
async fn error_event_after_chunks() {
    let double = ProviderDouble::start().await;
    let script = || {
        Script::chunks(vec!["par".into(), "tial".into()]).ending(Ending::ErrorEvent {
            message: "Overloaded".into(),
        })
    };
    for _ in 0..3 {
        double.enqueue(script());
    }

    let (head, body) = post_text(&double, "/v1/messages", anthropic_request("m")).await;
    assert_eq!(head.status(), 200);
    let events = sse_events(&body);
    let (event, data) = events.last().unwrap();
    assert_eq!(event.as_deref(), Some("error"));
    assert_eq!(
        serde_json::from_str::<Value>(data).unwrap(),
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    );
    assert_eq!(
        events
            .iter()
            .filter(|(e, _)| e.as_deref() == Some("content_block_delta"))
            .count(),
        2
    );
    assert!(!body.contains("message_stop"));

    let (head, body) = post_text(&double, "/v1/chat/completions", openai_request(true)).await;
    assert_eq!(head.status(), 200);
    let events = sse_events(&body);
    let last: Value = serde_json::from_str(&events.last().unwrap().1).unwrap();
    assert_eq!(last["error"]["message"], "Overloaded");
    assert_eq!(last["error"]["type"], "server_error");
    assert!(!body.contains("[DONE]"));

    let (head, body) = post_text(&double, "/api/chat", ollama_request()).await;
    assert_eq!(head.status(), 200);
    let last: Value = serde_json::from_str(body.lines().last().unwrap()).unwrap();
    assert_eq!(last, json!({"error": "Overloaded"}));
    assert_eq!(body.lines().count(), 3);
    assert_eq!(double.streams_abandoned(), 0);
}

#[tokio::test]
async fn drop_ending_gives_the_client_a_body_error() {
    let double = ProviderDouble::start().await;
    for path in ["/v1/messages", "/v1/chat/completions", "/api/chat"] {
        double.enqueue(Script::chunks(vec!["one".into(), "two".into()]).ending(Ending::Drop));
        let body = match path {
            "/v1/messages" => anthropic_request("m"),
            "/v1/chat/completions" => openai_request(false),
            _ => ollama_request(),
        };
        let mut resp = post(&double, path, body).await;
        assert_eq!(resp.status(), 200);
        let mut received = Vec::new();
        let err = loop {
            match tokio::time::timeout(T, resp.chunk()).await.unwrap() {
                Ok(Some(bytes)) => received.extend_from_slice(&bytes),
                Ok(None) => panic!("{path}: clean end of body, expected an error"),
                Err(e) => break e,
            }
        };
        assert!(
            err.is_body() || err.is_decode() || err.is_request(),
            "{path}: {err:?}"
        );
        let text = String::from_utf8(received).unwrap();
        assert!(
            text.contains("two"),
            "{path}: chunks arrive before the drop: {text}"
        );
    }
    // A scripted drop is the server's doing, not an abandonment.
    assert_eq!(double.streams_abandoned(), 0);
}

#[tokio::test]
async fn stall_then_client_drop_counts_as_abandoned() {
    let double = ProviderDouble::start().await;
    double.enqueue(Script::chunks(vec!["first".into()]).ending(Ending::Stall));
    let mut resp = post(&double, "/v1/messages", anthropic_request("m")).await;
    let mut got = Vec::new();
    while !String::from_utf8_lossy(&got).contains("first") {
        let chunk = tokio::time::timeout(T, resp.chunk())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        got.extend_from_slice(&chunk);
    }
    // Nothing more arrives while the stream stalls.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), resp.chunk())
            .await
            .is_err()
    );
    assert_eq!(double.open_streams(), 1);
    assert_eq!(double.streams_abandoned(), 0);
    drop(resp);
    double.wait_for_abandoned(1, T).await;
    assert_eq!(double.streams_abandoned(), 1);
    let deadline = Instant::now() + T;
    while double.open_streams() != 0 {
        assert!(Instant::now() < deadline, "stream still open");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn client_dropping_a_paced_stream_counts_as_abandoned() {
    let double = ProviderDouble::start().await;
    let chunks = (0..100).map(|i| format!("c{i} ")).collect();
    double.enqueue(Script::chunks(chunks).interval(20));
    let mut resp = post(&double, "/v1/chat/completions", openai_request(false)).await;
    let _ = tokio::time::timeout(T, resp.chunk())
        .await
        .unwrap()
        .unwrap();
    drop(resp);
    double.wait_for_abandoned(1, T).await;

    // A stream read to its end is not abandoned.
    let (_, body) = post_text(&double, "/v1/chat/completions", openai_request(false)).await;
    assert!(body.ends_with("data: [DONE]\n\n"));
    assert_eq!(double.streams_abandoned(), 1);
}

#[tokio::test]
async fn interval_paces_the_chunks() {
    let double = ProviderDouble::start().await;
    double.enqueue(Script::chunks(vec!["a".into(), "b".into(), "c".into()]).interval(150));
    let started = Instant::now();
    let mut resp = post(&double, "/api/chat", ollama_request()).await;
    let mut arrivals = Vec::new();
    let mut buf = String::new();
    while let Some(bytes) = tokio::time::timeout(T, resp.chunk())
        .await
        .unwrap()
        .unwrap()
    {
        buf.push_str(std::str::from_utf8(&bytes).unwrap());
        while let Some(pos) = buf.find('\n') {
            let line: String = buf.drain(..=pos).collect();
            let v: Value = serde_json::from_str(&line).unwrap();
            arrivals.push((
                v["message"]["content"].as_str().unwrap().to_owned(),
                started.elapsed(),
            ));
        }
    }
    let texts: Vec<&str> = arrivals.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(texts, ["a", "b", "c", ""]);
    assert!(
        arrivals[1].1 - arrivals[0].1 >= Duration::from_millis(120),
        "{arrivals:?}"
    );
    assert!(
        arrivals[2].1 - arrivals[1].1 >= Duration::from_millis(120),
        "{arrivals:?}"
    );
    // The final line follows the last chunk without a pause.
    assert!(
        arrivals[3].1 - arrivals[2].1 < Duration::from_millis(100),
        "{arrivals:?}"
    );
}

#[tokio::test]
async fn headers_delay_holds_back_the_response_head() {
    let double = ProviderDouble::start().await;
    double.enqueue(Script::reply("late").headers_delay(400));
    let started = Instant::now();
    let resp = post(&double, "/v1/messages", anthropic_request("m")).await;
    assert!(
        started.elapsed() >= Duration::from_millis(380),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(resp.status(), 200);
    // The request was recorded before the reply (i.e. during the delay).
    assert_eq!(double.requests().len(), 1);

    // A client with a short first-byte timeout gives up.
    double.enqueue(Script::reply("late").headers_delay(2_000));
    let err = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap()
        .post(format!("{}/v1/messages", double.base_url()))
        .json(&anthropic_request("m"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn queue_is_fifo_then_default() {
    let double = ProviderDouble::start().await;
    double.enqueue(Script::chunks(vec!["first".into()]));
    double.enqueue(Script::http_error(503, "second"));
    let (_, b1) = post_text(&double, "/api/chat", ollama_request()).await;
    assert!(b1.contains("\"first\""));
    let r2 = post(&double, "/v1/messages", anthropic_request("m")).await;
    assert_eq!(r2.status(), 503);
    let (_, b3) = post_text(&double, "/api/chat", ollama_request()).await;
    let text: String = b3
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["message"]["content"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(text, "Hello from the provider double.");

    double.set_default(Script::chunks(vec!["new default".into()]));
    let (_, b4) = post_text(&double, "/api/chat", ollama_request()).await;
    assert!(b4.contains("\"new default\""));
    let (_, b5) = post_text(&double, "/api/chat", ollama_request()).await;
    assert!(b5.contains("\"new default\""));
}

#[tokio::test]
async fn requests_are_recorded_with_lowercase_headers_and_json_body() {
    let double = ProviderDouble::start().await;
    let body = anthropic_request("claude-rec");
    let resp = client()
        .post(format!("{}/v1/messages", double.base_url()))
        .header("X-Api-Key", "sk-secret")
        .header("Anthropic-Version", "2023-06-01")
        .json(&body)
        .send()
        .await
        .unwrap();
    let _ = resp.text().await.unwrap();
    let _ = client()
        .get(format!("{}/v1/models", double.base_url()))
        .send()
        .await
        .unwrap();
    let requests = double.wait_for_requests(1, T).await;
    assert_eq!(requests.len(), 1, "model listings are not recorded");
    let r = &requests[0];
    assert_eq!(r.path, "/v1/messages");
    assert_eq!(r.headers["x-api-key"], "sk-secret");
    assert_eq!(r.headers["anthropic-version"], "2023-06-01");
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(r.body, body);
}

#[tokio::test]
async fn wait_for_requests_waits_and_times_out() {
    let double = ProviderDouble::start().await;
    let base = double.base_url();
    let sender = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        for _ in 0..2 {
            let r = client()
                .post(format!("{base}/api/chat"))
                .json(&ollama_request())
                .send()
                .await
                .unwrap();
            r.text().await.unwrap();
        }
    });
    let requests = double.wait_for_requests(2, T).await;
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.path == "/api/chat"));
    sender.await.unwrap();

    let late = tokio::spawn(async move {
        double
            .wait_for_requests(3, Duration::from_millis(100))
            .await;
    })
    .await;
    assert!(late.unwrap_err().is_panic());
}

#[tokio::test]
async fn control_endpoints() {
    let double = ProviderDouble::start().await;
    let base = double.base_url();
    let c = client();

    let r = c
        .post(format!("{base}/_double/script"))
        .body(r#"{"reply":{"type":"stream","chunks":["from ","node"],"inputTokens":1,"outputTokens":2}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .post(format!("{base}/_double/script"))
        .json(&json!({"reply": {"type": "httpError", "status": 429, "retryAfterSecs": 9, "message": "slow"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .post(format!("{base}/_double/default"))
        .json(&serde_json::to_value(Script::chunks(vec!["dflt".into()])).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .post(format!("{base}/_double/script"))
        .body("{\"reply\":{\"type\":\"nonsense\"}}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    let (_, body) = post_text(&double, "/v1/chat/completions", openai_request(true)).await;
    assert!(body.contains(r#""content":"from ""#) && body.contains(r#""completion_tokens":2"#));
    let resp = post(&double, "/v1/chat/completions", openai_request(false)).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "9");
    let (_, body) = post_text(&double, "/v1/chat/completions", openai_request(false)).await;
    assert!(body.contains(r#""content":"dflt""#));

    let recorded: Vec<Value> = get_json(&double, "/_double/requests").await;
    assert_eq!(recorded.len(), 3);
    assert_eq!(recorded[0]["path"], "/v1/chat/completions");
    assert_eq!(recorded[0]["body"]["stream_options"]["include_usage"], true);
    assert!(recorded[0]["headers"]["x-api-key"].is_string());

    let r = c
        .post(format!("{base}/_double/models"))
        .json(&json!(["m1", "m2"]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let models: Value = get_json(&double, "/v1/models").await;
    assert_eq!(models["data"].as_array().unwrap().len(), 2);

    let stats: Value = get_json(&double, "/_double/stats").await;
    assert_eq!(stats["requests"], 3);
    assert_eq!(stats["streamsAbandoned"], 0);

    double.enqueue(Script::http_error(500, "queued"));
    let r = c
        .post(format!("{base}/_double/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(double.requests().is_empty());
    let (_, body) = post_text(&double, "/v1/chat/completions", openai_request(false)).await;
    let text: String = sse_events(&body)
        .iter()
        .filter_map(|(_, d)| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| {
            v["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(text, "Hello from the provider double.");
    let models: Value = get_json(&double, "/v1/models").await;
    assert_eq!(models["data"][0]["id"], "double-model");

    let r = c.get(format!("{base}/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn models_and_tags() {
    let double = ProviderDouble::start().await;
    let v: Value = get_json(&double, "/v1/models").await;
    assert_eq!(
        v,
        json!({"object": "list", "data": [{"id": "double-model", "object": "model", "created": 0, "owned_by": "double"}]})
    );
    double.set_models(vec!["a".into(), "b:7b".into()]);
    let v: Value = get_json(&double, "/api/tags").await;
    assert_eq!(
        v,
        json!({"models": [
            {"name": "a", "model": "a", "modified_at": "2026-01-01T00:00:00Z", "size": 1, "digest": "d"},
            {"name": "b:7b", "model": "b:7b", "modified_at": "2026-01-01T00:00:00Z", "size": 1, "digest": "d"},
        ]})
    );
    let v: Value = get_json(&double, "/v1/models").await;
    assert_eq!(v["data"][1]["id"], "b:7b");
    assert!(double.requests().is_empty());
}

#[tokio::test]
async fn explicit_stream_false_gets_a_json_document() {
    let double = ProviderDouble::start().await;
    double.set_default(Script::chunks(vec!["whole ".into(), "answer".into()]).usage(4, 2));

    let mut req = anthropic_request("m");
    req["stream"] = json!(false);
    let resp = post(&double, "/v1/messages", req).await;
    assert_eq!(resp.headers()["content-type"], "application/json");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["content"],
        json!([{"type": "text", "text": "whole answer"}])
    );
    assert_eq!(v["usage"], json!({"input_tokens": 4, "output_tokens": 2}));

    let mut req = openai_request(false);
    req["stream"] = json!(false);
    let v: Value = post(&double, "/v1/chat/completions", req)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["choices"][0]["message"]["content"], "whole answer");
    assert_eq!(v["usage"]["total_tokens"], 6);

    let mut req = ollama_request();
    req["stream"] = json!(false);
    let v: Value = post(&double, "/api/chat", req).await.json().await.unwrap();
    assert_eq!(v["message"]["content"], "whole answer");
    assert_eq!(v["done"], true);
}

#[tokio::test]
async fn ten_thousand_chunks_at_full_speed() {
    let double = ProviderDouble::start().await;
    let chunks: Vec<String> = (0..10_000).map(|i| format!("t{i} ")).collect();
    let expected: String = chunks.concat();
    double.set_default(Script::chunks(chunks));
    let started = Instant::now();
    let (_, body) = post_text(&double, "/v1/chat/completions", openai_request(true)).await;
    let elapsed = started.elapsed();
    let events = sse_events(&body);
    assert_eq!(events.len(), 10_000 + 4);
    let text: String = events
        .iter()
        .filter_map(|(_, d)| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| {
            v["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(text, expected);
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");

    let (_, body) = post_text(&double, "/v1/messages", anthropic_request("m")).await;
    assert_eq!(sse_events(&body).len(), 10_000 + 5);
    assert_eq!(double.streams_abandoned(), 0);
}

#[tokio::test]
async fn dropping_the_double_closes_open_streams() {
    let double = ProviderDouble::start().await;
    double.enqueue(Script::chunks(vec!["x".into()]).ending(Ending::Stall));
    let mut resp = post(&double, "/api/chat", ollama_request()).await;
    let _ = tokio::time::timeout(T, resp.chunk())
        .await
        .unwrap()
        .unwrap();
    let addr = double.addr();
    drop(double);
    let end = tokio::time::timeout(T, async {
        loop {
            match resp.chunk().await {
                Ok(Some(_)) => continue,
                other => return other,
            }
        }
    })
    .await
    .expect("the connection closes when the double is dropped");
    assert!(end.is_err(), "an unfinished body ends in an error: {end:?}");
    // The port no longer accepts connections.
    let refused = tokio::time::timeout(T, tokio::net::TcpStream::connect(addr))
        .await
        .unwrap();
    assert!(refused.is_err());
}

#[tokio::test]
async fn binary_prints_its_address_and_serves() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_provider-double"))
        .args(["--port", "0"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(T, lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let base = line.strip_prefix("listening on ").expect(&line).to_owned();
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with('/'),
        "{base}"
    );
    let v: Value = client()
        .get(format!("{base}/api/tags"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["models"][0]["name"], "double-model");
    child.kill().await.unwrap();
}

#[tokio::test]
async fn keep_alives_alone_come_first_in_each_wire_format() {
    let double = ProviderDouble::start().await;
    for _ in 0..3 {
        double.enqueue(Script::reply("hi").keep_alive_first(3, 100));
    }
    let started = Instant::now();
    let (_, body) = post_text(&double, "/v1/messages", anthropic_request("m")).await;
    assert!(started.elapsed() >= Duration::from_millis(280));
    let names: Vec<String> = sse_events(&body)
        .into_iter()
        .map(|(e, _)| e.unwrap())
        .collect();
    assert_eq!(
        names[..6],
        [
            "message_start",
            "content_block_start",
            "ping",
            "ping",
            "ping",
            "content_block_delta"
        ]
    );

    let (_, body) = post_text(&double, "/v1/chat/completions", openai_request(false)).await;
    let events = sse_events(&body);
    let kinds: Vec<&str> = events
        .iter()
        .map(|(e, _)| e.as_deref().unwrap_or("data"))
        .collect();
    assert_eq!(
        kinds[..5],
        ["data", "#comment", "#comment", "#comment", "data"],
        "{body}"
    );
    assert!(events[4].1.contains("\"content\":\"hi\""), "{body}");

    let (_, body) = post_text(&double, "/api/chat", ollama_request()).await;
    assert!(body.starts_with("\n\n\n{"), "{body:?}");
    let lines: Vec<Value> = body
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["message"]["content"], "hi");
}
