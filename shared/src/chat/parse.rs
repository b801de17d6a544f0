//! The rules each start-chat field must satisfy, each naming its field when it fails.

use std::collections::BTreeMap;

use serde_json::Value;
use strum::VariantNames;

use super::{
    bound_client_token, client_token, ConnectionType, InitialMessage, PersistentChat,
    RehydrationType, ResponseMode, StartChatRequest,
};
use crate::auth::Identity;
use crate::config::StartChatConfig;
use crate::error::ApiError;
use crate::fields::{check_len, check_no_control, check_visible, wire_enum, Fields};
use crate::limits::{
    CHAT_DURATION_RANGE, INITIAL_MESSAGE_CONTENT_TYPES, INTERACTIVE_CONTENT_TYPES,
    MAX_ATTRIBUTES_BYTES, MAX_ATTRIBUTE_KEY_BYTES, MAX_MESSAGE_CHARS,
    SUPPORTED_MESSAGING_CONTENT_TYPES,
};
use crate::segment::{self, SegmentValue};

impl StartChatRequest {
    /// Validates a parsed JSON body and the `Idempotency-Key` header against the deployment's
    /// configuration. With authentication on, `identity` is the verified token: its attributes
    /// win over the body's, and the persistent-chat source and related contact come only from it.
    pub fn parse(
        body: &serde_json::Map<String, Value>,
        idempotency_key: Option<&str>,
        config: &StartChatConfig,
        identity: Option<&Identity>,
    ) -> Result<Self, ApiError> {
        let fields = Fields::root(body);
        check_deployment_ids(&fields, config)?;
        let display_name = parse_display_name(&fields)?;
        let supported_messaging_content_types = parse_supported_types(&fields)?;
        let persistent_chat = parse_persistent_chat(&fields, identity)?;
        let related_contact_id =
            parse_related_contact(&fields, identity, persistent_chat.is_some())?;
        let chat_duration_minutes = parse_chat_duration(&fields, config)?;
        // CustomerId links the contact to a customer profile: a browser could claim anyone's,
        // so it comes only from a verified token.
        if fields.value("CustomerId").is_some() {
            return Err(ApiError::field(
                "CustomerId",
                "is taken only from the authentication token's customerId claim; remove it from the body",
            ));
        }

        let key = client_token(idempotency_key, fields.opt_str("ClientToken")?)?;
        let mut request = Self {
            display_name: display_name.to_owned(),
            attributes: parse_attributes(&fields, config, identity)?,
            segment_attributes: parse_segment_attributes(
                &fields,
                config,
                supported_messaging_content_types.as_deref(),
            )?,
            customer_id: identity.and_then(|i| i.customer_id.clone()),
            response_mode: parse_response_mode(&fields)?,
            connection_types: parse_connection_types(&fields)?,
            initial_message: parse_initial_message(&fields)?,
            supported_messaging_content_types,
            chat_duration_minutes,
            persistent_chat,
            related_contact_id,
            client_token: String::new(),
        };
        request.client_token = match key {
            Some(key) => bound_client_token(&key, identity, &request),
            None => uuid::Uuid::new_v4().to_string(),
        };
        Ok(request)
    }
}

/// Instance and flow are the deployment's, never the caller's. Widgets send them
/// (chat-interface always does); they are checked for shape and otherwise ignored, with a
/// warning when they differ, which points at a widget configured for another instance.
fn check_deployment_ids(fields: &Fields<'_>, config: &StartChatConfig) -> Result<(), ApiError> {
    for (name, configured) in [
        ("InstanceId", &config.instance_id),
        ("ContactFlowId", &config.contact_flow_id),
    ] {
        if let Some(given) = fields.opt_str(name)? {
            check_len(name, given, 1, 500)?;
            if given != configured.as_str() {
                tracing::warn!(
                    field = name,
                    "the widget sent a different {name} than the deployment's; it is ignored"
                );
            }
        }
    }
    Ok(())
}

/// `ParticipantDetails.DisplayName`, trimmed.
fn parse_display_name<'a>(fields: &Fields<'a>) -> Result<&'a str, ApiError> {
    let participant = fields.object("ParticipantDetails")?;
    let display_name = participant.str("DisplayName")?.trim();
    let field = "ParticipantDetails.DisplayName";
    check_len(field, display_name, 1, 256)?;
    check_no_control(field, display_name)?;
    check_visible(field, display_name)?;
    Ok(display_name)
}

