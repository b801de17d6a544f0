//! Every environment variable the functions read, parsed once at cold start into typed values.
//! A missing or invalid variable is an error that names it, so a bad deployment fails at init
//! with a clear message instead of misbehaving per request.

use crate::attachment::{ALLOWED_EXTENSIONS, DEFAULT_MAX_ATTACHMENT_BYTES};
use crate::secret::Secret;

/// Connect's own bounds for `ChatDurationInMinutes`.
pub const CHAT_DURATION_RANGE: std::ops::RangeInclusive<u32> = 60..=10080;
/// The default chat duration: one hour spares the concurrent-chat quota (Connect's default is 25 h).
pub const DEFAULT_CHAT_DURATION_MINUTES: u32 = 60;

/// A configuration problem, naming the variable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// A required variable is not set (or is empty).
    #[error("environment variable {0} is required but not set")]
    Missing(&'static str),
    /// A variable is set but its value is unusable.
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.into(),
    }
}

/// Which browser origins may call the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// `ALLOWED_ORIGINS=*`: any origin (the request's origin is echoed). Not the default.
    Any,
    /// Exact origins such as `https://www.example.com`.
    List(Vec<String>),
}

/// Who may call the API from where: settings shared by all three functions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsConfig {
    pub allowed_origins: AllowedOrigins,
    /// `ORIGIN_VERIFY_SECRET`: set when the API sits behind the template's CloudFront + WAF front
    /// door; requests must then carry it in `X-Origin-Verify`, so the firewall cannot be
    /// bypassed through the execute-api URL.
    pub origin_verify: Option<Secret>,
}

impl CorsConfig {
    /// Returns the origin to echo in `Access-Control-Allow-Origin`, if this origin is allowed.
    pub fn allow<'a>(&self, origin: Option<&'a str>) -> Option<&'a str> {
        let origin = origin?;
        match &self.allowed_origins {
            AllowedOrigins::Any => Some(origin),
            AllowedOrigins::List(list) => list
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(origin))
                .then_some(origin),
        }
    }

    fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        const NAME: &str = "ALLOWED_ORIGINS";
        let raw = required(lookup, NAME)?;
        let origin_verify = optional(lookup, "ORIGIN_VERIFY_SECRET").map(Secret::new);
        if raw.trim() == "*" {
            return Ok(Self {
                allowed_origins: AllowedOrigins::Any,
                origin_verify,
            });
        }
        let mut origins = Vec::new();
        for item in split_list(&raw) {
            origins.push(parse_origin(item).map_err(|reason| invalid(NAME, reason))?);
        }
        if origins.is_empty() {
            return Err(invalid(
                NAME,
                "list at least one origin, e.g. https://www.example.com",
            ));
        }
        Ok(Self {
            allowed_origins: AllowedOrigins::List(origins),
            origin_verify,
        })
    }
}

/// Hosts a JWKS may be fetched from over plain HTTP: this machine only, for local runs.
const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// A JWKS URL must be `https://`, or `http://` to a loopback host named exactly (no user
/// information, which could make `http://127.0.0.1@idp.example/` reach another host).
fn check_jwks_url(url: &str) -> Result<(), String> {
    let uri: http::Uri = url.parse().map_err(|_| format!("{url:?} is not a URL"))?;
    let authority = uri
        .authority()
        .ok_or_else(|| format!("{url:?} has no host"))?;
    if authority.as_str().contains('@') {
        return Err("must not carry user information (user@host)".into());
    }
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if LOOPBACK_HOSTS.contains(&authority.host()) => Ok(()),
        _ => Err("must be an https:// URL (http:// only to 127.0.0.1, localhost or [::1])".into()),
    }
}

/// Checks an origin is `scheme://host[:port]` with nothing after it, and normalises it.
fn parse_origin(item: &str) -> Result<String, String> {
    let trimmed = item.trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| format!("{item:?} must start with https:// or http://"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '*', ' ']) {
        return Err(format!(
            "{item:?} must be an exact origin: scheme://host[:port], no path or wildcard"
        ));
    }
    Ok(trimmed.to_ascii_lowercase())
}

/// The contact attribute keys a deployment forwards to Connect: exact keys and `prefix*` patterns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttributeAllowList {
    exact: Vec<String>,
    prefixes: Vec<String>,
}

