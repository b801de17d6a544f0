//! Running a flow for one chat contact: each action does what Amazon Connect documents for
//! the chat channel, its result picks the branch (NextAction, the first condition that holds,
//! or the error's branch, else NoMatchingError), and every step is written to the contact's
//! flow path. A run that ends with the contact neither queued nor with an agent ends the chat.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde_json::{json, Map, Value};

use super::{lambda, RunKind};
use crate::chat::interactive;
use crate::chat::{end_contact, new_item, publish};
use crate::flow::language::{resource_id, Action, ActionType};
use crate::flow::library::{queue_arn, FlowRecord};
use crate::flow::reference::{self, render};
use crate::routing::{self, TransferError};
use crate::store::{iso_millis, Contact, Inner, Store};
use crate::store::{CustomerInput, ItemType, Step};

/// How long a Lex conversation waits for the customer unless LexTimeoutSeconds says.
const DEFAULT_LEX_TIMEOUT: Duration = Duration::from_secs(300);
/// How long InvokeLambdaFunction waits unless InvocationTimeLimitSeconds says.
const DEFAULT_LAMBDA_TIMEOUT: Duration = Duration::from_secs(3);
/// How long ShowView waits unless InvocationTimeLimitSeconds says.
const DEFAULT_VIEW_TIMEOUT: Duration = Duration::from_secs(400);

