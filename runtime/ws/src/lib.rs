//! The WebSocket side of the runtime.
//!
//! [`handlers`] holds what happens on `$connect` (token check, connection bound to its user),
//! `$disconnect` and `$default` (`ping` → `pong`); both the `ws` Lambda and the API's local
//! WebSocket call them. [`push::Pusher`] sends frames through the API Gateway Management API, which
//! the local API process also serves, so the worker's push code is the same everywhere.
#![deny(missing_docs)]

pub mod handlers;
pub mod push;

pub use handlers::Connections;
pub use push::{PushError, PushOutcome, Pusher, MAX_FRAME_BYTES};
