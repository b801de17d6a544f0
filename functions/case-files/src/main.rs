//! case-files Lambda: POST /cases/attachments/start and /complete -> Amazon Connect
//! StartAttachedFileUpload / CompleteAttachedFileUpload, and Connect Cases CreateRelatedItem so
//! the file appears on its case. Deployed only with a Cases domain, behind
//! an API Gateway authorizer, with its own role: the customer-facing attachment functions hold no
//! Cases permissions.

use lambda_http::{run, service_fn, Error};
use shared::{connect, handlers, telemetry, CaseFilesConfig};

// One thread: a 128 MB function has a fraction of a vCPU, so worker threads would only add
// start-up time, cross-thread wake-ups and memory.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = CaseFilesConfig::from_env().inspect_err(|e| tracing::error!("{e}"))?;
    // Without CASES_DOMAIN_ARN (e.g. a local stack without Cases) the routes answer
    // CaseAttachmentsDisabled and no client is built.
    let clients = match &config.cases {
        Some(_) => Some(connect::CaseFileClients::new(
            &connect::load_aws_config().await,
        )),
        None => None,
    };
    run(service_fn(|req| {
        handlers::handle_case_files(&config, clients.as_ref(), req)
    }))
    .await
}