/// What an action came to.
enum Outcome {
    /// Success: NextAction.
    Next,
    /// A result the conditions are tried against.
    Value(String),
    /// An error type, with what happened.
    Error(&'static str, String),
    /// The contact is disconnected.
    Disconnect,
    /// The flow ends here (EndFlowExecution).
    EndFlow,
    /// The contact is in its queue; the flow is done.
    Queued,
    /// Go on in another flow.
    Flow(Arc<FlowRecord>),
    /// A newer run took over, or the contact ended: stop without a trace.
    Retired,
}

/// Runs `flow_id` for a contact until it ends, transfers, or is retired.
pub async fn run(store: Arc<Store>, contact_id: String, flow_id: String, kind: RunKind, run: u64) {
    let Some(mut flow) = store.with(|i| i.flows.get(&flow_id).cloned().map(Arc::new)) else {
        store.with(|inner| {
            if mine(inner, &contact_id, run) {
                end_contact(inner, &contact_id, None);
            }
        });
        return;
    };
    let mut action_id = flow.flow.start.clone();
    loop {
        let Some(action) = flow.flow.actions.get(&action_id).cloned() else {
            return;
        };
        if !store.with(|inner| mine(inner, &contact_id, run)) {
            return;
        }
        let outcome = execute(&store, &contact_id, &action, run).await;
        let (branch, detail, next) = match &outcome {
            Outcome::Next => ("NextAction".to_owned(), None, action.next.clone()),
            Outcome::Value(value) => match action.on_value(value) {
                Some(next) => (format!("Condition:{value}"), None, Some(next.to_owned())),
                None => {
                    let (kind, next) = action
                        .on_error("NoMatchingCondition")
                        .map(|(k, n)| (k.to_owned(), Some(n.to_owned())))
                        .unwrap_or(("NoMatchingCondition".into(), None));
                    (
                        kind,
                        Some(format!("no condition holds for {value:?}")),
                        next,
                    )
                }
            },
            Outcome::Error(error, detail) => {
                let (kind, next) = action
                    .on_error(error)
                    .map(|(k, n)| (k.to_owned(), Some(n.to_owned())))
                    .unwrap_or(((*error).to_owned(), None));
                (kind, Some(detail.clone()), next)
            }
            Outcome::Disconnect | Outcome::EndFlow | Outcome::Queued => ("End".into(), None, None),
            Outcome::Flow(next) => (format!("Flow:{}", next.id), None, None),
            Outcome::Retired => return,
        };
        store.with(|inner| {
            if let Some(contact) = inner.contacts.get_mut(&contact_id) {
                contact.flow.path.push(Step {
                    contact_flow_id: flow.id.clone(),
                    contact_flow_name: flow.name.clone(),
                    identifier: action.id.clone(),
                    action_type: action.kind.name(),
                    branch,
                    detail,
                    time: iso_millis(Utc::now()),
                });
            }
        });
        match outcome {
            Outcome::Flow(next) => {
                flow = next;
                action_id = flow.flow.start.clone();
                continue;
            }
            Outcome::Queued => return,
            Outcome::Disconnect => {
                store.with(|inner| disconnect(inner, &contact_id, run));
                return;
            }
            _ => {}
        }
        match next {
            Some(next) => action_id = next,
            None => {
                store.with(|inner| finish(inner, &contact_id, kind, run));
                return;
            }
        }
    }
}

/// Whether run `run` may still act on the contact.
fn mine(inner: &Inner, contact_id: &str, run: u64) -> bool {
    inner
        .contacts
        .get(contact_id)
        .is_some_and(|c| !c.ended && c.flow.run == run)
}

/// The DisconnectParticipant action: the chat ends.
fn disconnect(inner: &mut Inner, contact_id: &str, run: u64) {
    if mine(inner, contact_id, run) {
        end_contact(inner, contact_id, None);
    }
}

/// The end of a run without a transfer: an inbound or disconnect flow ends the chat unless
/// the contact waits in a queue or has an agent; a queue flow just stops.
fn finish(inner: &mut Inner, contact_id: &str, kind: RunKind, run: u64) {
    if !mine(inner, contact_id, run) || kind == RunKind::CustomerQueue {
        return;
    }
    let held = inner
        .contacts
        .get(contact_id)
        .is_some_and(|c| c.flow.waiting_in.is_some() || c.agent().is_some());
    if kind == RunKind::Disconnect || !held {
        end_contact(inner, contact_id, None);
    }
}

/// What references can name, for this contact now.
fn flow_data(store: &Store, contact: &Contact) -> Value {
    let settings = &store.settings;
    let queue = contact.flow.queue_id.as_ref().and_then(|id| {
        let queue = settings.setup.queues.iter().find(|q| &q.id == id)?;
        Some(json!({"Name": queue.name, "ARN": queue_arn(&settings.region, &settings.instance_id, id)}))
    });
    json!({
        "ContactId": contact.contact_id,
        "InitialContactId": contact.initial_contact_id,
        "PreviousContactId": contact
            .continued_from_contact_id
            .clone()
            .or_else(|| contact.related_contact_id.clone())
            .unwrap_or_else(|| contact.contact_id.clone()),
        "Channel": "CHAT",
        "InstanceARN": instance_arn(store),
        "InitiationMethod": "API",
        "AwsRegion": settings.region,
        "Attributes": contact.attributes,
        "SegmentAttributes": contact.segment_attributes,
        "External": contact.flow.external,
        "Lex": contact.flow.lex,
        "Queue": queue,
        "CustomerEndpoint": Value::Null,
    })
}

fn instance_arn(store: &Store) -> String {
    format!(
        "arn:aws:connect:{}:{}:instance/{}",
        store.settings.region,
        crate::LOCAL_ACCOUNT_ID,
        store.settings.instance_id
    )
}

/// Renders a parameter against the contact's data; `None` when the contact is gone.
fn rendered(store: &Store, inner: &Inner, contact_id: &str, text: &str) -> Option<String> {
    let contact = inner.contacts.get(contact_id)?;
    Some(render(text, &flow_data(store, contact)))
}

/// A SYSTEM message from the flow (`display_name` SYSTEM_MESSAGE, or BOT for Lex).
fn system_message(
    inner: &mut Inner,
    contact_id: &str,
    display_name: &str,
    content_type: &str,
    text: &str,
) -> bool {
    let Some(contact) = inner.contacts.get_mut(contact_id).filter(|c| !c.ended) else {
        return false;
    };
    let mut item = new_item(contact, None, ItemType::Message);
    item.display_name = Some(display_name.to_owned());
    item.content_type = Some(content_type.to_owned());
    item.content = Some(text.to_owned());
    publish(contact, item, true);
    true
}

/// A bot's answer: streamed in chunks for INCREMENTAL chats, whole otherwise.
async fn bot_says(store: &Arc<Store>, contact_id: &str, text: &str) {
    let incremental = store.with(|inner| {
        inner
            .contacts
            .get(contact_id)
            .is_some_and(|c| c.response_mode == Some(crate::store::ResponseMode::Incremental))
    });
    if incremental {
        crate::chat::stream::stream_now(
            store,
            contact_id,
            text,
            crate::chat::stream::DEFAULT_CHUNKS,
        )
        .await;
    } else {
        store.with(|inner| system_message(inner, contact_id, "BOT", "text/plain", text));
    }
}

/// What waiting for the customer came to.
enum Waited {
    Input(CustomerInput),
    TimedOut,
    Retired,
}

/// Waits for the customer's next message, at most `limit`.
async fn customer_input(store: &Store, contact_id: &str, run: u64, limit: Duration) -> Waited {
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let waiting = store.with(|inner| {
        if !mine(inner, contact_id, run) {
            return false;
        }
        if let Some(contact) = inner.contacts.get_mut(contact_id) {
            contact.flow.input = Some(sender);
        }
        true
    });
    if !waiting {
        return Waited::Retired;
    }
    match tokio::time::timeout(limit, receiver.recv()).await {
        Ok(Some(input)) => Waited::Input(input),
        Ok(None) => Waited::Retired,
        Err(_) => {
            store.with(|inner| {
                if mine(inner, contact_id, run) {
                    if let Some(contact) = inner.contacts.get_mut(contact_id) {
                        contact.flow.input = None;
                    }
                }
            });
            Waited::TimedOut
        }
    }
}

/// Seconds from a parameter written as a number, a numeric string or a reference.
fn seconds(store: &Store, contact_id: &str, value: Option<&Value>, default: Duration) -> Duration {
    let text = match value {
        None => return default,
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => store
            .with(|inner| rendered(store, inner, contact_id, s))
            .unwrap_or_default(),
        Some(_) => return default,
    };
    text.trim()
        .parse::<u64>()
        .map(Duration::from_secs)
        .unwrap_or(default)
}

async fn execute(store: &Arc<Store>, contact_id: &str, action: &Action, run: u64) -> Outcome {
    let p = &action.parameters;
    match action.kind {
        ActionType::MessageParticipant => match action.text("Text") {
            Some(text) => {
                let sent = store.with(|inner| {
                    let text = rendered(store, inner, contact_id, text)?;
                    system_message(inner, contact_id, "SYSTEM_MESSAGE", "text/plain", &text).then_some(())
                });
                match sent {
                    Some(()) => Outcome::Next,
                    None => Outcome::Retired,
                }
            }
            None => Outcome::Error("NoMatchingError", "chat takes only Text; PromptId, SSML and Media are for voice".into()),
        },
        ActionType::MessageParticipantIteratively => Outcome::Error(
            "NoMatchingError",
            "MessageParticipantIteratively takes its error branch on chat".into(),
        ),
        ActionType::GetParticipantInput => Outcome::Error(
            "NoMatchingError",
            "GetParticipantInput without a Lex bot takes its error branch on chat".into(),
        ),
        ActionType::UpdateContactAttributes => store.with(|inner| update_attributes(store, inner, contact_id, p)),
        ActionType::Compare => {
            let value = store.with(|inner| {
                let contact = inner.contacts.get(contact_id)?;
                let path = reference::single(action.text("ComparisonValue")?)?;
                Some(reference::lookup(&flow_data(store, contact), &path).unwrap_or_default())
            });
            Outcome::Value(value.unwrap_or_default())
        }
        ActionType::CheckHoursOfOperation => store.with(|inner| {
            let contact = inner.contacts.get(contact_id)?;
            let id = match action.text("HoursOfOperationId") {
                Some(id) => resource_id(&render(id, &flow_data(store, contact))).to_owned(),
                None => {
                    let queue_id = contact.flow.queue_id.as_ref()?;
                    let queue = store.settings.setup.queues.iter().find(|q| &q.id == queue_id)?;
                    queue.hours_of_operation_id.clone()?
                }
            };
            let hours = store.settings.setup.hours.iter().find(|h| h.id == id)?;
            Some(Outcome::Value(if routing::hours_open(inner, hours) { "True" } else { "False" }.into()))
        })
        .unwrap_or_else(|| Outcome::Error("NoMatchingError", "no hours of operation: neither HoursOfOperationId nor a target queue with hours".into())),
        ActionType::UpdateContactTargetQueue => store.with(|inner| {
            let id = rendered(store, inner, contact_id, action.text("QueueId").unwrap_or_default())?;
            let id = resource_id(&id).to_owned();
            if !store.settings.setup.queues.iter().any(|q| q.id == id) {
                return Some(Outcome::Error("NoMatchingError", format!("queue {id} does not exist")));
            }
            inner.contacts.get_mut(contact_id)?.flow.queue_id = Some(id);
            Some(Outcome::Next)
        })
        .unwrap_or(Outcome::Retired),
        ActionType::TransferContactToQueue => transfer(store, contact_id),
        ActionType::TransferToFlow => {
            let target = store.with(|inner| {
                let id = rendered(store, inner, contact_id, action.text("ContactFlowId").unwrap_or_default())?;
                let id = resource_id(&id).to_owned();
                Some(inner.flows.get(&id).cloned().ok_or(id))
            });
            match target {
                Some(Ok(record)) => Outcome::Flow(Arc::new(record)),
                Some(Err(id)) => Outcome::Error("NoMatchingError", format!("flow {id} does not exist")),
                None => Outcome::Retired,
            }
        }
        ActionType::UpdateContactEventHooks => store.with(|inner| {
            let (hook, flow) = p.get("EventHooks")?.as_object()?.iter().next()?;
            let flow = rendered(store, inner, contact_id, flow.as_str()?)?;
            let flow = resource_id(&flow).to_owned();
            if !inner.flows.contains_key(&flow) {
                return Some(Outcome::Error("NoMatchingError", format!("flow {flow} does not exist")));
            }
            inner.contacts.get_mut(contact_id)?.flow.event_hooks.insert(hook.clone(), flow);
            Some(Outcome::Next)
        })
        .unwrap_or(Outcome::Retired),
        ActionType::Wait => {
            let limit = seconds(store, contact_id, p.get("TimeoutSeconds"), Duration::from_secs(1));
            let returned = p
                .get("Events")
                .and_then(Value::as_array)
                .is_some_and(|events| events.iter().any(|e| e == "CustomerReturned"));
            if !returned {
                tokio::time::sleep(limit).await;
                return Outcome::Value("WaitCompleted".into());
            }
            match customer_input(store, contact_id, run, limit).await {
                Waited::Input(_) => Outcome::Value("CustomerReturned".into()),
                Waited::TimedOut => Outcome::Value("WaitCompleted".into()),
                Waited::Retired => Outcome::Retired,
            }
        }
        ActionType::Loop => store.with(|inner| {
            let count = match p.get("LoopCount") {
                Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
                Some(Value::String(s)) => rendered(store, inner, contact_id, s)?.trim().parse().unwrap_or(0),
                _ => 0,
            };
            let loops = &mut inner.contacts.get_mut(contact_id)?.flow.loops;
            let done = loops.entry(action.id.clone()).or_insert(0);
            if *done < count {
                *done += 1;
                Some(Outcome::Value("ContinueLooping".into()))
            } else {
                loops.remove(&action.id);
                Some(Outcome::Value("DoneLooping".into()))
            }
        })
        .unwrap_or(Outcome::Retired),
        ActionType::InvokeLambdaFunction => invoke_lambda(store, contact_id, action).await,
        ActionType::ConnectParticipantWithLexBot => lex_conversation(store, contact_id, action, run).await,
        ActionType::ShowView => show_view(store, contact_id, action, run).await,
        ActionType::DisconnectParticipant => Outcome::Disconnect,
        ActionType::EndFlowExecution => Outcome::EndFlow,
        ActionType::UpdateFlowLoggingBehavior
        | ActionType::UpdateContactRecordingBehavior
        | ActionType::UpdateContactRecordingAndAnalyticsBehavior
        | ActionType::UpdateContactTextToSpeechVoice => Outcome::Next,
    }
}

/// UpdateContactAttributes: every attribute is set, or none (a key Connect would refuse, or
/// more than 32 KB of attributes, sets nothing and takes the error branch).
fn update_attributes(
    store: &Store,
    inner: &mut Inner,
    contact_id: &str,
    p: &Map<String, Value>,
) -> Outcome {
    let Some(contact) = inner.contacts.get(contact_id) else {
        return Outcome::Retired;
    };
    let data = flow_data(store, contact);
    let mut next = contact.attributes.clone();
    for (key, value) in p
        .get("Attributes")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let valid_key = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid_key {
            return Outcome::Error(
                "NoMatchingError",
                format!("attribute key {key:?} may hold only letters, digits, - and _"),
            );
        }
        next.insert(
            key.clone(),
            render(value.as_str().unwrap_or_default(), &data),
        );
    }
    let size: usize = next.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > crate::store::MAX_ATTRIBUTE_BYTES {
        return Outcome::Error(
            "NoMatchingError",
            format!("the attributes would take {size} bytes, more than 32768"),
        );
    }
    if let Some(contact) = inner.contacts.get_mut(contact_id) {
        contact.attributes = next;
    }
    Outcome::Next
}

