//! connect-local and today's service models, through the real SDK clients and websockets:
//! every StartChatContact member added since 2023, the Participant Service's newer members, and
//! the protocol behaviour AWS defines around them (idempotency, validation before lookup,
//! outputs within their limits, transcript paging while the chat grows).

use aws_sdk_connect::operation::start_chat_contact::StartChatContactError;
use aws_sdk_connect::types::{
    ChatStreamingConfiguration, ConnectionType, DisconnectOnCustomerExitParticipantType,
    ParticipantConfiguration, ResponseMode, SegmentAttributeValue,
};
use aws_sdk_connectparticipant::types::{ScanDirection, SortKey};
use integration_tests::*;
use serde_json::{json, Value};

const INTERACTIVE: &str = "application/vnd.amazonaws.connect.message.interactive";
const INTERACTIVE_RESPONSE: &str = "application/vnd.amazonaws.connect.message.interactive.response";

/// connect-local with these options and the standard test configuration.
async fn stack_with(options: connect_local::Options) -> Stack {
    Stack::start_with(options, &[]).await
}

/// The simulated agent, joining and answering within milliseconds.
fn quick_agent() -> connect_local::Options {
    connect_local::Options {
        agent_join_delay: std::time::Duration::from_millis(10),
        agent_reply_delay: std::time::Duration::from_millis(10),
        ..Default::default()
    }
}

/// No simulated agent: tests act through the admin API.
fn agent_off() -> connect_local::Options {
    connect_local::Options {
        agent: false,
        ..Default::default()
    }
}

/// The ParticipantToken and ContactId of a start-chat answer.
fn ids(chat: &Answer) -> (String, String) {
    let result = &chat.body["data"]["startChatResult"];
    let field = |name: &str| result[name].as_str().unwrap_or_default().to_owned();
    (field("ParticipantToken"), field("ContactId"))
}

/// The connection token and the subscribed websocket StartChatContact returned.
async fn connected(
    started: &aws_sdk_connect::operation::start_chat_contact::StartChatContactOutput,
) -> (String, ChatSocket) {
    let token = started
        .connection_credentials()
        .and_then(|c| c.connection_token())
        .expect("a connection token")
        .to_owned();
    let url = started
        .websocket()
        .and_then(|w| w.url())
        .expect("a websocket URL");
    (token, ChatSocket::open(url).await)
}

fn guide() -> SegmentAttributeValue {
    SegmentAttributeValue::builder()
        .value_string("connect:Guide")
        .build()
}

#[tokio::test]
async fn start_chat_contact_acts_on_every_member_of_todays_model() {
    let stack = Stack::start().await;
    let started = start_chat_call(&stack.connect, "Ana")
        .supported_messaging_content_types("text/plain")
        .supported_messaging_content_types(INTERACTIVE)
        .supported_messaging_content_types(INTERACTIVE_RESPONSE)
        .segment_attributes("connect:Subtype", guide())
        .segment_attributes(
            "tier",
            SegmentAttributeValue::builder().value_integer(3).build(),
        )
        .customer_id("crm-42")
        .participant_configuration(
            ParticipantConfiguration::builder()
                .response_mode(ResponseMode::Incremental)
                .build(),
        )
        .disconnect_on_customer_exit(DisconnectOnCustomerExitParticipantType::Agent)
        .connection_types(ConnectionType::Websocket)
        .connection_types(ConnectionType::ConnectionCredentials)
        .chat_streaming_configuration(
            ChatStreamingConfiguration::builder()
                .streaming_endpoint_arn("arn:aws:sns:us-east-1:123456789012:chat-stream")
                .build()
                .expect("endpoint is set"),
        )
        .send()
        .await
        .expect("StartChatContact with every member succeeds");
    assert!(started.streaming_id().is_some_and(|id| !id.is_empty()));

    // One round trip fewer: the websocket and the connection token work without
    // CreateParticipantConnection.
    let url = started
        .websocket()
        .and_then(|w| w.url())
        .expect("a websocket URL");
    let token = started
        .connection_credentials()
        .and_then(|c| c.connection_token())
        .expect("a connection token")
        .to_owned();
    let mut socket = ChatSocket::open(url).await;
    stack
        .participant
        .send_message()
        .connection_token(&token)
        .content_type("text/plain")
        .content("straight in")
        .send()
        .await
        .expect("SendMessage with StartChatContact's connection token");
    let (item, _) = socket.until(|i| i["Type"] == "MESSAGE").await;
    assert_eq!(item["Content"], "straight in");

    let contact_id = started.contact_id().unwrap_or_default();
    let (_, contact) = stack
        .admin_get(&format!("/_local/contacts/{contact_id}"))
        .await;
    assert_eq!(
        contact["SegmentAttributes"],
        json!({"connect:Subtype": {"ValueString": "connect:Guide"}, "tier": {"ValueInteger": 3}})
    );
    assert_eq!(contact["CustomerId"], "crm-42");
    assert_eq!(contact["ResponseMode"], "INCREMENTAL");
    assert_eq!(contact["DisconnectOnCustomerExit"], json!(["AGENT"]));
    assert_eq!(
        contact["Streaming"]["StreamingId"],
        started.streaming_id().unwrap_or_default()
    );
}

