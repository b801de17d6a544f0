//! The SDK clients, built the standard way: [`load_aws_config`] reads the AWS configuration once
//! at cold start with aws-config (region, credentials and endpoint overrides from the
//! environment, shared config and credentials files, named profiles and SSO, container and
//! web-identity credentials, `AWS_MAX_ATTEMPTS` and `AWS_RETRY_MODE`), and each client adds our
//! timeouts and a quicker backoff on top.

use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_connect::config::retry::RetryConfig;
use aws_sdk_connect::config::timeout::TimeoutConfig;

/// Total time one Connect operation may take, retries included: well below API Gateway's 29 s
/// integration timeout and the functions' 15 s timeout.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(10);
/// Time one attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(4);
/// Time to open a connection, per attempt.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Attempts per operation, the first included, unless `AWS_MAX_ATTEMPTS` says otherwise.
pub const MAX_ATTEMPTS: u32 = 3;

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

/// The retry mode and attempts the environment configured (the SDK's standard mode and
/// [`MAX_ATTEMPTS`] by default), with a backoff short enough for the operation deadline.
fn retries(sdk: &SdkConfig) -> RetryConfig {
    sdk.retry_config()
        .cloned()
        .unwrap_or_else(|| RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .with_initial_backoff(Duration::from_millis(100))
        .with_max_backoff(Duration::from_secs(2))
}

/// Loads the AWS configuration the standard way, once, at cold start. In Lambda it comes from
/// the environment the service sets; a developer's `cargo lambda watch` can use a named profile
/// or SSO session; local runs point `AWS_ENDPOINT_URL_CONNECT` and
/// `AWS_ENDPOINT_URL_CONNECTPARTICIPANT` at connect-local.
pub async fn load_aws_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts())
        .load()
        .await
}

/// The Connect client. Building it does no I/O.
pub fn connect_client(sdk: &SdkConfig) -> aws_sdk_connect::Client {
    let config = aws_sdk_connect::config::Builder::from(sdk)
        .retry_config(retries(sdk))
        .build();
    aws_sdk_connect::Client::from_conf(config)
}

/// The Participant Service client. The service authorizes with the customer's ConnectionToken;
/// the SDK still signs with the role's credentials.
pub fn participant_client(sdk: &SdkConfig) -> aws_sdk_connectparticipant::Client {
    let config = aws_sdk_connectparticipant::config::Builder::from(sdk)
        .retry_config(retries(sdk))
        .build();
    aws_sdk_connectparticipant::Client::from_conf(config)
}

/// The Connect Cases client, for the related items that put case files on their case.
pub fn cases_client(sdk: &SdkConfig) -> aws_sdk_connectcases::Client {
    let config = aws_sdk_connectcases::config::Builder::from(sdk)
        .retry_config(retries(sdk))
        .build();
    aws_sdk_connectcases::Client::from_conf(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_connect::config::retry::RetryMode;

    #[test]
    fn retries_keep_the_configured_mode_and_attempts_with_a_short_backoff() {
        let default = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .build();
        let retry = retries(&default);
        assert_eq!(retry.max_attempts(), MAX_ATTEMPTS);
        assert_eq!(retry.initial_backoff(), Duration::from_millis(100));
        assert_eq!(retry.max_backoff(), Duration::from_secs(2));

        let adaptive = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .retry_config(RetryConfig::adaptive().with_max_attempts(5))
            .build();
        let retry = retries(&adaptive);
        assert_eq!(retry.mode(), RetryMode::Adaptive);
        assert_eq!(retry.max_attempts(), 5);
        assert_eq!(retry.initial_backoff(), Duration::from_millis(100));
    }

    #[test]
    fn clients_carry_the_operation_deadline() {
        let sdk = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(aws_config::Region::new("eu-west-2"))
            .timeout_config(timeouts())
            .build();
        let connect = connect_client(&sdk);
        let timeouts = connect.config().timeout_config().expect("timeouts");
        assert_eq!(timeouts.operation_timeout(), Some(OPERATION_TIMEOUT));
        assert_eq!(timeouts.operation_attempt_timeout(), Some(ATTEMPT_TIMEOUT));
        assert_eq!(timeouts.connect_timeout(), Some(CONNECT_TIMEOUT));
        let participant = participant_client(&sdk);
        assert_eq!(
            participant.config().region().map(|r| r.as_ref()),
            Some("eu-west-2")
        );
        let cases = cases_client(&sdk);
        assert_eq!(
            cases
                .config()
                .timeout_config()
                .and_then(|t| t.operation_timeout()),
            Some(OPERATION_TIMEOUT)
        );
    }
}
