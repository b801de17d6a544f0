//! start-attachment Lambda: POST /attachments/start -> Participant Service StartAttachmentUpload.

use lambda_http::{run, service_fn, Error};
use shared::{connect, handlers, telemetry, AttachmentConfig};

// One thread: a 128 MB function has a fraction of a vCPU, so worker threads would only add
// start-up time, cross-thread wake-ups and memory.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = AttachmentConfig::from_env().inspect_err(|e| tracing::error!("{e}"))?;
    let aws = connect::load_aws_config().await;
    let participant = connect::participant_client(&aws);
    run(service_fn(|req| {
        handlers::handle_start_attachment(&config, &participant, req)
    }))
    .await
}
