//! The one place connect-local writes AWS errors, the way restJson1 services do: the status of
//! the error shape, `x-amzn-ErrorType: <Shape>`, `x-amzn-RequestId`, and a JSON body carrying
//! the message as both `Message` (read by the Rust SDK's typed errors) and `message` (read by
//! the JS SDK in chatjs), plus the shape's extra members.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// A modelled (or AWS-wide) error, ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsError {
    pub status: StatusCode,
    pub error_type: &'static str,
    pub message: String,
    pub extra: Map<String, Value>,
}

impl AwsError {
    /// An error of a known shape; the status comes from [`status_of`].
    pub fn new(error_type: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: status_of(error_type),
            error_type,
            message: message.into(),
            extra: Map::new(),
        }
    }

    /// Adds a member such as `Reason`, `ResourceId` or `ResourceType`.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_owned(), value);
        self
    }

    /// Participant `ValidationException` / Connect `InvalidParameterException` for a field that
    /// breaks its model constraint, in the wording AWS services use.
    pub fn validation(error_type: &'static str, field: &str, constraint: &str) -> Self {
        Self::new(
            error_type,
            format!("1 validation error detected: Value at '{field}' failed to satisfy constraint: {constraint}"),
        )
    }

    /// Participant AccessDeniedException, as the real service words it.
    pub fn access_denied() -> Self {
        Self::new("AccessDeniedException", "Access denied")
    }
}

/// HTTP status of each error shape (Smithy `httpError`, or AWS's auth layer for the last group).
pub fn status_of(error_type: &str) -> StatusCode {
    match error_type {
        "ValidationException" | "InvalidRequestException" | "InvalidParameterException" => {
            StatusCode::BAD_REQUEST
        }
        "ServiceQuotaExceededException" => StatusCode::PAYMENT_REQUIRED,
        "AccessDeniedException" => StatusCode::FORBIDDEN,
        "ResourceNotFoundException" => StatusCode::NOT_FOUND,
        "ConflictException" | "ResourceConflictException" => StatusCode::CONFLICT,
        "ThrottlingException" | "LimitExceededException" | "TooManyRequestsException" => {
            StatusCode::TOO_MANY_REQUESTS
        }
        "InternalServerException" | "InternalServiceException" => StatusCode::INTERNAL_SERVER_ERROR,
        "ServiceUnavailableException" => StatusCode::SERVICE_UNAVAILABLE,
        "InvalidSignatureException"
        | "UnrecognizedClientException"
        | "MissingAuthenticationTokenException"
        | "IncompleteSignatureException" => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// An operation's JSON answer, or its error.
pub fn respond(result: Result<serde_json::Value, AwsError>) -> Response {
    match result {
        Ok(value) => axum::Json(value).into_response(),
        Err(err) => err.into_response(),
    }
}

impl IntoResponse for AwsError {
    fn into_response(self) -> Response {
        let mut body = self.extra;
        body.insert("Message".into(), json!(self.message));
        body.insert("message".into(), json!(self.message));
        let mut response = (self.status, axum::Json(Value::Object(body))).into_response();
        let headers = response.headers_mut();
        headers.insert(
            "x-amzn-ErrorType",
            HeaderValue::from_static(self.error_type),
        );
        if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            headers.insert("x-amzn-RequestId", id);
        }
        response
    }
}
