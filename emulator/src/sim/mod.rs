//! The simulated participants: the echo agent that joins queued chats ([`agent`]). The Lex
//! stand-in bots are data in [`crate::flow::lex`], played by the flow engine.

pub mod agent;
