//! Customer authentication settings for start-chat (`AUTH_*`): where the verification keys come
//! from, and the token rules.

use super::{invalid, optional, required, split_list, ConfigError};
use crate::secret::Secret;

/// Where a secret lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretLocation {
    /// A Secrets Manager secret ARN; its `SecretString` is read.
    SecretsManager { arn: String, region: String },
    /// An SSM parameter ARN (`arn:aws:ssm:REGION:ACCOUNT:parameter/NAME`), read with decryption.
    SsmParameter { arn: String, region: String },
}

impl SecretLocation {
    /// Recognises a Secrets Manager secret ARN or an SSM parameter ARN.
    pub fn parse(arn: &str) -> Result<Self, String> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() != 6 || parts[0] != "arn" || parts[3].is_empty() {
            return Err(format!("{arn:?} is not an ARN with a region"));
        }
        let region = parts[3].to_owned();
        match parts[2] {
            "secretsmanager" if parts[5].starts_with("secret:") => Ok(Self::SecretsManager {
                arn: arn.to_owned(),
                region,
            }),
            "ssm" if parts[5].starts_with("parameter/") => Ok(Self::SsmParameter {
                arn: arn.to_owned(),
                region,
            }),
            _ => Err(format!(
                "{arn:?} must be a Secrets Manager secret ARN or an SSM parameter ARN"
            )),
        }
    }
}

/// Where start-chat's token verification keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyConfig {
    /// `AUTH_HS256_SECRET`: the secret itself. For local runs only; the template never sets it.
    Hs256Inline(Secret),
    /// `AUTH_HS256_SECRET_ARN`: a Secrets Manager secret or an SSM SecureString parameter.
    Hs256Secret(SecretLocation),
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
                        SecretLocation::parse(&arn)
                            .map_err(|reason| invalid("AUTH_HS256_SECRET_ARN", reason))?,
                    ),
                    (None, Some(secret)) => {
                        crate::keys::hmac_keys(&secret)
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

/// Hosts a JWKS may be fetched from over plain HTTP: this machine only, for local runs.
const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// A JWKS URL must be `https://`, or `http://` to a loopback host named exactly (no user
/// information, which could make `http://127.0.0.1@idp.example/` reach another host).
pub(super) fn check_jwks_url(url: &str) -> Result<(), String> {
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
