//! Chat timers as Amazon Connect runs them: set per role with UpdateParticipantRoleConfig (or
//! by connect-local's default flags), running only while the customer has an agent or a custom
//! bot with them, idle before auto-disconnect, and an auto-disconnect that takes the agent away
//! so the contact goes on to its disconnect flow. A timer minute lasts 100 ms here.

use std::time::Duration;

use aws_sdk_connect::types::{
    ChatParticipantRoleConfig, ParticipantTimerAction, ParticipantTimerConfiguration,
    ParticipantTimerType, ParticipantTimerValue, TimerEligibleParticipantRoles,
    UpdateParticipantRoleConfigChannelInfo,
};
use integration_tests::*;
use serde_json::Value;

const MINUTE: Duration = Duration::from_millis(100);

async fn stack(options: connect_local::Options) -> Stack {
    Stack::start_with(
        connect_local::Options {
            agent: false,
            timer_minute: MINUTE,
            ..options
        },
        &[],
    )
    .await
}

fn timer(
    role: TimerEligibleParticipantRoles,
    kind: ParticipantTimerType,
    minutes: Option<i32>,
) -> ParticipantTimerConfiguration {
    let value = match minutes {
        Some(m) => ParticipantTimerValue::ParticipantTimerDurationInMinutes(m),
        None => ParticipantTimerValue::ParticipantTimerAction(ParticipantTimerAction::Unset),
    };
    ParticipantTimerConfiguration::builder()
        .participant_role(role)
        .timer_type(kind)
        .timer_value(value)
        .build()
        .expect("a timer")
}

async fn set_timers(
    stack: &Stack,
    contact_id: &str,
    timers: Vec<ParticipantTimerConfiguration>,
) -> Result<(), String> {
    stack
        .connect
        .update_participant_role_config()
        .instance_id(connect_local::DEFAULT_INSTANCE_ID)
        .contact_id(contact_id)
        .channel_configuration(UpdateParticipantRoleConfigChannelInfo::Chat(
            ChatParticipantRoleConfig::builder()
                .set_participant_timer_config_list(Some(timers))
                .build()
                .expect("a chat role config"),
        ))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            let e = e.into_service_error();
            format!("{}: {}", e.meta().code().unwrap_or_default(), e)
        })
}

