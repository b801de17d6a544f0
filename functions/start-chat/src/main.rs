//! start-chat Lambda: POST /chat -> Amazon Connect StartChatContact.

use lambda_http::{run, service_fn, Error};
use shared::{connect, handlers, telemetry, AwsEnv, StartChatConfig};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = StartChatConfig::from_env().inspect_err(|e| tracing::error!("{e}"))?;
    let aws = AwsEnv::from_env().inspect_err(|e| tracing::error!("{e}"))?;
    let client = connect::connect_client(&aws);
    run(service_fn(|req| {
        handlers::handle_start_chat(&config, &client, req)
    }))
    .await
}
