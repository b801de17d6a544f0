//! start-chat Lambda: POST /chat -> Amazon Connect StartChatContact.

use lambda_http::{run, service_fn, Error};
use shared::{connect, handlers, telemetry, StartChatConfig};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = StartChatConfig::from_env().inspect_err(|e| tracing::error!("{e}"))?;
    let client = connect::connect_client(&connect::sdk_config_loader().load().await);
    run(service_fn(|req| {
        handlers::handle_start_chat(&config, &client, req)
    }))
    .await
}