/// `RelatedContactId`: the token's when authentication is on, else the body's; either way not
/// together with a persistent chat.
fn parse_related_contact(
    fields: &Fields<'_>,
    identity: Option<&Identity>,
    persistent: bool,
) -> Result<Option<String>, ApiError> {
    match fields.opt_str("RelatedContactId")? {
        None => match identity.and_then(|i| i.related_contact_id.as_deref()) {
            Some(_) if persistent => Err(ApiError::InvalidClaim("relatedContactId")),
            related => Ok(related.map(str::to_owned)),
        },
        Some(_) if identity.is_some() => Err(ApiError::field(
            "RelatedContactId",
            "is taken from the authentication token; remove it from the body",
        )),
        Some(id) => {
            check_len("RelatedContactId", id, 1, 256)?;
            check_no_control("RelatedContactId", id)?;
            if persistent {
                return Err(ApiError::field(
                    "RelatedContactId",
                    "cannot be combined with PersistentChat",
                ));
            }
            Ok(Some(id.to_owned()))
        }
    }
}

fn parse_chat_duration(fields: &Fields<'_>, config: &StartChatConfig) -> Result<u32, ApiError> {
    const FIELD: &str = "ChatDurationInMinutes";
    match fields.opt_u64(FIELD)? {
        None => Ok(config.chat_duration_minutes),
        Some(m) => u32::try_from(m)
            .ok()
            .filter(|m| CHAT_DURATION_RANGE.contains(m))
            .ok_or_else(|| {
                ApiError::field(
                    FIELD,
                    format!(
                        "must be from {} to {} minutes",
                        CHAT_DURATION_RANGE.start(),
                        CHAT_DURATION_RANGE.end()
                    ),
                )
            }),
    }
}

fn is_attribute_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_ATTRIBUTE_KEY_BYTES
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn parse_attributes(
    fields: &Fields<'_>,
    config: &StartChatConfig,
    identity: Option<&Identity>,
) -> Result<BTreeMap<String, String>, ApiError> {
    let mut out = BTreeMap::new();
    if let Some(attributes) = fields.opt_object("Attributes")? {
        for (key, value) in attributes.entries() {
            let path = attributes.path(key);
            if !is_attribute_key(key) {
                return Err(ApiError::field(
                    path,
                    format!("attribute keys may contain only letters, digits, '_' and '-' (at most {MAX_ATTRIBUTE_KEY_BYTES})"),
                ));
            }
            if !config.allowed_attributes.allows(key) {
                return Err(ApiError::AttributeNotAllowed {
                    key: path,
                    setting: "ALLOWED_ATTRIBUTES",
                });
            }
            let Value::String(value) = value else {
                return Err(ApiError::field(path, "attribute values must be strings"));
            };
            out.insert(key.clone(), value.clone());
        }
    }
    // The token's attributes are vouched for by the customer's backend: they skip the
    // allow-list and replace body values with the same key.
    for (key, value) in identity.map(|i| &i.attributes).into_iter().flatten() {
        if !is_attribute_key(key) {
            return Err(ApiError::InvalidClaim("attributes"));
        }
        out.insert(key.clone(), value.clone());
    }
    let total_bytes: usize = out.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total_bytes > MAX_ATTRIBUTES_BYTES {
        return Err(ApiError::field(
            "Attributes",
            format!(
                "keys and values together must be at most {MAX_ATTRIBUTES_BYTES} bytes of UTF-8"
            ),
        ));
    }
    Ok(out)
}

fn parse_segment_attributes(
    fields: &Fields<'_>,
    config: &StartChatConfig,
    supported_types: Option<&[String]>,
) -> Result<BTreeMap<String, SegmentValue>, ApiError> {
    let mut out = BTreeMap::new();
    let Some(attributes) = fields.opt_object(segment::FIELD)? else {
        return Ok(out);
    };
    for (key, value) in attributes.entries() {
        let path = attributes.path(key);
        if !segment::is_segment_key(key) {
            return Err(ApiError::field(
                path,
                format!("segment attribute keys may contain only letters, digits, '_' and '-' (at most {}), after an optional 'connect:'", segment::MAX_KEY_CHARS),
            ));
        }
        if !config.allowed_segment_attributes.allows(key) {
            return Err(ApiError::AttributeNotAllowed {
                key: path,
                setting: "ALLOWED_SEGMENT_ATTRIBUTES",
            });
        }
        out.insert(key.clone(), segment::parse_value(key, &path, value)?);
    }
    let interactive = INTERACTIVE_CONTENT_TYPES
        .iter()
        .all(|t| supported_types.is_some_and(|types| types.iter().any(|s| s == t)));
    if segment::is_guide(&out) && !interactive {
        return Err(ApiError::field(
            attributes.path(segment::SUBTYPE_KEY),
            format!(
                "{} needs SupportedMessagingContentTypes to include {}",
                segment::GUIDE_SUBTYPE,
                INTERACTIVE_CONTENT_TYPES.join(" and ")
            ),
        ));
    }
    Ok(out)
}

fn parse_response_mode(fields: &Fields<'_>) -> Result<Option<ResponseMode>, ApiError> {
    let Some(participant) = fields.opt_object("ParticipantConfiguration")? else {
        return Ok(None);
    };
    participant
        .opt_str("ResponseMode")?
        .map(|mode| wire_enum(&participant.path("ResponseMode"), mode))
        .transpose()
}

