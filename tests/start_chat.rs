//! start-chat handler against connect-local, through the real aws-sdk-connect client over HTTP:
//! the widget contract, every field rule, CORS, idempotency, upstream error mapping, and logs.

use http::Method;
use integration_tests::*;
use serde_json::{json, Value};

fn chat_body() -> Value {
    let req = event("start-chat.json");
    serde_json::from_slice(req.body().as_ref()).unwrap()
}

#[tokio::test]
async fn a_chat_interface_request_starts_a_chat_and_returns_the_widget_envelope() {
    let stack = Stack::start().await;
    let answer = stack.start_chat(event("start-chat.json")).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    let result = &answer.body["data"]["startChatResult"];
    for key in ["ContactId", "ParticipantId", "ParticipantToken"] {
        assert!(
            result[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key} in {result}"
        );
    }
    assert!(result.get("ContinuedFromContactId").is_none());
    assert_eq!(
        answer.body["data"]["featurePermissions"],
        json!({"ATTACHMENTS": true, "MESSAGING_MARKDOWN": true})
    );
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
    assert_eq!(answer.header("vary"), Some("Origin"));

    // What reached Connect: every allowed attribute, the fixed instance/flow, the default duration.
    let contact_id = result["ContactId"].as_str().unwrap();
    let contact = stack
        .server
        .store
        .with(|inner| inner.contacts.get(contact_id).cloned())
        .expect("connect-local holds the contact");
    assert_eq!(
        contact.attributes.get("customerId").map(String::as_str),
        Some("C-1001")
    );
    assert_eq!(
        contact.attributes.get("plan").map(String::as_str),
        Some("gold")
    );
    assert_eq!(contact.chat_duration_in_minutes, 60);
    assert_eq!(contact.participants[0].display_name, "Ana Customer");
    assert_eq!(
        contact.supported_messaging_content_types,
        vec!["text/plain", "text/markdown"]
    );
    assert_eq!(
        contact.initial_message.unwrap()["Content"],
        "Hi, I need help with my order"
    );

    // The token is real: the Participant Service accepts it.
    let connection = stack
        .participant
        .create_participant_connection()
        .participant_token(result["ParticipantToken"].as_str().unwrap())
        .r#type(aws_sdk_connectparticipant::types::ConnectionType::ConnectionCredentials)
        .send()
        .await
        .expect("the returned ParticipantToken opens a connection");
    assert!(connection.connection_credentials().is_some());
}

#[tokio::test]
async fn json_base64_and_minimal_bodies_are_accepted() {
    let stack = Stack::start().await;
    for name in ["start-chat-minimal.json", "start-chat-base64.json"] {
        let answer = stack.start_chat(event(name)).await;
        assert_eq!(answer.status, 200, "{name}: {}", answer.body);
        assert_eq!(
            answer.body["data"]["featurePermissions"]["MESSAGING_MARKDOWN"],
            false
        );
    }
    let contact = stack
        .server
        .store
        .with(|i| i.contacts.values().next().cloned())
        .unwrap();
    assert_eq!(
        contact.chat_duration_in_minutes, 60,
        "configured default is sent"
    );
}

#[tokio::test]
async fn the_configured_chat_duration_is_the_default() {
    let stack = Stack::start_with(Default::default(), &[("CHAT_DURATION_MINUTES", "90")]).await;
    let answer = stack.start_chat(event("start-chat-minimal.json")).await;
    assert_eq!(answer.status, 200);
    let id = answer.body["data"]["startChatResult"]["ContactId"]
        .as_str()
        .unwrap()
        .to_owned();
    let minutes = stack
        .server
        .store
        .with(|i| i.contacts[&id].chat_duration_in_minutes);
    assert_eq!(minutes, 90);
}

