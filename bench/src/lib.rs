//! Shared pieces of the loopback measurement tools: a minimal signed Connect client for
//! connect-local ([`client`]) and a Lambda Runtime API server to run bootstraps under
//! ([`runtime_api`]).

pub mod client;
pub mod runtime_api;
