//! Connect's attached-file operations, used for files on cases (restJson1, SigV4 with signing
//! name `connect`): `PUT /attached-files/{InstanceId}` (StartAttachedFileUpload),
//! `POST /attached-files/{InstanceId}/{FileId}` (CompleteAttachedFileUpload) and
//! `GET /attached-files/{InstanceId}/{FileId}` (GetAttachedFile). Uploads go to the same
//! presigned storage as chat attachments.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use serde_json::{json, Value};

use crate::store::storage;
use crate::store::{iso_millis, iso_secs, new_id, AttachedFile, FileStatus, Store};
use crate::wire::errors::{respond, AwsError};
use crate::wire::signed::{Received, SignedCall, CONNECT};
use crate::wire::validate::Input;

const INVALID_REQUEST: &str = "InvalidRequestException";

type QueryMap = Query<HashMap<String, String>>;

/// `PUT /attached-files/{InstanceId}?associatedResourceArn=…`.
pub async fn start_attached_file_upload(
    State(store): State<Arc<Store>>,
    Path(instance_id): Path<String>,
    Query(query): QueryMap,
    received: Received,
) -> Response {
    let call = received.call("StartAttachedFileUpload");
    respond((|| {
        let (resource, input) = admit(&store, &call, &[("InstanceId", &instance_id)], &query)?;
        start(&store, &instance_id, &resource, &input)
    })())
}

fn start(
    store: &Store,
    instance_id: &str,
    resource: &str,
    input: &Input,
) -> Result<Value, AwsError> {
    let client_token = input.opt_str("ClientToken")?;
    let file_name = input.str("FileName")?;
    if file_name.chars().any(char::is_control) {
        return Err(invalid_file(
            "INVALID_FILE_NAME",
            "FileName must not contain control characters",
        ));
    }
    let size = input
        .opt_int("FileSizeInBytes")?
        .ok_or_else(|| input.invalid("FileSizeInBytes", "Member must not be null"))?
        as u64;
    let ttl = input.opt_int("UrlExpiryInSeconds")?;
    // The model has checked the value against its FileUseCaseType enum; of its values, the
    // documentation says only ATTACHMENT is supported for these operations.
    let use_case = input.str("FileUseCaseType")?;
    if use_case != "ATTACHMENT" {
        return Err(AwsError::new(
            INVALID_REQUEST,
            "Only ATTACHMENT is supported as FileUseCaseType",
        ));
    }
    let created_by = created_by(input)?;
    let tags = tags(input)?;
    let max = store.settings.max_attachment_bytes;
    if size > max {
        return Err(invalid_file(
            "INVALID_FILE_SIZE",
            &format!("File size {size} exceeds the maximum of {max} bytes"),
        ));
    }
    if !storage::is_allowed_extension(&file_name) {
        return Err(invalid_file(
            "INVALID_FILE_TYPE",
            "The file extension is not supported",
        ));
    }

    store.with(|inner| {
        let token_key = client_token
            .as_ref()
            .filter(|t| !t.is_empty())
            .map(|t| format!("{instance_id}/{resource}/{t}"));
        if let Some(existing) = token_key
            .as_ref()
            .and_then(|key| inner.attached_file_client_tokens.get(key))
            .and_then(|id| inner.attached_files.get(id))
        {
            return Ok(start_output(store, existing, ttl));
        }
        let on_resource = inner
            .attached_files
            .values()
            .filter(|f| f.associated_resource_arn == resource)
            .count();
        if on_resource >= store.settings.max_attachments_per_contact {
            return Err(AwsError::new(
                "ServiceQuotaExceededException",
                "The number of files on this resource exceeds the quota",
            )
            .with(
                "Reason",
                json!({"AttachedFileServiceQuotaExceededExceptionReason": "TOTAL_FILE_COUNT_EXCEEDED"}),
            ));
        }
        let file_id = new_id();
        let (region, account) = arn_region_account(resource);
        let file = AttachedFile {
            file_arn: format!("arn:aws:connect:{region}:{account}:instance/{instance_id}/file/{file_id}"),
            file_id: file_id.clone(),
            instance_id: instance_id.to_owned(),
            associated_resource_arn: resource.to_owned(),
            file_name,
            file_size_in_bytes: size,
            file_use_case_type: use_case,
            creation_time: iso_millis(Utc::now()),
            file_status: FileStatus::Processing,
            created_by,
            tags,
            headers_to_include: BTreeMap::from([("Content-Length".into(), size.to_string())]),
            uploaded: false,
            bytes: None,
        };
        let out = start_output(store, &file, ttl);
        if let Some(key) = token_key {
            inner.attached_file_client_tokens.insert(key, file_id.clone());
        }
        inner.attached_files.insert(file_id, file);
        Ok(out)
    })
}

