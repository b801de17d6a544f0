//! Shared code of the chat Lambdas. A request flows through: [`http`] (read the body) ->
//! [`chat`] / [`attachment`] (validate) -> [`connect`] (call Connect) -> [`http`] (respond),
//! orchestrated per route in [`handlers`]. [`config`] is read once at cold start and
//! [`error`] is the one place failures become HTTP statuses and codes.

pub mod attachment;
pub mod chat;
pub mod config;
pub mod connect;
pub mod error;
pub mod fields;
pub mod handlers;
pub mod http;
pub mod telemetry;

pub use config::{AttachmentConfig, AwsEnv, ConfigError, StartChatConfig};
pub use error::ApiError;
