//! Connect operations a widget's backend calls on a running chat, each with its effect on the
//! chat: CreateParticipant (a CUSTOM_BOT that sends through the Participant Service) and
//! Start/StopContactStreaming (SNS notifications, POSTed to the local stand-in endpoint), and
//! SendChatIntegrationEvent (a messaging integration's customer, answered through streaming).

use std::sync::{Arc, Mutex};

use aws_sdk_connect::types::{
    ChatStreamingConfiguration, ParticipantDetailsToAdd, ParticipantRole,
};
use aws_sdk_connectparticipant::types::ConnectionType;
use integration_tests::*;
use serde_json::Value;

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:chat-stream";

#[tokio::test]
async fn a_custom_bot_joins_sends_through_the_participant_service_and_leaves_without_ending_the_chat(
) {
    let stack = Stack::start_with(
        connect_local::Options {
            agent: false,
            ..connect_local::Options::default()
        },
        &[],
    )
    .await;
    let (contact_id, mut customer, customer_token) = stack.customer_chat().await;
    let add = || {
        stack
            .connect
            .create_participant()
            .instance_id(connect_local::DEFAULT_INSTANCE_ID)
            .contact_id(&contact_id)
            .client_token("add-order-bot")
            .participant_details(
                ParticipantDetailsToAdd::builder()
                    .participant_role(ParticipantRole::CustomBot)
                    .display_name("Order bot")
                    .build(),
            )
            .send()
    };
    let created = add().await.expect("CreateParticipant");
    let again = add().await.expect("the same ClientToken again");
    assert_eq!(created.participant_id(), again.participant_id());

    let (joined, _) = customer
        .until(|item| {
            is_event(item, "participant.joined") && item["ParticipantRole"] == "CUSTOM_BOT"
        })
        .await;
    assert_eq!(joined["DisplayName"], "Order bot");
    assert_eq!(joined["ParticipantId"], created.participant_id().unwrap());

    // The bot opens its own connection with its participant token and talks.
    let bot_token = created
        .participant_credentials()
        .and_then(|c| c.participant_token())
        .unwrap();
    let connection = stack
        .participant
        .create_participant_connection()
        .participant_token(bot_token)
        .r#type(ConnectionType::ConnectionCredentials)
        .send()
        .await
        .expect("the bot's connection");
    let bot_connection = connection
        .connection_credentials()
        .and_then(|c| c.connection_token())
        .unwrap()
        .to_owned();
    stack.say(&bot_connection, "Your order ships today.").await;
    let (message, _) = customer.until(|item| item["Type"] == "MESSAGE").await;
    assert_eq!(message["ParticipantRole"], "CUSTOM_BOT");
    assert_eq!(message["Content"], "Your order ships today.");

    // The bot leaves; the chat goes on.
    stack
        .participant
        .disconnect_participant()
        .connection_token(&bot_connection)
        .send()
        .await
        .expect("the bot disconnects");
    let (left, _) = customer
        .until(|item| is_event(item, "participant.left"))
        .await;
    assert_eq!(left["ParticipantRole"], "CUSTOM_BOT");
    stack.say(&customer_token, "Thanks!").await;
    let (thanks, before) = customer.until(|item| item["Type"] == "MESSAGE").await;
    assert_eq!(thanks["Content"], "Thanks!");
    assert!(!before.iter().any(|i| is_event(i, "chat.ended")));

    // Chats take only CUSTOM_BOT participants.
    let refused = stack
        .connect
        .create_participant()
        .instance_id(connect_local::DEFAULT_INSTANCE_ID)
        .contact_id(&contact_id)
        .participant_details(
            ParticipantDetailsToAdd::builder()
                .participant_role(ParticipantRole::Agent)
                .display_name("Someone")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused.as_service_error().and_then(|e| e.meta().code()),
        Some("InvalidRequestException")
    );
}