fn start_output(store: &Store, file: &AttachedFile, ttl: Option<i64>) -> Value {
    let (url, expiry) = storage::presign(
        &store.settings,
        "PUT",
        &file.file_id,
        ttl.map(|s| Duration::from_secs(s as u64)),
        None,
    );
    let mut out = json!({
        "FileArn": file.file_arn,
        "FileId": file.file_id,
        "CreationTime": file.creation_time,
        "FileStatus": file.file_status,
        "UploadUrlMetadata": {
            "Url": url,
            "UrlExpiry": iso_secs(expiry),
            "HeadersToInclude": file.headers_to_include,
        }
    });
    if let Some(created_by) = &file.created_by {
        out["CreatedBy"] = created_by.clone();
    }
    out
}

/// `POST /attached-files/{InstanceId}/{FileId}?associatedResourceArn=…`.
pub async fn complete_attached_file_upload(
    State(store): State<Arc<Store>>,
    Path((instance_id, file_id)): Path<(String, String)>,
    Query(query): QueryMap,
    received: Received,
) -> Response {
    let call = received.call("CompleteAttachedFileUpload");
    respond((|| {
        let (resource, _) = admit(
            &store,
            &call,
            &[("InstanceId", &instance_id), ("FileId", &file_id)],
            &query,
        )?;
        let reject = store.settings.reject_attachments_matching.clone();
        store.with(|inner| {
            let file = find(&mut inner.attached_files, &file_id, &resource)?;
            match file.file_status {
                FileStatus::Approved | FileStatus::Rejected => Ok(json!({})),
                FileStatus::Processing if !file.uploaded => Err(AwsError::new(
                    INVALID_REQUEST,
                    "The file has not been uploaded to the upload URL",
                )),
                FileStatus::Processing => {
                    let rejected = reject.is_some_and(|pattern| {
                        file.file_name
                            .to_lowercase()
                            .contains(&pattern.to_lowercase())
                    });
                    file.file_status = if rejected {
                        FileStatus::Rejected
                    } else {
                        FileStatus::Approved
                    };
                    Ok(json!({}))
                }
            }
        })
    })())
}

/// `GET /attached-files/{InstanceId}/{FileId}?associatedResourceArn=…&urlExpiryInSeconds=…`.
pub async fn get_attached_file(
    State(store): State<Arc<Store>>,
    Path((instance_id, file_id)): Path<(String, String)>,
    Query(query): QueryMap,
    received: Received,
) -> Response {
    let call = received.call("GetAttachedFile");
    respond((|| {
        let (resource, _) = admit(
            &store,
            &call,
            &[("InstanceId", &instance_id), ("FileId", &file_id)],
            &query,
        )?;
        let ttl = match query.get("urlExpiryInSeconds") {
            None => None,
            Some(raw) => Some(
                raw.parse::<u64>()
                    .ok()
                    .filter(|s| (5..=300).contains(s))
                    .ok_or_else(|| {
                        AwsError::validation(
                            INVALID_REQUEST,
                            "urlExpiryInSeconds",
                            "Member must be between 5 and 300",
                        )
                    })?,
            ),
        };
        store.with(|inner| {
            let file = find(&mut inner.attached_files, &file_id, &resource)?;
            let mut out = serde_json::to_value(&*file).unwrap_or_default();
            if let Some(map) = out.as_object_mut() {
                map.remove("Uploaded");
                map.remove("InstanceId");
            }
            if file.file_status == FileStatus::Approved {
                let (url, expiry) = storage::presign(
                    &store.settings,
                    "GET",
                    &file.file_id,
                    ttl.map(Duration::from_secs),
                    Some(storage::disposition(
                        query.get("urlContentDisposition").cloned(),
                    )),
                );
                out["DownloadUrlMetadata"] = json!({"Url": url, "UrlExpiry": iso_secs(expiry)});
            }
            Ok(out)
        })
    })())
}

