//! The HTTP gateway as the core sees it: its config keys, its token, and a
//! hook through which a transport that runs the gateway (the app,
//! `clawdesk serve`) moves the listener when `gateway.*` changes. The core
//! does not depend on the gateway crate; the gateway plugs in here.

use super::ClawDesk;
use crate::config::GatewayConfig;
use crate::json::JsonValue;
use crate::{AppError, AppResult};
use async_trait::async_trait;
use std::sync::{Arc, Weak};

/// Runs the gateway's listener for a [`ClawDesk`].
#[async_trait]
pub trait GatewayControl: Send + Sync {
    /// Makes the listener match `config`: starts, stops or moves it. On
    /// failure (an address in use, an unknown host) the listener is as it
    /// was, the `gateway` channel says why, and the error is the
    /// `configValue` the `update_config` call that asked for it returns.
    async fn apply(&self, config: &GatewayConfig) -> AppResult<()>;
}

impl ClawDesk {
    /// Lets `control` follow `gateway.*` changes from now on. Held weakly:
    /// whoever runs the gateway owns it, and dropping it ends the link.
    pub fn set_gateway_control(&self, control: &Arc<dyn GatewayControl>) {
        *self
            .gateway_control
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Arc::downgrade(control);
    }

    fn gateway_control(&self) -> Option<Arc<dyn GatewayControl>> {
        self.gateway_control
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .upgrade()
    }

    /// `update_config` of a `gateway` key: the new listener is bound before
    /// the change is stored, so an address in use fails the call (with
    /// `configValue`) and changes nothing. Enabling makes the token if
    /// there is none.
    pub(super) async fn update_gateway_config(
        &self,
        key: String,
        value: JsonValue,
    ) -> AppResult<()> {
        let _one_at_a_time = self.gateway_update.lock().await;
        let value: serde_json::Value = value.into();
        let manager = self.config_manager.clone();
        let before = manager.get().gateway.clone();
        let next = manager.preview(&key, value.clone())?;
        if next.gateway.enabled {
            let manager = manager.clone();
            tokio::task::spawn_blocking(move || manager.ensure_gateway_token())
                .await
                .map_err(AppError::internal)??;
        }
        let control = self.gateway_control();
        if let Some(control) = &control {
            control.apply(&next.gateway).await?;
        }
        let stored = tokio::task::spawn_blocking(move || manager.update(&key, value))
            .await
            .map_err(AppError::internal)
            .and_then(|result| result);
        if stored.is_err() {
            if let Some(control) = &control {
                // Put the listener back where the stored config says it is.
                let _ = control.apply(&before).await;
            }
        }
        stored
    }

    /// The gateway's bearer token, for the user to copy into a script or a
    /// browser; made now if there is none yet. Only the app's own window
    /// can ask: the gateway does not serve this command.
    #[tracing::instrument(name = "get_gateway_token", skip_all)]
    pub async fn get_gateway_token(&self) -> AppResult<String> {
        let manager = self.config_manager.clone();
        self.track(async move {
            let token = tokio::task::spawn_blocking(move || manager.ensure_gateway_token())
                .await
                .map_err(AppError::internal)??;
            Ok(token.expose().to_string())
        })
        .await
    }

    /// Replaces the gateway's bearer token with a new random one and
    /// returns it; the old token stops working at once. Only the app's own
    /// window can ask: the gateway does not serve this command.
    #[tracing::instrument(name = "rotate_gateway_token", skip_all)]
    pub async fn rotate_gateway_token(&self) -> AppResult<String> {
        let manager = self.config_manager.clone();
        self.track(async move {
            let token = tokio::task::spawn_blocking(move || manager.rotate_gateway_token())
                .await
                .map_err(AppError::internal)??;
            Ok(token.expose().to_string())
        })
        .await
    }
}

impl ClawDesk {
    /// The stored token of the ClawDesk server at `remote.url` (`null`
    /// when none is stored), for the window to call that server with. Only
    /// the app's own window can ask: the gateway does not serve this
    /// command, so a server never hands out the tokens it keeps.
    #[tracing::instrument(name = "get_remote_token", skip_all)]
    pub async fn get_remote_token(&self) -> AppResult<Option<String>> {
        self.track(async {
            Ok(self
                .config_manager
                .remote_token()
                .map(|token| token.expose().to_string()))
        })
        .await
    }
}

/// Whether `key` (of `update_config`) is one the gateway's listener follows.
pub(super) fn is_gateway_key(key: &str) -> bool {
    key == "gateway" || key.starts_with("gateway.")
}

/// A `Weak` that upgrades to nothing, for a `ClawDesk` with no gateway.
pub(super) fn no_control() -> Weak<dyn GatewayControl> {
    Weak::<NoGateway>::new()
}

struct NoGateway;

#[async_trait]
impl GatewayControl for NoGateway {
    async fn apply(&self, _config: &GatewayConfig) -> AppResult<()> {
        Ok(())
    }
}
