//! The Amazon Connect service routes (restJson1, SigV4 with signing name `connect`):
//! `PUT /contact/chat` (StartChatContact).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Map, Value};

use crate::chat::connection;
use crate::chat::{event_item, message_item, publish};
use crate::engine as flow;
use crate::store::MAX_ATTRIBUTE_BYTES;
use crate::store::{
    iso_millis, new_id, new_token, Contact, Inner, Participant, Role, Store, TokenOwner,
};
use crate::store::{ExitDisconnects, ResponseMode, TimerType};
use crate::wire::errors::AwsError;
use crate::wire::signed::{Received, SignedCall, CONNECT};
use crate::wire::validate::{opt_str_in, Input};

/// The content types StartChatContact accepts in `SupportedMessagingContentTypes`.
const MESSAGING_CONTENT_TYPES: [&str; 5] = [
    "text/plain",
    "text/markdown",
    "application/json",
    "application/vnd.amazonaws.connect.message.interactive",
    "application/vnd.amazonaws.connect.message.interactive.response",
];

const INVALID_PARAMETER: &str = "InvalidParameterException";

const INVALID_REQUEST: &str = "InvalidRequestException";

/// `POST /contact/transfer` (TransferContact). The model's operation serves task and email
/// contacts; a chat contact is refused, as Amazon Connect refuses it (chats are transferred by
/// the agent through quick connects).
pub async fn transfer_contact(State(store): State<Arc<Store>>, received: Received) -> Response {
    let call = received.call("TransferContact");
    let result = (|| {
        let (_, contact_id) = admit_on_contact(&call, &store)?;
        if !store.with(|inner| inner.contacts.contains_key(&contact_id)) {
            return Err(AwsError::new(
                "ResourceNotFoundException",
                format!("Contact not found: {contact_id}"),
            ));
        }
        Err(AwsError::new(
            INVALID_REQUEST,
            "TransferContact supports only TASK and EMAIL contacts; a CHAT contact is transferred by its agent through a quick connect",
        ))
    })();
    crate::wire::errors::respond(result)
}

/// Seconds since the epoch of a stored timestamp, as restJson1 writes timestamps.
fn epoch(iso: &str) -> Option<f64> {
    chrono::DateTime::parse_from_rfc3339(iso)
        .ok()
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
}

/// Admits a call whose body names `InstanceId` and `ContactId` (checked, admitted and
/// validated as [`SignedCall::admit`] does), on connect-local's instance; answers the input and
/// the contact id.
fn admit_on_contact(call: &SignedCall<'_>, store: &Store) -> Result<(Input, String), AwsError> {
    let input = call.admit(store, &CONNECT, &[], None)?;
    check_instance(store, &input.str("InstanceId")?)?;
    let contact_id = input.str("ContactId")?;
    Ok((input, contact_id))
}

fn check_instance(store: &Store, instance_id: &str) -> Result<(), AwsError> {
    if instance_id == store.settings.instance_id {
        Ok(())
    } else {
        Err(AwsError::new(
            "ResourceNotFoundException",
            "Resource not found of Type: INSTANCE",
        ))
    }
}

/// `POST /contact/stop` (StopContact): the chat ends (`chat.ended`), as when the contact
/// centre stops it; an unknown or already ended contact is ContactNotFoundException.
pub async fn stop_contact(State(store): State<Arc<Store>>, received: Received) -> Response {
    let call = received.call("StopContact");
    crate::wire::errors::respond((|| {
        let (_, contact_id) = admit_on_contact(&call, &store)?;
        if store.with(|inner| crate::chat::end_contact(inner, &contact_id, None)) {
            Ok(json!({}))
        } else {
            Err(AwsError::new(
                "ContactNotFoundException",
                format!("Contact {contact_id} is not active or does not exist"),
            ))
        }
    })())
}

/// `POST /contact/create-participant` (CreateParticipant): a CUSTOM_BOT joins the chat, with a
/// participant token it opens its own connection with. The only role chats take, as in Connect.
pub async fn create_participant(State(store): State<Arc<Store>>, received: Received) -> Response {
    let call = received.call("CreateParticipant");
    crate::wire::errors::respond((|| {
        let (input, contact_id) = admit_on_contact(&call, &store)?;
        let details = input.body.get("ParticipantDetails");
        let field = |name: &str| details.and_then(|d| d.get(name)).and_then(Value::as_str);
        if field("ParticipantRole") != Some("CUSTOM_BOT") {
            return Err(AwsError::new(
                "InvalidRequestException",
                "ParticipantRole must be CUSTOM_BOT: it is the only role CreateParticipant adds to a chat",
            ));
        }
        let display_name = field("DisplayName").unwrap_or("Bot").to_owned();
        let client_token = input.opt_str("ClientToken")?.filter(|t| !t.is_empty());
        store.with(|inner| {
            if let Some(token) = &client_token {
                if let Some(earlier) = inner
                    .created_participants
                    .get(&(contact_id.clone(), token.clone()))
                {
                    return Ok(earlier.clone());
                }
            }
            let contact = active_contact(inner, &contact_id)?;
            let bot = Participant {
                participant_id: new_id(),
                role: Role::CustomBot,
                display_name,
                participant_token: new_token(),
                agent_id: None,
            };
            contact.participants.push(bot.clone());
            let joined = event_item(contact, Some(&bot), "participant.joined");
            publish(contact, joined, true);
            inner.participant_tokens.insert(
                bot.participant_token.clone(),
                TokenOwner {
                    contact_id: contact_id.clone(),
                    participant_id: bot.participant_id.clone(),
                },
            );
            let answer = json!({
                "ParticipantId": bot.participant_id,
                "ParticipantCredentials": {
                    "ParticipantToken": bot.participant_token,
                    "Expiry": iso_millis(Utc::now() + chrono::Duration::days(1)),
                },
            });
            if let Some(token) = client_token {
                inner
                    .created_participants
                    .insert((contact_id, token), answer.clone());
            }
            Ok(answer)
        })
    })())
}

