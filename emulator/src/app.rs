//! The router: which path goes to which operation or admin route, and the middleware every
//! request passes (chaos rules, request ids, CORS for the routes browsers call).

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::json;

use crate::admin::{self, agent};
use crate::api::{attached_files, cases, connect as connect_api, flows as flow_api};
use crate::api::{participant as participant_api, websocket};
use crate::store::storage;
use crate::store::Store;
use crate::wire::errors::AwsError;
use crate::wire::faults::{self, ChaosKind};

/// Builds the whole application around a store.
pub fn router(store: Arc<Store>) -> Router {
    let upload_limit = store.settings.max_attachment_bytes as usize + 1024;
    Router::new()
        .route("/contact/chat", put(connect_api::start_chat_contact))
        .route("/contact/transfer", post(connect_api::transfer_contact))
        .route("/contact/stop", post(connect_api::stop_contact))
        .route(
            "/contact/create-participant",
            post(connect_api::create_participant),
        )
        .route(
            "/contact/start-streaming",
            post(connect_api::start_contact_streaming),
        )
        .route(
            "/contact/stop-streaming",
            post(connect_api::stop_contact_streaming),
        )
        .route(
            "/contacts/{instance_id}/{contact_id}",
            get(connect_api::describe_contact),
        )
        .route(
            "/contact/attributes/{instance_id}/{initial_contact_id}",
            get(connect_api::get_contact_attributes),
        )
        .route(
            "/contact/attributes",
            post(connect_api::update_contact_attributes),
        )
        .route(
            "/contact/participant-role-config/{instance_id}/{contact_id}",
            put(connect_api::update_participant_role_config),
        )
        .route(
            "/chat-integration-event",
            post(connect_api::send_chat_integration_event),
        )
        .route(
            "/queues-summary/{instance_id}",
            get(crate::api::queues::list_queues),
        )
        .route(
            "/queues/{instance_id}/{queue_id}",
            get(crate::api::queues::describe_queue),
        )
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
            get(admin::list_faults)
                .post(admin::add_fault)
                .delete(admin::clear_faults),
        )
        .route(
            "/_local/chaos",
            get(admin::list_chaos)
                .post(admin::add_chaos)
                .delete(admin::clear_chaos),
        )
        .route("/_local/contacts", get(admin::list_contacts))
        .route("/_local/attached-files", get(admin::list_attached_files))
        .route("/_local/contacts/{id}", get(admin::get_contact))
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
            post(admin::start_disconnect_flow),
        )
        .route("/_local/hours/{id}", put(admin::set_hours))
        .route(
            "/_local/contacts/{id}/websocket/drop",
            post(admin::drop_websocket),
        )
        .route("/_local/setup", get(admin::setup))
        .route("/console", get(admin::console::index))
        .route("/console/", get(admin::console::index))
        .route("/console/console.js", get(admin::console::script))
        .route("/console/console.css", get(admin::console::style))
        .route("/console/markdown.js", get(admin::console::markdown))
        .route(
            "/_local/agents",
            get(admin::agents::list).post(admin::agents::sign_in),
        )
        .route("/_local/agents/{id}", get(admin::agents::get))
        .route("/_local/agents/{id}/status", put(admin::agents::set_status))
        .route(
            "/_local/agents/{id}/offers/{contact_id}/accept",
            post(admin::agents::accept),
        )
        .route(
            "/_local/agents/{id}/offers/{contact_id}/reject",
            post(admin::agents::reject),
        )
        .route(
            "/_local/agents/{id}/contacts/{contact_id}/transfer",
            post(admin::agents::transfer),
        )
        .route(
            "/_local/contacts/{id}/customer/{activity}",
            post(admin::customer_activity),
        )
        .route(
            "/_local/contacts/{id}/authentication",
            post(admin::authentication_outcome),
        )
        .route("/_local/authenticate", get(admin::authenticate))
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
