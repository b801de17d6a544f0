//! The one error type every handler returns, and its mapping to an HTTP status, a stable error
//! code and the optional `Retry-After`. This is the only place that decides those three things.

use http::StatusCode;

/// Seconds a client should wait after being throttled (ours or Connect's API rate limit).
pub const THROTTLE_RETRY_AFTER_SECS: u32 = 1;
/// Seconds a client should wait after a quota error (e.g. too many concurrent chats).
pub const QUOTA_RETRY_AFTER_SECS: u32 = 30;

/// Everything that can go wrong while answering a request.
///
/// Client mistakes are 4xx, upstream trouble is 429/5xx, and nothing here ever carries an SDK
/// message or a secret into the response body: `message` texts are written by us.
#[derive(Debug, thiserror::Error, PartialEq, Eq, strum::EnumCount)]
pub enum ApiError {
    /// A field is missing, has the wrong type or breaks a rule.
    #[error("{field}: {message}")]
    InvalidField { field: String, message: String },

    /// The body is absent, not JSON, or not a JSON object.
    #[error("invalid body: {0}")]
    InvalidBody(String),

    /// The body is larger than the route accepts.
    #[error("body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },

    /// A contact or segment attribute key that the deployment does not allow; `setting` is
    /// the allow-list's variable name.
    #[error("attribute key not allowed: {key}")]
    AttributeNotAllowed { key: String, setting: &'static str },

    /// The attachment is larger than the configured maximum.
    #[error("attachment larger than {max} bytes")]
    AttachmentTooLarge { field: &'static str, max: u64 },

    /// The attachment's type is not allowed, or does not match its file name.
    #[error("{field}: {message}")]
    UnsupportedAttachmentType { field: String, message: String },

    /// Attachments are switched off for this deployment.
    #[error("attachments are disabled")]
    AttachmentsDisabled,

    /// The `X-Amz-Bearer` header (the customer's ConnectionToken) is missing.
    #[error("missing connection token")]
    MissingConnectionToken,

    /// The request comes from a browser origin not in `ALLOWED_ORIGINS`. Checked server-side
    /// because `text/plain` POSTs are CORS "simple requests" that no preflight stops.
    #[error("origin not allowed")]
    OriginNotAllowed,

    /// start-chat requires a customer token and this one is missing or fails a check.
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),

    /// The customer token verified but one of its claims has the wrong shape.
    #[error("invalid claim: {0}")]
    InvalidClaim(&'static str),

    /// The token verification keys could not be loaded (JWKS or secret unreachable).
    #[error("authentication keys unavailable")]
    AuthenticationUnavailable,

    /// A case route was called without an API Gateway authorizer (IAM or JWT) in front of it.
    #[error("case routes need an authorizer")]
    AuthorizerRequired,

    /// Case attached files are not configured (`CASES_DOMAIN_ARN` unset).
    #[error("case attachments are disabled")]
    CaseAttachmentsDisabled,

    /// The earlier contact a request refers to (persistent chat or related contact) does not exist.
    #[error("contact not found: {field}")]
    ContactNotFound { field: &'static str },

    /// The request did not come through the deployment's CloudFront + WAF front door.
    #[error("request bypassed the front door")]
    DirectAccessDenied,

    /// The route exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,

    /// The Participant Service refused the ConnectionToken (expired, unknown, or chat ended).
    #[error("access denied by the Participant Service")]
    AccessDenied,

    /// Connect reports a conflicting operation (e.g. the attachment is already being completed).
    #[error("conflict reported by Amazon Connect")]
    Conflict,

    /// Connect rejected the request as invalid although it passed our validation.
    #[error("Amazon Connect rejected the request ({upstream_code})")]
    UpstreamRejected { upstream_code: String },

    /// Connect's request rate limit.
    #[error("throttled by Amazon Connect")]
    Throttled,

    /// A Connect quota (concurrent chats, attachments per contact).
    #[error("Amazon Connect quota exceeded")]
    QuotaExceeded,

    /// The deployment points at an instance or contact flow Connect does not know, or lacks
    /// permission: an operator problem, not the client's.
    #[error("misconfigured deployment: {0}")]
    Misconfigured(String),

    /// Connect answered with a server error.
    #[error("Amazon Connect failed ({0})")]
    UpstreamFailure(String),

    /// Connect could not be reached.
    #[error("Amazon Connect unreachable: {0}")]
    UpstreamUnavailable(String),

    /// Connect did not answer in time.
    #[error("Amazon Connect timed out")]
    UpstreamTimeout,

    /// A bug or an unexpected state on our side.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// Shorthand for [`ApiError::InvalidField`].
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidField {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidField { .. }
            | Self::InvalidBody(_)
            | Self::AttributeNotAllowed { .. }
            | Self::AttachmentTooLarge { .. }
            | Self::UnsupportedAttachmentType { .. }
            | Self::UpstreamRejected { .. } => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MissingConnectionToken
            | Self::Unauthenticated(_)
            | Self::InvalidClaim(_)
            | Self::AuthorizerRequired => StatusCode::UNAUTHORIZED,
            Self::CaseAttachmentsDisabled | Self::ContactNotFound { .. } => StatusCode::NOT_FOUND,
            Self::AuthenticationUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::AccessDenied
            | Self::AttachmentsDisabled
            | Self::OriginNotAllowed
            | Self::DirectAccessDenied => StatusCode::FORBIDDEN,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict => StatusCode::CONFLICT,
            Self::Throttled | Self::QuotaExceeded => StatusCode::TOO_MANY_REQUESTS,
            Self::Misconfigured(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::UpstreamFailure(_) => StatusCode::BAD_GATEWAY,
            Self::UpstreamUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    /// The stable, documented error code clients can switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidField { .. } => "InvalidField",
            Self::InvalidBody(_) => "InvalidBody",
            Self::PayloadTooLarge { .. } => "PayloadTooLarge",
            Self::AttributeNotAllowed { .. } => "AttributeNotAllowed",
            Self::AttachmentTooLarge { .. } => "AttachmentTooLarge",
            Self::UnsupportedAttachmentType { .. } => "UnsupportedAttachmentType",
            Self::AttachmentsDisabled => "AttachmentsDisabled",
            Self::MissingConnectionToken => "MissingConnectionToken",
            Self::OriginNotAllowed => "OriginNotAllowed",
            Self::Unauthenticated(_) => "Unauthenticated",
            Self::InvalidClaim(_) => "InvalidClaim",
            Self::AuthenticationUnavailable => "AuthenticationUnavailable",
            Self::AuthorizerRequired => "AuthorizerRequired",
            Self::CaseAttachmentsDisabled => "CaseAttachmentsDisabled",
            Self::ContactNotFound { .. } => "ContactNotFound",
            Self::DirectAccessDenied => "DirectAccessDenied",
            Self::MethodNotAllowed => "MethodNotAllowed",
            Self::AccessDenied => "AccessDenied",
            Self::Conflict => "Conflict",
            Self::UpstreamRejected { .. } => "UpstreamRejected",
            Self::Throttled => "Throttled",
            Self::QuotaExceeded => "QuotaExceeded",
            Self::Misconfigured(_) => "Misconfigured",
            Self::UpstreamFailure(_) => "UpstreamFailure",
            Self::UpstreamUnavailable(_) => "UpstreamUnavailable",
            Self::UpstreamTimeout => "UpstreamTimeout",
            Self::Internal(_) => "InternalError",
        }
    }

    /// The request field the error is about, when there is one.
    pub fn field_name(&self) -> Option<&str> {
        match self {
            Self::InvalidField { field, .. } | Self::UnsupportedAttachmentType { field, .. } => {
                Some(field)
            }
            Self::AttributeNotAllowed { key, .. } => Some(key),
            Self::AttachmentTooLarge { field, .. } => Some(field),
            Self::MissingConnectionToken => Some("X-Amz-Bearer"),
            Self::Unauthenticated(_) => Some("Authorization"),
            Self::InvalidClaim(claim) => Some(claim),
            Self::ContactNotFound { field } => Some(field),
            _ => None,
        }
    }

    /// The human message sent to the client. Server-side details stay in the logs.
    pub fn public_message(&self) -> String {
        match self {
            Self::InvalidField { message, .. }
            | Self::UnsupportedAttachmentType { message, .. } => message.clone(),
            Self::InvalidBody(message) => message.clone(),
            Self::PayloadTooLarge { limit } => {
                format!("request body must be at most {limit} bytes")
            }
            Self::AttributeNotAllowed { setting, .. } => {
                format!("this attribute key is not in the deployment's {setting}")
            }
            Self::AttachmentTooLarge { max, .. } => format!(
                "attachments must be at most {} ({max} bytes)",
                human_size(*max)
            ),
            Self::AttachmentsDisabled => "attachments are not enabled for this chat".into(),
            Self::MissingConnectionToken => {
                "the X-Amz-Bearer header must carry the participant's ConnectionToken".into()
            }
            Self::OriginNotAllowed => {
                "this web page's origin is not allowed to use this API".into()
            }
            Self::Unauthenticated(reason) => format!("authentication failed: {reason}"),
            Self::InvalidClaim(claim) => format!("the token's {claim} claim has the wrong shape"),
            Self::AuthenticationUnavailable => {
                "authentication is temporarily unavailable; retry after the Retry-After delay"
                    .into()
            }
            Self::AuthorizerRequired => {
                "this route must be called through an API Gateway authorizer (IAM or JWT)".into()
            }
            Self::CaseAttachmentsDisabled => "case attachments are not enabled".into(),
            Self::ContactNotFound { .. } => {
                "Amazon Connect does not know the earlier contact this chat refers to".into()
            }
            Self::DirectAccessDenied => "use the API's firewalled URL".into(),
            Self::MethodNotAllowed => "only POST (and OPTIONS for CORS) is supported".into(),
            Self::AccessDenied => {
                "the connection token was refused; it may have expired or the chat has ended".into()
            }
            Self::Conflict => "a conflicting operation is already in progress".into(),
            Self::UpstreamRejected { .. } => "Amazon Connect rejected the request".into(),
            Self::Throttled => "too many requests; retry after the Retry-After delay".into(),
            Self::QuotaExceeded => {
                "an Amazon Connect quota was reached; retry after the Retry-After delay".into()
            }
            Self::Misconfigured(_) => {
                "the chat backend is misconfigured; the operator has been notified in the logs"
                    .into()
            }
            Self::UpstreamFailure(_) => "Amazon Connect returned an error".into(),
            Self::UpstreamUnavailable(_) => "Amazon Connect could not be reached".into(),
            Self::UpstreamTimeout => "Amazon Connect did not answer in time".into(),
            Self::Internal(_) => "internal error".into(),
        }
    }

    /// Seconds for the `Retry-After` header, for errors worth retrying later.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            Self::Throttled => Some(THROTTLE_RETRY_AFTER_SECS),
            Self::QuotaExceeded => Some(QUOTA_RETRY_AFTER_SECS),
            Self::UpstreamUnavailable(_)
            | Self::UpstreamTimeout
            | Self::AuthenticationUnavailable => Some(THROTTLE_RETRY_AFTER_SECS),
            _ => None,
        }
    }
}

impl ApiError {
    /// One error of every kind, for documentation, the OpenAPI sync test and the resilience
    /// checks. `every_kind_lists_every_variant` fails when a variant is missing here.
    pub fn every_kind() -> Vec<ApiError> {
        let all = vec![
            Self::field("Field", "message"),
            Self::InvalidBody(String::new()),
            Self::PayloadTooLarge { limit: 0 },
            Self::AttributeNotAllowed {
                key: String::new(),
                setting: "",
            },
            Self::AttachmentTooLarge { field: "", max: 0 },
            Self::UnsupportedAttachmentType {
                field: String::new(),
                message: String::new(),
            },
            Self::AttachmentsDisabled,
            Self::MissingConnectionToken,
            Self::OriginNotAllowed,
            Self::Unauthenticated(""),
            Self::InvalidClaim(""),
            Self::AuthenticationUnavailable,
            Self::AuthorizerRequired,
            Self::CaseAttachmentsDisabled,
            Self::ContactNotFound { field: "" },
            Self::DirectAccessDenied,
            Self::MethodNotAllowed,
            Self::AccessDenied,
            Self::Conflict,
            Self::UpstreamRejected {
                upstream_code: String::new(),
            },
            Self::Throttled,
            Self::QuotaExceeded,
            Self::Misconfigured(String::new()),
            Self::UpstreamFailure(String::new()),
            Self::UpstreamUnavailable(String::new()),
            Self::UpstreamTimeout,
            Self::Internal(String::new()),
        ];
        all
    }
}

/// `20971520` -> `20 MB`, for messages people read.
fn human_size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use strum::EnumCount;

