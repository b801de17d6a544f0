//! Fault injection. Counted faults (`POST /_local/faults`) make the next N calls of an operation
//! fail with one of its modelled errors; only errors the operation can really return are
//! accepted, so tests cannot exercise impossible situations. Chaos rules (`POST /_local/chaos`)
//! hit a random share of calls with throttling, server errors, latency or dropped connections.

/// Every operation connect-local serves, with the errors its model lists (plus the AWS-wide
/// throttling Connect documents for StartChatContact).
pub const OPERATIONS: &[(&str, &[&str])] = &[
    ("CreateRelatedItem", &CASES_CREATE),
    ("SearchRelatedItems", &CASES_COMMON),
    (
        "StartChatContact",
        &[
            "InvalidRequestException",
            "InvalidParameterException",
            "ResourceNotFoundException",
            "LimitExceededException",
            "InternalServiceException",
            "ThrottlingException",
            "TooManyRequestsException",
            "AccessDeniedException",
        ],
    ),
    ("CreateParticipantConnection", &PARTICIPANT_COMMON),
    ("SendMessage", &PARTICIPANT_COMMON),
    (
        "SendEvent",
        &[
            "AccessDeniedException",
            "ConflictException",
            "InternalServerException",
            "ThrottlingException",
            "ValidationException",
        ],
    ),
    ("GetTranscript", &PARTICIPANT_COMMON),
    ("DisconnectParticipant", &PARTICIPANT_COMMON),
    (
        "StartAttachmentUpload",
        &[
            "AccessDeniedException",
            "InternalServerException",
            "ServiceQuotaExceededException",
            "ThrottlingException",
            "ValidationException",
        ],
    ),
    (
        "CompleteAttachmentUpload",
        &[
            "AccessDeniedException",
            "ConflictException",
            "InternalServerException",
            "ServiceQuotaExceededException",
            "ThrottlingException",
            "ValidationException",
        ],
    ),
    ("GetAttachment", &PARTICIPANT_COMMON),
    (
        "DescribeView",
        &[
            "AccessDeniedException",
            "InternalServerException",
            "ResourceNotFoundException",
            "ThrottlingException",
            "ValidationException",
        ],
    ),
    ("GetAuthenticationUrl", &PARTICIPANT_COMMON),
    ("CancelParticipantAuthentication", &PARTICIPANT_COMMON),
    (
        "StartAttachedFileUpload",
        &[
            "AccessDeniedException",
            "InternalServiceException",
            "InvalidRequestException",
            "ResourceConflictException",
            "ServiceQuotaExceededException",
            "ThrottlingException",
        ],
    ),
    ("CompleteAttachedFileUpload", &ATTACHED_FILE_COMMON),
    ("GetAttachedFile", &ATTACHED_FILE_COMMON),
];

const ATTACHED_FILE_COMMON: [&str; 5] = [
    "AccessDeniedException",
    "InternalServiceException",
    "InvalidRequestException",
    "ResourceNotFoundException",
    "ThrottlingException",
];

const PARTICIPANT_COMMON: [&str; 4] = [
    "AccessDeniedException",
    "InternalServerException",
    "ThrottlingException",
    "ValidationException",
];

/// One armed fault.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    pub operation: &'static str,
    pub error: &'static str,
    pub remaining: u32,
}

impl Fault {
    /// Validates a request to arm a fault.
    pub fn new(operation: &str, error: &str, count: u32) -> Result<Self, String> {
        let (op, errors) = OPERATIONS
            .iter()
            .find(|(op, _)| *op == operation)
            .ok_or_else(|| format!("unknown operation {operation:?}"))?;
        let error = errors.iter().find(|e| **e == error).ok_or_else(|| {
            format!(
                "{op} cannot return {error:?}; it can return {}",
                errors.join(", ")
            )
        })?;
        if count == 0 {
            return Err("count must be at least 1".into());
        }
        Ok(Self {
            operation: op,
            error,
            remaining: count,
        })
    }
}

/// What a chaos rule may do to a request it picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ChaosKind {
    /// Answer 429 with the operation's throttling error, without doing the work.
    Throttle,
    /// Answer 500 with the service's internal error, without doing the work.
    ServerError,
    /// Wait `latencyMs`, then serve normally.
    Latency,
    /// Do the work, then close the connection without answering: the caller cannot tell
    /// whether the operation happened, which is what idempotency tokens are for.
    Drop,
}

/// A rate-based fault rule (`POST /_local/chaos`): each request to a matching operation is
/// picked with probability `rate`, and a picked request suffers one of `kinds`, chosen evenly.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChaosRule {
    /// `None` applies to every operation connect-local serves.
    pub operation: Option<&'static str>,
    pub rate: f64,
    pub kinds: Vec<ChaosKind>,
    pub latency_ms: u64,
}