#[tokio::test]
async fn every_field_rule_is_a_400_naming_the_field_and_nothing_reaches_connect() {
    let stack = Stack::start().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"ParticipantDetails": null}),
            "InvalidField",
            "ParticipantDetails",
        ),
        (
            json!({"ParticipantDetails": {"DisplayName": ""}}),
            "InvalidField",
            "ParticipantDetails.DisplayName",
        ),
        (
            json!({"ParticipantDetails": {"DisplayName": "   "}}),
            "InvalidField",
            "ParticipantDetails.DisplayName",
        ),
        (
            json!({"ParticipantDetails": {"DisplayName": "\u{200D}\u{2060}\u{FEFF}"}}),
            "InvalidField",
            "ParticipantDetails.DisplayName",
        ),
        (
            json!({"ParticipantDetails": {"DisplayName": "\u{3164}\u{3164}"}}),
            "InvalidField",
            "ParticipantDetails.DisplayName",
        ),
        (
            json!({"ParticipantDetails": {"DisplayName": "x".repeat(257)}}),
            "InvalidField",
            "ParticipantDetails.DisplayName",
        ),
        (
            json!({"ParticipantDetails": {"DisplayName": "Ana\nBob"}}),
            "InvalidField",
            "ParticipantDetails.DisplayName",
        ),
        (
            json!({"ParticipantDetails": {"DisplayName": 42}}),
            "InvalidField",
            "ParticipantDetails.DisplayName",
        ),
        (
            json!({"InstanceId": 33333333}),
            "InvalidField",
            "InstanceId",
        ),
        (
            json!({"ContactFlowId": ""}),
            "InvalidField",
            "ContactFlowId",
        ),
        (
            json!({"Attributes": {"customerId": "1", "isAdmin": "true"}}),
            "AttributeNotAllowed",
            "Attributes.isAdmin",
        ),
        (
            json!({"Attributes": {"utm source": "x"}}),
            "InvalidField",
            "Attributes.utm source",
        ),
        (
            json!({"Attributes": {"plan": 3}}),
            "InvalidField",
            "Attributes.plan",
        ),
        (
            json!({"Attributes": "plan=gold"}),
            "InvalidField",
            "Attributes",
        ),
        (
            json!({"Attributes": {"utm_a": "x".repeat(17000), "utm_b": "y".repeat(16000)}}),
            "InvalidField",
            "Attributes",
        ),
        (
            json!({"InitialMessage": {"ContentType": "text/html", "Content": "hi"}}),
            "InvalidField",
            "InitialMessage.ContentType",
        ),
        (
            json!({"InitialMessage": {"ContentType": "text/plain", "Content": ""}}),
            "InvalidField",
            "InitialMessage.Content",
        ),
        (
            json!({"InitialMessage": {"ContentType": "text/plain", "Content": "x".repeat(16385)}}),
            "InvalidField",
            "InitialMessage.Content",
        ),
        (
            json!({"SupportedMessagingContentTypes": ["text/markdown"]}),
            "InvalidField",
            "SupportedMessagingContentTypes",
        ),
        (
            json!({"SupportedMessagingContentTypes": ["text/plain", "image/png"]}),
            "InvalidField",
            "SupportedMessagingContentTypes[1]",
        ),
        (
            json!({"SupportedMessagingContentTypes": "text/plain"}),
            "InvalidField",
            "SupportedMessagingContentTypes",
        ),
        (
            json!({"ChatDurationInMinutes": 59}),
            "InvalidField",
            "ChatDurationInMinutes",
        ),
        (
            json!({"ChatDurationInMinutes": 10081}),
            "InvalidField",
            "ChatDurationInMinutes",
        ),
        (
            json!({"ChatDurationInMinutes": 60.5}),
            "InvalidField",
            "ChatDurationInMinutes",
        ),
        (
            json!({"PersistentChat": {"RehydrationType": "LAST", "SourceContactId": "c"}}),
            "InvalidField",
            "PersistentChat.RehydrationType",
        ),
        (
            json!({"PersistentChat": {"RehydrationType": "FROM_SEGMENT"}}),
            "InvalidField",
            "PersistentChat.SourceContactId",
        ),
        (
            json!({"PersistentChat": {"RehydrationType": "FROM_SEGMENT", "SourceContactId": "c"}, "RelatedContactId": "r"}),
            "InvalidField",
            "RelatedContactId",
        ),
        (
            json!({"RelatedContactId": "x".repeat(257)}),
            "InvalidField",
            "RelatedContactId",
        ),
        (
            json!({"ClientToken": "x".repeat(501)}),
            "InvalidField",
            "ClientToken",
        ),
        (
            json!({"SegmentAttributes": {"routing_tier": {"ValueString": "gold"}}}),
            "AttributeNotAllowed",
            "SegmentAttributes.routing_tier",
        ),
        (
            json!({"SegmentAttributes": ["x"]}),
            "InvalidField",
            "SegmentAttributes",
        ),
        (
            json!({"CustomerId": "C-1001"}),
            "InvalidField",
            "CustomerId",
        ),
        (
            json!({"ParticipantConfiguration": {"ResponseMode": "STREAMING"}}),
            "InvalidField",
            "ParticipantConfiguration.ResponseMode",
        ),
        (
            json!({"ConnectionTypes": ["WEBSOCKET", "CONNECTION_CREDENTIALS", "WEBSOCKET"]}),
            "InvalidField",
            "ConnectionTypes",
        ),
        (
            json!({"ConnectionTypes": ["AUTHENTICATION_SESSION"]}),
            "InvalidField",
            "ConnectionTypes[0]",
        ),
    ];
    for (patch, code, field) in cases {
        let mut body = chat_body();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let answer = stack
            .start_chat(with_body(event("start-chat.json"), &body.to_string()))
            .await;
        assert_eq!(answer.status, 400, "{patch}: {}", answer.body);
        assert_eq!(answer.code(), code, "{patch}");
        assert_eq!(answer.field(), field, "{patch}");
        assert!(answer.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
        assert_eq!(
            answer.header("access-control-allow-origin"),
            Some(ALLOWED_ORIGIN),
            "{patch}"
        );
    }
    assert_eq!(
        stack.contact_count(),
        0,
        "no invalid request reached Connect"
    );
}

