//! The flow engine: running a contact's flows ([`run`]) and calling Lambda functions from them
//! ([`lambda`]), and the points where the chat hands control to its flow: a new contact, the
//! customer connecting, a customer message the flow waits for, a participant leaving.

pub mod lambda;
pub mod run;

use std::sync::Arc;

use crate::chat::{end_contact, remove_participant};
use crate::store::{CustomerInput, Inner, Role, Store};

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
    let agents: Vec<String> = contact
        .participants
        .iter()
        .filter(|p| p.role == Role::Agent)
        .map(|p| p.participant_id.clone())
        .collect();
    for agent in &agents {
        remove_participant(contact, agent);
    }
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

/// An agent leaves (`agent`, its participant id, when there is one): with a disconnect flow set,
/// only the customer remains and that flow runs; otherwise the chat ends with the agent's
/// `participant.left`.
pub fn agent_leaves(store: &Arc<Store>, inner: &mut Inner, contact_id: &str, agent: Option<&str>) {
    let has_flow = inner
        .contacts
        .get(contact_id)
        .is_some_and(|c| c.flow.event_hooks.contains_key("CustomerRemaining"));
    if !(has_flow && only_customer_remains(store, inner, contact_id)) {
        end_contact(inner, contact_id, agent);
    }
}

/// The customer leaves. A contact started with `DisconnectOnCustomerExit: ["AGENT"]` and a
/// disconnect flow goes on to that flow (the customer stays to take part in it); true then.
/// Otherwise the caller ends the chat.
pub fn customer_exits(store: &Arc<Store>, inner: &mut Inner, contact_id: &str) -> bool {
    let applies = inner.contacts.get(contact_id).is_some_and(|c| {
        !c.ended
            && !c.flow.disconnect_flow_started
            && c.flow.event_hooks.contains_key("CustomerRemaining")
            && c.disconnect_on_customer_exit
                .contains(&crate::store::ExitDisconnects::Agent)
    });
    applies && only_customer_remains(store, inner, contact_id)
}
