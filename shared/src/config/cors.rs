//! Who may call the API from where: allowed origins and the front door's origin-verify secret.

use super::{invalid, optional, required, split_list, ConfigError};
use crate::secret::Secret;

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

    pub(super) fn from_lookup(
        lookup: &impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
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

/// Checks an origin is `scheme://host[:port]` with nothing after it, and normalises it.
pub(super) fn parse_origin(item: &str) -> Result<String, String> {
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
