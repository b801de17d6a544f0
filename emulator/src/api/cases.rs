//! The Amazon Connect Cases operations the case-file flow needs (restJson1, SigV4 with signing
//! name `cases`): `POST /domains/{domainId}/cases/{caseId}/related-items/` (CreateRelatedItem,
//! File and Comment items) and `POST /domains/{domainId}/cases/{caseId}/related-items-search`
//! (SearchRelatedItems), on the one configured domain. A completed attached file shows on its
//! case once a File related item refers to its ARN.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Utc;
use serde_json::{json, Value};

use crate::store::{iso_millis, new_id, FileStatus, Store};
use crate::wire::errors::{respond, AwsError};
use crate::wire::model;
use crate::wire::signed::{Api, Received, SignedCall};
use crate::wire::validate::Input;

const VALIDATION: &str = "ValidationException";

/// Related item types connect-local stores; the others are refused as unsupported.
const SERVED_TYPES: [(&str, &str); 2] = [("File", "file"), ("Comment", "comment")];

/// `POST /domains/{domainId}/cases/{caseId}/related-items/` (CreateRelatedItem).
pub async fn create_related_item(
    State(store): State<Arc<Store>>,
    Path((domain_id, case_id)): Path<(String, String)>,
    received: Received,
) -> Response {
    let call = received.call("CreateRelatedItem");
    serve(&store, &call, &domain_id, &case_id, create)
}

fn create(store: &Store, case: &Case<'_>, input: &Input) -> Result<Value, AwsError> {
    let item_type = input
        .body
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let Some((_, content_member)) = SERVED_TYPES.iter().find(|(t, _)| *t == item_type) else {
        return Err(AwsError::new(
            VALIDATION,
            format!("connect-local serves File and Comment related items, not {item_type}"),
        ));
    };
    let content = input.body.get("content").unwrap_or(&Value::Null);
    if content.get(*content_member).is_none() {
        return Err(AwsError::new(
            VALIDATION,
            format!("A related item of type {item_type} needs content.{content_member}"),
        ));
    }
    let case_key = format!("{}/{}", case.domain_id, case.case_id);
    let case_arn = case_arn(store, case.domain_id, case.case_id);
    store.with(|inner| {
        let mut target_key = None;
        if item_type == "File" {
            let file_arn = content["file"]["fileArn"].as_str().unwrap_or_default();
            let file = inner
                .attached_files
                .values()
                .find(|f| f.file_arn == file_arn)
                .ok_or_else(|| not_found(file_arn, "File"))?;
            if !is_case_arn(&file.associated_resource_arn, case.domain_id, case.case_id) {
                return Err(AwsError::new(
                    VALIDATION,
                    "The file is not attached to this case",
                ));
            }
            if file.file_status != FileStatus::Approved {
                return Err(AwsError::new(
                    VALIDATION,
                    "The file's upload has not been completed and approved",
                ));
            }
            let key = format!("{case_key}/File/{file_arn}");
            if inner.related_item_targets.contains_key(&key) {
                return Err(AwsError::new(
                    "ConflictException",
                    "A File related item for this file already exists on the case",
                ));
            }
            target_key = Some(key);
        }
        let related_item_id = new_id();
        let mut item = json!({
            "relatedItemId": related_item_id,
            "type": item_type,
            "associationTime": iso_millis(Utc::now()),
            "content": {*content_member: content[*content_member].clone()},
        });
        if let Some(performed_by) = input.body.get("performedBy") {
            item["performedBy"] = performed_by.clone();
        }
        if let Some(key) = target_key {
            inner
                .related_item_targets
                .insert(key, related_item_id.clone());
        }
        inner.related_items.entry(case_key).or_default().push(item);
        Ok(json!({
            "relatedItemId": related_item_id,
            "relatedItemArn": format!("{case_arn}/related-item/{related_item_id}"),
        }))
    })
}

