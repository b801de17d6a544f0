//! Shared code of the chat Lambdas. A request flows through: [`http`] (read the body) ->
//! [`chat`] / [`attachment`] (validate) -> [`connect`] (call Connect) -> [`http`] (respond),
//! orchestrated per route in [`handlers`]. [`config`] is read once at cold start and
//! [`error`] is the one place failures become HTTP statuses and codes. [`auth`] verifies
//! start-chat's optional customer tokens, using [`outbound`] for keys and secrets; [`cases`]
//! validates case attached files; [`secret`] holds configured secrets. [`telemetry`] is set up first in each function's `main`.

pub mod attachment;
pub mod auth;
pub mod cases;
pub mod chat;
pub mod config;
pub mod connect;
pub mod error;
pub mod fields;
pub mod handlers;
pub mod http;
pub mod keys;
pub mod limits;
pub mod outbound;
pub mod secret;
pub mod segment;
pub mod telemetry;

pub use config::{
    AttachmentConfig, AuthConfig, CaseFilesConfig, CasesConfig, ConfigError, StartChatConfig,
};
pub use error::ApiError;