#[tokio::test]
async fn a_chat_without_connection_types_answers_as_before() {
    let stack = Stack::start().await;
    let started = start_chat_call(&stack.connect, "Ana")
        .send()
        .await
        .expect("a plain StartChatContact succeeds");
    assert!(started.websocket().is_none());
    assert!(started.connection_credentials().is_none());
    assert!(started.streaming_id().is_none());
}

#[tokio::test]
async fn segment_attribute_rules_are_enforced() {
    let stack = Stack::start().await;
    // The Guide subtype needs both interactive content types.
    let err = start_chat_call(&stack.connect, "Ana")
        .supported_messaging_content_types("text/plain")
        .supported_messaging_content_types(INTERACTIVE)
        .segment_attributes("connect:Subtype", guide())
        .send()
        .await
        .unwrap_err();
    let service = err.as_service_error().expect("a service error");
    assert!(matches!(
        service,
        StartChatContactError::InvalidRequestException(_)
    ));
    assert!(
        format!("{service}").contains("interactive.response"),
        "{service}"
    );

    for (key, value) in [
        ("bad key", guide()),
        (
            "custom",
            SegmentAttributeValue::builder()
                .value_arn("arn:aws:connect:us-east-1:123456789012:instance/x")
                .build(),
        ),
        (
            "two",
            SegmentAttributeValue::builder()
                .value_string("a")
                .value_integer(1)
                .build(),
        ),
    ] {
        let err = start_chat_call(&stack.connect, "Ana")
            .segment_attributes(key, value)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err.as_service_error(),
                Some(StartChatContactError::InvalidRequestException(_))
            ),
            "{key}: {err:?}"
        );
    }
    assert_eq!(stack.contact_count(), 0);
}

#[tokio::test]
async fn validation_comes_before_lookup() {
    let stack = Stack::start().await;
    // An unknown instance and a too-long display name: the validation error, not 404.
    let err = start_chat_call(&stack.connect, &"n".repeat(257))
        .instance_id("no-such-instance")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.as_service_error(),
            Some(StartChatContactError::InvalidParameterException(_))
        ),
        "{err:?}"
    );
    // A participant call with an unknown attachment id of 257 characters.
    let (_, token) = stack.chat_with_connection().await;
    let (status, error, _) = stack
        .participant_raw(
            "/participant/attachment",
            &token,
            json!({"AttachmentId": "a".repeat(257)}),
        )
        .await;
    assert_eq!((status, error.as_str()), (400, "ValidationException"));
}

#[tokio::test]
async fn an_empty_client_token_is_no_token() {
    let stack = Stack::start().await;
    let first = start_chat_call(&stack.connect, "Ana")
        .client_token("")
        .send()
        .await
        .expect("first chat");
    let second = start_chat_call(&stack.connect, "Bo")
        .client_token("")
        .send()
        .await
        .expect("second chat");
    assert_ne!(first.contact_id(), second.contact_id());
    assert_ne!(first.participant_token(), second.participant_token());
}

