//! The Participant Service routes (restJson1). Authorization is the `X-Amz-Bearer` header only:
//! the ParticipantToken for CreateParticipantConnection, a ConnectionToken for the rest. Any
//! `Authorization` SigV4 header is ignored, as the real service does (chatjs signs with empty
//! credentials).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::errors::AwsError;
use crate::state::{
    iso_millis, iso_secs, new_id, new_token, Attachment, AttachmentState, Store, TokenOwner,
};
use crate::storage;
use crate::validate::Input;

const VALIDATION: &str = "ValidationException";

/// Which token a route takes in `X-Amz-Bearer`.
#[derive(Clone, Copy)]
enum Token {
    Participant,
    Connection,
}

/// Runs the steps every participant operation shares: authorize, consume an armed fault,
/// parse the body; then `op` does the rest.
fn run(
    store: &Store,
    operation: &str,
    token: Token,
    headers: &HeaderMap,
    body: &[u8],
    op: impl FnOnce(&Store, &TokenOwner, &Input) -> Result<Value, AwsError>,
) -> Response {
    let result = authorize(store, token, headers).and_then(|owner| {
        if let Some(error) = store.take_fault(operation) {
            return Err(AwsError::new(error, "Injected fault"));
        }
        let input = Input::parse(body, VALIDATION)?;
        op(store, &owner, &input)
    });
    match result {
        Ok(value) => Json(value).into_response(),
        Err(err) => err.into_response(),
    }
}

fn authorize(store: &Store, kind: Token, headers: &HeaderMap) -> Result<TokenOwner, AwsError> {
    let bearer = headers
        .get("x-amz-bearer")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .ok_or_else(AwsError::access_denied)?;
    store.with(|inner| {
        let owner = match kind {
            Token::Participant => inner.participant_tokens.get(bearer),
            Token::Connection => inner.connection_tokens.get(bearer),
        }
        .cloned()
        .ok_or_else(AwsError::access_denied)?;
        let ended = inner
            .contacts
            .get(&owner.contact_id)
            .is_none_or(|c| c.ended);
        if ended {
            return Err(AwsError::access_denied());
        }
        Ok(owner)
    })
}

/// `POST /participant/connection` (CreateParticipantConnection).
pub async fn create_participant_connection(
    State(store): State<Arc<Store>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    run(
        &store,
        "CreateParticipantConnection",
        Token::Participant,
        &headers,
        &body,
        |store, owner, input| {
            let types = input.opt_str_list("Type", 1, 3, 100)?.unwrap_or_default();
            if let Some(bad) = types.iter().find(|t| {
                !["WEBSOCKET", "CONNECTION_CREDENTIALS", "WEBRTC_CONNECTION"].contains(&t.as_str())
            }) {
                return Err(input.invalid(
                "Type",
                &format!("Member must satisfy enum value set: [WEBSOCKET, CONNECTION_CREDENTIALS, WEBRTC_CONNECTION] (got {bad})"),
            ));
            }
            if types.iter().any(|t| t == "WEBRTC_CONNECTION") {
                return Err(AwsError::new(
                    VALIDATION,
                    "connect-local does not provide WEBRTC_CONNECTION",
                ));
            }
            let connect_participant = match input.body.get("ConnectParticipant") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    return Err(input.invalid("ConnectParticipant", "Member must be a boolean"))
                }
            };
            if types.is_empty() && !connect_participant {
                return Err(AwsError::new(
                    VALIDATION,
                    "Type or ConnectParticipant must be provided",
                ));
            }
            let now = Utc::now();
            let mut out = json!({});
            store.with(|inner| {
                if types.iter().any(|t| t == "WEBSOCKET") {
                    let socket_id = new_token();
                    inner.websocket_ids.insert(socket_id.clone(), owner.clone());
                    let ws_base = store.settings.base_url.replacen("http://", "ws://", 1);
                    out["Websocket"] = json!({
                        "Url": format!("{ws_base}/participant/websocket/{socket_id}"),
                        "ConnectionExpiry": iso_millis(now + Duration::seconds(100)),
                    });
                }
                if types.iter().any(|t| t == "CONNECTION_CREDENTIALS") {
                    let token = new_token();
                    inner.connection_tokens.insert(token.clone(), owner.clone());
                    if let Some(p) = inner.contacts.get_mut(&owner.contact_id).and_then(|c| {
                        c.participants
                            .iter_mut()
                            .find(|p| p.participant_id == owner.participant_id)
                    }) {
                        p.connection_tokens.push(token.clone());
                    }
                    out["ConnectionCredentials"] = json!({
                        "ConnectionToken": token,
                        "Expiry": iso_millis(now + Duration::days(1)),
                    });
                }
            });
            Ok(out)
        },
    )
}

