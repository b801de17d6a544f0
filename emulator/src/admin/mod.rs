//! The `/_local` admin API: arming faults and chaos, reading contacts (with their flow path),
//! attached files and the instance's setup, forcing hours open or closed, and acting as the
//! customer's environment (activity, authentication, the disconnect flow). The routes that act
//! as the agent or the bot are in [`agent`].

pub mod agent;
pub mod agents;
pub mod console;

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::store::Store;
use crate::wire::faults::{ChaosKind, ChaosRule, Fault};

#[derive(Deserialize)]
pub struct FaultRequest {
    operation: String,
    error: String,
    count: Option<u32>,
}

pub async fn add_fault(State(store): State<Arc<Store>>, Json(req): Json<FaultRequest>) -> Response {
    match Fault::new(&req.operation, &req.error, req.count.unwrap_or(1)) {
        Ok(fault) => {
            store.with(|inner| inner.faults.push(fault.clone()));
            (StatusCode::CREATED, Json(fault)).into_response()
        }
        Err(message) => {
            (StatusCode::BAD_REQUEST, Json(json!({"message": message}))).into_response()
        }
    }
}

pub async fn list_faults(State(store): State<Arc<Store>>) -> Response {
    Json(store.with(|inner| inner.faults.clone())).into_response()
}

pub async fn clear_faults(State(store): State<Arc<Store>>) -> StatusCode {
    store.with(|inner| inner.faults.clear());
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChaosRequest {
    operation: Option<String>,
    rate: f64,
    kinds: Vec<ChaosKind>,
    latency_ms: Option<u64>,
}

pub async fn add_chaos(State(store): State<Arc<Store>>, Json(req): Json<ChaosRequest>) -> Response {
    match ChaosRule::new(
        req.operation.as_deref(),
        req.rate,
        req.kinds,
        req.latency_ms.unwrap_or(200),
    ) {
        Ok(rule) => {
            store.with(|inner| inner.chaos.push(rule.clone()));
            (StatusCode::CREATED, Json(rule)).into_response()
        }
        Err(message) => {
            (StatusCode::BAD_REQUEST, Json(json!({"message": message}))).into_response()
        }
    }
}

pub async fn list_chaos(State(store): State<Arc<Store>>) -> Response {
    Json(store.with(|inner| json!({"rules": inner.chaos, "injected": inner.chaos_counts})))
        .into_response()
}

pub async fn clear_chaos(State(store): State<Arc<Store>>) -> StatusCode {
    store.with(|inner| {
        inner.chaos.clear();
        inner.chaos_counts.clear();
    });
    StatusCode::NO_CONTENT
}

pub async fn list_attached_files(State(store): State<Arc<Store>>) -> Response {
    let mut files = store.with(|inner| inner.attached_files.values().cloned().collect::<Vec<_>>());
    files.sort_by(|a, b| a.creation_time.cmp(&b.creation_time));
    Json(files).into_response()
}

pub async fn list_contacts(State(store): State<Arc<Store>>) -> Response {
    let mut contacts = store.with(|inner| inner.contacts.values().cloned().collect::<Vec<_>>());
    contacts.sort_by(|a, b| a.started_at.cmp(&b.started_at));
    Json(contacts).into_response()
}

/// `POST /_local/contacts/{id}/customer/{idle|returned|autodisconnection}`: the customer's
/// activity event, as the chat timeouts would send it (autodisconnection also ends the chat).
pub async fn customer_activity(
    State(store): State<Arc<Store>>,
    Path((id, activity)): Path<(String, String)>,
) -> Response {
    use crate::chat::timers;
    use crate::store::{Inner, Role};
    let change: fn(&mut Inner, &str) -> bool = match activity.as_str() {
        "idle" => |inner, id| timers::went_idle(inner, id, Role::Customer),
        "returned" => |inner, id| timers::returned(inner, id, Role::Customer),
        "autodisconnection" => timers::customer_autodisconnected,
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"message": "activity must be idle, returned or autodisconnection"})),
            )
                .into_response()
        }
    };
    let sent = store.with(|inner| change(inner, &id));
    if sent {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_open()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Outcome {
    outcome: String,
}

/// `POST /_local/contacts/{id}/authentication` `{"Outcome": "succeeded"}`: an authentication
/// event (initiated, succeeded, failed, timeout, expired, cancelled) for the chat.
pub async fn authentication_outcome(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
    Json(body): Json<Outcome>,
) -> Response {
    if !crate::chat::authentication::OUTCOMES.contains(&body.outcome.as_str()) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": format!("Outcome must be one of {}", crate::chat::authentication::OUTCOMES.join(", "))})),
        )
            .into_response();
    }
    if store.with(|inner| crate::chat::authentication::event(inner, &id, &body.outcome)) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_open()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticateQuery {
    session_id: String,
    outcome: Option<String>,
}

/// `GET /_local/authenticate?sessionId=…[&outcome=succeeded|failed]`: where GetAuthenticationUrl
/// sends the customer. It stands in for the identity provider's sign-in page: it reports the
/// outcome to the chat and redirects to the RedirectUri given to GetAuthenticationUrl.
pub async fn authenticate(
    State(store): State<Arc<Store>>,
    axum::extract::Query(query): axum::extract::Query<AuthenticateQuery>,
) -> Response {
    let outcome = query.outcome.unwrap_or_else(|| "succeeded".into());
    if outcome != "succeeded" && outcome != "failed" {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": "outcome must be succeeded or failed"})),
        )
            .into_response();
    }
    match store
        .with(|inner| crate::chat::authentication::complete(inner, &query.session_id, &outcome))
    {
        Some(redirect) => match HeaderValue::from_str(&redirect) {
            Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
            Err(_) => StatusCode::NO_CONTENT.into_response(),
        },
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "no such authentication session"})),
        )
            .into_response(),
    }
}

