//! start-chat's settings: the instance and flow, the attribute allow-lists, the chat duration,
//! what happens when the customer leaves.

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
    /// Parses a comma-separated list of contact attribute keys such as `customerId,plan,utm_*`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::parse_keys(raw, false)
    }

    /// Parses a list of segment attribute keys, which may carry Connect's `connect:` system
    /// prefix (`connect:Subtype,routing_*`).
    pub fn parse_segment_keys(raw: &str) -> Result<Self, String> {
        Self::parse_keys(raw, true)
    }

    fn parse_keys(raw: &str, system_prefix: bool) -> Result<Self, String> {
        let mut list = Self::default();
        for item in split_list(raw) {
            let (key, is_prefix) = match item.strip_suffix('*') {
                Some(prefix) => (prefix, true),
                None => (item, false),
            };
            if key.is_empty() && !is_prefix {
                continue;
            }
            let name = match key.strip_prefix("connect:") {
                Some(name) if system_prefix => name,
                _ => key,
            };
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(format!(
                    "{item:?}: keys may contain only letters, digits, '_' and '-', with an optional trailing '*'{}",
                    if system_prefix { " (and a leading 'connect:')" } else { "" }
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
    /// `ALLOWED_SEGMENT_ATTRIBUTES`: which client-supplied segment attributes are forwarded.
    pub allowed_segment_attributes: AttributeAllowList,
    /// `DISCONNECT_ON_CUSTOMER_EXIT=AGENT`: when the customer leaves, only the agent is
    /// disconnected and the contact goes on to the disconnect flow (a post-chat survey).
    pub disconnect_on_customer_exit: bool,
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
                        format!(
                            "{raw:?} must be a whole number of minutes from {} to {}",
                            CHAT_DURATION_RANGE.start(),
                            CHAT_DURATION_RANGE.end()
                        ),
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
            allowed_segment_attributes: AttributeAllowList::parse_segment_keys(
                &optional(&lookup, "ALLOWED_SEGMENT_ATTRIBUTES").unwrap_or_default(),
            )
            .map_err(|reason| invalid("ALLOWED_SEGMENT_ATTRIBUTES", reason))?,
            disconnect_on_customer_exit: match optional(&lookup, "DISCONNECT_ON_CUSTOMER_EXIT")
                .as_deref()
            {
                None => false,
                Some("AGENT") => true,
                Some(raw) => {
                    return Err(invalid(
                        "DISCONNECT_ON_CUSTOMER_EXIT",
                        format!("{raw:?} must be AGENT or empty"),
                    ))
                }
            },
            chat_duration_minutes,
            attachments_enabled: flag(&lookup, "ATTACHMENTS_ENABLED", true)?,
            auth: AuthConfig::from_lookup(&lookup)?,
        })
    }
}
