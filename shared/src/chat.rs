//! The start-chat request: its fields (as amazon-connect-chat-interface and the AWS
//! startChatContactAPI sample send them, PascalCase), the rules each must satisfy, and the
//! validated value that is turned into a StartChatContact call.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::auth::Identity;
use crate::config::StartChatConfig;
use crate::error::ApiError;
use crate::fields::{check_client_token, check_len, check_no_control, check_visible, Fields};
use crate::limits::{
    CHAT_DURATION_RANGE, INITIAL_MESSAGE_CONTENT_TYPES, INTERACTIVE_CONTENT_TYPES,
    MAX_ATTRIBUTES_BYTES, MAX_MESSAGE_CHARS, SUPPORTED_MESSAGING_CONTENT_TYPES,
};
use crate::secret::Secret;
use crate::segment::{self, SegmentValue};

/// How a persistent chat rehydrates the past transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RehydrationType {
    EntirePastSession,
    FromSegment,
}

impl RehydrationType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EntirePastSession => "ENTIRE_PAST_SESSION",
            Self::FromSegment => "FROM_SEGMENT",
        }
    }
}

/// `ParticipantConfiguration.ResponseMode`: whether bot and AI answers arrive whole or streamed
/// in chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    Complete,
    Incremental,
}

impl ResponseMode {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Complete => "COMPLETE",
            Self::Incremental => "INCREMENTAL",
        }
    }
}

/// A connection StartChatContact opens for the customer right away (`ConnectionTypes`), which
/// spares the widget its CreateParticipantConnection call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConnectionType {
    Websocket,
    ConnectionCredentials,
}

impl ConnectionType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Websocket => "WEBSOCKET",
            Self::ConnectionCredentials => "CONNECTION_CREDENTIALS",
        }
    }
}

/// `PersistentChat` after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistentChat {
    pub rehydration_type: RehydrationType,
    pub source_contact_id: String,
}

/// `InitialMessage` after validation. Its `Debug` shows the content type only.
#[derive(Clone, PartialEq, Eq)]
pub struct InitialMessage {
    pub content_type: String,
    pub content: String,
}

/// A start-chat request that passed every rule; what is sent to StartChatContact. Its `Debug`
/// shows no personal data: attribute keys without values, no display name, message or
/// customer id.
#[derive(Clone, PartialEq, Eq)]
pub struct StartChatRequest {
    /// Trimmed display name.
    pub display_name: String,
    /// Only allowed keys; sorted for stable logs and tests.
    pub attributes: BTreeMap<String, String>,
    /// Only allowed keys.
    pub segment_attributes: BTreeMap<String, SegmentValue>,
    /// From the verified token's `customerId` claim only.
    pub customer_id: Option<Secret>,
    pub response_mode: Option<ResponseMode>,
    /// Sorted, without duplicates; empty when the widget asked for none.
    pub connection_types: Vec<ConnectionType>,
    pub initial_message: Option<InitialMessage>,
    pub supported_messaging_content_types: Option<Vec<String>>,
    pub chat_duration_minutes: u32,
    pub persistent_chat: Option<PersistentChat>,
    pub related_contact_id: Option<String>,
    /// The ClientToken sent to Connect: the caller's key (`Idempotency-Key` header, else body
    /// `ClientToken`) bound to the verified identity and to this request's fields (see
    /// [`bound_client_token`]), else a new UUID.
    pub client_token: String,
}

