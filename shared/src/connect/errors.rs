//! Upstream failures as [`ApiError`]s: the operation's typed errors first, then the error code
//! AWS sent, then the HTTP status. Logs the upstream code and request id, never the message (it
//! may echo request data).

use aws_sdk_connect::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_connect::operation::start_chat_contact::StartChatContactError;
use aws_sdk_connect::operation::RequestId;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use crate::error::ApiError;

/// The upstream operations the functions call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
pub enum Operation {
    StartChatContact,
    StartAttachmentUpload,
    CompleteAttachmentUpload,
    StartAttachedFileUpload,
    CompleteAttachedFileUpload,
    SearchRelatedItems,
    CreateRelatedItem,
}

impl Operation {
    /// The operation's name in the API (and in logs).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The IAM action that allows it.
    pub fn iam_action(self) -> String {
        let service = match self {
            Self::SearchRelatedItems | Self::CreateRelatedItem => "cases",
            _ => "connect",
        };
        format!("{service}:{}", self.name())
    }

    /// Whether it is a Connect API call, signed with the function's role (so a denial is the
    /// operator's problem), rather than a Participant Service call authorized by the
    /// customer's ConnectionToken.
    pub fn is_connect_api(self) -> bool {
        match self {
            Self::StartChatContact
            | Self::StartAttachedFileUpload
            | Self::CompleteAttachedFileUpload
            | Self::SearchRelatedItems
            | Self::CreateRelatedItem => true,
            Self::StartAttachmentUpload | Self::CompleteAttachmentUpload => false,
        }
    }
}

pub(super) fn map_case_file_error<E>(
    operation: Operation,
    err: SdkError<E, HttpResponse>,
) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    map_sdk_error(operation, err, |e| match e.code() {
        // The file id is not on this case (or the case is not in the domain): the caller's
        // mistake, unlike a missing instance, which StartAttachedFileUpload reports.
        Some("ResourceNotFoundException") if operation == Operation::CompleteAttachedFileUpload => {
            Some(ApiError::field(
                "FileId",
                "no such file on this case; start the upload first",
            ))
        }
        // Cases answers for a case that is not in the domain.
        Some("ResourceNotFoundException")
            if matches!(
                operation,
                Operation::SearchRelatedItems | Operation::CreateRelatedItem
            ) =>
        {
            Some(ApiError::field(
                "CaseId",
                "no such case in the Cases domain",
            ))
        }
        _ => None,
    })
}

pub(super) fn map_start_chat_error(
    operation: Operation,
    err: SdkError<StartChatContactError, HttpResponse>,
    referenced_contact: Option<&'static str>,
) -> ApiError {
    map_sdk_error(operation, err, |e| match e {
        StartChatContactError::InvalidRequestException(_)
        | StartChatContactError::InvalidParameterException(_) => Some(rejected(e)),
        StartChatContactError::ResourceNotFoundException(_) if referenced_contact.is_some() => {
            referenced_contact.map(|field| ApiError::ContactNotFound { field })
        }
        StartChatContactError::ResourceNotFoundException(_) => Some(ApiError::Misconfigured(
            "Connect returned ResourceNotFoundException for StartChatContact: check that \
             CONNECT_INSTANCE_ID and CONNECT_CONTACT_FLOW_ID name an existing instance and a \
             published contact flow in this region"
                .into(),
        )),
        StartChatContactError::LimitExceededException(_) => Some(ApiError::QuotaExceeded),
        StartChatContactError::InternalServiceException(_) => {
            Some(ApiError::UpstreamFailure("InternalServiceException".into()))
        }
        _ => None,
    })
}

pub(super) fn map_participant_error<E>(
    operation: Operation,
    err: SdkError<E, HttpResponse>,
) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    map_sdk_error(operation, err, |_| None)
}

fn rejected(e: &impl ProvideErrorMetadata) -> ApiError {
    ApiError::UpstreamRejected {
        upstream_code: e.code().unwrap_or("unknown").to_owned(),
    }
}

