//! Message streaming (StartContactStreaming, or StartChatContact's ChatStreamingConfiguration):
//! every item published in a streaming chat becomes an SNS notification for the configured
//! topic, kept on the contact (`/_local/contacts/{id}`, `Streaming.Notifications`) and, with
//! `--streaming-endpoint`, POSTed there the way SNS delivers to an HTTP subscription, in order.

use std::time::Duration;

use chrono::Utc;
use http_body_util::Full;
use hyper::body::Bytes;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::store::{iso_millis, new_id};

/// Tries per notification before it is given up (SNS retries HTTP endpoints too).
const TRIES: u32 = 3;

/// The notification SNS would deliver for an item (`message`, as published) on `topic_arn`:
/// the item as the message, and the attributes subscribers filter on.
pub fn notification(
    topic_arn: &str,
    contact_id: &str,
    initial_contact_id: &str,
    message: &Value,
) -> Value {
    let attribute = |value: &str| json!({"Type": "String", "Value": value});
    let role = message["ParticipantRole"]
        .as_str()
        .unwrap_or("SYSTEM")
        .to_owned();
    let kind = message["Type"].as_str().unwrap_or("EVENT").to_owned();
    json!({
        "Type": "Notification",
        "MessageId": new_id(),
        "TopicArn": topic_arn,
        "Message": message.to_string(),
        "Timestamp": iso_millis(Utc::now()),
        "SignatureVersion": "1",
        "MessageAttributes": {
            "InitialContactId": attribute(initial_contact_id),
            "ContactId": attribute(contact_id),
            "ParticipantRole": attribute(&role),
            "Type": attribute(&kind),
            "MessageVisibility": attribute("ALL"),
        },
    })
}

/// Starts the task that POSTs notifications to `endpoint` in the order they were published;
/// it ends when every sender is gone.
pub fn deliver_to(endpoint: String) -> (mpsc::UnboundedSender<Value>, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
    let task = tokio::spawn(async move {
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<Full<Bytes>>();
        while let Some(notification) = rx.recv().await {
            let body = Bytes::from(notification.to_string());
            let topic = notification["TopicArn"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let id = notification["MessageId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            for attempt in 0..TRIES {
                if attempt > 0 {
                    tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                }
                let Ok(request) = http::Request::post(&endpoint)
                    .header("content-type", "text/plain; charset=UTF-8")
                    .header("x-amz-sns-message-type", "Notification")
                    .header("x-amz-sns-message-id", &id)
                    .header("x-amz-sns-topic-arn", &topic)
                    .body(Full::new(body.clone()))
                else {
                    break;
                };
                match client.request(request).await {
                    Ok(answer) if answer.status().is_success() => break,
                    Ok(answer) => {
                        tracing::warn!(status = %answer.status(), "streaming endpoint refused a notification")
                    }
                    Err(e) => tracing::warn!(error = %e, "streaming endpoint unreachable"),
                }
            }
        }
    });
    (tx, task)
}