impl AttributeAllowList {
    /// Parses a comma-separated list such as `customerId,plan,utm_*`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut list = Self::default();
        for item in split_list(raw) {
            let (key, is_prefix) = match item.strip_suffix('*') {
                Some(prefix) => (prefix, true),
                None => (item, false),
            };
            if key.is_empty() && !is_prefix {
                continue;
            }
            if !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(format!(
                    "{item:?}: keys may contain only letters, digits, '_' and '-', with an optional trailing '*'"
                ));
            }
            if is_prefix {
                list.prefixes.push(key.to_owned());
            } else {
                list.exact.push(key.to_owned());
            }
        }
        Ok(list)
    }

    /// Whether `key` may be forwarded.
    pub fn allows(&self, key: &str) -> bool {
        self.exact.iter().any(|k| k == key) || self.prefixes.iter().any(|p| key.starts_with(p))
    }

    /// True when no attribute is allowed at all.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.prefixes.is_empty()
    }
}

/// Configuration of the start-chat function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartChatConfig {
    pub cors: CorsConfig,
    /// `CONNECT_INSTANCE_ID`: the only instance chats are started on.
    pub instance_id: String,
    /// `CONNECT_CONTACT_FLOW_ID`: the only contact flow chats are started in.
    pub contact_flow_id: String,
    /// `ALLOWED_ATTRIBUTES`: which client-supplied contact attributes are forwarded.
    pub allowed_attributes: AttributeAllowList,
    /// `CHAT_DURATION_MINUTES`: used when the request gives no `ChatDurationInMinutes`.
    pub chat_duration_minutes: u32,
    /// `ATTACHMENTS_ENABLED`: reported to the widget as `featurePermissions.ATTACHMENTS`.
    pub attachments_enabled: bool,
    /// `AUTH_MODE` and the `AUTH_*` variables: customer authentication, off by default.
    pub auth: Option<AuthConfig>,
}

/// Where start-chat's token verification keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyConfig {
    /// `AUTH_HS256_SECRET`: the secret itself. For local runs only; the template never sets it.
    Hs256Inline(Secret),
    /// `AUTH_HS256_SECRET_ARN`: a Secrets Manager secret or an SSM SecureString parameter.
    Hs256Secret(crate::outbound::SecretLocation),
    /// `AUTH_JWKS_URL`: the identity provider's public keys (RS256 / ES256).
    Jwks { url: String },
}

impl KeyConfig {
    /// Whether keys are fetched (and so can be fetched again after a rotation).
    pub fn is_fetched(&self) -> bool {
        !matches!(self, Self::Hs256Inline(_))
    }
}

/// Customer authentication settings for start-chat.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthConfig {
    pub keys: KeyConfig,
    /// `AUTH_ISSUER`: the required `iss`.
    pub issuer: String,
    /// `AUTH_AUDIENCE`: the required `aud`.
    pub audience: String,
    /// Accepted `alg` values: HS256, or `AUTH_ALGORITHMS` (RS256, ES256) for a JWKS.
    pub algorithms: Vec<jsonwebtoken::Algorithm>,
    /// `AUTH_CLOCK_SKEW_SECONDS` (default 60, at most 300).
    pub clock_skew: std::time::Duration,
    /// `AUTH_MAX_TOKEN_AGE_SECONDS`: oldest `iat` accepted (default 3600).
    pub max_token_age: std::time::Duration,
    /// `AUTH_KEY_REFRESH_SECONDS`: least time between two key fetches (default 60).
    pub min_refresh_interval: std::time::Duration,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys = match &self.keys {
            KeyConfig::Hs256Inline(_) => "HS256 (inline secret)".to_owned(),
            KeyConfig::Hs256Secret(location) => format!("HS256 ({location:?})"),
            KeyConfig::Jwks { url } => format!("JWKS {url}"),
        };
        f.debug_struct("AuthConfig")
            .field("keys", &keys)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("algorithms", &self.algorithms)
            .finish_non_exhaustive()
    }
}

