//! The start-chat request rules, one case per rule and field.

use serde_json::Value;

use super::*;
use crate::auth::Identity;
use crate::config::StartChatConfig;
use crate::config::{AllowedOrigins, AttributeAllowList, CorsConfig};
use crate::error::ApiError;
use crate::limits::MAX_ATTRIBUTES_BYTES;
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
        field(json!({"SegmentAttributes": {"connect:Subtype": {"ValueString": "connect:Guide"}}})),
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
    let req = StartChatRequest::parse(body.as_object().unwrap(), None, &config(), Some(&identity))
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
        StartChatRequest::parse(body.as_object().unwrap(), None, &config(), Some(&other)).unwrap();
    assert_ne!(
        other_req.client_token, req.client_token,
        "another customer id is another chat"
    );
    let mut body = body;
    body["CustomerId"] = json!("CRM-secret-77");
    let err = StartChatRequest::parse(body.as_object().unwrap(), None, &config(), Some(&identity))
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
