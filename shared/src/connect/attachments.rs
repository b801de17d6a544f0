//! The Participant Service's attachment steps: StartAttachmentUpload and
//! CompleteAttachmentUpload, with the customer's ConnectionToken.

use super::errors::{map_participant_error, Operation};
use crate::attachment::{
    CompleteAttachmentRequest, StartAttachmentRequest, StartAttachmentResult, UploadMetadata,
};
use crate::error::ApiError;

/// Calls StartAttachmentUpload with the customer's ConnectionToken.
pub async fn start_attachment_upload(
    client: &aws_sdk_connectparticipant::Client,
    connection_token: &str,
    request: &StartAttachmentRequest,
) -> Result<StartAttachmentResult, ApiError> {
    let size = i64::try_from(request.attachment_size_in_bytes)
        .map_err(|_| ApiError::field("AttachmentSizeInBytes", "is too large"))?;
    let output = client
        .start_attachment_upload()
        .connection_token(connection_token)
        .attachment_name(&request.attachment_name)
        .attachment_size_in_bytes(size)
        .content_type(&request.content_type)
        .client_token(&request.client_token)
        .send()
        .await
        .map_err(|err| map_participant_error(Operation::StartAttachmentUpload, err))?;
    let metadata = output
        .upload_metadata()
        .ok_or_else(|| ApiError::UpstreamFailure("response without UploadMetadata".into()))?;
    Ok(StartAttachmentResult {
        attachment_id: output
            .attachment_id()
            .map(str::to_owned)
            .ok_or_else(|| ApiError::UpstreamFailure("response without AttachmentId".into()))?,
        upload_metadata: UploadMetadata {
            url: metadata
                .url()
                .map(str::to_owned)
                .ok_or_else(|| ApiError::UpstreamFailure("response without Url".into()))?,
            url_expiry: metadata.url_expiry().unwrap_or_default().to_owned(),
            headers_to_include: metadata.headers_to_include().cloned().unwrap_or_default(),
        },
    })
}

/// Calls CompleteAttachmentUpload with the customer's ConnectionToken.
pub async fn complete_attachment_upload(
    client: &aws_sdk_connectparticipant::Client,
    connection_token: &str,
    request: &CompleteAttachmentRequest,
) -> Result<(), ApiError> {
    client
        .complete_attachment_upload()
        .connection_token(connection_token)
        .attachment_ids(&request.attachment_id)
        .client_token(&request.client_token)
        .send()
        .await
        .map_err(|err| map_participant_error(Operation::CompleteAttachmentUpload, err))?;
    Ok(())
}
