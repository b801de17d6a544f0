//! connect-local running contact flows written for these tests (`tests/flows/`): every
//! supported action and its branches, queues and hours, the Lex stand-in, InvokeLambdaFunction
//! against a stand-in for the Lambda Invoke API, the flow operations through the Rust SDK, and
//! the path each contact took. Chats are started with the SDK and read over their websocket.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_connect::error::ProvideErrorMetadata;
use aws_sdk_connect::types::{ConnectionType, ContactFlowType, SegmentAttributeValue};
use integration_tests::{is_event, start_chat_call, ChatSocket, Stack};
use serde_json::{json, Value};

fn flows_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("flows")
}

/// connect-local with the test flows, the simulated agent off unless `agent`.
async fn stack(agent: bool, lambda_endpoint: Option<String>) -> Stack {
    Stack::start_with(
        connect_local::Options {
            agent,
            agent_join_delay: Duration::from_millis(10),
            agent_reply_delay: Duration::from_millis(10),
            flows_dir: Some(flows_dir()),
            lambda_endpoint,
            ..Default::default()
        },
        &[],
    )
    .await
}

/// A chat on `flow` for Ana with the `plan` attribute (when given) and the `tier` segment
/// attribute 3; returns its contact id, connection token and websocket.
async fn chat(stack: &Stack, flow: &str, plan: Option<&str>) -> (String, String, ChatSocket) {
    chat_with(stack, flow, plan, &[]).await
}

async fn chat_with(
    stack: &Stack,
    flow: &str,
    plan: Option<&str>,
    content_types: &[&str],
) -> (String, String, ChatSocket) {
    let mut call = start_chat_call(&stack.connect, "Ana")
        .contact_flow_id(flow)
        .attributes("name", "Ana")
        .segment_attributes(
            "tier",
            SegmentAttributeValue::builder().value_integer(3).build(),
        )
        .connection_types(ConnectionType::Websocket)
        .connection_types(ConnectionType::ConnectionCredentials);
    if let Some(plan) = plan {
        call = call.attributes("plan", plan);
    }
    for content_type in content_types {
        call = call.supported_messaging_content_types(*content_type);
    }
    let started = call.send().await.expect("StartChatContact");
    let token = started
        .connection_credentials()
        .and_then(|c| c.connection_token())
        .expect("a connection token")
        .to_owned();
    let socket = ChatSocket::open(
        started
            .websocket()
            .and_then(|w| w.url())
            .expect("a websocket"),
    )
    .await;
    (
        started.contact_id().unwrap_or_default().to_owned(),
        token,
        socket,
    )
}

/// The next SYSTEM message's text (the flow's MessageParticipant or a bot's whole answer).
async fn next_system_message(socket: &mut ChatSocket) -> String {
    let (message, _) = socket
        .until(|i| {
            i["Type"] == "MESSAGE"
                && i["ParticipantRole"] == "SYSTEM"
                && i["MessageMetadata"]["MessageCompleted"] != false
        })
        .await;
    message["Content"].as_str().unwrap_or_default().to_owned()
}

/// Every SYSTEM message until the chat ends.
async fn messages_until_ended(socket: &mut ChatSocket) -> Vec<String> {
    let (_, before) = socket.until(|i| is_event(i, "chat.ended")).await;
    before
        .iter()
        .filter(|i| {
            i["Type"] == "MESSAGE"
                && i["ParticipantRole"] == "SYSTEM"
                && i["ContentType"] == "text/plain"
        })
        .filter_map(|i| i["Content"].as_str().map(str::to_owned))
        .collect()
}

/// The flow path of a contact: (action Identifier, branch) in order.
fn path(stack: &Stack, contact_id: &str) -> Vec<(String, String)> {
    stack.server.store.with(|inner| {
        inner.contacts[contact_id]
            .flow
            .path
            .iter()
            .map(|s| (s.identifier.clone(), s.branch.clone()))
            .collect()
    })
}