/// The steps the three operations share: those of every signed call, then the instance
/// check, and the `associatedResourceArn`, which is returned with the body.
fn admit(
    store: &Store,
    call: &SignedCall<'_>,
    labels: &[(&str, &str)],
    query: &HashMap<String, String>,
) -> Result<(String, Input), AwsError> {
    let input = call.admit_on_instance(store, &CONNECT, labels, query)?;
    Ok((resource_arn(query)?, input))
}

/// The required `associatedResourceArn` query member, which must be a valid ARN.
fn resource_arn(query: &HashMap<String, String>) -> Result<String, AwsError> {
    let arn = query.get("associatedResourceArn").ok_or_else(|| {
        AwsError::validation(
            INVALID_REQUEST,
            "associatedResourceArn",
            "Member must not be null",
        )
    })?;
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let valid = parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
        && !parts[5].is_empty();
    if !valid {
        return Err(AwsError::new(
            INVALID_REQUEST,
            "associatedResourceArn must be a valid ARN",
        ));
    }
    Ok(arn.clone())
}

fn arn_region_account(arn: &str) -> (&str, &str) {
    let mut parts = arn.split(':').skip(3);
    (parts.next().unwrap_or(""), parts.next().unwrap_or(""))
}

fn find<'a>(
    files: &'a mut HashMap<String, AttachedFile>,
    file_id: &str,
    resource: &str,
) -> Result<&'a mut AttachedFile, AwsError> {
    files
        .get_mut(file_id)
        .filter(|f| f.associated_resource_arn == resource)
        .ok_or_else(|| {
            AwsError::new(
                "ResourceNotFoundException",
                "The file was not found on this resource",
            )
        })
}

fn invalid_file(reason: &str, message: &str) -> AwsError {
    AwsError::new(INVALID_REQUEST, message).with(
        "Reason",
        json!({"AttachedFileInvalidRequestExceptionReason": reason}),
    )
}

/// `CreatedBy`: a union, exactly one of `ConnectUserArn` or `AWSIdentityArn`.
fn created_by(input: &Input) -> Result<Option<Value>, AwsError> {
    let Some(created_by) = input.opt_object("CreatedBy")? else {
        return Ok(None);
    };
    let members: Vec<(&String, &Value)> = created_by.iter().collect();
    match members.as_slice() {
        [(key, Value::String(arn))]
            if (key.as_str() == "ConnectUserArn" || key.as_str() == "AWSIdentityArn")
                && !arn.is_empty() =>
        {
            Ok(Some(Value::Object(created_by.clone())))
        }
        _ => Err(input.invalid(
            "CreatedBy",
            "Member must set exactly one of ConnectUserArn or AWSIdentityArn",
        )),
    }
}

/// `Tags`: 1 to 50 entries; keys 1-128 characters not starting with `aws:`, values up to 256.
fn tags(input: &Input) -> Result<Option<Value>, AwsError> {
    let Some(tags) = input.opt_object("Tags")? else {
        return Ok(None);
    };
    if tags.is_empty() || tags.len() > 50 {
        return Err(input.invalid("Tags", "Member must have between 1 and 50 entries"));
    }
    for (key, value) in tags {
        let key_ok = (1..=128).contains(&key.chars().count()) && !key.starts_with("aws:");
        let value_ok = value.as_str().is_some_and(|v| v.chars().count() <= 256);
        if !key_ok || !value_ok {
            return Err(input.invalid(
                "Tags",
                "Member keys must be 1-128 characters not starting with aws:, values at most 256",
            ));
        }
    }
    Ok(Some(Value::Object(tags.clone())))
}
