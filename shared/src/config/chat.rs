//! start-chat's settings: the instance and flow, the attribute allow-list, the chat duration.

use super::{
    flag, invalid, optional, resource_id, split_list, AuthConfig, ConfigError, CorsConfig,
};
use crate::limits::{CHAT_DURATION_RANGE, DEFAULT_CHAT_DURATION_MINUTES};

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
