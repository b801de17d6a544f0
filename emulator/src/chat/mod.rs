//! What happens inside a chat: transcript items shaped as the Participant Service sends them,
//! their delivery to every websocket of the contact (sender included), ending a chat, and
//! GetTranscript's paging. Callers hold the store lock; nothing here awaits.

pub mod authentication;
pub mod connection;
pub mod interactive;
pub mod stream;
pub mod streaming;
pub mod timers;

use axum::extract::ws::Utf8Bytes;
use chrono::Utc;
use serde_json::json;

use crate::store::{
    iso_millis, new_id, AttachmentEntry, AttachmentState, Contact, Inner, Item, ItemType,
    Participant, Role,
};

/// Event content types, all under this prefix.
pub const EVENT_PREFIX: &str = "application/vnd.amazonaws.connect.event.";

/// A transcript item from `sender` (or from the system when `None`), with the envelope every
/// item needs for chatjs to route it: Id, AbsoluteTime, Type, ContactId, InitialContactId.
pub fn new_item(contact: &Contact, sender: Option<&Participant>, kind: ItemType) -> Item {
    let (participant_id, display_name, role) = match sender {
        Some(p) => (
            Some(p.participant_id.clone()),
            p.display_name.clone(),
            p.role,
        ),
        None => (None, "SYSTEM_MESSAGE".to_owned(), Role::System),
    };
    Item {
        id: new_id(),
        absolute_time: iso_millis(Utc::now()),
        kind,
        participant_id,
        display_name: Some(display_name),
        participant_role: Some(role),
        content_type: None,
        content: None,
        attachments: None,
        message_metadata: None,
        contact_id: Some(contact.contact_id.clone()),
        related_contact_id: None,
        initial_contact_id: Some(contact.initial_contact_id.clone()),
    }
}

/// A MESSAGE item from `sender`.
pub fn message_item(
    contact: &Contact,
    sender: &Participant,
    content_type: &str,
    content: &str,
) -> Item {
    let mut item = new_item(contact, Some(sender), ItemType::Message);
    item.content_type = Some(content_type.to_owned());
    item.content = Some(content.to_owned());
    item
}

/// An EVENT item of `event` (e.g. `participant.joined`).
pub fn event_item(contact: &Contact, sender: Option<&Participant>, event: &str) -> Item {
    let mut item = new_item(contact, sender, ItemType::Event);
    item.content_type = Some(format!("{EVENT_PREFIX}{event}"));
    item
}

/// Sends an item to every subscribed websocket of the contact and, if `keep`, records it in the
/// transcript. Sockets that went away, and sockets whose queue is full because their client
/// stopped reading, are dropped from the list; the latter are then closed once their queue
/// drains, as a managed service closes a consumer that falls too far behind.
pub fn publish(contact: &mut Contact, item: Item, keep: bool) {
    // Serialised once; every subscriber's queue shares the same bytes.
    let value = item.to_value();
    let frame: Utf8Bytes = json!({
        "content": value.to_string(),
        "contentType": "application/json",
        "topic": "aws/chat",
    })
    .to_string()
    .into();
    contact
        .subscribers
        .retain(|s| s.frames.try_send(frame.clone()).is_ok());
    if let Some(streaming) = &mut contact.streaming {
        let notification = streaming::notification(
            &streaming.endpoint_arn,
            &contact.contact_id,
            &contact.initial_contact_id,
            &value,
        );
        if let Some(deliver) = &streaming.deliver {
            let _ = deliver.send(notification.clone());
        }
        streaming.notifications.push(notification);
    }
    if keep {
        contact.transcript.push(item);
    }
}

/// A participant leaves the chat (`participant.left`): it is no longer part of the contact and
/// its websockets close.
pub fn remove_participant(contact: &mut Contact, participant_id: &str) {
    let Some(leaving) = contact.participant(participant_id).cloned() else {
        return;
    };
    let left = event_item(contact, Some(&leaving), "participant.left");
    publish(contact, left, true);
    contact
        .participants
        .retain(|p| p.participant_id != participant_id);
    contact
        .subscribers
        .retain(|s| s.participant_id != participant_id);
}

/// Ends a contact: `participant.left` for `leaving` (if any), then `chat.ended`, then closes
/// every socket. Returns false if it had already ended.
pub fn end_contact(inner: &mut Inner, contact_id: &str, leaving: Option<&str>) -> bool {
    let Some(contact) = inner.contacts.get_mut(contact_id) else {
        return false;
    };
    if contact.ended {
        return false;
    }
    if let Some(p) = leaving.and_then(|id| contact.participant(id).cloned()) {
        let item = event_item(contact, Some(&p), "participant.left");
        publish(contact, item, true);
    }
    let item = event_item(contact, None, "chat.ended");
    publish(contact, item, true);
    contact.ended = true;
    contact.ended_at = Some(iso_millis(Utc::now()));
    contact.subscribers.clear();
    contact.flow.input = None;
    true
}

