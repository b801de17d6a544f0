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

use crate::config::{AuthConfig, KeyConfig};
use crate::error::ApiError;
pub use crate::keys::{hmac_keys, Keys, MIN_HS256_SECRET_BYTES};
use crate::outbound;
use crate::secret::Secret;

/// How long fetched keys are used before they are fetched again.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(3600);
/// How long a secret read from Secrets Manager or SSM is used before it is read again, so a
/// rotation reaches warm functions.
pub const SECRET_CACHE_TTL: Duration = Duration::from_secs(300);

/// Who the verified token says the customer is, and what it grants. Its `Debug` shows whether
/// there is a subject and the attribute keys, not their values.
#[derive(Clone, Default, PartialEq, Eq)]
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
    /// The `customerId` claim: the customer's id in the contact center's CRM, sent as
    /// StartChatContact's `CustomerId` (Debug shows only whether it is present).
    pub customer_id: Option<Secret>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("has_subject", &self.subject.is_some())
            .field(
                "attribute_keys",
                &self.attributes.keys().collect::<Vec<_>>(),
            )
            .field("source_contact_id", &self.source_contact_id)
            .field("related_contact_id", &self.related_contact_id)
            .field("has_customer_id", &self.customer_id.is_some())
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Claims {
    iat: Option<u64>,
    sub: Option<String>,
    attributes: Option<Value>,
    source_contact_id: Option<Value>,
    related_contact_id: Option<Value>,
    customer_id: Option<Value>,
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
    secret: Option<outbound::SecretReader>,
    cache: Mutex<KeyCache>,
}

