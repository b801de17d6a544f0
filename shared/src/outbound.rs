//! The small HTTP client for what the SDKs do not cover: fetching a JWKS document and reading
//! the HS256 secret from Secrets Manager or SSM Parameter Store (JSON calls signed with aws-sigv4
//! and the credentials aws-config provides: two calls do not justify two more SDK crates).
//! Built on first use only, so deployments without authentication never pay for it.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

use aws_config::SdkConfig;
use aws_credential_types::provider::ProvideCredentials;
use aws_types::service_config::ServiceConfigKey;

use crate::config::SecretLocation;

/// Time one outbound call may take, connection included.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(3);
/// Largest response body read (a JWKS document or a secret is a few KiB).
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<bytes::Bytes>>;

/// Why an outbound call failed; never contains the response body (it may hold a secret).
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("request could not be built: {0}")]
    Build(String),
    #[error("call failed: {0}")]
    Transport(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("HTTP {status}{}", error_type.as_deref().map(|t| format!(" ({t})")).unwrap_or_default())]
    Status {
        status: u16,
        error_type: Option<String>,
    },
    #[error("unexpected response: {0}")]
    Body(String),
}

fn client() -> Result<&'static HttpsClient, OutboundError> {
    static CLIENT: OnceLock<HttpsClient> = OnceLock::new();
    if let Some(client) = CLIENT.get() {
        return Ok(client);
    }
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| OutboundError::Build(format!("system root certificates: {e}")))?
        .https_or_http()
        .enable_http1()
        .build();
    let built = Client::builder(TokioExecutor::new()).build(connector);
    Ok(CLIENT.get_or_init(|| built))
}

/// Sends a request and returns the body of a 2xx answer.
async fn send(request: http::Request<Full<bytes::Bytes>>) -> Result<bytes::Bytes, OutboundError> {
    let call = async {
        let response = client()?
            .request(request)
            .await
            .map_err(|e| OutboundError::Transport(e.to_string()))?;
        let status = response.status();
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(':').next().unwrap_or(v).to_owned());
        let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|e| OutboundError::Body(e.to_string()))?
            .to_bytes();
        if !status.is_success() {
            return Err(OutboundError::Status {
                status: status.as_u16(),
                error_type,
            });
        }
        Ok(body)
    };
    tokio::time::timeout(CALL_TIMEOUT, call)
        .await
        .map_err(|_| OutboundError::Timeout(CALL_TIMEOUT))?
}

/// GETs a JSON document (a JWKS).
pub async fn get_json(url: &str) -> Result<Value, OutboundError> {
    let request = http::Request::get(url)
        .header("accept", "application/json")
        .body(Full::default())
        .map_err(|e| OutboundError::Build(e.to_string()))?;
    let body = send(request).await?;
    serde_json::from_slice(&body).map_err(|e| OutboundError::Body(e.to_string()))
}

/// Reads the HS256 secret's current value with the function's own credentials. Built once at
/// cold start: the endpoint is resolved then, as aws-config resolves the SDK clients' endpoints
/// (`AWS_ENDPOINT_URL_SECRETS_MANAGER` or `AWS_ENDPOINT_URL_SSM`, the profile's `endpoint_url`,
/// then `AWS_ENDPOINT_URL`, none of them when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true).
pub struct SecretReader {
    aws: SdkConfig,
    location: SecretLocation,
    endpoint: String,
}

impl SecretReader {
    pub fn new(aws: SdkConfig, location: SecretLocation) -> Self {
        let (service_id, host, region) = match &location {
            SecretLocation::SecretsManager { region, .. } => {
                ("Secrets Manager", "secretsmanager", region)
            }
            SecretLocation::SsmParameter { region, .. } => ("SSM", "ssm", region),
        };
        let configured = aws
            .service_config()
            .and_then(|config| {
                let key = ServiceConfigKey::builder()
                    .service_id(service_id)
                    .env("AWS_ENDPOINT_URL")
                    .profile("endpoint_url")
                    .build()
                    .ok()?;
                config.load_config(key)
            })
            .or_else(|| aws.endpoint_url().map(str::to_owned));
        let endpoint =
            configured.unwrap_or_else(|| format!("https://{host}.{region}.amazonaws.com/"));
        Self {
            aws,
            location,
            endpoint,
        }
    }

    /// The secret's current value.
    pub async fn read(&self) -> Result<String, OutboundError> {
        let (service, region, target, body) = match &self.location {
            SecretLocation::SecretsManager { arn, region } => (
                "secretsmanager",
                region,
                "secretsmanager.GetSecretValue",
                json!({ "SecretId": arn }),
            ),
            SecretLocation::SsmParameter { arn, region } => (
                "ssm",
                region,
                "AmazonSSM.GetParameter",
                json!({ "Name": arn, "WithDecryption": true }),
            ),
        };
        let body = body.to_string();
        let mut request = http::Request::post(&self.endpoint)
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", target)
            .body(Full::new(bytes::Bytes::from(body.clone())))
            .map_err(|e| OutboundError::Build(e.to_string()))?;
        let credentials = self
            .aws
            .credentials_provider()
            .ok_or_else(|| OutboundError::Build("no AWS credentials are configured".into()))?
            .provide_credentials()
            .await
            .map_err(|e| OutboundError::Build(format!("AWS credentials: {e}")))?;
        sign_request(credentials, service, region, &mut request, body.as_bytes())?;
        let answer: Value = serde_json::from_slice(&send(request).await?)
            .map_err(|e| OutboundError::Body(e.to_string()))?;
        let value = match &self.location {
            SecretLocation::SecretsManager { .. } => answer.get("SecretString"),
            SecretLocation::SsmParameter { .. } => answer.pointer("/Parameter/Value"),
        };
        value
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| OutboundError::Body("no string value in the answer".into()))
    }
}

fn sign_request(
    credentials: aws_credential_types::Credentials,
    service: &str,
    region: &str,
    request: &mut http::Request<Full<bytes::Bytes>>,
    body: &[u8],
) -> Result<(), OutboundError> {
    let identity = credentials.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| OutboundError::Build(e.to_string()))?
        .into();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let signable = SignableRequest::new(
        request.method().as_str(),
        request.uri().to_string(),
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .map_err(|e| OutboundError::Build(e.to_string()))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| OutboundError::Build(e.to_string()))?
        .into_parts();
    instructions.apply_to_request_http1x(request);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_locations_are_recognised_by_arn() {
        assert_eq!(
            SecretLocation::parse(
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:chat-jwt-AbCdEf"
            ),
            Ok(SecretLocation::SecretsManager {
                arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:chat-jwt-AbCdEf".into(),
                region: "eu-west-1".into()
            })
        );
        assert!(matches!(
            SecretLocation::parse("arn:aws:ssm:us-east-1:123456789012:parameter/chat/jwt"),
            Ok(SecretLocation::SsmParameter { region, .. }) if region == "us-east-1"
        ));
        assert!(SecretLocation::parse("chat-jwt").is_err());
        assert!(SecretLocation::parse("arn:aws:s3:::bucket/key").is_err());
        assert!(SecretLocation::parse("arn:aws:ssm:us-east-1:1:document/x").is_err());
    }
}
