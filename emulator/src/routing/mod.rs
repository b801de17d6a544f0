//! Routing: what a flow's UpdateContactTargetQueue, TransferContactToQueue and
//! CheckHoursOfOperation act on. A contact transferred to a queue waits there until an agent
//! joins it; a queue with a capacity refuses contacts beyond it. The configured queues and
//! hours are in [`config`].

pub mod agents;
pub mod config;
pub mod dispatch;

pub use config::{Hours, Queue, BASIC_HOURS_ID, BASIC_QUEUE_ID};

use chrono::Utc;

use crate::store::Inner;

/// Whether the hours are open now, a `/_local/hours` override first.
pub fn hours_open(inner: &Inner, hours: &Hours) -> bool {
    inner
        .hours_override
        .get(&hours.id)
        .copied()
        .unwrap_or_else(|| hours.is_open(Utc::now()))
}

/// Why a transfer to a queue fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferError {
    NoTargetQueue,
    AtCapacity,
}

/// Puts a contact in its target queue: refused when the queue is full.
pub fn enqueue(inner: &mut Inner, queues: &[Queue], contact_id: &str) -> Result<(), TransferError> {
    let Some(queue_id) = inner
        .contacts
        .get(contact_id)
        .and_then(|c| c.flow.queue_id.clone())
    else {
        return Err(TransferError::NoTargetQueue);
    };
    let queue = queues
        .iter()
        .find(|q| q.id == queue_id)
        .ok_or(TransferError::NoTargetQueue)?;
    let waiting = inner
        .contacts
        .values()
        .filter(|c| !c.ended && c.flow.waiting_in.as_deref() == Some(queue_id.as_str()))
        .count();
    if queue.capacity.is_some_and(|capacity| waiting >= capacity) {
        return Err(TransferError::AtCapacity);
    }
    if let Some(contact) = inner.contacts.get_mut(contact_id) {
        contact.flow.waiting_in = Some(queue_id);
        contact.flow.waiting_since = Some(std::time::Instant::now());
        contact.flow.declined_by.clear();
    }
    Ok(())
}

/// An agent joined the contact: it leaves its queue, and the queue flow stops.
pub fn agent_joined(inner: &mut Inner, contact_id: &str) {
    inner.offers.retain(|o| o.contact_id != contact_id);
    let Some(contact) = inner.contacts.get_mut(contact_id) else {
        return;
    };
    if contact.flow.waiting_in.take().is_some() {
        contact.flow.run += 1;
        contact.flow.input = None;
    }
}