/// `POST /contact/start-streaming` (StartContactStreaming): the chat's items go to the SNS
/// topic from now on (see `chat::streaming`). The same ClientToken, or the topic already
/// streaming, answers the same StreamingId; another topic while one streams is refused.
pub async fn start_contact_streaming(
    State(store): State<Arc<Store>>,
    received: Received,
) -> Response {
    let call = received.call("StartContactStreaming");
    crate::wire::errors::respond((|| {
        let (input, contact_id) = admit_on_contact(&call, &store)?;
        let endpoint_arn =
            streaming_endpoint(&input, "ChatStreamingConfiguration")?.unwrap_or_default();
        let client_token = input.opt_str("ClientToken")?;
        store.with(|inner| {
            let contact = active_contact(inner, &contact_id)?;
            if let Some(streaming) = &contact.streaming {
                let same = streaming.endpoint_arn == endpoint_arn
                    || (client_token.is_some() && streaming.client_token == client_token);
                if !same {
                    return Err(AwsError::new(
                        INVALID_REQUEST,
                        format!(
                            "Contact {contact_id} already streams to another topic; stop that streaming first"
                        ),
                    ));
                }
                return Ok(json!({"StreamingId": streaming.streaming_id}));
            }
            let streaming_id = new_id();
            contact.streaming = Some(crate::store::Streaming {
                streaming_id: streaming_id.clone(),
                endpoint_arn,
                client_token,
                notifications: Vec::new(),
                deliver: store.settings.streaming_delivery.clone(),
            });
            Ok(json!({"StreamingId": streaming_id}))
        })
    })())
}

/// `POST /contact/stop-streaming` (StopContactStreaming).
pub async fn stop_contact_streaming(
    State(store): State<Arc<Store>>,
    received: Received,
) -> Response {
    let call = received.call("StopContactStreaming");
    crate::wire::errors::respond((|| {
        let (input, contact_id) = admit_on_contact(&call, &store)?;
        let streaming_id = input.str("StreamingId")?;
        store.with(|inner| {
            let contact = active_contact(inner, &contact_id)?;
            match &contact.streaming {
                Some(s) if s.streaming_id == streaming_id => {
                    contact.streaming = None;
                    Ok(json!({}))
                }
                _ => Err(AwsError::new(
                    "ResourceNotFoundException",
                    format!("Streaming {streaming_id} not found on contact {contact_id}"),
                )),
            }
        })
    })())
}

/// `PUT /contact/participant-role-config/{InstanceId}/{ContactId}` (UpdateParticipantRoleConfig):
/// sets or unsets the chat's timers for the customer and the agent (see `chat::timers`). A
/// minute lasts `--timer-minute-ms` here. The same role and timer twice is refused, as the
/// model's documentation says.
pub async fn update_participant_role_config(
    State(store): State<Arc<Store>>,
    axum::extract::Path((instance_id, contact_id)): axum::extract::Path<(String, String)>,
    received: Received,
) -> Response {
    let call = received.call("UpdateParticipantRoleConfig");
    crate::wire::errors::respond((|| {
        let input = call.admit(
            &store,
            &CONNECT,
            &[("InstanceId", &instance_id), ("ContactId", &contact_id)],
            Some(&Default::default()),
        )?;
        check_instance(&store, &instance_id)?;
        let timers = participant_timers(&input, store.settings.timer_minute)?;
        store.with(|inner| {
            let contact = active_contact(inner, &contact_id)?;
            for (role, timer, value) in timers {
                if let Some(state) = contact.timers.of(role) {
                    state.config.set(timer, value);
                }
            }
            Ok::<_, AwsError>(())
        })?;
        crate::chat::timers::watch(&store, &contact_id);
        Ok(json!({}))
    })())
}

