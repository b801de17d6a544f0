//! POST /attachments/complete: tells Connect the browser's upload has finished.

use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};

use super::{attachment_preamble, serve};
use crate::attachment::CompleteAttachmentRequest;
use crate::config::AttachmentConfig;
use crate::connect::complete_attachment_upload;
use crate::error::ApiError;

/// Lambda entry point for complete-attachment.
pub async fn handle_complete_attachment(
    config: &AttachmentConfig,
    participant: &aws_sdk_connectparticipant::Client,
    req: Request,
) -> Result<Response<Body>, lambda_http::Error> {
    Ok(
        serve("POST /attachments/complete", &config.cors, req, |req| {
            complete_attachment(config, participant, req)
        })
        .await,
    )
}

async fn complete_attachment(
    config: &AttachmentConfig,
    participant: &aws_sdk_connectparticipant::Client,
    req: Request,
) -> Result<Value, ApiError> {
    let (token, body) = attachment_preamble(config, &req)?;
    let request = CompleteAttachmentRequest::parse(&body)?;
    complete_attachment_upload(participant, token, &request).await?;
    tracing::info!(
        attachment_id = request.attachment_id,
        "attachment upload completed"
    );
    Ok(json!({}))
}
