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
use base64::Engine;
use chrono::Utc;
use serde_json::{json, Value};

use crate::chat::{
    self, event_item, message_item, publish, publish_attachment, receipt_item, TranscriptQuery,
    EVENT_PREFIX,
};
use crate::chat::{authentication, connection, timers};
use crate::engine as flow;
use crate::sim::agent;
use crate::store::storage;
use crate::store::{
    iso_millis, iso_secs, new_id, Attachment, AttachmentState, Inner, Role, Store, TokenOwner,
};
use crate::wire::errors::AwsError;
use crate::wire::model::{self, RequestParts};
use crate::wire::validate::{self, Input};

const VALIDATION: &str = "ValidationException";

/// Which token a route takes in `X-Amz-Bearer`.
#[derive(Clone, Copy)]
enum Token {
    Participant,
    Connection,
}

/// Runs the steps every participant operation shares: a bearer token must be present; the
/// request is checked against the model (before anything is looked up); the token must belong
/// to a live contact; an armed fault is consumed; then `op` does the rest.
fn run(
    store: &Arc<Store>,
    operation: &str,
    token: Token,
    request: Request<'_>,
    op: impl FnOnce(&Arc<Store>, &TokenOwner, &Input) -> Result<Value, AwsError>,
) -> Response {
    let result = (|| {
        let bearer = request
            .headers
            .get("x-amz-bearer")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .ok_or_else(AwsError::access_denied)?;
        let input = Input::parse(request.body, VALIDATION)?;
        validate::against_model(
            &model::PARTICIPANT,
            operation,
            &RequestParts {
                body: Some(&input.body),
                labels: request.labels,
                headers: Some(request.headers),
                ..Default::default()
            },
            VALIDATION,
        )?;
        let owner = authorize(store, token, bearer)?;
        if let Some(error) = store.take_fault(operation) {
            return Err(AwsError::new(error, "Injected fault"));
        }
        op(store, &owner, &input)
    })();
    match result {
        Ok(value) => Json(value).into_response(),
        Err(err) => err.into_response(),
    }
}

/// What a participant route received.
struct Request<'r> {
    headers: &'r HeaderMap,
    body: &'r [u8],
    labels: &'r [(&'r str, &'r str)],
}

impl<'r> Request<'r> {
    fn new(headers: &'r HeaderMap, body: &'r [u8]) -> Self {
        Self {
            headers,
            body,
            labels: &[],
        }
    }
}

