//! The simulated agent. By default it joins each new chat after a short delay, greets the
//! customer, shows typing, marks customer messages read and answers them (an echo; `/attachment`
//! makes it send a file, `/end` makes it end the chat). The `/_local/contacts/{id}/agent/...`
//! routes let tests act as the agent themselves.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use crate::chat::{end_contact, event_item, message_item, publish};
use crate::participant_api::{publish_attachment, receipt_item};
use crate::state::{
    new_id, new_token, Attachment, AttachmentState, Inner, Participant, Role, Store, TokenOwner,
};

/// The file the agent sends when asked for one.
const AGENT_FILE_NAME: &str = "agent-note.txt";
const AGENT_FILE: &[u8] = b"A note from the connect-local agent.\n";

/// Called when StartChatContact created a contact: the automatic agent joins and greets.
pub fn on_new_contact(store: &Arc<Store>, contact_id: &str) {
    if !store.settings.agent.enabled {
        return;
    }
    let (store, contact_id) = (store.clone(), contact_id.to_owned());
    tokio::spawn(async move {
        tokio::time::sleep(store.settings.agent.join_delay).await;
        let customer = store.with(|inner| {
            join(&store, inner, &contact_id)?;
            typing(inner, &contact_id);
            inner
                .contacts
                .get(&contact_id)?
                .participants
                .first()
                .map(|p| p.display_name.clone())
        });
        let Some(customer) = customer else { return };
        tokio::time::sleep(store.settings.agent.reply_delay).await;
        let agent = store.settings.agent.name.clone();
        store.with(|inner| {
            say(
                inner,
                &contact_id,
                &format!("Hello {customer}, this is {agent}. How can I help you today?"),
            )
        });
    });
}

/// Called after a customer's SendMessage: read receipt, typing, then the answer.
pub fn on_customer_message(store: &Arc<Store>, contact_id: &str, message_id: &str, text: &str) {
    if !store.settings.agent.enabled {
        return;
    }
    let (store, contact_id, message_id, text) = (
        store.clone(),
        contact_id.to_owned(),
        message_id.to_owned(),
        text.trim().to_owned(),
    );
    tokio::spawn(async move {
        let joined = store.with(|inner| {
            let contact = inner.contacts.get_mut(&contact_id).filter(|c| !c.ended)?;
            let agent = contact.agent()?.participant_id.clone();
            let receipt = receipt_item(contact, &agent, &message_id, true);
            publish(contact, receipt, false);
            typing(inner, &contact_id);
            Some(())
        });
        if joined.is_none() {
            return;
        }
        tokio::time::sleep(store.settings.agent.reply_delay).await;
        store.with(|inner| match text.to_lowercase().as_str() {
            "/end" => {
                let agent = inner
                    .contacts
                    .get(&contact_id)
                    .and_then(|c| c.agent())
                    .map(|a| a.participant_id.clone());
                say(inner, &contact_id, "Thanks for chatting with us. Goodbye!");
                end_contact(inner, &contact_id, agent.as_deref());
            }
            "/attachment" => {
                say(inner, &contact_id, "Here is the file you asked for.");
                send_attachment(
                    inner,
                    &contact_id,
                    AGENT_FILE_NAME,
                    "text/plain",
                    AGENT_FILE.to_vec(),
                );
            }
            _ => {
                say(inner, &contact_id, &format!("You said: {text}"));
            }
        });
    });
}

/// Adds the agent to the contact (once) and announces it; returns the agent.
fn join(store: &Store, inner: &mut Inner, contact_id: &str) -> Option<Participant> {
    let contact = inner.contacts.get_mut(contact_id).filter(|c| !c.ended)?;
    if let Some(agent) = contact.agent() {
        return Some(agent.clone());
    }
    let agent = Participant {
        participant_id: new_id(),
        role: Role::Agent,
        display_name: store.settings.agent.name.clone(),
        participant_token: new_token(),
    };
    contact.participants.push(agent.clone());
    let item = event_item(contact, Some(&agent), "participant.joined");
    publish(contact, item, true);
    inner.participant_tokens.insert(
        agent.participant_token.clone(),
        TokenOwner {
            contact_id: contact_id.to_owned(),
            participant_id: agent.participant_id.clone(),
        },
    );
    Some(agent)
}

