//! Shared pieces of the loopback measurement tools: a minimal signed Connect client for
//! connect-local ([`client`]) and a Lambda Runtime API server to run bootstraps under
//! ([`runtime_api`]), and a canned-answer stand-in for Connect ([`stub`]).

pub mod client;
pub mod runtime_api;
pub mod stub;
