//! Customer inactivity, as Amazon Connect's chat timeouts report it: `participant.idle` after a
//! configured time without a message or typing from the customer, `participant.returned` when
//! they come back, and `participant.autodisconnection` (then the chat ends) when they stay away
//! a further configured time. Off unless `--customer-idle-ms` is given.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::chat::{end_contact, event_item, publish};
use crate::store::{Inner, Store};

/// Starts watching a new contact's customer, if idle timeouts are configured.
pub fn watch(store: &Arc<Store>, contact_id: &str) {
    let Some(idle_after) = store.settings.customer_idle_after else {
        return;
    };
    let (store, contact_id) = (store.clone(), contact_id.to_owned());
    let tick = (idle_after / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(tick).await;
            let open = store.with(|inner| check(&store, inner, &contact_id, idle_after));
            if !open {
                return;
            }
        }
    });
}

/// One look at the customer's inactivity; false once the contact is gone or ended.
fn check(store: &Store, inner: &mut Inner, contact_id: &str, idle_after: Duration) -> bool {
    let Some(contact) = inner.contacts.get(contact_id).filter(|c| !c.ended) else {
        return false;
    };
    let quiet = contact.customer_last_active.elapsed();
    let disconnect_after = store.settings.customer_autodisconnect_after;
    if contact.customer_idle {
        if disconnect_after.is_some_and(|after| quiet >= idle_after + after) {
            autodisconnect(inner, contact_id);
            return false;
        }
    } else if quiet >= idle_after {
        went_idle(inner, contact_id);
    }
    true
}

/// The customer is idle: `participant.idle`, once until they return.
pub fn went_idle(inner: &mut Inner, contact_id: &str) -> bool {
    set_idle(inner, contact_id, true) && event(inner, contact_id, "participant.idle")
}

/// The customer came back: `participant.returned`.
pub fn returned(inner: &mut Inner, contact_id: &str) -> bool {
    set_idle(inner, contact_id, false) && event(inner, contact_id, "participant.returned")
}

/// The customer stayed away too long: `participant.autodisconnection`, then the customer leaves
/// and the chat ends.
pub fn autodisconnect(inner: &mut Inner, contact_id: &str) -> bool {
    if !event(inner, contact_id, "participant.autodisconnection") {
        return false;
    }
    let customer = inner
        .contacts
        .get(contact_id)
        .and_then(|c| c.participants.first())
        .map(|p| p.participant_id.clone());
    end_contact(inner, contact_id, customer.as_deref())
}

/// Records whether the customer is idle; false when the contact is gone or ended.
fn set_idle(inner: &mut Inner, contact_id: &str, idle: bool) -> bool {
    match inner.contacts.get_mut(contact_id).filter(|c| !c.ended) {
        Some(contact) => {
            contact.customer_idle = idle;
            true
        }
        None => false,
    }
}

/// The customer did something (a message, typing): a `participant.returned` if they were idle.
pub fn customer_active(inner: &mut Inner, contact_id: &str) {
    let Some(contact) = inner.contacts.get_mut(contact_id) else {
        return;
    };
    contact.customer_last_active = Instant::now();
    if contact.customer_idle {
        returned(inner, contact_id);
    }
}

/// Publishes one of the customer's activity events (kept in the transcript) with the customer
/// as its participant; returns false when the contact is gone or ended.
fn event(inner: &mut Inner, contact_id: &str, kind: &str) -> bool {
    let Some(contact) = inner.contacts.get_mut(contact_id).filter(|c| !c.ended) else {
        return false;
    };
    let customer = contact.participants.first().cloned();
    let item = event_item(contact, customer.as_ref(), kind);
    publish(contact, item, true);
    true
}
