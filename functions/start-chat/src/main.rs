//! start-chat Lambda: POST /chat -> Amazon Connect StartChatContact.

use lambda_http::{run, service_fn, Error};
use shared::auth::Authenticator;
use shared::{connect, handlers, telemetry, StartChatConfig};

// One thread: a 128 MB function has a fraction of a vCPU, so worker threads would only add
// start-up time, cross-thread wake-ups and memory.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = StartChatConfig::from_env().inspect_err(|e| tracing::error!("{e}"))?;
    let aws = connect::load_aws_config().await;
    let client = connect::connect_client(&aws);
    let auth = config
        .auth
        .clone()
        .map(|auth| Authenticator::new(auth, Some(aws.clone())));
    run(service_fn(|req| {
        handlers::handle_start_chat(&config, &client, auth.as_ref(), req)
    }))
    .await
}