/// The common translation: a typed classification first, then the error code Connect sent,
/// then the HTTP status.
fn map_sdk_error<E>(
    operation: Operation,
    err: SdkError<E, HttpResponse>,
    classify: impl Fn(&E) -> Option<ApiError>,
) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let name = operation.name();
    let aws_request_id = err.request_id().map(str::to_owned);
    let mapped = match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let status = service.raw().status().as_u16();
            classify(e).unwrap_or_else(|| by_code_or_status(operation, e, status))
        }
        SdkError::TimeoutError(_) => ApiError::UpstreamTimeout,
        SdkError::DispatchFailure(failure) => {
            if failure.is_timeout() {
                ApiError::UpstreamTimeout
            } else {
                ApiError::UpstreamUnavailable(format!("{name}: connection failed"))
            }
        }
        SdkError::ResponseError(_) => {
            ApiError::UpstreamFailure(format!("{name}: unreadable response"))
        }
        _ => ApiError::Internal(format!("{name}: request could not be built")),
    };
    let upstream_code = match &err {
        SdkError::ServiceError(service) => service.err().code().unwrap_or("unknown").to_owned(),
        other => kind_name(other).to_owned(),
    };
    if mapped.status().is_server_error() {
        tracing::error!(operation = name, upstream_code, aws_request_id, mapped = %mapped, "Connect call failed");
    } else {
        tracing::warn!(
            operation = name,
            upstream_code,
            aws_request_id,
            mapped = mapped.code(),
            "Connect call refused"
        );
    }
    mapped
}

fn by_code_or_status(operation: Operation, e: &impl ProvideErrorMetadata, status: u16) -> ApiError {
    let connect_api = operation.is_connect_api();
    let action = operation.iam_action();
    let operation = operation.name();
    match e.code() {
        // AWS's authentication layer: the function's credentials or signing are wrong.
        Some(
            code @ ("UnrecognizedClientException"
            | "InvalidSignatureException"
            | "IncompleteSignatureException"
            | "MissingAuthenticationTokenException"
            | "ExpiredTokenException"),
        ) => ApiError::Misconfigured(format!(
            "{operation}: AWS rejected the function's credentials ({code})"
        )),
        Some("AccessDeniedException") if connect_api => ApiError::Misconfigured(format!(
            "AWS denied {operation}: the function's role must allow {action} \
             on the configured instance (and contact flow or Cases domain)"
        )),
        Some("AccessDeniedException") => ApiError::AccessDenied,
        Some("ValidationException")
        | Some("InvalidRequestException")
        | Some("InvalidParameterException") => rejected(e),
        Some("ThrottlingException") | Some("TooManyRequestsException") => ApiError::Throttled,
        Some("ServiceQuotaExceededException") | Some("LimitExceededException") => {
            ApiError::QuotaExceeded
        }
        Some("ConflictException") | Some("ResourceConflictException") => ApiError::Conflict,
        Some("ResourceNotFoundException") => ApiError::Misconfigured(format!(
            "{operation}: Connect returned ResourceNotFoundException"
        )),
        _ => match status {
            401 | 403 if connect_api => ApiError::Misconfigured(format!(
                "{operation}: AWS refused the request (HTTP {status})"
            )),
            401 | 403 => ApiError::AccessDenied,
            409 => ApiError::Conflict,
            429 => ApiError::Throttled,
            400..=499 => rejected(e),
            503 => ApiError::UpstreamUnavailable(format!("{operation}: HTTP 503")),
            504 => ApiError::UpstreamTimeout,
            _ => ApiError::UpstreamFailure(format!(
                "{operation}: {} (HTTP {status})",
                e.code().unwrap_or("unknown error")
            )),
        },
    }
}