impl AuthConfig {
    /// Reads `AUTH_*`; `None` when `AUTH_MODE` is unset or `off`.
    pub fn from_lookup(
        lookup: &impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        use jsonwebtoken::Algorithm;
        let mode = optional(lookup, "AUTH_MODE").unwrap_or_else(|| "off".into());
        let seconds = |name: &'static str,
                       default: u64,
                       max: u64|
         -> Result<std::time::Duration, ConfigError> {
            match optional(lookup, name) {
                None => Ok(std::time::Duration::from_secs(default)),
                Some(raw) => raw
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n <= max)
                    .map(std::time::Duration::from_secs)
                    .ok_or_else(|| {
                        invalid(
                            name,
                            format!("{raw:?} must be a whole number of seconds up to {max}"),
                        )
                    }),
            }
        };
        let (keys, algorithms) = match mode.to_ascii_lowercase().as_str() {
            "off" => return Ok(None),
            "hs256" => {
                let keys = match (
                    optional(lookup, "AUTH_HS256_SECRET_ARN"),
                    optional(lookup, "AUTH_HS256_SECRET"),
                ) {
                    (Some(arn), _) => KeyConfig::Hs256Secret(
                        crate::outbound::SecretLocation::parse(&arn)
                            .map_err(|reason| invalid("AUTH_HS256_SECRET_ARN", reason))?,
                    ),
                    (None, Some(secret)) => {
                        crate::auth::hmac_keys(&secret)
                            .map_err(|reason| invalid("AUTH_HS256_SECRET", reason))?;
                        KeyConfig::Hs256Inline(Secret::new(secret))
                    }
                    (None, None) => return Err(ConfigError::Missing("AUTH_HS256_SECRET_ARN")),
                };
                (keys, vec![Algorithm::HS256])
            }
            "jwks" => {
                let url = required(lookup, "AUTH_JWKS_URL")?;
                check_jwks_url(&url).map_err(|reason| invalid("AUTH_JWKS_URL", reason))?;
                let mut algorithms = Vec::new();
                let raw =
                    optional(lookup, "AUTH_ALGORITHMS").unwrap_or_else(|| "RS256,ES256".into());
                for item in split_list(&raw) {
                    algorithms.push(match item.to_ascii_uppercase().as_str() {
                        "RS256" => Algorithm::RS256,
                        "ES256" => Algorithm::ES256,
                        _ => {
                            return Err(invalid(
                                "AUTH_ALGORITHMS",
                                format!("{item:?}: use RS256 and/or ES256"),
                            ))
                        }
                    });
                }
                if algorithms.is_empty() {
                    return Err(invalid("AUTH_ALGORITHMS", "list RS256 and/or ES256"));
                }
                (KeyConfig::Jwks { url }, algorithms)
            }
            other => {
                return Err(invalid(
                    "AUTH_MODE",
                    format!("{other:?} must be off, hs256 or jwks"),
                ))
            }
        };
        Ok(Some(Self {
            keys,
            issuer: required(lookup, "AUTH_ISSUER")?,
            audience: required(lookup, "AUTH_AUDIENCE")?,
            algorithms,
            clock_skew: seconds("AUTH_CLOCK_SKEW_SECONDS", 60, 300)?,
            max_token_age: seconds("AUTH_MAX_TOKEN_AGE_SECONDS", 3600, 86400)?,
            min_refresh_interval: seconds("AUTH_KEY_REFRESH_SECONDS", 60, 3600)?,
        }))
    }
}

/// Where case attached files go (`POST /cases/attachments/*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasesConfig {
    /// `CONNECT_INSTANCE_ID`: the instance the files are uploaded through.
    pub instance_id: String,
    /// `CASES_DOMAIN_ARN`: `arn:aws:cases:REGION:ACCOUNT:domain/DOMAIN_ID`; case ARNs are
    /// built under it from the request's CaseId, so callers cannot name another domain.
    pub domain_arn: String,
}

