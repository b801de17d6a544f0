//! POST /chat: starts a chat contact and returns what the widget needs to connect.

use lambda_http::{Body, Request, Response};
use serde_json::json;

use super::{serve, Done, LogFields};
use crate::auth::Authenticator;
use crate::chat::StartChatRequest;
use crate::config::StartChatConfig;
use crate::connect::start_chat_contact;
use crate::error::ApiError;
use crate::http::{header, json_object_body};

/// Lambda entry point for start-chat. `auth` is present when customer authentication is on.
pub async fn handle_start_chat(
    config: &StartChatConfig,
    connect: &aws_sdk_connect::Client,
    auth: Option<&Authenticator>,
    req: Request,
) -> Result<Response<Body>, lambda_http::Error> {
    Ok(serve("POST /chat", &config.cors, req, |req| {
        start_chat(config, connect, auth, req)
    })
    .await)
}

async fn start_chat(
    config: &StartChatConfig,
    connect: &aws_sdk_connect::Client,
    auth: Option<&Authenticator>,
    req: Request,
) -> Result<Done, ApiError> {
    let identity = match auth {
        Some(auth) => Some(auth.authenticate(header(&req, "authorization")).await?),
        None => None,
    };
    let body = json_object_body(&req)?;
    // A present but empty Idempotency-Key is a client mistake, not an absent one.
    let idempotency_key = req
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::trim).unwrap_or_default());
    let request = StartChatRequest::parse(&body, idempotency_key, config, identity.as_ref())?;
    let result = start_chat_contact(connect, config, &request).await?;
    let log = LogFields {
        contact_id: Some(result.contact_id.clone()),
        attributes: Some(request.attributes.len()),
        segment_attributes: Some(request.segment_attributes.len()),
        persistent: Some(request.persistent_chat.is_some()),
        authenticated: Some(identity.is_some()),
        ..LogFields::default()
    };
    let body = json!({
        "data": {
            "startChatResult": result,
            "featurePermissions": {
                "ATTACHMENTS": config.attachments_enabled,
                "MESSAGING_MARKDOWN": request.markdown_enabled(),
            }
        }
    });
    Ok(Done::new(body, log))
}
