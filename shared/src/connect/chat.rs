//! StartChatContact.

use std::collections::HashMap;

use aws_sdk_connect::types as connect_types;

use super::errors::{map_start_chat_error, Operation};
use crate::chat::{StartChatRequest, StartChatResult};
use crate::config::StartChatConfig;
use crate::error::ApiError;

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
        .set_related_contact_id(request.related_contact_id.clone());
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
                .rehydration_type(connect_types::RehydrationType::from(
                    persistent.rehydration_type.as_str(),
                ))
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
    })
}
