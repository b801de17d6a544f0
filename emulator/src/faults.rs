//! Fault injection for tests: make the next N calls of an operation fail with one of its
//! modelled errors (`POST /_local/faults`). Only errors the operation can really return are
//! accepted, so tests cannot exercise impossible situations.

/// Every operation connect-local serves, with the errors its model lists (plus the AWS-wide
/// throttling Connect documents for StartChatContact).
pub const OPERATIONS: &[(&str, &[&str])] = &[
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