/// TransferContactToQueue: the contact waits in its target queue; the CustomerQueue flow (if
/// set) plays meanwhile and the simulated agent, when on, comes for it.
fn transfer(store: &Arc<Store>, contact_id: &str) -> Outcome {
    let result = store.with(|inner| {
        routing::enqueue(inner, &store.settings.setup.queues, contact_id)?;
        let queue_flow = inner
            .contacts
            .get(contact_id)
            .and_then(|c| c.flow.event_hooks.get("CustomerQueue").cloned());
        if let Some(flow_id) = queue_flow {
            super::start(store, inner, contact_id, &flow_id, RunKind::CustomerQueue);
        }
        Ok(())
    });
    match result {
        Ok(()) => {
            store.with(|inner| crate::routing::dispatch::dispatch(store, inner));
            Outcome::Queued
        }
        Err(TransferError::AtCapacity) => {
            Outcome::Error("QueueAtCapacity", "the queue is at capacity".into())
        }
        Err(TransferError::NoTargetQueue) => Outcome::Error(
            "NoMatchingError",
            "no target queue: UpdateContactTargetQueue comes first".into(),
        ),
    }
}

/// The `ContactFlowEvent` Connect sends to a function.
fn contact_flow_event(store: &Store, contact: &Contact, parameters: Map<String, Value>) -> Value {
    let settings = &store.settings;
    let queue = contact.flow.queue_id.as_ref().and_then(|id| {
        let queue = settings.setup.queues.iter().find(|q| &q.id == id)?;
        Some(json!({"ARN": queue_arn(&settings.region, &settings.instance_id, id), "Name": queue.name, "OutboundCallerId": Value::Null}))
    });
    json!({
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "Attributes": contact.attributes,
                "Channel": "CHAT",
                "ContactId": contact.contact_id,
                "CustomerEndpoint": Value::Null,
                "InitialContactId": contact.initial_contact_id,
                "InitiationMethod": "API",
                "InstanceARN": instance_arn(store),
                "PreviousContactId": contact.continued_from_contact_id.clone().unwrap_or_else(|| contact.contact_id.clone()),
                "Queue": queue,
                "SegmentAttributes": contact.segment_attributes,
                "SystemEndpoint": Value::Null,
            },
            "Parameters": parameters,
        }
    })
}

