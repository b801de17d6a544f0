//! The chat timers at work, as Amazon Connect's chat timeouts behave: while a customer and an
//! agent (or a custom bot) are both in the chat, a role silent for its idle time gets
//! `participant.idle`, then `participant.returned` when it sends or types again; a role silent
//! for its auto-disconnect time as well (counted from idleness when both timers are set) gets
//! `participant.autodisconnection`, and the agent is disconnected: the contact goes on to its
//! disconnect flow if one is set, otherwise the chat ends. The timers come from
//! UpdateParticipantRoleConfig, or from connect-local's defaults (`--customer-idle-ms`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::chat::{end_contact, event_item, publish};
use crate::engine::agent_leaves;
use crate::store::{Inner, Role, Store};

/// Starts watching a contact's timers, unless a task already does or none is set.
pub fn watch(store: &Arc<Store>, contact_id: &str) {
    let start = store.with(|inner| {
        let Some(contact) = inner.contacts.get_mut(contact_id).filter(|c| !c.ended) else {
            return false;
        };
        let timers = &mut contact.timers;
        let start = !timers.watched && timers.shortest().is_some();
        timers.watched |= start;
        start
    });
    if !start {
        return;
    }
    let (store, contact_id) = (store.clone(), contact_id.to_owned());
    tokio::spawn(async move {
        loop {
            let tick = store.with(|inner| {
                let contact = inner.contacts.get_mut(&contact_id).filter(|c| !c.ended)?;
                let tick = contact.timers.shortest().map(|shortest| {
                    (shortest / 4).clamp(Duration::from_millis(10), Duration::from_secs(1))
                });
                contact.timers.watched = tick.is_some();
                tick
            });
            let Some(tick) = tick else {
                return;
            };
            tokio::time::sleep(tick).await;
            if !store.with(|inner| check(&store, inner, &contact_id)) {
                return;
            }
        }
    });
}

/// One look at the timers; false once the contact is gone or ended.
fn check(store: &Arc<Store>, inner: &mut Inner, contact_id: &str) -> bool {
    let Some(contact) = inner.contacts.get_mut(contact_id).filter(|c| !c.ended) else {
        return false;
    };
    let has = |role: Role| contact.participants.iter().any(|p| p.role == role);
    let (customer, agent, bot) = (has(Role::Customer), has(Role::Agent), has(Role::CustomBot));
    let timers = &mut contact.timers;
    if !(customer && (agent || bot)) {
        timers.running = false;
        return true;
    }
    if !timers.running {
        timers.running = true;
        for role in [&mut timers.customer, &mut timers.agent] {
            role.last_active = Instant::now();
            role.idle = false;
        }
    }
    let roles = if agent {
        &[Role::Customer, Role::Agent][..]
    } else {
        &[Role::Customer][..]
    };
    let mut gone_idle = Vec::new();
    let mut disconnect = None;
    for &role in roles {
        let Some(state) = contact.timers.of(role) else {
            continue;
        };
        let quiet = state.last_active.elapsed();
        let config = state.config;
        let disconnect_at = match config.idle {
            Some(idle) if state.idle => config.disconnect.map(|after| idle + after),
            Some(_) => None,
            None => config.disconnect,
        };
        if disconnect_at.is_some_and(|at| quiet >= at) {
            disconnect = Some(role);
            break;
        }
        if config.idle.is_some_and(|idle| !state.idle && quiet >= idle) {
            gone_idle.push(role);
        }
    }
    for role in gone_idle {
        went_idle(inner, contact_id, role);
    }
    match disconnect {
        Some(role) => {
            autodisconnect(store, inner, contact_id, role);
            false
        }
        None => true,
    }
}

/// A role is idle: `participant.idle`, once until it is active again.
pub fn went_idle(inner: &mut Inner, contact_id: &str, role: Role) -> bool {
    set_idle(inner, contact_id, role, true) && event(inner, contact_id, role, "participant.idle")
}

/// A role came back: `participant.returned`.
pub fn returned(inner: &mut Inner, contact_id: &str, role: Role) -> bool {
    set_idle(inner, contact_id, role, false)
        && event(inner, contact_id, role, "participant.returned")
}

/// A role stayed away too long: `participant.autodisconnection`, then the agent leaves as if it
/// had disconnected: the contact goes on to its disconnect flow, or the chat ends.
fn autodisconnect(store: &Arc<Store>, inner: &mut Inner, contact_id: &str, role: Role) {
    if !event(inner, contact_id, role, "participant.autodisconnection") {
        return;
    }
    let agent = inner
        .contacts
        .get(contact_id)
        .and_then(|c| c.agent())
        .map(|a| a.participant_id.clone());
    agent_leaves(store, inner, contact_id, agent.as_deref());
}

/// The customer was disconnected for staying away (connect-local's `/_local` stand-in for the
/// timer): `participant.autodisconnection`, then the customer leaves and the chat ends.
pub fn customer_autodisconnected(inner: &mut Inner, contact_id: &str) -> bool {
    if !event(
        inner,
        contact_id,
        Role::Customer,
        "participant.autodisconnection",
    ) {
        return false;
    }
    let customer = inner
        .contacts
        .get(contact_id)
        .and_then(|c| c.participants.iter().find(|p| p.role == Role::Customer))
        .map(|p| p.participant_id.clone());
    end_contact(inner, contact_id, customer.as_deref())
}

/// Records whether a role is idle; false when the contact is gone or ended.
fn set_idle(inner: &mut Inner, contact_id: &str, role: Role, idle: bool) -> bool {
    let Some(contact) = inner.contacts.get_mut(contact_id).filter(|c| !c.ended) else {
        return false;
    };
    match contact.timers.of(role) {
        Some(state) => {
            state.idle = idle;
            true
        }
        None => false,
    }
}

/// A participant did something (a message, typing): its role's timers start again, with a
/// `participant.returned` if it was idle.
pub fn active(inner: &mut Inner, contact_id: &str, role: Role) {
    let Some(state) = inner
        .contacts
        .get_mut(contact_id)
        .and_then(|c| c.timers.of(role))
    else {
        return;
    };
    state.last_active = Instant::now();
    if state.idle {
        returned(inner, contact_id, role);
    }
}

/// Publishes a role's timer event (kept in the transcript) with that role's participant;
/// returns false when the contact is gone or ended.
fn event(inner: &mut Inner, contact_id: &str, role: Role, kind: &str) -> bool {
    let Some(contact) = inner.contacts.get_mut(contact_id).filter(|c| !c.ended) else {
        return false;
    };
    let participant = contact
        .participants
        .iter()
        .find(|p| p.role == role)
        .cloned();
    let item = event_item(contact, participant.as_ref(), kind);
    publish(contact, item, true);
    true
}
