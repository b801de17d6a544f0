//! connect-local on its own, as AWS: what the real SDK clients see (typed errors, idempotency,
//! token rules), the raw wire format of its errors, and many chats at once.

use aws_sdk_connect::operation::start_chat_contact::StartChatContactError;
use aws_sdk_connect::types::{ParticipantDetails, PersistentChat, RehydrationType};
use aws_sdk_connectparticipant::types::ConnectionType;
use integration_tests::*;
use serde_json::{json, Value};

fn code<E: aws_sdk_connect::error::ProvideErrorMetadata>(
    err: &aws_sdk_connect::error::SdkError<E, aws_sdk_connect::config::http::HttpResponse>,
) -> String {
    err.as_service_error()
        .and_then(|e| e.code())
        .unwrap_or("<not a service error>")
        .to_owned()
}

#[tokio::test]
async fn the_real_sdk_gets_typed_errors_for_unknown_resources_and_bad_input() {
    let stack = Stack::start().await;
    let err = start_chat_call(&stack.connect, "Ana")
        .instance_id("other")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(StartChatContactError::ResourceNotFoundException(_))
    ));
    let err = start_chat_call(&stack.connect, "Ana")
        .contact_flow_id("other")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(StartChatContactError::ResourceNotFoundException(_))
    ));

    let err = start_chat_call(&stack.connect, "Ana")
        .chat_duration_in_minutes(59)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(StartChatContactError::InvalidParameterException(_))
    ));
    let err = start_chat_call(&stack.connect, "Ana")
        .participant_details(
            ParticipantDetails::builder()
                .display_name("")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidParameterException");
    let err = start_chat_call(&stack.connect, "Ana")
        .supported_messaging_content_types("text/markdown")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(StartChatContactError::InvalidRequestException(_))
    ));
    let err = start_chat_call(&stack.connect, "Ana")
        .related_contact_id("x")
        .persistent_chat(
            PersistentChat::builder()
                .rehydration_type(RehydrationType::EntirePastSession)
                .source_contact_id("y")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidRequestException");
    let err = start_chat_call(&stack.connect, "Ana")
        .attributes("bad key", "v")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidRequestException");
    assert_eq!(stack.contact_count(), 0);
}

#[tokio::test]
async fn signatures_are_verified() {
    let stack = Stack::start().await;
    for (key, secret, expected) in [
        (
            "AKIAUNKNOWN000000000",
            connect_local::DEFAULT_SECRET_ACCESS_KEY,
            "UnrecognizedClientException",
        ),
        (
            connect_local::DEFAULT_ACCESS_KEY_ID,
            "not-the-secret",
            "InvalidSignatureException",
        ),
    ] {
        let sdk = sdk_config(&stack.server.base_url, key, secret).await;
        let err = start_chat_call(&shared::connect::connect_client(&sdk), "Ana")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), expected);
    }
    // Unsigned and tampered requests.
    let http = reqwest::Client::new();
    let url = format!("{}/contact/chat", stack.server.base_url);
    let unsigned = http.put(&url).body("{}").send().await.unwrap();
    assert_eq!(unsigned.status(), 403);
    assert_eq!(
        unsigned.headers()["x-amzn-errortype"],
        "MissingAuthenticationTokenException"
    );
    let forged = http
        .put(&url)
        .header("x-amz-date", chrono_now())
        .header(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential={}/{}/us-east-1/connect/aws4_request, SignedHeaders=host;x-amz-date, Signature={}",
                connect_local::DEFAULT_ACCESS_KEY_ID, &chrono_now()[..8], "0".repeat(64)),
        )
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(
        forged.headers()["x-amzn-errortype"],
        "InvalidSignatureException"
    );
    assert_eq!(stack.contact_count(), 0);
}

fn chrono_now() -> String {
    chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string()
}