#[tokio::test]
async fn every_compare_operator_takes_its_branch_and_references_are_filled_in() {
    let stack = stack(false, None).await;
    for (plan, branch) in [
        ("gold", "equals"),
        ("silver", "starts"),
        ("gold-vip", "ends"),
        ("free trial", "contains"),
        ("5000", "gt"),
        ("150", "ge"),
        ("-3", "lt"),
        ("7", "le"),
        ("bronze", "none"),
    ] {
        let (contact_id, _, mut socket) = chat(&stack, "branches", Some(plan)).await;
        let said = messages_until_ended(&mut socket).await;
        assert_eq!(
            said,
            [
                "Hi Ana (tier 3) on CHAT".to_owned(),
                format!("branch {branch}")
            ],
            "plan {plan}"
        );
        let path = path(&stack, &contact_id);
        let compare = path.iter().find(|(id, _)| id == "compare").cloned();
        let expected = if branch == "none" {
            "NoMatchingCondition".to_owned()
        } else {
            format!("Condition:{plan}")
        };
        assert_eq!(compare, Some(("compare".into(), expected)), "{path:?}");
        assert_eq!(
            path[0],
            ("log".into(), "NextAction".into()),
            "logging is accepted"
        );
        assert_eq!(
            path[1],
            ("record".into(), "NextAction".into()),
            "recording is accepted"
        );
        assert_eq!(path.last().map(|s| s.0.as_str()), Some("end"));
    }
}

