//! Connect's queue operations (restJson1, SigV4 with signing name `connect`):
//! `GET /queues-summary/{InstanceId}` (ListQueues) and `GET /queues/{InstanceId}/{QueueId}`
//! (DescribeQueue), over the instance's configured standard queues.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{json, Value};

use crate::flow::library::queue_arn;
use crate::store::Store;
use crate::wire::errors::{respond, AwsError};
use crate::wire::model;
use crate::wire::signed::{Page, Received, CONNECT};

/// A page of ListQueues unless MaxResults says otherwise.
const DEFAULT_PAGE: usize = 100;

/// `GET /queues-summary/{InstanceId}?queueTypes=…&maxResults=…&nextToken=…`.
pub async fn list_queues(
    State(store): State<Arc<Store>>,
    Path(instance_id): Path<String>,
    received: Received,
) -> Response {
    let call = received.call("ListQueues");
    let query = model::join_repeated(received.uri.query().unwrap_or_default());
    respond((|| {
        call.admit_on_instance(&store, &CONNECT, &[("InstanceId", &instance_id)], &query)?;
        let types: Vec<&str> = query
            .get("queueTypes")
            .map(|t| t.split('\n').collect())
            .unwrap_or_default();
        let page = Page::from_query(&query, DEFAULT_PAGE)?;
        let region = &store.settings.region;
        let standard = types.is_empty() || types.contains(&"STANDARD");
        let queues = &store.settings.setup.queues;
        let listed: Vec<Value> = queues
            .iter()
            .filter(|_| standard)
            .skip(page.start)
            .take(page.size)
            .map(|q| {
                json!({
                    "Id": q.id,
                    "Arn": queue_arn(region, &instance_id, &q.id),
                    "Name": q.name,
                    "QueueType": "STANDARD",
                })
            })
            .collect();
        let mut out = json!({"QueueSummaryList": listed});
        if let Some(next) = page.next_token(queues.len()).filter(|_| standard) {
            out["NextToken"] = json!(next);
        }
        Ok(out)
    })())
}

/// `GET /queues/{InstanceId}/{QueueId}`.
pub async fn describe_queue(
    State(store): State<Arc<Store>>,
    Path((instance_id, queue_id)): Path<(String, String)>,
    received: Received,
) -> Response {
    let call = received.call("DescribeQueue");
    respond((|| {
        call.admit_on_instance(
            &store,
            &CONNECT,
            &[("InstanceId", &instance_id), ("QueueId", &queue_id)],
            &Default::default(),
        )?;
        let queue = store
            .settings
            .setup
            .queues
            .iter()
            .find(|q| q.id == queue_id)
            .ok_or_else(|| {
                AwsError::new(
                    "ResourceNotFoundException",
                    format!("Queue not found: {queue_id}"),
                )
            })?;
        let mut out = json!({
            "Name": queue.name,
            "QueueArn": queue_arn(&store.settings.region, &instance_id, &queue.id),
            "QueueId": queue.id,
            "Status": "ENABLED",
            "LastModifiedRegion": store.settings.region,
        });
        if let Some(hours) = &queue.hours_of_operation_id {
            out["HoursOfOperationId"] = json!(hours);
        }
        if let Some(capacity) = queue.capacity {
            out["MaxContacts"] = json!(capacity);
        }
        Ok(json!({"Queue": out}))
    })())
}
