//! Every environment variable the functions read, parsed once at cold start into typed values.
//! A missing or invalid variable is an error that names it, so a bad deployment fails at init
//! with a clear message instead of misbehaving per request. Each setting group has its module:
//! [`cors`] (origins), [`chat`] (start-chat), [`auth`] (customer tokens), [`files`]
//! (attachments and case files). The AWS SDK's own settings are aws-config's
//! (`connect::load_aws_config`). Nothing here depends on
//! the modules that use configuration.

mod auth;
mod chat;
mod cors;
mod files;

pub use auth::{AuthConfig, KeyConfig, SecretLocation};
pub use chat::{AttributeAllowList, StartChatConfig};
pub use cors::{AllowedOrigins, CorsConfig};
pub use files::{AttachmentConfig, CaseFilesConfig, CasesConfig, CasesDomainArn};

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

pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.into(),
    }
}

pub(crate) fn optional(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

pub(crate) fn required(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<String, ConfigError> {
    optional(lookup, name).ok_or(ConfigError::Missing(name))
}

pub(crate) fn resource_id(
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

pub(crate) fn flag(
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

pub(crate) fn split_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth::check_jwks_url;
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
        assert!(config.allowed_segment_attributes.is_empty());
        assert!(!config.disconnect_on_customer_exit);
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
            ("ALLOWED_ATTRIBUTES", "connect:Subtype"),
            ("ALLOWED_SEGMENT_ATTRIBUTES", "other:key"),
            ("DISCONNECT_ON_CUSTOMER_EXIT", "CUSTOMER"),
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
    fn attribute_allow_list_matches_exact_keys_and_prefixes() {
        let list = AttributeAllowList::parse("customerId, utm_*,plan").unwrap();
        assert!(list.allows("customerId"));
        assert!(list.allows("plan"));
        assert!(list.allows("utm_source"));
        assert!(!list.allows("customerid"));
        assert!(!list.allows("utm"));
        assert!(!list.allows("other"));
        assert!(AttributeAllowList::parse("*").unwrap().allows("anything"));
        let segment = AttributeAllowList::parse_segment_keys("connect:Subtype, routing_*").unwrap();
        assert!(segment.allows("connect:Subtype"));
        assert!(segment.allows("routing_tier"));
        assert!(!segment.allows("connect:Other"));
    }

    #[test]
    fn the_post_chat_survey_setting_is_read() {
        let mut pairs = BASE.to_vec();
        pairs.push(("DISCONNECT_ON_CUSTOMER_EXIT", "AGENT"));
        pairs.push(("ALLOWED_SEGMENT_ATTRIBUTES", "connect:*"));
        let config = StartChatConfig::from_lookup(env(&pairs)).unwrap();
        assert!(config.disconnect_on_customer_exit);
        assert!(config.allowed_segment_attributes.allows("connect:Subtype"));
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
        assert_eq!(cases.domain_id(), "abc-123");
        assert_eq!(
            cases.domain.to_string(),
            "arn:aws:cases:eu-west-2:123456789012:domain/abc-123"
        );
        assert_eq!(
            cases.file_arn("f-9"),
            "arn:aws:connect:eu-west-2:123456789012:instance/11111111-2222-4333-8444-555555555555/file/f-9"
        );
        let china = with("arn:aws-cn:cases:cn-north-1:123456789012:domain/d")
            .unwrap()
            .unwrap();
        assert!(china
            .file_arn("f")
            .starts_with("arn:aws-cn:connect:cn-north-1:"));
        for bad in [
            "abc-123",
            "arn:aws:connect:eu-west-2:123456789012:domain/abc",
            "arn:aws:cases:eu-west-2:123456789012:domain/abc/case/x",
            "arn:aws:cases:eu-west-2:12345678901x:domain/abc",
            "arn:aws:cases::123456789012:domain/abc",
        ] {
            assert!(with(bad).is_err(), "{bad}");
        }
        assert_eq!(with("").unwrap(), None);
    }
}
