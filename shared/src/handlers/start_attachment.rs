//! POST /attachments/start: validates an attachment and asks Connect for a presigned upload.

use lambda_http::{Body, Request, Response};

use super::{attachment_preamble, serve, Done, LogFields};
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
) -> Result<Done, ApiError> {
    let (token, body) = attachment_preamble(config, &req)?;
    let request = StartAttachmentRequest::parse(&body, config)?;
    let result = start_attachment_upload(participant, token, &request).await?;
    let log = LogFields {
        attachment_id: Some(result.attachment_id.clone()),
        size: Some(request.attachment_size_in_bytes),
        content_type: Some(request.content_type),
        ..LogFields::default()
    };
    let body = serde_json::to_value(result).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Done::new(body, log))
}
