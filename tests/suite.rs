//! The workspace tests that can share a process, one module per area (see tests/Cargo.toml).

mod agents;
mod attachments;
mod case_files;
mod chat;
mod chat_operations;
mod chat_timers;
mod conformance;
mod connect_local;
mod connect_local_limits;
mod connect_local_models;
mod docs_paths;
mod flows;
mod local_stack;
mod module_graph;
mod openapi;
mod start_chat;
mod template;
