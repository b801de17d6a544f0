//! InvokeLambdaFunction: the `ContactFlowEvent` Connect sends, delivered through the standard
//! Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`) to a configured
//! endpoint such as `cargo lambda watch`, and the checks Connect makes on the answer.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde_json::{Map, Value};

use crate::flow::language::lambda_function_name as function_name;

/// Largest answer a flow accepts from a function.
pub const MAX_RESPONSE_BYTES: usize = 32 * 1024;
/// Tries for a throttled or failing invoke (Connect retries up to three times).
const TRIES: u32 = 4;

/// How the flow reads the function's answer (`ResponseValidation.ResponseType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// A flat object of strings (the default).
    StringMap,
    /// Any JSON object, nesting allowed.
    Json,
}

/// Why an invoke takes the error branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvokeError {
    NoEndpoint,
    NotAFunction,
    Timeout,
    Unreachable(String),
    Status(u16),
    FunctionError(String),
    TooLarge(usize),
    NotAnObject,
    NotFlat(String),
}

impl std::fmt::Display for InvokeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoEndpoint => f.write_str("no Lambda endpoint is configured (--lambda-endpoint)"),
            Self::NotAFunction => f.write_str("LambdaFunctionARN is not a Lambda function ARN"),
            Self::Timeout => {
                f.write_str("the function did not answer within InvocationTimeLimitSeconds")
            }
            Self::Unreachable(e) => write!(f, "the Lambda endpoint did not answer: {e}"),
            Self::Status(s) => write!(f, "the Lambda endpoint answered HTTP {s}"),
            Self::FunctionError(kind) => write!(f, "the function failed ({kind})"),
            Self::TooLarge(n) => {
                write!(f, "the answer is {n} bytes, more than {MAX_RESPONSE_BYTES}")
            }
            Self::NotAnObject => f.write_str("the answer is not a JSON object"),
            Self::NotFlat(key) => write!(
                f,
                "the answer's {key} is not a string (STRING_MAP answers are flat strings)"
            ),
        }
    }
}

/// Invokes the function synchronously; returns the answer that becomes `$.External`.
pub async fn invoke(
    endpoint: Option<&str>,
    arn: &str,
    event: &Value,
    limit: Duration,
    response_type: ResponseType,
) -> Result<Map<String, Value>, InvokeError> {
    let endpoint = endpoint.ok_or(InvokeError::NoEndpoint)?;
    let (name, qualifier) = function_name(arn).ok_or(InvokeError::NotAFunction)?;
    let mut url = format!(
        "{}/2015-03-31/functions/{}/invocations",
        endpoint.trim_end_matches('/'),
        percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
    );
    if let Some(q) = qualifier {
        url.push_str(&format!(
            "?Qualifier={}",
            percent_encoding::utf8_percent_encode(&q, percent_encoding::NON_ALPHANUMERIC)
        ));
    }
    let body = Bytes::from(event.to_string());
    let (status, function_error, bytes) =
        tokio::time::timeout(limit, send_with_retries(&url, body))
            .await
            .map_err(|_| InvokeError::Timeout)??;
    if let Some(kind) = function_error {
        return Err(InvokeError::FunctionError(kind));
    }
    if !(200..300).contains(&status) {
        return Err(InvokeError::Status(status));
    }
    if bytes.len() > MAX_RESPONSE_BYTES {
        return Err(InvokeError::TooLarge(bytes.len()));
    }
    let Ok(Value::Object(answer)) = serde_json::from_slice::<Value>(&bytes) else {
        return Err(InvokeError::NotAnObject);
    };
    if response_type == ResponseType::StringMap {
        if let Some((key, _)) = answer.iter().find(|(_, v)| !v.is_string()) {
            return Err(InvokeError::NotFlat(key.clone()));
        }
    }
    Ok(answer)
}

/// Posts the event, trying again on 429 and 5xx answers.
async fn send_with_retries(
    url: &str,
    body: Bytes,
) -> Result<(u16, Option<String>, Bytes), InvokeError> {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let mut last = InvokeError::Unreachable("not tried".into());
    for attempt in 0..TRIES {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
        }
        let request = http::Request::post(url)
            .header("content-type", "application/json")
            .body(Full::new(body.clone()))
            .map_err(|e| InvokeError::Unreachable(e.to_string()))?;
        let response = match client.request(request).await {
            Ok(response) => response,
            Err(e) => {
                last = InvokeError::Unreachable(e.to_string());
                continue;
            }
        };
        let status = response.status().as_u16();
        let function_error = response
            .headers()
            .get("x-amz-function-error")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| InvokeError::Unreachable(e.to_string()))?
            .to_bytes();
        if status == 429 || status >= 500 {
            last = InvokeError::Status(status);
            continue;
        }
        return Ok((status, function_error, bytes));
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_come_from_arns() {
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123456789012:function:order-lookup"),
            Some(("order-lookup".into(), None))
        );
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123456789012:function:f:live"),
            Some(("f".into(), Some("live".into())))
        );
        assert_eq!(function_name("order-lookup"), None);
        assert_eq!(function_name("arn:aws:sns:us-east-1:1:function:x"), None);
    }
}
