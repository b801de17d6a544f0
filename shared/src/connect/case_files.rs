//! Connect's attached-file operations for case files: StartAttachedFileUpload and
//! CompleteAttachedFileUpload.

use aws_sdk_connect::types as connect_types;

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
