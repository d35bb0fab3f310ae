//! The gateway follows `gateway.enabled`, `gateway.host` and `gateway.port`
//! through `update_config`, without a restart: enabling on a free port
//! serves with the stored token, a port in use fails the call with
//! `configValue` and changes nothing, disabling closes the listener.

use clawdesk_core::pipeline::{StreamEvent, StreamSink};
use clawdesk_core::types::ChannelStatus;
use clawdesk_core::{AppError, ClawDesk};
use clawdesk_gateway::GatewayController;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

struct NoWindow;
impl StreamSink for NoWindow {
    fn emit(&self, _event: StreamEvent) {}
}

async fn desk(dir: &std::path::Path) -> ClawDesk {
    let config_dir = dir.join("config");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        "[providers.anthropic]\nenabled = false\n[providers.openai]\nenabled = false\n[providers.ollama]\nenabled = false\n",
    )
    .unwrap();
    let db = dir.join("data/clawdesk.db");
    ClawDesk::initialize(&config_dir, |_| db, Arc::new(NoWindow)).await
}

/// A port nothing listens on right now (the OS's choice, released).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An `update_config` value, as a caller sends it.
fn v(value: Value) -> clawdesk_core::json::JsonValue {
    serde_json::from_value(value).unwrap()
}

async fn gateway_channel(desk: &ClawDesk) -> (ChannelStatus, String) {
    let channels = desk.get_channels().await.unwrap();
    let channel = channels.into_iter().find(|c| c.id == "gateway").unwrap();
    (channel.status, channel.detail.unwrap_or_default())
}

async fn health(port: u16, token: &str) -> reqwest::Result<(u16, Value)> {
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/v1/commands/get_health"))
        .bearer_auth(token)
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, response.json().await?))
}

async fn refused(port: u16) -> bool {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn enable_move_refuse_and_disable_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let desk = desk(dir.path()).await;
    let controller = GatewayController::attach(&desk, None);
    controller.start_from_config().await.unwrap();
    assert_eq!(controller.local_addr().await, None, "off by default");
    assert_eq!(gateway_channel(&desk).await.0, ChannelStatus::Inactive);
    assert!(!desk.get_config().await.unwrap().gateway.token_set);

    // Enable on a free port: served with the token made on first enable.
    let port = free_port();
    desk.update_config("gateway.port".into(), v(json!(port)))
        .await
        .unwrap();
    desk.update_config("gateway.enabled".into(), v(json!(true)))
        .await
        .unwrap();
    let config = desk.get_config().await.unwrap();
    assert!(config.gateway.enabled && config.gateway.token_set);
    let token = desk.get_gateway_token().await.unwrap();
    assert!(!serde_json::to_string(&config).unwrap().contains(&token));
    let (status, body) = health(port, &token).await.unwrap();
    assert_eq!(status, 200, "{body}");
    // Loopback unless gateway.host says otherwise.
    let bound = controller.local_addr().await.unwrap();
    assert_eq!(bound.to_string(), format!("127.0.0.1:{port}"));
    assert_eq!(health(port, "wrong").await.unwrap().0, 401);
    let (status, detail) = gateway_channel(&desk).await;
    assert_eq!(status, ChannelStatus::Active, "{detail}");
    assert!(detail.contains(&port.to_string()), "{detail}");

    // The token's commands are the window's only.
    let response = reqwest::Client::new()
        .post(format!(
            "http://127.0.0.1:{port}/v1/commands/get_gateway_token"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert!(!response.text().await.unwrap().contains(&token));

    // Rotating takes effect at once, without a restart.
    let rotated = desk.rotate_gateway_token().await.unwrap();
    assert_ne!(rotated, token);
    assert_eq!(health(port, &token).await.unwrap().0, 401);
    assert_eq!(health(port, &rotated).await.unwrap().0, 200);

    // A port in use: configValue for gateway.port, nothing changes.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_port = taken.local_addr().unwrap().port();
    let err = desk
        .update_config("gateway.port".into(), v(json!(taken_port)))
        .await
        .unwrap_err();
    match &err {
        AppError::ConfigValue { key, expected, .. } => {
            assert_eq!(key, "gateway.port");
            assert!(expected.contains("in use"), "{expected}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(desk.get_config().await.unwrap().gateway.port, port);
    assert_eq!(
        health(port, &rotated).await.unwrap().0,
        200,
        "still serving"
    );

    // Moving to another free port: the old listener goes.
    let moved = free_port();
    desk.update_config("gateway.port".into(), v(json!(moved)))
        .await
        .unwrap();
    assert_eq!(health(moved, &rotated).await.unwrap().0, 200);
    assert!(refused(port).await, "the old port is closed");
    assert_eq!(gateway_channel(&desk).await.0, ChannelStatus::Active);

    // Disable: the listener is gone, the channel says why.
    desk.update_config("gateway.enabled".into(), v(json!(false)))
        .await
        .unwrap();
    assert!(refused(moved).await, "disabled: nothing listens");
    assert_eq!(controller.local_addr().await, None);
    let (status, detail) = gateway_channel(&desk).await;
    assert_eq!(status, ChannelStatus::Inactive);
    assert!(detail.contains("gateway.enabled"), "{detail}");

    // Off and on again at once on the same port.
    desk.update_config("gateway.enabled".into(), v(json!(true)))
        .await
        .unwrap();
    assert_eq!(health(moved, &rotated).await.unwrap().0, 200);
    for on in [false, true, false, true, false] {
        desk.update_config("gateway.enabled".into(), v(json!(on)))
            .await
            .unwrap();
    }
    desk.update_config("gateway.enabled".into(), v(json!(true)))
        .await
        .unwrap();
    assert_eq!(health(moved, &rotated).await.unwrap().0, 200);
    desk.update_config("gateway.enabled".into(), v(json!(false)))
        .await
        .unwrap();
    assert!(refused(moved).await);

    // Enabling on a port in use: the call fails, the channel is `error`
    // with why, and the config still says disabled.
    desk.update_config("gateway.port".into(), v(json!(moved)))
        .await
        .unwrap();
    let err = desk
        .update_config("gateway.port".into(), v(json!(taken_port)))
        .await;
    assert!(err.is_ok(), "disabled: any valid port is stored");
    let err = desk
        .update_config("gateway.enabled".into(), v(json!(true)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::ConfigValue { key, .. } if key == "gateway.port"),
        "{err:?}"
    );
    assert!(!desk.get_config().await.unwrap().gateway.enabled);
    let (status, detail) = gateway_channel(&desk).await;
    assert_eq!(status, ChannelStatus::Error);
    assert!(detail.contains(&taken_port.to_string()), "{detail}");
    drop(taken);
}

/// At start-up, a port in use is an `error` channel, not a crash.
#[tokio::test]
async fn start_up_on_a_port_in_use_reports_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let desk = desk(dir.path()).await;
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    desk.update_config("gateway.port".into(), v(json!(port)))
        .await
        .unwrap();
    // Enabled in the file (as a previous run left it), then started.
    desk.config_manager
        .update("gateway.enabled", json!(true))
        .unwrap();
    let controller = GatewayController::attach(&desk, None);
    let err = controller.start_from_config().await.unwrap_err();
    assert!(matches!(err, AppError::ConfigValue { .. }), "{err:?}");
    let (status, detail) = gateway_channel(&desk).await;
    assert_eq!(status, ChannelStatus::Error);
    assert!(detail.contains("cannot listen"), "{detail}");
    assert!(desk.get_health().await.is_ok());
}