fn not_open() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"message": "no such open contact"})),
    )
        .into_response()
}

/// `POST /_local/contacts/{id}/flow/survey`: the contact goes on to its disconnect flow (the
/// shipped one is the post-chat survey), as when the agent leaves or a customer of a
/// `DisconnectOnCustomerExit` contact does.
pub async fn start_disconnect_flow(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
) -> Response {
    let started = store.with(|inner| {
        let hooked = inner
            .contacts
            .get(&id)
            .is_some_and(|c| c.flow.event_hooks.contains_key("CustomerRemaining"));
        hooked && crate::engine::only_customer_remains(&store, inner, &id)
    });
    if started {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "no such open contact, no disconnect flow set, or it already began"})),
        )
            .into_response()
    }
}

/// Body of `POST /_local/contacts/{id}/websocket/drop`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DropSocket {
    /// CUSTOMER or AGENT: whose websockets.
    participant_role: crate::store::Role,
    /// `close`: the server closes them; `stall`: they stay open and go silent.
    mode: String,
}

/// `POST /_local/contacts/{id}/websocket/drop` `{"ParticipantRole": "CUSTOMER", "Mode":
/// "close"}`: the network fails a participant's websockets, closed or silently stalled, so a
/// client's reconnect path can be tested. Answers how many sockets it dropped.
pub async fn drop_websocket(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
    Json(body): Json<DropSocket>,
) -> Response {
    if body.mode != "close" && body.mode != "stall" {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": "Mode must be close or stall"})),
        )
            .into_response();
    }
    let dropped = store.with(|inner| {
        let contact = inner.contacts.get_mut(&id).filter(|c| !c.ended)?;
        let ids: Vec<String> = contact
            .participants
            .iter()
            .filter(|p| p.role == body.participant_role)
            .map(|p| p.participant_id.clone())
            .collect();
        let mine = |s: &crate::store::Subscriber| ids.contains(&s.participant_id);
        let count = contact.subscribers.iter().filter(|s| mine(s)).count();
        if body.mode == "close" {
            contact.subscribers.retain(|s| !mine(s));
        } else {
            for s in contact.subscribers.iter().filter(|s| mine(s)) {
                s.stalled.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        Some(count)
    });
    match dropped {
        Some(count) => Json(json!({"Dropped": count})).into_response(),
        None => not_open(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HoursOverride {
    /// true: open, false: closed, null: follow the configured hours again.
    open: Option<bool>,
}

/// `PUT /_local/hours/{id}` `{"Open": false}`: forces hours of operation open or closed for
/// CheckHoursOfOperation (`{"Open": null}` goes back to the configured hours).
pub async fn set_hours(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
    Json(body): Json<HoursOverride>,
) -> Response {
    if !store.settings.setup.hours.iter().any(|h| h.id == id) {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "no such hours of operation"})),
        )
            .into_response();
    }
    store.with(|inner| match body.open {
        Some(open) => inner.hours_override.insert(id, open),
        None => inner.hours_override.remove(&id),
    });
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /_local/setup`: the flows, queues, hours and Lex stand-in bots the instance has, with
/// each queue's waiting contacts.
pub async fn setup(State(store): State<Arc<Store>>) -> Response {
    let setup = &store.settings.setup;
    let body = store.with(|inner| {
        let flows: Vec<_> = inner
            .flows
            .values()
            .map(|f| json!({"Id": f.id, "Name": f.name, "Type": f.kind, "Status": f.status}))
            .collect();
        let queues: Vec<_> = setup
            .queues
            .iter()
            .map(|q| {
                let waiting: Vec<&String> = inner
                    .contacts
                    .values()
                    .filter(|c| !c.ended && c.flow.waiting_in.as_ref() == Some(&q.id))
                    .map(|c| &c.contact_id)
                    .collect();
                json!({"Queue": q, "Waiting": waiting})
            })
            .collect();
        let hours: Vec<_> = setup
            .hours
            .iter()
            .map(|h| json!({"Hours": h, "OpenNow": crate::routing::hours_open(inner, h)}))
            .collect();
        let bots: Vec<_> = setup
            .bots
            .iter()
            .map(|b| json!({"AliasArn": b.alias_arn, "Name": b.name}))
            .collect();
        let agents: Vec<_> = inner
            .agents
            .values()
            .map(|a| {
                json!({"AgentId": a.agent_id, "Name": a.name, "Kind": a.kind, "Status": a.status,
                       "Queues": a.queues, "Chats": crate::routing::dispatch::chats_of(inner, &a.agent_id)})
            })
            .collect();
        json!({"Flows": flows, "Queues": queues, "HoursOfOperations": hours, "LexBots": bots, "Agents": agents})
    });
    Json(body).into_response()
}

pub async fn get_contact(State(store): State<Arc<Store>>, Path(id): Path<String>) -> Response {
    match store.with(|inner| inner.contacts.get(&id).cloned()) {
        Some(contact) => Json(contact).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "no such contact"})),
        )
            .into_response(),
    }
}
