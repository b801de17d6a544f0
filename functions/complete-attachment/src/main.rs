//! complete-attachment Lambda: POST /attachments/complete -> Participant Service
//! CompleteAttachmentUpload.

use lambda_http::{run, service_fn, Error};
use shared::{connect, handlers, telemetry, AttachmentConfig, AwsEnv};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = AttachmentConfig::from_env().inspect_err(|e| tracing::error!("{e}"))?;
    let aws = AwsEnv::from_env().inspect_err(|e| tracing::error!("{e}"))?;
    let client = connect::participant_client(&aws);
    run(service_fn(|req| {
        handlers::handle_complete_attachment(&config, &client, req)
    }))
    .await
}