async fn invoke_lambda(store: &Arc<Store>, contact_id: &str, action: &Action) -> Outcome {
    let prepared = store.with(|inner| {
        let contact = inner.contacts.get(contact_id)?;
        let data = flow_data(store, contact);
        let arn = render(action.text("LambdaFunctionARN").unwrap_or_default(), &data);
        let parameters: Map<String, Value> = action
            .parameters
            .get("LambdaInvocationAttributes")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                (
                    k.clone(),
                    json!(render(v.as_str().unwrap_or_default(), &data)),
                )
            })
            .collect();
        Some((arn, contact_flow_event(store, contact, parameters)))
    });
    let Some((arn, event)) = prepared else {
        return Outcome::Retired;
    };
    let limit = seconds(
        store,
        contact_id,
        action.parameters.get("InvocationTimeLimitSeconds"),
        DEFAULT_LAMBDA_TIMEOUT,
    );
    let response_type = match action
        .parameters
        .get("ResponseValidation")
        .map(|v| &v["ResponseType"])
    {
        Some(kind) if kind == "JSON" => lambda::ResponseType::Json,
        _ => lambda::ResponseType::StringMap,
    };
    let result = lambda::invoke(
        store.settings.lambda_endpoint.as_deref(),
        &arn,
        &event,
        limit,
        response_type,
    )
    .await;
    store.with(|inner| {
        let Some(contact) = inner.contacts.get_mut(contact_id) else {
            return Outcome::Retired;
        };
        match result {
            Ok(answer) => {
                contact.flow.external = answer;
                Outcome::Next
            }
            Err(error) => {
                contact.flow.external = Map::new();
                Outcome::Error("NoMatchingError", error.to_string())
            }
        }
    })
}