impl CasesConfig {
    fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let Some(domain_arn) = optional(lookup, "CASES_DOMAIN_ARN") else {
            return Ok(None);
        };
        let parts: Vec<&str> = domain_arn.splitn(6, ':').collect();
        let valid = parts.len() == 6
            && parts[0] == "arn"
            && parts[2] == "cases"
            && !parts[3].is_empty()
            && parts[4].len() == 12
            && parts[5].strip_prefix("domain/").is_some_and(|id| {
                !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !valid {
            return Err(invalid(
                "CASES_DOMAIN_ARN",
                format!(
                    "{domain_arn:?} must look like arn:aws:cases:REGION:ACCOUNT:domain/DOMAIN_ID"
                ),
            ));
        }
        Ok(Some(Self {
            instance_id: resource_id(lookup, "CONNECT_INSTANCE_ID", 100)?,
            domain_arn,
        }))
    }

    /// The ARN of case `case_id` in the configured domain.
    pub fn case_arn(&self, case_id: &str) -> String {
        format!("{}/case/{case_id}", self.domain_arn)
    }
}

impl StartChatConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment in production, a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let chat_duration_minutes = match optional(&lookup, "CHAT_DURATION_MINUTES") {
            None => DEFAULT_CHAT_DURATION_MINUTES,
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|m| CHAT_DURATION_RANGE.contains(m))
                .ok_or_else(|| {
                    invalid(
                        "CHAT_DURATION_MINUTES",
                        format!("{raw:?} must be a whole number of minutes from 60 to 10080"),
                    )
                })?,
        };
        Ok(Self {
            cors: CorsConfig::from_lookup(&lookup)?,
            instance_id: resource_id(&lookup, "CONNECT_INSTANCE_ID", 100)?,
            contact_flow_id: resource_id(&lookup, "CONNECT_CONTACT_FLOW_ID", 500)?,
            allowed_attributes: AttributeAllowList::parse(
                &optional(&lookup, "ALLOWED_ATTRIBUTES").unwrap_or_default(),
            )
            .map_err(|reason| invalid("ALLOWED_ATTRIBUTES", reason))?,
            chat_duration_minutes,
            attachments_enabled: flag(&lookup, "ATTACHMENTS_ENABLED", true)?,
            auth: AuthConfig::from_lookup(&lookup)?,
        })
    }
}

/// Configuration of the start-attachment and complete-attachment functions; the case-files
/// function applies the same file rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentConfig {
    pub cors: CorsConfig,
    /// `ATTACHMENTS_ENABLED`: when false both attachment routes answer 403 AttachmentsDisabled.
    pub attachments_enabled: bool,
    /// `MAX_ATTACHMENT_BYTES`: the largest `AttachmentSizeInBytes` accepted.
    pub max_attachment_bytes: u64,
    /// `ALLOWED_ATTACHMENT_TYPES`: the MIME types accepted (lower case).
    pub allowed_types: Vec<String>,
}

impl AttachmentConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment in production, a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let max_attachment_bytes = match optional(&lookup, "MAX_ATTACHMENT_BYTES") {
            None => DEFAULT_MAX_ATTACHMENT_BYTES,
            Some(raw) => raw.parse::<u64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                invalid(
                    "MAX_ATTACHMENT_BYTES",
                    format!("{raw:?} must be a positive whole number of bytes"),
                )
            })?,
        };
        let known: Vec<&str> = ALLOWED_EXTENSIONS
            .iter()
            .flat_map(|(_, types)| types.iter().copied())
            .collect();
        let allowed_types = match optional(&lookup, "ALLOWED_ATTACHMENT_TYPES") {
            None => {
                let mut all: Vec<String> = Vec::new();
                for t in &known {
                    if !all.iter().any(|a| a == t) {
                        all.push(t.to_string());
                    }
                }
                all
            }
            Some(raw) => {
                let mut types = Vec::new();
                for item in split_list(&raw) {
                    let t = item.to_ascii_lowercase();
                    if !known.contains(&t.as_str()) {
                        return Err(invalid(
                            "ALLOWED_ATTACHMENT_TYPES",
                            format!("{item:?} is not a MIME type Amazon Connect accepts for chat attachments"),
                        ));
                    }
                    types.push(t);
                }
                if types.is_empty() {
                    return Err(invalid(
                        "ALLOWED_ATTACHMENT_TYPES",
                        "list at least one MIME type, or unset it for Connect's documented list",
                    ));
                }
                types
            }
        };
        Ok(Self {
            cors: CorsConfig::from_lookup(&lookup)?,
            attachments_enabled: flag(&lookup, "ATTACHMENTS_ENABLED", true)?,
            max_attachment_bytes,
            allowed_types,
        })
    }
}

/// Configuration of the case-files function (`POST /cases/attachments/*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFilesConfig {
    /// CORS and the file rules (size, types), read as the attachment functions read them.
    pub files: AttachmentConfig,
    /// `CASES_DOMAIN_ARN`: case attached files, off when unset.
    pub cases: Option<CasesConfig>,
}

