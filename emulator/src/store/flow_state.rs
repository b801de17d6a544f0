//! A contact's life in its flows, as the store keeps it: the path it took, what its flows
//! set (`$.External`, `$.Lex`, queue, event hooks), and the handles of the run acting on it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

/// One action a contact went through, as Connect's flow logs show it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Step {
    pub contact_flow_id: String,
    pub contact_flow_name: String,
    pub identifier: String,
    pub action_type: &'static str,
    /// The branch taken: `NextAction`, `Condition:VALUE`, an error type, or `End`.
    pub branch: String,
    /// What went wrong, for an error branch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub time: String,
}

/// A customer message the flow was waiting for.
#[derive(Debug, Clone)]
pub struct CustomerInput {
    pub content_type: String,
    pub content: String,
}

/// A contact's life in its flows.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FlowState {
    /// Every action the contact went through, in order.
    pub path: Vec<Step>,
    /// The most recent Lambda result (`$.External`).
    pub external: Map<String, Value>,
    /// The most recent Lex conversation's outcome (`$.Lex`).
    pub lex: Value,
    /// The target queue (UpdateContactTargetQueue).
    pub queue_id: Option<String>,
    /// The queue the contact waits in, until an agent joins.
    pub waiting_in: Option<String>,
    /// Since when it waits (the longest-waiting contact is offered first).
    #[serde(skip)]
    pub waiting_since: Option<std::time::Instant>,
    /// Agents that rejected the contact, or let its offer expire, while it waits.
    pub declined_by: Vec<String>,
    /// Event hook -> flow id (UpdateContactEventHooks).
    pub event_hooks: BTreeMap<String, String>,
    /// Whether the disconnect flow has begun.
    pub disconnect_flow_started: bool,
    /// Loop action Identifier -> iterations so far.
    #[serde(skip)]
    pub loops: BTreeMap<String, u64>,
    /// Which run may act on the contact; a newer run (or an agent joining a queued contact)
    /// retires the older one.
    #[serde(skip)]
    pub run: u64,
    /// Set while a run waits for the customer's next message.
    #[serde(skip)]
    pub input: Option<tokio::sync::mpsc::UnboundedSender<CustomerInput>>,
    /// The inbound flow, until the customer connects.
    #[serde(skip)]
    pub pending: Option<String>,
}