/// `POST /domains/{domainId}/cases/{caseId}/related-items-search` (SearchRelatedItems).
pub async fn search_related_items(
    State(store): State<Arc<Store>>,
    Path((domain_id, case_id)): Path<(String, String)>,
    received: Received,
) -> Response {
    let call = received.call("SearchRelatedItems");
    serve(&store, &call, &domain_id, &case_id, search)
}

fn search(store: &Store, case: &Case<'_>, input: &Input) -> Result<Value, AwsError> {
    let max_results = input.opt_int("maxResults")?.unwrap_or(25) as usize;
    let offset = match input.opt_str("nextToken")?.filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => token
            .strip_prefix("after-")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| AwsError::new(VALIDATION, "Invalid nextToken"))?,
    };
    // filters is optional: none means every related item.
    let filters: Vec<Value> = input
        .body
        .get("filters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let key = format!("{}/{}", case.domain_id, case.case_id);
    let items = store.with(|inner| inner.related_items.get(&key).cloned().unwrap_or_default());
    let matching: Vec<Value> = items
        .into_iter()
        .filter(|item| filters.is_empty() || filters.iter().any(|f| matches(item, f)))
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(max_results)
        .cloned()
        .collect();
    let mut out = json!({"relatedItems": page});
    if offset + page.len() < matching.len() {
        out["nextToken"] = json!(format!("after-{}", offset + page.len()));
    }
    Ok(out)
}

/// Whether a related item passes one `RelatedItemTypeFilter` (a union naming the item type,
/// with optional member filters, of which connect-local applies `file.fileArn`).
fn matches(item: &Value, filter: &Value) -> bool {
    let Some((member, conditions)) = filter.as_object().and_then(|f| f.iter().next()) else {
        return false;
    };
    let Some((item_type, _)) = SERVED_TYPES.iter().find(|(_, m)| m == member) else {
        return false;
    };
    if item["type"] != *item_type {
        return false;
    }
    match conditions["fileArn"].as_str() {
        Some(arn) => item["content"]["file"]["fileArn"] == arn,
        None => true,
    }
}

/// Whether an ARN names this case (any account: the domain and case ids decide).
fn is_case_arn(arn: &str, domain_id: &str, case_id: &str) -> bool {
    arn.starts_with("arn:aws:cases:")
        && arn.ends_with(&format!(":domain/{domain_id}/case/{case_id}"))
}

/// The ARN of a case on this server's domain.
pub fn case_arn(store: &Store, domain_id: &str, case_id: &str) -> String {
    format!(
        "arn:aws:cases:{}:{}:domain/{domain_id}/case/{case_id}",
        store.settings.region,
        crate::LOCAL_ACCOUNT_ID
    )
}

fn not_found(id: &str, resource_type: &str) -> AwsError {
    AwsError::new(
        "ResourceNotFoundException",
        format!("{resource_type} {id} was not found"),
    )
    .with("resourceId", json!(id))
    .with("resourceType", json!(resource_type))
}

/// The Cases API.
const CASES: Api = Api {
    signing_name: "cases",
    model: &model::CASES,
    invalid_input: VALIDATION,
};

/// Runs one Cases operation on a case: the shared steps ([`admit`]), then `op`, answered.
fn serve(
    store: &Store,
    call: &SignedCall<'_>,
    domain_id: &str,
    case_id: &str,
    op: fn(&Store, &Case<'_>, &Input) -> Result<Value, AwsError>,
) -> Response {
    let case = Case { domain_id, case_id };
    respond(admit(store, call, &case).and_then(|input| op(store, &case, &input)))
}

/// The steps of every signed call, then the domain check; returns the body.
fn admit(store: &Store, call: &SignedCall<'_>, case: &Case<'_>) -> Result<Input, AwsError> {
    let labels = [("domainId", case.domain_id), ("caseId", case.case_id)];
    let input = call.admit(store, &CASES, &labels, None)?;
    if case.domain_id != store.settings.cases_domain_id {
        return Err(not_found(case.domain_id, "Domain"));
    }
    Ok(input)
}

/// The case a call is about.
struct Case<'r> {
    domain_id: &'r str,
    case_id: &'r str,
}
