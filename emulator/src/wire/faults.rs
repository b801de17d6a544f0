//! Fault injection. Counted faults (`POST /_local/faults`) make the next N calls of an operation
//! fail with one of its modelled errors; only errors the operation can really return (its
//! service model's list) are accepted, so tests cannot exercise impossible situations. Chaos rules (`POST /_local/chaos`)
//! hit a random share of calls with throttling, server errors, latency or dropped connections.

use crate::wire::model;

/// Errors AWS's front end returns for StartChatContact besides those its model lists (the
/// Connect documentation's common errors): throttling and access denial.
const START_CHAT_FRONT_END_ERRORS: [&str; 3] = [
    "ThrottlingException",
    "TooManyRequestsException",
    "AccessDeniedException",
];

/// The services connect-local serves.
fn services() -> [&'static model::Service; 3] {
    [&*model::CONNECT, &*model::PARTICIPANT, &*model::CASES]
}

/// The errors a fault may make `operation` return: those its service model lists (plus the
/// front end's for StartChatContact), or `None` for an operation connect-local does not serve.
pub fn errors_of(operation: &str) -> Option<Vec<&'static str>> {
    let service = services()
        .into_iter()
        .find(|service| service.has_operation(operation))?;
    let mut errors = service.errors_of(operation);
    if operation == "StartChatContact" {
        for extra in START_CHAT_FRONT_END_ERRORS {
            if !errors.contains(&extra) {
                errors.push(extra);
            }
        }
    }
    Some(errors)
}

/// The operation's name as the models spell it, with a `'static` lifetime.
fn operation_name(operation: &str) -> Option<&'static str> {
    services()
        .into_iter()
        .find_map(|service| service.operation_name(operation))
}

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
        let op =
            operation_name(operation).ok_or_else(|| format!("unknown operation {operation:?}"))?;
        let errors = errors_of(op).unwrap_or_default();
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
            Some(name) => {
                Some(operation_name(name).ok_or_else(|| format!("unknown operation {name:?}"))?)
            }
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
        (&Method::POST, "/contact/transfer") => "TransferContact",
        (&Method::POST, "/contact/stop") => "StopContact",
        (&Method::POST, "/contact/attributes") => "UpdateContactAttributes",
        (&Method::GET, p) if p.starts_with("/contact/attributes/") => "GetContactAttributes",
        (&Method::GET, p) if p.starts_with("/contacts/") => "DescribeContact",
        (&Method::GET, p) if p.starts_with("/queues-summary/") => "ListQueues",
        (&Method::GET, p) if p.starts_with("/queues/") => "DescribeQueue",
        (&Method::PUT, p) if p.starts_with("/contact-flows/") => "CreateContactFlow",
        (&Method::POST, p) if p.starts_with("/contact-flows/") && p.ends_with("/content") => {
            "UpdateContactFlowContent"
        }
        (&Method::GET, p) if p.starts_with("/contact-flows/") => "DescribeContactFlow",
        (&Method::GET, p) if p.starts_with("/contact-flows-summary/") => "ListContactFlows",
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
        (&Method::POST, p)
            if p.starts_with("/domains/")
                && (p.ends_with("/related-items/") || p.ends_with("/related-items")) =>
        {
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

/// Whether an operation belongs to the Connect API (its errors are Connect's shapes) rather
/// than the Participant Service.
pub fn is_connect_api(operation: &str) -> bool {
    model::CONNECT.has_operation(operation)
}

#[cfg(test)]
mod model_error_tests {
    use super::*;

    #[test]
    fn faults_take_exactly_the_errors_the_models_list() {
        let send_event = errors_of("SendEvent").expect("served");
        assert!(send_event.contains(&"ConflictException"));
        assert!(Fault::new("SendEvent", "ConflictException", 1).is_ok());
        assert!(Fault::new("SendMessage", "ConflictException", 1).is_err());
        assert!(Fault::new("CreateRelatedItem", "ConflictException", 1).is_ok());
        assert!(Fault::new("StartChatContact", "TooManyRequestsException", 1).is_ok());
        assert!(Fault::new("StartChatContact", "ValidationException", 1).is_err());
        assert!(Fault::new("NoSuchOperation", "ThrottlingException", 1).is_err());
        assert!(is_connect_api("GetAttachedFile"));
        assert!(!is_connect_api("GetAttachment"));
    }
}
