//! Optional customer authentication for start-chat: a JWT issued by the customer's own website
//! backend, in `Authorization: Bearer …`. HS256 with a shared secret read from Secrets Manager or
//! SSM Parameter Store, or RS256/ES256 with keys from a JWKS URL. Checks the signature, `alg`,
//! `exp`, `nbf`, `iat`, `iss` and `aud` with a small clock-skew allowance, and turns the claims
//! into an [`Identity`]: contact attributes and the persistent-chat source contact.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::config::{AuthConfig, AwsEnv, KeyConfig};
use crate::error::ApiError;
pub use crate::keys::{hmac_keys, Keys, MIN_HS256_SECRET_BYTES};
use crate::outbound;

/// How long fetched keys are used before they are fetched again.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(3600);
/// How long a secret read from Secrets Manager or SSM is used before it is read again, so a
/// rotation reaches warm functions.
pub const SECRET_CACHE_TTL: Duration = Duration::from_secs(300);

/// Who the verified token says the customer is, and what it grants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// The `sub` claim, if any (logged as present/absent only).
    pub subject: Option<String>,
    /// The `attributes` claim: contact attributes that win over body attributes and skip the
    /// allow-list, because the customer's backend vouches for them.
    pub attributes: BTreeMap<String, String>,
    /// The `sourceContactId` claim: the earlier contact a persistent chat continues.
    pub source_contact_id: Option<String>,
    /// The `relatedContactId` claim: an earlier contact to link.
    pub related_contact_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Claims {
    iat: Option<u64>,
    sub: Option<String>,
    attributes: Option<Value>,
    source_contact_id: Option<Value>,
    related_contact_id: Option<Value>,
}

/// The cached verification keys and when they were last fetched or tried.
struct KeyCache {
    /// Shared with requests in flight, so a request never copies the keys.
    keys: Arc<Keys>,
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
}

/// Verifies tokens for one deployment. Build it once at cold start; it fetches keys lazily.
pub struct Authenticator {
    config: AuthConfig,
    aws: Option<AwsEnv>,
    cache: Mutex<KeyCache>,
}

impl Authenticator {
    /// An authenticator for `config`. `aws` is needed to read a secret from Secrets Manager or
    /// SSM; no I/O happens here.
    pub fn new(config: AuthConfig, aws: Option<AwsEnv>) -> Self {
        Self {
            config,
            aws,
            cache: Mutex::new(KeyCache {
                keys: Arc::default(),
                fetched_at: None,
                last_attempt: None,
            }),
        }
    }

    /// Checks the `Authorization` header and returns the customer's identity.
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Identity, ApiError> {
        let token = authorization
            .and_then(|h| {
                let (scheme, token) = h.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthenticated(
                "an Authorization: Bearer token is required",
            ))?;
        if token.len() > 16 * 1024 {
            return Err(ApiError::Unauthenticated("the token is too long"));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| {
            ApiError::Unauthenticated("the token is malformed or uses an unsupported algorithm")
        })?;
        if !self.config.algorithms.contains(&header.alg) {
            return Err(ApiError::Unauthenticated(
                "the token's algorithm is not accepted",
            ));
        }
        let claims = self
            .verify(token, header.alg, header.kid.as_deref())
            .await?;
        self.identity(claims)
    }

    async fn verify(
        &self,
        token: &str,
        alg: Algorithm,
        kid: Option<&str>,
    ) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(alg);
        validation.leeway = self.config.clock_skew.as_secs();
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);