impl std::fmt::Debug for InitialMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InitialMessage")
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for StartChatRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartChatRequest")
            .field(
                "attribute_keys",
                &self.attributes.keys().collect::<Vec<_>>(),
            )
            .field(
                "segment_attribute_keys",
                &self.segment_attributes.keys().collect::<Vec<_>>(),
            )
            .field("has_customer_id", &self.customer_id.is_some())
            .field("response_mode", &self.response_mode)
            .field("connection_types", &self.connection_types)
            .field("initial_message", &self.initial_message)
            .field(
                "supported_messaging_content_types",
                &self.supported_messaging_content_types,
            )
            .field("chat_duration_minutes", &self.chat_duration_minutes)
            .field("persistent_chat", &self.persistent_chat)
            .field("related_contact_id", &self.related_contact_id)
            .finish_non_exhaustive()
    }
}

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

        // Instance and flow are the deployment's, never the caller's. Widgets send them
        // (chat-interface always does); they are checked for shape and otherwise ignored, with
        // a warning when they differ, which points at a widget configured for another instance.
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

        let participant = fields.object("ParticipantDetails")?;
        let display_name = participant.str("DisplayName")?.trim();
        let field = "ParticipantDetails.DisplayName";
        check_len(field, display_name, 1, 256)?;
        check_no_control(field, display_name)?;
        check_visible(field, display_name)?;

        let supported_messaging_content_types = parse_supported_types(&fields)?;
        let persistent_chat = parse_persistent_chat(&fields, identity)?;
        let related_contact_id = match fields.opt_str("RelatedContactId")? {
            None => match identity.and_then(|i| i.related_contact_id.as_deref()) {
                Some(_) if persistent_chat.is_some() => {
                    return Err(ApiError::InvalidClaim("relatedContactId"))
                }
                related => related.map(str::to_owned),
            },
            Some(_) if identity.is_some() => {
                return Err(ApiError::field(
                    "RelatedContactId",
                    "is taken from the authentication token; remove it from the body",
                ))
            }
            Some(id) => {
                check_len("RelatedContactId", id, 1, 256)?;
                check_no_control("RelatedContactId", id)?;
                if persistent_chat.is_some() {
                    return Err(ApiError::field(
                        "RelatedContactId",
                        "cannot be combined with PersistentChat",
                    ));
                }
                Some(id.to_owned())
            }
        };

        let chat_duration_minutes = match fields.opt_u64("ChatDurationInMinutes")? {
            None => config.chat_duration_minutes,
            Some(m) => u32::try_from(m)
                .ok()
                .filter(|m| CHAT_DURATION_RANGE.contains(m))
                .ok_or_else(|| {
                    ApiError::field("ChatDurationInMinutes", "must be from 60 to 10080 minutes")
                })?,
        };

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

    /// Whether the widget may render markdown (it asked for `text/markdown`).
    pub fn markdown_enabled(&self) -> bool {
        self.supported_messaging_content_types
            .as_ref()
            .is_some_and(|types| types.iter().any(|t| t == "text/markdown"))
    }
}

/// What start-chat returns to the widget inside `data.startChatResult`.
#[derive(Clone, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct StartChatResult {
    pub contact_id: String,
    pub participant_id: String,
    pub participant_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continued_from_contact_id: Option<String>,
    /// Present when the widget asked for `WEBSOCKET` in `ConnectionTypes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket: Option<WebsocketConnection>,
    /// Present when the widget asked for `CONNECTION_CREDENTIALS` in `ConnectionTypes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_credentials: Option<ConnectionCredentials>,
}

/// The customer's websocket, opened by StartChatContact (as CreateParticipantConnection
/// answers it). The URL is a credential.
#[derive(Clone, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct WebsocketConnection {
    pub url: String,
    pub connection_expiry: String,
}

/// The connection token for the Participant Service calls, opened by StartChatContact.
#[derive(Clone, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ConnectionCredentials {
    pub connection_token: String,
    pub expiry: String,
}

impl std::fmt::Debug for StartChatResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartChatResult")
            .field("contact_id", &self.contact_id)
            .field("participant_id", &self.participant_id)
            .field("participant_token", &"<redacted>")
            .field("continued_from_contact_id", &self.continued_from_contact_id)
            .field(
                "websocket_expiry",
                &self.websocket.as_ref().map(|w| &w.connection_expiry),
            )
            .field(
                "connection_credentials_expiry",
                &self.connection_credentials.as_ref().map(|c| &c.expiry),
            )
            .finish()
    }
}

/// Chooses the caller's idempotency key: the `Idempotency-Key` header wins over the body's
/// `ClientToken` (both are checked); `None` when neither is sent.
pub fn client_token(header: Option<&str>, body: Option<&str>) -> Result<Option<String>, ApiError> {
    if let Some(h) = header {
        check_client_token("Idempotency-Key", h)?;
    }
    if let Some(b) = body {
        check_client_token("ClientToken", b)?;
    }
    Ok(header.or(body).map(str::to_owned))
}

