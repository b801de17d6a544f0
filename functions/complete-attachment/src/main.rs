//! complete-attachment Lambda: POST /attachments/complete -> Participant Service
//! CompleteAttachmentUpload.

use lambda_http::{run, service_fn, Error};
use shared::{connect, handlers, telemetry, AttachmentConfig};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = AttachmentConfig::from_env().inspect_err(|e| tracing::error!("{e}"))?;
    let client = connect::participant_client(&connect::sdk_config_loader().load().await);
    run(service_fn(|req| {
        handlers::handle_complete_attachment(&config, &client, req)
    }))
    .await
}