impl CaseFilesConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment in production, a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            cases: CasesConfig::from_lookup(&lookup)?,
            files: AttachmentConfig::from_lookup(lookup)?,
        })
    }
}

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

fn optional(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn required(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<String, ConfigError> {
    optional(lookup, name).ok_or(ConfigError::Missing(name))
}

fn resource_id(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    max_len: usize,
) -> Result<String, ConfigError> {
    let value = required(lookup, name)?;
    if value.len() > max_len
        || !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(invalid(
            name,
            format!(
                "{value:?} must be a Connect resource id (letters, digits and '-'), not an ARN"
            ),
        ));
    }
    Ok(value)
}

fn flag(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match optional(lookup, name) {
        None => Ok(default),
        Some(raw) => match raw.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(invalid(name, format!("{raw:?} must be true or false"))),
        },
    }
}

fn split_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const BASE: [(&str, &str); 3] = [
        (
            "CONNECT_INSTANCE_ID",
            "11111111-2222-4333-8444-555555555555",
        ),
        (
            "CONNECT_CONTACT_FLOW_ID",
            "66666666-7777-4888-9999-000000000000",
        ),
        (
            "ALLOWED_ORIGINS",
            "https://www.example.com, http://127.0.0.1:8080/",
        ),
    ];

    #[test]
    fn defaults_apply_when_optional_variables_are_unset() {
        let config = StartChatConfig::from_lookup(env(&BASE)).unwrap();
        assert_eq!(config.chat_duration_minutes, 60);
        assert!(config.attachments_enabled);
        assert!(config.allowed_attributes.is_empty());
        assert_eq!(
            config.cors.allowed_origins,
            AllowedOrigins::List(vec![
                "https://www.example.com".into(),
                "http://127.0.0.1:8080".into()
            ])
        );
    }

    #[test]
    fn each_missing_required_variable_is_named() {
        for name in [
            "CONNECT_INSTANCE_ID",
            "CONNECT_CONTACT_FLOW_ID",
            "ALLOWED_ORIGINS",
        ] {
            let pairs: Vec<_> = BASE.iter().copied().filter(|(k, _)| *k != name).collect();
            let err = StartChatConfig::from_lookup(env(&pairs)).unwrap_err();
            assert_eq!(err, ConfigError::Missing(name));
            assert!(err.to_string().contains(name));
        }
    }

    #[test]
    fn invalid_values_are_rejected_with_the_variable_name() {
        let cases = [
            ("CHAT_DURATION_MINUTES", "59"),
            ("CHAT_DURATION_MINUTES", "10081"),
            ("CHAT_DURATION_MINUTES", "abc"),
            ("ATTACHMENTS_ENABLED", "yes"),
            ("ALLOWED_ATTRIBUTES", "bad key"),
            ("ALLOWED_ORIGINS", "www.example.com"),
            ("ALLOWED_ORIGINS", "https://example.com/path"),
            ("ALLOWED_ORIGINS", "https://*.example.com"),
            (
                "CONNECT_INSTANCE_ID",
                "arn:aws:connect:us-east-1:123456789012:instance/abc",
            ),
        ];
        for (name, value) in cases {
            let mut pairs: Vec<_> = BASE.iter().copied().filter(|(k, _)| *k != name).collect();
            pairs.push((name, value));
            match StartChatConfig::from_lookup(env(&pairs)) {
                Err(ConfigError::Invalid { name: n, .. }) => assert_eq!(n, name, "{value}"),
                other => panic!("{name}={value}: expected Invalid, got {other:?}"),
            }
        }
    }

    #[test]
    fn aws_settings_come_from_the_lambda_environment_only() {
        let lambda = [
            ("AWS_REGION", "eu-west-2"),
            ("AWS_ACCESS_KEY_ID", "AKIA0000000000000000"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
        ];
        let aws = AwsEnv::from_lookup(env(&lambda)).unwrap();
        assert_eq!(aws.region, "eu-west-2");
        assert_eq!(aws.session_token.as_deref(), Some("token"));
        assert_eq!(aws.connect_endpoint, None);
        assert!(
            !format!("{aws:?}").contains("secret"),
            "Debug hides credentials"
        );

        let mut local = lambda.to_vec();
        local.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:1"));
        local.push(("AWS_ENDPOINT_URL_CONNECT", "http://127.0.0.1:2"));
        let aws = AwsEnv::from_lookup(env(&local)).unwrap();
        assert_eq!(aws.connect_endpoint.as_deref(), Some("http://127.0.0.1:2"));
        assert_eq!(
            aws.participant_endpoint.as_deref(),
            Some("http://127.0.0.1:1")
        );
        local.push(("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"));
        assert_eq!(
            AwsEnv::from_lookup(env(&local)).unwrap().connect_endpoint,
            None
        );

        for name in ["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            let pairs: Vec<_> = lambda.iter().copied().filter(|(k, _)| *k != name).collect();
            assert_eq!(
                AwsEnv::from_lookup(env(&pairs)),
                Err(ConfigError::Missing(name))
            );
        }
        let mut bad = lambda.to_vec();
        bad.push(("AWS_ENDPOINT_URL_CONNECT", "127.0.0.1:2"));
        assert!(matches!(
            AwsEnv::from_lookup(env(&bad)),
            Err(ConfigError::Invalid {
                name: "AWS_ENDPOINT_URL_CONNECT",
                ..
            })
        ));
    }

    #[test]
    fn attribute_allow_list_matches_exact_keys_and_prefixes() {
        let list = AttributeAllowList::parse("customerId, utm_*,plan").unwrap();
        assert!(list.allows("customerId"));
        assert!(list.allows("plan"));
        assert!(list.allows("utm_source"));
        assert!(!list.allows("customerid"));
        assert!(!list.allows("utm"));
        assert!(!list.allows("other"));
        assert!(AttributeAllowList::parse("*").unwrap().allows("anything"));
    }

    #[test]
    fn cors_echoes_only_listed_origins() {
        let config = StartChatConfig::from_lookup(env(&BASE)).unwrap();
        assert_eq!(
            config.cors.allow(Some("https://www.example.com")),
            Some("https://www.example.com")
        );
        assert_eq!(config.cors.allow(Some("https://evil.example.com")), None);
        assert_eq!(config.cors.allow(None), None);
        let any = CorsConfig {
            allowed_origins: AllowedOrigins::Any,
            origin_verify: None,
        };
        assert_eq!(any.allow(Some("https://a.test")), Some("https://a.test"));
    }

    #[test]
    fn attachment_config_defaults_to_connect_limits() {
        let config = AttachmentConfig::from_lookup(env(&BASE[2..])).unwrap();
        assert_eq!(config.max_attachment_bytes, 20 * 1024 * 1024);
        assert!(config
            .allowed_types
            .contains(&"application/pdf".to_string()));
        assert!(config.allowed_types.contains(&"image/png".to_string()));
        let mut pairs = BASE[2..].to_vec();
        pairs.push((
            "ALLOWED_ATTACHMENT_TYPES",
            "image/png,application/x-msdownload",
        ));
        assert!(matches!(
            AttachmentConfig::from_lookup(env(&pairs)),
            Err(ConfigError::Invalid {
                name: "ALLOWED_ATTACHMENT_TYPES",
                ..
            })
        ));
        let pairs = [BASE[2], ("MAX_ATTACHMENT_BYTES", "0")];
        assert!(matches!(
            AttachmentConfig::from_lookup(env(&pairs)),
            Err(ConfigError::Invalid {
                name: "MAX_ATTACHMENT_BYTES",
                ..
            })
        ));
    }

    #[test]
    fn the_jwks_url_is_https_or_a_loopback_host_named_exactly() {
        for good in [
            "https://idp.example/.well-known/jwks.json",
            "http://127.0.0.1:8080/jwks",
            "http://localhost/jwks",
            "http://[::1]:9000/jwks",
        ] {
            assert_eq!(check_jwks_url(good), Ok(()), "{good}");
        }
        for bad in [
            "http://127.0.0.1@idp.example/jwks",
            "http://localhost.example/",
            "http://127.0.0.1.nip.io/jwks",
            "https://user:pass@idp.example/jwks",
            "http://idp.example/jwks",
            "ftp://127.0.0.1/jwks",
            "not a url",
        ] {
            assert!(check_jwks_url(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn configuration_debug_output_redacts_secrets() {
        let mut pairs = BASE.to_vec();
        pairs.extend_from_slice(&[
            ("ORIGIN_VERIFY_SECRET", "origin-verify-value-1234"),
            ("AUTH_MODE", "hs256"),
            ("AUTH_HS256_SECRET", "inline-hs256-secret-0123456789abcdef"),
            ("AUTH_ISSUER", "https://shop.example.com"),
            ("AUTH_AUDIENCE", "chat"),
        ]);
        let config = StartChatConfig::from_lookup(env(&pairs)).unwrap();
        let printed = format!("{config:?} {:?} {:?}", config.cors, config.auth);
        assert!(!printed.contains("origin-verify-value"), "{printed}");
        assert!(!printed.contains("inline-hs256-secret"), "{printed}");
        let keys = &config.auth.as_ref().unwrap().keys;
        assert!(!format!("{keys:?}").contains("inline-hs256-secret"));
    }

    #[test]
    fn authentication_is_off_unless_configured_and_complete_when_on() {
        assert_eq!(StartChatConfig::from_lookup(env(&BASE)).unwrap().auth, None);
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = BASE.to_vec();
            pairs.extend_from_slice(extra);
            StartChatConfig::from_lookup(env(&pairs)).map(|c| c.auth)
        };
        let secret = ("AUTH_HS256_SECRET", "0123456789abcdef0123456789abcdef");
        let issuer = ("AUTH_ISSUER", "https://shop.example.com");
        let audience = ("AUTH_AUDIENCE", "chat");
        let auth = with(&[("AUTH_MODE", "hs256"), secret, issuer, audience])
            .unwrap()
            .unwrap();
        assert_eq!(auth.algorithms, vec![jsonwebtoken::Algorithm::HS256]);
        assert_eq!(auth.clock_skew.as_secs(), 60);
        assert_eq!(
            with(&[("AUTH_MODE", "hs256"), secret, audience]),
            Err(ConfigError::Missing("AUTH_ISSUER"))
        );
        assert_eq!(
            with(&[("AUTH_MODE", "hs256"), issuer, audience]),
            Err(ConfigError::Missing("AUTH_HS256_SECRET_ARN"))
        );
        let short = with(&[
            ("AUTH_MODE", "hs256"),
            ("AUTH_HS256_SECRET", "short"),
            issuer,
            audience,
        ]);
        assert!(matches!(
            short,
            Err(ConfigError::Invalid {
                name: "AUTH_HS256_SECRET",
                ..
            })
        ));
        let plain_http = with(&[
            ("AUTH_MODE", "jwks"),
            ("AUTH_JWKS_URL", "http://idp.example.com/jwks"),
            issuer,
            audience,
        ]);
        assert!(matches!(
            plain_http,
            Err(ConfigError::Invalid {
                name: "AUTH_JWKS_URL",
                ..
            })
        ));
        let hs_in_jwks = with(&[
            ("AUTH_MODE", "jwks"),
            ("AUTH_JWKS_URL", "https://idp.example.com/jwks"),
            ("AUTH_ALGORITHMS", "HS256"),
            issuer,
            audience,
        ]);
        assert!(matches!(
            hs_in_jwks,
            Err(ConfigError::Invalid {
                name: "AUTH_ALGORITHMS",
                ..
            })
        ));
        assert!(matches!(
            with(&[("AUTH_MODE", "maybe")]),
            Err(ConfigError::Invalid {
                name: "AUTH_MODE",
                ..
            })
        ));
    }

    #[test]
    fn the_cases_domain_must_be_a_domain_arn() {
        let with = |arn: &'static str| {
            let mut pairs = BASE.to_vec();
            pairs.push(("CASES_DOMAIN_ARN", arn));
            CaseFilesConfig::from_lookup(env(&pairs)).map(|c| c.cases)
        };
        let cases = with("arn:aws:cases:eu-west-2:123456789012:domain/abc-123")
            .unwrap()
            .unwrap();
        assert_eq!(
            cases.case_arn("c-1"),
            "arn:aws:cases:eu-west-2:123456789012:domain/abc-123/case/c-1"
        );
        for bad in [
            "abc-123",
            "arn:aws:connect:eu-west-2:123456789012:domain/abc",
            "arn:aws:cases:eu-west-2:123456789012:domain/abc/case/x",
        ] {
            assert!(with(bad).is_err(), "{bad}");
        }
        assert_eq!(with("").unwrap(), None);
    }
}