/// `ChannelConfiguration.Chat.ParticipantTimerConfigList` as (role, timer, duration or unset);
/// the model has checked the shapes, enums and ranges already.
fn participant_timers(
    input: &Input,
    minute: std::time::Duration,
) -> Result<Vec<(Role, TimerType, Option<std::time::Duration>)>, AwsError> {
    let list = input
        .opt_object("ChannelConfiguration")?
        .and_then(|c| c.get("Chat"))
        .and_then(|c| c.get("ParticipantTimerConfigList"))
        .and_then(Value::as_array)
        .ok_or_else(|| {
            input.invalid(
                "ChannelConfiguration.Chat.ParticipantTimerConfigList",
                "Member must not be null",
            )
        })?;
    let mut timers = Vec::with_capacity(list.len());
    for entry in list {
        let (role_name, timer_name) = (
            entry["ParticipantRole"].as_str().unwrap_or_default(),
            entry["TimerType"].as_str().unwrap_or_default(),
        );
        let role = serde_json::from_value::<Role>(json!(role_name)).ok();
        let timer = timer_name.parse::<TimerType>().ok();
        let (Some(role), Some(timer)) = (role, timer) else {
            return Err(input.invalid(
                "ChannelConfiguration.Chat.ParticipantTimerConfigList",
                "Member must name a ParticipantRole and a TimerType",
            ));
        };
        let value = &entry["TimerValue"];
        let duration = value["ParticipantTimerDurationInMinutes"]
            .as_u64()
            .and_then(|minutes| u32::try_from(minutes).ok())
            .map(|minutes| minute * minutes);
        if timers.iter().any(|(r, t, _)| *r == role && *t == timer) {
            return Err(AwsError::new(
                INVALID_REQUEST,
                format!("ParticipantTimerConfigList sets the {timer_name} timer of {role_name} more than once"),
            ));
        }
        timers.push((role, timer, duration));
    }
    Ok(timers)
}

/// The contact, if it exists and has not ended.
fn active_contact<'a>(inner: &'a mut Inner, contact_id: &str) -> Result<&'a mut Contact, AwsError> {
    inner
        .contacts
        .get_mut(contact_id)
        .filter(|c| !c.ended)
        .ok_or_else(|| {
            AwsError::new(
                "ResourceNotFoundException",
                format!("Contact not found or not active: {contact_id}"),
            )
        })
}

/// `GET /contacts/{InstanceId}/{ContactId}` (DescribeContact).
pub async fn describe_contact(
    State(store): State<Arc<Store>>,
    axum::extract::Path((instance_id, contact_id)): axum::extract::Path<(String, String)>,
    received: Received,
) -> Response {
    let call = received.call("DescribeContact");
    crate::wire::errors::respond((|| {
        call.admit(
            &store,
            &CONNECT,
            &[("InstanceId", &instance_id), ("ContactId", &contact_id)],
            Some(&Default::default()),
        )?;
        check_instance(&store, &instance_id)?;
        store.with(|inner| {
            let contact = inner.contacts.get(&contact_id).ok_or_else(|| {
                AwsError::new(
                    "ResourceNotFoundException",
                    format!("Contact not found: {contact_id}"),
                )
            })?;
            let mut out = json!({
                "Arn": format!("arn:aws:connect:{}:{}:instance/{instance_id}/contact/{contact_id}", store.settings.region, crate::LOCAL_ACCOUNT_ID),
                "Id": contact.contact_id,
                "InitialContactId": contact.initial_contact_id,
                "Channel": "CHAT",
                "InitiationMethod": "API",
                "Attributes": contact.attributes,
                "SegmentAttributes": contact.segment_attributes,
            });
            if let Some(at) = epoch(&contact.started_at) {
                out["InitiationTimestamp"] = json!(at);
            }
            if let Some(at) = contact.ended_at.as_deref().and_then(epoch) {
                out["DisconnectTimestamp"] = json!(at);
            }
            if let Some(previous) = &contact.continued_from_contact_id {
                out["PreviousContactId"] = json!(previous);
            }
            if let Some(related) = &contact.related_contact_id {
                out["RelatedContactId"] = json!(related);
            }
            if let Some(customer_id) = &contact.customer_id {
                out["CustomerId"] = json!(customer_id);
            }
            if let Some(queue) = &contact.flow.queue_id {
                out["QueueInfo"] = json!({"Id": queue});
            }
            if let Some(agent) = contact.agent().and_then(|a| a.agent_id.clone()) {
                out["AgentInfo"] = json!({"Id": agent});
            }
            Ok(json!({"Contact": out}))
        })
    })())
}

/// `GET /contact/attributes/{InstanceId}/{InitialContactId}` (GetContactAttributes).
pub async fn get_contact_attributes(
    State(store): State<Arc<Store>>,
    axum::extract::Path((instance_id, initial_id)): axum::extract::Path<(String, String)>,
    received: Received,
) -> Response {
    let call = received.call("GetContactAttributes");
    crate::wire::errors::respond((|| {
        call.admit(
            &store,
            &CONNECT,
            &[
                ("InstanceId", &instance_id),
                ("InitialContactId", &initial_id),
            ],
            Some(&Default::default()),
        )?;
        check_instance(&store, &instance_id)?;
        store.with(|inner| match inner.contacts.get(&initial_id) {
            Some(contact) => Ok(json!({"Attributes": contact.attributes})),
            None => Err(AwsError::new(
                "ResourceNotFoundException",
                format!("Contact not found: {initial_id}"),
            )),
        })
    })())
}