/// ConnectParticipantWithLexBot: the block's Text is sent first; each customer
/// message goes to the bot until an intent closes the conversation. The closing intent's name
/// is the result the conditions compare; slots and session attributes are `$.Lex.*`.
async fn lex_conversation(
    store: &Arc<Store>,
    contact_id: &str,
    action: &Action,
    run: u64,
) -> Outcome {
    let p = &action.parameters;
    let prepared = store.with(|inner| {
        let arn = rendered(
            store,
            inner,
            contact_id,
            p.get("LexV2Bot")?.get("AliasArn")?.as_str()?,
        )?;
        let prompt = match action.text("Text") {
            Some(text) => Some(rendered(store, inner, contact_id, text)?),
            None => None,
        };
        Some((arn, prompt))
    });
    let Some((arn, prompt)) = prepared else {
        return Outcome::Retired;
    };
    let Some(bot) = store.settings.setup.bot(&arn) else {
        return Outcome::Error("NoMatchingError", format!("no Lex bot alias {arn}"));
    };
    // The block's own prompt is a flow message; only the bot's answers stream.
    if let Some(prompt) = prompt {
        store.with(|inner| {
            system_message(inner, contact_id, "SYSTEM_MESSAGE", "text/plain", &prompt)
        });
    }
    let limit = seconds(
        store,
        contact_id,
        p.get("LexTimeoutSeconds").and_then(|t| t.get("Text")),
        DEFAULT_LEX_TIMEOUT,
    );
    let mut utterance = p
        .get("LexInitializationData")
        .or_else(|| p.get("LexInitilizationData"))
        .and_then(|d| d.get("InitialMessage"))
        .and_then(Value::as_str)
        .map(|m| {
            store
                .with(|inner| rendered(store, inner, contact_id, m))
                .unwrap_or_default()
        });
    let mut session: Map<String, Value> = store.with(|inner| {
        p.get("LexSessionAttributes")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| {
                let value = rendered(store, inner, contact_id, v.as_str().unwrap_or_default())?;
                Some((k.clone(), json!(value)))
            })
            .collect()
    });
    loop {
        let text = match utterance.take() {
            Some(text) => text,
            None => match customer_input(store, contact_id, run, limit).await {
                Waited::Input(input) => input.content,
                Waited::TimedOut => {
                    return Outcome::Error(
                        "InputTimeLimitExceeded",
                        format!("no answer within {} s", limit.as_secs()),
                    )
                }
                Waited::Retired => return Outcome::Retired,
            },
        };
        let recognized = bot.recognize(&text);
        for (key, value) in &recognized.session_attributes {
            session.insert(key.clone(), json!(value));
        }
        if let Some(reply) = &recognized.reply {
            bot_says(store, contact_id, reply).await;
        }
        if recognized.closes {
            let lex = json!({
                "IntentName": recognized.intent,
                "Slots": recognized.slots,
                "SessionAttributes": session,
            });
            let alive = store.with(|inner| match inner.contacts.get_mut(contact_id) {
                Some(contact) => {
                    contact.flow.lex = lex;
                    true
                }
                None => false,
            });
            return if alive {
                Outcome::Value(recognized.intent)
            } else {
                Outcome::Retired
            };
        }
    }
}

