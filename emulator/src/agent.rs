//! The simulated agent. By default it joins each new chat after a short delay, greets the
//! customer, shows typing, marks customer messages read and answers them (an echo; `/attachment`
//! makes it send a file, `/end` makes it end the chat, `/listpicker`, `/timepicker`, `/quickreply`,
//! `/carousel`, `/panel` and `/viewresource` make it send that interactive message, and it
//! answers an `interactive.response` with the choice). In a chat started with
//! `ParticipantConfiguration.ResponseMode` `INCREMENTAL` the answer comes from a bot, streamed in
//! chunks as Amazon Connect streams AI answers. The `/_local/contacts/{id}/agent/...` and
//! `/_local/contacts/{id}/bot/stream` routes let tests act as the agent or the bot themselves.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use crate::chat::{end_contact, event_item, message_item, publish};
use crate::interactive;
use crate::participant_api::{publish_attachment, receipt_item};
use crate::state::{
    new_id, new_token, Attachment, AttachmentState, Inner, Participant, ResponseMode, Role, Store,
    TokenOwner,
};

/// The file the agent sends when asked for one.
const AGENT_FILE_NAME: &str = "agent-note.txt";
const AGENT_FILE: &[u8] = b"A note from the connect-local agent.\n";

/// Called when a flow put the contact in a queue: the simulated agent, when on, joins and
/// greets.
pub fn on_queued(store: &Arc<Store>, contact_id: &str) {
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
pub fn on_customer_message(
    store: &Arc<Store>,
    contact_id: &str,
    message_id: &str,
    content_type: &str,
    text: &str,
) {
    if !store.settings.agent.enabled {
        return;
    }
    let (store, contact_id, message_id, text) = (
        store.clone(),
        contact_id.to_owned(),
        message_id.to_owned(),
        text.trim().to_owned(),
    );
    let interactive_response = content_type == interactive::INTERACTIVE_RESPONSE;
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
        let command = text.to_lowercase();
        let incremental = store.with(|inner| {
            inner
                .contacts
                .get(&contact_id)
                .is_some_and(|c| c.response_mode == Some(ResponseMode::Incremental))
        });
        if interactive_response {
            let choice = interactive::chosen(&text).unwrap_or_else(|| "something".into());
            store.with(|inner| say(inner, &contact_id, &format!("You chose: {choice}")));
            return;
        }
        if let Some(message) = interactive::template(&command) {
            store.with(|inner| send_interactive(inner, &contact_id, &message));
            return;
        }
        if incremental && command != "/end" && command != "/attachment" {
            stream(
                &store,
                &contact_id,
                &format!("You said: {text}"),
                DEFAULT_CHUNKS,
            );
            return;
        }
        store.with(|inner| match command.as_str() {
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

/// Chunks a streamed answer is cut into unless asked otherwise.
pub const DEFAULT_CHUNKS: usize = 4;
/// Time between two chunks of a streamed answer.
const CHUNK_INTERVAL: std::time::Duration = std::time::Duration::from_millis(60);

/// Streams `text` as a bot answer in `chunks` pieces, the way Amazon Connect streams AI answers
/// and amazon-connect-chatjs 5 assembles them: SYSTEM `MESSAGE` items sharing one `Id`, each with
/// `MessageMetadata` `{MessageId, ChunkNumber (from 1), MessageCompleted: false}`, then the whole
/// text once more with `MessageCompleted: true`. Only the completed message is kept in the
/// transcript. Returns the message id.
pub fn stream(store: &Arc<Store>, contact_id: &str, text: &str, chunks: usize) -> Option<String> {
    let open = store.with(|inner| inner.contacts.get(contact_id).is_some_and(|c| !c.ended));
    if !open {
        return None;
    }
    let message_id = new_id();
    let (store, contact_id, id, text) = (
        store.clone(),
        contact_id.to_owned(),
        message_id.clone(),
        text.to_owned(),
    );
    tokio::spawn(async move { stream_as(&store, &contact_id, &id, &text, chunks).await });
    Some(message_id)
}

/// Streams `text` as [`stream`] does and returns once the completed message is out.
pub async fn stream_now(store: &Arc<Store>, contact_id: &str, text: &str, chunks: usize) {
    stream_as(store, contact_id, &new_id(), text, chunks).await;
}

async fn stream_as(store: &Arc<Store>, contact_id: &str, id: &str, text: &str, chunks: usize) {
    let pieces = split_evenly(text, chunks.max(1));
    let total = pieces.len();
    for (index, piece) in pieces.into_iter().enumerate() {
        let sent = store.with(|inner| {
            bot_item(
                inner,
                contact_id,
                id,
                &piece,
                Some((index + 1, false)),
                false,
            )
        });
        if !sent {
            return;
        }
        tokio::time::sleep(CHUNK_INTERVAL).await;
    }
    store.with(|inner| {
        bot_item(inner, contact_id, id, text, Some((total + 1, true)), false);
        bot_item(inner, contact_id, id, text, None, true)
    });
}

/// Publishes one bot `MESSAGE` item: a chunk (`chunk` = number and completed flag) to the
/// websockets, or, with `keep`, the completed message into the transcript only.
fn bot_item(
    inner: &mut Inner,
    contact_id: &str,
    id: &str,
    content: &str,
    chunk: Option<(usize, bool)>,
    keep: bool,
) -> bool {
    let Some(contact) = inner.contacts.get_mut(contact_id).filter(|c| !c.ended) else {
        return false;
    };
    let mut item = crate::chat::new_item(contact, None, "MESSAGE");
    item.insert("Id".into(), json!(id));
    item.insert("DisplayName".into(), json!("BOT"));
    item.insert("ContentType".into(), json!("text/plain"));
    item.insert("Content".into(), json!(content));
    if let Some((number, completed)) = chunk {
        item.insert(
            "MessageMetadata".into(),
            json!({"MessageId": id, "ChunkNumber": number, "MessageCompleted": completed}),
        );
    }
    if keep {
        contact.transcript.push(serde_json::Value::Object(item));
    } else {
        publish(contact, item, false);
    }
    true
}

/// `text` cut into `parts` pieces of about the same number of characters (fewer when the text
/// is shorter).
fn split_evenly(text: &str, parts: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let size = chars.len().div_ceil(parts).max(1);
    chars.chunks(size).map(|c| c.iter().collect()).collect()
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
    crate::flow::agent_joined(inner, contact_id);
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
    say_as(inner, contact_id, "text/plain", text)
}

/// The agent sends `text` as `content_type` (text/plain, or text/markdown in a chat whose
/// widget asked for it).
fn say_as(inner: &mut Inner, contact_id: &str, content_type: &str, text: &str) -> Option<String> {
    let contact = inner.contacts.get_mut(contact_id).filter(|c| !c.ended)?;
    let agent = contact.agent()?.clone();
    let item = message_item(contact, &agent, content_type, text);
    let id = item["Id"].as_str().map(str::to_owned);
    publish(contact, item, true);
    id
}

/// Sends an interactive message, or says why it cannot when the customer's widget did not ask
/// for interactive messages (its SupportedMessagingContentTypes).
fn send_interactive(
    inner: &mut Inner,
    contact_id: &str,
    message: &serde_json::Value,
) -> Option<String> {
    let contact = inner.contacts.get_mut(contact_id).filter(|c| !c.ended)?;
    let agent = contact.agent()?.clone();
    let supported = contact
        .supported_messaging_content_types
        .iter()
        .any(|t| t == interactive::INTERACTIVE);
    let item = if supported {
        message_item(
            contact,
            &agent,
            interactive::INTERACTIVE,
            &message.to_string(),
        )
    } else {
        message_item(
            contact,
            &agent,
            "text/plain",
            "This chat does not take interactive messages: start it with application/vnd.amazonaws.connect.message.interactive in SupportedMessagingContentTypes.",
        )
    };
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
    /// `text/plain` unless given.
    content_type: Option<String>,
}

/// Body of `POST /_local/contacts/{id}/agent/interactive`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AgentInteractive {
    template_type: String,
}

/// `POST /_local/contacts/{id}/agent/interactive` `{"TemplateType": "ListPicker"}`: the agent
/// sends one of the interactive templates.
pub async fn control_interactive(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
    Json(body): Json<AgentInteractive>,
) -> Response {
    let Some(message) = interactive::template(&body.template_type) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": format!("TemplateType must be one of {}", interactive::TEMPLATES.join(", "))})),
        )
            .into_response();
    };
    let sent = store.with(|inner| {
        join(&store, inner, &id)?;
        send_interactive(inner, &id, &message)
    });
    match sent {
        Some(message_id) => (StatusCode::CREATED, Json(json!({"Id": message_id}))).into_response(),
        None => not_found(),
    }
}

/// Body of `POST /_local/contacts/{id}/bot/stream`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BotStream {
    content: String,
    chunks: Option<usize>,
}

