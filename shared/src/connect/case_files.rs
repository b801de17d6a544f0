//! Connect's attached-file operations for case files (StartAttachedFileUpload and
//! CompleteAttachedFileUpload), and the Cases related item that puts a completed file on its case.

use aws_sdk_connect::types as connect_types;
use aws_sdk_connectcases::types as cases_types;

use super::errors::{map_case_file_error, Operation};
use crate::attachment::UploadMetadata;
use crate::cases::{CompleteCaseFileRequest, StartCaseFileRequest, StartCaseFileResult};
use crate::config::CasesConfig;
use crate::error::ApiError;

/// Calls StartAttachedFileUpload for a file on a case in the configured Cases domain.
/// `created_by` is the caller's IAM identity ARN when the route is IAM-authorized.
pub async fn start_case_file_upload(
    client: &aws_sdk_connect::Client,
    cases: &CasesConfig,
    request: &StartCaseFileRequest,
    created_by: Option<&str>,
) -> Result<StartCaseFileResult, ApiError> {
    let size = i64::try_from(request.file_size_in_bytes)
        .map_err(|_| ApiError::field("FileSizeInBytes", "is too large"))?;
    let output = client
        .start_attached_file_upload()
        .instance_id(&cases.instance_id)
        .associated_resource_arn(cases.case_arn(&request.case_id))
        .file_name(&request.file_name)
        .file_size_in_bytes(size)
        .file_use_case_type(connect_types::FileUseCaseType::Attachment)
        .client_token(&request.client_token)
        .set_created_by(
            created_by.map(|arn| connect_types::CreatedByInfo::AwsIdentityArn(arn.to_owned())),
        )
        .send()
        .await
        .map_err(|err| map_case_file_error(Operation::StartAttachedFileUpload, err))?;
    let missing = |name: &str| ApiError::UpstreamFailure(format!("response without {name}"));
    let metadata = output
        .upload_url_metadata()
        .ok_or_else(|| missing("UploadUrlMetadata"))?;
    Ok(StartCaseFileResult {
        file_id: output
            .file_id()
            .ok_or_else(|| missing("FileId"))?
            .to_owned(),
        file_arn: output.file_arn().unwrap_or_default().to_owned(),
        file_status: output
            .file_status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        upload_metadata: UploadMetadata {
            url: metadata.url().ok_or_else(|| missing("Url"))?.to_owned(),
            url_expiry: metadata.url_expiry().unwrap_or_default().to_owned(),
            headers_to_include: metadata.headers_to_include().cloned().unwrap_or_default(),
        },
    })
}

/// Calls CompleteAttachedFileUpload for a file on a case in the configured Cases domain.
pub async fn complete_case_file_upload(
    client: &aws_sdk_connect::Client,
    cases: &CasesConfig,
    request: &CompleteCaseFileRequest,
) -> Result<(), ApiError> {
    client
        .complete_attached_file_upload()
        .instance_id(&cases.instance_id)
        .associated_resource_arn(cases.case_arn(&request.case_id))
        .file_id(&request.file_id)
        .send()
        .await
        .map_err(|err| map_case_file_error(Operation::CompleteAttachedFileUpload, err))?;
    Ok(())
}

/// The clients case-files calls: Connect for the upload, Cases for the related item.
#[derive(Clone, Debug)]
pub struct CaseFileClients {
    pub connect: aws_sdk_connect::Client,
    pub cases: aws_sdk_connectcases::Client,
}

impl CaseFileClients {
    /// Builds both clients from one loaded configuration; no I/O.
    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        Self {
            connect: super::connect_client(sdk),
            cases: super::cases_client(sdk),
        }
    }
}

/// Puts a completed file on its case: a related item of type File that refers to the file's
/// ARN. Idempotent: when the case already has an item for the file (a retried complete), that
/// item is returned and none is created. Returns the related item's id.
pub async fn link_file_to_case(
    client: &aws_sdk_connectcases::Client,
    cases: &CasesConfig,
    case_id: &str,
    file_id: &str,
) -> Result<String, ApiError> {
    let file_arn = cases.file_arn(file_id);
    if let Some(id) = find_file_item(client, cases, case_id, &file_arn).await? {
        return Ok(id);
    }
    let content = cases_types::FileContent::builder()
        .file_arn(&file_arn)
        .build()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let created = client
        .create_related_item()
        .domain_id(cases.domain_id())
        .case_id(case_id)
        .r#type(cases_types::RelatedItemType::File)
        .content(cases_types::RelatedItemInputContent::File(content))
        .send()
        .await;
    match created {
        Ok(output) => Ok(output.related_item_id().to_owned()),
        Err(err) => {
            let mapped = map_case_file_error(Operation::CreateRelatedItem, err);
            // Two completes of the same file at once: the other one created the item.
            if matches!(mapped, ApiError::Conflict) {
                if let Some(id) = find_file_item(client, cases, case_id, &file_arn).await? {
                    return Ok(id);
                }
            }
            Err(mapped)
        }
    }
}

/// The id of the case's File related item for `file_arn`, if there is one.
async fn find_file_item(
    client: &aws_sdk_connectcases::Client,
    cases: &CasesConfig,
    case_id: &str,
    file_arn: &str,
) -> Result<Option<String>, ApiError> {
    let filter = cases_types::RelatedItemTypeFilter::File(
        cases_types::FileFilter::builder()
            .file_arn(file_arn)
            .build(),
    );
    let output = client
        .search_related_items()
        .domain_id(cases.domain_id())
        .case_id(case_id)
        .filters(filter)
        .max_results(1)
        .send()
        .await
        .map_err(|err| map_case_file_error(Operation::SearchRelatedItems, err))?;
    Ok(output
        .related_items()
        .iter()
        .flatten()
        .next()
        .map(|item| item.related_item_id().to_owned()))
}
