//! The routes: /chat, /attachments/{start,complete} and /cases/attachments/{start,complete}.
//! Each handler reads as parse -> validate -> call Connect -> respond, and takes its
//! configuration and SDK clients as parameters. [`serve`] is the lifecycle they share:
//! CORS preflight, method check, mapping every [`ApiError`] to a JSON response (never an `Err`,
//! which API Gateway would turn into a bare 5xx without CORS headers), and the request's log line:
//! one per request, carrying what the handler did ([`Done`]), plus an error line when a request
//! fails on our or Connect's side.

mod case_files;
mod complete_attachment;
mod start_attachment;
mod start_chat;

pub use case_files::handle_case_files;
pub use complete_attachment::handle_complete_attachment;
pub use start_attachment::handle_start_attachment;
pub use start_chat::handle_start_chat;

use std::future::Future;
use std::time::Instant;

use http::{HeaderValue, Method, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{Map, Value};

use crate::config::{AttachmentConfig, CorsConfig};
use crate::error::ApiError;
use crate::http::{
    apply_cors, error_response, header, json_object_body, json_response, preflight_response,
};
use crate::secret::Secret;

/// The header a browser uses to pass the customer's ConnectionToken (as the Participant API does).
pub const CONNECTION_TOKEN_HEADER: &str = "x-amz-bearer";

/// What a handler returns on success: the response body, and what the request's log line says
/// about it.
pub(crate) struct Done {
    body: Value,
    log: LogFields,
}

impl Done {
    pub(crate) fn new(body: Value, log: LogFields) -> Self {
        Self { body, log }
    }
}

/// Identifiers and counts a route adds to the request's log line: what it created, never
/// tokens, display names or attribute values. Fields left `None` are not written.
#[derive(Default)]
pub(crate) struct LogFields {
    pub contact_id: Option<String>,
    pub attachment_id: Option<String>,
    pub file_id: Option<String>,
    pub size: Option<u64>,
    pub content_type: Option<String>,
    pub attributes: Option<usize>,
    pub segment_attributes: Option<usize>,
    pub persistent: Option<bool>,
    pub authenticated: Option<bool>,
}

/// Runs one request through the shared lifecycle; `route` names it in logs.
pub(crate) async fn serve<F, Fut>(
    route: &'static str,
    cors: &CorsConfig,
    req: Request,
    handler: F,
) -> Response<Body>
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Result<Done, ApiError>>,
{
    let started = Instant::now();
    let request_id = request_id(&req);
    let method = req.method().clone();

    let origin = header(&req, "origin");
    let allowed_origin = cors
        .allow(origin)
        .and_then(|o| HeaderValue::from_str(o).ok());
    let refusal = if !through_front_door(cors, &req) {
        Some(ApiError::DirectAccessDenied)
    } else if origin.is_some() && allowed_origin.is_none() {
        Some(ApiError::OriginNotAllowed)
    } else if method != Method::POST && method != Method::OPTIONS {
        Some(ApiError::MethodNotAllowed)
    } else {
        None
    };

    let mut log = LogFields::default();
    let (mut response, outcome) = match refusal {
        Some(ApiError::DirectAccessDenied) => (
            error_response(&ApiError::DirectAccessDenied, request_id.as_deref()),
            "DirectAccessDenied",
        ),
        _ if method == Method::OPTIONS => (preflight_response(), "preflight"),
        Some(err) => (error_response(&err, request_id.as_deref()), err.code()),
        None => match handler(req).await {
            Ok(done) => {
                log = done.log;
                (json_response(StatusCode::OK, &done.body), "ok")
            }
            Err(err) => {
                if err.status().is_server_error() {
                    tracing::error!(request_id, route, error = %err, "request failed");
                }
                (error_response(&err, request_id.as_deref()), err.code())
            }
        },
    };
    apply_cors(&mut response, allowed_origin, method == Method::OPTIONS);
    if let Some(id) = request_id.as_deref().and_then(|id| id.parse().ok()) {
        response.headers_mut().insert("x-request-id", id);
    }
    tracing::info!(
        request_id,
        route,
        method = %method,
        status = response.status().as_u16(),
        outcome,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        contact_id = log.contact_id.as_deref(),
        attachment_id = log.attachment_id.as_deref(),
        file_id = log.file_id.as_deref(),
        size = log.size,
        content_type = log.content_type.as_deref(),
        attributes = log.attributes,
        segment_attributes = log.segment_attributes,
        persistent = log.persistent,
        authenticated = log.authenticated,
        "request finished"
    );
    response
}

/// With `ORIGIN_VERIFY_SECRET` set, whether the request carries it (compared in constant time).
fn through_front_door(cors: &CorsConfig, req: &Request) -> bool {
    let Some(secret) = cors.origin_verify.as_ref().map(Secret::expose) else {
        return true;
    };
    let sent = header(req, "x-origin-verify")
        .unwrap_or_default()
        .as_bytes();
    aws_lc_rs::constant_time::verify_slices_are_equal(sent, secret.as_bytes()).is_ok()
}

/// API Gateway's request id, else the Lambda invocation id.
fn request_id(req: &Request) -> Option<String> {
    if let Some(RequestContext::ApiGatewayV2(ctx)) = req.request_context_ref() {
        if let Some(id) = ctx.request_id.as_deref().filter(|id| !id.is_empty()) {
            return Some(id.to_owned());
        }
    }
    req.lambda_context_ref()
        .map(|ctx| ctx.request_id.clone())
        .filter(|id| !id.is_empty())
}

/// What both attachment routes check first: attachments enabled, a ConnectionToken present, a
/// JSON object body. Returns the token and the body.
fn attachment_preamble<'r>(
    config: &AttachmentConfig,
    req: &'r Request,
) -> Result<(&'r str, Map<String, Value>), ApiError> {
    if !config.attachments_enabled {
        return Err(ApiError::AttachmentsDisabled);
    }
    let token = connection_token(req)?;
    Ok((token, json_object_body(req)?))
}

/// The customer's ConnectionToken from `X-Amz-Bearer`; checked for shape only, Connect decides
/// whether it is valid.
fn connection_token(req: &Request) -> Result<&str, ApiError> {
    let token = header(req, CONNECTION_TOKEN_HEADER).ok_or(ApiError::MissingConnectionToken)?;
    if token.chars().count() > 1000 {
        return Err(ApiError::field(
            "X-Amz-Bearer",
            "must be at most 1000 characters",
        ));
    }
    Ok(token)
}
