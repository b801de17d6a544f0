//! Contact flows as data: the Flow language ([`language`], with its references in
//! [`reference`]), the flows, queues, hours and bots an instance has ([`library`]), and the Lex
//! stand-in's bot files ([`lex`]). Nothing here runs a flow; [`crate::engine`] does.

pub mod language;
pub mod lex;
pub mod library;
pub mod reference;
