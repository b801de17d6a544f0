//! The router: which path goes to which operation, CORS for the routes browsers call
//! (Participant Service, uploads, downloads), and the `/_local` admin API tests use to arm
//! faults, inspect contacts and act as the agent.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::errors::AwsError;
use crate::faults::{self, ChaosKind, ChaosRule, Fault};
use crate::state::Store;
use crate::{
    agent, attached_files, cases, connect_api, flow_api, participant_api, storage, websocket,
};

/// Builds the whole application around a store.
pub fn router(store: Arc<Store>) -> Router {
    let upload_limit = store.settings.max_attachment_bytes as usize + 1024;
    Router::new()
        .route("/contact/chat", put(connect_api::start_chat_contact))
        .route(
            "/contact-flows/{instance_id}",
            put(flow_api::create_contact_flow),
        )
        .route(
            "/contact-flows/{instance_id}/{flow_id}",
            get(flow_api::describe_contact_flow),
        )
        .route(
            "/contact-flows/{instance_id}/{flow_id}/content",
            post(flow_api::update_contact_flow_content),
        )
        .route(
            "/contact-flows-summary/{instance_id}",
            get(flow_api::list_contact_flows),
        )
        .route(
            "/attached-files/{instance_id}",
            put(attached_files::start_attached_file_upload),
        )
        .route(
            "/attached-files/{instance_id}/{file_id}",
            post(attached_files::complete_attached_file_upload)
                .get(attached_files::get_attached_file),
        )
        // The botocore model writes CreateRelatedItem's path with a trailing slash, the Smithy
        // model the SDKs are built from without: the service answers both.
        .route(
            "/domains/{domain_id}/cases/{case_id}/related-items/",
            post(cases::create_related_item),
        )
        .route(
            "/domains/{domain_id}/cases/{case_id}/related-items",
            post(cases::create_related_item),
        )
        .route(
            "/domains/{domain_id}/cases/{case_id}/related-items-search",
            post(cases::search_related_items),
        )
        .route(
            "/participant/connection",
            post(participant_api::create_participant_connection),
        )
        .route(
            "/participant/start-attachment-upload",
            post(participant_api::start_attachment_upload),
        )
        .route(
            "/participant/complete-attachment-upload",
            post(participant_api::complete_attachment_upload),
        )
        .route(
            "/participant/attachment",
            post(participant_api::get_attachment),
        )
        .route("/participant/message", post(participant_api::send_message))
        .route("/participant/event", post(participant_api::send_event))
        .route(
            "/participant/transcript",
            post(participant_api::get_transcript),
        )
        .route(
            "/participant/disconnect",
            post(participant_api::disconnect_participant),
        )
        .route(
            "/participant/views/{view_token}",
            get(participant_api::describe_view),
        )
        .route(
            "/participant/authentication-url",
            post(participant_api::get_authentication_url),
        )
        .route(
            "/participant/cancel-authentication",
            post(participant_api::cancel_participant_authentication),
        )
        .route(
            "/participant/websocket/{socket_id}",
            get(websocket::upgrade),
        )
        .route(
            "/uploads/{id}",
            put(storage::put_upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/downloads/{id}", get(storage::get_download))
        .route(
            "/_local/health",
            get(|| async { Json(json!({"status": "ok"})) }),
        )
        .route(
            "/_local/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route(
            "/_local/chaos",
            get(list_chaos).post(add_chaos).delete(clear_chaos),
        )
        .route("/_local/contacts", get(list_contacts))
        .route("/_local/attached-files", get(list_attached_files))
        .route("/_local/contacts/{id}", get(get_contact))
        .route(
            "/_local/contacts/{id}/agent/join",
            post(agent::control_join),
        )
        .route(
            "/_local/contacts/{id}/agent/messages",
            post(agent::control_message),
        )
        .route(
            "/_local/contacts/{id}/agent/typing",
            post(agent::control_typing),
        )
        .route(
            "/_local/contacts/{id}/agent/attachments",
            post(agent::control_attachment),
        )
        .route("/_local/contacts/{id}/agent/end", post(agent::control_end))
        .route(
            "/_local/contacts/{id}/agent/interactive",
            post(agent::control_interactive),
        )
        .route(
            "/_local/contacts/{id}/flow/survey",
            post(start_disconnect_flow),
        )
        .route("/_local/hours/{id}", put(set_hours))
        .route("/_local/setup", get(setup))
        .route(
            "/_local/contacts/{id}/customer/{activity}",
            post(customer_activity),
        )
        .route(
            "/_local/contacts/{id}/authentication",
            post(authentication_outcome),
        )
        .route("/_local/authenticate", get(authenticate))
        .route(
            "/_local/contacts/{id}/bot/stream",
            post(agent::control_stream),
        )
        .layer(middleware::from_fn_with_state(store.clone(), chaos))
        .layer(middleware::from_fn(request_id))
        .layer(middleware::from_fn(cors))
        .with_state(store)
}

/// Marks a response that must not be sent: the server closes the connection instead
/// (see `serve` in lib.rs).
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// Applies the chaos rules to calls of Connect and Participant operations.
async fn chaos(State(store): State<Arc<Store>>, request: Request, next: Next) -> Response {
    let Some(operation) = faults::operation_of(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let Some((kind, latency_ms)) = store.draw_chaos(operation) else {
        return next.run(request).await;
    };
    match kind {
        ChaosKind::Throttle => {
            AwsError::new("ThrottlingException", "Rate exceeded").into_response()
        }
        ChaosKind::ServerError => {
            let error = if faults::is_connect_api(operation) {
                "InternalServiceException"
            } else {
                "InternalServerException"
            };
            AwsError::new(error, "Injected internal error").into_response()
        }
        ChaosKind::Latency => {
            tokio::time::sleep(std::time::Duration::from_millis(latency_ms)).await;
            next.run(request).await
        }
        ChaosKind::Drop => {
            let _done = next.run(request).await;
            let mut response = Response::default();
            response.extensions_mut().insert(DropConnection);
            response
        }
    }
}

/// Gives every response of an AWS operation an `x-amzn-RequestId`, success or error, as AWS
/// services do (an error that already carries one keeps it).
async fn request_id(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if !response.headers().contains_key("x-amzn-requestid") {
        if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            response.headers_mut().insert("x-amzn-RequestId", id);
        }
    }
    response
}

/// Answers preflights and marks responses readable by any origin, as a Connect instance with
/// the page's domain approved (and an S3 bucket with a CORS rule for it) would.
async fn cors(request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let requested = request
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned();
    let mut response = if request.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        origin.unwrap_or(HeaderValue::from_static("*")),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("x-amzn-requestid, x-amzn-errortype, etag"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, OPTIONS"),
    );
    if let Some(requested) = requested {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested);
    }
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    response
}

#[derive(Deserialize)]
struct FaultRequest {
    operation: String,
    error: String,
    count: Option<u32>,
}

async fn add_fault(State(store): State<Arc<Store>>, Json(req): Json<FaultRequest>) -> Response {
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

async fn list_faults(State(store): State<Arc<Store>>) -> Response {
    Json(store.with(|inner| inner.faults.clone())).into_response()
}

async fn clear_faults(State(store): State<Arc<Store>>) -> StatusCode {
    store.with(|inner| inner.faults.clear());
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChaosRequest {
    operation: Option<String>,
    rate: f64,
    kinds: Vec<ChaosKind>,
    latency_ms: Option<u64>,
}

async fn add_chaos(State(store): State<Arc<Store>>, Json(req): Json<ChaosRequest>) -> Response {
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

async fn list_chaos(State(store): State<Arc<Store>>) -> Response {
    Json(store.with(|inner| json!({"rules": inner.chaos, "injected": inner.chaos_counts})))
        .into_response()
}

async fn clear_chaos(State(store): State<Arc<Store>>) -> StatusCode {
    store.with(|inner| {
        inner.chaos.clear();
        inner.chaos_counts.clear();
    });
    StatusCode::NO_CONTENT
}

async fn list_attached_files(State(store): State<Arc<Store>>) -> Response {
    let mut files = store.with(|inner| inner.attached_files.values().cloned().collect::<Vec<_>>());
    files.sort_by(|a, b| a.creation_time.cmp(&b.creation_time));
    Json(files).into_response()
}

async fn list_contacts(State(store): State<Arc<Store>>) -> Response {
    let mut contacts = store.with(|inner| inner.contacts.values().cloned().collect::<Vec<_>>());
    contacts.sort_by(|a, b| a.started_at.cmp(&b.started_at));
    Json(contacts).into_response()
}

/// `POST /_local/contacts/{id}/customer/{idle|returned|autodisconnection}`: the customer's
/// activity event, as the chat timeouts would send it (autodisconnection also ends the chat).
async fn customer_activity(
    State(store): State<Arc<Store>>,
    Path((id, activity)): Path<(String, String)>,
) -> Response {
    let change: fn(&mut crate::state::Inner, &str) -> bool = match activity.as_str() {
        "idle" => crate::idle::went_idle,
        "returned" => crate::idle::returned,
        "autodisconnection" => crate::idle::autodisconnect,
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
struct Outcome {
    outcome: String,
}

/// `POST /_local/contacts/{id}/authentication` `{"Outcome": "succeeded"}`: an authentication
/// event (initiated, succeeded, failed, timeout, expired, cancelled) for the chat.
async fn authentication_outcome(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
    Json(body): Json<Outcome>,
) -> Response {
    if !crate::authentication::OUTCOMES.contains(&body.outcome.as_str()) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": format!("Outcome must be one of {}", crate::authentication::OUTCOMES.join(", "))})),
        )
            .into_response();
    }
    if store.with(|inner| crate::authentication::event(inner, &id, &body.outcome)) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_open()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthenticateQuery {
    session_id: String,
    outcome: Option<String>,
}

/// `GET /_local/authenticate?sessionId=…[&outcome=succeeded|failed]`: where GetAuthenticationUrl
/// sends the customer. It stands in for the identity provider's sign-in page: it reports the
/// outcome to the chat and redirects to the RedirectUri given to GetAuthenticationUrl.
async fn authenticate(
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
    match store.with(|inner| crate::authentication::complete(inner, &query.session_id, &outcome)) {
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
async fn start_disconnect_flow(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
) -> Response {
    let started = store.with(|inner| {
        let hooked = inner
            .contacts
            .get(&id)
            .is_some_and(|c| c.flow.event_hooks.contains_key("CustomerRemaining"));
        hooked && crate::flow::only_customer_remains(&store, inner, &id)
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

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HoursOverride {
    /// true: open, false: closed, null: follow the configured hours again.
    open: Option<bool>,
}

/// `PUT /_local/hours/{id}` `{"Open": false}`: forces hours of operation open or closed for
/// CheckHoursOfOperation (`{"Open": null}` goes back to the configured hours).
async fn set_hours(
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
async fn setup(State(store): State<Arc<Store>>) -> Response {
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
        json!({"Flows": flows, "Queues": queues, "HoursOfOperations": hours, "LexBots": bots})
    });
    Json(body).into_response()
}

async fn get_contact(State(store): State<Arc<Store>>, Path(id): Path<String>) -> Response {
    match store.with(|inner| inner.contacts.get(&id).cloned()) {
        Some(contact) => Json(contact).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "no such contact"})),
        )
            .into_response(),
    }
}
