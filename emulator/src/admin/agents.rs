//! The agent console's `/_local` routes: signing in as an agent (a configured one, or a new
//! one by name), setting Available or Offline, the offers routing makes, accepting (which
//! answers the AGENT participant token the console then uses with the Participant Service),
//! rejecting, and transferring a chat to a queue or to another agent (the console's quick
//! connects). Everything else the console does goes through the Participant Service.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::engine::{self, RunKind};
use crate::routing::agents::{Agent, AgentKind, Status};
use crate::routing::dispatch::{self, RoutingError, Target};
use crate::store::{new_id, Inner, Store};

/// Body of `POST /_local/agents`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SignIn {
    name: String,
    /// Queue ids of the routing profile; every queue when absent.
    #[serde(default)]
    queues: Vec<String>,
}

/// Body of `PUT /_local/agents/{id}/status`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SetStatus {
    status: Status,
}

/// Body of `POST /_local/agents/{id}/contacts/{contact}/transfer`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Transfer {
    queue_id: Option<String>,
    agent_id: Option<String>,
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({"message": message.to_string()}))).into_response()
}

/// An agent as the console shows it: status, open chats, pending offers.
fn view(store: &Store, inner: &Inner, agent: &Agent) -> Value {
    let offers: Vec<Value> = inner
        .offers
        .iter()
        .filter(|o| o.agent_id == agent.agent_id)
        .map(|o| {
            let contact = inner.contacts.get(&o.contact_id);
            let queue_name = store
                .settings
                .setup
                .queues
                .iter()
                .find(|q| q.id == o.queue_id)
                .map(|q| q.name.clone())
                .unwrap_or_else(|| format!("{} (direct)", agent.name));
            json!({
                "ContactId": o.contact_id,
                "QueueId": o.queue_id,
                "QueueName": queue_name,
                "OfferedAt": o.offered_at,
                "ExpiresInMs": store.settings.offer_timeout.saturating_sub(o.at.elapsed()).as_millis() as u64,
                "CustomerName": contact.and_then(|c| c.participants.first()).map(|p| p.display_name.clone()),
            })
        })
        .collect();
    json!({
        "AgentId": agent.agent_id,
        "Name": agent.name,
        "Queues": agent.queues,
        "Kind": agent.kind,
        "Status": agent.status,
        "Chats": dispatch::chats_of(inner, &agent.agent_id),
        "Offers": offers,
    })
}

/// `POST /_local/agents` `{"Name": "Ava", "Queues": [...]}`: signs in as the agent of that
/// name, created (Offline) if there is none.
pub async fn sign_in(State(store): State<Arc<Store>>, Json(body): Json<SignIn>) -> Response {
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 256 || name.chars().any(char::is_control) {
        return error(
            StatusCode::BAD_REQUEST,
            "Name must be 1 to 256 visible characters",
        );
    }
    if let Some(unknown) = body.queues.iter().find(|q| {
        !store
            .settings
            .setup
            .queues
            .iter()
            .any(|known| &known.id == *q)
    }) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("Queues: no queue {unknown}"),
        );
    }
    let agent = store.with(|inner| {
        let existing = inner
            .agents
            .values()
            .find(|a| a.kind == AgentKind::Human && a.name == name)
            .cloned();
        let agent = existing.unwrap_or_else(|| {
            let agent = Agent {
                agent_id: new_id(),
                name,
                queues: body.queues,
                kind: AgentKind::Human,
                status: Status::Offline,
                idle_since: Instant::now(),
            };
            inner.agents.insert(agent.agent_id.clone(), agent.clone());
            agent
        });
        view(&store, inner, &agent)
    });
    (StatusCode::OK, Json(agent)).into_response()
}

/// `GET /_local/agents`: every agent with its status, chats and offers.
pub async fn list(State(store): State<Arc<Store>>) -> Response {
    let agents: Vec<Value> = store.with(|inner| {
        inner
            .agents
            .values()
            .map(|a| view(&store, inner, a))
            .collect()
    });
    Json(agents).into_response()
}

