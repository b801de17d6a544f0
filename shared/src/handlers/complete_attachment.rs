//! POST /attachments/complete: tells Connect the browser's upload has finished.

use lambda_http::{Body, Request, Response};
use serde_json::json;

use super::{attachment_preamble, serve, Done, LogFields};
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
) -> Result<Done, ApiError> {
    let (token, body) = attachment_preamble(config, &req)?;
    let request = CompleteAttachmentRequest::parse(&body)?;
    complete_attachment_upload(participant, token, &request).await?;
    let log = LogFields {
        attachment_id: Some(request.attachment_id),
        ..LogFields::default()
    };
    Ok(Done::new(json!({}), log))
}