/// A loopback HTTP endpoint standing in for the topic's HTTP subscription: the bodies it got.
async fn subscriber() -> (String, Arc<Mutex<Vec<(String, Value)>>>) {
    let got: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let sink = got.clone();
    let app = axum::Router::new().route(
        "/sns",
        axum::routing::post(move |headers: http::HeaderMap, body: String| {
            let sink = sink.clone();
            async move {
                let kind = headers
                    .get("x-amz-sns-message-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                sink.lock()
                    .unwrap()
                    .push((kind, serde_json::from_str(&body).unwrap_or(Value::Null)));
                http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sns", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

#[tokio::test]
async fn streaming_sends_each_item_to_the_topic_until_it_is_stopped() {
    let (endpoint, got) = subscriber().await;
    let stack = Stack::start_with(
        connect_local::Options {
            agent: false,
            streaming_endpoint: Some(endpoint),
            ..connect_local::Options::default()
        },
        &[],
    )
    .await;
    let (contact_id, mut customer, token) = stack.customer_chat().await;
    let start = || {
        stack
            .connect
            .start_contact_streaming()
            .instance_id(connect_local::DEFAULT_INSTANCE_ID)
            .contact_id(&contact_id)
            .client_token("stream-it")
            .chat_streaming_configuration(
                ChatStreamingConfiguration::builder()
                    .streaming_endpoint_arn(TOPIC)
                    .build()
                    .unwrap(),
            )
            .send()
    };
    let streaming_id = start().await.expect("StartContactStreaming").streaming_id;
    assert_eq!(
        start().await.unwrap().streaming_id,
        streaming_id,
        "idempotent"
    );

    let message_id = stack.say(&token, "streamed").await;
    customer.until(|item| item["Id"] == message_id).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let notification = loop {
        let found = got.lock().unwrap().iter().find_map(|(kind, n)| {
            let message: Value = serde_json::from_str(n["Message"].as_str()?).ok()?;
            (message["Id"] == message_id).then(|| (kind.clone(), n.clone(), message))
        });
        if let Some(found) = found {
            break found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no notification: {:?}",
            got.lock().unwrap()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let (kind, sns, message) = notification;
    assert_eq!(kind, "Notification");
    assert_eq!(sns["TopicArn"], TOPIC);
    assert_eq!(message["Content"], "streamed");
    let attributes = &sns["MessageAttributes"];
    assert_eq!(attributes["ContactId"]["Value"], contact_id.as_str());
    assert_eq!(attributes["ParticipantRole"]["Value"], "CUSTOMER");
    assert_eq!(attributes["Type"]["Value"], "MESSAGE");
    assert_eq!(attributes["MessageVisibility"]["Value"], "ALL");

    // Stopped: later items reach the customer but not the topic.
    stack
        .connect
        .stop_contact_streaming()
        .instance_id(connect_local::DEFAULT_INSTANCE_ID)
        .contact_id(&contact_id)
        .streaming_id(&streaming_id)
        .send()
        .await
        .expect("StopContactStreaming");
    let after = stack.say(&token, "not streamed").await;
    customer.until(|item| item["Id"] == after).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!got
        .lock()
        .unwrap()
        .iter()
        .any(|(_, n)| n["Message"].as_str().is_some_and(|m| m.contains(&after))));
    let (_, contact) = stack
        .admin_get(&format!("/_local/contacts/{contact_id}"))
        .await;
    assert!(contact["Streaming"].is_null(), "{contact}");

    // Stopping again names the streaming it cannot find.
    let err = stack
        .connect
        .stop_contact_streaming()
        .instance_id(connect_local::DEFAULT_INSTANCE_ID)
        .contact_id(&contact_id)
        .streaming_id(&streaming_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_service_error().and_then(|e| e.meta().code()),
        Some("ResourceNotFoundException")
    );
}

/// Waits (up to 5 s) for a streamed chat item satisfying `wanted`; returns it.
async fn streamed(got: &Mutex<Vec<(String, Value)>>, wanted: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let found = got.lock().unwrap().iter().find_map(|(_, n)| {
            let message: Value = serde_json::from_str(n["Message"].as_str()?).ok()?;
            wanted(&message).then_some(message)
        });
        if let Some(found) = found {
            return found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not streamed: {:?}",
            got.lock().unwrap()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_integration_event_starts_a_chat_talks_in_it_through_streaming_and_disconnects() {
    use aws_sdk_connect::types::{ChatEvent, ChatEventType, NewSessionDetails, ParticipantDetails};
    let (endpoint, got) = subscriber().await;
    let stack = Stack::start_with(
        connect_local::Options {
            agent_join_delay: std::time::Duration::from_millis(50),
            agent_reply_delay: std::time::Duration::from_millis(50),
            streaming_endpoint: Some(endpoint),
            ..connect_local::Options::default()
        },
        &[],
    )
    .await;
    const PHONE: &str = "+14155550100";
    let text = |kind: ChatEventType, content: Option<&str>| {
        let event = ChatEvent::builder()
            .r#type(kind.clone())
            .set_content_type(match kind {
                ChatEventType::Event => {
                    Some("application/vnd.amazonaws.connect.event.typing".to_owned())
                }
                ChatEventType::Message => Some("text/plain".to_owned()),
                _ => None,
            })
            .set_content(content.map(str::to_owned))
            .build()
            .unwrap();
        stack
            .connect
            .send_chat_integration_event()
            .source_id(PHONE)
            .destination_id("arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-0123")
            .subtype("connect:sms")
            .event(event)
            .new_session_details(
                NewSessionDetails::builder()
                    .participant_details(
                        ParticipantDetails::builder()
                            .display_name("Texter")
                            .build()
                            .unwrap(),
                    )
                    .attributes("channel", "sms")
                    .streaming_configuration(
                        ChatStreamingConfiguration::builder()
                            .streaming_endpoint_arn(TOPIC)
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .send()
    };
    let first = text(ChatEventType::Message, Some("where is my order?"))
        .await
        .expect("SendChatIntegrationEvent");
    assert_eq!(first.new_chat_created(), Some(true));
    let contact_id = first.initial_contact_id().unwrap().to_owned();
    let (_, contact) = stack
        .admin_get(&format!("/_local/contacts/{contact_id}"))
        .await;
    assert_eq!(contact["Attributes"]["channel"], "sms", "{contact}");
    assert_eq!(
        contact["SegmentAttributes"]["connect:Subtype"]["ValueString"],
        "connect:sms"
    );
    assert_eq!(contact["Participants"][0]["DisplayName"], "Texter");
    let customer_message = streamed(&got, |m| m["Content"] == "where is my order?").await;
    assert_eq!(customer_message["ParticipantRole"], "CUSTOMER");

    // The flow queues the chat and the agent comes; the next text goes to the same chat and
    // the agent's answer reaches the integration through the topic.
    streamed(&got, |m| {
        m["ContentType"] == "application/vnd.amazonaws.connect.event.participant.joined"
            && m["ParticipantRole"] == "AGENT"
    })
    .await;
    let second = text(ChatEventType::Message, Some("order 1234"))
        .await
        .expect("a second text");
    assert_eq!(second.new_chat_created(), Some(false));
    assert_eq!(second.initial_contact_id(), Some(contact_id.as_str()));
    let reply = streamed(&got, |m| {
        m["Type"] == "MESSAGE"
            && m["ParticipantRole"] == "AGENT"
            && m["Content"]
                .as_str()
                .is_some_and(|c| c.contains("order 1234"))
    })
    .await;
    assert_eq!(reply["ContactId"], contact_id.as_str());
    text(ChatEventType::Event, None)
        .await
        .expect("the customer types");
    streamed(&got, |m| {
        m["ContentType"] == "application/vnd.amazonaws.connect.event.typing"
            && m["ParticipantRole"] == "CUSTOMER"
    })
    .await;

    // A MESSAGE needs its content, as the operation's documentation says.
    let err = text(ChatEventType::Message, None).await.unwrap_err();
    let err = err.into_service_error();
    assert_eq!(err.meta().code(), Some("InvalidRequestException"));
    assert!(err.to_string().contains("Event.Content"), "{err}");

    // DISCONNECT: the customer leaves and the chat ends; the next text starts a new chat.
    let gone = text(ChatEventType::Disconnect, None)
        .await
        .expect("DISCONNECT");
    assert_eq!(gone.new_chat_created(), Some(false));
    let (_, contact) = stack
        .admin_get(&format!("/_local/contacts/{contact_id}"))
        .await;
    assert_eq!(contact["Ended"], true, "{contact}");
    let again = text(ChatEventType::Message, Some("hello again"))
        .await
        .expect("a new chat");
    assert_eq!(again.new_chat_created(), Some(true));
    assert_ne!(again.initial_contact_id(), Some(contact_id.as_str()));
}

// Sixteen first texts from one number, sent together on several worker threads: one chat takes
// them all. (The chat is found or stored under one lock; a test cannot force the interleaving
// that would show a second chat, so this checks the outcome, not the race.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn first_integration_events_sent_together_all_go_to_one_new_chat() {
    use aws_sdk_connect::types::{ChatEvent, ChatEventType};
    let stack = Stack::start_with(
        connect_local::Options {
            agent: false,
            ..connect_local::Options::default()
        },
        &[],
    )
    .await;
    let send = |n: usize| {
        stack
            .connect
            .send_chat_integration_event()
            .source_id("+14155550111")
            .destination_id("arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-0123")
            .subtype("connect:sms")
            .event(
                ChatEvent::builder()
                    .r#type(ChatEventType::Message)
                    .content_type("text/plain")
                    .content(format!("text {n}"))
                    .build()
                    .unwrap(),
            )
            .send()
    };
    let answers = futures_util::future::join_all((0..16).map(send)).await;
    let answers: Vec<_> = answers
        .into_iter()
        .map(|a| a.expect("SendChatIntegrationEvent"))
        .collect();
    assert_eq!(
        answers
            .iter()
            .filter(|a| a.new_chat_created() == Some(true))
            .count(),
        1
    );
    let chat = answers[0].initial_contact_id();
    assert!(answers.iter().all(|a| a.initial_contact_id() == chat));
    let (_, contact) = stack
        .admin_get(&format!("/_local/contacts/{}", chat.unwrap()))
        .await;
    let texts = contact["Transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["Type"] == "MESSAGE" && i["ParticipantRole"] == "CUSTOMER")
        .count();
    assert_eq!(texts, 16, "every text is in the one chat: {contact}");
}