impl Authenticator {
    /// An authenticator for `config`. `aws` is needed to read a secret from Secrets Manager or
    /// SSM; no I/O happens here.
    pub fn new(config: AuthConfig, aws: Option<aws_config::SdkConfig>) -> Self {
        let secret = match (&config.keys, aws) {
            (KeyConfig::Hs256Secret(location), Some(aws)) => {
                Some(outbound::SecretReader::new(aws, location.clone()))
            }
            _ => None,
        };
        Self {
            config,
            secret,
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
            customer_id: match claims.customer_id {
                None | Some(Value::Null) => None,
                // StartChatContact's CustomerId is 1-128 characters.
                Some(Value::String(id)) if (1..=128).contains(&id.chars().count()) => {
                    Some(Secret::new(id))
                }
                Some(_) => return Err(ApiError::InvalidClaim("customerId")),
            },
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
            KeyConfig::Hs256Secret(_) => {
                let reader = self
                    .secret
                    .as_ref()
                    .ok_or("no AWS credentials to read the secret with")?;
                let value = reader
                    .read()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde_json::json;

    const SECRET: &str = "unit-test-secret-of-at-least-32-bytes!";

    fn authenticator() -> Authenticator {
        Authenticator::new(
            AuthConfig {
                keys: KeyConfig::Hs256Inline(Secret::new(SECRET)),
                issuer: "https://shop.example.com".into(),
                audience: "chat".into(),
                algorithms: vec![Algorithm::HS256],
                clock_skew: Duration::from_secs(60),
                max_token_age: Duration::from_secs(3600),
                min_refresh_interval: Duration::from_secs(60),
            },
            None,
        )
    }

    fn now() -> i64 {
        jsonwebtoken::get_current_timestamp() as i64
    }

    fn claims() -> Value {
        json!({"iss": "https://shop.example.com", "aud": "chat", "sub": "c-1", "iat": now(), "exp": now() + 300})
    }

    fn token(claims: &Value) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .expect("signs")
    }

    async fn check(claims: &Value) -> Result<Identity, ApiError> {
        authenticator()
            .authenticate(Some(&format!("Bearer {}", token(claims))))
            .await
    }

    #[tokio::test]
    async fn a_valid_token_gives_the_identity_and_its_claims() {
        let mut c = claims();
        c["attributes"] = json!({"tier": "gold"});
        c["relatedContactId"] = json!("contact-7");
        let identity = check(&c).await.expect("valid");
        assert_eq!(identity.subject.as_deref(), Some("c-1"));
        assert_eq!(identity.attributes["tier"], "gold");
        assert_eq!(identity.related_contact_id.as_deref(), Some("contact-7"));
    }

    #[tokio::test]
    async fn each_broken_rule_is_refused_with_its_reason() {
        let with = |key: &str, value: Value| {
            let mut c = claims();
            c[key] = value;
            c
        };
        let cases = [
            (with("exp", json!(now() - 120)), "the token has expired"),
            (
                with("aud", json!("other")),
                "the token is for another audience",
            ),
            (
                with("iss", json!("https://evil.example")),
                "the token is from another issuer",
            ),
            (
                with("iat", json!(now() + 600)),
                "the token is issued in the future",
            ),
            (with("iat", json!(now() - 7200)), "the token is too old"),
            (
                with("nbf", json!(now() + 600)),
                "the token is not valid yet",
            ),
        ];
        for (claims, reason) in cases {
            assert_eq!(
                check(&claims).await,
                Err(ApiError::Unauthenticated(reason)),
                "{claims}"
            );
        }
        let mut no_iat = claims();
        no_iat.as_object_mut().map(|c| c.remove("iat"));
        assert_eq!(
            check(&no_iat).await,
            Err(ApiError::Unauthenticated(
                "the token lacks a required claim (iat)"
            ))
        );
        assert_eq!(
            check(&with("attributes", json!({"n": 1}))).await,
            Err(ApiError::InvalidClaim("attributes"))
        );
        assert_eq!(
            check(&with("sourceContactId", json!(""))).await,
            Err(ApiError::InvalidClaim("sourceContactId"))
        );
    }

    #[tokio::test]
    async fn the_header_must_carry_a_bearer_token_signed_with_an_accepted_algorithm() {
        let auth = authenticator();
        for header in [None, Some(""), Some("Basic abc"), Some("Bearer ")] {
            assert!(matches!(
                auth.authenticate(header).await,
                Err(ApiError::Unauthenticated(_))
            ));
        }
        let long = format!("Bearer {}", "a".repeat(17 * 1024));
        assert_eq!(
            auth.authenticate(Some(&long)).await,
            Err(ApiError::Unauthenticated("the token is too long"))
        );
        // alg: none, and another family than configured.
        let unsigned = format!(
            "{}.{}.",
            base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                r#"{"alg":"none","typ":"JWT"}"#
            ),
            base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                claims().to_string()
            )
        );
        assert!(auth
            .authenticate(Some(&format!("Bearer {unsigned}")))
            .await
            .is_err());
        let hs384 = encode(
            &Header::new(Algorithm::HS384),
            &claims(),
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .expect("signs");
        assert_eq!(
            auth.authenticate(Some(&format!("Bearer {hs384}"))).await,
            Err(ApiError::Unauthenticated(
                "the token's algorithm is not accepted"
            ))
        );
        let forged = encode(
            &Header::new(Algorithm::HS256),
            &claims(),
            &EncodingKey::from_secret(b"another-secret-of-at-least-32-bytes!!!"),
        )
        .expect("signs");
        assert_eq!(
            auth.authenticate(Some(&format!("Bearer {forged}"))).await,
            Err(ApiError::Unauthenticated(
                "the token's signature is invalid"
            ))
        );
    }

    #[test]
    fn rotating_secrets_give_one_key_each_and_short_ones_are_refused() {
        assert_eq!(
            hmac_keys(&format!("{SECRET}\n{SECRET}-next")).map(|k| k.len()),
            Ok(2)
        );
        let object = json!({"current": SECRET, "previous": format!("{SECRET}-old")}).to_string();
        assert_eq!(hmac_keys(&object).map(|k| k.len()), Ok(2));
        assert!(hmac_keys("short").is_err());
        assert!(hmac_keys("  \n ").is_err());
    }
}