/// The ClientToken sent to Connect for a caller's key: a SHA-256 over the key, the verified
/// identity's subject (when authentication is on) and every field that shapes the chat. A
/// retry of the same request gets the same token, so Connect answers with the same chat; a
/// different request, or another signed-in customer, with the same key gets another token and
/// so another chat, never the first caller's participant token.
pub fn bound_client_token(
    key: &str,
    identity: Option<&Identity>,
    request: &StartChatRequest,
) -> String {
    let fields = serde_json::json!({
        "key": key,
        "subject": identity.and_then(|i| i.subject.as_deref()),
        "displayName": request.display_name,
        "attributes": request.attributes,
        "initialMessage": request.initial_message.as_ref().map(|m| [&m.content_type, &m.content]),
        "supportedMessagingContentTypes": request.supported_messaging_content_types,
        "chatDurationMinutes": request.chat_duration_minutes,
        "persistentChat": request
            .persistent_chat
            .as_ref()
            .map(|p| [p.rehydration_type.as_str(), p.source_contact_id.as_str()]),
        "relatedContactId": request.related_contact_id,
        "segmentAttributes": request.segment_attributes,
        "customerId": request.customer_id.as_ref().map(Secret::expose),
        "responseMode": request.response_mode.map(ResponseMode::as_str),
        "connectionTypes": request
            .connection_types
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>(),
    });
    let digest =
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, fields.to_string().as_bytes());
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("ik1-{hex}")
}

fn is_attribute_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 127
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
                    "attribute keys may contain only letters, digits, '_' and '-' (at most 127)",
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
                "segment attribute keys may contain only letters, digits, '_' and '-' (at most 128), after an optional 'connect:'",
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
    match participant.opt_str("ResponseMode")? {
        None => Ok(None),
        Some("COMPLETE") => Ok(Some(ResponseMode::Complete)),
        Some("INCREMENTAL") => Ok(Some(ResponseMode::Incremental)),
        Some(_) => Err(ApiError::field(
            participant.path("ResponseMode"),
            "must be COMPLETE or INCREMENTAL",
        )),
    }
}

