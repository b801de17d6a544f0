//! The AWS SDK clients' environment, as Lambda sets it.

use super::{invalid, optional, required, ConfigError};

/// What the AWS SDK clients need, read from the variables Lambda sets: `AWS_REGION`, the
/// execution role's `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, and the
/// SDKs' standard endpoint overrides `AWS_ENDPOINT_URL_CONNECT`,
/// `AWS_ENDPOINT_URL_CONNECTPARTICIPANT` and `AWS_ENDPOINT_URL` (how local runs reach
/// connect-local). Nothing else is consulted: no profile files, no SSO, no instance metadata.
#[derive(Clone, PartialEq, Eq)]
pub struct AwsEnv {
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub connect_endpoint: Option<String>,
    pub participant_endpoint: Option<String>,
    /// `AWS_ENDPOINT_URL_SECRETS_MANAGER`, for the HS256 secret.
    pub secrets_manager_endpoint: Option<String>,
    /// `AWS_ENDPOINT_URL_SSM`, for the HS256 secret.
    pub ssm_endpoint: Option<String>,
}

impl std::fmt::Debug for AwsEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsEnv")
            .field("region", &self.region)
            .field("connect_endpoint", &self.connect_endpoint)
            .field("participant_endpoint", &self.participant_endpoint)
            .finish_non_exhaustive()
    }
}

impl AwsEnv {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the AWS settings through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let region = optional(&lookup, "AWS_REGION")
            .or_else(|| optional(&lookup, "AWS_DEFAULT_REGION"))
            .ok_or(ConfigError::Missing("AWS_REGION"))?;
        let ignore_endpoints = optional(&lookup, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let endpoint = |name: &'static str| -> Result<Option<String>, ConfigError> {
            if ignore_endpoints {
                return Ok(None);
            }
            match optional(&lookup, name).or_else(|| optional(&lookup, "AWS_ENDPOINT_URL")) {
                Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                    Ok(Some(url))
                }
                Some(url) => Err(invalid(name, format!("{url:?} must be an http(s) URL"))),
                None => Ok(None),
            }
        };
        Ok(Self {
            region,
            access_key_id: required(&lookup, "AWS_ACCESS_KEY_ID")?,
            secret_access_key: required(&lookup, "AWS_SECRET_ACCESS_KEY")?,
            session_token: optional(&lookup, "AWS_SESSION_TOKEN"),
            connect_endpoint: endpoint("AWS_ENDPOINT_URL_CONNECT")?,
            participant_endpoint: endpoint("AWS_ENDPOINT_URL_CONNECTPARTICIPANT")?,
            secrets_manager_endpoint: endpoint("AWS_ENDPOINT_URL_SECRETS_MANAGER")?,
            ssm_endpoint: endpoint("AWS_ENDPOINT_URL_SSM")?,
        })
    }
}