/// `POST /contact/attributes` (UpdateContactAttributes): merges the attributes into the contact
/// (and every contact that continues it), where a running flow reads them as `$.Attributes`.
pub async fn update_contact_attributes(
    State(store): State<Arc<Store>>,
    received: Received,
) -> Response {
    let call = received.call("UpdateContactAttributes");
    crate::wire::errors::respond((|| {
        let input = call.admit(&store, &CONNECT, &[], None)?;
        check_instance(&store, &input.str("InstanceId")?)?;
        let initial_id = input.str("InitialContactId")?;
        let updates = attributes(&input)?;
        store.with(|inner| {
            let ids: Vec<String> = inner
                .contacts
                .values()
                .filter(|c| c.contact_id == initial_id || c.initial_contact_id == initial_id)
                .map(|c| c.contact_id.clone())
                .collect();
            if ids.is_empty() {
                return Err(AwsError::new(
                    "ResourceNotFoundException",
                    format!("Contact not found: {initial_id}"),
                ));
            }
            for id in &ids {
                let contact = &inner.contacts[id];
                let mut merged = contact.attributes.clone();
                merged.extend(updates.clone());
                let size: usize = merged.iter().map(|(k, v)| k.len() + v.len()).sum();
                if size > MAX_ATTRIBUTE_BYTES {
                    return Err(AwsError::new(
                        INVALID_REQUEST,
                        "Contact attributes exceed 32768 UTF-8 bytes across all key-value pairs",
                    ));
                }
            }
            for id in ids {
                if let Some(contact) = inner.contacts.get_mut(&id) {
                    contact.attributes.extend(updates.clone());
                }
            }
            Ok(json!({}))
        })
    })())
}

/// `PUT /contact/chat`.
pub async fn start_chat_contact(State(store): State<Arc<Store>>, received: Received) -> Response {
    match start_chat_contact_inner(&store, &received.call("StartChatContact")) {
        Ok((value, created)) => {
            if let Some((contact_id, flow_id)) = created {
                flow::start_when_connected(&store, &contact_id, &flow_id);
                crate::chat::timers::watch(&store, &contact_id);
            }
            Json(value).into_response()
        }
        Err(err) => err.into_response(),
    }
}

