//! HTTP plumbing shared by every route: reading the JSON body whatever its Content-Type or
//! encoding, CORS headers, and the single JSON response helper that every answer (success or
//! error) goes through.

use http::header::{HeaderValue, ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_TYPE, VARY};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{json, Map, Value};

use crate::error::ApiError;

/// Largest request body any route accepts. Real requests are a few hundred bytes; attributes
/// are capped at 32 KiB by Connect.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Request headers the browser may send (answered in CORS preflights).
pub const ALLOWED_REQUEST_HEADERS: &str =
    "authorization, content-type, idempotency-key, x-amz-bearer";
/// Response headers a browser script may read.
const EXPOSED_RESPONSE_HEADERS: &str = "retry-after, x-request-id";
/// How long a browser may cache a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE_SECS: &str = "600";

/// Reads the body as a JSON object. The Content-Type is ignored on purpose: the official
/// chat-interface widget posts JSON as `text/plain`, and API Gateway may deliver the body
/// base64-encoded (lambda_http decodes that before we see it).
pub fn json_object_body(req: &Request) -> Result<Map<String, Value>, ApiError> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::InvalidBody(
            "a JSON object body is required".into(),
        ));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::InvalidBody(
            "the body must be a JSON object".into(),
        )),
        Err(e) => Err(ApiError::InvalidBody(format!(
            "the body is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))),
    }
}

/// A header's value as text, if present and valid UTF-8; blank counts as absent.
pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The one JSON response builder: status, JSON body, no caching (bodies may carry tokens).
pub fn json_response(status: StatusCode, body: &Value) -> Response<Body> {
    let mut response = Response::new(Body::Text(body.to_string()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The error body every failure uses:
/// `{"error":{"code","message","field"?,"requestId"?}}`, plus `Retry-After` where it applies.
pub fn error_response(err: &ApiError, request_id: Option<&str>) -> Response<Body> {
    let mut error = json!({ "code": err.code(), "message": err.public_message() });
    if let Some(field) = err.field_name() {
        error["field"] = json!(field);
    }
    if let Some(id) = request_id {
        error["requestId"] = json!(id);
    }
    let mut response = json_response(err.status(), &json!({ "error": error }));
    if let Some(secs) = err.retry_after() {
        response
            .headers_mut()
            .insert(http::header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if matches!(err, ApiError::MethodNotAllowed) {
        response.headers_mut().insert(
            http::header::ALLOW,
            HeaderValue::from_static("POST, OPTIONS"),
        );
    }
    response
}

/// The answer to a CORS preflight (`OPTIONS`): 204, with CORS headers only for allowed origins.
pub fn preflight_response() -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// Adds CORS headers for an allowed origin (`allowed_origin`, the request's own origin when
/// [`crate::config::CorsConfig::allow`] accepted it; echoed, never `*`), and `Vary: Origin` always, so caches
/// never serve one origin's answer to another. A disallowed origin gets no CORS headers.
pub fn apply_cors(
    response: &mut Response<Body>,
    allowed_origin: Option<HeaderValue>,
    preflight: bool,
) {
    let headers = response.headers_mut();
    headers.append(VARY, HeaderValue::from_static("Origin"));
    let Some(allowed) = allowed_origin else {
        return;
    };
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
    headers.insert(
        http::header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSED_RESPONSE_HEADERS),
    );
    if preflight {
        headers.insert(
            http::header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST, OPTIONS"),
        );
        headers.insert(
            http::header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOWED_REQUEST_HEADERS),
        );
        headers.insert(
            http::header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(PREFLIGHT_MAX_AGE_SECS),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: Body) -> Request {
        let mut req = Request::new(body);
        req.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain;charset=UTF-8"),
        );
        req
    }

    #[test]
    fn json_is_read_whatever_the_content_type() {
        let map = json_object_body(&request(Body::Text(r#"{"a":1}"#.into()))).unwrap();
        assert_eq!(map["a"], 1);
        let map = json_object_body(&request(Body::Binary(br#"{"b":2}"#.to_vec()))).unwrap();
        assert_eq!(map["b"], 2);
    }

    #[test]
    fn bad_bodies_are_client_errors() {
        for body in [
            Body::Empty,
            Body::Text("  ".into()),
            Body::Text("[1]".into()),
            Body::Text("{".into()),
        ] {
            assert_eq!(
                json_object_body(&request(body)).unwrap_err().code(),
                "InvalidBody"
            );
        }
        let big = Body::Text(format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_BODY_BYTES)));
        assert_eq!(json_object_body(&request(big)).unwrap_err().status(), 413);
    }

    #[test]
    fn error_bodies_have_code_message_field_and_retry_after() {
        let resp = error_response(&ApiError::field("A.B", "is required"), Some("req-1"));
        assert_eq!(resp.status(), 400);
        let body: Value = serde_json::from_slice(resp.body().as_ref()).unwrap();
        assert_eq!(
            body,
            json!({"error": {"code": "InvalidField", "field": "A.B", "message": "is required", "requestId": "req-1"}})
        );
        let resp = error_response(&ApiError::Throttled, None);
        assert_eq!(resp.headers()["retry-after"], "1");
    }
}