/// `POST /participant/start-attachment-upload` (StartAttachmentUpload).
pub async fn start_attachment_upload(
    State(store): State<Arc<Store>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    run(
        &store,
        "StartAttachmentUpload",
        Token::Connection,
        &headers,
        &body,
        |store, owner, input| {
            let content_type = input.str("ContentType", 1, 255)?;
            let size = input
                .opt_int("AttachmentSizeInBytes", 1, i64::MAX)?
                .ok_or_else(|| input.invalid("AttachmentSizeInBytes", "Member must not be null"))?;
            let name = input.str("AttachmentName", 1, 256)?;
            let client_token = input.str("ClientToken", 1, 500)?;
            let max = store.settings.max_attachment_bytes;
            if size as u64 > max {
                return Err(AwsError::new(
                    VALIDATION,
                    format!("Attachment size {size} exceeds the maximum of {max} bytes"),
                ));
            }
            storage::check_file_type(&name, &content_type)?;

            store.with(|inner| {
                let token_key = format!("{}/{client_token}", owner.participant_id);
                if let Some(existing) = inner
                    .attachment_client_tokens
                    .get(&token_key)
                    .and_then(|id| inner.attachments.get(id))
                {
                    return Ok(upload_output(store, existing));
                }
                let contact = inner
                    .contacts
                    .get_mut(&owner.contact_id)
                    .ok_or_else(AwsError::access_denied)?;
                if contact.attachment_ids.len() >= store.settings.max_attachments_per_contact {
                    return Err(AwsError::new(
                        "ServiceQuotaExceededException",
                        "The number of attachments per contact exceeds the quota",
                    ));
                }
                let attachment_id = new_id();
                contact.attachment_ids.push(attachment_id.clone());
                let attachment = Attachment {
                    headers_to_include: storage::headers_to_include(
                        contact,
                        &name,
                        size as u64,
                        &content_type,
                    ),
                    attachment_id: attachment_id.clone(),
                    contact_id: owner.contact_id.clone(),
                    participant_id: owner.participant_id.clone(),
                    name,
                    size: size as u64,
                    content_type,
                    start_token: client_token,
                    state: AttachmentState::AwaitingUpload,
                    complete_token: None,
                    bytes: None,
                };
                let out = upload_output(store, &attachment);
                inner
                    .attachment_client_tokens
                    .insert(token_key, attachment_id.clone());
                inner.attachments.insert(attachment_id, attachment);
                Ok(out)
            })
        },
    )
}

fn upload_output(store: &Store, attachment: &Attachment) -> Value {
    let (url, expiry) = storage::presign(&store.settings, "PUT", &attachment.attachment_id, None);
    json!({
        "AttachmentId": attachment.attachment_id,
        "UploadMetadata": {
            "Url": url,
            "UrlExpiry": iso_secs(expiry),
            "HeadersToInclude": attachment.headers_to_include,
        }
    })
}

/// `POST /participant/complete-attachment-upload` (CompleteAttachmentUpload).
pub async fn complete_attachment_upload(
    State(store): State<Arc<Store>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    run(
        &store,
        "CompleteAttachmentUpload",
        Token::Connection,
        &headers,
        &body,
        |store, owner, input| {
            let ids = input
                .opt_str_list("AttachmentIds", 1, 1, 256)?
                .ok_or_else(|| input.invalid("AttachmentIds", "Member must not be null"))?;
            let client_token = input.str("ClientToken", 1, 500)?;
            store.with(|inner| {
                let attachment = inner
                    .attachments
                    .get_mut(&ids[0])
                    .filter(|a| a.contact_id == owner.contact_id)
                    .ok_or_else(|| {
                        AwsError::new(VALIDATION, "Attachment not found for this contact")
                    })?;
                match attachment.state {
                    AttachmentState::AwaitingUpload => Err(AwsError::new(
                        VALIDATION,
                        "The attachment has not been uploaded to the upload URL",
                    )),
                    AttachmentState::Uploaded => {
                        attachment.state = AttachmentState::Approved;
                        attachment.complete_token = Some(client_token);
                        Ok(json!({}))
                    }
                    AttachmentState::Approved | AttachmentState::Rejected => {
                        if attachment.complete_token.as_deref() == Some(client_token.as_str()) {
                            Ok(json!({}))
                        } else {
                            Err(AwsError::new(
                                "ConflictException",
                                "The attachment upload has already been completed",
                            )
                            .with("Reason", json!("AttachmentAlreadyCompleted")))
                        }
                    }
                }
            })
        },
    )
}

/// `POST /participant/attachment` (GetAttachment).
pub async fn get_attachment(
    State(store): State<Arc<Store>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    run(
        &store,
        "GetAttachment",
        Token::Connection,
        &headers,
        &body,
        |store, owner, input| {
            let attachment_id = input.str("AttachmentId", 1, 256)?;
            let ttl = input.opt_int("UrlExpiryInSeconds", 5, 300)?;
            store.with(|inner| {
                let attachment = inner
                    .attachments
                    .get(&attachment_id)
                    .filter(|a| a.contact_id == owner.contact_id)
                    .ok_or_else(|| {
                        AwsError::new(VALIDATION, "Attachment not found for this contact")
                    })?;
                if attachment.state != AttachmentState::Approved {
                    return Err(AwsError::new(
                        VALIDATION,
                        "The attachment is not available for download",
                    ));
                }
                let (url, expiry) = storage::presign(
                    &store.settings,
                    "GET",
                    &attachment.attachment_id,
                    ttl.map(|s| std::time::Duration::from_secs(s as u64)),
                );
                Ok(json!({
                    "Url": url,
                    "UrlExpiry": iso_millis(expiry),
                    "AttachmentSizeInBytes": attachment.size,
                }))
            })
        },
    )
}
