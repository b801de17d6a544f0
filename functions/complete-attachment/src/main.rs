//! complete-attachment Lambda: POST /attachments/complete -> Participant Service
//! CompleteAttachmentUpload.

use lambda_http::{run, service_fn, Error};
use shared::{connect, handlers, telemetry, AttachmentConfig, AwsEnv};

// One thread: a 128 MB function has a fraction of a vCPU, so worker threads would only add
// start-up time, cross-thread wake-ups and memory.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = AttachmentConfig::from_env().inspect_err(|e| tracing::error!("{e}"))?;
    let aws = AwsEnv::from_env().inspect_err(|e| tracing::error!("{e}"))?;
    let participant = connect::participant_client(&aws);
    // The Connect client is only for case files; without CASES_DOMAIN_ARN it is not built.
    let cases = config.cases.as_ref().map(|_| connect::connect_client(&aws));
    run(service_fn(|req| {
        handlers::handle_complete_attachment(&config, &participant, cases.as_ref(), req)
    }))
    .await
}