async fn agent_joins(stack: &Stack, contact_id: &str) {
    let (status, body) = stack
        .admin(
            &format!("/_local/contacts/{contact_id}/agent/join"),
            Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

fn role_event(item: &Value, kind: &str, role: &str) -> bool {
    is_event(item, kind) && item["ParticipantRole"] == role
}

#[tokio::test]
async fn the_customer_timers_run_only_with_an_agent_and_their_auto_disconnect_sends_the_agent_away()
{
    let stack = stack(connect_local::Options::default()).await;
    let (contact_id, mut socket, token) = stack.customer_chat().await;
    set_timers(
        &stack,
        &contact_id,
        vec![
            timer(
                TimerEligibleParticipantRoles::Customer,
                ParticipantTimerType::Idle,
                Some(2),
            ),
            timer(
                TimerEligibleParticipantRoles::Customer,
                ParticipantTimerType::DisconnectNoncustomer,
                Some(3),
            ),
        ],
    )
    .await
    .expect("UpdateParticipantRoleConfig");

    // Alone with the flow, the customer is never idle: the timers wait for an agent.
    tokio::time::sleep(MINUTE * 6).await;
    let (_, contact) = stack
        .admin_get(&format!("/_local/contacts/{contact_id}"))
        .await;
    assert_eq!(contact["Timers"]["Running"], false, "{contact}");
    assert_eq!(contact["Timers"]["Customer"]["Idle"], false, "{contact}");

    agent_joins(&stack, &contact_id).await;
    let (idle, before) = socket
        .until(|i| role_event(i, "participant.idle", "CUSTOMER"))
        .await;
    assert!(
        before
            .iter()
            .any(|i| role_event(i, "participant.joined", "AGENT")),
        "the agent joined first: {before:?}"
    );
    assert_eq!(idle["ParticipantRole"], "CUSTOMER");
    stack.say(&token, "still here").await;
    socket
        .until(|i| role_event(i, "participant.returned", "CUSTOMER"))
        .await;
    socket
        .until(|i| role_event(i, "participant.idle", "CUSTOMER"))
        .await;
    // Three minutes after idleness the agent is disconnected, and the default flow's
    // disconnect flow (the survey) takes the customer on.
    let (_, before) = socket
        .until(|i| role_event(i, "participant.left", "AGENT"))
        .await;
    assert!(
        before
            .iter()
            .any(|i| role_event(i, "participant.autodisconnection", "CUSTOMER")),
        "{before:?}"
    );
    let (survey, _) = socket
        .until(|i| i["Type"] == "MESSAGE" && i["ParticipantRole"] == "SYSTEM")
        .await;
    assert!(
        survey["Content"]
            .as_str()
            .is_some_and(|c| c.contains("rate this chat")),
        "{survey}"
    );
    let (_, contact) = stack
        .admin_get(&format!("/_local/contacts/{contact_id}"))
        .await;
    assert_eq!(contact["Ended"], false, "{contact}");
    assert_eq!(contact["Flow"]["DisconnectFlowStarted"], true, "{contact}");
}

#[tokio::test]
async fn the_agent_timers_mark_a_silent_agent_idle_and_then_disconnect_it() {
    let stack = stack(connect_local::Options::default()).await;
    let (contact_id, mut socket, token) = stack.customer_chat().await;
    agent_joins(&stack, &contact_id).await;
    set_timers(
        &stack,
        &contact_id,
        vec![
            timer(
                TimerEligibleParticipantRoles::Agent,
                ParticipantTimerType::Idle,
                Some(3),
            ),
            timer(
                TimerEligibleParticipantRoles::Agent,
                ParticipantTimerType::DisconnectNoncustomer,
                Some(2),
            ),
        ],
    )
    .await
    .expect("UpdateParticipantRoleConfig");
    // The customer talking keeps only the customer active; the agent goes idle all the same.
    stack.say(&token, "hello?").await;
    let (idle, _) = socket
        .until(|i| role_event(i, "participant.idle", "AGENT"))
        .await;
    assert_eq!(idle["ParticipantRole"], "AGENT");
    let (_, before) = socket
        .until(|i| role_event(i, "participant.left", "AGENT"))
        .await;
    assert!(
        before
            .iter()
            .any(|i| role_event(i, "participant.autodisconnection", "AGENT")),
        "{before:?}"
    );
    assert!(
        !before
            .iter()
            .any(|i| role_event(i, "participant.idle", "CUSTOMER")),
        "no customer timer was set: {before:?}"
    );
}

#[tokio::test]
async fn unset_removes_a_default_timer_and_a_duplicate_or_an_ended_chat_is_refused() {
    let stack = stack(connect_local::Options {
        customer_idle_after: Some(MINUTE * 2),
        ..connect_local::Options::default()
    })
    .await;
    let (contact_id, mut socket, _) = stack.customer_chat().await;
    set_timers(
        &stack,
        &contact_id,
        vec![timer(
            TimerEligibleParticipantRoles::Customer,
            ParticipantTimerType::Idle,
            None,
        )],
    )
    .await
    .expect("Unset");
    agent_joins(&stack, &contact_id).await;
    tokio::time::sleep(MINUTE * 5).await;
    stack
        .admin(
            &format!("/_local/contacts/{contact_id}/agent/messages"),
            serde_json::json!({"Content": "marker"}),
        )
        .await;
    let (_, before) = socket
        .until(|i| i["Type"] == "MESSAGE" && i["Content"] == "marker")
        .await;
    assert!(
        !before.iter().any(|i| is_event(i, "participant.idle")),
        "the default idle timer was unset: {before:?}"
    );

    let twice = set_timers(
        &stack,
        &contact_id,
        vec![
            timer(
                TimerEligibleParticipantRoles::Agent,
                ParticipantTimerType::Idle,
                Some(2),
            ),
            timer(
                TimerEligibleParticipantRoles::Agent,
                ParticipantTimerType::Idle,
                Some(4),
            ),
        ],
    )
    .await
    .expect_err("the same timer twice");
    assert!(
        twice.starts_with("InvalidRequestException") && twice.contains("IDLE timer of AGENT"),
        "{twice}"
    );
    let out_of_range = set_timers(
        &stack,
        &contact_id,
        vec![timer(
            TimerEligibleParticipantRoles::Customer,
            ParticipantTimerType::Idle,
            Some(1),
        )],
    )
    .await
    .expect_err("one minute is below the model's minimum");
    assert!(
        out_of_range
            .to_lowercase()
            .contains("participanttimerdurationinminutes"),
        "{out_of_range}"
    );

    stack
        .connect
        .stop_contact()
        .instance_id(connect_local::DEFAULT_INSTANCE_ID)
        .contact_id(&contact_id)
        .send()
        .await
        .expect("StopContact");
    let ended = set_timers(
        &stack,
        &contact_id,
        vec![timer(
            TimerEligibleParticipantRoles::Customer,
            ParticipantTimerType::Idle,
            Some(2),
        )],
    )
    .await
    .expect_err("an ended chat");
    assert!(ended.starts_with("ResourceNotFoundException"), "{ended}");
}

#[tokio::test]
async fn a_custom_bot_with_the_customer_starts_the_timers_too() {
    use aws_sdk_connect::types::{ParticipantDetailsToAdd, ParticipantRole};
    let stack = stack(connect_local::Options::default()).await;
    let (contact_id, mut socket, _) = stack.customer_chat().await;
    set_timers(
        &stack,
        &contact_id,
        vec![timer(
            TimerEligibleParticipantRoles::Customer,
            ParticipantTimerType::Idle,
            Some(2),
        )],
    )
    .await
    .expect("UpdateParticipantRoleConfig");
    stack
        .connect
        .create_participant()
        .instance_id(connect_local::DEFAULT_INSTANCE_ID)
        .contact_id(&contact_id)
        .participant_details(
            ParticipantDetailsToAdd::builder()
                .participant_role(ParticipantRole::CustomBot)
                .display_name("Order bot")
                .build(),
        )
        .send()
        .await
        .expect("CreateParticipant");
    let (_, before) = socket
        .until(|i| role_event(i, "participant.idle", "CUSTOMER"))
        .await;
    assert!(
        before
            .iter()
            .any(|i| role_event(i, "participant.joined", "CUSTOM_BOT")),
        "the bot joined first: {before:?}"
    );
}

#[tokio::test]
async fn without_a_disconnect_flow_the_agents_auto_disconnect_ends_the_chat() {
    use aws_sdk_connect::types::ContactFlowType;
    let stack = stack(connect_local::Options::default()).await;
    // The shipped inbound flow without the step that sets its disconnect flow.
    let mut flow: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../emulator/flows/default-inbound.json"),
        )
        .expect("the shipped flow"),
    )
    .expect("JSON");
    flow["Actions"]
        .as_array_mut()
        .unwrap()
        .retain(|a| a["Type"] != "UpdateContactEventHooks");
    flow["StartAction"] = "set-queue".into();
    let flow_id = stack
        .connect
        .create_contact_flow()
        .instance_id(connect_local::DEFAULT_INSTANCE_ID)
        .name("No disconnect flow")
        .r#type(ContactFlowType::ContactFlow)
        .content(flow.to_string())
        .send()
        .await
        .expect("CreateContactFlow")
        .contact_flow_id()
        .unwrap()
        .to_owned();
    let started = start_chat_call(&stack.connect, "Noa")
        .contact_flow_id(&flow_id)
        .send()
        .await
        .expect("StartChatContact");
    let contact_id = started.contact_id().unwrap().to_owned();
    let (_, mut socket) = stack
        .connect_participant(started.participant_token().unwrap())
        .await;
    agent_joins(&stack, &contact_id).await;
    set_timers(
        &stack,
        &contact_id,
        vec![timer(
            TimerEligibleParticipantRoles::Agent,
            ParticipantTimerType::DisconnectNoncustomer,
            Some(2),
        )],
    )
    .await
    .expect("UpdateParticipantRoleConfig");
    let (_, before) = socket.until(|i| is_event(i, "chat.ended")).await;
    let kinds: Vec<(&str, &str)> = before
        .iter()
        .filter(|i| i["Type"] == "EVENT")
        .map(|i| {
            (
                i["ContentType"].as_str().unwrap_or_default(),
                i["ParticipantRole"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let at = kinds
        .iter()
        .position(|k| {
            *k == (
                "application/vnd.amazonaws.connect.event.participant.autodisconnection",
                "AGENT",
            )
        })
        .unwrap_or_else(|| panic!("autodisconnection: {kinds:?}"));
    assert_eq!(
        kinds.get(at + 1),
        Some(&(
            "application/vnd.amazonaws.connect.event.participant.left",
            "AGENT"
        )),
        "the agent leaves, then the chat ends: {kinds:?}"
    );
}
