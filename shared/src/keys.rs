//! Token verification keys from their sources' formats: HS256 secrets (one, or several during
//! a rotation). A leaf module: configuration checks a secret with it at cold start, and
//! authentication builds its keys with it.

use std::collections::HashMap;

use jsonwebtoken::DecodingKey;

/// Shortest secret accepted for HS256 (RFC 7518 asks for at least the hash size).
pub const MIN_HS256_SECRET_BYTES: usize = 32;

/// Verification keys with their key ids (`kid`), if any.
pub type Keys = Vec<(Option<String>, DecodingKey)>;

/// HS256 keys from a secret value: one secret, or several (one per line, or the string values
/// of a JSON object such as `{"current": "…", "previous": "…"}`) so a rotation can overlap.
pub fn hmac_keys(value: &str) -> Result<Keys, String> {
    let secrets: Vec<String> = match serde_json::from_str::<HashMap<String, String>>(value) {
        Ok(map) => map.into_values().collect(),
        Err(_) => value
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    if secrets.is_empty() {
        return Err("the HS256 secret is empty".into());
    }
    if secrets.iter().any(|s| s.len() < MIN_HS256_SECRET_BYTES) {
        return Err(format!(
            "every HS256 secret must be at least {MIN_HS256_SECRET_BYTES} bytes"
        ));
    }
    Ok(secrets
        .iter()
        .map(|s| (None, DecodingKey::from_secret(s.as_bytes())))
        .collect())
}