impl ChaosRule {
    /// Validates a request to add a rule.
    pub fn new(
        operation: Option<&str>,
        rate: f64,
        kinds: Vec<ChaosKind>,
        latency_ms: u64,
    ) -> Result<Self, String> {
        let operation = match operation {
            None | Some("*") => None,
            Some(name) => Some(
                OPERATIONS
                    .iter()
                    .map(|(op, _)| *op)
                    .find(|op| *op == name)
                    .ok_or_else(|| format!("unknown operation {name:?}"))?,
            ),
        };
        if !(0.0..=1.0).contains(&rate) {
            return Err("rate must be between 0 and 1".into());
        }
        if kinds.is_empty() {
            return Err(
                "kinds must name at least one of throttle, serverError, latency, drop".into(),
            );
        }
        if latency_ms > 60_000 {
            return Err("latencyMs must be at most 60000".into());
        }
        Ok(Self {
            operation,
            rate,
            kinds,
            latency_ms,
        })
    }

    /// Whether the rule covers `operation`.
    pub fn applies_to(&self, operation: &str) -> bool {
        self.operation.is_none_or(|op| op == operation)
    }
}

/// How many requests each kind of chaos has hit, per operation (`GET /_local/chaos`).
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChaosCounts {
    pub throttle: u64,
    pub server_error: u64,
    pub latency: u64,
    pub drop: u64,
}

impl ChaosCounts {
    /// Counts one injection of `kind`.
    pub fn add(&mut self, kind: ChaosKind) {
        match kind {
            ChaosKind::Throttle => self.throttle += 1,
            ChaosKind::ServerError => self.server_error += 1,
            ChaosKind::Latency => self.latency += 1,
            ChaosKind::Drop => self.drop += 1,
        }
    }
}

/// The operation a request calls, from its method and path (None for storage and admin routes).
pub fn operation_of(method: &http::Method, path: &str) -> Option<&'static str> {
    use http::Method;
    let op = match (method, path) {
        (&Method::PUT, "/contact/chat") => "StartChatContact",
        (&Method::POST, "/participant/connection") => "CreateParticipantConnection",
        (&Method::POST, "/participant/message") => "SendMessage",
        (&Method::POST, "/participant/event") => "SendEvent",
        (&Method::POST, "/participant/transcript") => "GetTranscript",
        (&Method::POST, "/participant/disconnect") => "DisconnectParticipant",
        (&Method::POST, "/participant/start-attachment-upload") => "StartAttachmentUpload",
        (&Method::POST, "/participant/complete-attachment-upload") => "CompleteAttachmentUpload",
        (&Method::POST, "/participant/attachment") => "GetAttachment",
        (&Method::POST, "/participant/authentication-url") => "GetAuthenticationUrl",
        (&Method::POST, "/participant/cancel-authentication") => "CancelParticipantAuthentication",
        (&Method::GET, p) if p.starts_with("/participant/views/") => "DescribeView",
        (&Method::PUT, p) if p.starts_with("/attached-files/") => "StartAttachedFileUpload",
        (&Method::POST, p) if p.starts_with("/attached-files/") => "CompleteAttachedFileUpload",
        (&Method::GET, p) if p.starts_with("/attached-files/") => "GetAttachedFile",
        (&Method::POST, p) if p.starts_with("/domains/") && p.ends_with("/related-items/") => {
            "CreateRelatedItem"
        }
        (&Method::POST, p)
            if p.starts_with("/domains/") && p.ends_with("/related-items-search") =>
        {
            "SearchRelatedItems"
        }
        _ => return None,
    };
    Some(op)
}

/// Errors the Cases model lists for SearchRelatedItems.
const CASES_COMMON: [&str; 5] = [
    "AccessDeniedException",
    "InternalServerException",
    "ResourceNotFoundException",
    "ThrottlingException",
    "ValidationException",
];

/// Errors the Cases model lists for CreateRelatedItem.
const CASES_CREATE: [&str; 7] = [
    "AccessDeniedException",
    "ConflictException",
    "InternalServerException",
    "ResourceNotFoundException",
    "ServiceQuotaExceededException",
    "ThrottlingException",
    "ValidationException",
];

/// Whether an operation belongs to the Connect API (its errors are Connect's shapes) rather
/// than the Participant Service.
pub fn is_connect_api(operation: &str) -> bool {
    matches!(
        operation,
        "StartChatContact"
            | "StartAttachedFileUpload"
            | "CompleteAttachedFileUpload"
            | "GetAttachedFile"
    )
}