#[tokio::test]
async fn attributes_are_set_all_or_none_and_a_flow_ending_untransferred_ends_the_chat() {
    let stack = stack(false, None).await;
    let (contact_id, _, mut socket) = chat(&stack, "attributes", None).await;
    assert_eq!(
        messages_until_ended(&mut socket).await,
        ["none set: ok=[]", "ok=[1]"],
        "an invalid key sets nothing; the second update sets both"
    );
    let (status, contact) = stack
        .admin_get(&format!("/_local/contacts/{contact_id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(contact["Attributes"]["from"], json!(contact_id));
    assert_eq!(contact["Ended"], true);
    let steps = contact["Flow"]["Path"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(steps[0]["Identifier"], "set");
    assert_eq!(steps[0]["ActionType"], "UpdateContactAttributes");
    assert_eq!(steps[0]["Branch"], "NoMatchingError");
    assert!(steps[0]["Detail"]
        .as_str()
        .is_some_and(|d| d.contains("bad key")));
    assert_eq!(steps[0]["ContactFlowId"], "attributes");
    assert!(steps[0]["Time"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(steps.last().unwrap()["ActionType"], "EndFlowExecution");
}

#[tokio::test]
async fn a_queue_at_capacity_takes_its_branch_while_the_queue_flow_plays_for_the_waiting_chat() {
    let stack = stack(false, None).await;
    let (first, token, mut waiting) = chat(&stack, "queue", None).await;
    assert_eq!(
        next_system_message(&mut waiting).await,
        "You are waiting in Sales"
    );
    assert_eq!(next_system_message(&mut waiting).await, "Still waiting");
    stack.say(&token, "are you there?").await;
    assert_eq!(
        next_system_message(&mut waiting).await,
        "Thanks for your message"
    );
    let (_, setup) = stack.admin_get("/_local/setup").await;
    let sales = setup["Queues"]
        .as_array()
        .and_then(|q| q.iter().find(|q| q["Queue"]["Id"] == "sales"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(sales["Waiting"], json!([first]));

    let (second, _, mut refused) = chat(&stack, "queue", None).await;
    assert_eq!(
        messages_until_ended(&mut refused).await,
        ["The Sales queue is full"]
    );
    assert!(path(&stack, &second).contains(&("transfer".into(), "QueueAtCapacity".into())));

    // The loop runs out: the queue flow ends, and the chat keeps waiting.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (ended, waiting_in) = stack.server.store.with(|inner| {
        let c = &inner.contacts[&first];
        (c.ended, c.flow.waiting_in.clone())
    });
    assert!(!ended && waiting_in.as_deref() == Some("sales"));
    let queue_flow: Vec<_> = path(&stack, &first);
    assert!(
        queue_flow.contains(&("loop".into(), "Condition:DoneLooping".into())),
        "{queue_flow:?}"
    );
    assert!(queue_flow.contains(&("wait".into(), "Condition:CustomerReturned".into())));
    assert!(queue_flow.contains(&("wait".into(), "Condition:WaitCompleted".into())));
}

#[tokio::test]
async fn closed_hours_take_the_false_branch_and_the_control_route_reopens_them() {
    let stack = stack(false, None).await;
    let put = |open: Value| {
        let url = format!("{}/_local/hours/always", stack.server.base_url);
        async move {
            reqwest::Client::new()
                .put(url)
                .json(&json!({ "Open": open }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(put(json!(false)).await, 204);
    let (_, _, mut socket) = chat(&stack, "queue", None).await;
    assert_eq!(messages_until_ended(&mut socket).await, ["We are closed"]);
    assert_eq!(put(Value::Null).await, 204);
    let (contact_id, _, mut open) = chat(&stack, "queue", None).await;
    assert_eq!(
        next_system_message(&mut open).await,
        "You are waiting in Sales"
    );
    assert!(path(&stack, &contact_id).contains(&("hours".into(), "Condition:True".into())));
}

#[tokio::test]
async fn the_simulated_agent_is_reached_through_the_queue_and_stops_the_queue_flow() {
    let stack = stack(true, None).await;
    let (contact_id, token, mut socket) = chat(&stack, "queue", None).await;
    socket
        .until(|i| is_event(i, "participant.joined") && i["ParticipantRole"] == "AGENT")
        .await;
    let waiting = stack
        .server
        .store
        .with(|inner| inner.contacts[&contact_id].flow.waiting_in.clone());
    assert_eq!(waiting, None, "the contact left its queue");
    stack.say(&token, "hello agent").await;
    let (reply, _) = socket
        .until(|i| {
            i["Type"] == "MESSAGE"
                && i["ParticipantRole"] == "AGENT"
                && i["Content"] == "You said: hello agent"
        })
        .await;
    assert!(
        reply["Id"].is_string(),
        "the agent, not the queue flow, took the message"
    );
}

/// A stand-in for the Lambda Invoke API: `order-lookup` answers by order id (A-100 shipped,
/// A-500 a function error, A-600 a nested answer, A-700 too slow, others unknown). It keeps
/// every event it was sent.
async fn lambda_stand_in() -> (String, Arc<Mutex<Vec<Value>>>) {
    use axum::extract::{Path, State};
    use axum::response::IntoResponse;
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    async fn invoke(
        State(seen): State<Arc<Mutex<Vec<Value>>>>,
        Path(name): Path<String>,
        axum::Json(event): axum::Json<Value>,
    ) -> axum::response::Response {
        let order = event["Details"]["Parameters"]["orderId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        seen.lock()
            .unwrap()
            .push(json!({"function": name, "event": event}));
        match order.as_str() {
            "A-100" => {
                axum::Json(json!({"status": "shipped", "shippedOn": "2026-12-01"})).into_response()
            }
            "A-500" => (
                [("X-Amz-Function-Error", "Unhandled")],
                axum::Json(json!({"errorMessage": "boom"})),
            )
                .into_response(),
            "A-600" => {
                axum::Json(json!({"status": "shipped", "parcel": {"weight": 2}})).into_response()
            }
            "A-700" => {
                tokio::time::sleep(Duration::from_secs(3)).await;
                axum::Json(json!({"status": "shipped"})).into_response()
            }
            _ => axum::Json(json!({"status": "unknown"})).into_response(),
        }
    }
    let app = axum::Router::new()
        .route(
            "/2015-03-31/functions/{name}/invocations",
            axum::routing::post(invoke),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

#[tokio::test]
async fn the_lex_stand_in_and_a_lambda_answer_drive_the_branches_then_the_flow_transfers() {
    let (endpoint, seen) = lambda_stand_in().await;
    let stack = stack(false, Some(endpoint)).await;
    let (contact_id, token, mut socket) = chat(&stack, "bot", Some("gold")).await;
    assert_eq!(next_system_message(&mut socket).await, "How can I help?");
    stack.say(&token, "hi").await;
    assert_eq!(
        next_system_message(&mut socket).await,
        "Hello! Ask me to track an order."
    );
    stack.say(&token, "Track order A-100").await;
    assert_eq!(
        messages_until_ended(&mut socket).await,
        [
            "Let me look up order A-100.",
            "Order A-100 shipped on 2026-12-01 (orders, CHAT)",
            "Hi Ana (tier 3) on CHAT",
            "branch equals",
        ],
        "after the lookup the flow goes on in the branches flow"
    );
    let event = seen.lock().unwrap()[0].clone();
    assert_eq!(event["function"], "order-lookup");
    assert_eq!(event["event"]["Name"], "ContactFlowEvent");
    let data = &event["event"]["Details"]["ContactData"];
    assert_eq!(data["ContactId"], json!(contact_id));
    assert_eq!(data["Channel"], "CHAT");
    assert_eq!(data["Attributes"]["plan"], "gold");
    assert_eq!(data["SegmentAttributes"]["tier"]["ValueInteger"], 3);
    assert!(data["InstanceARN"]
        .as_str()
        .is_some_and(|a| a.ends_with(connect_local::DEFAULT_INSTANCE_ID)));
    let path = path(&stack, &contact_id);
    assert!(
        path.contains(&("ask".into(), "Condition:TrackOrder".into())),
        "{path:?}"
    );
    assert!(
        path.contains(&("to-flow".into(), "Flow:branches".into())),
        "{path:?}"
    );
    let lex = stack
        .server
        .store
        .with(|i| i.contacts[&contact_id].flow.lex.clone());
    assert_eq!(lex["Slots"]["OrderId"], "A-100");
}

#[tokio::test]
async fn a_failing_slow_or_nested_lambda_answer_takes_the_error_branch() {
    let (endpoint, _) = lambda_stand_in().await;
    let stack = stack(false, Some(endpoint)).await;
    for (order, said, why) in [
        ("A-500", "Lookup failed", "the function failed"),
        ("A-600", "Lookup failed", "not a string"),
        ("A-700", "Lookup failed", "did not answer within"),
        ("A-404", "No order A-404", ""),
    ] {
        let (contact_id, token, mut socket) = chat(&stack, "bot", None).await;
        next_system_message(&mut socket).await;
        stack.say(&token, &format!("where is order {order}")).await;
        let messages = messages_until_ended(&mut socket).await;
        assert_eq!(
            messages.last().map(String::as_str),
            Some(said),
            "{order}: {messages:?}"
        );
        let detail = stack.server.store.with(|inner| {
            inner.contacts[&contact_id]
                .flow
                .path
                .iter()
                .find(|s| s.identifier == "lookup")
                .and_then(|s| s.detail.clone())
                .unwrap_or_default()
        });
        assert!(detail.contains(why), "{order}: {detail}");
    }
    // Without a Lambda endpoint the invoke takes the error branch too, and says why.
    let bare = stack_without_lambda().await;
    let (contact_id, token, mut socket) = chat(&bare, "bot", None).await;
    next_system_message(&mut socket).await;
    bare.say(&token, "track order A-100").await;
    assert_eq!(
        messages_until_ended(&mut socket)
            .await
            .last()
            .map(String::as_str),
        Some("Lookup failed")
    );
    let detail = bare.server.store.with(|i| {
        i.contacts[&contact_id]
            .flow
            .path
            .iter()
            .find(|s| s.identifier == "lookup")
            .and_then(|s| s.detail.clone())
    });
    assert!(detail.is_some_and(|d| d.contains("--lambda-endpoint")));
}

async fn stack_without_lambda() -> Stack {
    stack(false, None).await
}

#[tokio::test]
async fn text_no_intent_matches_is_the_fallback_intent_and_get_participant_input_errors_on_chat() {
    let stack = stack(false, None).await;
    let (contact_id, token, mut socket) = chat(&stack, "bot", None).await;
    next_system_message(&mut socket).await;
    stack.say(&token, "I want a refund").await;
    assert_eq!(
        messages_until_ended(&mut socket).await,
        [
            "I can only track orders.",
            "Intent FallbackIntent",
            "GetParticipantInput took its error branch"
        ]
    );
    let path = path(&stack, &contact_id);
    assert!(
        path.contains(&("ask".into(), "NoMatchingCondition".into())),
        "{path:?}"
    );
    assert!(
        path.contains(&("input".into(), "NoMatchingError".into())),
        "{path:?}"
    );
}

#[tokio::test]
async fn a_customer_who_does_not_answer_the_bot_takes_the_timeout_branch() {
    let stack = stack(false, None).await;
    let (contact_id, _, mut socket) = chat(&stack, "bot", None).await;
    assert_eq!(
        messages_until_ended(&mut socket).await,
        ["How can I help?", "No answer"]
    );
    assert!(path(&stack, &contact_id).contains(&("ask".into(), "InputTimeLimitExceeded".into())));
}

#[tokio::test]
async fn bot_answers_stream_in_chunks_for_incremental_chats() {
    let stack = stack(false, None).await;
    let started = start_chat_call(&stack.connect, "Ana")
        .contact_flow_id("bot")
        .participant_configuration(
            aws_sdk_connect::types::ParticipantConfiguration::builder()
                .response_mode(aws_sdk_connect::types::ResponseMode::Incremental)
                .build(),
        )
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
    let mut socket = ChatSocket::open(started.websocket().and_then(|w| w.url()).unwrap()).await;
    next_system_message(&mut socket).await;
    stack.say(&token, "hello").await;
    let (first, _) = socket
        .until(|i| i["MessageMetadata"]["ChunkNumber"] == 1)
        .await;
    assert_eq!(first["MessageMetadata"]["MessageCompleted"], false);
    let (whole, _) = socket
        .until(|i| i["MessageMetadata"]["MessageCompleted"] == true)
        .await;
    assert_eq!(whole["Content"], "Hello! Ask me to track an order.");
}

#[tokio::test]
async fn show_view_sends_the_view_and_branches_on_the_customer_s_choice_or_times_out() {
    let stack = stack(false, None).await;
    let interactive = [
        "text/plain",
        "application/vnd.amazonaws.connect.message.interactive",
        "application/vnd.amazonaws.connect.message.interactive.response",
    ];
    let (contact_id, token, mut socket) = chat_with(&stack, "view", None, &interactive).await;
    let (view, _) = socket
        .until(|i| i["ContentType"] == "application/vnd.amazonaws.connect.message.interactive")
        .await;
    let content: Value = serde_json::from_str(view["Content"].as_str().unwrap()).unwrap();
    assert_eq!(content["templateType"], "ViewResource");
    assert_eq!(content["data"]["content"]["viewId"], "confirm");
    stack
        .participant
        .send_message()
        .connection_token(&token)
        .content_type("application/vnd.amazonaws.connect.message.interactive.response")
        .content(
            json!({"templateType": "ViewResource", "data": {"content": {"title": "Confirm"}}})
                .to_string(),
        )
        .send()
        .await
        .expect("the response is sent");
    assert_eq!(messages_until_ended(&mut socket).await, ["Confirmed"]);
    assert!(path(&stack, &contact_id).contains(&("show".into(), "Condition:Confirm".into())));

    let (_, _, mut silent) = chat_with(&stack, "view", None, &interactive).await;
    assert_eq!(
        messages_until_ended(&mut silent).await,
        ["The view timed out"]
    );
    let (_, _, mut plain) = chat(&stack, "view", None).await;
    assert!(
        messages_until_ended(&mut plain).await.is_empty(),
        "a chat without interactive messages takes the error branch"
    );
}

#[tokio::test]
async fn iterative_messages_take_the_error_branch_and_a_flow_without_a_next_action_ends_the_chat() {
    let stack = stack(false, None).await;
    let (contact_id, _, mut socket) = chat(&stack, "silent-end", None).await;
    assert_eq!(
        messages_until_ended(&mut socket).await,
        ["iterative messages take the error branch on chat"]
    );
    assert_eq!(
        path(&stack, &contact_id)[0],
        ("only".into(), "NoMatchingError".into())
    );
}

#[tokio::test]
async fn other_hooks_voice_settings_and_prompts_are_accepted_and_named_hours_are_checked() {
    let stack = stack(false, None).await;
    let (contact_id, _, mut socket) = chat(&stack, "odds", None).await;
    assert_eq!(
        messages_until_ended(&mut socket).await,
        ["open per CHAT hours, hooks kept"]
    );
    let path = path(&stack, &contact_id);
    assert_eq!(
        path.iter()
            .map(|(id, branch)| format!("{id}:{branch}"))
            .collect::<Vec<_>>(),
        [
            "hooks:NextAction",
            "voice:NextAction",
            "analytics:NextAction",
            "prompt:NoMatchingError",
            "hours:Condition:True",
            "open:NextAction",
            "end:End"
        ]
    );
    let hooks = stack
        .server
        .store
        .with(|i| i.contacts[&contact_id].flow.event_hooks.clone());
    assert_eq!(
        hooks.get("DefaultAgentUI").map(String::as_str),
        Some("branches")
    );
}

#[tokio::test]
async fn update_contact_attributes_reaches_a_running_flow_and_stop_contact_ends_the_chat() {
    let stack = stack(false, None).await;
    let instance = connect_local::DEFAULT_INSTANCE_ID;
    let (contact_id, _, mut socket) = chat(&stack, "attributes-late", None).await;
    stack
        .connect
        .update_contact_attributes()
        .instance_id(instance)
        .initial_contact_id(&contact_id)
        .attributes("tier", "gold")
        .send()
        .await
        .expect("UpdateContactAttributes");
    assert_eq!(next_system_message(&mut socket).await, "tier=[gold]");
    let read = stack
        .connect
        .get_contact_attributes()
        .instance_id(instance)
        .initial_contact_id(&contact_id)
        .send()
        .await
        .expect("GetContactAttributes");
    assert_eq!(
        read.attributes()
            .and_then(|a| a.get("tier"))
            .map(String::as_str),
        Some("gold")
    );

    let (waiting, _, mut queued) = chat(&stack, "queue", None).await;
    next_system_message(&mut queued).await;
    let described = stack
        .connect
        .describe_contact()
        .instance_id(instance)
        .contact_id(&waiting)
        .send()
        .await
        .expect("DescribeContact");
    let contact = described.contact().unwrap();
    assert_eq!(contact.channel().map(|c| c.as_str()), Some("CHAT"));
    assert_eq!(contact.queue_info().and_then(|q| q.id()), Some("sales"));
    assert!(contact.initiation_timestamp().is_some() && contact.disconnect_timestamp().is_none());
    stack
        .connect
        .stop_contact()
        .instance_id(instance)
        .contact_id(&waiting)
        .send()
        .await
        .expect("StopContact");
    queued.until(|i| is_event(i, "chat.ended")).await;
    let again = stack
        .connect
        .stop_contact()
        .instance_id(instance)
        .contact_id(&waiting)
        .send()
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("ContactNotFoundException"));
    let ended = stack
        .connect
        .describe_contact()
        .instance_id(instance)
        .contact_id(&waiting)
        .send()
        .await
        .expect("DescribeContact after the end");
    assert!(ended
        .contact()
        .and_then(|c| c.disconnect_timestamp())
        .is_some());
}

#[tokio::test]
async fn flows_are_created_described_updated_and_listed_through_the_sdk_and_bad_ones_refused() {
    let stack = stack(false, None).await;
    let instance = connect_local::DEFAULT_INSTANCE_ID;
    let content = |text: &str| {
        json!({"Version": "2019-10-30", "StartAction": "say", "Actions": [
            {"Identifier": "say", "Type": "MessageParticipant", "Parameters": {"Text": text}, "Transitions": {"NextAction": "end"}},
            {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]})
        .to_string()
    };
    let bad = stack
        .connect
        .create_contact_flow()
        .instance_id(instance)
        .name("Broken")
        .r#type(ContactFlowType::ContactFlow)
        .content(json!({"Version": "2019-10-30", "StartAction": "x", "Actions": [
            {"Identifier": "x", "Type": "Wait", "Parameters": {}, "Transitions": {}},
            {"Identifier": "y", "Type": "MessageParticipant", "Parameters": {"Text": "hi"}, "Transitions": {"NextAction": "nowhere"}}]}).to_string())
        .send()
        .await
        .unwrap_err();
    let service = bad.as_service_error().expect("a modelled error");
    assert!(service.is_invalid_contact_flow_exception(), "{service:?}");
    let problems = match service {
        aws_sdk_connect::operation::create_contact_flow::CreateContactFlowError::InvalidContactFlowException(e) => e
            .problems()
            .iter()
            .filter_map(|p| p.message().map(str::to_owned))
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    assert!(
        problems
            .iter()
            .any(|p| p.contains("\"x\" (Wait): TimeoutSeconds is required")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("NextAction \"nowhere\" names no action")),
        "{problems:?}"
    );

    let created = stack
        .connect
        .create_contact_flow()
        .instance_id(instance)
        .name("Made by a deploy script")
        .r#type(ContactFlowType::ContactFlow)
        .content(content("First version"))
        .send()
        .await
        .expect("CreateContactFlow");
    let flow_id = created.contact_flow_id().unwrap().to_owned();
    assert!(created
        .contact_flow_arn()
        .unwrap()
        .ends_with(&format!("/contact-flow/{flow_id}")));
    let duplicate = stack
        .connect
        .create_contact_flow()
        .instance_id(instance)
        .name("Made by a deploy script")
        .r#type(ContactFlowType::ContactFlow)
        .content(content("Again"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(duplicate.code(), Some("DuplicateResourceException"));

    let (_, _, mut socket) = chat(&stack, &flow_id, None).await;
    assert_eq!(messages_until_ended(&mut socket).await, ["First version"]);
    stack
        .connect
        .update_contact_flow_content()
        .instance_id(instance)
        .contact_flow_id(&flow_id)
        .content(content("Second version"))
        .send()
        .await
        .expect("UpdateContactFlowContent");
    let (_, _, mut socket) = chat(&stack, &flow_id, None).await;
    assert_eq!(messages_until_ended(&mut socket).await, ["Second version"]);
    let described = stack
        .connect
        .describe_contact_flow()
        .instance_id(instance)
        .contact_flow_id(&flow_id)
        .send()
        .await
        .expect("DescribeContactFlow");
    let flow = described.contact_flow().unwrap();
    assert_eq!(flow.name(), Some("Made by a deploy script"));
    assert!(flow.content().unwrap().contains("Second version"));

    let queue_flows = stack
        .connect
        .list_contact_flows()
        .instance_id(instance)
        .contact_flow_types(ContactFlowType::CustomerQueue)
        .send()
        .await
        .expect("ListContactFlows");
    let names: Vec<_> = queue_flows
        .contact_flow_summary_list()
        .iter()
        .filter_map(|s| s.name())
        .collect();
    assert_eq!(names, ["Queue music"]);
    let mut all = Vec::new();
    let mut pages = stack
        .connect
        .list_contact_flows()
        .instance_id(instance)
        .max_results(3)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        all.extend(
            page.expect("a page")
                .contact_flow_summary_list()
                .iter()
                .filter_map(|s| s.id().map(str::to_owned)),
        );
    }
    assert!(
        all.contains(&flow_id) && all.contains(&connect_local::DEFAULT_CONTACT_FLOW_ID.to_owned()),
        "{all:?}"
    );

    // A queue flow cannot start a chat, and an unknown flow is not found.
    for flow in ["queue-music", "no-such-flow"] {
        let err = start_chat_call(&stack.connect, "Ana")
            .contact_flow_id(flow)
            .send()
            .await
            .unwrap_err();
        assert!(
            err.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()),
            "{flow}"
        );
    }
}
