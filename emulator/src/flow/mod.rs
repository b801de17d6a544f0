//! Contact flows: the Flow language ([`language`], [`reference`]), the flows an instance has
//! ([`library`]), running them for a chat contact ([`run`]), and what their actions call out
//! to: Lambda functions ([`lambda`]) and the Lex stand-in ([`lex`]). This module also holds
//! each contact's flow state and the points where the chat hands control to the flow: a new
//! contact, a customer message the flow waits for, an agent joining, a participant leaving.

pub mod lambda;
pub mod language;
pub mod lex;
pub mod library;
pub mod reference;
pub mod run;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::chat::{end_contact, event_item, publish};
use crate::state::{Inner, Role, Store};

/// The event hooks UpdateContactEventHooks may set.
pub const EVENT_HOOKS: [&str; 10] = [
    "CustomerQueue",
    "CustomerRemaining",
    "DefaultAgentUI",
    "DisconnectAgentUI",
    "CustomerWhisper",
    "AgentWhisper",
    "CustomerHold",
    "AgentHold",
    "PauseContact",
    "ResumeContact",
];

/// Which part of a contact's life a flow run plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// The flow StartChatContact named, and flows it transfers to.
    Inbound,
    /// The CustomerQueue hook's flow, while the contact waits in a queue.
    CustomerQueue,
    /// The CustomerRemaining hook's flow, once only the customer remains.
    Disconnect,
}

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

/// How long a new contact's flow waits for the customer's websocket before it starts anyway
/// (for clients that only poll GetTranscript).
pub const START_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// A new contact's inbound flow starts once the customer is there to see it: when its
/// websocket subscribes, or after [`START_GRACE`] at the latest.
pub fn start_when_connected(store: &Arc<Store>, contact_id: &str, flow_id: &str) {
    store.with(|inner| {
        if let Some(contact) = inner.contacts.get_mut(contact_id) {
            contact.flow.pending = Some(flow_id.to_owned());
        }
    });
    let (store, contact_id) = (store.clone(), contact_id.to_owned());
    tokio::spawn(async move {
        tokio::time::sleep(START_GRACE).await;
        store.with(|inner| customer_connected(&store, inner, &contact_id));
    });
}

/// The customer connected: the inbound flow starts if it has not yet.
pub fn customer_connected(store: &Arc<Store>, inner: &mut Inner, contact_id: &str) {
    let pending = inner
        .contacts
        .get_mut(contact_id)
        .filter(|c| !c.ended)
        .and_then(|c| c.flow.pending.take());
    if let Some(flow_id) = pending {
        start(store, inner, contact_id, &flow_id, RunKind::Inbound);
    }
}

/// Starts `flow_id` for a contact, retiring whatever run it had.
pub fn start(
    store: &Arc<Store>,
    inner: &mut Inner,
    contact_id: &str,
    flow_id: &str,
    kind: RunKind,
) {
    let Some(contact) = inner.contacts.get_mut(contact_id) else {
        return;
    };
    contact.flow.run += 1;
    contact.flow.input = None;
    let run = contact.flow.run;
    tokio::spawn(run::run(
        store.clone(),
        contact_id.to_owned(),
        flow_id.to_owned(),
        kind,
        run,
    ));
}

/// Hands a customer message to the flow if it is waiting for one; true when it took it.
pub fn deliver(inner: &mut Inner, contact_id: &str, content_type: &str, content: &str) -> bool {
    let Some(contact) = inner.contacts.get_mut(contact_id) else {
        return false;
    };
    let Some(sender) = contact.flow.input.take() else {
        return false;
    };
    sender
        .send(CustomerInput {
            content_type: content_type.to_owned(),
            content: content.to_owned(),
        })
        .is_ok()
}

/// An agent joined the contact: it leaves its queue, and the queue flow stops.
pub fn agent_joined(inner: &mut Inner, contact_id: &str) {
    let Some(contact) = inner.contacts.get_mut(contact_id) else {
        return;
    };
    if contact.flow.waiting_in.take().is_some() {
        contact.flow.run += 1;
        contact.flow.input = None;
    }
}

/// Only the customer remains: with a disconnect flow set, the agent (if any) leaves and that
/// flow runs; without one the chat ends. Returns false when the contact is gone, ended, or
/// already in its disconnect flow.
pub fn only_customer_remains(store: &Arc<Store>, inner: &mut Inner, contact_id: &str) -> bool {
    let Some(contact) = inner.contacts.get_mut(contact_id).filter(|c| !c.ended) else {
        return false;
    };
    if contact.flow.disconnect_flow_started {
        return false;
    }
    let hook = contact.flow.event_hooks.get("CustomerRemaining").cloned();
    let agents: Vec<_> = contact
        .participants
        .iter()
        .filter(|p| p.role == Role::Agent)
        .cloned()
        .collect();
    for agent in &agents {
        let left = event_item(contact, Some(agent), "participant.left");
        publish(contact, left, true);
    }
    contact.participants.retain(|p| p.role != Role::Agent);
    match hook {
        Some(flow_id) => {
            contact.flow.disconnect_flow_started = true;
            start(store, inner, contact_id, &flow_id, RunKind::Disconnect);
        }
        None => {
            end_contact(inner, contact_id, None);
        }
    }
    true
}

/// The customer leaves. A contact started with `DisconnectOnCustomerExit: ["AGENT"]` and a
/// disconnect flow goes on to that flow (the customer stays to take part in it); true then.
/// Otherwise the caller ends the chat.
pub fn customer_exits(store: &Arc<Store>, inner: &mut Inner, contact_id: &str) -> bool {
    let applies = inner.contacts.get(contact_id).is_some_and(|c| {
        !c.ended
            && !c.flow.disconnect_flow_started
            && c.flow.event_hooks.contains_key("CustomerRemaining")
            && c.disconnect_on_customer_exit.iter().any(|p| p == "AGENT")
    });
    applies && only_customer_remains(store, inner, contact_id)
}