fn start_chat_contact_inner(
    store: &Store,
    call: &SignedCall<'_>,
) -> Result<(Value, Option<(String, String)>), AwsError> {
    let input = call.admit(store, &CONNECT, &[], None)?;

    let instance_id = input.str("InstanceId")?;
    let contact_flow_id = input.str("ContactFlowId")?;
    let participant = input
        .opt_object("ParticipantDetails")?
        .ok_or_else(|| input.invalid("ParticipantDetails", "Member must not be null"))?;
    let display_name = opt_str_in(
        participant,
        "DisplayName",
        "ParticipantDetails.DisplayName",
        INVALID_PARAMETER,
    )?
    .ok_or_else(|| input.invalid("ParticipantDetails.DisplayName", "Member must not be null"))?;
    // An empty ClientToken is no token: it must not make unrelated calls share one contact.
    let client_token = input.opt_str("ClientToken")?.filter(|t| !t.is_empty());
    let duration = input.opt_int("ChatDurationInMinutes")?;
    let related_contact_id = input.opt_str("RelatedContactId")?;
    let attributes = attributes(&input)?;
    let initial_message = initial_message(&input)?;
    let customer_id = input.opt_str("CustomerId")?;
    let response_mode = input
        .opt_object("ParticipantConfiguration")?
        .and_then(|c| c.get("ResponseMode"))
        .and_then(Value::as_str)
        .and_then(|mode| mode.parse::<ResponseMode>().ok());
    // The model has already checked the values against its enum.
    let disconnect_on_customer_exit: Vec<ExitDisconnects> = input
        .opt_str_list("DisconnectOnCustomerExit")?
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.parse().ok())
        .collect();
    let connection_types = input.opt_str_list("ConnectionTypes")?.unwrap_or_default();
    let streaming_endpoint_arn = streaming_endpoint(&input, "ChatStreamingConfiguration")?;
    let supported = supported_types(&input)?;
    let persistent = match input.opt_object("PersistentChat")? {
        None => None,
        Some(p) => {
            let rehydration = opt_str_in(
                p,
                "RehydrationType",
                "PersistentChat.RehydrationType",
                INVALID_PARAMETER,
            )?;
            let source = opt_str_in(
                p,
                "SourceContactId",
                "PersistentChat.SourceContactId",
                INVALID_PARAMETER,
            )?;
            match (rehydration.as_deref(), source) {
                (Some("ENTIRE_PAST_SESSION" | "FROM_SEGMENT"), Some(source)) => Some(source),
                (Some("ENTIRE_PAST_SESSION" | "FROM_SEGMENT"), None) => {
                    return Err(AwsError::new(INVALID_REQUEST, "SourceContactId is required for persistent chat"))
                }
                (Some(other), _) => {
                    return Err(input.invalid(
                        "PersistentChat.RehydrationType",
                        &format!("Member must satisfy enum value set: [ENTIRE_PAST_SESSION, FROM_SEGMENT] (got {other})"),
                    ))
                }
                (None, _) => {
                    return Err(AwsError::new(INVALID_REQUEST, "RehydrationType is required for persistent chat"))
                }
            }
        }
    };
    if persistent.is_some() && related_contact_id.is_some() {
        return Err(AwsError::new(
            INVALID_REQUEST,
            "You cannot provide data for both RelatedContactId and PersistentChat",
        ));
    }

    let segment_attributes = segment_attributes(&input, &supported)?;

    if instance_id != store.settings.instance_id {
        return Err(AwsError::new(
            "ResourceNotFoundException",
            "Resource not found of Type: INSTANCE",
        ));
    }
    store.with(|inner| {
        let runnable = inner
            .flows
            .get(&contact_flow_id)
            .is_some_and(|f| f.kind == "CONTACT_FLOW" && f.status == "PUBLISHED");
        if !runnable {
            return Err(AwsError::new(
                "ResourceNotFoundException",
                "Resource not found of Type: CONTACT_FLOW",
            ));
        }
        // An SDK fills ClientToken itself when the caller leaves it out.
        let token = client_token.unwrap_or_else(new_id);
        let key = format!("{instance_id}/{token}");
        if let Some(existing) = inner.chat_client_tokens.get(&key).cloned() {
            if let Some(output) = replay_output(store, inner, &existing, &connection_types) {
                return Ok((output, None));
            }
        }
        let (initial_contact_id, continued_from) = match &persistent {
            None => (None, None),
            Some(source) => {
                // The real error for an unknown contact is not documented; Connect reports
                // unknown resources as ResourceNotFoundException elsewhere, so this does too.
                let past = inner.contacts.get(source).ok_or_else(|| {
                    AwsError::new(
                        "ResourceNotFoundException",
                        format!("SourceContactId {source} does not exist"),
                    )
                })?;
                (
                    Some(past.initial_contact_id.clone()),
                    Some(past.contact_id.clone()),
                )
            }
        };
        if let Some(related) = &related_contact_id {
            if !inner.contacts.contains_key(related) {
                return Err(AwsError::new(
                    "ResourceNotFoundException",
                    format!("RelatedContactId {related} does not exist"),
                ));
            }
        }
        let contact_id = new_id();
        let customer = Participant {
            participant_id: new_id(),
            role: Role::Customer,
            display_name,
            participant_token: new_token(),
            agent_id: None,
        };
        inner.participant_tokens.insert(
            customer.participant_token.clone(),
            TokenOwner {
                contact_id: contact_id.clone(),
                participant_id: customer.participant_id.clone(),
            },
        );
        let base = chat_contact(store, &contact_id, instance_id, &contact_flow_id, &customer);
        let mut contact = Contact {
            initial_contact_id: initial_contact_id.unwrap_or_else(|| contact_id.clone()),
            attributes,
            chat_duration_in_minutes: duration.unwrap_or(base.chat_duration_in_minutes),
            supported_messaging_content_types: supported,
            initial_message,
            related_contact_id,
            continued_from_contact_id: continued_from,
            client_token: token,
            segment_attributes,
            customer_id,
            response_mode,
            disconnect_on_customer_exit,
            streaming: streaming_endpoint_arn.map(|arn| streaming_to(store, arn)),
            connection_types: connection_types.clone(),
            ..base
        };
        let joined = event_item(&contact, Some(&customer), "participant.joined");
        publish(&mut contact, joined, true);
        if contact.continued_from_contact_id.is_some() {
            let rehydrated = event_item(&contact, None, "chat.rehydrated");
            publish(&mut contact, rehydrated, true);
        }
        if let Some(message) = &contact.initial_message {
            let content_type = message["ContentType"].as_str().unwrap_or_default();
            let content = message["Content"].as_str().unwrap_or_default();
            let item = message_item(&contact, &customer, content_type, content);
            publish(&mut contact, item, true);
        }
        let owner = TokenOwner {
            contact_id: contact_id.clone(),
            participant_id: customer.participant_id.clone(),
        };
        let mut output = start_chat_output(&contact);
        connection::grant(store, inner, &owner, &connection_types, &mut output);
        inner.chat_client_tokens.insert(key, contact_id.clone());
        inner.contacts.insert(contact_id.clone(), contact);
        Ok((output, Some((contact_id, contact_flow_id))))
    })
}

/// `SupportedMessagingContentTypes`: text/plain when not given; it must include text/plain and
/// name only types a chat takes.
fn supported_types(input: &Input) -> Result<Vec<String>, AwsError> {
    let Some(types) = input.opt_str_list("SupportedMessagingContentTypes")? else {
        return Ok(vec!["text/plain".to_owned()]);
    };
    if let Some(bad) = types
        .iter()
        .find(|t| !MESSAGING_CONTENT_TYPES.contains(&t.as_str()))
    {
        return Err(AwsError::new(
            INVALID_REQUEST,
            format!("Unsupported messaging content type: {bad}"),
        ));
    }
    if !types.iter().any(|t| t == "text/plain") {
        return Err(AwsError::new(
            INVALID_REQUEST,
            "SupportedMessagingContentTypes must include text/plain",
        ));
    }
    Ok(types)
}

