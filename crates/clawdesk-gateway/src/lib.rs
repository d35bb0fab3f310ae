//! The HTTP gateway: ClawDesk's commands, errors and stream events for
//! scripts, other tools and browsers. A second thin adapter over
//! [`clawdesk_core::ClawDesk`], the same size as the Tauri one:
//!
//! - `POST /v1/commands/<command_name>` with the camelCase JSON arguments
//!   the window sends; `200` with the JSON the window receives, or the same
//!   `AppError` JSON with a status that fits its kind ([`status`]).
//! - `GET /v1/events[?sessionId=sess_…]`: the window's stream events as
//!   Server-Sent Events, with the same names and payloads. A client that
//!   reconnects has missed what was sent meanwhile: it resynchronizes with
//!   `get_messages` (a reply in progress is stored as it streams).
//! - Every request carries `Authorization: Bearer <token>`; anything else
//!   is `401 unauthenticated`. Its `Host` must be the bound address
//!   (`localhost` too, on loopback): another name is `421`, so a web page
//!   using DNS rebinding gets nowhere.
//! - `GET /` serves the built frontend, when given one: the window's app,
//!   which in a browser asks for the token once. Its files are public; the
//!   API behind them is not.
//! - No CORS headers unless `gateway.allowedOrigins` lists web origins.
//! - One client (peer IP) holds at most
//!   [`GatewayOptions::max_streams_per_client`] event streams at once; the
//!   next is `429` with an `invalidArgument` `AppError` on field `events`.

mod args;
mod auth;
mod commands;
mod control;
mod cors;
mod events;
mod frontend;
mod limits;
mod server;
pub mod status;

pub use auth::Token;
pub use control::GatewayController;
pub use frontend::FrontendAssets;
pub use limits::DEFAULT_MAX_STREAMS_PER_CLIENT;
pub use server::{Gateway, GatewayOptions, DEFAULT_BODY_LIMIT};