    #[test]
    fn every_kind_lists_every_variant() {
        let kinds = ApiError::every_kind();
        let distinct: std::collections::HashSet<std::mem::Discriminant<ApiError>> =
            kinds.iter().map(std::mem::discriminant).collect();
        assert_eq!(kinds.len(), distinct.len(), "a variant is listed twice");
        assert_eq!(
            distinct.len(),
            ApiError::COUNT,
            "every_kind() misses {} variant(s) of ApiError",
            ApiError::COUNT - distinct.len()
        );
        let codes: std::collections::HashSet<&str> = kinds.iter().map(ApiError::code).collect();
        assert_eq!(codes.len(), ApiError::COUNT, "two variants share a code");
    }

    use super::*;

    #[test]
    fn client_mistakes_are_4xx_and_upstream_trouble_is_not() {
        assert_eq!(ApiError::field("A", "b").status(), 400);
        assert_eq!(ApiError::PayloadTooLarge { limit: 1 }.status(), 413);
        assert_eq!(ApiError::MissingConnectionToken.status(), 401);
        assert_eq!(ApiError::AccessDenied.status(), 403);
        assert_eq!(ApiError::Conflict.status(), 409);
        assert_eq!(ApiError::Throttled.status(), 429);
        assert_eq!(ApiError::QuotaExceeded.status(), 429);
        assert_eq!(ApiError::Misconfigured("x".into()).status(), 500);
        assert_eq!(ApiError::UpstreamFailure("x".into()).status(), 502);
        assert_eq!(ApiError::UpstreamUnavailable("x".into()).status(), 503);
        assert_eq!(ApiError::UpstreamTimeout.status(), 504);
    }

    #[test]
    fn sizes_read_as_megabytes() {
        let message = ApiError::AttachmentTooLarge {
            field: "AttachmentSizeInBytes",
            max: 20 * 1024 * 1024,
        }
        .public_message();
        assert_eq!(
            message,
            "attachments must be at most 20 MB (20971520 bytes)"
        );
        assert_eq!(human_size(1536 * 1024), "1.5 MB");
        assert_eq!(human_size(1000), "1000 bytes");
    }

    #[test]
    fn retryable_errors_carry_retry_after() {
        assert_eq!(ApiError::Throttled.retry_after(), Some(1));
        assert_eq!(ApiError::QuotaExceeded.retry_after(), Some(30));
        assert_eq!(ApiError::field("A", "b").retry_after(), None);
    }

    #[test]
    fn internal_details_stay_out_of_public_messages() {
        let err = ApiError::Misconfigured("instance 1234 not found".into());
        assert!(!err.public_message().contains("1234"));
        let err = ApiError::UpstreamFailure("InternalServiceException: boom".into());
        assert!(!err.public_message().contains("boom"));
    }
}
