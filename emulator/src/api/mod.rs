//! The AWS operations connect-local serves, one module per group: Amazon Connect's
//! StartChatContact ([`connect`]), flows ([`flows`]) and attached files ([`attached_files`]),
//! queues ([`queues`]), Connect Cases ([`cases`]), the Participant Service ([`participant`]) and its websocket
//! ([`websocket`]). They call into the chat, the flow engine and the store, never into each
//! other.

pub mod attached_files;
pub mod cases;
pub mod connect;
pub mod flows;
pub mod participant;
pub mod queues;
pub mod websocket;
