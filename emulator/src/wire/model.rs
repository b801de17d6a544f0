//! The AWS service models connect-local follows (`emulator/models/`, taken from botocore by
//! `scripts/update-models.py`) and the input validation they drive: every request is checked
//! against its operation's input shape (required members, lengths, ranges, enums, patterns,
//! list and map sizes, unions) before anything is looked up, as the real services do.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::{Map, Value};

/// One service model: its operations and shapes, as botocore's JSON has them.
pub struct Service {
    operations: Map<String, Value>,
    shapes: Map<String, Value>,
    patterns: HashMap<String, Option<fancy_regex::Regex>>,
}

/// Amazon Connect (only the operations connect-local serves).
pub static CONNECT: LazyLock<Service> =
    LazyLock::new(|| Service::parse(include_str!("../../models/connect.json")));
/// The Amazon Connect Participant Service.
pub static PARTICIPANT: LazyLock<Service> =
    LazyLock::new(|| Service::parse(include_str!("../../models/connectparticipant.json")));
/// Amazon Connect Cases (only the operations connect-local serves).
pub static CASES: LazyLock<Service> =
    LazyLock::new(|| Service::parse(include_str!("../../models/connectcases.json")));

/// Deepest nesting checked; recursive shapes (segment attribute values) stop here.
const MAX_DEPTH: usize = 24;

/// The parts of a request the model's members are bound to.
#[derive(Default)]
pub struct RequestParts<'a> {
    /// The JSON body (members without a location).
    pub body: Option<&'a Map<String, Value>>,
    /// Path labels (`location: uri`) by their name in the path.
    pub labels: &'a [(&'a str, &'a str)],
    /// Query members (`location: querystring`).
    pub query: Option<&'a HashMap<String, String>>,
    /// Header members (`location: header`).
    pub headers: Option<&'a http::HeaderMap>,
}

/// A query string's values by key, the values of a repeated key joined by newlines (how
/// restJson1 sends a list member of the query).
pub fn join_repeated(query: &str) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = HashMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |text: &str| {
            percent_encoding::percent_decode_str(&text.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        out.entry(decode(key))
            .and_modify(|v| {
                v.push('\n');
                v.push_str(&decode(value));
            })
            .or_insert_with(|| decode(value));
    }
    out
}

/// The first constraint a request breaks: where, and which rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub path: String,
    pub constraint: String,
}

impl Violation {
    fn new(path: &str, constraint: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            constraint: constraint.into(),
        }
    }

    /// The message AWS services write for one broken constraint (the value is not echoed).
    pub fn message(&self) -> String {
        format!(
            "1 validation error detected: Value at '{}' failed to satisfy constraint: {}",
            self.path, self.constraint
        )
    }
}

impl Service {
    fn parse(text: &str) -> Self {
        let model: Value = serde_json::from_str(text).expect("checked-in model is valid JSON");
        let take = |key: &str| match &model[key] {
            Value::Object(map) => map.clone(),
            _ => Map::new(),
        };
        let shapes = take("shapes");
        let patterns = shapes
            .iter()
            .filter_map(|(name, shape)| {
                let pattern = shape.get("pattern")?.as_str()?;
                Some((name.clone(), fancy_regex::Regex::new(pattern).ok()))
            })
            .collect();
        Self {
            operations: take("operations"),
            shapes,
            patterns,
        }
    }

    /// Whether the model has this operation.
    pub fn has_operation(&self, operation: &str) -> bool {
        self.operations.contains_key(operation)
    }

    /// The operation's name as the model spells it.
    pub fn operation_name(&'static self, operation: &str) -> Option<&'static str> {
        self.operations
            .get_key_value(operation)
            .map(|(name, _)| name.as_str())
    }

    /// The values of an enum shape (empty for any other shape).
    pub fn enum_values(&'static self, shape: &str) -> Vec<&'static str> {
        self.shapes
            .get(shape)
            .and_then(|s| s["enum"].as_array())
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    }

    /// The error shapes the model lists for an operation.
    pub fn errors_of(&'static self, operation: &str) -> Vec<&'static str> {
        self.operations
            .get(operation)
            .and_then(|op| op["errors"].as_array())
            .into_iter()
            .flatten()
            .filter_map(|error| error["shape"].as_str())
            .collect()
    }

    /// Checks a request against the operation's input shape.
    pub fn validate(&self, operation: &str, request: &RequestParts<'_>) -> Result<(), Violation> {
        let Some(input) = self.operations[operation]["input"]["shape"].as_str() else {
            return Ok(());
        };
        let shape = &self.shapes[input];
        let empty = Map::new();
        let body = request.body.unwrap_or(&empty);
        let members = shape["members"].as_object().cloned().unwrap_or_default();
        for (name, member) in &members {
            let location_name = member["locationName"].as_str().unwrap_or(name);
            let target = member["shape"].as_str().unwrap_or_default();
            let bound: Option<Value> = match member["location"].as_str() {
                Some("uri") => request
                    .labels
                    .iter()
                    .find(|(label, _)| *label == location_name)
                    .map(|(_, v)| self.scalar_from_text(target, v)),
                Some("querystring") => request
                    .query
                    .and_then(|q| q.get(location_name))
                    .map(|v| self.scalar_from_text(target, v)),
                Some("header") => request
                    .headers
                    .and_then(|h| h.get(location_name))
                    .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned())),
                _ => body.get(location_name).cloned(),
            };
            self.check_member(shape, name, bound.as_ref(), name, 0)?;
        }
        Ok(())
    }

    /// A label, query or header value as the JSON value its shape has. A list member of the
    /// query arrives as its repeated keys' values joined by newlines ([`join_repeated`]).
    fn scalar_from_text(&self, shape: &str, text: &str) -> Value {
        match self.shapes[shape]["type"].as_str() {
            Some("list") => {
                let member = self.shapes[shape]["member"]["shape"]
                    .as_str()
                    .unwrap_or_default();
                Value::Array(
                    text.split('\n')
                        .map(|item| self.scalar_from_text(member, item))
                        .collect(),
                )
            }
            Some("integer" | "long") => text
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(text.to_owned())),
            Some("boolean") => match text {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(text.to_owned()),
            },
            _ => Value::String(text.to_owned()),
        }
    }