#[tokio::test]
async fn errors_are_written_as_rest_json_services_write_them() {
    let stack = Stack::start().await;
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/participant/start-attachment-upload",
            stack.server.base_url
        ))
        .header("x-amz-bearer", "not-a-token")
        .body(r#"{"ContentType":"text/plain","AttachmentSizeInBytes":1,"AttachmentName":"a.txt","ClientToken":"t"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(resp.headers()["x-amzn-errortype"], "AccessDeniedException");
    assert!(resp.headers().contains_key("x-amzn-requestid"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"Message": "Access denied", "message": "Access denied"})
    );

    let (_, token) = stack.chat_with_connection().await;
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/participant/complete-attachment-upload",
            stack.server.base_url
        ))
        .header("x-amz-bearer", &token)
        .body(r#"{"AttachmentIds":["a","b","c"],"ClientToken":"t"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.headers()["x-amzn-errortype"], "ValidationException");
    let body: Value = resp.json().await.unwrap();
    assert!(body["Message"].as_str().unwrap().contains("AttachmentIds"));
}

#[tokio::test]
async fn tokens_are_only_good_for_their_own_routes() {
    let stack = Stack::start().await;
    let (started, connection_token) = stack.chat_with_connection().await;
    let participant_token = started.body["data"]["startChatResult"]["ParticipantToken"]
        .as_str()
        .unwrap();

    // A ConnectionToken cannot open a connection...
    let err = stack
        .participant
        .create_participant_connection()
        .participant_token(&connection_token)
        .r#type(ConnectionType::ConnectionCredentials)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_service_error()
            .and_then(|e| aws_sdk_connectparticipant::error::ProvideErrorMetadata::code(e)),
        Some("AccessDeniedException")
    );
    // ...and a ParticipantToken cannot be used where a ConnectionToken is required.
    let err = stack
        .participant
        .get_attachment()
        .connection_token(participant_token)
        .attachment_id("x")
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .is_some_and(|e| e.is_access_denied_exception()));

    // Both connection types are returned together, with the expiries chatjs needs.
    let both = stack
        .participant
        .create_participant_connection()
        .participant_token(participant_token)
        .r#type(ConnectionType::Websocket)
        .r#type(ConnectionType::ConnectionCredentials)
        .send()
        .await
        .unwrap();
    let ws = both.websocket().unwrap();
    assert!(
        ws.url().unwrap().starts_with("ws://127.0.0.1:"),
        "chatjs rejects ws://localhost"
    );
    let expiry = both.connection_credentials().unwrap().expiry().unwrap();
    assert!(
        expiry.ends_with('Z') && expiry.contains('.'),
        "millisecond ISO-8601: {expiry}"
    );
}

#[tokio::test]
async fn the_same_client_token_returns_the_same_contact() {
    let stack = Stack::start().await;
    let a = start_chat_call(&stack.connect, "Ana")
        .client_token("t-1")
        .send()
        .await
        .unwrap();
    let b = start_chat_call(&stack.connect, "Ana")
        .client_token("t-1")
        .send()
        .await
        .unwrap();
    let c = start_chat_call(&stack.connect, "Ana").send().await.unwrap();
    assert_eq!(a.contact_id(), b.contact_id());
    assert_eq!(a.participant_token(), b.participant_token());
    assert_ne!(a.contact_id(), c.contact_id());
    assert_eq!(stack.contact_count(), 2);
}

