//! Agents and routing in connect-local: people signing in through the console's routes, offers
//! to the longest-idle available agent, offers that expire or are rejected moving on, chats
//! that wait when nobody is available, transfers to a queue or to an agent, the agent's side
//! of a chat through the real Participant Service client, and the queue operations.

use std::time::Duration;

use aws_sdk_connect::types::{ConnectionType, QueueType};
use aws_sdk_connectparticipant::types::ConnectionType as ParticipantConnection;
use integration_tests::{is_event, start_chat_call, ChatSocket, Stack};
use serde_json::{json, Value};

/// connect-local with no simulated agent, offers expiring after `offer_ms`.
async fn stack(offer_ms: u64) -> Stack {
    Stack::start_with(
        connect_local::Options {
            agent: false,
            offer_timeout: Duration::from_millis(offer_ms),
            flows_dir: Some(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("flows")),
            ..Default::default()
        },
        &[],
    )
    .await
}

async fn post(stack: &Stack, path: &str, body: Value) -> (u16, Value) {
    stack.admin(path, body).await
}

async fn put(stack: &Stack, path: &str, body: Value) -> u16 {
    reqwest::Client::new()
        .put(format!("{}{path}", stack.server.base_url))
        .json(&body)
        .send()
        .await
        .expect("admin API reachable")
        .status()
        .as_u16()
}

/// Signs a person in and makes them Available; returns their agent id.
async fn available(stack: &Stack, name: &str) -> String {
    let (status, agent) = post(stack, "/_local/agents", json!({"Name": name})).await;
    assert_eq!(status, 200, "{agent}");
    assert_eq!(agent["Status"], "Offline", "a new agent starts Offline");
    let id = agent["AgentId"].as_str().unwrap().to_owned();
    let path = format!("/_local/agents/{id}/status");
    assert_eq!(put(stack, &path, json!({"Status": "Available"})).await, 204);
    id
}

/// A customer's chat on the default flow (it waits in BasicQueue); its contact id, connection
/// token and socket.
async fn customer(stack: &Stack, flow: &str) -> (String, String, ChatSocket) {
    let started = start_chat_call(&stack.connect, "Ana")
        .contact_flow_id(flow)
        .connection_types(ConnectionType::Websocket)
        .connection_types(ConnectionType::ConnectionCredentials)
        .send()
        .await
        .expect("StartChatContact");
    let token = started
        .connection_credentials()
        .and_then(|c| c.connection_token())
        .unwrap()
        .to_owned();
    let socket = ChatSocket::open(started.websocket().and_then(|w| w.url()).unwrap()).await;
    (started.contact_id().unwrap().to_owned(), token, socket)
}