/// Pushes the ATTACHMENT item for an attachment's current state (same item id across the scan).
pub fn publish_attachment(inner: &mut Inner, attachment_id: &str, item_id: &str, keep: bool) {
    let Some(attachment) = inner.attachments.get(attachment_id) else {
        return;
    };
    let status = match attachment.state {
        AttachmentState::Approved => "APPROVED",
        AttachmentState::Rejected => "REJECTED",
        _ => "IN_PROGRESS",
    };
    let entry = AttachmentEntry {
        content_type: attachment.content_type.clone(),
        attachment_id: attachment.attachment_id.clone(),
        attachment_name: attachment.name.clone(),
        status,
    };
    let (contact_id, sender_id) = (
        attachment.contact_id.clone(),
        attachment.participant_id.clone(),
    );
    let Some(contact) = inner.contacts.get_mut(&contact_id) else {
        return;
    };
    let sender = contact.participant(&sender_id).cloned();
    let mut item = new_item(contact, sender.as_ref(), ItemType::Attachment);
    item.id = item_id.to_owned();
    item.attachments = Some(vec![entry]);
    publish(contact, item, keep);
}

/// A MESSAGEMETADATA item saying `reader` has read (or received) `message_id`.
pub fn receipt_item(contact: &Contact, reader: &str, message_id: &str, read: bool) -> Item {
    let now = iso_millis(Utc::now());
    let receipt = if read {
        json!({"ReadTimestamp": now, "DeliveredTimestamp": now, "RecipientParticipantId": reader})
    } else {
        json!({"DeliveredTimestamp": now, "RecipientParticipantId": reader})
    };
    Item {
        id: new_id(),
        absolute_time: now,
        kind: ItemType::Messagemetadata,
        participant_id: None,
        display_name: None,
        participant_role: None,
        content_type: Some(format!("{EVENT_PREFIX}message.metadata")),
        content: None,
        attachments: None,
        message_metadata: Some(json!({"MessageId": message_id, "Receipts": [receipt]})),
        contact_id: Some(contact.contact_id.clone()),
        related_contact_id: None,
        initial_contact_id: Some(contact.initial_contact_id.clone()),
    }
}

/// Where GetTranscript starts and how it walks.
pub struct TranscriptQuery {
    pub forward: bool,
    pub ascending: bool,
    pub max_results: usize,
    pub start_id: Option<String>,
    pub start_time: Option<String>,
    pub most_recent: Option<usize>,
    /// Id of the first item of the page asked for (from the NextToken): pages anchor to items,
    /// not to offsets, so they stay right while the chat grows.
    pub from_id: Option<String>,
}

/// The contact's full transcript, past persistent-chat sessions first. Items of past sessions
/// carry `RelatedContactId` instead of `ContactId`, as the model documents.
pub fn full_transcript(inner: &Inner, contact: &Contact) -> Vec<Item> {
    let mut chain = Vec::new();
    let mut previous = contact.continued_from_contact_id.clone();
    while let Some(id) = previous {
        let Some(past) = inner.contacts.get(&id) else {
            break;
        };
        chain.push(past);
        previous = past.continued_from_contact_id.clone();
    }
    let mut items = Vec::new();
    for past in chain.iter().rev() {
        for item in &past.transcript {
            let mut item = item.clone();
            item.related_contact_id = item.contact_id.take();
            items.push(item);
        }
    }
    items.extend(contact.transcript.iter().cloned());
    items
}

/// One page of `items` per the query; returns the page and the id of the next page's first
/// item, or `None` for an anchor that is not in the scan (a token from another query).
pub fn page(items: &[Item], query: &TranscriptQuery) -> Option<(Vec<Item>, Option<String>)> {
    if items.is_empty() {
        return query.from_id.is_none().then(|| (Vec::new(), None));
    }
    // Index (in chronological order) where the scan starts.
    let start = if let Some(id) = &query.start_id {
        items.iter().position(|i| i.id == *id)
    } else if let Some(time) = &query.start_time {
        items
            .iter()
            .position(|i| i.absolute_time.as_str() >= time.as_str())
    } else {
        query
            .most_recent
            .map(|n| items.len().saturating_sub(n.max(1)))
    };
    let scan: Vec<&Item> = match (query.forward, start) {
        (true, Some(s)) => items[s..].iter().collect(),
        (true, None) => items.iter().collect(),
        (false, Some(s)) => items[..=s.min(items.len().saturating_sub(1))]
            .iter()
            .rev()
            .collect(),
        (false, None) => items.iter().rev().collect(),
    };
    let skip = match &query.from_id {
        None => 0,
        Some(id) => scan.iter().position(|i| i.id == *id)?,
    };
    let mut page: Vec<Item> = scan
        .iter()
        .skip(skip)
        .take(query.max_results)
        .map(|v| (*v).clone())
        .collect();
    let next = if page.is_empty() {
        None
    } else {
        scan.get(skip + page.len()).map(|i| i.id.clone())
    };
    let chronological = query.forward;
    if chronological != query.ascending {
        page.reverse();
    }
    Some((page, next))
}

impl Contact {
    /// A participant of this contact by id.
    pub fn participant(&self, participant_id: &str) -> Option<&Participant> {
        self.participants
            .iter()
            .find(|p| p.participant_id == participant_id)
    }

    /// The agent, once one has joined.
    pub fn agent(&self) -> Option<&Participant> {
        self.participants.iter().find(|p| p.role == Role::Agent)
    }
}