#[tokio::test]
async fn persistent_chat_continues_a_past_contact() {
    let stack = Stack::start().await;
    let first = start_chat_call(&stack.connect, "Ana").send().await.unwrap();
    let next = start_chat_call(&stack.connect, "Ana")
        .persistent_chat(
            PersistentChat::builder()
                .rehydration_type(RehydrationType::EntirePastSession)
                .source_contact_id(first.contact_id().unwrap())
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(next.continued_from_contact_id(), first.contact_id());
    let err = start_chat_call(&stack.connect, "Ana")
        .persistent_chat(
            PersistentChat::builder()
                .rehydration_type(RehydrationType::FromSegment)
                .source_contact_id("nope")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn many_concurrent_chats_and_uploads_lose_nothing() {
    const CHATS: usize = 200;
    let stack = Stack::start().await;
    let mut tasks = Vec::new();
    for i in 0..CHATS {
        let connect = stack.connect.clone();
        let participant = stack.participant.clone();
        tasks.push(tokio::spawn(async move {
            let chat = start_chat_call(&connect, "Ana")
                .attributes("n", i.to_string())
                .send()
                .await
                .unwrap();
            let conn = participant
                .create_participant_connection()
                .participant_token(chat.participant_token().unwrap())
                .r#type(ConnectionType::ConnectionCredentials)
                .send()
                .await
                .unwrap();
            let token = conn
                .connection_credentials()
                .unwrap()
                .connection_token()
                .unwrap()
                .to_owned();
            let upload = participant
                .start_attachment_upload()
                .connection_token(&token)
                .attachment_name(format!("note-{i}.txt"))
                .attachment_size_in_bytes(4)
                .content_type("text/plain")
                .client_token(format!("c-{i}"))
                .send()
                .await
                .unwrap();
            (
                chat.contact_id().unwrap().to_owned(),
                upload.attachment_id().unwrap().to_owned(),
            )
        }));
    }
    let mut contacts = std::collections::HashSet::new();
    let mut attachments = std::collections::HashSet::new();
    for task in tasks {
        let (contact, attachment) = task.await.unwrap();
        contacts.insert(contact);
        attachments.insert(attachment);
    }
    assert_eq!(contacts.len(), CHATS);
    assert_eq!(attachments.len(), CHATS);
    assert_eq!(stack.contact_count(), CHATS);
    let stored = stack
        .server
        .store
        .with(|i| (i.attachments.len(), i.connection_tokens.len()));
    assert_eq!(stored, (CHATS, CHATS));
}

#[tokio::test]
async fn the_admin_api_refuses_faults_an_operation_cannot_produce() {
    let stack = Stack::start().await;
    let http = reqwest::Client::new();
    let url = format!("{}/_local/faults", stack.server.base_url);
    for bad in [
        json!({"operation": "StartChatContact", "error": "ConflictException"}),
        json!({"operation": "NoSuchOperation", "error": "ThrottlingException"}),
        json!({"operation": "StartChatContact", "error": "ThrottlingException", "count": 0}),
    ] {
        let resp = http.post(&url).json(&bad).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
    }
    stack
        .inject("StartChatContact", "ThrottlingException", 2)
        .await;
    let listed: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed[0]["remaining"], 2);
    assert_eq!(http.delete(&url).send().await.unwrap().status(), 204);
    let listed: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn chaos_rules_throttle_fail_slow_down_and_drop_calls_at_their_rate() {
    let stack = Stack::start().await;
    let chaos = |rule: Value| {
        let stack = &stack;
        async move {
            let http = reqwest::Client::new();
            let url = format!("{}/_local/chaos", stack.server.base_url);
            assert_eq!(http.delete(&url).send().await.unwrap().status(), 204);
            let (status, _) = stack.admin("/_local/chaos", rule).await;
            assert_eq!(status, 201);
        }
    };
    // A raw client without retries shows exactly what connect-local did.
    let raw = reqwest::Client::new();
    let call = |name: &str| {
        let name = name.to_owned();
        let raw = &raw;
        let base = stack.server.base_url.clone();
        async move {
            let body = json!({
                "InstanceId": connect_local::DEFAULT_INSTANCE_ID,
                "ContactFlowId": connect_local::DEFAULT_CONTACT_FLOW_ID,
                "ParticipantDetails": {"DisplayName": name},
                "ClientToken": name,
            });
            let request = bench::client::signed_start_chat(&base, body.to_string()).unwrap();
            raw.execute(request).await
        }
    };

    chaos(json!({"operation": "StartChatContact", "rate": 1.0, "kinds": ["throttle"]})).await;
    let resp = call("t").await.unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["x-amzn-errortype"], "ThrottlingException");

    chaos(json!({"operation": "StartChatContact", "rate": 1.0, "kinds": ["serverError"]})).await;
    let resp = call("s").await.unwrap();
    assert_eq!(resp.status(), 500);
    assert_eq!(
        resp.headers()["x-amzn-errortype"],
        "InternalServiceException"
    );
    assert_eq!(
        stack.contact_count(),
        0,
        "throttled and failed calls do no work"
    );

    chaos(json!({"rate": 1.0, "kinds": ["latency"], "latencyMs": 300})).await;
    let started = std::time::Instant::now();
    assert_eq!(call("l").await.unwrap().status(), 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));

    // A dropped call did the work but the caller hears nothing; a retry with the same
    // ClientToken gets the same contact.
    chaos(json!({"operation": "StartChatContact", "rate": 1.0, "kinds": ["drop"]})).await;
    assert!(
        call("d").await.is_err(),
        "the connection closes without an answer"
    );
    assert_eq!(stack.contact_count(), 2);
    let (status, listed) = {
        let resp = raw
            .get(format!("{}/_local/chaos", stack.server.base_url))
            .send()
            .await
            .unwrap();
        (resp.status(), resp.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 200);
    assert_eq!(listed["injected"]["StartChatContact"]["drop"], 1);
    chaos(json!({"rate": 0.0, "kinds": ["drop"]})).await;
    let again = call("d").await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(
        stack.contact_count(),
        2,
        "the retry found the dropped call's contact"
    );

    // About the configured share of calls is hit.
    chaos(json!({"operation": "StartChatContact", "rate": 0.25, "kinds": ["throttle"]})).await;
    let mut throttled = 0;
    for i in 0..400 {
        if call(&format!("r{i}")).await.unwrap().status() == 429 {
            throttled += 1;
        }
    }
    assert!(
        (60..=140).contains(&throttled),
        "{throttled} of 400 at rate 0.25"
    );

    for bad in [
        json!({"rate": 1.5, "kinds": ["drop"]}),
        json!({"rate": 0.5, "kinds": []}),
        json!({"operation": "Nope", "rate": 0.5, "kinds": ["drop"]}),
    ] {
        assert_eq!(
            stack.admin("/_local/chaos", bad.clone()).await.0,
            400,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn an_expired_connection_token_is_refused_and_a_new_connection_gives_a_valid_one() {
    use aws_sdk_connectparticipant::operation::send_message::SendMessageError;
    let ttl = std::time::Duration::from_millis(400);
    let stack = Stack::start_with(
        connect_local::Options {
            connection_token_ttl: ttl,
            ..connect_local::Options::default()
        },
        &[],
    )
    .await;
    let (started, token) = stack.chat_with_connection().await;
    stack.say(&token, "before it expires").await;

    tokio::time::sleep(ttl + std::time::Duration::from_millis(100)).await;
    let err = stack
        .participant
        .send_message()
        .connection_token(&token)
        .content_type("text/plain")
        .content("after it expired")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.as_service_error(),
            Some(SendMessageError::AccessDeniedException(_))
        ),
        "{err:?}"
    );

    // The participant token still opens a connection, as chatjs does before the expiry.
    let participant_token = started.body["data"]["startChatResult"]["ParticipantToken"]
        .as_str()
        .unwrap();
    let connection = stack
        .participant
        .create_participant_connection()
        .participant_token(participant_token)
        .r#type(ConnectionType::ConnectionCredentials)
        .send()
        .await
        .expect("a new connection");
    let credentials = connection.connection_credentials().unwrap();
    let expiry = chrono::DateTime::parse_from_rfc3339(credentials.expiry().unwrap()).unwrap();
    let lifetime = expiry.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!(
        lifetime <= chrono::Duration::from_std(ttl).unwrap() && lifetime > chrono::Duration::zero(),
        "Expiry states the token's lifetime: {lifetime}"
    );
    stack
        .say(
            credentials.connection_token().unwrap(),
            "with the new token",
        )
        .await;
}