#[tokio::test]
async fn invalid_event_files_are_refused_with_their_field() {
    let stack = Stack::start().await;
    let cases = [
        (
            "start-chat-invalid-display-name.json",
            400,
            "InvalidField",
            Some("ParticipantDetails.DisplayName"),
        ),
        (
            "start-chat-invalid-attribute.json",
            400,
            "AttributeNotAllowed",
            Some("Attributes.isAdmin"),
        ),
        (
            "start-chat-invalid-customer-id.json",
            400,
            "InvalidField",
            Some("CustomerId"),
        ),
        ("start-chat-invalid-json.json", 400, "InvalidBody", None),
    ];
    for (name, status, code, field) in cases {
        let answer = stack.start_chat(event(name)).await;
        assert_eq!(answer.status, status, "{name}");
        assert_eq!(answer.code(), code, "{name}");
        assert_eq!(answer.body["error"]["field"].as_str(), field, "{name}");
        assert_eq!(answer.body["error"]["requestId"], "Wk2bUjVSoAMEbXg=");
    }
    assert_eq!(stack.contact_count(), 0);
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_client_errors() {
    let stack = Stack::start().await;
    for (body, status, code) in [
        ("", 400, "InvalidBody"),
        ("[]", 400, "InvalidBody"),
        ("\"text\"", 400, "InvalidBody"),
        ("{\"a\":", 400, "InvalidBody"),
    ] {
        let answer = stack
            .start_chat(with_body(event("start-chat.json"), body))
            .await;
        assert_eq!((answer.status, answer.code()), (status, code), "{body:?}");
    }
    let huge = json!({"ParticipantDetails": {"DisplayName": "Ana"}, "Pad": "x".repeat(70_000)});
    let answer = stack
        .start_chat(with_body(event("start-chat.json"), &huge.to_string()))
        .await;
    assert_eq!((answer.status, answer.code()), (413, "PayloadTooLarge"));
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
}

#[tokio::test]
async fn cors_allows_configured_origins_only() {
    let stack = Stack::start().await;

    let preflight = stack.start_chat(event("start-chat-preflight.json")).await;
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
    assert_eq!(
        preflight.header("access-control-allow-methods"),
        Some("POST, OPTIONS")
    );
    let allowed_headers = preflight.header("access-control-allow-headers").unwrap();
    for h in ["content-type", "idempotency-key", "x-amz-bearer"] {
        assert!(allowed_headers.contains(h), "{h} in {allowed_headers}");
    }
    assert!(preflight.header("access-control-max-age").is_some());

    let evil = "https://evil.example.net";
    let preflight = stack
        .start_chat(with_header(
            event("start-chat-preflight.json"),
            "origin",
            evil,
        ))
        .await;
    assert_eq!(preflight.status, 204);
    assert!(preflight
        .headers
        .keys()
        .all(|k| !k.as_str().starts_with("access-control-")));

    let refused = stack
        .start_chat(with_header(event("start-chat.json"), "origin", evil))
        .await;
    assert_eq!((refused.status, refused.code()), (403, "OriginNotAllowed"));
    assert!(refused
        .headers
        .keys()
        .all(|k| !k.as_str().starts_with("access-control-")));
    assert_eq!(
        stack.contact_count(),
        0,
        "a disallowed page cannot start chats"
    );

    let server_side = stack
        .start_chat(without_header(event("start-chat.json"), "origin"))
        .await;
    assert_eq!(
        server_side.status, 200,
        "requests without Origin (servers, curl) are allowed"
    );
    assert!(server_side.header("access-control-allow-origin").is_none());

    let get = stack
        .start_chat(with_method(event("start-chat.json"), Method::GET))
        .await;
    assert_eq!((get.status, get.code()), (405, "MethodNotAllowed"));
    assert_eq!(get.header("allow"), Some("POST, OPTIONS"));
    assert_eq!(
        get.header("access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
}

#[tokio::test]
async fn the_same_idempotency_key_never_creates_a_second_chat() {
    let stack = Stack::start().await;
    let first = stack.start_chat(event("start-chat-idempotent.json")).await;
    let second = stack.start_chat(event("start-chat-idempotent.json")).await;
    assert_eq!(first.status, 200);
    assert_eq!(second.status, 200);
    let id = |a: &Answer| a.body["data"]["startChatResult"]["ContactId"].clone();
    assert_eq!(id(&first), id(&second));
    assert_eq!(stack.contact_count(), 1);

    // The body's ClientToken works the same way; when both are sent, the header wins.
    let body = json!({"ParticipantDetails": {"DisplayName": "Ana"}, "ClientToken": "body-token-1"})
        .to_string();
    let a = stack
        .start_chat(with_body(event("start-chat.json"), &body))
        .await;
    let b = stack
        .start_chat(with_body(event("start-chat.json"), &body))
        .await;
    assert_eq!(id(&a), id(&b));
    let other_body_token =
        json!({"ParticipantDetails": {"DisplayName": "Ana"}, "ClientToken": "body-token-2"})
            .to_string();
    let with_key = |body: &str| {
        with_header(
            with_body(event("start-chat.json"), body),
            "idempotency-key",
            "header-key-1",
        )
    };
    let header_wins = stack.start_chat(with_key(&body)).await;
    let header_again = stack.start_chat(with_key(&other_body_token)).await;
    assert_eq!(
        id(&header_wins),
        id(&header_again),
        "the header's key decided, not the body's ClientToken"
    );
    assert_ne!(id(&header_wins), id(&a));
    let empty_key = stack
        .start_chat(with_header(
            with_body(event("start-chat.json"), &body),
            "idempotency-key",
            " ",
        ))
        .await;
    assert_eq!(
        (empty_key.status, empty_key.field()),
        (400, "Idempotency-Key")
    );

    // Without a token, every request is a new chat.
    let c = stack.start_chat(event("start-chat-minimal.json")).await;
    let d = stack.start_chat(event("start-chat-minimal.json")).await;
    assert_ne!(id(&c), id(&d));
    assert_eq!(stack.contact_count(), 5);
}

#[tokio::test]
async fn the_same_key_with_another_request_gets_another_chat_never_the_first_callers_token() {
    let stack = Stack::start().await;
    let send = |name: &str, plan: &str| {
        let body = json!({
            "ParticipantDetails": {"DisplayName": name},
            "Attributes": {"plan": plan},
        })
        .to_string();
        stack.start_chat(with_header(
            with_body(event("start-chat.json"), &body),
            "idempotency-key",
            "leaked-key-1",
        ))
    };
    let first = send("Ana", "gold").await;
    let retry = send("Ana", "gold").await;
    let other = send("Mallory", "free").await;
    let result = |a: &Answer| a.body["data"]["startChatResult"].clone();
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(other.status, 200, "{}", other.body);
    assert_eq!(result(&first), result(&retry), "a retry is the same chat");
    assert_ne!(result(&other)["ContactId"], result(&first)["ContactId"]);
    assert_ne!(
        result(&other)["ParticipantToken"],
        result(&first)["ParticipantToken"]
    );
    assert_eq!(stack.contact_count(), 2);
}

#[tokio::test]
async fn a_transient_connect_failure_is_retried_with_the_same_client_token() {
    let stack = Stack::start().await;
    stack
        .inject("StartChatContact", "ThrottlingException", 1)
        .await;
    stack
        .inject("StartChatContact", "InternalServiceException", 1)
        .await;
    let answer = stack.start_chat(event("start-chat-idempotent.json")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(stack.contact_count(), 1);
    let contact = stack
        .server
        .store
        .with(|i| i.contacts.values().next().cloned())
        .unwrap();
    // The key is bound to the request (README, Idempotency): Connect sees a digest, not the key.
    assert!(
        contact.client_token.starts_with("ik1-"),
        "{}",
        contact.client_token
    );
    assert!(!contact.client_token.contains("7d3f6c1e"));
}

#[tokio::test]
async fn every_modelled_connect_error_maps_to_its_status() {
    let cases = [
        ("InvalidRequestException", 400, "UpstreamRejected", None),
        ("InvalidParameterException", 400, "UpstreamRejected", None),
        ("ResourceNotFoundException", 500, "Misconfigured", None),
        ("AccessDeniedException", 500, "Misconfigured", None),
        ("LimitExceededException", 429, "QuotaExceeded", Some("30")),
        ("ThrottlingException", 429, "Throttled", Some("1")),
        ("TooManyRequestsException", 429, "Throttled", Some("1")),
        ("InternalServiceException", 502, "UpstreamFailure", None),
    ];
    for (error, status, code, retry_after) in cases {
        let stack = Stack::start().await;
        // More faults than attempts, so retries cannot hide the error.
        stack.inject("StartChatContact", error, 5).await;
        let answer = stack.start_chat(event("start-chat.json")).await;
        assert_eq!(
            (answer.status, answer.code()),
            (status, code),
            "{error}: {}",
            answer.body
        );
        assert_eq!(answer.header("retry-after"), retry_after, "{error}");
        assert_eq!(
            answer.header("access-control-allow-origin"),
            Some(ALLOWED_ORIGIN),
            "{error}"
        );
        let message = answer.body["error"]["message"].as_str().unwrap();
        assert!(
            !message.contains("Injected"),
            "no upstream text in bodies: {message}"
        );
        assert_eq!(stack.contact_count(), 0);
    }
}

#[tokio::test]
async fn a_wrong_instance_or_credentials_is_a_misconfiguration() {
    let stack = Stack::start_with(
        Default::default(),
        &[(
            "CONNECT_INSTANCE_ID",
            "99999999-9999-4999-8999-999999999999",
        )],
    )
    .await;
    let logs = LogCapture::default();
    let _guard = logs.install("info");
    let answer = stack.start_chat(event("start-chat-minimal.json")).await;
    assert_eq!((answer.status, answer.code()), (500, "Misconfigured"));
    assert!(
        logs.contents().contains("CONNECT_INSTANCE_ID"),
        "the log says what to fix"
    );

    let stack = Stack::start().await;
    let sdk = sdk_config(
        &stack.server.base_url,
        connect_local::DEFAULT_ACCESS_KEY_ID,
        "wrong-secret",
    )
    .await;
    let client = shared::connect::connect_client(&sdk);
    let resp = shared::handlers::handle_start_chat(
        &stack.chat_config,
        &client,
        None,
        event("start-chat.json"),
    )
    .await
    .unwrap();
    assert_eq!(
        resp.status(),
        500,
        "a rejected signature is the operator's problem"
    );
}

#[tokio::test]
async fn an_unreachable_connect_is_a_503() {
    let stack = Stack::start().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let sdk = sdk_config(&format!("http://{closed}"), "a", "b").await;
    let client = shared::connect::connect_client(&sdk);
    let resp = shared::handlers::handle_start_chat(
        &stack.chat_config,
        &client,
        None,
        event("start-chat.json"),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn tokens_names_and_attribute_values_never_reach_the_logs() {
    let stack = Stack::start().await;
    let logs = LogCapture::default();
    let _guard = logs.install("trace");
    let (started, connection_token, attachment) = stack.chat_with_attachment().await;
    let participant_token = started.body["data"]["startChatResult"]["ParticipantToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let upload_url = attachment.body["UploadMetadata"]["Url"]
        .as_str()
        .unwrap()
        .to_owned();

    let text = logs.contents();
    assert!(
        text.contains("\"route\":\"POST /chat\""),
        "request lines are logged: {text}"
    );
    assert!(text.contains("\"request_id\":\"Wk2bUjVSoAMEbXg=\""));
    assert!(text.contains("\"latency_ms\""));
    assert!(text.contains("\"outcome\":\"ok\""));
    for secret in [
        participant_token.as_str(),
        connection_token.as_str(),
        upload_url.as_str(),
        "Ana Customer",
        "C-1001",
        "Hi, I need help with my order",
    ] {
        if let Some(line) = text.lines().find(|l| l.contains(secret)) {
            panic!("log output contains a secret ({secret}) in: {line}");
        }
    }
    // The upload URL's signature alone must not leak either.
    let signature = upload_url.split("Signature=").nth(1).unwrap();
    assert!(!text.contains(signature));
}

#[tokio::test]
async fn behind_the_front_door_requests_without_the_origin_verify_header_are_refused() {
    let stack = Stack::start_with(
        connect_local::Options::default(),
        &[("ORIGIN_VERIFY_SECRET", "front-door-secret-value")],
    )
    .await;
    let direct = stack.start_chat(event("start-chat.json")).await;
    assert_eq!((direct.status, direct.code()), (403, "DirectAccessDenied"));
    let wrong = stack
        .start_chat(with_header(
            event("start-chat.json"),
            "x-origin-verify",
            "front-door-secret-valuX",
        ))
        .await;
    assert_eq!(wrong.status, 403);
    let through = stack
        .start_chat(with_header(
            event("start-chat.json"),
            "x-origin-verify",
            "front-door-secret-value",
        ))
        .await;
    assert_eq!(through.status, 200, "{}", through.body);
    assert_eq!(stack.contact_count(), 1);
}

#[tokio::test]
async fn todays_members_reach_connect_and_the_answer_opens_the_chat_without_another_call() {
    let stack = Stack::start_with(
        Default::default(),
        &[
            ("ALLOWED_SEGMENT_ATTRIBUTES", "connect:Subtype,routing_*"),
            ("DISCONNECT_ON_CUSTOMER_EXIT", "AGENT"),
        ],
    )
    .await;
    let sent: Value = serde_json::from_slice(event("start-chat-guide.json").body()).unwrap();
    let answer = stack.start_chat(event("start-chat-guide.json")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let result = &answer.body["data"]["startChatResult"];
    let contact_id = result["ContactId"].as_str().unwrap();
    let contact = stack
        .server
        .store
        .with(|inner| inner.contacts[contact_id].clone());
    assert_eq!(
        Value::Object(contact.segment_attributes.clone()),
        sent["SegmentAttributes"],
        "every form of segment attribute reaches Connect as sent"
    );
    assert_eq!(
        contact.response_mode,
        Some(connect_local::store::ResponseMode::Incremental)
    );
    assert_eq!(
        contact.disconnect_on_customer_exit,
        [connect_local::store::ExitDisconnects::Agent]
    );
    assert_eq!(
        contact.connection_types,
        ["WEBSOCKET", "CONNECTION_CREDENTIALS"]
    );

    // The answer carries the websocket and the connection token: the customer chats with no
    // CreateParticipantConnection call.
    let url = result["Websocket"]["Url"].as_str().expect("Websocket.Url");
    assert!(result["Websocket"]["ConnectionExpiry"].is_string());
    let token = result["ConnectionCredentials"]["ConnectionToken"]
        .as_str()
        .expect("ConnectionCredentials.ConnectionToken");
    assert!(result["ConnectionCredentials"]["Expiry"].is_string());
    let mut socket = ChatSocket::open(url).await;
    stack
        .participant
        .send_message()
        .connection_token(token)
        .content_type("text/plain")
        .content("hello without a second round trip")
        .send()
        .await
        .expect("the returned ConnectionToken is accepted");
    socket
        .until(|item| {
            item["Type"] == "MESSAGE"
                && item["ParticipantRole"] == "CUSTOMER"
                && item["Content"] == "hello without a second round trip"
        })
        .await;

    // The deployment turned the post-chat survey on: the customer leaving goes to the survey.
    stack
        .participant
        .disconnect_participant()
        .connection_token(token)
        .send()
        .await
        .unwrap();
    let (question, _) = socket
        .until(|item| item["Type"] == "MESSAGE" && item["ParticipantRole"] == "SYSTEM")
        .await;
    assert!(question["Content"].as_str().unwrap().contains("rate"));
    assert!(
        !stack
            .server
            .store
            .with(|inner| inner.contacts[contact_id].ended),
        "the contact goes on to its survey"
    );
}

#[tokio::test]
async fn segment_attribute_rules_name_the_broken_value() {
    let stack = Stack::start_with(
        Default::default(),
        &[("ALLOWED_SEGMENT_ATTRIBUTES", "connect:Subtype,routing_*")],
    )
    .await;
    let cases = [
        (
            json!({"connect:Subtype": {"ValueString": "connect:Guide"}}),
            "SegmentAttributes.connect:Subtype",
        ),
        (
            json!({"routing_tier": {"ValueString": "x".repeat(1025)}}),
            "SegmentAttributes.routing_tier.ValueString",
        ),
        (
            json!({"routing_tier": {"ValueInteger": 4_294_967_296_i64}}),
            "SegmentAttributes.routing_tier.ValueInteger",
        ),
        (
            json!({"routing_tier": {"ValueString": "a", "ValueInteger": 1}}),
            "SegmentAttributes.routing_tier",
        ),
        (
            json!({"routing_tier": {"ValueMap": {"a": {"ValueList": [{"ValueString": "x"}]}}}}),
            "SegmentAttributes.routing_tier.ValueMap.a.ValueList",
        ),
        (
            json!({"connect:Subtype": {"ValueList": [{"ValueArn": "arn:aws:x"}]}}),
            "SegmentAttributes.connect:Subtype.ValueList[0].ValueArn",
        ),
        (
            json!({"connect:Other": {"ValueString": "x"}}),
            "SegmentAttributes.connect:Other",
        ),
    ];
    for (attributes, field) in cases {
        let mut body = chat_body();
        body["SegmentAttributes"] = attributes.clone();
        let answer = stack
            .start_chat(with_body(event("start-chat.json"), &body.to_string()))
            .await;
        assert_eq!(
            (answer.status, answer.field()),
            (400, field),
            "{attributes}"
        );
    }
    assert_eq!(stack.contact_count(), 0);
}

#[tokio::test]
async fn widgets_that_ask_for_nothing_new_get_the_answer_they_always_got() {
    let stack = Stack::start().await;
    let answer = stack.start_chat(event("start-chat.json")).await;
    let result = answer.body["data"]["startChatResult"].as_object().unwrap();
    let mut keys: Vec<_> = result.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["ContactId", "ParticipantId", "ParticipantToken"]);
    let contact_id = result["ContactId"].as_str().unwrap();
    let contact = stack
        .server
        .store
        .with(|inner| inner.contacts[contact_id].clone());
    assert!(contact.segment_attributes.is_empty());
    assert!(contact.disconnect_on_customer_exit.is_empty());
    assert!(contact.connection_types.is_empty());
    assert_eq!(contact.response_mode, None);
}
