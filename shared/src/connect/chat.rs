//! StartChatContact.

use std::collections::HashMap;

use aws_sdk_connect::operation::start_chat_contact::StartChatContactOutput;
use aws_sdk_connect::types as connect_types;

use super::errors::{map_start_chat_error, Operation};
use crate::chat::{ConnectionCredentials, StartChatRequest, StartChatResult, WebsocketConnection};
use crate::config::StartChatConfig;
use crate::error::ApiError;
use crate::segment::SegmentValue;

/// Calls StartChatContact on the configured instance and contact flow.
pub async fn start_chat_contact(
    client: &aws_sdk_connect::Client,
    config: &StartChatConfig,
    request: &StartChatRequest,
) -> Result<StartChatResult, ApiError> {
    let participant = connect_types::ParticipantDetails::builder()
        .display_name(&request.display_name)
        .build()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut call = client
        .start_chat_contact()
        .instance_id(&config.instance_id)
        .contact_flow_id(&config.contact_flow_id)
        .participant_details(participant)
        .chat_duration_in_minutes(request.chat_duration_minutes as i32)
        .client_token(&request.client_token)
        .set_supported_messaging_content_types(request.supported_messaging_content_types.clone())
        .set_related_contact_id(request.related_contact_id.clone())
        .set_customer_id(
            request
                .customer_id
                .as_ref()
                .map(|id| id.expose().to_owned()),
        );
    for (key, value) in &request.segment_attributes {
        call = call.segment_attributes(key, segment_value(value));
    }
    if let Some(mode) = request.response_mode {
        call = call.participant_configuration(
            connect_types::ParticipantConfiguration::builder()
                .response_mode(connect_types::ResponseMode::from(<&str>::from(mode)))
                .build(),
        );
    }
    for connection in &request.connection_types {
        call = call.connection_types(connect_types::ConnectionType::from(<&str>::from(
            *connection,
        )));
    }
    if config.disconnect_on_customer_exit {
        call = call.disconnect_on_customer_exit(
            connect_types::DisconnectOnCustomerExitParticipantType::Agent,
        );
    }
    if !request.attributes.is_empty() {
        call = call.set_attributes(Some(
            request
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<HashMap<_, _>>(),
        ));
    }
    if let Some(message) = &request.initial_message {
        call = call.initial_message(
            connect_types::ChatMessage::builder()
                .content_type(&message.content_type)
                .content(&message.content)
                .build()
                .map_err(|e| ApiError::Internal(e.to_string()))?,
        );
    }
    if let Some(persistent) = &request.persistent_chat {
        call = call.persistent_chat(
            connect_types::PersistentChat::builder()
                .rehydration_type(connect_types::RehydrationType::from(<&str>::from(
                    persistent.rehydration_type,
                )))
                .source_contact_id(&persistent.source_contact_id)
                .build(),
        );
    }

    // An unknown resource is the referenced earlier contact when the request names one, and the
    // deployment's instance or flow otherwise.
    let referenced = if request.persistent_chat.is_some() {
        Some("PersistentChat.SourceContactId")
    } else if request.related_contact_id.is_some() {
        Some("RelatedContactId")
    } else {
        None
    };
    let output = call
        .send()
        .await
        .map_err(|err| map_start_chat_error(Operation::StartChatContact, err, referenced))?;
    chat_result(&output)
}

/// The widget's result from StartChatContact's answer; an answer without a field the widget
/// needs is an upstream failure.
fn chat_result(output: &StartChatContactOutput) -> Result<StartChatResult, ApiError> {
    let required = |value: Option<&str>, name: &str| {
        value
            .map(str::to_owned)
            .ok_or_else(|| ApiError::UpstreamFailure(format!("response without {name}")))
    };
    Ok(StartChatResult {
        contact_id: required(output.contact_id(), "ContactId")?,
        participant_id: required(output.participant_id(), "ParticipantId")?,
        participant_token: required(output.participant_token(), "ParticipantToken")?,
        continued_from_contact_id: output.continued_from_contact_id().map(str::to_owned),
        websocket: match output.websocket() {
            Some(w) => Some(WebsocketConnection {
                url: required(w.url(), "Websocket.Url")?,
                connection_expiry: required(w.connection_expiry(), "Websocket.ConnectionExpiry")?,
            }),
            None => None,
        },
        connection_credentials: match output.connection_credentials() {
            Some(c) => Some(ConnectionCredentials {
                connection_token: required(
                    c.connection_token(),
                    "ConnectionCredentials.ConnectionToken",
                )?,
                expiry: required(c.expiry(), "ConnectionCredentials.Expiry")?,
            }),
            None => None,
        },
    })
}

fn segment_value(value: &SegmentValue) -> connect_types::SegmentAttributeValue {
    let builder = connect_types::SegmentAttributeValue::builder();
    match value {
        SegmentValue::String(s) => builder.value_string(s),
        SegmentValue::Integer(i) => builder.value_integer(*i),
        SegmentValue::Map(map) => builder.set_value_map(Some(
            map.iter()
                .map(|(k, v)| (k.clone(), segment_value(v)))
                .collect(),
        )),
        SegmentValue::List(items) => {
            builder.set_value_list(Some(items.iter().map(segment_value).collect()))
        }
    }
    .build()
}
