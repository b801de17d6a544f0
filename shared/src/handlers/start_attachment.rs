//! POST /attachments/start: validates an attachment and asks Connect for a presigned upload.

use lambda_http::{Body, Request, Response};
use serde_json::Value;

use super::{attachment_preamble, serve};
use crate::attachment::StartAttachmentRequest;
use crate::config::AttachmentConfig;
use crate::connect::start_attachment_upload;
use crate::error::ApiError;

/// Lambda entry point for start-attachment.
pub async fn handle_start_attachment(
    config: &AttachmentConfig,
    participant: &aws_sdk_connectparticipant::Client,
    req: Request,
) -> Result<Response<Body>, lambda_http::Error> {
    Ok(serve("POST /attachments/start", &config.cors, req, |req| {
        start_attachment(config, participant, req)
    })
    .await)
}

async fn start_attachment(
    config: &AttachmentConfig,
    participant: &aws_sdk_connectparticipant::Client,
    req: Request,
) -> Result<Value, ApiError> {
    let (token, body) = attachment_preamble(config, &req)?;
    let request = StartAttachmentRequest::parse(&body, config)?;
    let result = start_attachment_upload(participant, token, &request).await?;
    tracing::info!(
        attachment_id = result.attachment_id,
        size = request.attachment_size_in_bytes,
        content_type = request.content_type,
        "attachment upload started"
    );
    serde_json::to_value(result).map_err(|e| ApiError::Internal(e.to_string()))
}