    fn check_member(
        &self,
        parent: &Value,
        name: &str,
        value: Option<&Value>,
        path: &str,
        depth: usize,
    ) -> Result<(), Violation> {
        let required = parent["required"]
            .as_array()
            .is_some_and(|r| r.iter().any(|n| n == name));
        match value {
            None | Some(Value::Null) if required => {
                Err(Violation::new(path, "Member must not be null"))
            }
            None | Some(Value::Null) => Ok(()),
            Some(value) => {
                let target = parent["members"][name]["shape"]
                    .as_str()
                    .unwrap_or_default();
                self.check(target, value, path, depth)
            }
        }
    }

    fn check(
        &self,
        shape_name: &str,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), Violation> {
        if depth > MAX_DEPTH {
            return Err(Violation::new(path, "Member must not nest this deep"));
        }
        let shape = &self.shapes[shape_name];
        match shape["type"].as_str().unwrap_or_default() {
            "string" => {
                let Value::String(text) = value else {
                    return Err(Violation::new(path, "Member must be a string"));
                };
                self.check_length(shape, text.chars().count(), path)?;
                if let Some(values) = shape["enum"].as_array() {
                    if !values.iter().any(|v| v == text) {
                        let set: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
                        return Err(Violation::new(
                            path,
                            format!("Member must satisfy enum value set: [{}]", set.join(", ")),
                        ));
                    }
                }
                if let Some(Some(regex)) = self.patterns.get(shape_name) {
                    if !regex.is_match(text).unwrap_or(false) {
                        return Err(Violation::new(
                            path,
                            format!(
                                "Member must satisfy regular expression pattern: {}",
                                shape["pattern"].as_str().unwrap_or_default()
                            ),
                        ));
                    }
                }
                Ok(())
            }
            "integer" | "long" => {
                let Some(number) = value.as_i64() else {
                    return Err(Violation::new(path, "Member must be an integer"));
                };
                let limit = if shape["type"] == "integer" {
                    i64::from(i32::MAX)
                } else {
                    i64::MAX
                };
                if number.abs() > limit {
                    return Err(Violation::new(path, "Member must fit its integer type"));
                }
                if let Some(min) = shape["min"].as_i64().filter(|min| number < *min) {
                    return Err(Violation::new(
                        path,
                        format!("Member must have value greater than or equal to {min}"),
                    ));
                }
                if let Some(max) = shape["max"].as_i64().filter(|max| number > *max) {
                    return Err(Violation::new(
                        path,
                        format!("Member must have value less than or equal to {max}"),
                    ));
                }
                Ok(())
            }
            "boolean" => match value {
                Value::Bool(_) => Ok(()),
                _ => Err(Violation::new(path, "Member must be a boolean")),
            },
            "double" | "float" => match value {
                Value::Number(_) => Ok(()),
                _ => Err(Violation::new(path, "Member must be a number")),
            },
            "timestamp" => match value {
                Value::Number(_) | Value::String(_) => Ok(()),
                _ => Err(Violation::new(path, "Member must be a timestamp")),
            },
            "list" => {
                let Value::Array(items) = value else {
                    return Err(Violation::new(path, "Member must be a list"));
                };
                self.check_length(shape, items.len(), path)?;
                let member = shape["member"]["shape"].as_str().unwrap_or_default();
                for (index, item) in items.iter().enumerate() {
                    let item_path = format!("{path}.{}.member", index + 1);
                    if item.is_null() {
                        return Err(Violation::new(&item_path, "Member must not be null"));
                    }
                    self.check(member, item, &item_path, depth + 1)?;
                }
                Ok(())
            }
            "map" => {
                let Value::Object(entries) = value else {
                    return Err(Violation::new(path, "Member must be a map"));
                };
                self.check_length(shape, entries.len(), path)?;
                let key_shape = shape["key"]["shape"].as_str().unwrap_or_default();
                let value_shape = shape["value"]["shape"].as_str().unwrap_or_default();
                for (key, entry) in entries {
                    self.check(
                        key_shape,
                        &Value::String(key.clone()),
                        &format!("{path}.key"),
                        depth + 1,
                    )?;
                    let entry_path = format!("{path}.{key}");
                    if entry.is_null() {
                        return Err(Violation::new(&entry_path, "Member must not be null"));
                    }
                    self.check(value_shape, entry, &entry_path, depth + 1)?;
                }
                Ok(())
            }
            "structure" => {
                let Value::Object(object) = value else {
                    return Err(Violation::new(path, "Member must be a structure"));
                };
                let members = shape["members"].as_object().cloned().unwrap_or_default();
                if shape["union"] == true {
                    let set = members
                        .keys()
                        .filter(|name| object.get(*name).is_some_and(|v| !v.is_null()))
                        .count();
                    if set != 1 {
                        return Err(Violation::new(
                            path,
                            "Member must have exactly one member set",
                        ));
                    }
                }
                for name in members.keys() {
                    self.check_member(
                        shape,
                        name,
                        object.get(name),
                        &format!("{path}.{name}"),
                        depth + 1,
                    )?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn check_length(&self, shape: &Value, length: usize, path: &str) -> Result<(), Violation> {
        let length = length as i64;
        if let Some(min) = shape["min"].as_i64().filter(|min| length < *min) {
            return Err(Violation::new(
                path,
                format!("Member must have length greater than or equal to {min}"),
            ));
        }
        if let Some(max) = shape["max"].as_i64().filter(|max| length > *max) {
            return Err(Violation::new(
                path,
                format!("Member must have length less than or equal to {max}"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    fn start_chat(value: Value) -> Result<(), Violation> {
        let body = body(value);
        CONNECT.validate(
            "StartChatContact",
            &RequestParts {
                body: Some(&body),
                ..Default::default()
            },
        )
    }

    #[test]
    fn every_pattern_in_the_models_compiles() {
        for service in [&*CONNECT, &*PARTICIPANT, &*CASES] {
            for (name, regex) in &service.patterns {
                assert!(regex.is_some(), "pattern of {name} does not compile");
            }
        }
    }

    #[test]
    fn a_valid_start_chat_passes_and_each_broken_rule_names_its_member() {
        let valid = json!({
            "InstanceId": "i", "ContactFlowId": "f",
            "ParticipantDetails": {"DisplayName": "Ana"},
            "SegmentAttributes": {"connect:Subtype": {"ValueString": "connect:Guide"}},
            "DisconnectOnCustomerExit": ["AGENT"],
        });
        assert_eq!(start_chat(valid.clone()), Ok(()));
        let mut no_name = valid.clone();
        no_name["ParticipantDetails"] = json!({});
        assert_eq!(
            start_chat(no_name).unwrap_err().path,
            "ParticipantDetails.DisplayName"
        );
        let mut two_exits = valid.clone();
        two_exits["DisconnectOnCustomerExit"] = json!(["AGENT", "AGENT"]);
        assert!(start_chat(two_exits)
            .unwrap_err()
            .constraint
            .contains("less than or equal to 1"));
        let mut bad_enum = valid;
        bad_enum["ParticipantConfiguration"] = json!({"ResponseMode": "STREAM"});
        let violation = start_chat(bad_enum).unwrap_err();
        assert_eq!(violation.path, "ParticipantConfiguration.ResponseMode");
        assert!(violation.constraint.contains("INCREMENTAL, COMPLETE"));
    }

    #[test]
    fn labels_and_queries_are_checked_with_their_types() {
        let query = HashMap::from([
            (
                "associatedResourceArn".to_owned(),
                "arn:aws:cases:x".to_owned(),
            ),
            ("urlExpiryInSeconds".to_owned(), "301".to_owned()),
        ]);
        let labels = [("InstanceId", "i"), ("FileId", "f")];
        let violation = CONNECT
            .validate(
                "GetAttachedFile",
                &RequestParts {
                    labels: &labels,
                    query: Some(&query),
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert_eq!(violation.path, "UrlExpiryInSeconds");
        assert!(violation.constraint.contains("less than or equal to 300"));
    }

    #[test]
    fn unions_take_exactly_one_member() {
        let body = body(
            json!({"type": "File", "content": {"file": {"fileArn": "a"}, "comment": {"body": "b", "contentType": "Text/Plain"}}}),
        );
        let labels = [("domainId", "d"), ("caseId", "c")];
        let violation = CASES
            .validate(
                "CreateRelatedItem",
                &RequestParts {
                    body: Some(&body),
                    labels: &labels,
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert_eq!(violation.path, "content");
    }
}