        let mut refreshed = false;
        loop {
            let keys = self.keys(refreshed).await?;
            let candidates: Vec<&DecodingKey> = keys
                .iter()
                .filter(|(key_id, _)| kid.is_none() || key_id.is_none() || key_id.as_deref() == kid)
                .map(|(_, key)| key)
                .collect();
            let mut last_error = None;
            for key in &candidates {
                match jsonwebtoken::decode::<Claims>(token, key, &validation) {
                    Ok(data) => return Ok(data.claims),
                    Err(e) => last_error = Some(e),
                }
            }
            use jsonwebtoken::errors::ErrorKind;
            let unknown_key = candidates.is_empty()
                || matches!(
                    last_error.as_ref().map(|e| e.kind()),
                    Some(ErrorKind::InvalidSignature)
                );
            // An unknown key id or a signature no cached key verifies may mean the keys were
            // rotated: fetch them once more (rate-limited), then give up.
            if unknown_key && !refreshed && self.config.keys.is_fetched() {
                refreshed = true;
                continue;
            }
            return Err(match last_error.as_ref().map(|e| e.kind()) {
                Some(ErrorKind::ExpiredSignature) => {
                    ApiError::Unauthenticated("the token has expired")
                }
                Some(ErrorKind::ImmatureSignature) => {
                    ApiError::Unauthenticated("the token is not valid yet")
                }
                Some(ErrorKind::InvalidAudience) => {
                    ApiError::Unauthenticated("the token is for another audience")
                }
                Some(ErrorKind::InvalidIssuer) => {
                    ApiError::Unauthenticated("the token is from another issuer")
                }
                Some(ErrorKind::MissingRequiredClaim(_)) => {
                    ApiError::Unauthenticated("the token lacks a required claim (exp, iss, aud)")
                }
                None => ApiError::Unauthenticated("the token's key is unknown"),
                Some(_) => ApiError::Unauthenticated("the token's signature is invalid"),
            });
        }
    }

    fn identity(&self, claims: Claims) -> Result<Identity, ApiError> {
        let now = jsonwebtoken::get_current_timestamp();
        let skew = self.config.clock_skew.as_secs();
        let iat = claims.iat.ok_or(ApiError::Unauthenticated(
            "the token lacks a required claim (iat)",
        ))?;
        if iat > now + skew {
            return Err(ApiError::Unauthenticated(
                "the token is issued in the future",
            ));
        }
        if now.saturating_sub(iat) > self.config.max_token_age.as_secs() + skew {
            return Err(ApiError::Unauthenticated("the token is too old"));
        }
        let claim_string =
            |value: Option<Value>, name: &'static str| -> Result<Option<String>, ApiError> {
                match value {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::String(s)) if (1..=256).contains(&s.len()) => Ok(Some(s)),
                    Some(_) => Err(ApiError::InvalidClaim(name)),
                }
            };
        let mut attributes = BTreeMap::new();
        match claims.attributes {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (key, value) in map {
                    let Value::String(value) = value else {
                        return Err(ApiError::InvalidClaim("attributes"));
                    };
                    attributes.insert(key, value);
                }
            }
            Some(_) => return Err(ApiError::InvalidClaim("attributes")),
        }
        Ok(Identity {
            subject: claims.sub,
            attributes,
            source_contact_id: claim_string(claims.source_contact_id, "sourceContactId")?,
            related_contact_id: claim_string(claims.related_contact_id, "relatedContactId")?,
        })
    }

    /// The verification keys, fetched when missing or stale, or when `force` asks for a
    /// refresh after a miss. Fetches are rate-limited; a failed fetch keeps the old keys.
    async fn keys(&self, force: bool) -> Result<Arc<Keys>, ApiError> {
        let mut cache = self.cache.lock().await;
        let ttl = match &self.config.keys {
            KeyConfig::Hs256Inline(_) => None,
            KeyConfig::Hs256Secret(_) => Some(SECRET_CACHE_TTL),
            KeyConfig::Jwks { .. } => Some(KEY_CACHE_TTL),
        };
        let stale = cache
            .fetched_at
            .is_none_or(|at| ttl.is_some_and(|ttl| at.elapsed() > ttl));
        let may_fetch = cache
            .last_attempt
            .is_none_or(|at| at.elapsed() >= self.config.min_refresh_interval);
        if (stale || force) && may_fetch {
            cache.last_attempt = Some(Instant::now());
            match self.fetch().await {
                Ok(keys) => {
                    cache.keys = Arc::new(keys);
                    cache.fetched_at = Some(Instant::now());
                }
                Err(reason) => {
                    tracing::error!(reason, "could not load the token verification keys");
                }
            }
        }
        if cache.keys.is_empty() {
            return Err(ApiError::AuthenticationUnavailable);
        }
        Ok(Arc::clone(&cache.keys))
    }

    async fn fetch(&self) -> Result<Keys, String> {
        match &self.config.keys {
            KeyConfig::Hs256Inline(secret) => hmac_keys(secret.expose()),
            KeyConfig::Hs256Secret(location) => {
                let aws = self
                    .aws
                    .as_ref()
                    .ok_or("no AWS credentials to read the secret with")?;
                let value = outbound::read_secret(aws, location)
                    .await
                    .map_err(|e| format!("reading the HS256 secret: {e}"))?;
                hmac_keys(&value)
            }
            KeyConfig::Jwks { url } => {
                let document = outbound::get_json(url)
                    .await
                    .map_err(|e| format!("fetching the JWKS: {e}"))?;
                jwks_keys(document, &self.config.algorithms)
            }
        }
    }
}

/// Signature keys of the accepted algorithms from a JWKS document.
fn jwks_keys(document: Value, algorithms: &[Algorithm]) -> Result<Keys, String> {
    let set: JwkSet =
        serde_json::from_value(document).map_err(|e| format!("not a JWKS document: {e}"))?;
    let keys: Vec<_> = set
        .keys
        .iter()
        .filter(|jwk| {
            jwk.common
                .public_key_use
                .as_ref()
                .is_none_or(|u| *u == jsonwebtoken::jwk::PublicKeyUse::Signature)
        })
        .filter_map(|jwk| {
            let key = DecodingKey::from_jwk(jwk).ok()?;
            let usable = algorithms.iter().any(|alg| alg.family() == key.family());
            usable.then(|| (jwk.common.key_id.clone(), key))
        })
        .collect();
    if keys.is_empty() {
        return Err("the JWKS holds no usable signature key".into());
    }
    Ok(keys)
}
