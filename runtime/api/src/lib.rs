//! The HTTP API: routes of the API contract, their validation and error bodies, and the
//! middleware around them (body limit, CORS, request ids, JSON request logs).
//!
//! [`router`] builds the whole service from an [`AppState`]; the `api` binary serves it through
//! Lambda or a plain listener, and tests drive it in-process. Outside Lambda it can also serve the
//! WebSocket and the API Gateway Management API ([`gateway`]), so a local stack pushes results
//! exactly as AWS does.
#![deny(missing_docs)]

mod error;
mod extract;
pub mod fairness;
pub mod gateway;
pub mod openapi;
mod routes;
mod services;
mod state;

pub use error::ApiError;
pub use extract::CurrentUser;
pub use routes::{router, with_frontend};
pub use services::{load_services, local_management_url, SearchServices};
pub use state::{AppState, AppStateBuilder, LazySandbox};
