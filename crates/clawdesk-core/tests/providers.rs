//! The provider layer's contract against the loopback double: credentials
//! never leak into errors, long retry waits fail fast, keep-alives keep a
//! slow reply alive, and keyless OpenAI-compatible servers are used as they are.

mod support;

use clawdesk_core::pipeline::{StreamError, StreamEvent};
use clawdesk_core::{AppError, FailureCode};
use provider_double::{Ending, Script};
use serde_json::json;
use std::time::{Duration, Instant};
use support::{Harness, Wire};

/// Keys of the shapes providers hand out: OpenAI/Anthropic style, plain hex,
/// base64 with `+/=`, and a short plain one.
const KEYS: &[&str] = &[
    "sk-proj-Q2x9Lm4Np7Rs0Tv3Wy6Za1",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
    "Zm9vYmFy+YmF6/cXV4=cXV1eA==",
    "abcdefghij0123456789",
];

/// Sends "hi" in a fresh session and returns the error and every stream
/// event of that session.
async fn failed_send(h: &Harness) -> (AppError, Vec<StreamEvent>) {
    let session = h.session().await;
    let err = h.pipeline.send(&session, "hi", h.sink()).await.unwrap_err();
    h.sink.wait_for_end(&session).await;
    (err, h.sink.for_session(&session))
}

/// Neither the error (as the frontend gets it, JSON) nor any stream event
/// holds one of `secrets`; and something was visibly masked.
fn assert_nothing_leaks(err: &AppError, events: &[StreamEvent], secrets: &[&str]) {
    let json = serde_json::to_string(err).unwrap();
    let events = format!("{events:?}");
    for secret in secrets {
        assert!(!json.contains(secret), "{secret} leaked into {json}");
        assert!(!events.contains(secret), "{secret} leaked into {events}");
    }
    assert!(json.contains("[redacted]"), "{json}");
    assert!(events.contains("[redacted]"), "{events}");
}

/// Scripts that quote `secret` back: an HTTP error body, an in-stream error
/// before any text, and one after text.
fn echoing_scripts(secret: &str) -> Vec<Script> {
    vec![
        Script::http_error(401, &format!("invalid api_key={secret}")),
        Script::chunks(vec![]).ending(Ending::ErrorEvent {
            message: format!("upstream rejected credential\"{secret}\"; see logs"),
        }),
        Script::chunks(vec!["partial".into()]).ending(Ending::ErrorEvent {
            message: format!("token={secret}&retry=no"),
        }),
    ]
}

#[tokio::test]
async fn stored_keys_of_every_shape_are_masked_in_errors_and_events() {
    for (wire, provider) in [
        (Wire::Anthropic, "anthropic"),
        (
            Wire::OpenAi {
                include_usage: true,
            },
            "openai",
        ),
    ] {
        let h = Harness::start(wire).await;
        h.set("network.maxRetries", json!(0));
        for key in KEYS {
            h.set(&format!("providers.{provider}.apiKey"), json!(key));
            for script in echoing_scripts(key) {
                h.double.enqueue(script);
                let (err, events) = failed_send(&h).await;
                assert!(matches!(err, AppError::Provider { .. }), "{err:?}");
                assert_nothing_leaks(&err, &events, &[key]);
            }
        }
    }
}

#[tokio::test]
async fn base_url_credentials_are_masked_in_provider_errors() {
    let h = Harness::start(Wire::Ollama).await;
    h.set("network.maxRetries", json!(0));
    // Ollama behind a proxy that wants basic auth and a query token.
    let (user, password, token) = ("proxy-user", "proxy-pass-42", "q-token-7f3a");
    let base = h.double.base_url().replace("http://", "");
    h.set(
        "providers.ollama.baseUrl",
        json!(format!("http://{user}:{password}@{base}?token={token}")),
    );
    let scripts = echoing_scripts(&format!("{user}:{password} {token}"));
    for script in scripts {
        h.double.enqueue(script);
        let (err, events) = failed_send(&h).await;
        assert_nothing_leaks(&err, &events, &[user, password, token]);
    }
    // The credentials did reach the server: the proxy needs them.
    let request = &h.double.requests()[0];
    assert!(request.headers.contains_key("authorization"));
}

