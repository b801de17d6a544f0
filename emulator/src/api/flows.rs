//! Connect's flow operations (restJson1, SigV4 with signing name `connect`), so that a team's
//! deploy script or `aws connect create-contact-flow --content file://flow.json` can target
//! connect-local: `PUT /contact-flows/{InstanceId}` (CreateContactFlow),
//! `POST /contact-flows/{InstanceId}/{ContactFlowId}/content` (UpdateContactFlowContent),
//! `GET /contact-flows/{InstanceId}/{ContactFlowId}` (DescribeContactFlow) and
//! `GET /contact-flows-summary/{InstanceId}` (ListContactFlows). Content is checked as
//! `--flows` checks files; a flow with problems is refused with InvalidContactFlowException.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{json, Value};

use crate::flow::language;
use crate::flow::library::{describe, flow_arn, FlowRecord};
use crate::store::{new_id, Store};
use crate::wire::errors::{respond, AwsError};
use crate::wire::model;
use crate::wire::signed::{Page, Received, CONNECT};

/// A page of ListContactFlows unless MaxResults says otherwise.
const DEFAULT_PAGE: usize = 100;

/// The checked flow, or InvalidContactFlowException with every problem.
fn checked(store: &Store, content: &str, own_id: &str) -> Result<language::Flow, AwsError> {
    let problems = match language::parse(content) {
        Ok((flow, deps)) => {
            let problems = store.with(|inner| {
                let setup = crate::flow::library::Setup {
                    flows: inner.flows.clone(),
                    ..store.settings.setup.clone()
                };
                setup.unresolved(&deps, &[own_id])
            });
            if problems.is_empty() {
                return Ok(flow);
            }
            problems
        }
        Err(found) => found.0,
    };
    let listed: Vec<Value> = problems.iter().map(|p| json!({"message": p})).collect();
    Err(AwsError::new(
        "InvalidContactFlowException",
        format!("The flow is not valid: {}", problems.join("; ")),
    )
    .with("problems", Value::Array(listed)))
}

/// `PUT /contact-flows/{InstanceId}`.
pub async fn create_contact_flow(
    State(store): State<Arc<Store>>,
    Path(instance_id): Path<String>,
    received: Received,
) -> Response {
    let call = received.call("CreateContactFlow");
    respond((|| {
        let input = call.admit_on_instance(
            &store,
            &CONNECT,
            &[("InstanceId", &instance_id)],
            &Default::default(),
        )?;
        let name = input.str("Name")?;
        let kind = input.str("Type")?;
        let content = input.str("Content")?;
        let status = input.opt_str("Status")?;
        let id = new_id();
        let flow = checked(&store, &content, &id)?;
        let mut record = FlowRecord::new(&id, &name, &kind, &content, flow);
        record.description = input.opt_str("Description")?;
        record.tags = input.body.get("Tags").cloned();
        if let Some(status) = status {
            record.status = status;
        }
        store.with(|inner| {
            if inner.flows.values().any(|f| f.name == name) {
                return Err(AwsError::new(
                    "DuplicateResourceException",
                    format!("A flow named {name} already exists"),
                ));
            }
            inner.flows.insert(id.clone(), record);
            Ok(json!({
                "ContactFlowId": id,
                "ContactFlowArn": flow_arn(&store.settings.region, &instance_id, &id),
            }))
        })
    })())
}

/// `POST /contact-flows/{InstanceId}/{ContactFlowId}/content`.
pub async fn update_contact_flow_content(
    State(store): State<Arc<Store>>,
    Path((instance_id, flow_id)): Path<(String, String)>,
    received: Received,
) -> Response {
    let call = received.call("UpdateContactFlowContent");
    respond((|| {
        let input = call.admit_on_instance(
            &store,
            &CONNECT,
            &[("InstanceId", &instance_id), ("ContactFlowId", &flow_id)],
            &Default::default(),
        )?;
        let content = input.str("Content")?;
        if !store.with(|inner| inner.flows.contains_key(&flow_id)) {
            return Err(not_found(&flow_id));
        }
        let flow = checked(&store, &content, &flow_id)?;
        store.with(|inner| {
            let record = inner
                .flows
                .get_mut(&flow_id)
                .ok_or_else(|| not_found(&flow_id))?;
            record.content = content;
            record.flow = Arc::new(flow);
            record.last_modified = crate::flow::library::epoch_seconds();
            Ok(json!({}))
        })
    })())
}

/// `GET /contact-flows/{InstanceId}/{ContactFlowId}` (`ID:$SAVED` reads the saved content).
pub async fn describe_contact_flow(
    State(store): State<Arc<Store>>,
    Path((instance_id, flow_id)): Path<(String, String)>,
    received: Received,
) -> Response {
    let call = received.call("DescribeContactFlow");
    respond((|| {
        call.admit_on_instance(
            &store,
            &CONNECT,
            &[("InstanceId", &instance_id), ("ContactFlowId", &flow_id)],
            &Default::default(),
        )?;
        let (id, saved) = match flow_id.strip_suffix(":$SAVED") {
            Some(id) => (id, true),
            None => (flow_id.as_str(), false),
        };
        store.with(|inner| {
            let record = inner.flows.get(id).ok_or_else(|| not_found(id))?;
            if record.status == "SAVED" && !saved {
                return Err(AwsError::new(
                    "ContactFlowNotPublishedException",
                    "The flow has not been published; describe ID:$SAVED to read it",
                ));
            }
            Ok(json!({"ContactFlow": describe(record, &store.settings.region, &instance_id)}))
        })
    })())
}

/// `GET /contact-flows-summary/{InstanceId}?contactFlowTypes=…&maxResults=…&nextToken=…`.
pub async fn list_contact_flows(
    State(store): State<Arc<Store>>,
    Path(instance_id): Path<String>,
    received: Received,
) -> Response {
    let call = received.call("ListContactFlows");
    let query = model::join_repeated(received.uri.query().unwrap_or_default());
    respond((|| {
        call.admit_on_instance(&store, &CONNECT, &[("InstanceId", &instance_id)], &query)?;
        let types: Vec<&str> = query
            .get("contactFlowTypes")
            .map(|t| t.split('\n').collect())
            .unwrap_or_default();
        let page = Page::from_query(&query, DEFAULT_PAGE)?;
        store.with(|inner| {
            let matching: Vec<&FlowRecord> = inner
                .flows
                .values()
                .filter(|f| types.is_empty() || types.contains(&f.kind.as_str()))
                .collect();
            let summaries: Vec<Value> = matching
                .iter()
                .skip(page.start)
                .take(page.size)
                .map(|f| {
                    json!({
                        "Arn": flow_arn(&store.settings.region, &instance_id, &f.id),
                        "Id": f.id,
                        "Name": f.name,
                        "ContactFlowType": f.kind,
                        "ContactFlowState": "ACTIVE",
                        "ContactFlowStatus": f.status,
                    })
                })
                .collect();
            let mut out = json!({"ContactFlowSummaryList": summaries});
            if let Some(next) = page.next_token(matching.len()) {
                out["NextToken"] = json!(next);
            }
            Ok(out)
        })
    })())
}

fn not_found(id: &str) -> AwsError {
    AwsError::new(
        "ResourceNotFoundException",
        format!("Contact flow not found: {id}"),
    )
}