fn parse_connection_types(fields: &Fields<'_>) -> Result<Vec<ConnectionType>, ApiError> {
    const FIELD: &str = "ConnectionTypes";
    let Some(types) = fields.opt_str_list(FIELD)? else {
        return Ok(Vec::new());
    };
    if !(1..=2).contains(&types.len()) {
        return Err(ApiError::field(
            FIELD,
            format!(
                "must list one or two of {}",
                ConnectionType::VARIANTS.join(" and ")
            ),
        ));
    }
    let mut out = Vec::with_capacity(types.len());
    for (i, t) in types.iter().enumerate() {
        let connection: ConnectionType = wire_enum(&format!("{FIELD}[{i}]"), t)?;
        if !out.contains(&connection) {
            out.push(connection);
        }
    }
    out.sort();
    Ok(out)
}

fn parse_initial_message(fields: &Fields<'_>) -> Result<Option<InitialMessage>, ApiError> {
    let Some(message) = fields.opt_object("InitialMessage")? else {
        return Ok(None);
    };
    let content_type = message.str("ContentType")?;
    if !INITIAL_MESSAGE_CONTENT_TYPES.contains(&content_type) {
        return Err(ApiError::field(
            message.path("ContentType"),
            format!(
                "must be one of {}",
                INITIAL_MESSAGE_CONTENT_TYPES.join(", ")
            ),
        ));
    }
    let content = message.str("Content")?;
    check_len(&message.path("Content"), content, 1, MAX_MESSAGE_CHARS)?;
    if content.trim().is_empty() {
        return Err(ApiError::field(
            message.path("Content"),
            "must not be blank",
        ));
    }
    Ok(Some(InitialMessage {
        content_type: content_type.to_owned(),
        content: content.to_owned(),
    }))
}

fn parse_supported_types(fields: &Fields<'_>) -> Result<Option<Vec<String>>, ApiError> {
    const FIELD: &str = "SupportedMessagingContentTypes";
    let Some(types) = fields.opt_str_list(FIELD)? else {
        return Ok(None);
    };
    let mut out: Vec<String> = Vec::with_capacity(types.len());
    for (i, t) in types.iter().enumerate() {
        if !SUPPORTED_MESSAGING_CONTENT_TYPES.contains(t) {
            return Err(ApiError::field(
                format!("{FIELD}[{i}]"),
                format!(
                    "must be one of {}",
                    SUPPORTED_MESSAGING_CONTENT_TYPES.join(", ")
                ),
            ));
        }
        if !out.iter().any(|o| o == t) {
            out.push((*t).to_owned());
        }
    }
    if !out.iter().any(|t| t == "text/plain") {
        return Err(ApiError::field(FIELD, "must include text/plain"));
    }
    Ok(Some(out))
}

fn parse_persistent_chat(
    fields: &Fields<'_>,
    identity: Option<&Identity>,
) -> Result<Option<PersistentChat>, ApiError> {
    let persistent = fields.opt_object("PersistentChat")?;
    if let Some(identity) = identity {
        // Authenticated: the source contact is the token's, never the body's, so nobody can
        // rehydrate someone else's transcript by guessing a contact id.
        if let Some(p) = &persistent {
            if p.opt_str("SourceContactId")?.is_some() {
                return Err(ApiError::field(
                    p.path("SourceContactId"),
                    "is taken from the authentication token; remove it from the body",
                ));
            }
        }
        let Some(source) = identity.source_contact_id.as_deref() else {
            return match persistent {
                Some(p) => Err(ApiError::field(
                    p.path("SourceContactId"),
                    "persistent chat needs a sourceContactId claim in the authentication token",
                )),
                None => Ok(None),
            };
        };
        let rehydration_type = match &persistent {
            Some(p) => rehydration_type(p)?,
            None => RehydrationType::EntirePastSession,
        };
        return Ok(Some(PersistentChat {
            rehydration_type,
            source_contact_id: source.to_owned(),
        }));
    }
    let Some(persistent) = persistent else {
        return Ok(None);
    };
    let rehydration_type = rehydration_type(&persistent)?;
    let source_contact_id = persistent.str("SourceContactId")?;
    let field = persistent.path("SourceContactId");
    check_len(&field, source_contact_id, 1, 256)?;
    check_no_control(&field, source_contact_id)?;
    Ok(Some(PersistentChat {
        rehydration_type,
        source_contact_id: source_contact_id.to_owned(),
    }))
}

fn rehydration_type(persistent: &Fields<'_>) -> Result<RehydrationType, ApiError> {
    wire_enum(
        &persistent.path("RehydrationType"),
        persistent.str("RehydrationType")?,
    )
}
