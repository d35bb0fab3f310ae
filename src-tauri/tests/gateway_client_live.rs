//! The generated TypeScript gateway client (`bindings/gateway.ts`) against
//! the real gateway: Node runs `scripts/gateway-client/live.mjs`, which uses
//! the client as generated, over loopback HTTP and SSE, against this
//! backend with the provider double as its only provider.

mod common;

use clawdesk_gateway::{Gateway, GatewayOptions};
use common::TestApp;
use provider_double::{ProviderDouble, Script};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const TOKEN: &str = "live-client-token-0123456789abcdef";

#[test]
fn generated_client_talks_to_the_real_gateway() {
    let app = TestApp::start();
    let double = tauri::async_runtime::block_on(ProviderDouble::start());
    app.use_double_as_only_provider(&double);
    double.enqueue(Script::chunks(vec!["Hel".into(), "lo".into()]).usage(5, 2));
    let desk = app.state().inner().clone();
    let gateway =
        tauri::async_runtime::block_on(Gateway::start(desk, GatewayOptions::loopback(0, TOKEN)))
            .unwrap();

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new("node")
        .arg(root.join("scripts/gateway-client/live.mjs"))
        .current_dir(&root)
        .env(
            "CLAWDESK_GATEWAY_URL",
            format!("http://{}", gateway.local_addr()),
        )
        .env("CLAWDESK_GATEWAY_TOKEN", TOKEN)
        .output()
        .expect("node runs (Node 20 and `npm ci` are part of the setup)");
    assert!(
        output.status.success(),
        "live.mjs failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out: Value = serde_json::from_slice(&output.stdout).unwrap();

    // A wrong token: a typed result for a command, a rejected listen.
    assert_eq!(out["wrongToken"]["status"], "error", "{out}");
    assert_eq!(out["wrongToken"]["error"]["kind"], "unauthenticated");
    assert!(
        out["wrongTokenListen"]
            .as_str()
            .unwrap()
            .contains("unauthenticated"),
        "{out}"
    );

    // A session made over HTTP belongs to the gateway channel.
    assert_eq!(out["created"]["status"], "ok", "{out}");
    assert_eq!(out["created"]["data"]["channelId"], "gateway");
    let id = &out["created"]["data"]["id"];

    // The streamed reply, read with the client's SSE reader.
    assert_eq!(out["sent"], json!({ "status": "ok", "data": null }));
    let chunks = out["chunks"].as_array().unwrap();
    let text: String = chunks
        .iter()
        .map(|c| c["content"].as_str().unwrap())
        .collect();
    assert_eq!(text, "Hello", "{out}");
    assert!(chunks.iter().all(|c| c["sessionId"] == *id));
    assert_eq!(out["end"]["event"], "stream-end");
    assert_eq!(out["end"]["payload"]["sessionId"], *id);
    assert_eq!(out["end"]["payload"]["usage"]["outputTokens"], 2);

    // Stored, as the window would read it.
    let messages = out["messages"]["data"].as_array().unwrap();
    let last = messages.last().unwrap();
    assert_eq!(last["role"], "assistant", "{out}");
    assert_eq!(last["content"], "Hello");
    assert_eq!(last["id"], out["end"]["payload"]["messageId"]);

    // Typed errors decoded from their HTTP statuses.
    assert_eq!(out["notFound"]["error"]["kind"], "sessionNotFound", "{out}");
    assert_eq!(out["badArgument"]["error"]["kind"], "invalidArgument");
    assert_eq!(out["badArgument"]["error"]["field"], "limit");
    tauri::async_runtime::block_on(gateway.shutdown());
}