fn kind_name<E, R>(err: &SdkError<E, R>) -> &'static str {
    match err {
        SdkError::ConstructionFailure(_) => "ConstructionFailure",
        SdkError::TimeoutError(_) => "TimeoutError",
        SdkError::DispatchFailure(_) => "DispatchFailure",
        SdkError::ResponseError(_) => "ResponseError",
        SdkError::ServiceError(_) => "ServiceError",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_connect::types::error::{
        InternalServiceException, LimitExceededException, ResourceNotFoundException,
    };
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn response(status: u16) -> HttpResponse {
        HttpResponse::new(status.try_into().expect("a valid status"), SdkBody::empty())
    }

    fn metadata(code: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).message("m").build()
    }

    #[test]
    fn operations_know_whether_the_role_or_the_customer_is_refused() {
        assert!(Operation::StartChatContact.is_connect_api());
        assert!(Operation::CompleteAttachedFileUpload.is_connect_api());
        assert!(!Operation::StartAttachmentUpload.is_connect_api());
        assert_eq!(
            Operation::StartAttachedFileUpload.name(),
            "StartAttachedFileUpload"
        );
    }

    #[test]
    fn codes_map_to_our_errors_by_operation_kind() {
        let cases = [
            (
                Operation::StartChatContact,
                "ThrottlingException",
                400,
                "Throttled",
            ),
            (
                Operation::StartAttachmentUpload,
                "TooManyRequestsException",
                429,
                "Throttled",
            ),
            (
                Operation::StartAttachmentUpload,
                "ServiceQuotaExceededException",
                402,
                "QuotaExceeded",
            ),
            (
                Operation::StartChatContact,
                "AccessDeniedException",
                403,
                "Misconfigured",
            ),
            (
                Operation::StartAttachmentUpload,
                "AccessDeniedException",
                403,
                "AccessDenied",
            ),
            (
                Operation::CompleteAttachmentUpload,
                "ConflictException",
                409,
                "Conflict",
            ),
            (
                Operation::StartAttachedFileUpload,
                "ResourceConflictException",
                409,
                "Conflict",
            ),
            (
                Operation::StartAttachmentUpload,
                "ValidationException",
                400,
                "UpstreamRejected",
            ),
            (
                Operation::StartChatContact,
                "InvalidSignatureException",
                403,
                "Misconfigured",
            ),
            (
                Operation::StartAttachmentUpload,
                "ExpiredTokenException",
                403,
                "Misconfigured",
            ),
            (
                Operation::StartChatContact,
                "ResourceNotFoundException",
                404,
                "Misconfigured",
            ),
            // Unknown codes fall back to the status.
            (
                Operation::StartAttachmentUpload,
                "Whatever",
                403,
                "AccessDenied",
            ),
            (
                Operation::StartChatContact,
                "Whatever",
                403,
                "Misconfigured",
            ),
            (
                Operation::StartAttachmentUpload,
                "Whatever",
                429,
                "Throttled",
            ),
            (
                Operation::StartAttachmentUpload,
                "Whatever",
                422,
                "UpstreamRejected",
            ),
            (
                Operation::StartAttachmentUpload,
                "Whatever",
                503,
                "UpstreamUnavailable",
            ),
            (
                Operation::StartAttachmentUpload,
                "Whatever",
                504,
                "UpstreamTimeout",
            ),
            (
                Operation::StartAttachmentUpload,
                "Whatever",
                500,
                "UpstreamFailure",
            ),
        ];
        for (operation, code, status, expected) in cases {
            let mapped = by_code_or_status(operation, &metadata(code), status);
            assert_eq!(mapped.code(), expected, "{operation:?} {code} {status}");
        }
    }

    #[test]
    fn start_chat_errors_are_classified_by_their_type_first() {
        let service = |error: StartChatContactError| SdkError::service_error(error, response(400));
        let limit = StartChatContactError::LimitExceededException(
            LimitExceededException::builder().message("m").build(),
        );
        assert_eq!(
            map_start_chat_error(Operation::StartChatContact, service(limit), None),
            ApiError::QuotaExceeded
        );
        let missing = || {
            StartChatContactError::ResourceNotFoundException(
                ResourceNotFoundException::builder().message("m").build(),
            )
        };
        assert_eq!(
            map_start_chat_error(
                Operation::StartChatContact,
                service(missing()),
                Some("RelatedContactId")
            ),
            ApiError::ContactNotFound {
                field: "RelatedContactId"
            }
        );
        assert_eq!(
            map_start_chat_error(Operation::StartChatContact, service(missing()), None).code(),
            "Misconfigured"
        );
        let internal = StartChatContactError::InternalServiceException(
            InternalServiceException::builder().message("m").build(),
        );
        assert_eq!(
            map_start_chat_error(Operation::StartChatContact, service(internal), None).code(),
            "UpstreamFailure"
        );
    }

    #[test]
    fn transport_failures_map_to_timeouts_and_unavailability() {
        let timeout: SdkError<ErrorMetadata, HttpResponse> =
            SdkError::timeout_error("attempt timed out");
        assert_eq!(
            map_participant_error(Operation::StartAttachmentUpload, timeout),
            ApiError::UpstreamTimeout
        );
        let refused: SdkError<ErrorMetadata, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::io("connection refused".into()));
        assert_eq!(
            map_participant_error(Operation::StartAttachmentUpload, refused).code(),
            "UpstreamUnavailable"
        );
        let slow: SdkError<ErrorMetadata, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::timeout("connect timed out".into()));
        assert_eq!(
            map_participant_error(Operation::CompleteAttachmentUpload, slow),
            ApiError::UpstreamTimeout
        );
        let garbled: SdkError<ErrorMetadata, HttpResponse> =
            SdkError::response_error("not JSON", response(200));
        assert_eq!(
            map_participant_error(Operation::StartAttachmentUpload, garbled).code(),
            "UpstreamFailure"
        );
    }

    #[test]
    fn a_missing_case_file_is_the_callers_mistake_only_on_complete() {
        let missing =
            || SdkError::service_error(metadata("ResourceNotFoundException"), response(404));
        assert_eq!(
            map_case_file_error(Operation::CompleteAttachedFileUpload, missing()).code(),
            "InvalidField"
        );
        assert_eq!(
            map_case_file_error(Operation::StartAttachedFileUpload, missing()).code(),
            "Misconfigured"
        );
    }
}
