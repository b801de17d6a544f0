//! connect-local's chat, as the real Participant SDK and a websocket client see it: the socket
//! protocol, messages and events broadcast to every participant, receipts, the transcript with
//! its paging, disconnection, attachment scanning, persistent chat and the simulated agent.

use std::time::Duration;

use aws_sdk_connect::types::{ParticipantDetails, PersistentChat, RehydrationType};
use aws_sdk_connectparticipant::error::ProvideErrorMetadata;
use aws_sdk_connectparticipant::types::{ScanDirection, SortKey, StartPosition};
use base64::Engine;
use connect_local::{Options, DEFAULT_CONTACT_FLOW_ID, DEFAULT_INSTANCE_ID};
use integration_tests::*;
use serde_json::{json, Value};

const TYPING: &str = "application/vnd.amazonaws.connect.event.typing";
const READ: &str = "application/vnd.amazonaws.connect.event.message.read";

fn fast_agent() -> Options {
    Options {
        agent_join_delay: Duration::from_millis(50),
        agent_reply_delay: Duration::from_millis(50),
        ..Options::default()
    }
}

fn no_agent() -> Options {
    Options {
        agent: false,
        ..Options::default()
    }
}

/// Starts a chat with the SDK; returns (ContactId, ParticipantToken).
async fn start(stack: &Stack, name: &str, types: &[&str]) -> (String, String) {
    let mut call = start_chat_call(&stack.connect, name);
    for t in types {
        call = call.supported_messaging_content_types(*t);
    }
    let out = call.send().await.expect("StartChatContact succeeds");
    (
        out.contact_id().unwrap().to_owned(),
        out.participant_token().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn the_socket_answers_heartbeat_and_ping_exactly_as_chatjs_checks() {
    let stack = Stack::start_with(no_agent(), &[]).await;
    let (_, participant_token) = start(&stack, "Ana", &[]).await;
    let (_, mut socket) = stack.connect_participant(&participant_token).await;
    socket.send(r#"{"topic":"aws/heartbeat"}"#).await;
    assert_eq!(
        socket.frame().await.unwrap(),
        json!({"topic": "aws/heartbeat"})
    );
    socket.send(r#"{"topic":"aws/ping"}"#).await;
    assert_eq!(
        socket.frame().await.unwrap(),
        json!({"topic": "aws/ping", "statusCode": 200, "statusContent": "OK"})
    );
}

#[tokio::test]
async fn the_agent_joins_greets_reads_types_and_answers() {
    let stack = Stack::start_with(fast_agent(), &[]).await;
    let (contact_id, participant_token) = start(&stack, "Ana", &[]).await;
    let (token, mut socket) = stack.connect_participant(&participant_token).await;

    let (joined, _) = socket.until(|i| is_event(i, "participant.joined")).await;
    assert_eq!(joined["ParticipantRole"], "AGENT");
    let agent_id = joined["ParticipantId"].as_str().unwrap().to_owned();
    let (greeting, before) = socket.until(|i| i["Type"] == "MESSAGE").await;
    assert!(
        before.iter().any(|i| i["ContentType"] == TYPING),
        "typing shows before the greeting"
    );
    assert!(greeting["Content"].as_str().unwrap().contains("Hello Ana"));

    let message_id = stack.say(&token, "Where is my order?").await;
    // The sender gets its own message too (every item is broadcast to all participants).
    let (echo, _) = socket.until(|i| i["Type"] == "MESSAGE").await;
    assert_eq!(
        (
            echo["Id"].as_str().unwrap(),
            echo["ParticipantRole"].as_str().unwrap()
        ),
        (message_id.as_str(), "CUSTOMER")
    );
    let (receipt, _) = socket.until(|i| i["Type"] == "MESSAGEMETADATA").await;
    assert_eq!(receipt["MessageMetadata"]["MessageId"], json!(message_id));
    let r = &receipt["MessageMetadata"]["Receipts"][0];
    assert_eq!(
        r["RecipientParticipantId"],
        json!(agent_id),
        "the agent read it"
    );
    assert!(r["ReadTimestamp"].is_string());
    let (reply, before) = socket.until(|i| i["Type"] == "MESSAGE").await;
    assert!(before.iter().any(|i| i["ContentType"] == TYPING));
    assert_eq!(reply["Content"], "You said: Where is my order?");
    assert_eq!(reply["ParticipantRole"], "AGENT");
    for item in [&joined, &greeting, &echo, &reply] {
        assert_eq!(item["ContactId"], json!(contact_id));
        assert_eq!(item["InitialContactId"], json!(contact_id));
        assert!(item["AbsoluteTime"].as_str().unwrap().ends_with('Z'));
    }
}

#[tokio::test]
async fn customer_and_agent_sockets_both_receive_everything_and_receipts_flow_both_ways() {
    let stack = Stack::start_with(no_agent(), &[]).await;
    let (contact_id, participant_token) = start(&stack, "Ana", &[]).await;
    let (customer_token, mut customer) = stack.connect_participant(&participant_token).await;
    let (status, joined) = stack
        .admin(
            &format!("/_local/contacts/{contact_id}/agent/join"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (agent_token, mut agent) = stack
        .connect_participant(joined["ParticipantToken"].as_str().unwrap())
        .await;

    let from_agent = stack.say(&agent_token, "Hi Ana").await;
    for socket in [&mut customer, &mut agent] {
        let (m, _) = socket.until(|i| i["Type"] == "MESSAGE").await;
        assert_eq!(m["Id"], json!(from_agent));
    }
    stack
        .participant
        .send_event()
        .connection_token(&customer_token)
        .content_type(READ)
        .content(json!({"messageId": from_agent}).to_string())
        .send()
        .await
        .expect("read receipt accepted");
    let (receipt, _) = agent.until(|i| i["Type"] == "MESSAGEMETADATA").await;
    assert_eq!(
        receipt["MessageMetadata"]["Receipts"][0]["RecipientParticipantId"],
        json!(stack_customer_id(&stack, &contact_id))
    );
    stack
        .participant
        .send_event()
        .connection_token(&customer_token)
        .content_type(TYPING)
        .send()
        .await
        .unwrap();
    let (typing, _) = agent.until(|i| i["ContentType"] == TYPING).await;
    assert_eq!(typing["ParticipantRole"], "CUSTOMER");
}

fn stack_customer_id(stack: &Stack, contact_id: &str) -> String {
    stack.server.store.with(|i| {
        i.contacts[contact_id].participants[0]
            .participant_id
            .clone()
    })
}

#[tokio::test]
async fn messages_and_events_are_validated_as_the_service_does() {
    let stack = Stack::start_with(no_agent(), &[]).await;
    let (_, participant_token) = start(&stack, "Ana", &["text/plain"]).await;
    let (token, _socket) = stack.connect_participant(&participant_token).await;
    let code = |e: &dyn ProvideErrorMetadata| e.code().unwrap_or_default().to_owned();

    let err = stack
        .participant
        .send_message()
        .connection_token(&token)
        .content_type("text/markdown")
        .content("**hi**")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(err.as_service_error().unwrap()),
        "ValidationException",
        "markdown not in SupportedMessagingContentTypes"
    );
    let err = stack
        .participant
        .send_message()
        .connection_token(&token)
        .content_type("text/plain")
        .content("x".repeat(16385))
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
    let err = stack
        .participant
        .send_message()
        .connection_token(&token)
        .content_type("text/plain")
        .content("")
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
    let err = stack
        .participant
        .send_event()
        .connection_token(&token)
        .content_type("application/vnd.amazonaws.connect.event.chat.ended")
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
    let err = stack
        .participant
        .send_event()
        .connection_token(&token)
        .content_type(READ)
        .content(r#"{"messageId":"nope"}"#)
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());

    // The same ClientToken sends once.
    let send = || {
        stack
            .participant
            .send_message()
            .connection_token(&token)
            .content_type("text/plain")
            .content("once")
            .client_token("m-1")
            .send()
    };
    let (a, b) = (send().await.unwrap(), send().await.unwrap());
    assert_eq!(a.id(), b.id());
    let count = stack.server.store.with(|i| {
        i.contacts
            .values()
            .next()
            .unwrap()
            .transcript
            .iter()
            .filter(|t| t.content.as_deref() == Some("once"))
            .count()
    });
    assert_eq!(count, 1);
}

#[tokio::test]
async fn the_transcript_pages_in_both_directions_and_accepts_chatjs_requests() {
    let stack = Stack::start_with(no_agent(), &[]).await;
    let (contact_id, participant_token) = start(&stack, "Ana", &[]).await;
    let (token, _socket) = stack.connect_participant(&participant_token).await;
    for n in 1..=12 {
        stack.say(&token, &format!("m{n}")).await;
    }
    // What chatjs sends: MaxResults 15, BACKWARD, ASCENDING, an empty StartPosition.
    let page = stack
        .participant
        .get_transcript()
        .connection_token(&token)
        .max_results(15)
        .scan_direction(ScanDirection::Backward)
        .sort_order(SortKey::Ascending)
        .start_position(StartPosition::builder().build())
        .send()
        .await
        .expect("chatjs's transcript request is accepted");
    let contents: Vec<String> = page
        .transcript()
        .iter()
        .filter_map(|i| i.content().map(str::to_owned))
        .collect();
    assert_eq!(contents.first().map(String::as_str), Some("m1"));
    assert_eq!(contents.last().map(String::as_str), Some("m12"));
    assert_eq!(page.initial_contact_id(), Some(contact_id.as_str()));
    assert!(
        page.transcript()
            .iter()
            .any(|i| i.r#type().map(|t| t.as_str()) == Some("EVENT")),
        "participant.joined is kept"
    );

    // Paging backwards 5 at a time visits every message exactly once.
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = stack
            .participant
            .get_transcript()
            .connection_token(&token)
            .max_results(5)
            .scan_direction(ScanDirection::Backward)
            .sort_order(SortKey::Descending)
            .set_next_token(next.clone())
            .send()
            .await
            .unwrap();
        seen.extend(
            page.transcript()
                .iter()
                .filter_map(|i| i.content().map(str::to_owned)),
        );
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    let expected: Vec<String> = (1..=12).rev().map(|n| format!("m{n}")).collect();
    assert_eq!(seen, expected);

    let err = stack
        .participant
        .get_transcript()
        .connection_token(&token)
        .contact_id("someone-else")
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
}

#[tokio::test]
async fn disconnecting_pushes_left_then_ended_closes_the_socket_and_locks_the_chat() {
    let stack = Stack::start_with(no_agent(), &[]).await;
    let (_, participant_token) = start(&stack, "Ana", &[]).await;
    let (token, mut socket) = stack.connect_participant(&participant_token).await;
    stack
        .participant
        .disconnect_participant()
        .connection_token(&token)
        .send()
        .await
        .unwrap();
    let (ended, before) = socket.until(|i| is_event(i, "chat.ended")).await;
    assert!(before
        .iter()
        .any(|i| is_event(i, "participant.left") && i["ParticipantRole"] == "CUSTOMER"));
    assert!(ended["ContactId"].is_string());
    assert!(
        socket.item().await.is_none(),
        "the socket closes after chat.ended"
    );

    let err = stack
        .participant
        .send_message()
        .connection_token(&token)
        .content_type("text/plain")
        .content("hi")
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_access_denied_exception());
    let err = stack
        .participant
        .create_participant_connection()
        .participant_token(&participant_token)
        .r#type(aws_sdk_connectparticipant::types::ConnectionType::ConnectionCredentials)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error().unwrap().is_access_denied_exception(),
        "403 once the chat has ended"
    );
}

#[tokio::test]
async fn the_agent_can_end_the_chat_and_send_files() {
    let stack = Stack::start_with(fast_agent(), &[]).await;
    let (_, participant_token) = start(&stack, "Ana", &[]).await;
    let (token, mut socket) = stack.connect_participant(&participant_token).await;
    socket
        .until(|i| i["Type"] == "MESSAGE" && i["ParticipantRole"] == "AGENT")
        .await;

    stack.say(&token, "/attachment").await;
    let (item, _) = socket.until(|i| i["Type"] == "ATTACHMENT").await;
    assert_eq!(item["ParticipantRole"], "AGENT");
    let attachment = &item["Attachments"][0];
    assert_eq!(attachment["Status"], "APPROVED");
    let download = stack
        .participant
        .get_attachment()
        .connection_token(&token)
        .attachment_id(attachment["AttachmentId"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let bytes = reqwest::get(download.url().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), b"A note from the connect-local agent.\n");

    stack.say(&token, "/end").await;
    let (_, before) = socket.until(|i| is_event(i, "chat.ended")).await;
    assert!(before
        .iter()
        .any(|i| is_event(i, "participant.left") && i["ParticipantRole"] == "AGENT"));
}

#[tokio::test]
async fn the_control_api_acts_as_the_agent() {
    let stack = Stack::start_with(no_agent(), &[]).await;
    let (contact_id, participant_token) = start(&stack, "Ana", &[]).await;
    let (_, mut socket) = stack.connect_participant(&participant_token).await;
    let base = format!("/_local/contacts/{contact_id}/agent");
    assert_eq!(
        stack
            .admin(
                &format!("{base}/messages"),
                json!({"Content": "Hello from a test"})
            )
            .await
            .0,
        201
    );
    let (m, before) = socket.until(|i| i["Type"] == "MESSAGE").await;
    assert!(
        before.iter().any(|i| is_event(i, "participant.joined")),
        "sending makes the agent join first"
    );
    assert_eq!(m["Content"], "Hello from a test");
    assert_eq!(
        stack.admin(&format!("{base}/typing"), json!({})).await.0,
        204
    );
    socket.until(|i| i["ContentType"] == TYPING).await;
    let png = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG fake");
    let (status, body) = stack
        .admin(
            &format!("{base}/attachments"),
            json!({"AttachmentName": "map.png", "ContentType": "image/png", "ContentBase64": png}),
        )
        .await;
    assert_eq!(status, 201);
    let (a, _) = socket.until(|i| i["Type"] == "ATTACHMENT").await;
    assert_eq!(a["Attachments"][0]["AttachmentId"], body["AttachmentId"]);
    assert_eq!(stack.admin(&format!("{base}/end"), json!({})).await.0, 204);
    socket.until(|i| is_event(i, "chat.ended")).await;
    assert_eq!(
        stack.admin(&format!("{base}/end"), json!({})).await.0,
        404,
        "an ended chat cannot end twice"
    );

    let contact: Value = reqwest::get(format!(
        "{}/_local/contacts/{contact_id}",
        stack.server.base_url
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let types: Vec<&str> = contact["Transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["Type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["EVENT", "EVENT", "MESSAGE", "ATTACHMENT", "EVENT", "EVENT"],
        "joined x2, message, file, left, ended"
    );
}

async fn upload(stack: &Stack, token: &str, name: &str) -> String {
    let bytes = b"%PDF-1.4 scan me";
    let started = stack
        .participant
        .start_attachment_upload()
        .connection_token(token)
        .attachment_name(name)
        .attachment_size_in_bytes(bytes.len() as i64)
        .content_type("application/pdf")
        .client_token(name)
        .send()
        .await
        .unwrap();
    let meta = started.upload_metadata().unwrap();
    let headers = meta.headers_to_include().unwrap();
    let headers = headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    assert_eq!(
        put_upload(meta.url().unwrap(), headers, bytes)
            .await
            .status(),
        200
    );
    let id = started.attachment_id().unwrap().to_owned();
    stack
        .participant
        .complete_attachment_upload()
        .connection_token(token)
        .attachment_ids(&id)
        .client_token(format!("c-{name}"))
        .send()
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn attachments_are_scanned_approved_or_rejected() {
    let options = Options {
        agent: false,
        reject_attachments_matching: Some("malware".into()),
        ..Options::default()
    };
    let stack = Stack::start_with(options, &[]).await;
    let (_, participant_token) = start(&stack, "Ana", &[]).await;
    let (token, mut socket) = stack.connect_participant(&participant_token).await;

    let good = upload(&stack, &token, "invoice.pdf").await;
    let (item, _) = socket.until(|i| i["Type"] == "ATTACHMENT").await;
    assert_eq!(
        item["Attachments"][0],
        json!({"ContentType": "application/pdf", "AttachmentId": good, "AttachmentName": "invoice.pdf", "Status": "APPROVED"})
    );
    assert_eq!(item["ParticipantRole"], "CUSTOMER");

    let bad = upload(&stack, &token, "MALWARE-sample.pdf").await;
    let (item, _) = socket.until(|i| i["Type"] == "ATTACHMENT").await;
    assert_eq!(item["Attachments"][0]["Status"], "REJECTED");
    let err = stack
        .participant
        .get_attachment()
        .connection_token(&token)
        .attachment_id(&bad)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error().unwrap().is_validation_exception(),
        "a rejected file cannot be downloaded"
    );
}

#[tokio::test]
async fn a_scan_delay_shows_in_progress_then_the_result_under_the_same_item() {
    let options = Options {
        agent: false,
        scan_delay: Duration::from_millis(200),
        ..Options::default()
    };
    let stack = Stack::start_with(options, &[]).await;
    let (_, participant_token) = start(&stack, "Ana", &[]).await;
    let (token, mut socket) = stack.connect_participant(&participant_token).await;
    upload(&stack, &token, "photo.pdf").await;
    let (first, _) = socket.until(|i| i["Type"] == "ATTACHMENT").await;
    assert_eq!(first["Attachments"][0]["Status"], "IN_PROGRESS");
    let (second, _) = socket.until(|i| i["Type"] == "ATTACHMENT").await;
    assert_eq!(second["Attachments"][0]["Status"], "APPROVED");
    assert_eq!(first["Id"], second["Id"]);
}

#[tokio::test]
async fn persistent_chat_shows_the_past_session_in_the_transcript() {
    let stack = Stack::start_with(no_agent(), &[]).await;
    let (first_id, first_token) = start(&stack, "Ana", &[]).await;
    let (token, _socket) = stack.connect_participant(&first_token).await;
    stack.say(&token, "from the first chat").await;
    stack
        .participant
        .disconnect_participant()
        .connection_token(&token)
        .send()
        .await
        .unwrap();

    let next = stack
        .connect
        .start_chat_contact()
        .instance_id(DEFAULT_INSTANCE_ID)
        .contact_flow_id(DEFAULT_CONTACT_FLOW_ID)
        .participant_details(
            ParticipantDetails::builder()
                .display_name("Ana")
                .build()
                .unwrap(),
        )
        .persistent_chat(
            PersistentChat::builder()
                .rehydration_type(RehydrationType::EntirePastSession)
                .source_contact_id(&first_id)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(next.continued_from_contact_id(), Some(first_id.as_str()));
    let (token, _socket) = stack
        .connect_participant(next.participant_token().unwrap())
        .await;
    let page = stack
        .participant
        .get_transcript()
        .connection_token(&token)
        .max_results(100)
        .scan_direction(ScanDirection::Forward)
        .sort_order(SortKey::Ascending)
        .send()
        .await
        .unwrap();
    let past = page
        .transcript()
        .iter()
        .find(|i| i.content() == Some("from the first chat"))
        .expect("past message shown");
    assert_eq!(past.related_contact_id(), Some(first_id.as_str()));
    assert_eq!(past.contact_id(), None);
    assert_eq!(
        page.initial_contact_id(),
        Some(first_id.as_str()),
        "the chain keeps its initial contact"
    );
}

#[tokio::test]
async fn views_and_authentication_routes_validate_their_input() {
    let stack = Stack::start_with(no_agent(), &[]).await;
    let (_, participant_token) = start(&stack, "Ana", &[]).await;
    let (token, _socket) = stack.connect_participant(&participant_token).await;
    let err = stack
        .participant
        .describe_view()
        .connection_token(&token)
        .view_token("unknown/view")
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_resource_not_found_exception());
    let view = stack
        .participant
        .describe_view()
        .connection_token(&token)
        .view_token("connect-local-confirm")
        .send()
        .await
        .unwrap();
    assert_eq!(view.view().and_then(|v| v.name()), Some("Confirm"));

    let err = stack
        .participant
        .get_authentication_url()
        .connection_token(&token)
        .session_id("short")
        .redirect_uri("https://a.test/cb")
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
    let ok = stack
        .participant
        .get_authentication_url()
        .connection_token(&token)
        .session_id(uuid::Uuid::new_v4().to_string())
        .redirect_uri("https://a.test/cb")
        .send()
        .await
        .unwrap();
    assert!(ok
        .authentication_url()
        .unwrap()
        .starts_with(&stack.server.base_url));
    let err = stack
        .participant
        .cancel_participant_authentication()
        .connection_token(&token)
        .session_id("x")
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
}

#[tokio::test]
async fn browsers_get_cors_answers_for_every_header_chatjs_sends() {
    let stack = Stack::start_with(no_agent(), &[]).await;
    let headers =
        "authorization,content-type,x-amz-bearer,x-amz-content-sha256,x-amz-date,x-amz-user-agent";
    for path in [
        "/participant/message",
        "/participant/connection",
        "/uploads/x",
    ] {
        let resp = reqwest::Client::new()
            .request(
                reqwest::Method::OPTIONS,
                format!("{}{path}", stack.server.base_url),
            )
            .header("origin", "http://127.0.0.1:8080")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", headers)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 204, "{path}");
        assert_eq!(
            resp.headers()["access-control-allow-origin"],
            "http://127.0.0.1:8080"
        );
        assert_eq!(resp.headers()["access-control-allow-headers"], headers);
        assert!(resp.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("PUT"));
    }
}