/// `POST /_local/contacts/{id}/bot/stream` `{"Content": "...", "Chunks": 4}`: the bot streams an
/// answer in chunks (whatever the chat's ResponseMode).
pub async fn control_stream(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
    Json(body): Json<BotStream>,
) -> Response {
    let chunks = body.chunks.unwrap_or(DEFAULT_CHUNKS).clamp(1, 100);
    match stream(&store, &id, &body.content, chunks) {
        Some(message_id) => (StatusCode::CREATED, Json(json!({"Id": message_id}))).into_response(),
        None => not_found(),
    }
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
    let content_type = body.content_type.as_deref().unwrap_or("text/plain");
    if content_type != "text/plain" && content_type != "text/markdown" {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": "ContentType must be text/plain or text/markdown"})),
        )
            .into_response();
    }
    let sent = store.with(|inner| {
        let contact = inner.contacts.get(&id).ok_or(StatusCode::NOT_FOUND)?;
        let supported = content_type == "text/plain"
            || contact
                .supported_messaging_content_types
                .iter()
                .any(|t| t == content_type);
        if !supported {
            return Err(StatusCode::BAD_REQUEST);
        }
        join(&store, inner, &id).ok_or(StatusCode::NOT_FOUND)?;
        say_as(inner, &id, content_type, &body.content).ok_or(StatusCode::NOT_FOUND)
    });
    match sent {
        Ok(message_id) => (StatusCode::CREATED, Json(json!({"Id": message_id}))).into_response(),
        Err(StatusCode::NOT_FOUND) => not_found(),
        Err(status) => (
            status,
            Json(json!({"message": "this chat's widget did not ask for text/markdown"})),
        )
            .into_response(),
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