/// `POST /chat-integration-event` (SendChatIntegrationEvent): an event from a messaging
/// integration (SMS through AWS End User Messaging, WhatsApp) for the chat its SourceId,
/// DestinationId and Subtype name. Without an active chat for them a new one starts in the
/// instance's default inbound flow (connect-local has no phone numbers to associate flows with),
/// with NewSessionDetails applied. The customer's MESSAGE and EVENT then go in as the customer's
/// SendMessage and SendEvent would; DISCONNECT has the customer leave. Replies reach the
/// integration through the chat's streaming (NewSessionDetails.StreamingConfiguration).
pub async fn send_chat_integration_event(
    State(store): State<Arc<Store>>,
    received: Received,
) -> Response {
    let call = received.call("SendChatIntegrationEvent");
    crate::wire::errors::respond((|| {
        let input = call.admit(&store, &CONNECT, &[], None)?;
        let key = format!(
            "{}/{}/{}",
            input.str("SourceId")?,
            input.str("DestinationId")?,
            input.opt_str("Subtype")?.unwrap_or_default()
        );
        let action = IntegrationAction::parse(
            &input.nested(input.opt_object("Event")?.cloned().unwrap_or_default()),
        )?;
        let active = |inner: &Inner| {
            inner
                .integration_chats
                .get(&key)
                .filter(|id| inner.contacts.get(*id).is_some_and(|c| !c.ended))
                .cloned()
        };
        let (contact_id, created) = match store.with(|inner| active(inner)) {
            Some(contact_id) => (contact_id, false),
            None if matches!(action, IntegrationAction::Disconnect) => {
                return Ok(json!({"NewChatCreated": false}));
            }
            None => {
                let contact = integration_chat(&store, &input)?;
                // Another event for the same chat may have started it meanwhile.
                store.with(|inner| match active(inner) {
                    Some(contact_id) => (contact_id, false),
                    None => {
                        let contact_id = contact.contact_id.clone();
                        let customer = &contact.participants[0];
                        inner.participant_tokens.insert(
                            customer.participant_token.clone(),
                            TokenOwner {
                                contact_id: contact_id.clone(),
                                participant_id: customer.participant_id.clone(),
                            },
                        );
                        inner.contacts.insert(contact_id.clone(), contact);
                        inner
                            .integration_chats
                            .insert(key.clone(), contact_id.clone());
                        (contact_id, true)
                    }
                })
            }
        };
        let (owner, initial_contact_id) = chat_customer(&store, &contact_id)?;
        action.apply(&store, &owner)?;
        if created {
            let flow_id = store.settings.contact_flow_id.clone();
            store.with(|inner| {
                flow::start(&store, inner, &contact_id, &flow_id, flow::RunKind::Inbound)
            });
            crate::chat::timers::watch(&store, &contact_id);
        }
        Ok(json!({"InitialContactId": initial_contact_id, "NewChatCreated": created}))
    })())
}

/// What a chat integration event does in its chat.
enum IntegrationAction {
    Message(String, String),
    Event(String, Option<String>),
    Disconnect,
}

impl IntegrationAction {
    /// The `Event` member, with the members its Type needs (the model's documentation).
    fn parse(event: &Input) -> Result<Self, AwsError> {
        let kind = event.str("Type")?;
        let required = |member: &str| {
            AwsError::new(
                INVALID_REQUEST,
                format!("Event.{member} is required when Event.Type is {kind}"),
            )
        };
        match (
            kind.as_str(),
            event.opt_str("ContentType")?,
            event.opt_str("Content")?,
        ) {
            ("MESSAGE", Some(content_type), Some(content)) => {
                Ok(Self::Message(content_type, content))
            }
            ("MESSAGE", None, _) => Err(required("ContentType")),
            ("MESSAGE", _, None) => Err(required("Content")),
            ("EVENT", Some(content_type), content) => Ok(Self::Event(content_type, content)),
            ("EVENT", None, _) => Err(required("ContentType")),
            _ => Ok(Self::Disconnect),
        }
    }

    /// Acts as the chat's customer. The Participant Service's refusals (a content type the
    /// chat does not take, a receipt for an unknown message) are this operation's
    /// InvalidRequestException.
    fn apply(self, store: &Arc<Store>, customer: &TokenOwner) -> Result<(), AwsError> {
        use crate::api::participant::{participant_leaves, post_event, post_message};
        let as_invalid_request = |err: AwsError| AwsError::new(INVALID_REQUEST, err.message);
        match self {
            Self::Message(content_type, content) => {
                post_message(store, customer, &content_type, &content, None)
                    .map_err(as_invalid_request)?;
            }
            Self::Event(content_type, content) => {
                post_event(store, customer, &content_type, content.as_deref(), None)
                    .map_err(as_invalid_request)?;
            }
            Self::Disconnect => store.with(|inner| participant_leaves(store, inner, customer)),
        }
        Ok(())
    }
}

/// A chat's customer, as the owner of its participant token, and the chat's initial contact id.
fn chat_customer(store: &Store, contact_id: &str) -> Result<(TokenOwner, String), AwsError> {
    store
        .with(|inner| {
            let contact = inner.contacts.get(contact_id)?;
            let customer = contact
                .participants
                .iter()
                .find(|p| p.role == Role::Customer)?;
            Some((
                TokenOwner {
                    contact_id: contact_id.to_owned(),
                    participant_id: customer.participant_id.clone(),
                },
                contact.initial_contact_id.clone(),
            ))
        })
        .ok_or_else(|| {
            AwsError::new(
                "ResourceNotFoundException",
                format!("Contact {contact_id} has no customer to act for"),
            )
        })
}