#[tokio::test]
async fn send_event_replays_by_client_token_without_publishing_again() {
    let stack = Stack::start().await;
    let (chat, token) = stack.chat_with_connection().await;
    let participant_token = chat.body["data"]["startChatResult"]["ParticipantToken"]
        .as_str()
        .unwrap_or_default();
    let (watcher_token, mut socket) = stack.connect_participant(participant_token).await;
    let send_typing = || {
        stack
            .participant
            .send_event()
            .connection_token(&token)
            .content_type("application/vnd.amazonaws.connect.event.typing")
            .client_token("typing-1")
            .send()
    };
    let first = send_typing().await.expect("first SendEvent");
    let replay = send_typing().await.expect("replayed SendEvent");
    assert_eq!(first.id(), replay.id());
    assert_eq!(first.absolute_time(), replay.absolute_time());
    stack
        .participant
        .send_message()
        .connection_token(&watcher_token)
        .content_type("text/plain")
        .content("after the typing")
        .send()
        .await
        .expect("SendMessage");
    // Exactly one typing item comes before the message.
    let (_, before) = socket.until(|i| i["Type"] == "MESSAGE").await;
    let typing = before.iter().filter(|i| is_event(i, "typing")).count();
    assert_eq!(typing, 1, "{before:?}");
}

#[tokio::test]
async fn disconnect_replays_by_client_token() {
    let stack = Stack::start().await;
    let (_, token) = stack.chat_with_connection().await;
    for _ in 0..2 {
        stack
            .participant
            .disconnect_participant()
            .connection_token(&token)
            .client_token("bye-1")
            .send()
            .await
            .expect("DisconnectParticipant and its retry succeed");
    }
    let other = stack
        .participant
        .disconnect_participant()
        .connection_token(&token)
        .client_token("bye-2")
        .send()
        .await;
    assert!(other.is_err(), "another token after the end is refused");
}

