//! Calling a command over the gateway the way the replay and parity tests
//! compare it with the window.

use clawdesk_gateway::{status, Gateway};
use serde_json::Value;

/// What a `POST /v1/commands/<cmd>` answered.
pub enum HttpAnswer {
    /// 200: the JSON the window would get as `data`.
    Ok(Value),
    /// 403: a command only the window may use.
    WindowOnly(Value),
    /// Any other status: an `AppError`, whose kind the status matched.
    Failed(Value),
}

/// Posts `args` to `cmd` with `token` and checks a failure's status against
/// its `AppError` kind (the gateway's status table).
pub fn post_command(
    client: &reqwest::Client,
    gateway: &Gateway,
    token: &str,
    cmd: &str,
    args: &Value,
) -> HttpAnswer {
    let url = format!("http://{}/v1/commands/{cmd}", gateway.local_addr());
    let request = client.post(url).bearer_auth(token).json(args);
    tauri::async_runtime::block_on(async {
        let response = request.send().await.unwrap();
        let code = response.status();
        let body: Value = response.json().await.unwrap();
        if code.is_success() {
            return HttpAnswer::Ok(body);
        }
        if code == reqwest::StatusCode::FORBIDDEN {
            return HttpAnswer::WindowOnly(body);
        }
        let err: clawdesk_core::AppError = serde_json::from_value(body.clone())
            .unwrap_or_else(|e| panic!("{cmd}: not an AppError ({e}): {body}"));
        assert_eq!(
            code.as_u16(),
            status::status(&err).as_u16(),
            "{cmd}: {body}"
        );
        HttpAnswer::Failed(body)
    })
}