/// The chat a chat integration event starts, not yet stored: its customer, NewSessionDetails's
/// display name (or "Customer"), attributes, content types and streaming, and the Subtype as
/// the `connect:Subtype` segment attribute.
fn integration_chat(store: &Store, input: &Input) -> Result<Contact, AwsError> {
    let session = input.nested(
        input
            .opt_object("NewSessionDetails")?
            .cloned()
            .unwrap_or_default(),
    );
    let display_name = session
        .opt_object("ParticipantDetails")?
        .and_then(|p| p.get("DisplayName"))
        .and_then(Value::as_str)
        .unwrap_or("Customer")
        .to_owned();
    let attributes = attributes(&session)?;
    let supported = supported_types(&session)?;
    let streaming = streaming_endpoint(&session, "StreamingConfiguration")?;
    let mut segment_attributes = Map::new();
    if let Some(subtype) = input.opt_str("Subtype")? {
        segment_attributes.insert("connect:Subtype".into(), json!({"ValueString": subtype}));
    }
    let contact_id = new_id();
    let customer = Participant {
        participant_id: new_id(),
        role: Role::Customer,
        display_name,
        participant_token: new_token(),
        agent_id: None,
    };
    let base = chat_contact(
        store,
        &contact_id,
        store.settings.instance_id.clone(),
        &store.settings.contact_flow_id,
        &customer,
    );
    let mut contact = Contact {
        attributes,
        supported_messaging_content_types: supported,
        segment_attributes,
        streaming: streaming.map(|arn| streaming_to(store, arn)),
        ..base
    };
    let joined = event_item(&contact, Some(&customer), "participant.joined");
    publish(&mut contact, joined, true);
    Ok(contact)
}

/// A new chat contact with only its customer, as a chat starts before its options apply:
/// text/plain only, the longest chat duration Connect allows, no attributes.
fn chat_contact(
    store: &Store,
    contact_id: &str,
    instance_id: String,
    contact_flow_id: &str,
    customer: &Participant,
) -> Contact {
    Contact {
        initial_contact_id: contact_id.to_owned(),
        contact_id: contact_id.to_owned(),
        instance_id,
        contact_flow_id: contact_flow_id.to_owned(),
        started_at: iso_millis(Utc::now()),
        ended: false,
        ended_at: None,
        attributes: BTreeMap::new(),
        chat_duration_in_minutes: 25 * 60,
        supported_messaging_content_types: vec!["text/plain".to_owned()],
        initial_message: None,
        related_contact_id: None,
        continued_from_contact_id: None,
        client_token: new_id(),
        segment_attributes: serde_json::Map::new(),
        customer_id: None,
        response_mode: None,
        disconnect_on_customer_exit: Vec::new(),
        streaming: None,
        connection_types: Vec::new(),
        flow: Default::default(),
        timers: crate::store::ChatTimers::new(store.settings.default_timers),
        participants: vec![customer.clone()],
        attachment_ids: Vec::new(),
        transcript: Vec::new(),
        subscribers: Vec::new(),
        message_tokens: Default::default(),
        event_tokens: Default::default(),
    }
}

/// Streaming to an SNS topic from the start of a chat.
fn streaming_to(store: &Store, endpoint_arn: String) -> crate::store::Streaming {
    crate::store::Streaming {
        streaming_id: new_id(),
        endpoint_arn,
        client_token: None,
        notifications: Vec::new(),
        deliver: store.settings.streaming_delivery.clone(),
    }
}

fn start_chat_output(contact: &Contact) -> Value {
    let customer = &contact.participants[0];
    let mut out = json!({
        "ContactId": contact.contact_id,
        "ParticipantId": customer.participant_id,
        "ParticipantToken": customer.participant_token,
    });
    if let Some(from) = &contact.continued_from_contact_id {
        out["ContinuedFromContactId"] = json!(from);
    }
    if let Some(streaming) = &contact.streaming {
        out["StreamingId"] = json!(streaming.streaming_id);
    }
    out
}

/// The answer to a retried StartChatContact: the same contact and customer, with connection
/// information again where it was asked for (the model's documentation: a retry repeats the
/// original contact and may omit the websocket once the chat has ended). `None` when the
/// contact is gone.
fn replay_output(
    store: &Store,
    inner: &mut Inner,
    contact_id: &str,
    connection_types: &[String],
) -> Option<Value> {
    let contact = inner.contacts.get(contact_id)?;
    let mut output = start_chat_output(contact);
    if contact.ended {
        return Some(output);
    }
    let owner = TokenOwner {
        contact_id: contact_id.to_owned(),
        participant_id: contact.participants[0].participant_id.clone(),
    };
    connection::grant(store, inner, &owner, connection_types, &mut output);
    Some(output)
}

/// `ChatStreamingConfiguration.StreamingEndpointArn`, which must name an SNS topic.
fn streaming_endpoint(input: &Input, member: &str) -> Result<Option<String>, AwsError> {
    let Some(config) = input.opt_object(member)? else {
        return Ok(None);
    };
    let arn = config
        .get("StreamingEndpointArn")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let sns_topic = parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "sns"
        && parts[3..].iter().all(|p| !p.is_empty());
    if !sns_topic {
        return Err(AwsError::new(
            INVALID_REQUEST,
            format!("{member}.StreamingEndpointArn must be the ARN of an Amazon SNS topic"),
        ));
    }
    Ok(Some(arn.to_owned()))
}