/// ShowView on chat: the view goes to the customer as a ViewResource interactive message and
/// the customer's response (its chosen action) is the result the conditions compare.
async fn show_view(store: &Arc<Store>, contact_id: &str, action: &Action, run: u64) -> Outcome {
    let view_id = action.parameters["ViewResource"]["Id"]
        .as_str()
        .unwrap_or_default();
    let mut message = interactive::template("ViewResource").unwrap_or_default();
    message["data"]["content"]["viewId"] = json!(resource_id(view_id));
    let sent = store.with(|inner| {
        let supported = inner
            .contacts
            .get(contact_id)?
            .supported_messaging_content_types
            .iter()
            .any(|t| t == interactive::INTERACTIVE);
        supported.then(|| {
            system_message(
                inner,
                contact_id,
                "SYSTEM_MESSAGE",
                interactive::INTERACTIVE,
                &message.to_string(),
            )
        })
    });
    if sent != Some(true) {
        return Outcome::Error(
            "NoMatchingError",
            "the chat does not take interactive messages".into(),
        );
    }
    let limit = seconds(
        store,
        contact_id,
        action.parameters.get("InvocationTimeLimitSeconds"),
        DEFAULT_VIEW_TIMEOUT,
    );
    match customer_input(store, contact_id, run, limit).await {
        Waited::Input(input) => {
            Outcome::Value(interactive::chosen(&input.content).unwrap_or_default())
        }
        Waited::TimedOut => Outcome::Error(
            "TimeLimitExceeded",
            format!("no response within {} s", limit.as_secs()),
        ),
        Waited::Retired => Outcome::Retired,
    }
}