fn parse_connection_types(fields: &Fields<'_>) -> Result<Vec<ConnectionType>, ApiError> {
    const FIELD: &str = "ConnectionTypes";
    let Some(types) = fields.opt_str_list(FIELD)? else {
        return Ok(Vec::new());
    };
    if !(1..=2).contains(&types.len()) {
        return Err(ApiError::field(
            FIELD,
            "must list one or two of WEBSOCKET and CONNECTION_CREDENTIALS",
        ));
    }
    let mut out = Vec::with_capacity(types.len());
    for (i, t) in types.iter().enumerate() {
        let connection = match *t {
            "WEBSOCKET" => ConnectionType::Websocket,
            "CONNECTION_CREDENTIALS" => ConnectionType::ConnectionCredentials,
            _ => {
                return Err(ApiError::field(
                    format!("{FIELD}[{i}]"),
                    "must be WEBSOCKET or CONNECTION_CREDENTIALS",
                ))
            }
        };
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
    match persistent.str("RehydrationType")? {
        "ENTIRE_PAST_SESSION" => Ok(RehydrationType::EntirePastSession),
        "FROM_SEGMENT" => Ok(RehydrationType::FromSegment),
        _ => Err(ApiError::field(
            persistent.path("RehydrationType"),
            "must be ENTIRE_PAST_SESSION or FROM_SEGMENT",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AllowedOrigins, AttributeAllowList, CorsConfig};
    use serde_json::json;

    fn config() -> StartChatConfig {
        StartChatConfig {
            cors: CorsConfig {
                allowed_origins: AllowedOrigins::Any,
                origin_verify: None,
            },
            instance_id: "inst".into(),
            contact_flow_id: "flow".into(),
            allowed_attributes: AttributeAllowList::parse("customerId,utm_*").unwrap(),
            allowed_segment_attributes: AttributeAllowList::parse_segment_keys(
                "connect:Subtype,routing_*",
            )
            .unwrap(),
            disconnect_on_customer_exit: false,
            chat_duration_minutes: 60,
            attachments_enabled: true,
            auth: None,
        }
    }

    fn parse(body: Value) -> Result<StartChatRequest, ApiError> {
        StartChatRequest::parse(body.as_object().unwrap(), None, &config(), None)
    }

    fn field_of(body: Value) -> String {
        parse(body).unwrap_err().field_name().unwrap().to_owned()
    }

    #[test]
    fn a_minimal_request_gets_defaults() {
        let req = parse(json!({"ParticipantDetails": {"DisplayName": "  Ana  "}})).unwrap();
        assert_eq!(req.display_name, "Ana");
        assert_eq!(req.chat_duration_minutes, 60);
        assert!(req.attributes.is_empty());
        assert_eq!(req.client_token.len(), 36);
        assert!(!req.markdown_enabled());
    }

    #[test]
    fn a_full_request_is_carried_over() {
        let req = parse(json!({
            "InstanceId": "inst", "ContactFlowId": "flow",
            "ParticipantDetails": {"DisplayName": "Ana"},
            "Attributes": {"customerId": "42", "utm_source": "ad"},
            "InitialMessage": {"ContentType": "text/plain", "Content": "Hello"},
            "SupportedMessagingContentTypes": ["text/plain", "text/markdown"],
            "ChatDurationInMinutes": 120,
            "PersistentChat": {"RehydrationType": "ENTIRE_PAST_SESSION", "SourceContactId": "c-1"},
            "ClientToken": "tok-1",
            "Username": "ignored"
        }))
        .unwrap();
        assert_eq!(req.attributes.len(), 2);
        assert_eq!(req.chat_duration_minutes, 120);
        assert!(req.markdown_enabled());
        assert!(req.client_token.starts_with("ik1-"));
        assert_eq!(
            req.persistent_chat.unwrap().rehydration_type,
            RehydrationType::EntirePastSession
        );
    }

    #[test]
    fn every_rule_names_its_field() {
        let name = |n: &str| json!({"ParticipantDetails": {"DisplayName": n}});
        let dn = "ParticipantDetails.DisplayName";
        assert_eq!(field_of(json!({})), "ParticipantDetails");
        assert_eq!(field_of(json!({"ParticipantDetails": {}})), dn);
        assert_eq!(field_of(name("   ")), dn);
        assert_eq!(field_of(name(&"x".repeat(257))), dn);
        assert_eq!(field_of(name("a\u{7}b")), dn);
        assert_eq!(
            field_of(json!({"ParticipantDetails": {"DisplayName": 5}})),
            dn
        );

        let with = |extra: Value| {
            let mut body = name("Ana");
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            field_of(body)
        };
        assert_eq!(with(json!({"InstanceId": 7})), "InstanceId");
        assert_eq!(with(json!({"ContactFlowId": ""})), "ContactFlowId");
        assert_eq!(
            with(json!({"Attributes": {"plan": "x"}})),
            "Attributes.plan"
        );
        assert_eq!(
            with(json!({"Attributes": {"bad key": "x"}})),
            "Attributes.bad key"
        );
        assert_eq!(
            with(json!({"Attributes": {"customerId": 1}})),
            "Attributes.customerId"
        );
        assert_eq!(with(json!({"Attributes": ["x"]})), "Attributes");
        assert_eq!(
            with(json!({"Attributes": {"utm_a": "x".repeat(20000), "utm_b": "y".repeat(13000)}})),
            "Attributes"
        );
        assert_eq!(
            with(json!({"InitialMessage": {"ContentType": "text/html", "Content": "x"}})),
            "InitialMessage.ContentType"
        );
        assert_eq!(
            with(json!({"InitialMessage": {"ContentType": "text/plain", "Content": ""}})),
            "InitialMessage.Content"
        );
        assert_eq!(
            with(json!({"InitialMessage": {"ContentType": "text/plain"}})),
            "InitialMessage.Content"
        );
        assert_eq!(
            with(json!({"SupportedMessagingContentTypes": ["text/markdown"]})),
            "SupportedMessagingContentTypes"
        );
        assert_eq!(
            with(json!({"SupportedMessagingContentTypes": ["text/plain", "text/html"]})),
            "SupportedMessagingContentTypes[1]"
        );
        assert_eq!(
            with(json!({"ChatDurationInMinutes": 59})),
            "ChatDurationInMinutes"
        );
        assert_eq!(
            with(json!({"ChatDurationInMinutes": 10081})),
            "ChatDurationInMinutes"
        );
        assert_eq!(
            with(json!({"ChatDurationInMinutes": "60"})),
            "ChatDurationInMinutes"
        );
        assert_eq!(
            with(json!({"PersistentChat": {"RehydrationType": "ALL", "SourceContactId": "c"}})),
            "PersistentChat.RehydrationType"
        );
        assert_eq!(
            with(json!({"PersistentChat": {"RehydrationType": "FROM_SEGMENT"}})),
            "PersistentChat.SourceContactId"
        );
        assert_eq!(
            with(json!({
                "PersistentChat": {"RehydrationType": "FROM_SEGMENT", "SourceContactId": "c"},
                "RelatedContactId": "r"
            })),
            "RelatedContactId"
        );
        assert_eq!(with(json!({"RelatedContactId": ""})), "RelatedContactId");
        assert_eq!(with(json!({"ClientToken": ""})), "ClientToken");
        assert_eq!(with(json!({"ClientToken": "x".repeat(501)})), "ClientToken");
    }

    #[test]
    fn the_idempotency_key_header_wins_over_the_body_token() {
        assert_eq!(client_token(Some("a"), None).unwrap().as_deref(), Some("a"));
        assert_eq!(client_token(None, Some("b")).unwrap().as_deref(), Some("b"));
        assert_eq!(
            client_token(Some("a"), Some("b")).unwrap().as_deref(),
            Some("a")
        );
        assert_eq!(client_token(None, None).unwrap(), None);
        assert!(client_token(Some("a"), Some("")).is_err());
    }

    #[test]
    fn the_token_sent_to_connect_binds_the_key_to_the_request_and_the_identity() {
        let body = json!({"ParticipantDetails": {"DisplayName": "Ana"}, "ClientToken": "k-1"});
        let same = parse(body.clone()).unwrap();
        let again = parse(body.clone()).unwrap();
        assert_eq!(
            same.client_token, again.client_token,
            "a retry keeps its token"
        );
        assert!(same.client_token.starts_with("ik1-"));
        assert!(!same.client_token.contains("k-1"));
        let mut other = body.clone();
        other["ParticipantDetails"]["DisplayName"] = json!("Bo");
        assert_ne!(parse(other).unwrap().client_token, same.client_token);
        let mut more = body;
        more["Attributes"] = json!({"customerId": "42"});
        assert_ne!(parse(more).unwrap().client_token, same.client_token);

        let identity = |sub: &str| Identity {
            subject: Some(sub.into()),
            attributes: Default::default(),
            source_contact_id: None,
            related_contact_id: None,
            customer_id: None,
        };
        let (a, b) = (identity("user-a"), identity("user-b"));
        assert_ne!(
            bound_client_token("k-1", Some(&a), &same),
            bound_client_token("k-1", Some(&b), &same)
        );
        assert_eq!(
            bound_client_token("k-1", Some(&a), &same),
            bound_client_token("k-1", Some(&a), &same)
        );
    }

    #[test]
    fn debug_output_carries_no_personal_data() {
        let req = parse(json!({
            "ParticipantDetails": {"DisplayName": "Ana Private"},
            "Attributes": {"customerId": "C-secret-42"},
            "InitialMessage": {"ContentType": "text/plain", "Content": "my card is 4111"},
        }))
        .unwrap();
        let printed = format!("{req:?}");
        for private in ["Ana Private", "C-secret-42", "4111"] {
            assert!(!printed.contains(private), "{printed}");
        }
        assert!(printed.contains("customerId"));
    }

    #[test]
    fn todays_members_are_read_and_checked() {
        let interactive = json!([
            "text/plain",
            "application/vnd.amazonaws.connect.message.interactive",
            "application/vnd.amazonaws.connect.message.interactive.response"
        ]);
        let req = parse(json!({
            "ParticipantDetails": {"DisplayName": "Ana"},
            "SegmentAttributes": {
                "connect:Subtype": {"ValueString": "connect:Guide"},
                "routing_tier": {"ValueInteger": 3}
            },
            "SupportedMessagingContentTypes": interactive,
            "ParticipantConfiguration": {"ResponseMode": "INCREMENTAL"},
            "ConnectionTypes": ["CONNECTION_CREDENTIALS", "WEBSOCKET"]
        }))
        .unwrap();
        assert_eq!(req.segment_attributes.len(), 2);
        assert_eq!(req.response_mode, Some(ResponseMode::Incremental));
        assert_eq!(
            req.connection_types,
            [
                ConnectionType::Websocket,
                ConnectionType::ConnectionCredentials
            ]
        );
        assert!(req.customer_id.is_none());

        let with = |extra: Value| {
            let mut body = json!({"ParticipantDetails": {"DisplayName": "Ana"}});
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            parse(body).unwrap_err()
        };
        let not_allowed = with(json!({"SegmentAttributes": {"plan": {"ValueString": "x"}}}));
        assert_eq!(not_allowed.field_name(), Some("SegmentAttributes.plan"));
        assert_eq!(not_allowed.code(), "AttributeNotAllowed");
        assert!(not_allowed
            .public_message()
            .contains("ALLOWED_SEGMENT_ATTRIBUTES"));
        let field = |extra: Value| with(extra).field_name().unwrap().to_owned();
        assert_eq!(
            field(
                json!({"SegmentAttributes": {"connect:Subtype": {"ValueString": "connect:Guide"}}})
            ),
            "SegmentAttributes.connect:Subtype"
        );
        assert_eq!(
            field(json!({"SegmentAttributes": {"routing tier": {"ValueString": "x"}}})),
            "SegmentAttributes.routing tier"
        );
        assert_eq!(
            field(json!({"SegmentAttributes": {"routing_a": {"ValueString": 1}}})),
            "SegmentAttributes.routing_a.ValueString"
        );
        assert_eq!(field(json!({"CustomerId": "C-42"})), "CustomerId");
        assert_eq!(
            field(json!({"ParticipantConfiguration": {"ResponseMode": "STREAM"}})),
            "ParticipantConfiguration.ResponseMode"
        );
        assert_eq!(field(json!({"ConnectionTypes": []})), "ConnectionTypes");
        assert_eq!(
            field(json!({"ConnectionTypes": ["WEBRTC_CONNECTION"]})),
            "ConnectionTypes[0]"
        );
    }

    #[test]
    fn the_customer_id_comes_from_the_token_and_is_never_printed() {
        let identity = Identity {
            customer_id: Some(Secret::new("CRM-secret-77")),
            ..Identity::default()
        };
        let body = json!({"ParticipantDetails": {"DisplayName": "Ana"}, "ClientToken": "k"});
        let req =
            StartChatRequest::parse(body.as_object().unwrap(), None, &config(), Some(&identity))
                .unwrap();
        assert_eq!(
            req.customer_id.as_ref().map(Secret::expose),
            Some("CRM-secret-77")
        );
        assert!(!format!("{req:?} {identity:?}").contains("CRM-secret-77"));
        let other = Identity {
            customer_id: Some(Secret::new("CRM-other")),
            ..Identity::default()
        };
        let other_req =
            StartChatRequest::parse(body.as_object().unwrap(), None, &config(), Some(&other))
                .unwrap();
        assert_ne!(
            other_req.client_token, req.client_token,
            "another customer id is another chat"
        );
        let mut body = body;
        body["CustomerId"] = json!("CRM-secret-77");
        let err =
            StartChatRequest::parse(body.as_object().unwrap(), None, &config(), Some(&identity))
                .unwrap_err();
        assert_eq!(err.field_name(), Some("CustomerId"));
    }

    #[test]
    fn without_a_key_every_request_gets_a_new_token() {
        let body = json!({"ParticipantDetails": {"DisplayName": "Ana"}});
        assert_ne!(
            parse(body.clone()).unwrap().client_token,
            parse(body).unwrap().client_token
        );
    }

    #[test]
    fn attributes_at_the_size_limit_are_accepted() {
        let value = "v".repeat(MAX_ATTRIBUTES_BYTES - "customerId".len());
        let req = parse(json!({
            "ParticipantDetails": {"DisplayName": "Ana"},
            "Attributes": {"customerId": value}
        }))
        .unwrap();
        assert_eq!(req.attributes.len(), 1);
    }
}
