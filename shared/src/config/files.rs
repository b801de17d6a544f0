//! The attachment functions' and case-files' settings: file rules and the Cases domain.

use super::{flag, invalid, optional, resource_id, split_list, ConfigError, CorsConfig};
use crate::limits::{ALLOWED_EXTENSIONS, DEFAULT_MAX_ATTACHMENT_BYTES};

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

/// Where case attached files go (`POST /cases/attachments/*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasesConfig {
    /// `CONNECT_INSTANCE_ID`: the instance the files are uploaded through.
    pub instance_id: String,
    /// `CASES_DOMAIN_ARN`; case ARNs are built under it from the request's CaseId, so callers
    /// cannot name another domain.
    pub domain: CasesDomainArn,
}

/// A Cases domain ARN, `arn:PARTITION:cases:REGION:ACCOUNT:domain/DOMAIN_ID`, in its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasesDomainArn {
    pub partition: String,
    pub region: String,
    pub account: String,
    pub domain_id: String,
}

impl CasesDomainArn {
    /// Parses a domain ARN; `None` when it is anything else (another service, a case ARN).
    pub fn parse(arn: &str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("cases"), Some(region), Some(account), Some(rest)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let domain_id = rest.strip_prefix("domain/")?;
        let valid = !partition.is_empty()
            && !region.is_empty()
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && !domain_id.is_empty()
            && domain_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        valid.then(|| Self {
            partition: partition.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
            domain_id: domain_id.to_owned(),
        })
    }
}

impl std::fmt::Display for CasesDomainArn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            partition,
            region,
            account,
            domain_id,
        } = self;
        write!(
            f,
            "arn:{partition}:cases:{region}:{account}:domain/{domain_id}"
        )
    }
}

impl CasesConfig {
    fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let Some(raw) = optional(lookup, "CASES_DOMAIN_ARN") else {
            return Ok(None);
        };
        let domain = CasesDomainArn::parse(&raw).ok_or_else(|| {
            invalid(
                "CASES_DOMAIN_ARN",
                format!("{raw:?} must look like arn:aws:cases:REGION:ACCOUNT:domain/DOMAIN_ID"),
            )
        })?;
        Ok(Some(Self {
            instance_id: resource_id(lookup, "CONNECT_INSTANCE_ID", 100)?,
            domain,
        }))
    }

    /// The ARN of case `case_id` in the configured domain.
    pub fn case_arn(&self, case_id: &str) -> String {
        format!("{}/case/{case_id}", self.domain)
    }

    /// The Cases domain id (the ARN's last part).
    pub fn domain_id(&self) -> &str {
        &self.domain.domain_id
    }

    /// The ARN Connect gives attached file `file_id` of the configured instance, in the
    /// domain's partition, region and account.
    pub fn file_arn(&self, file_id: &str) -> String {
        let CasesDomainArn {
            partition,
            region,
            account,
            ..
        } = &self.domain;
        format!(
            "arn:{partition}:connect:{region}:{account}:instance/{}/file/{file_id}",
            self.instance_id
        )
    }
}