fn typing(inner: &mut Inner, contact_id: &str) {
    let Some(contact) = inner.contacts.get_mut(contact_id).filter(|c| !c.ended) else {
        return;
    };
    let Some(agent) = contact.agent().cloned() else {
        return;
    };
    let item = event_item(contact, Some(&agent), "typing");
    publish(contact, item, false);
}

fn say(inner: &mut Inner, contact_id: &str, text: &str) -> Option<String> {
    let contact = inner.contacts.get_mut(contact_id).filter(|c| !c.ended)?;
    let agent = contact.agent()?.clone();
    let item = message_item(contact, &agent, "text/plain", text);
    let id = item["Id"].as_str().map(str::to_owned);
    publish(contact, item, true);
    id
}

fn send_attachment(
    inner: &mut Inner,
    contact_id: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Option<String> {
    let contact = inner.contacts.get_mut(contact_id).filter(|c| !c.ended)?;
    let agent = contact.agent()?.clone();
    let attachment_id = new_id();
    contact.attachment_ids.push(attachment_id.clone());
    inner.attachments.insert(
        attachment_id.clone(),
        Attachment {
            attachment_id: attachment_id.clone(),
            contact_id: contact_id.to_owned(),
            participant_id: agent.participant_id,
            name: name.to_owned(),
            size: bytes.len() as u64,
            content_type: content_type.to_owned(),
            headers_to_include: Default::default(),
            state: AttachmentState::Approved,
            complete_token: None,
            bytes: Some(bytes),
        },
    );
    publish_attachment(inner, &attachment_id, &new_id(), true);
    Some(attachment_id)
}

/// Body of `POST /_local/contacts/{id}/agent/messages`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AgentMessage {
    content: String,
}

/// Body of `POST /_local/contacts/{id}/agent/attachments`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AgentAttachment {
    attachment_name: String,
    content_type: String,
    content_base64: String,
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"message": "no such open contact"})),
    )
        .into_response()
}

/// `POST /_local/contacts/{id}/agent/join`: the agent joins; returns its ParticipantToken so a
/// client can connect as the agent through the Participant Service.
pub async fn control_join(State(store): State<Arc<Store>>, Path(id): Path<String>) -> Response {
    match store.with(|inner| join(&store, inner, &id)) {
        Some(agent) => Json(json!({"ParticipantId": agent.participant_id, "ParticipantToken": agent.participant_token})).into_response(),
        None => not_found(),
    }
}

/// `POST /_local/contacts/{id}/agent/messages` `{"Content": "..."}`.
pub async fn control_message(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
    Json(body): Json<AgentMessage>,
) -> Response {
    let sent = store.with(|inner| {
        join(&store, inner, &id)?;
        say(inner, &id, &body.content)
    });
    match sent {
        Some(message_id) => (StatusCode::CREATED, Json(json!({"Id": message_id}))).into_response(),
        None => not_found(),
    }
}

/// `POST /_local/contacts/{id}/agent/typing`.
pub async fn control_typing(State(store): State<Arc<Store>>, Path(id): Path<String>) -> Response {
    match store.with(|inner| join(&store, inner, &id).map(|_| typing(inner, &id))) {
        Some(()) => StatusCode::NO_CONTENT.into_response(),
        None => not_found(),
    }
}

/// `POST /_local/contacts/{id}/agent/attachments` `{"AttachmentName","ContentType","ContentBase64"}`.
pub async fn control_attachment(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
    Json(body): Json<AgentAttachment>,
) -> Response {
    let Ok(bytes) =
        base64::engine::general_purpose::STANDARD.decode(body.content_base64.as_bytes())
    else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": "ContentBase64 is not base64"})),
        )
            .into_response();
    };
    let sent = store.with(|inner| {
        join(&store, inner, &id)?;
        send_attachment(inner, &id, &body.attachment_name, &body.content_type, bytes)
    });
    match sent {
        Some(attachment_id) => (
            StatusCode::CREATED,
            Json(json!({"AttachmentId": attachment_id})),
        )
            .into_response(),
        None => not_found(),
    }
}

/// `POST /_local/contacts/{id}/agent/end`: the agent leaves and the chat ends.
pub async fn control_end(State(store): State<Arc<Store>>, Path(id): Path<String>) -> Response {
    let ended = store.with(|inner| {
        let agent = inner
            .contacts
            .get(&id)
            .and_then(|c| c.agent())
            .map(|a| a.participant_id.clone());
        end_contact(inner, &id, agent.as_deref())
    });
    if ended {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found()
    }
}