#[tokio::test]
async fn network_errors_do_not_print_credentials_of_the_base_url() {
    let h = Harness::start(Wire::OpenAi {
        include_usage: true,
    })
    .await;
    h.set("network.maxRetries", json!(0));
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let secrets = [
        "alice-user",
        "s3cr3t-Pass",
        "Zm9v+YmFy/cXV4=",
        "QS-k3y-value",
    ];
    h.set(
        "providers.openai.baseUrl",
        json!(format!(
            "http://alice-user:s3cr3t-Pass@127.0.0.1:{port}/v1?key=QS-k3y-value&sig=Zm9v%2BYmFy%2FcXV4%3D"
        )),
    );
    h.set("providers.openai.apiKey", json!("Zm9v+YmFy/cXV4="));
    let (err, events) = failed_send(&h).await;
    assert!(
        matches!(
            err,
            AppError::Provider {
                code: FailureCode::Network,
                ..
            }
        ),
        "{err:?}"
    );
    let mut all = secrets.to_vec();
    all.push("Zm9v%2BYmFy%2FcXV4%3D");
    assert_nothing_leaks(&err, &events, &all);
    // Still says where it tried to go.
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_fails_at_once_as_rate_limited() {
    let h = Harness::start(Wire::Anthropic).await;
    // Default cap (60 s), one hour asked; then far beyond u32 milliseconds.
    for (asked_secs, expected_ms) in [(3_600, 3_600_000), (10_000_000_000, u32::MAX)] {
        h.double.reset();
        h.double.enqueue(Script::rate_limited(asked_secs));
        let started = Instant::now();
        let (err, events) = failed_send(&h).await;
        assert!(started.elapsed() < Duration::from_secs(5), "did not wait");
        match err {
            AppError::Provider {
                code,
                retryable,
                retry_after_ms,
                status,
                ..
            } => {
                assert_eq!(code, FailureCode::RateLimited);
                assert!(retryable);
                assert_eq!(status, Some(429));
                assert_eq!(retry_after_ms, Some(expected_ms));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            events.last(),
            Some(StreamEvent::Error(StreamError {
                code: FailureCode::RateLimited,
                ..
            }))
        ));
        assert_eq!(h.double.requests().len(), 1, "no retry was sent");
    }
}

#[tokio::test]
async fn the_retry_wait_cap_is_a_setting() {
    let h = Harness::start(Wire::OpenAi {
        include_usage: false,
    })
    .await;
    // Under the cap: waited for and retried.
    h.double.enqueue(Script::rate_limited(1));
    let session = h.session().await;
    h.pipeline.send(&session, "hi", h.sink()).await.unwrap();
    assert_eq!(h.double.requests().len(), 2);
    // The same wait over a lowered cap: no retry.
    h.set("network.maxRetryWaitMs", json!(500));
    h.double.enqueue(Script::rate_limited(1));
    let (err, _) = failed_send(&h).await;
    assert!(
        matches!(
            err,
            AppError::Provider {
                code: FailureCode::RateLimited,
                retry_after_ms: Some(1_000),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(h.double.requests().len(), 3, "no retry after the third");
}

#[tokio::test]
async fn keep_alives_longer_than_the_idle_limit_do_not_cut_a_reply_off() {
    for wire in [
        Wire::Anthropic,
        Wire::OpenAi {
            include_usage: true,
        },
        Wire::Ollama,
    ] {
        let h = Harness::start(wire).await;
        h.set("network.idleTimeoutMs", json!(300));
        h.set("network.firstByteTimeoutMs", json!(300));
        h.set("network.maxRetries", json!(0));
        // 8 × 100 ms of keep-alives only: well past both limits.
        h.double
            .enqueue(Script::reply("worth the wait").keep_alive_first(8, 100));
        let session = h.session().await;
        let reply = h.pipeline.send(&session, "hi", h.sink()).await;
        assert_eq!(reply.unwrap().content, "worth the wait", "{wire:?}");
    }
}

#[tokio::test]
async fn silence_after_keep_alives_still_times_out() {
    for wire in [
        Wire::Anthropic,
        Wire::OpenAi {
            include_usage: true,
        },
        Wire::Ollama,
    ] {
        let h = Harness::start(wire).await;
        h.set("network.idleTimeoutMs", json!(300));
        h.set("network.firstByteTimeoutMs", json!(5_000));
        h.set("network.maxRetries", json!(0));
        h.double.enqueue(
            Script::chunks(vec![])
                .keep_alive_first(3, 100)
                .ending(Ending::Stall),
        );
        let started = Instant::now();
        let (err, _) = failed_send(&h).await;
        let took = started.elapsed();
        assert!(
            matches!(
                err,
                AppError::Provider {
                    code: FailureCode::Timeout,
                    ..
                }
            ),
            "{wire:?}: {err:?}"
        );
        // The last keep-alive went out at about 200 ms; the idle limit counts
        // from it, not from the first byte and not from the first-byte limit.
        assert!(took >= Duration::from_millis(480), "{wire:?}: {took:?}");
        assert!(took < Duration::from_millis(2_500), "{wire:?}: {took:?}");
    }
}

#[tokio::test]
async fn a_keyless_openai_compatible_server_gets_requests_without_authorization() {
    let h = Harness::start(Wire::Ollama).await;
    h.set("providers.ollama.enabled", json!(false));
    // An LM Studio / llama.cpp / vLLM entry a user added: no key stored.
    h.set(
        "providers.lmstudio",
        json!({ "kind": "openai", "baseUrl": format!("{}/v1", h.double.base_url()) }),
    );
    h.set("defaults.model", json!(provider_double::DEFAULT_MODEL));
    let session = h.session().await;
    let reply = h.pipeline.send(&session, "hi", h.sink()).await.unwrap();
    assert_eq!(reply.content, provider_double::DEFAULT_REPLY);
    let requests = h.double.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/v1/chat/completions");
    assert!(
        !requests[0].headers.contains_key("authorization"),
        "{:?}",
        requests[0].headers
    );
}
