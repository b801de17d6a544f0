//! Requests checked against the service models' constraints (length, range, enum, required,
//! pattern), each failure answered with the invalid-input error the operation models; then
//! typed reads of the checked body, which repeat none of the model's rules.

use serde_json::{Map, Value};

use crate::wire::errors::AwsError;
use crate::wire::model::{RequestParts, Service};

/// Checks a request against its operation's input shape in `service`'s model; the first broken
/// constraint becomes `error_type` (the shape the operation models for invalid input).
pub fn against_model(
    service: &Service,
    operation: &str,
    parts: &RequestParts<'_>,
    error_type: &'static str,
) -> Result<(), AwsError> {
    service
        .validate(operation, parts)
        .map_err(|violation| AwsError::new(error_type, violation.message()))
}

/// A parsed JSON request body and the error shape its violations produce.
pub struct Input {
    pub body: Map<String, Value>,
    error_type: &'static str,
}

impl Input {
    /// Parses a body; an empty body counts as `{}` (the SDKs send `{}` for empty inputs).
    pub fn parse(bytes: &[u8], error_type: &'static str) -> Result<Self, AwsError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self {
                body: Map::new(),
                error_type,
            });
        }
        match serde_json::from_slice(bytes) {
            Ok(Value::Object(body)) => Ok(Self { body, error_type }),
            _ => Err(AwsError::new(
                error_type,
                "Request body is not a valid JSON object",
            )),
        }
    }

    /// A nested object checked with the same error shape.
    pub fn nested(&self, body: Map<String, Value>) -> Self {
        Self {
            body,
            error_type: self.error_type,
        }
    }

    /// A constraint violation on `field`.
    pub fn invalid(&self, field: &str, constraint: &str) -> AwsError {
        AwsError::validation(self.error_type, field, constraint)
    }

    /// An optional string member. Its length, pattern and enum were checked against the model
    /// before the handler runs; this only reads it.
    pub fn opt_str(&self, field: &str) -> Result<Option<String>, AwsError> {
        opt_str_in(&self.body, field, field, self.error_type)
    }

    /// A required string member.
    pub fn str(&self, field: &str) -> Result<String, AwsError> {
        self.opt_str(field)?
            .ok_or_else(|| self.invalid(field, "Member must not be null"))
    }

    /// An optional integer member (its range is the model's).
    pub fn opt_int(&self, field: &str) -> Result<Option<i64>, AwsError> {
        match self.body.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.invalid(field, "Member must be an integer")),
        }
    }

    /// An optional object member.
    pub fn opt_object(&self, field: &str) -> Result<Option<&Map<String, Value>>, AwsError> {
        match self.body.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(_) => Err(self.invalid(field, "Member must be a structure")),
        }
    }

    /// An optional list of strings (its sizes are the model's).
    pub fn opt_str_list(&self, field: &str) -> Result<Option<Vec<String>>, AwsError> {
        let Some(value) = self.body.get(field).filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(self.invalid(field, "Member must be a list"));
        };
        items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| self.invalid(field, "Member must be a list of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// The shape that violations produce.
    pub fn error_type(&self) -> &'static str {
        self.error_type
    }
}

/// An optional string inside any object; `path` names it in the message.
pub fn opt_str_in(
    object: &Map<String, Value>,
    key: &str,
    path: &str,
    error_type: &'static str,
) -> Result<Option<String>, AwsError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(AwsError::validation(
            error_type,
            path,
            "Member must be a string",
        )),
    }
}