/// `GET /_local/agents/{id}`.
pub async fn get(State(store): State<Arc<Store>>, Path(id): Path<String>) -> Response {
    match store.with(|inner| inner.agents.get(&id).map(|a| view(&store, inner, a))) {
        Some(agent) => Json(agent).into_response(),
        None => error(StatusCode::NOT_FOUND, RoutingError::NoSuchAgent),
    }
}

/// `PUT /_local/agents/{id}/status` `{"Status": "Available"}` (or `Offline`).
pub async fn set_status(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
    Json(body): Json<SetStatus>,
) -> Response {
    let found = store.with(|inner| {
        let agent = inner.agents.get_mut(&id)?;
        agent.status = body.status;
        if body.status == Status::Available {
            agent.idle_since = Instant::now();
        } else {
            let withdrawn: Vec<String> = inner
                .offers
                .iter()
                .filter(|o| o.agent_id == id)
                .map(|o| o.contact_id.clone())
                .collect();
            for contact_id in withdrawn {
                dispatch::decline(inner, &id, &contact_id);
            }
        }
        dispatch::dispatch(&store, inner);
        Some(())
    });
    match found {
        Some(()) => StatusCode::NO_CONTENT.into_response(),
        None => error(StatusCode::NOT_FOUND, RoutingError::NoSuchAgent),
    }
}

/// `POST /_local/agents/{id}/offers/{contact}/accept`: the agent joins the chat; answers its
/// `ParticipantToken` for CreateParticipantConnection.
pub async fn accept(
    State(store): State<Arc<Store>>,
    Path((id, contact_id)): Path<(String, String)>,
) -> Response {
    match store.with(|inner| dispatch::accept(inner, &id, &contact_id)) {
        Ok(participant) => Json(json!({
            "ContactId": contact_id,
            "ParticipantId": participant.participant_id,
            "ParticipantToken": participant.participant_token,
        }))
        .into_response(),
        Err(e) => error(StatusCode::CONFLICT, e),
    }
}

/// `POST /_local/agents/{id}/offers/{contact}/reject`: the offer goes to the next agent.
pub async fn reject(
    State(store): State<Arc<Store>>,
    Path((id, contact_id)): Path<(String, String)>,
) -> Response {
    let declined = store.with(|inner| {
        let declined = dispatch::decline(inner, &id, &contact_id);
        dispatch::dispatch(&store, inner);
        declined
    });
    if declined {
        StatusCode::NO_CONTENT.into_response()
    } else {
        error(StatusCode::CONFLICT, RoutingError::NoSuchOffer)
    }
}

/// `POST /_local/agents/{id}/contacts/{contact}/transfer` `{"QueueId": ...}` or
/// `{"AgentId": ...}`: a quick connect to a queue or to an agent.
pub async fn transfer(
    State(store): State<Arc<Store>>,
    Path((id, contact_id)): Path<(String, String)>,
    Json(body): Json<Transfer>,
) -> Response {
    let target = match (body.queue_id, body.agent_id) {
        (Some(queue), None) => Target::Queue(queue),
        (None, Some(agent)) => Target::Agent(agent),
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "give exactly one of QueueId and AgentId",
            )
        }
    };
    let result = store.with(|inner| {
        dispatch::transfer(&store, inner, &id, &contact_id, target)?;
        let queue_flow = inner
            .contacts
            .get(&contact_id)
            .and_then(|c| c.flow.event_hooks.get("CustomerQueue").cloned());
        if let Some(flow_id) = queue_flow {
            engine::start(&store, inner, &contact_id, &flow_id, RunKind::CustomerQueue);
        }
        Ok::<(), RoutingError>(())
    });
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e @ (RoutingError::NoSuchQueue | RoutingError::NoSuchAgent)) => {
            error(StatusCode::NOT_FOUND, e)
        }
        Err(e) => error(StatusCode::CONFLICT, e),
    }
}