fn authorize(store: &Store, kind: Token, bearer: &str) -> Result<TokenOwner, AwsError> {
    store.with(|inner| {
        let owner = match kind {
            Token::Participant => inner.participant_tokens.get(bearer),
            // An expired connection token is refused like an unknown one.
            Token::Connection => inner
                .connection_tokens
                .get(bearer)
                .filter(|(_, expires)| std::time::Instant::now() < *expires)
                .map(|(owner, _)| owner),
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
        Request::new(&headers, &body),
        |store, owner, input| {
            // The model checked the values; WEBRTC_CONNECTION is one connect-local cannot give.
            let types = input.opt_str_list("Type")?.unwrap_or_default();
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
            let mut out = json!({});
            store.with(|inner| connection::grant(store, inner, owner, &types, &mut out));
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
        Request::new(&headers, &body),
        |store, owner, input| {
            let content_type = input.str("ContentType")?;
            let size = input
                .opt_int("AttachmentSizeInBytes")?
                .ok_or_else(|| input.invalid("AttachmentSizeInBytes", "Member must not be null"))?;
            let name = input.str("AttachmentName")?;
            let client_token = input.str("ClientToken")?;
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
    let (url, expiry) = storage::presign(
        &store.settings,
        "PUT",
        &attachment.attachment_id,
        None,
        None,
    );
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
        Request::new(&headers, &body),
        |store, owner, input| {
            let ids = input
                .opt_str_list("AttachmentIds")?
                .ok_or_else(|| input.invalid("AttachmentIds", "Member must not be null"))?;
            let client_token = input.str("ClientToken")?;
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
                        attachment.complete_token = Some(client_token);
                        let id = attachment.attachment_id.clone();
                        scan_and_publish(store, inner, &id);
                        Ok(json!({}))
                    }
                    AttachmentState::Scanning
                    | AttachmentState::Approved
                    | AttachmentState::Rejected => {
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
        Request::new(&headers, &body),
        |store, owner, input| {
            let attachment_id = input.str("AttachmentId")?;
            let ttl = input.opt_int("UrlExpiryInSeconds")?;
            let disposition = storage::disposition(input.opt_str("UrlContentDisposition")?);
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
                    Some(disposition),
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

/// Scans a completed attachment as Connect does: REJECTED when its name matches the configured
/// rule, else APPROVED; pushed IN_PROGRESS first when a scan delay is configured.
fn scan_and_publish(store: &Arc<Store>, inner: &mut Inner, attachment_id: &str) {
    let Some(attachment) = inner.attachments.get_mut(attachment_id) else {
        return;
    };
    let rejected = store
        .settings
        .reject_attachments_matching
        .as_deref()
        .is_some_and(|pattern| {
            attachment
                .name
                .to_lowercase()
                .contains(&pattern.to_lowercase())
        });
    let verdict = if rejected {
        AttachmentState::Rejected
    } else {
        AttachmentState::Approved
    };
    let item_id = new_id();
    if store.settings.scan_delay.is_zero() {
        attachment.state = verdict;
        publish_attachment(inner, attachment_id, &item_id, true);
        return;
    }
    attachment.state = AttachmentState::Scanning;
    publish_attachment(inner, attachment_id, &item_id, false);
    let (store, attachment_id) = (store.clone(), attachment_id.to_owned());
    tokio::spawn(async move {
        tokio::time::sleep(store.settings.scan_delay).await;
        store.with(|inner| {
            if let Some(a) = inner.attachments.get_mut(&attachment_id) {
                a.state = verdict;
                publish_attachment(inner, &attachment_id, &item_id, true);
            }
        });
    });
}

/// Message content types a participant may send with SendMessage.
const SENDABLE_TYPES: [&str; 4] = [
    "text/plain",
    "text/markdown",
    "application/json",
    "application/vnd.amazonaws.connect.message.interactive.response",
];

/// `POST /participant/message` (SendMessage).
pub async fn send_message(
    State(store): State<Arc<Store>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    run(
        &store,
        "SendMessage",
        Token::Connection,
        Request::new(&headers, &body),
        |store, owner, input| {
            let content_type = input.str("ContentType")?;
            let content = input.str("Content")?;
            let client_token = input.opt_str("ClientToken")?.filter(|t| !t.is_empty());
            post_message(store, owner, &content_type, &content, client_token)
        },
    )
}

/// A participant's message, as SendMessage posts it: kept and pushed, to a waiting flow if
/// one takes it, otherwise answered by the simulated agent. The same ClientToken answers the
/// first call's output again.
pub(crate) fn post_message(
    store: &Arc<Store>,
    owner: &TokenOwner,
    content_type: &str,
    content: &str,
    client_token: Option<String>,
) -> Result<Value, AwsError> {
    // (output, whether a new customer message was posted that the agent should answer)
    let (output, new_customer_message) = store.with(|inner| {
        let contact = inner
            .contacts
            .get_mut(&owner.contact_id)
            .ok_or_else(AwsError::access_denied)?;
        if !SENDABLE_TYPES.contains(&content_type)
            || !contact
                .supported_messaging_content_types
                .iter()
                .any(|t| t == content_type)
        {
            return Err(AwsError::new(
                VALIDATION,
                format!("ContentType {content_type} is not supported by this contact"),
            ));
        }
        let token_key = client_token
            .as_ref()
            .map(|t| format!("{}/{t}", owner.participant_id));
        if let Some(existing) = token_key
            .as_ref()
            .and_then(|k| contact.message_tokens.get(k))
        {
            return Ok((existing.clone(), false));
        }
        let sender = contact
            .participant(&owner.participant_id)
            .cloned()
            .ok_or_else(AwsError::access_denied)?;
        let mut item = message_item(contact, &sender, content_type, content);
        let mut output = json!({"Id": item.id, "AbsoluteTime": item.absolute_time});
        let rejected = match &store.settings.reject_messages_matching {
            None => false,
            Some(pattern) => {
                output["MessageMetadata"] = json!({"MessageProcessingStatus": "PROCESSING"});
                content.to_lowercase().contains(&pattern.to_lowercase())
            }
        };
        if rejected {
            item.message_metadata =
                Some(json!({"MessageId": item.id, "MessageProcessingStatus": "REJECTED"}));
        }
        if let Some(key) = token_key {
            contact.message_tokens.insert(key, output.clone());
        }
        publish(contact, item, true);
        timers::active(inner, &owner.contact_id, sender.role);
        // A flow waiting for the customer (a Lex bot, a Wait, a view) takes the message;
        // otherwise it is for the agent.
        let for_flow = sender.role == Role::Customer
            && !rejected
            && flow::deliver(inner, &owner.contact_id, content_type, content);
        Ok((
            output,
            sender.role == Role::Customer && !rejected && !for_flow,
        ))
    })?;
    if new_customer_message {
        let message_id = output["Id"].as_str().unwrap_or_default();
        agent::on_customer_message(store, &owner.contact_id, message_id, content_type, content);
    }
    Ok(output)
}

/// `POST /participant/event` (SendEvent): typing, connection acknowledgement, read and delivered
/// receipts (pushed as MESSAGEMETADATA items, as chatjs expects).
pub async fn send_event(
    State(store): State<Arc<Store>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    run(
        &store,
        "SendEvent",
        Token::Connection,
        Request::new(&headers, &body),
        |store, owner, input| {
            let content_type = input.str("ContentType")?;
            let content = input.opt_str("Content")?;
            let client_token = input.opt_str("ClientToken")?.filter(|t| !t.is_empty());
            post_event(
                store,
                owner,
                &content_type,
                content.as_deref(),
                client_token,
            )
        },
    )
}

const SENDABLE_EVENTS: &str =
    "Member must be a typing, connection.acknowledged, message.delivered or message.read event";

/// A participant's event, as SendEvent posts it: typing is pushed, receipts become
/// MESSAGEMETADATA items; the same ClientToken answers the first call's output again.
pub(crate) fn post_event(
    store: &Store,
    owner: &TokenOwner,
    content_type: &str,
    content: Option<&str>,
    client_token: Option<String>,
) -> Result<Value, AwsError> {
    let event = content_type.strip_prefix(EVENT_PREFIX).unwrap_or_default();
    if ![
        "typing",
        "connection.acknowledged",
        "message.delivered",
        "message.read",
    ]
    .contains(&event)
    {
        return Err(AwsError::validation(
            VALIDATION,
            "ContentType",
            SENDABLE_EVENTS,
        ));
    }
    store.with(|inner| {
        let contact = inner
            .contacts
            .get_mut(&owner.contact_id)
            .ok_or_else(AwsError::access_denied)?;
        let token_key = client_token
            .as_ref()
            .map(|t| format!("{}/{t}", owner.participant_id));
        if let Some(existing) = token_key.as_ref().and_then(|k| contact.event_tokens.get(k)) {
            return Ok(existing.clone());
        }
        let sender = contact
            .participant(&owner.participant_id)
            .cloned()
            .ok_or_else(AwsError::access_denied)?;
        let mut item = event_item(contact, Some(&sender), event);
        let typed = (event == "typing").then_some(sender.role);
        match event {
            "typing" => publish(contact, item, false),
            "message.read" | "message.delivered" => {
                let message_id = content
                    .and_then(|c| serde_json::from_str::<Value>(c).ok())
                    .and_then(|c| c["messageId"].as_str().map(str::to_owned))
                    .ok_or_else(|| {
                        AwsError::new(
                            VALIDATION,
                            "Content must be {\"messageId\":\"...\"} for receipts",
                        )
                    })?;
                if !contact.transcript.iter().any(|i| i.id == message_id) {
                    return Err(AwsError::new(
                        VALIDATION,
                        "messageId does not belong to this contact",
                    ));
                }
                item = receipt_item(
                    contact,
                    &sender.participant_id,
                    &message_id,
                    event == "message.read",
                );
                publish(contact, item, false);
            }
            _ => {}
        }
        let output = json!({"Id": new_id(), "AbsoluteTime": iso_millis(Utc::now())});
        if let Some(key) = token_key {
            contact.event_tokens.insert(key, output.clone());
        }
        if let Some(role) = typed {
            timers::active(inner, &owner.contact_id, role);
        }
        Ok(output)
    })
}

/// `POST /participant/transcript` (GetTranscript).
pub async fn get_transcript(
    State(store): State<Arc<Store>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    run(
        &store,
        "GetTranscript",
        Token::Connection,
        Request::new(&headers, &body),
        |store, owner, input| {
            let contact_id = input.opt_str("ContactId")?;
            let max_results = input.opt_int("MaxResults")?.unwrap_or(10) as usize;
            let next_token = input.opt_str("NextToken")?;
            let scan = input.opt_str("ScanDirection")?;
            let sort = input.opt_str("SortOrder")?;
            let start = input
                .opt_object("StartPosition")?
                .cloned()
                .unwrap_or_default();
            let start_input = input.nested(start);
            let start_id = start_input.opt_str("Id")?;
            let start_time = start_input.opt_str("AbsoluteTime")?;
            let most_recent = start_input.opt_int("MostRecent")?.map(|n| n as usize);
            let has_start = start_id.is_some() || start_time.is_some() || most_recent.is_some();
            let forward = match scan.as_deref() {
                None => has_start,
                Some("FORWARD") => true,
                Some("BACKWARD") => false,
                Some(_) => {
                    return Err(input.invalid(
                        "ScanDirection",
                        "Member must satisfy enum value set: [FORWARD, BACKWARD]",
                    ))
                }
            };
            let ascending = match sort.as_deref() {
                None | Some("DESCENDING") => false,
                Some("ASCENDING") => true,
                Some(_) => {
                    return Err(input.invalid(
                        "SortOrder",
                        "Member must satisfy enum value set: [DESCENDING, ASCENDING]",
                    ))
                }
            };
            let from_id = match next_token {
                None => None,
                Some(token) => Some(
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(token.as_bytes())
                        .ok()
                        .and_then(|id| String::from_utf8(id).ok())
                        .ok_or_else(invalid_next_token)?,
                ),
            };
            store.with(|inner| {
                let contact = inner
                    .contacts
                    .get(&owner.contact_id)
                    .ok_or_else(AwsError::access_denied)?;
                if let Some(id) = &contact_id {
                    let in_chain = *id == contact.contact_id
                        || *id == contact.initial_contact_id
                        || contact.continued_from_contact_id.as_ref() == Some(id);
                    if !in_chain {
                        return Err(AwsError::new(
                            VALIDATION,
                            "ContactId does not belong to this participant",
                        ));
                    }
                }
                let items = chat::full_transcript(inner, contact);
                let query = TranscriptQuery {
                    forward,
                    ascending,
                    max_results,
                    start_id,
                    start_time,
                    most_recent,
                    from_id,
                };
                let (mut page, next) = chat::page(&items, &query).ok_or_else(invalid_next_token)?;
                // Websocket frames carry InitialContactId on each item; GetTranscript's items
                // do not (the model's Item has no such member).
                for item in &mut page {
                    item.initial_contact_id = None;
                }
                let mut out =
                    json!({"InitialContactId": contact.initial_contact_id, "Transcript": page});
                if let Some(next) = next {
                    out["NextToken"] =
                        json!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(next));
                }
                Ok(out)
            })
        },
    )
}

fn invalid_next_token() -> AwsError {
    AwsError::new(
        VALIDATION,
        "The NextToken is not valid for this transcript query",
    )
}

/// `POST /participant/disconnect` (DisconnectParticipant): participant.left, then chat.ended.
/// A retry with the same connection token and ClientToken answers as the first call did,
/// although the chat has ended since.
pub async fn disconnect_participant(
    State(store): State<Arc<Store>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let bearer = headers
        .get("x-amz-bearer")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let client_token = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|b| b["ClientToken"].as_str().map(str::to_owned))
        .filter(|t| !t.is_empty());
    if let Some(token) = &client_token {
        let replay = store.with(|inner| inner.disconnect_tokens.get(&bearer) == Some(token));
        if replay {
            return Json(json!({})).into_response();
        }
    }
    run(
        &store,
        "DisconnectParticipant",
        Token::Connection,
        Request::new(&headers, &body),
        |store, owner, _| {
            store.with(|inner| {
                participant_leaves(store, inner, owner);
                if let Some(token) = client_token {
                    inner.disconnect_tokens.insert(bearer, token);
                }
            });
            Ok(json!({}))
        },
    )
}

/// A participant leaves, as DisconnectParticipant has it leave. The customer leaving a
/// DisconnectOnCustomerExit contact, or the agent leaving, leaves only the customer: the
/// disconnect flow runs if the flow set one (the customer stays connected to take part).
/// Otherwise the chat ends.
pub(crate) fn participant_leaves(store: &Arc<Store>, inner: &mut Inner, owner: &TokenOwner) {
    let role = inner
        .contacts
        .get(&owner.contact_id)
        .and_then(|c| c.participant(&owner.participant_id))
        .map(|p| p.role);
    let goes_on = match role {
        Some(Role::Customer) => flow::customer_exits(store, inner, &owner.contact_id),
        Some(Role::Agent) => {
            flow::agent_leaves(store, inner, &owner.contact_id, Some(&owner.participant_id));
            true
        }
        // A bot added with CreateParticipant leaves; the chat goes on without it.
        Some(Role::CustomBot) => {
            if let Some(contact) = inner.contacts.get_mut(&owner.contact_id) {
                chat::remove_participant(contact, &owner.participant_id);
            }
            true
        }
        _ => false,
    };
    if !goes_on {
        chat::end_contact(inner, &owner.contact_id, Some(&owner.participant_id));
    }
}

/// Views connect-local knows (DescribeView answers 404 for any other token).
const VIEWS: [(&str, &str); 1] = [("connect-local-confirm", "Confirm")];

/// `GET /participant/views/{ViewToken}` (DescribeView).
pub async fn describe_view(
    State(store): State<Arc<Store>>,
    axum::extract::Path(view_token): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    run(
        &store,
        "DescribeView",
        Token::Connection,
        Request {
            headers: &headers,
            body: b"{}",
            labels: &[("ViewToken", &view_token)],
        },
        |_, _, _| {
            let Some((id, name)) = VIEWS.iter().find(|(id, _)| *id == view_token) else {
                return Err(
                    AwsError::new("ResourceNotFoundException", "The view does not exist")
                        .with("ResourceId", json!(view_token))
                        .with("ResourceType", json!("CONTACT")),
                );
            };
            Ok(json!({"View": {
                "Id": id, "Arn": format!("arn:aws:connect:us-east-1:000000000000:instance/local/view/{id}"),
                "Name": name, "Version": 1,
                "Content": {"InputSchema": "{}", "Template": "{\"Head\":{\"Title\":\"Confirm\"}}", "Actions": ["Confirm", "Cancel"]}
            }}))
        },
    )
}

/// `POST /participant/authentication-url` (GetAuthenticationUrl): validation and a local URL.
pub async fn get_authentication_url(
    State(store): State<Arc<Store>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    run(
        &store,
        "GetAuthenticationUrl",
        Token::Connection,
        Request::new(&headers, &body),
        |store, owner, input| {
            let session_id = input.str("SessionId")?;
            let redirect = input.str("RedirectUri")?;
            // The redirect stays on the server, so the URL is short for any valid input (the
            // model allows 2083 characters).
            store.with(|inner| {
                inner.authentication_sessions.insert(
                    session_id.clone(),
                    crate::store::AuthenticationSession {
                        owner: owner.clone(),
                        redirect_uri: redirect,
                    },
                );
                authentication::event(inner, &owner.contact_id, "initiated");
            });
            let session: String = percent_encoding::utf8_percent_encode(
                &session_id,
                percent_encoding::NON_ALPHANUMERIC,
            )
            .to_string();
            Ok(json!({"AuthenticationUrl": format!(
                "{}/_local/authenticate?sessionId={session}",
                store.settings.base_url
            )}))
        },
    )
}

/// `POST /participant/cancel-authentication` (CancelParticipantAuthentication).
pub async fn cancel_participant_authentication(
    State(store): State<Arc<Store>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    run(
        &store,
        "CancelParticipantAuthentication",
        Token::Connection,
        Request::new(&headers, &body),
        |store, owner, input| {
            let session_id = input.str("SessionId")?;
            store.with(|inner| {
                if inner.authentication_sessions.remove(&session_id).is_some() {
                    authentication::event(inner, &owner.contact_id, "cancelled");
                }
            });
            Ok(json!({}))
        },
    )
}