#[tokio::test]
async fn message_processing_reports_its_status() {
    let stack = Stack::start_with(
        connect_local::Options {
            agent: false,
            reject_messages_matching: Some("forbidden".into()),
            ..Default::default()
        },
        &[],
    )
    .await;
    let (_, token) = stack.chat_with_connection().await;
    let (status, _, sent) = stack
        .participant_raw(
            "/participant/message",
            &token,
            json!({"ContentType": "text/plain", "Content": "a forbidden word"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        sent["MessageMetadata"]["MessageProcessingStatus"],
        "PROCESSING"
    );
    let transcript = stack
        .participant
        .get_transcript()
        .connection_token(&token)
        .send()
        .await
        .expect("GetTranscript");
    let item = transcript
        .transcript()
        .iter()
        .find(|i| i.id() == sent["Id"].as_str())
        .expect("the message is in the transcript");
    let metadata = item
        .message_metadata()
        .expect("the item carries its metadata");
    assert_eq!(
        metadata.message_processing_status().map(|s| s.as_str()),
        Some("REJECTED")
    );
}

#[tokio::test]
async fn headers_to_include_stay_within_the_model_for_long_non_ascii_names() {
    let stack = Stack::start().await;
    let (_, token) = stack.chat_with_connection().await;
    let name = format!("{}.pdf", "\u{c9}t\u{e9}-\u{1F600}".repeat(50));
    assert!(name.chars().count() <= 256);
    let started = stack
        .participant
        .start_attachment_upload()
        .connection_token(&token)
        .content_type("application/pdf")
        .attachment_size_in_bytes(4)
        .attachment_name(&name)
        .client_token("long-name")
        .send()
        .await
        .expect("StartAttachmentUpload");
    let metadata = started.upload_metadata().expect("upload metadata");
    let headers = metadata.headers_to_include().expect("headers");
    for (key, value) in headers {
        assert!(
            value.chars().count() <= 256,
            "{key} is {} characters",
            value.chars().count()
        );
    }
    let disposition = &headers["Content-Disposition"];
    assert!(
        disposition.starts_with("attachment; filename*=UTF-8''"),
        "{disposition}"
    );
    assert!(disposition.ends_with(".pdf"), "{disposition}");
    let put = put_upload(
        metadata.url().unwrap_or_default(),
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        b"%PDF",
    )
    .await;
    assert!(put.status().is_success(), "{}", put.status());
}

#[tokio::test]
async fn transcript_pages_stay_right_while_the_chat_grows() {
    let stack = stack_with(agent_off()).await;
    let (_, token) = stack.chat_with_connection().await;
    let send = |text: String| {
        stack
            .participant
            .send_message()
            .connection_token(&token)
            .content_type("text/plain")
            .content(text)
            .send()
    };
    for n in 0..5 {
        send(format!("m{n}")).await.expect("SendMessage");
    }
    let page = |next: Option<String>| {
        stack
            .participant
            .get_transcript()
            .connection_token(&token)
            .scan_direction(ScanDirection::Backward)
            .sort_order(SortKey::Descending)
            .max_results(2)
            .set_next_token(next)
            .send()
    };
    let first = page(None).await.expect("first page");
    let contents =
        |t: &aws_sdk_connectparticipant::operation::get_transcript::GetTranscriptOutput| {
            t.transcript()
                .iter()
                .filter_map(|i| i.content().map(str::to_owned))
                .collect::<Vec<_>>()
        };
    assert_eq!(contents(&first), ["m4", "m3"]);
    // New messages arrive between pages; the next page goes on from m2 all the same.
    for n in 5..8 {
        send(format!("m{n}")).await.expect("SendMessage");
    }
    let second = page(first.next_token().map(str::to_owned))
        .await
        .expect("second page");
    assert_eq!(contents(&second), ["m2", "m1"]);
    let third = page(second.next_token().map(str::to_owned))
        .await
        .expect("third page");
    assert_eq!(contents(&third).first().map(String::as_str), Some("m0"));
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let stack = Stack::start().await;
    let (_, token) = stack.chat_with_connection().await;
    let ok = reqwest::Client::new()
        .post(format!("{}/participant/transcript", stack.server.base_url))
        .header("x-amz-bearer", &token)
        .body("{}")
        .send()
        .await
        .expect("GetTranscript answers");
    assert_eq!(ok.status(), 200);
    assert!(ok.headers().contains_key("x-amzn-requestid"));
}

/// Raw calls, for what the SDKs check on the client side.
trait RawCalls {
    async fn participant_raw(&self, path: &str, token: &str, body: Value) -> (u16, String, Value);
}

impl RawCalls for Stack {
    async fn participant_raw(&self, path: &str, token: &str, body: Value) -> (u16, String, Value) {
        let resp = reqwest::Client::new()
            .post(format!("{}{path}", self.server.base_url))
            .header("x-amz-bearer", token)
            .json(&body)
            .send()
            .await
            .expect("connect-local answers");
        let status = resp.status().as_u16();
        let error = resp
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, error, resp.json().await.unwrap_or(Value::Null))
    }
}

/// Reads a streamed answer from the socket: its chunks, then the completed message.
async fn streamed(socket: &mut ChatSocket) -> (Vec<Value>, Value) {
    let mut chunks = Vec::new();
    loop {
        let (item, _) = socket
            .until(|i| {
                i["Type"] == "MESSAGE" && i["MessageMetadata"]["MessageCompleted"].is_boolean()
            })
            .await;
        if item["MessageMetadata"]["MessageCompleted"] == true {
            return (chunks, item);
        }
        chunks.push(item);
    }
}

fn check_stream(chunks: &[Value], completed: &Value, expected: &str) {
    assert!(chunks.len() >= 2, "the answer came in chunks: {chunks:?}");
    let id = &completed["Id"];
    for (n, chunk) in chunks.iter().enumerate() {
        assert_eq!(&chunk["Id"], id, "every chunk carries the message's id");
        assert_eq!(chunk["ParticipantRole"], "SYSTEM");
        assert_eq!(chunk["MessageMetadata"]["ChunkNumber"], n + 1);
        assert_eq!(chunk["MessageMetadata"]["MessageCompleted"], false);
        assert_eq!(&chunk["MessageMetadata"]["MessageId"], id);
    }
    let stitched: String = chunks
        .iter()
        .filter_map(|c| c["Content"].as_str())
        .collect();
    assert_eq!(stitched, expected);
    assert_eq!(completed["Content"], expected);
    assert_eq!(
        completed["MessageMetadata"]["ChunkNumber"],
        chunks.len() + 1
    );
}

#[tokio::test]
async fn incremental_chats_get_their_answers_streamed_in_chunks() {
    let stack = stack_with(quick_agent()).await;
    let started = start_chat_call(&stack.connect, "Ana")
        .participant_configuration(
            ParticipantConfiguration::builder()
                .response_mode(ResponseMode::Incremental)
                .build(),
        )
        .connection_types(ConnectionType::Websocket)
        .connection_types(ConnectionType::ConnectionCredentials)
        .send()
        .await
        .expect("StartChatContact");
    let (token, mut socket) = connected(&started).await;
    socket
        .until(|i| is_event(i, "participant.joined") && i["ParticipantRole"] == "AGENT")
        .await;
    stack
        .participant
        .send_message()
        .connection_token(&token)
        .content_type("text/plain")
        .content("stream this answer please")
        .send()
        .await
        .expect("SendMessage");
    let (chunks, completed) = streamed(&mut socket).await;
    check_stream(&chunks, &completed, "You said: stream this answer please");

    // The transcript holds the completed answer once, as a plain message.
    let transcript = stack
        .participant
        .get_transcript()
        .connection_token(&token)
        .send()
        .await
        .expect("GetTranscript");
    let copies: Vec<_> = transcript
        .transcript()
        .iter()
        .filter(|i| i.id() == completed["Id"].as_str())
        .collect();
    assert_eq!(copies.len(), 1);
    assert_eq!(
        copies[0].content(),
        Some("You said: stream this answer please")
    );
}

#[tokio::test]
async fn tests_can_stream_a_bot_answer_through_the_control_api() {
    let stack = stack_with(agent_off()).await;
    let (chat, _) = stack.chat_with_connection().await;
    let (participant_token, contact_id) = ids(&chat);
    let (_, mut socket) = stack.connect_participant(&participant_token).await;
    let text = "Streaming works: one, two, three, four, five.";
    let (status, answer) = stack
        .admin(
            &format!("/_local/contacts/{contact_id}/bot/stream"),
            json!({"Content": text, "Chunks": 5}),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    let (chunks, completed) = streamed(&mut socket).await;
    assert_eq!(chunks.len(), 5);
    assert_eq!(completed["Id"], answer["Id"]);
    check_stream(&chunks, &completed, text);
    let (missing, _) = stack
        .admin(
            "/_local/contacts/no-such-contact/bot/stream",
            json!({"Content": "x"}),
        )
        .await;
    assert_eq!(missing, 404);
}

#[tokio::test]
async fn the_agent_sends_each_interactive_template_and_answers_the_choice() {
    let stack = stack_with(quick_agent()).await;
    let started = start_chat_call(&stack.connect, "Ana")
        .supported_messaging_content_types("text/plain")
        .supported_messaging_content_types(INTERACTIVE)
        .supported_messaging_content_types(INTERACTIVE_RESPONSE)
        .connection_types(ConnectionType::Websocket)
        .connection_types(ConnectionType::ConnectionCredentials)
        .send()
        .await
        .expect("StartChatContact");
    let (token, mut socket) = connected(&started).await;
    socket
        .until(|i| is_event(i, "participant.joined") && i["ParticipantRole"] == "AGENT")
        .await;
    let send = |content_type: &'static str, content: String| {
        stack
            .participant
            .send_message()
            .connection_token(&token)
            .content_type(content_type)
            .content(content)
            .send()
    };
    for template in [
        "ListPicker",
        "TimePicker",
        "QuickReply",
        "Carousel",
        "Panel",
        "ViewResource",
    ] {
        send("text/plain", format!("/{}", template.to_lowercase()))
            .await
            .expect("SendMessage");
        let (item, _) = socket
            .until(|i| {
                i["Type"] == "MESSAGE"
                    && i["ParticipantRole"] == "AGENT"
                    && i["ContentType"] == INTERACTIVE
            })
            .await;
        let message: Value = serde_json::from_str(item["Content"].as_str().unwrap_or_default())
            .expect("interactive content is JSON");
        assert_eq!(message["templateType"], template);
        assert_eq!(message["version"], "1.0");
    }
    let choice = json!({"templateType": "ListPicker", "data": {"content": {"title": "Which department do you need?", "elements": [{"title": "Orders"}]}}});
    send(INTERACTIVE_RESPONSE, choice.to_string())
        .await
        .expect("SendMessage with the interactive response");
    let (answer, _) = socket
        .until(|i| {
            i["Type"] == "MESSAGE"
                && i["ParticipantRole"] == "AGENT"
                && i["ContentType"] == "text/plain"
                && i["Content"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("You chose"))
        })
        .await;
    assert_eq!(answer["Content"], "You chose: Orders");
}

#[tokio::test]
async fn a_chat_without_interactive_support_gets_words_instead() {
    let stack = stack_with(agent_off()).await;
    let (chat, _) = stack.chat_with_connection().await;
    let contact_id = chat.body["data"]["startChatResult"]["ContactId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("/_local/contacts/{contact_id}/agent/interactive");
    let (status, _) = stack
        .admin(&path, json!({"TemplateType": "QuickReply"}))
        .await;
    assert_eq!(status, 201);
    let (_, contact) = stack
        .admin_get(&format!("/_local/contacts/{contact_id}"))
        .await;
    let last = contact["Transcript"]
        .as_array()
        .and_then(|t| t.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["ContentType"], "text/plain", "{last}");
    let (bad, _) = stack.admin(&path, json!({"TemplateType": "Nope"})).await;
    assert_eq!(bad, 400);
}

#[tokio::test]
async fn a_customer_leaving_a_survey_contact_gets_the_survey_and_its_answer_is_recorded() {
    let stack = stack_with(quick_agent()).await;
    let started = start_chat_call(&stack.connect, "Ana")
        .disconnect_on_customer_exit(DisconnectOnCustomerExitParticipantType::Agent)
        .connection_types(ConnectionType::Websocket)
        .connection_types(ConnectionType::ConnectionCredentials)
        .send()
        .await
        .expect("StartChatContact");
    let contact_id = started.contact_id().unwrap_or_default().to_owned();
    let (token, mut socket) = connected(&started).await;
    socket
        .until(|i| is_event(i, "participant.joined") && i["ParticipantRole"] == "AGENT")
        .await;

    stack
        .participant
        .disconnect_participant()
        .connection_token(&token)
        .send()
        .await
        .expect("the customer ends the chat");
    let (left, _) = socket.until(|i| is_event(i, "participant.left")).await;
    assert_eq!(
        left["ParticipantRole"], "AGENT",
        "the agent leaves, not the customer"
    );
    let (question, _) = socket
        .until(|i| i["Type"] == "MESSAGE" && i["ParticipantRole"] == "SYSTEM")
        .await;
    assert!(question["Content"]
        .as_str()
        .is_some_and(|q| q.contains("1 (poor) to 5 (great)")));

    stack
        .participant
        .send_message()
        .connection_token(&token)
        .content_type("text/plain")
        .content("5")
        .send()
        .await
        .expect("the customer answers the survey");
    let (_, before_end) = socket.until(|i| is_event(i, "chat.ended")).await;
    assert!(before_end.iter().any(|i| i["ParticipantRole"] == "SYSTEM"
        && i["Content"]
            .as_str()
            .is_some_and(|c| c.starts_with("Thank you"))));
    let (_, contact) = stack
        .admin_get(&format!("/_local/contacts/{contact_id}"))
        .await;
    // The shipped disconnect flow records the answer as a contact attribute.
    assert_eq!(contact["Attributes"]["SurveyRating"], "5");
    assert_eq!(contact["Flow"]["DisconnectFlowStarted"], true);
    assert_eq!(contact["Ended"], true);
}

#[tokio::test]
async fn without_disconnect_on_customer_exit_leaving_ends_the_chat_at_once() {
    let stack = Stack::start().await;
    let (chat, token) = stack.chat_with_connection().await;
    let contact_id = chat.body["data"]["startChatResult"]["ContactId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    stack
        .participant
        .disconnect_participant()
        .connection_token(&token)
        .send()
        .await
        .expect("DisconnectParticipant");
    let (_, contact) = stack
        .admin_get(&format!("/_local/contacts/{contact_id}"))
        .await;
    assert_eq!(contact["Ended"], true);
    assert!(contact["Attributes"]["SurveyRating"].is_null());
    assert_eq!(contact["Flow"]["DisconnectFlowStarted"], false);
}

#[tokio::test]
async fn an_idle_customer_gets_idle_returned_and_autodisconnection_events() {
    let stack = Stack::start_with(
        connect_local::Options {
            agent: false,
            customer_idle_after: Some(std::time::Duration::from_millis(300)),
            customer_autodisconnect_after: Some(std::time::Duration::from_millis(400)),
            ..Default::default()
        },
        &[],
    )
    .await;
    let started = start_chat_call(&stack.connect, "Ana")
        .connection_types(ConnectionType::Websocket)
        .connection_types(ConnectionType::ConnectionCredentials)
        .send()
        .await
        .expect("StartChatContact");
    let (token, mut socket) = connected(&started).await;
    // The timers run once an agent is there with the customer.
    let contact_id = started.contact_id().unwrap_or_default();
    let (status, _) = stack
        .admin(
            &format!("/_local/contacts/{contact_id}/agent/join"),
            serde_json::Value::Null,
        )
        .await;
    assert_eq!(status, 200);
    let (idle, _) = socket.until(|i| is_event(i, "participant.idle")).await;
    assert_eq!(idle["ParticipantRole"], "CUSTOMER");
    stack
        .participant
        .send_event()
        .connection_token(&token)
        .content_type("application/vnd.amazonaws.connect.event.typing")
        .send()
        .await
        .expect("the customer types");
    socket.until(|i| is_event(i, "participant.returned")).await;
    socket.until(|i| is_event(i, "participant.idle")).await;
    // The auto-disconnect sends the agent away.
    let (left, before) = socket.until(|i| is_event(i, "participant.left")).await;
    assert_eq!(left["ParticipantRole"], "AGENT");
    assert!(
        before
            .iter()
            .any(|i| is_event(i, "participant.autodisconnection")),
        "{before:?}"
    );
}

#[tokio::test]
async fn customer_authentication_reports_each_step_to_the_chat() {
    let stack = stack_with(agent_off()).await;
    let (chat, token) = stack.chat_with_connection().await;
    let (participant_token, contact_id) = ids(&chat);
    let (_, mut socket) = stack.connect_participant(&participant_token).await;
    let session = uuid::Uuid::new_v4().to_string();
    let url = stack
        .participant
        .get_authentication_url()
        .connection_token(&token)
        .session_id(&session)
        .redirect_uri("https://www.example.com/chat?step=back")
        .send()
        .await
        .expect("GetAuthenticationUrl")
        .authentication_url()
        .unwrap_or_default()
        .to_owned();
    socket
        .until(|i| is_event(i, "authentication.initiated"))
        .await;
    let back = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{url}&outcome=failed"))
        .send()
        .await
        .expect("the sign-in page answers");
    assert_eq!(back.status(), 302);
    assert_eq!(
        back.headers()["location"],
        "https://www.example.com/chat?step=back&authentication=failed"
    );
    socket.until(|i| is_event(i, "authentication.failed")).await;

    let second = uuid::Uuid::new_v4().to_string();
    stack
        .participant
        .get_authentication_url()
        .connection_token(&token)
        .session_id(&second)
        .redirect_uri("https://www.example.com/chat")
        .send()
        .await
        .expect("GetAuthenticationUrl");
    stack
        .participant
        .cancel_participant_authentication()
        .connection_token(&token)
        .session_id(&second)
        .send()
        .await
        .expect("CancelParticipantAuthentication");
    socket
        .until(|i| is_event(i, "authentication.cancelled"))
        .await;

    let path = format!("/_local/contacts/{contact_id}/authentication");
    let (status, _) = stack.admin(&path, json!({"Outcome": "timeout"})).await;
    assert_eq!(status, 204);
    socket
        .until(|i| is_event(i, "authentication.timeout"))
        .await;
    let (bad, _) = stack.admin(&path, json!({"Outcome": "maybe"})).await;
    assert_eq!(bad, 400);
}

#[tokio::test]
async fn the_agent_sends_markdown_only_to_widgets_that_asked_for_it() {
    let stack = stack_with(agent_off()).await;
    let (plain, _) = stack.chat_with_connection().await;
    let (_, plain_contact) = ids(&plain);
    let markdown = json!({"Content": "**bold**", "ContentType": "text/markdown"});
    let path = |contact: &str| format!("/_local/contacts/{contact}/agent/messages");
    // start-chat-minimal.json asks for text/plain only.
    let minimal = stack.start_chat(event("start-chat-minimal.json")).await;
    let (_, minimal_contact) = ids(&minimal);
    let (refused, _) = stack.admin(&path(&minimal_contact), markdown.clone()).await;
    assert_eq!(refused, 400, "the widget did not ask for text/markdown");

    let (participant_token, _) = ids(&plain);
    let (_, mut socket) = stack.connect_participant(&participant_token).await;
    let (status, sent) = stack.admin(&path(&plain_contact), markdown).await;
    assert_eq!(status, 201, "{sent}");
    let (item, _) = socket.until(|i| i["Id"] == sent["Id"]).await;
    assert_eq!(item["ContentType"], "text/markdown");
    assert_eq!(item["Content"], "**bold**");

    let (bad, _) = stack
        .admin(
            &path(&plain_contact),
            json!({"Content": "<b>x</b>", "ContentType": "text/html"}),
        )
        .await;
    assert_eq!(bad, 400);
    let (missing, _) = stack
        .admin(&path("no-such-contact"), json!({"Content": "x"}))
        .await;
    assert_eq!(missing, 404);
}

#[tokio::test]
async fn a_dropped_websocket_closes_or_goes_silent_and_a_new_connection_gets_everything() {
    let stack = Stack::start_with(agent_off(), &[]).await;
    let started = start_chat_call(&stack.connect, "Ana")
        .connection_types(ConnectionType::Websocket)
        .connection_types(ConnectionType::ConnectionCredentials)
        .send()
        .await
        .expect("StartChatContact");
    let contact_id = started.contact_id().unwrap_or_default().to_owned();
    let participant_token = started.participant_token().unwrap_or_default().to_owned();
    let (_, mut closed) = connected(&started).await;
    let drop = |mode: &str| json!({"ParticipantRole": "CUSTOMER", "Mode": mode});
    let path = format!("/_local/contacts/{contact_id}/websocket/drop");
    let (status, body) = stack.admin(&path, drop("close")).await;
    assert_eq!((status, body["Dropped"].as_u64()), (200, Some(1)));
    assert!(closed.item().await.is_none(), "the server closed it");

    // A new connection with the same participant token, as chatjs reconnects; then a stall.
    let (token, mut stalled) = stack.connect_participant(&participant_token).await;
    let (status, _) = stack.admin(&path, drop("stall")).await;
    assert_eq!(status, 200);
    stalled.send(r#"{"topic":"aws/heartbeat"}"#).await;
    let from_agent = stack
        .admin(
            &format!("/_local/contacts/{contact_id}/agent/messages"),
            json!({"Content": "while stalled"}),
        )
        .await;
    assert_eq!(from_agent.0, 201);
    let silent = tokio::time::timeout(std::time::Duration::from_millis(700), stalled.frame()).await;
    assert!(
        silent.is_err(),
        "a stalled socket answers nothing and pushes nothing"
    );
    let (_, mut fresh) = stack.connect_participant(&participant_token).await;
    let transcript = stack
        .participant
        .get_transcript()
        .connection_token(&token)
        .send()
        .await
        .expect("GetTranscript");
    assert!(transcript
        .transcript()
        .iter()
        .any(|i| i.content() == Some("while stalled")));
    stack.say(&token, "back").await;
    let (item, _) = fresh.until(|i| i["Content"] == "back").await;
    assert_eq!(item["ParticipantRole"], "CUSTOMER");
    let (bad, _) = stack.admin(&path, drop("unplug")).await;
    assert_eq!(bad, 400);
}
