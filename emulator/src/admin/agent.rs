//! `/_local/contacts/{id}/agent/...` and `/_local/contacts/{id}/bot/stream`: tests and people
//! acting as the agent or the bot of a chat.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use crate::chat::stream::{stream, DEFAULT_CHUNKS};
use crate::chat::{end_contact, interactive};
use crate::sim::agent::{join, say_as, send_attachment, send_interactive, typing};
use crate::store::Store;

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