/// Waits (bounded) until the agent has an offer, and returns its contact id.
async fn offer_for(stack: &Stack, agent: &str) -> String {
    for _ in 0..100 {
        let (_, view) = stack.admin_get(&format!("/_local/agents/{agent}")).await;
        if let Some(contact) = view["Offers"][0]["ContactId"].as_str() {
            assert!(view["Offers"][0]["CustomerName"] == "Ana");
            return contact.to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no offer for {agent}");
}

async fn offers_of(stack: &Stack, agent: &str) -> usize {
    let (_, view) = stack.admin_get(&format!("/_local/agents/{agent}")).await;
    view["Offers"].as_array().map_or(0, Vec::len)
}

/// Accepts and connects as the AGENT participant through the Participant Service.
async fn accept(stack: &Stack, agent: &str, contact: &str) -> (String, ChatSocket) {
    let (status, joined) = post(
        stack,
        &format!("/_local/agents/{agent}/offers/{contact}/accept"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{joined}");
    let connection = stack
        .participant
        .create_participant_connection()
        .participant_token(joined["ParticipantToken"].as_str().unwrap())
        .r#type(ParticipantConnection::Websocket)
        .r#type(ParticipantConnection::ConnectionCredentials)
        .send()
        .await
        .expect("the agent connects with its participant token");
    let token = connection
        .connection_credentials()
        .and_then(|c| c.connection_token())
        .unwrap()
        .to_owned();
    let socket = ChatSocket::open(connection.websocket().and_then(|w| w.url()).unwrap()).await;
    (token, socket)
}

#[tokio::test]
async fn a_person_takes_an_offered_chat_and_talks_through_the_participant_service() {
    let stack = stack(5000).await;
    let agent = available(&stack, "Ava").await;
    let (contact, customer_token, mut customer_socket) =
        customer(&stack, connect_local::DEFAULT_CONTACT_FLOW_ID).await;
    assert_eq!(offer_for(&stack, &agent).await, contact);
    let (agent_token, mut agent_socket) = accept(&stack, &agent, &contact).await;
    let (joined, _) = customer_socket
        .until(|i| is_event(i, "participant.joined") && i["ParticipantRole"] == "AGENT")
        .await;
    assert_eq!(joined["DisplayName"], "Ava");

    stack.say(&agent_token, "Hi Ana, Ava here.").await;
    let (from_agent, _) = customer_socket
        .until(|i| i["Type"] == "MESSAGE" && i["ParticipantRole"] == "AGENT")
        .await;
    assert_eq!(from_agent["Content"], "Hi Ana, Ava here.");
    stack.say(&customer_token, "Hello Ava").await;
    let (from_customer, _) = agent_socket
        .until(|i| i["Type"] == "MESSAGE" && i["ParticipantRole"] == "CUSTOMER")
        .await;
    assert_eq!(from_customer["Content"], "Hello Ava");
    // Nobody else answers: the simulated agent is off and the person speaks for themselves.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let agents_messages = stack.server.store.with(|inner| {
        inner.contacts[&contact]
            .transcript
            .iter()
            .filter(|i| {
                i.participant_role == Some(connect_local::store::Role::Agent) && i.content.is_some()
            })
            .count()
    });
    assert_eq!(agents_messages, 1);
    let (_, view) = stack.admin_get(&format!("/_local/agents/{agent}")).await;
    assert_eq!(view["Chats"], json!([contact]));

    // The agent ends the chat: it leaves, and the default flow's disconnect flow asks its survey.
    stack
        .participant
        .disconnect_participant()
        .connection_token(&agent_token)
        .send()
        .await
        .expect("the agent leaves");
    let (left, _) = customer_socket
        .until(|i| is_event(i, "participant.left"))
        .await;
    assert_eq!(left["ParticipantRole"], "AGENT");
    let (question, _) = customer_socket
        .until(|i| i["Type"] == "MESSAGE" && i["ParticipantRole"] == "SYSTEM")
        .await;
    assert!(question["Content"]
        .as_str()
        .unwrap()
        .contains("rate this chat"));
    agent_socket
        .until(|i| is_event(i, "participant.left"))
        .await;
    assert!(
        agent_socket.item().await.is_none(),
        "the agent's socket closes"
    );
}

#[tokio::test]
async fn the_longest_idle_agent_is_offered_first_and_an_unanswered_offer_moves_on() {
    let stack = stack(400).await;
    let first = available(&stack, "Ava").await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = available(&stack, "Ben").await;
    let (contact, _, _socket) = customer(&stack, connect_local::DEFAULT_CONTACT_FLOW_ID).await;
    assert_eq!(
        offer_for(&stack, &first).await,
        contact,
        "Ava has been idle longer"
    );
    assert_eq!(offers_of(&stack, &second).await, 0);
    // Ava lets it ring out: it goes to Ben.
    assert_eq!(offer_for(&stack, &second).await, contact);
    assert_eq!(offers_of(&stack, &first).await, 0);
    let (status, _) = post(
        &stack,
        &format!("/_local/agents/{first}/offers/{contact}/accept"),
        json!({}),
    )
    .await;
    assert_eq!(status, 409, "an expired offer cannot be accepted");
    // Ben rejects it: nobody is left who has not declined, so it waits.
    let (status, _) = post(
        &stack,
        &format!("/_local/agents/{second}/offers/{contact}/reject"),
        json!({}),
    )
    .await;
    assert_eq!(status, 204);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        offers_of(&stack, &first).await + offers_of(&stack, &second).await,
        0
    );
    let (_, setup) = stack.admin_get("/_local/setup").await;
    let basic = &setup["Queues"][0];
    assert_eq!(basic["Waiting"], json!([contact]), "{setup}");
}

#[tokio::test]
async fn with_nobody_available_the_chat_waits_while_its_queue_flow_plays() {
    let stack = stack(5000).await;
    let (contact, _, mut socket) = customer(&stack, "queue").await;
    let (message, _) = socket
        .until(|i| i["Type"] == "MESSAGE" && i["Content"] == "You are waiting in Sales")
        .await;
    assert_eq!(message["ParticipantRole"], "SYSTEM");
    let agent = available(&stack, "Ava").await;
    assert_eq!(offer_for(&stack, &agent).await, contact);
    accept(&stack, &agent, &contact).await;
    let waiting = stack
        .server
        .store
        .with(|inner| inner.contacts[&contact].flow.waiting_in.clone());
    assert_eq!(waiting, None);
    // An agent that goes Offline gets no offers.
    let (other, _, _s) = customer(&stack, connect_local::DEFAULT_CONTACT_FLOW_ID).await;
    assert_eq!(
        put(
            &stack,
            &format!("/_local/agents/{agent}/status"),
            json!({"Status": "Offline"})
        )
        .await,
        204
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(offers_of(&stack, &agent).await, 0, "{other} waits");
}

#[tokio::test]
async fn an_agent_transfers_to_another_agent_who_continues_the_chat() {
    let stack = stack(5000).await;
    let ava = available(&stack, "Ava").await;
    let (contact, customer_token, mut customer_socket) =
        customer(&stack, connect_local::DEFAULT_CONTACT_FLOW_ID).await;
    offer_for(&stack, &ava).await;
    let (_, mut ava_socket) = accept(&stack, &ava, &contact).await;
    let ben = available(&stack, "Ben").await;
    let (status, _) = post(
        &stack,
        &format!("/_local/agents/{ava}/contacts/{contact}/transfer"),
        json!({"AgentId": ben}),
    )
    .await;
    assert_eq!(status, 204);
    customer_socket
        .until(|i| is_event(i, "transfer.succeeded"))
        .await;
    let (left, _) = customer_socket
        .until(|i| is_event(i, "participant.left"))
        .await;
    assert_eq!(left["DisplayName"], "Ava");
    assert!(
        ava_socket
            .until(|i| is_event(i, "participant.left"))
            .await
            .0["DisplayName"]
            == "Ava"
    );
    assert!(ava_socket.item().await.is_none(), "Ava's socket closes");
    assert_eq!(offer_for(&stack, &ben).await, contact);
    let (ben_token, mut ben_socket) = accept(&stack, &ben, &contact).await;
    stack.say(&customer_token, "Still there?").await;
    let (seen, _) = ben_socket
        .until(|i| i["Type"] == "MESSAGE" && i["ParticipantRole"] == "CUSTOMER")
        .await;
    assert_eq!(seen["Content"], "Still there?");
    stack.say(&ben_token, "Ben here, yes.").await;
    let (reply, _) = customer_socket
        .until(|i| i["Type"] == "MESSAGE" && i["ParticipantRole"] == "AGENT")
        .await;
    assert_eq!(reply["DisplayName"], "Ben");
    // Ava is out of the chat; a transfer to a queue that does not exist is refused.
    let (status, _) = post(
        &stack,
        &format!("/_local/agents/{ben}/contacts/{contact}/transfer"),
        json!({"QueueId": "no-such-queue"}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = post(
        &stack,
        &format!("/_local/agents/{ava}/contacts/{contact}/transfer"),
        json!({"QueueId": connect_local::routing::BASIC_QUEUE_ID}),
    )
    .await;
    assert_eq!(status, 409, "Ava is no longer in the chat");
}

#[tokio::test]
async fn a_transfer_to_a_queue_reaches_an_agent_of_that_queue() {
    let stack = stack(5000).await;
    let ava = available(&stack, "Ava").await;
    let (status, sales) = post(
        &stack,
        "/_local/agents",
        json!({"Name": "Sam Sales", "Queues": ["sales"]}),
    )
    .await;
    assert_eq!(status, 200);
    let sales = sales["AgentId"].as_str().unwrap().to_owned();
    let (contact, _, mut socket) = customer(&stack, connect_local::DEFAULT_CONTACT_FLOW_ID).await;
    // Sam only serves Sales, so the BasicQueue chat is Ava's even while Sam is Available.
    assert_eq!(
        put(
            &stack,
            &format!("/_local/agents/{sales}/status"),
            json!({"Status": "Available"})
        )
        .await,
        204
    );
    assert_eq!(offer_for(&stack, &ava).await, contact);
    assert_eq!(offers_of(&stack, &sales).await, 0);
    accept(&stack, &ava, &contact).await;
    let (status, _) = post(
        &stack,
        &format!("/_local/agents/{ava}/contacts/{contact}/transfer"),
        json!({"QueueId": "sales"}),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(offer_for(&stack, &sales).await, contact);
    accept(&stack, &sales, &contact).await;
    let (joined, _) = socket
        .until(|i| is_event(i, "participant.joined") && i["DisplayName"] == "Sam Sales")
        .await;
    assert_eq!(joined["ParticipantRole"], "AGENT");
    let (status, bad) = post(
        &stack,
        "/_local/agents",
        json!({"Name": "x", "Queues": ["nope"]}),
    )
    .await;
    assert_eq!(
        (status, bad["message"].as_str().unwrap().contains("nope")),
        (400, true)
    );
}

#[tokio::test]
async fn queues_are_listed_and_described_and_transfer_contact_refuses_a_chat() {
    let stack = stack(5000).await;
    let instance = connect_local::DEFAULT_INSTANCE_ID;
    let listed = stack
        .connect
        .list_queues()
        .instance_id(instance)
        .queue_types(QueueType::Standard)
        .send()
        .await
        .expect("ListQueues");
    let names: Vec<_> = listed
        .queue_summary_list()
        .iter()
        .filter_map(|q| q.name())
        .collect();
    assert_eq!(names, ["BasicQueue", "Sales"]);
    let sales = stack
        .connect
        .describe_queue()
        .instance_id(instance)
        .queue_id("sales")
        .send()
        .await
        .expect("DescribeQueue");
    let queue = sales.queue().unwrap();
    assert_eq!(
        (queue.name(), queue.max_contacts()),
        (Some("Sales"), Some(1))
    );
    assert_eq!(queue.hours_of_operation_id(), Some("always"));
    let (contact, _, _socket) = customer(&stack, connect_local::DEFAULT_CONTACT_FLOW_ID).await;
    let refused = stack
        .connect
        .transfer_contact()
        .instance_id(instance)
        .contact_id(&contact)
        .contact_flow_id(connect_local::DEFAULT_CONTACT_FLOW_ID)
        .queue_id("sales")
        .send()
        .await
        .unwrap_err();
    let service = refused.as_service_error().expect("a modelled error");
    assert!(service.is_invalid_request_exception(), "{service:?}");
}

#[tokio::test]
async fn the_console_routes_refuse_bad_input_with_a_reason() {
    let stack = stack(5000).await;
    for name in ["", "   ", "bell\u{7}"] {
        let (status, body) = post(&stack, "/_local/agents", json!({"Name": name})).await;
        assert_eq!(status, 400, "{name:?}");
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("Name"),
            "{body}"
        );
    }
    let ava = available(&stack, "Ava").await;
    let (contact, _, _socket) = customer(&stack, connect_local::DEFAULT_CONTACT_FLOW_ID).await;
    offer_for(&stack, &ava).await;
    accept(&stack, &ava, &contact).await;
    let transfer = format!("/_local/agents/{ava}/contacts/{contact}/transfer");
    for body in [json!({}), json!({"QueueId": "sales", "AgentId": ava})] {
        let (status, answer) = post(&stack, &transfer, body).await;
        assert_eq!(status, 400, "{answer}");
        assert!(answer["message"]
            .as_str()
            .unwrap_or_default()
            .contains("QueueId"));
    }
    let (status, _) = post(
        &stack,
        &format!("/_local/agents/{ava}/offers/{contact}/accept"),
        json!({}),
    )
    .await;
    assert_eq!(status, 409, "the offer was already taken");
    assert_eq!(
        put(
            &stack,
            "/_local/agents/nobody/status",
            json!({"Status": "Available"})
        )
        .await,
        404
    );
    assert_eq!(
        put(&stack, "/_local/hours/no-such-hours", json!({"Open": true})).await,
        404
    );
    let (status, _) = post(
        &stack,
        "/_local/contacts/no-such-contact/websocket/drop",
        json!({"ParticipantRole": "CUSTOMER", "Mode": "close"}),
    )
    .await;
    assert_eq!(status, 404);
}