/// The content types `connect:Subtype` = `connect:Guide` requires.
const GUIDE_CONTENT_TYPES: [&str; 2] = [
    "application/vnd.amazonaws.connect.message.interactive",
    "application/vnd.amazonaws.connect.message.interactive.response",
];

/// `SegmentAttributes`: keys of alphanumerics, `-` and `_` (system keys carry the `connect:`
/// prefix), one value member per value, `ValueList` and `ValueArn` only on system keys, and
/// the Guide subtype only with both interactive content types.
fn segment_attributes(input: &Input, supported: &[String]) -> Result<Map<String, Value>, AwsError> {
    let Some(map) = input.opt_object("SegmentAttributes")? else {
        return Ok(Map::new());
    };
    for (key, value) in map {
        let system = key.starts_with("connect:");
        let name = key.strip_prefix("connect:").unwrap_or(key);
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(AwsError::new(
                INVALID_REQUEST,
                format!("SegmentAttributes key {key:?} may include only alphanumeric, - and _ characters"),
            ));
        }
        check_segment_value(key, value, system)?;
    }
    let guide = map
        .get("connect:Subtype")
        .and_then(|v| v.get("ValueString"))
        .is_some_and(|v| v == "connect:Guide");
    if guide
        && !GUIDE_CONTENT_TYPES
            .iter()
            .all(|t| supported.iter().any(|s| s == t))
    {
        return Err(AwsError::new(
            INVALID_REQUEST,
            "SegmentAttributes connect:Subtype connect:Guide requires SupportedMessagingContentTypes to include application/vnd.amazonaws.connect.message.interactive and application/vnd.amazonaws.connect.message.interactive.response",
        ));
    }
    Ok(map.clone())
}

fn check_segment_value(key: &str, value: &Value, system: bool) -> Result<(), AwsError> {
    let Some(members) = value.as_object() else {
        return Ok(());
    };
    let set: Vec<&String> = members
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, _)| k)
        .collect();
    if set.len() != 1 {
        return Err(AwsError::new(
            INVALID_REQUEST,
            format!("SegmentAttributes value of {key:?} must set exactly one of ValueString, ValueInteger, ValueMap, ValueList, ValueArn"),
        ));
    }
    match set[0].as_str() {
        "ValueList" | "ValueArn" if !system => Err(AwsError::new(
            INVALID_REQUEST,
            format!("SegmentAttributes {key:?}: ValueList and ValueArn are only supported for system-defined attributes"),
        )),
        "ValueArn" => {
            let arn = members["ValueArn"].as_str().unwrap_or_default();
            if arn.splitn(6, ':').count() == 6 && arn.starts_with("arn:") {
                Ok(())
            } else {
                Err(AwsError::new(
                    INVALID_REQUEST,
                    format!("SegmentAttributes {key:?}: ValueArn must be a valid ARN"),
                ))
            }
        }
        "ValueMap" => members["ValueMap"]
            .as_object()
            .into_iter()
            .flatten()
            .try_for_each(|(inner, v)| check_segment_value(&format!("{key}.{inner}"), v, system)),
        "ValueList" => members["ValueList"]
            .as_array()
            .into_iter()
            .flatten()
            .try_for_each(|v| check_segment_value(key, v, system)),
        _ => Ok(()),
    }
}

fn attributes(input: &Input) -> Result<BTreeMap<String, String>, AwsError> {
    let Some(map) = input.opt_object("Attributes")? else {
        return Ok(BTreeMap::new());
    };
    let mut total = 0;
    let mut out = BTreeMap::new();
    for (key, value) in map {
        let Value::String(value) = value else {
            return Err(input.invalid("Attributes", "Map values must be strings"));
        };
        if key.is_empty() || key.chars().count() > 32767 || value.chars().count() > 32767 {
            return Err(input.invalid(
                "Attributes",
                "Map keys must have length between 1 and 32767, values between 0 and 32767",
            ));
        }
        if !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(AwsError::new(
                INVALID_REQUEST,
                "Attribute keys can include only alphanumeric, dash, and underscore characters",
            ));
        }
        total += key.len() + value.len();
        out.insert(key.clone(), value.clone());
    }
    if total > MAX_ATTRIBUTE_BYTES {
        return Err(AwsError::new(
            INVALID_REQUEST,
            "Contact attributes exceed 32768 UTF-8 bytes across all key-value pairs",
        ));
    }
    Ok(out)
}

fn initial_message(input: &Input) -> Result<Option<Value>, AwsError> {
    let Some(message) = input.opt_object("InitialMessage")? else {
        return Ok(None);
    };
    let content_type = opt_str_in(
        message,
        "ContentType",
        "InitialMessage.ContentType",
        INVALID_PARAMETER,
    )?
    .ok_or_else(|| input.invalid("InitialMessage.ContentType", "Member must not be null"))?;
    let content = opt_str_in(
        message,
        "Content",
        "InitialMessage.Content",
        INVALID_PARAMETER,
    )?
    .ok_or_else(|| input.invalid("InitialMessage.Content", "Member must not be null"))?;
    Ok(Some(
        json!({"ContentType": content_type, "Content": content}),
    ))
}
