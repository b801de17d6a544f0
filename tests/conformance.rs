//! connect-local checked against the service models it follows (`emulator/models/`, read here
//! on their own, not through connect-local's validator). For every operation connect-local
//! serves, a scenario makes one valid request with real state (a chat, a connection, an
//! attachment, a case file) and checks the answer against the output shape; and, from the
//! model alone, one request per constraint of the input shape (required, length, range, enum,
//! pattern, list and map size, map keys, unions) that breaks just that constraint, expecting
//! the operation's modelled 400 error naming the member. Connect and Cases requests are signed
//! with SigV4 (aws-sigv4), Participant Service requests carry their bearer token, all over
//! plain HTTP, so nothing client-side stops an invalid request. A model update brings its new
//! members into these cases without new code here.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use connect_local::{Options, Server};
use serde_json::{json, Map, Value};

/// One service model, read from the checked-in JSON.
struct Model {
    name: &'static str,
    operations: Map<String, Value>,
    shapes: Map<String, Value>,
    /// SigV4 signing name; `None` for the bearer-token Participant Service.
    signing_name: Option<&'static str>,
}

impl Model {
    fn load(file: &str, name: &'static str, signing_name: Option<&'static str>) -> Self {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../emulator/models")
            .join(file);
        let text = std::fs::read_to_string(&path).expect("model file is checked in");
        let model: Value = serde_json::from_str(&text).expect("model is JSON");
        Self {
            name,
            operations: model["operations"].as_object().cloned().unwrap_or_default(),
            shapes: model["shapes"].as_object().cloned().unwrap_or_default(),
            signing_name,
        }
    }

    fn shape(&self, name: &str) -> &Value {
        &self.shapes[name]
    }

    fn input_shape(&self, operation: &str) -> &str {
        self.operations[operation]["input"]["shape"]
            .as_str()
            .unwrap_or_default()
    }

    /// The errors the operation models with status 400.
    fn validation_errors(&self, operation: &str) -> Vec<String> {
        self.operations[operation]["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["shape"].as_str())
            .filter(|e| self.shape(e)["error"]["httpStatusCode"] == 400)
            .map(str::to_owned)
            .collect()
    }

    fn pattern(&self, shape: &Value) -> Option<fancy_regex::Regex> {
        let pattern = shape["pattern"].as_str()?;
        Some(fancy_regex::Regex::new(pattern).expect("model pattern compiles"))
    }

    fn satisfies_string(&self, shape: &Value, text: &str) -> bool {
        let length = text.chars().count() as i64;
        shape["min"].as_i64().is_none_or(|min| length >= min)
            && shape["max"].as_i64().is_none_or(|max| length <= max)
            && self
                .pattern(shape)
                .is_none_or(|re| re.is_match(text).unwrap_or(false))
            && shape["enum"]
                .as_array()
                .is_none_or(|values| values.iter().any(|v| v == text))
    }

    /// A valid value of a shape: enums take their first value, strings the shortest run of
    /// a letter the pattern accepts, numbers their minimum, structures their required members.
    fn valid_value(&self, shape_name: &str, depth: usize) -> Value {
        let shape = self.shape(shape_name);
        match shape["type"].as_str().unwrap_or_default() {
            "string" => {
                if let Some(first) = shape["enum"].as_array().and_then(|v| v.first()) {
                    return first.clone();
                }
                let length = shape["min"].as_i64().unwrap_or(1).max(1) as usize;
                ["a", "A", "1", "x-"]
                    .iter()
                    .map(|unit| unit.repeat(length).chars().take(length).collect::<String>())
                    .find(|candidate| self.satisfies_string(shape, candidate))
                    .map(Value::String)
                    .unwrap_or_else(|| panic!("no valid value found for {shape_name}"))
            }
            "integer" | "long" => {
                let min = shape["min"].as_i64();
                let max = shape["max"].as_i64();
                json!(min.unwrap_or(1).min(max.unwrap_or(i64::MAX)))
            }
            "boolean" => json!(true),
            "double" | "float" => json!(1.0),
            "timestamp" => json!("2026-01-01T00:00:00Z"),
            "list" => {
                let count = shape["min"].as_i64().unwrap_or(0).max(1) as usize;
                let member = shape["member"]["shape"].as_str().unwrap_or_default();
                Value::Array(
                    (0..count)
                        .map(|_| self.valid_value(member, depth + 1))
                        .collect(),
                )
            }
            "map" => {
                let count = shape["min"].as_i64().unwrap_or(0).max(1) as usize;
                self.map_with(shape, count, depth)
            }
            "structure" => {
                let mut object = Map::new();
                let members = shape["members"].as_object().cloned().unwrap_or_default();
                if depth > 8 {
                    return Value::Object(object);
                }
                if shape["union"] == true {
                    if let Some((name, member)) = members.iter().next() {
                        let target = member["shape"].as_str().unwrap_or_default();
                        object.insert(name.clone(), self.valid_value(target, depth + 1));
                    }
                    return Value::Object(object);
                }
                for name in required(shape) {
                    let target = members[&name]["shape"].as_str().unwrap_or_default();
                    object.insert(name.clone(), self.valid_value(target, depth + 1));
                }
                Value::Object(object)
            }
            other => panic!("{shape_name}: no value for type {other}"),
        }
    }

    /// Model-valid values at the edges of a member's shape: every enum value, the shortest and
    /// longest strings the pattern accepts, the smallest and largest numbers.
    fn edges(&self, shape_name: &str) -> Vec<(String, Value)> {
        let shape = self.shape(shape_name);
        let mut out = Vec::new();
        match shape["type"].as_str().unwrap_or_default() {
            "string" => {
                if let Some(values) = shape["enum"].as_array() {
                    out.extend(values.iter().map(|v| (format!("enum {v}"), v.clone())));
                    return out;
                }
                let min = shape["min"].as_i64().unwrap_or(1).max(1) as usize;
                let max = shape["max"]
                    .as_i64()
                    .map_or(min, |m| m as usize)
                    .min(20_000);
                for length in [min, max] {
                    let text = "a".repeat(length);
                    if self.satisfies_string(shape, &text)
                        && !out.iter().any(|(_, v): &(String, Value)| v == &json!(text))
                    {
                        out.push((format!("{length} characters"), json!(text)));
                    }
                }
            }
            "integer" | "long" => {
                for bound in ["min", "max"] {
                    if let Some(n) = shape[bound].as_i64() {
                        out.push((format!("{bound} {n}"), json!(n)));
                    }
                }
            }
            _ => {}
        }
        out
    }

    /// The body members `value` (valid for `shape_name`) holds, at every depth it reaches, each
    /// with the edge values of its shape: (path of member names, which edge, the value). List
    /// elements are entered through the first; URI, query and header members, tokens and maps
    /// are left out.
    fn member_edges(
        &self,
        shape_name: &str,
        value: &Value,
        path: &mut Vec<String>,
        out: &mut Vec<(Vec<String>, String, Value)>,
    ) {
        let shape = self.shape(shape_name);
        match shape["type"].as_str().unwrap_or_default() {
            "structure" => {
                for (name, member) in shape["members"].as_object().into_iter().flatten() {
                    if member["location"].is_string() || name.contains("Token") {
                        continue;
                    }
                    let target = member["shape"].as_str().unwrap_or_default();
                    path.push(name.clone());
                    for (what, edge) in self.edges(target) {
                        if value.get(name) != Some(&edge) {
                            out.push((path.clone(), what, edge));
                        }
                    }
                    if let Some(inner) = value.get(name) {
                        self.member_edges(target, inner, path, out);
                    }
                    path.pop();
                }
            }
            "list" => {
                if let Some(first) = value.as_array().and_then(|items| items.first()) {
                    let member = shape["member"]["shape"].as_str().unwrap_or_default();
                    path.push("0".into());
                    self.member_edges(member, first, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// A map of `count` entries with distinct valid keys.
    fn map_with(&self, shape: &Value, count: usize, depth: usize) -> Value {
        let key_shape = self.shape(shape["key"]["shape"].as_str().unwrap_or_default());
        let value_shape = shape["value"]["shape"].as_str().unwrap_or_default();
        let mut map = Map::new();
        let mut n = 0;
        while map.len() < count {
            let key = format!("k{n}");
            n += 1;
            if self.satisfies_string(key_shape, &key) {
                map.insert(key, self.valid_value(value_shape, depth + 1));
            }
            assert!(n < 10_000, "no valid map keys");
        }
        Value::Object(map)
    }

    /// Every way to break one constraint of `value` (valid for `shape_name`), each as the
    /// whole broken value and the constraint it breaks. Shapes already on the path are not
    /// entered again (recursive shapes such as segment attribute values).
    fn violations(
        &self,
        shape_name: &str,
        value: &Value,
        seen: &BTreeSet<String>,
    ) -> Vec<(String, Option<Value>)> {
        let shape = self.shape(shape_name);
        let mut out: Vec<(String, Option<Value>)> = Vec::new();
        if seen.contains(shape_name) {
            return out;
        }
        let mut seen = seen.clone();
        seen.insert(shape_name.to_owned());
        match shape["type"].as_str().unwrap_or_default() {
            "string" => {
                if let Some(min) = shape["min"].as_i64().filter(|m| *m > 0) {
                    out.push((
                        format!("length >= {min}"),
                        Some(json!("a".repeat(min as usize - 1))),
                    ));
                }
                if let Some(max) = shape["max"].as_i64() {
                    out.push((
                        format!("length <= {max}"),
                        Some(json!("a".repeat(max as usize + 1))),
                    ));
                }
                if shape["enum"].is_array() {
                    out.push(("enum".into(), Some(json!("NOT_A_MODELLED_VALUE"))));
                }
                if let Some(re) = self.pattern(shape) {
                    let length = shape["min"].as_i64().unwrap_or(1).max(1) as usize;
                    let broken = ["\u{7}", " ", "!", "aws:", "a\u{200B}\u{7}", "%"]
                        .iter()
                        .map(|unit| {
                            unit.repeat(length)
                                .chars()
                                .take(length.max(unit.chars().count()))
                                .collect::<String>()
                        })
                        .find(|s| {
                            !re.is_match(s).unwrap_or(true)
                                && shape["max"]
                                    .as_i64()
                                    .is_none_or(|max| s.chars().count() as i64 <= max)
                        });
                    if let Some(broken) = broken {
                        out.push(("pattern".into(), Some(json!(broken))));
                    }
                }
            }
            "integer" | "long" => {
                if let Some(min) = shape["min"].as_i64() {
                    out.push((format!("value >= {min}"), Some(json!(min - 1))));
                }
                if let Some(max) = shape["max"].as_i64() {
                    out.push((format!("value <= {max}"), Some(json!(max + 1))));
                }
            }
            "list" => {
                let member = shape["member"]["shape"].as_str().unwrap_or_default();
                let items = value.as_array().cloned().unwrap_or_default();
                let item = items
                    .first()
                    .cloned()
                    .unwrap_or_else(|| self.valid_value(member, 0));
                if let Some(min) = shape["min"].as_i64().filter(|m| *m > 0) {
                    out.push((
                        format!("items >= {min}"),
                        Some(json!(vec![item.clone(); min as usize - 1])),
                    ));
                }
                if let Some(max) = shape["max"].as_i64() {
                    out.push((
                        format!("items <= {max}"),
                        Some(json!(vec![item.clone(); max as usize + 1])),
                    ));
                }
                for (what, broken) in self.violations(member, &item, &seen) {
                    let mut list = vec![item.clone()];
                    match broken {
                        Some(broken) => list[0] = broken,
                        None => continue,
                    }
                    out.push((format!("[0] {what}"), Some(Value::Array(list))));
                }
            }
            "map" => {
                let entries = match value {
                    Value::Object(map) if !map.is_empty() => value.clone(),
                    _ => self.map_with(shape, 1, 0),
                };
                let entries = entries.as_object().cloned().unwrap_or_default();
                if let Some(min) = shape["min"].as_i64().filter(|m| *m > 0) {
                    out.push((
                        format!("entries >= {min}"),
                        Some(self.map_with(shape, min as usize - 1, 0)),
                    ));
                }
                if let Some(max) = shape["max"].as_i64() {
                    out.push((
                        format!("entries <= {max}"),
                        Some(self.map_with(shape, max as usize + 1, 0)),
                    ));
                }
                let (first_key, first_value) = entries
                    .iter()
                    .next()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .unwrap_or_default();
                let key_shape = shape["key"]["shape"].as_str().unwrap_or_default();
                for (what, broken) in self.violations(key_shape, &json!(first_key), &seen) {
                    if let Some(Value::String(bad_key)) = broken {
                        out.push((
                            format!("key {what}"),
                            Some(json!({bad_key: first_value.clone()})),
                        ));
                    }
                }
                let value_shape = shape["value"]["shape"].as_str().unwrap_or_default();
                for (what, broken) in self.violations(value_shape, &first_value, &seen) {
                    if let Some(broken) = broken {
                        out.push((
                            format!("value {what}"),
                            Some(json!({first_key.clone(): broken})),
                        ));
                    }
                }
            }
            "structure" => {
                let object = value.as_object().cloned().unwrap_or_default();
                let members = shape["members"].as_object().cloned().unwrap_or_default();
                if shape["union"] == true && members.len() > 1 {
                    let mut two = Map::new();
                    for (name, member) in members.iter().take(2) {
                        let target = member["shape"].as_str().unwrap_or_default();
                        two.insert(name.clone(), self.valid_value(target, 0));
                    }
                    out.push(("union of one".into(), Some(Value::Object(two))));
                }
                for (name, member) in &members {
                    if member["location"].is_string() {
                        continue; // bound members are broken at the top level only
                    }
                    let target = member["shape"].as_str().unwrap_or_default();
                    if required(shape).contains(name) {
                        let mut without = object.clone();
                        without.remove(name);
                        out.push((format!("{name} required"), Some(Value::Object(without))));
                    }
                    let current = object
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| self.valid_value(target, 0));
                    for (what, broken) in self.violations(target, &current, &seen) {
                        let Some(broken) = broken else { continue };
                        let mut with = object.clone();
                        if shape["union"] == true {
                            with.clear();
                        }
                        with.insert(name.clone(), broken);
                        out.push((format!("{name}: {what}"), Some(Value::Object(with))));
                    }
                }
            }
            _ => {}
        }
        out
    }

    /// Checks an answer against an output shape: required members present, types right, and
    /// every value within the model's own constraints. Returns the problems found.
    fn check_output(
        &self,
        shape_name: &str,
        value: &Value,
        path: &str,
        problems: &mut Vec<String>,
    ) {
        let shape = self.shape(shape_name);
        let ty = shape["type"].as_str().unwrap_or_default();
        let fail =
            |problems: &mut Vec<String>, what: String| problems.push(format!("{path}: {what}"));
        match ty {
            "string" => match value.as_str() {
                Some(text) if !self.satisfies_string(shape, text) => fail(
                    problems,
                    format!(
                        "{shape_name} constraint broken by a value of {} characters",
                        text.chars().count()
                    ),
                ),
                Some(_) => {}
                None => fail(problems, format!("{shape_name} must be a string")),
            },
            "integer" | "long" => match value.as_i64() {
                Some(n) => {
                    if shape["min"].as_i64().is_some_and(|min| n < min)
                        || shape["max"].as_i64().is_some_and(|max| n > max)
                    {
                        fail(problems, format!("{shape_name} out of range: {n}"));
                    }
                }
                None => fail(problems, format!("{shape_name} must be an integer")),
            },
            "boolean" if !value.is_boolean() => fail(problems, "must be a boolean".into()),
            "double" | "float" if !value.is_number() => fail(problems, "must be a number".into()),
            // restJson1 writes body timestamps as epoch seconds unless the shape says iso8601.
            "timestamp" => {
                let iso = shape["timestampFormat"] == "iso8601";
                if (iso && !value.is_string()) || (!iso && !value.is_number()) {
                    fail(
                        problems,
                        format!("{shape_name} must be a timestamp in its wire format"),
                    )
                }
            }
            "list" => match value.as_array() {
                Some(items) => {
                    let n = items.len() as i64;
                    if shape["min"].as_i64().is_some_and(|min| n < min)
                        || shape["max"].as_i64().is_some_and(|max| n > max)
                    {
                        fail(problems, format!("{shape_name} has {n} items"));
                    }
                    let member = shape["member"]["shape"].as_str().unwrap_or_default();
                    for (i, item) in items.iter().enumerate() {
                        if item.is_null() && shape["sparse"] == true {
                            continue;
                        }
                        self.check_output(member, item, &format!("{path}[{i}]"), problems);
                    }
                }
                None => fail(problems, "must be a list".into()),
            },
            "map" => match value.as_object() {
                Some(entries) => {
                    let key = shape["key"]["shape"].as_str().unwrap_or_default();
                    let member = shape["value"]["shape"].as_str().unwrap_or_default();
                    for (k, v) in entries {
                        self.check_output(key, &json!(k), &format!("{path}.<key>"), problems);
                        self.check_output(member, v, &format!("{path}.{k}"), problems);
                    }
                }
                None => fail(problems, "must be a map".into()),
            },
            "structure" => match value.as_object() {
                Some(object) => {
                    let members = shape["members"].as_object().cloned().unwrap_or_default();
                    for name in required(shape) {
                        if object.get(&name).is_none_or(Value::is_null) {
                            fail(problems, format!("required member {name} missing"));
                        }
                    }
                    if shape["union"] == true && object.len() != 1 {
                        fail(problems, "a union must have exactly one member".into());
                    }
                    for (name, member_value) in object {
                        match members.get(name) {
                            Some(member) if !member_value.is_null() => self.check_output(
                                member["shape"].as_str().unwrap_or_default(),
                                member_value,
                                &format!("{path}.{name}"),
                                problems,
                            ),
                            Some(_) => {}
                            None => fail(problems, format!("member {name} is not in the model")),
                        }
                    }
                }
                None => fail(problems, "must be a structure".into()),
            },
            _ => {}
        }
    }
}

/// Whether `message` names `member` as a word of its own (`type` is not named by
/// `contenttype`, but is by `event.type`).
fn names(message: &str, member: &str) -> bool {
    message.match_indices(member).any(|(at, _)| {
        let before = message[..at].chars().next_back();
        let after = message[at + member.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Puts `value` at `path` (member names, and list indexes as numbers) inside `target`.
fn set_at(target: &mut Value, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut here = target;
    for step in parents {
        here = match step.parse::<usize>() {
            Ok(index) => &mut here[index],
            Err(_) => &mut here[step.as_str()],
        };
    }
    match last.parse::<usize>() {
        Ok(index) => here[index] = value,
        Err(_) => here[last.as_str()] = value,
    }
}

fn required(shape: &Value) -> Vec<String> {
    shape["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// What SigV4 and the SDKs leave unencoded in labels and query values (RFC 3986 unreserved).
const LABEL: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// An answer: status, error type header, request id, body.
#[derive(Debug)]
struct Reply {
    status: u16,
    error_type: Option<String>,
    request_id: Option<String>,
    body: Value,
}

impl Reply {
    /// An error's message, however the service capitalises the member.
    fn message(&self) -> String {
        self.body["Message"]
            .as_str()
            .or(self.body["message"].as_str())
            .unwrap_or_default()
            .to_owned()
    }
}

/// Sends `input` (members by name, bound ones included) as the model binds it.
async fn send(
    http: &reqwest::Client,
    base: &str,
    model: &Model,
    operation: &str,
    input: &Value,
) -> Reply {
    send_in_region(
        http,
        base,
        model,
        operation,
        input,
        connect_local::DEFAULT_REGION,
    )
    .await
}

async fn send_in_region(
    http: &reqwest::Client,
    base: &str,
    model: &Model,
    operation: &str,
    input: &Value,
    region: &str,
) -> Reply {
    let op = &model.operations[operation];
    let shape = model.shape(model.input_shape(operation));
    let members = shape["members"].as_object().cloned().unwrap_or_default();
    let mut path = op["http"]["requestUri"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    let mut body = Map::new();
    for (name, value) in input.as_object().into_iter().flatten() {
        let member = &members[name];
        let wire_name = member["locationName"].as_str().unwrap_or(name);
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match member["location"].as_str() {
            Some("uri") => {
                let encoded = percent_encoding::utf8_percent_encode(&text, LABEL).to_string();
                path = path.replace(&format!("{{{wire_name}}}"), &encoded);
            }
            // A list member of the query repeats its key, once per item.
            Some("querystring") => {
                let items = match value {
                    Value::Array(items) => items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                        .collect(),
                    _ => vec![text],
                };
                for item in items {
                    query.push(format!(
                        "{wire_name}={}",
                        percent_encoding::utf8_percent_encode(&item, LABEL)
                    ));
                }
            }
            Some("header") => headers.push((wire_name.to_owned(), text)),
            _ => {
                body.insert(name.clone(), value.clone());
            }
        }
    }
    let method = op["http"]["method"].as_str().unwrap_or("POST");
    let mut url = format!("{base}{path}");
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    let body_bytes = if method == "GET" {
        Vec::new()
    } else {
        serde_json::to_vec(&Value::Object(body)).unwrap_or_default()
    };
    let mut request = http::Request::builder().method(method).uri(&url);
    for (name, value) in &headers {
        request = request.header(name.as_str(), value.as_str());
    }
    if method != "GET" {
        request = request.header("content-type", "application/json");
    }
    let request = request.body(body_bytes).expect("request builds");
    let request = match model.signing_name {
        Some(service) => bench::client::sign_request(request, service, region).expect("signs"),
        None => {
            reqwest::Request::try_from(request.map(reqwest::Body::from)).expect("reqwest request")
        }
    };
    let response = http.execute(request).await.expect("connect-local answers");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (error_type, request_id) = (header("x-amzn-errortype"), header("x-amzn-requestid"));
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap_or_default();
    Reply {
        status,
        error_type,
        request_id,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// Rules connect-local applies beyond the model, each documented in its README from Amazon
/// Connect's documentation: (operation, member, what the refusal's message says). A refusal
/// with another message (an enum or length error, say) still fails.
const DOCUMENTED_RULES: &[(&str, &str, &str)] = &[
    (
        "SendMessage",
        "ContentType",
        "is not supported by this contact",
    ),
    ("SendEvent", "ContentType", "member must be a typing"),
    (
        "StartAttachmentUpload",
        "ContentType",
        "does not match the file extension",
    ),
    (
        "StartAttachedFileUpload",
        "FileUseCaseType",
        "only attachment is supported",
    ),
    (
        "GetTranscript",
        "ContactId",
        "does not belong to this participant",
    ),
    // The model's documentation: the ARN of a standard Amazon SNS topic.
    (
        "StartChatContact",
        "StreamingEndpointArn",
        "must be the arn of an amazon sns topic",
    ),
    (
        "SendChatIntegrationEvent",
        "StreamingEndpointArn",
        "must be the arn of an amazon sns topic",
    ),
    // The model's documentation: CUSTOM_BOT is the only role for a chat contact.
    ("CreateParticipant", "ParticipantRole", "must be custom_bot"),
    // The model's documentation: SendMessage's and SendEvent's content types.
    (
        "SendChatIntegrationEvent",
        "ContentType",
        "is not supported by this contact",
    ),
];

/// What the suite found: every failure, and counts.
#[derive(Default)]
struct Findings {
    failures: Vec<String>,
    invalid_cases: usize,
    /// Model-valid edge values sent by [`Findings::accepted`].
    edge_cases: usize,
    operations: BTreeSet<String>,
}

impl Findings {
    /// Sends the valid request, checks the answer against the output shape, returns it.
    async fn valid(
        &mut self,
        stack: &Local,
        model: &Model,
        operation: &str,
        input: &Value,
    ) -> Value {
        self.operations
            .insert(format!("{}.{operation}", model.name));
        let reply = send(&stack.http, &stack.server.base_url, model, operation, input).await;
        if reply.status != 200 {
            self.failures.push(format!(
                "{operation}: the valid request got {} {:?}: {}",
                reply.status, reply.error_type, reply.body
            ));
            return reply.body;
        }
        if reply.request_id.is_none() {
            self.failures
                .push(format!("{operation}: success without x-amzn-RequestId"));
        }
        let mut problems = Vec::new();
        if let Some(output) = model.operations[operation]["output"]["shape"].as_str() {
            model.check_output(output, &reply.body, operation, &mut problems);
        }
        self.failures.extend(problems);
        reply.body
    }

    /// Sends a request the model accepts but the service refuses for what it is (TransferContact
    /// of a chat): the answer must be one of the operation's modelled errors, with its members
    /// and a request id.
    async fn refused(
        &mut self,
        stack: &Local,
        model: &Model,
        operation: &str,
        input: &Value,
        expected: &str,
    ) {
        self.operations
            .insert(format!("{}.{operation}", model.name));
        let reply = send(&stack.http, &stack.server.base_url, model, operation, input).await;
        let modelled = model.operations[operation]["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["shape"] == expected);
        let members_ok = model
            .shapes
            .get(expected)
            .is_some_and(|shape| required(shape).iter().all(|m| reply.body[m].is_string()));
        if reply.error_type.as_deref() != Some(expected)
            || !modelled
            || !members_ok
            || reply.request_id.is_none()
        {
            self.failures.push(format!(
                "{operation}: expected the modelled {expected}, got {} {:?} {}",
                reply.status, reply.error_type, reply.body
            ));
        }
    }

    /// Sends `valid` with each body member, at any depth the example reaches (structures, and
    /// the first element of lists), moved to each of its model-valid edges. The answer may be
    /// anything but the invalid-input error naming that member, unless connect-local's README
    /// documents the rule ([`DOCUMENTED_RULES`]). Tokens are left as they are: they carry
    /// state, not rules.
    async fn accepted(&mut self, stack: &Local, model: &Model, operation: &str, valid: &Value) {
        let expected = model.validation_errors(operation);
        let mut edges = Vec::new();
        model.member_edges(
            model.input_shape(operation),
            valid,
            &mut Vec::new(),
            &mut edges,
        );
        for (path, what, value) in edges {
            let name = path.last().cloned().unwrap_or_default();
            let mut with = valid.clone();
            set_at(&mut with, &path, value);
            // A fresh idempotency token, so no edge request replays another.
            for token in ["ClientToken", "clientToken"] {
                if with.get(token).is_some() {
                    with[token] = json!(uuid::Uuid::new_v4().to_string());
                }
            }
            self.edge_cases += 1;
            let reply = send(&stack.http, &stack.server.base_url, model, operation, &with).await;
            let error = reply.error_type.clone().unwrap_or_default();
            let message = reply.message().to_lowercase();
            let documented = DOCUMENTED_RULES
                .iter()
                .any(|(op, m, says)| *op == operation && *m == name && message.contains(says));
            if reply.status == 400
                && expected.contains(&error)
                && names(&message, &name.to_lowercase())
                && !documented
            {
                self.failures.push(format!(
                    "{operation}.{} = {what}: model-valid but refused with {error}: {message}",
                    path.join(".")
                ));
            }
        }
    }

    /// Sends every one-constraint violation of `valid`, expecting the modelled 400 error.
    async fn invalid(&mut self, stack: &Local, model: &Model, operation: &str, valid: &Value) {
        let input_shape = model.input_shape(operation);
        let shape = model.shape(input_shape);
        let members = shape["members"].as_object().cloned().unwrap_or_default();
        let mut cases: Vec<(String, String, Value)> = Vec::new();
        let object = valid.as_object().cloned().unwrap_or_default();
        for (name, member) in &members {
            let location = member["location"].as_str();
            let target = member["shape"].as_str().unwrap_or_default();
            if required(shape).contains(name) && location.is_none() {
                let mut without = object.clone();
                without.remove(name);
                cases.push((name.clone(), "required".into(), Value::Object(without)));
            }
            let current = object
                .get(name)
                .cloned()
                .unwrap_or_else(|| model.valid_value(target, 0));
            for (what, broken) in model.violations(target, &current, &BTreeSet::new()) {
                let Some(broken) = broken else { continue };
                // An empty path label changes the route, and an empty or missing bearer token
                // is refused as unauthenticated before validation (connect-local's README).
                let empties = broken.as_str().is_some_and(str::is_empty);
                if location.is_some() && empties {
                    continue;
                }
                let mut with = object.clone();
                with.insert(name.clone(), broken);
                cases.push((name.clone(), what, Value::Object(with)));
            }
        }
        let expected = model.validation_errors(operation);
        for (member, what, input) in cases {
            self.invalid_cases += 1;
            let reply = send(
                &stack.http,
                &stack.server.base_url,
                model,
                operation,
                &input,
            )
            .await;
            let error = reply.error_type.clone().unwrap_or_default();
            let message = reply.message();
            let error_shape = model.shapes.get(&error);
            let members_ok = error_shape
                .is_some_and(|shape| required(shape).iter().all(|m| reply.body[m].is_string()));
            if reply.status != 400
                || !expected.contains(&error)
                || !members_ok
                || reply.request_id.is_none()
                || !message.to_lowercase().contains(&member.to_lowercase())
            {
                self.failures.push(format!(
                    "{operation}.{member} ({what}): got {} {error:?} {:?}, expected 400 one of {expected:?} naming {member}",
                    reply.status, reply.body
                ));
            }
        }
    }
}

struct Local {
    server: Server,
    http: reqwest::Client,
}

async fn admin(stack: &Local, path: &str) -> Value {
    stack
        .http
        .get(format!("{}{path}", stack.server.base_url))
        .send()
        .await
        .expect("admin answers")
        .json()
        .await
        .unwrap_or(Value::Null)
}

async fn put(stack: &Local, url: &str, headers: &Value, bytes: &[u8]) {
    let mut request = stack.http.put(url).body(bytes.to_vec());
    for (name, value) in headers.as_object().into_iter().flatten() {
        if name.eq_ignore_ascii_case("content-length") {
            continue; // reqwest sends the body's length itself
        }
        request = request.header(name.as_str(), value.as_str().unwrap_or_default());
    }
    let status = request.send().await.expect("upload answers").status();
    assert!(
        status.is_success(),
        "upload to the presigned URL failed: {status}"
    );
}

#[tokio::test]
async fn connect_local_conforms_to_the_service_models() {
    let connect = Model::load("connect.json", "connect", Some("connect"));
    let participant = Model::load("connectparticipant.json", "connectparticipant", None);
    let cases = Model::load("connectcases.json", "connectcases", Some("cases"));
    let stack = Local {
        server: connect_local::start(Options {
            agent: false,
            ..Options::default()
        })
        .await
        .expect("connect-local starts"),
        http: reqwest::Client::new(),
    };
    let mut found = Findings::default();
    let instance = connect_local::DEFAULT_INSTANCE_ID;

    // Amazon Connect: StartChatContact with every member of today's model.
    let start = json!({
        "InstanceId": instance,
        "ContactFlowId": connect_local::DEFAULT_CONTACT_FLOW_ID,
        "ParticipantDetails": {"DisplayName": "Conformance"},
        "ClientToken": uuid::Uuid::new_v4().to_string(),
        "Attributes": {"plan": "gold"},
        "ChatDurationInMinutes": 60,
        "InitialMessage": {"ContentType": "text/plain", "Content": "hello"},
        "SupportedMessagingContentTypes": [
            "text/plain", "text/markdown",
            "application/vnd.amazonaws.connect.message.interactive",
            "application/vnd.amazonaws.connect.message.interactive.response"
        ],
        "SegmentAttributes": {"connect:Subtype": {"ValueString": "connect:Guide"}, "tier": {"ValueInteger": 3}},
        "CustomerId": "crm-0001",
        "ParticipantConfiguration": {"ResponseMode": "INCREMENTAL"},
        "DisconnectOnCustomerExit": ["AGENT"],
        "ConnectionTypes": ["WEBSOCKET", "CONNECTION_CREDENTIALS"],
        "ChatStreamingConfiguration": {"StreamingEndpointArn": "arn:aws:sns:us-east-1:123456789012:chat-stream"},
    });
    found
        .invalid(&stack, &connect, "StartChatContact", &start)
        .await;
    found
        .accepted(&stack, &connect, "StartChatContact", &start)
        .await;
    let chat = found
        .valid(&stack, &connect, "StartChatContact", &start)
        .await;
    for member in ["Websocket", "ConnectionCredentials", "StreamingId"] {
        assert!(
            chat[member].is_object() || chat[member].is_string(),
            "StartChatContact answered without {member}: {chat}"
        );
    }
    let participant_token = chat["ParticipantToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // Amazon Connect flows: one is created, updated, described and listed.
    let flow = |text: &str| {
        json!({"Version": "2019-10-30", "StartAction": "say", "Actions": [
            {"Identifier": "say", "Type": "MessageParticipant", "Parameters": {"Text": text},
             "Transitions": {"NextAction": "end"}},
            {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
        ]})
        .to_string()
    };
    let create = json!({"InstanceId": instance, "Name": "Conformance flow", "Type": "CONTACT_FLOW",
        "Content": flow("Hello $.Attributes.plan"), "Description": "made by the conformance suite",
        "Status": "PUBLISHED", "Tags": {"team": "chat"}});
    found
        .invalid(&stack, &connect, "CreateContactFlow", &create)
        .await;
    let created = found
        .valid(&stack, &connect, "CreateContactFlow", &create)
        .await;
    let flow_id = created["ContactFlowId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let update =
        json!({"InstanceId": instance, "ContactFlowId": flow_id, "Content": flow("Hi again")});
    found
        .invalid(&stack, &connect, "UpdateContactFlowContent", &update)
        .await;
    found
        .valid(&stack, &connect, "UpdateContactFlowContent", &update)
        .await;
    let describe = json!({"InstanceId": instance, "ContactFlowId": flow_id});
    found
        .invalid(&stack, &connect, "DescribeContactFlow", &describe)
        .await;
    found
        .accepted(&stack, &connect, "DescribeContactFlow", &describe)
        .await;
    let described = found
        .valid(&stack, &connect, "DescribeContactFlow", &describe)
        .await;
    assert!(
        described["ContactFlow"]["Content"]
            .as_str()
            .is_some_and(|c| c.contains("Hi again")),
        "{described}"
    );
    let list = json!({"InstanceId": instance, "ContactFlowTypes": ["CONTACT_FLOW", "CUSTOMER_QUEUE"], "MaxResults": 2});
    found
        .invalid(&stack, &connect, "ListContactFlows", &list)
        .await;
    found
        .accepted(&stack, &connect, "ListContactFlows", &list)
        .await;
    let listed = found
        .valid(&stack, &connect, "ListContactFlows", &list)
        .await;
    assert_eq!(
        listed["ContactFlowSummaryList"].as_array().map(Vec::len),
        Some(2),
        "{listed}"
    );
    assert!(listed["NextToken"].is_string(), "three flows, pages of two");

    // Queues, and TransferContact, which the model serves for task and email contacts only.
    let queues = json!({"InstanceId": instance, "QueueTypes": ["STANDARD"], "MaxResults": 5});
    found.invalid(&stack, &connect, "ListQueues", &queues).await;
    found
        .accepted(&stack, &connect, "ListQueues", &queues)
        .await;
    let listed_queues = found.valid(&stack, &connect, "ListQueues", &queues).await;
    let queue_id = listed_queues["QueueSummaryList"][0]["Id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let describe_queue = json!({"InstanceId": instance, "QueueId": queue_id});
    found
        .invalid(&stack, &connect, "DescribeQueue", &describe_queue)
        .await;
    found
        .accepted(&stack, &connect, "DescribeQueue", &describe_queue)
        .await;
    let queue = found
        .valid(&stack, &connect, "DescribeQueue", &describe_queue)
        .await;
    assert_eq!(queue["Queue"]["Name"], "BasicQueue", "{queue}");
    let transfer = json!({"InstanceId": instance, "ContactId": chat["ContactId"], "ContactFlowId": connect_local::DEFAULT_CONTACT_FLOW_ID, "QueueId": queue_id, "ClientToken": "t-1"});
    found
        .invalid(&stack, &connect, "TransferContact", &transfer)
        .await;
    found
        .refused(
            &stack,
            &connect,
            "TransferContact",
            &transfer,
            "InvalidRequestException",
        )
        .await;

    // The contact: described, its attributes read and updated; another chat is stopped.
    let contact_id = chat["ContactId"].as_str().unwrap_or_default().to_owned();
    let describe_contact = json!({"InstanceId": instance, "ContactId": contact_id});
    found
        .invalid(&stack, &connect, "DescribeContact", &describe_contact)
        .await;
    found
        .accepted(&stack, &connect, "DescribeContact", &describe_contact)
        .await;
    let described_contact = found
        .valid(&stack, &connect, "DescribeContact", &describe_contact)
        .await;
    assert_eq!(described_contact["Contact"]["Channel"], "CHAT");
    let update_attributes = json!({"InstanceId": instance, "InitialContactId": contact_id, "Attributes": {"tier": "gold"}});
    found
        .invalid(
            &stack,
            &connect,
            "UpdateContactAttributes",
            &update_attributes,
        )
        .await;
    found
        .valid(
            &stack,
            &connect,
            "UpdateContactAttributes",
            &update_attributes,
        )
        .await;
    let get_attributes = json!({"InstanceId": instance, "InitialContactId": contact_id});
    found
        .invalid(&stack, &connect, "GetContactAttributes", &get_attributes)
        .await;
    found
        .accepted(&stack, &connect, "GetContactAttributes", &get_attributes)
        .await;
    let attributes = found
        .valid(&stack, &connect, "GetContactAttributes", &get_attributes)
        .await;
    assert_eq!(
        attributes["Attributes"],
        json!({"plan": "gold", "tier": "gold"})
    );
    let other = send(
        &stack.http,
        &stack.server.base_url,
        &connect,
        "StartChatContact",
        &json!({"InstanceId": instance, "ContactFlowId": connect_local::DEFAULT_CONTACT_FLOW_ID,
                "ParticipantDetails": {"DisplayName": "Stopped"}}),
    )
    .await;
    let stop = json!({"InstanceId": instance, "ContactId": other.body["ContactId"], "DisconnectReason": {"Code": "done"}});
    found.invalid(&stack, &connect, "StopContact", &stop).await;
    found.valid(&stack, &connect, "StopContact", &stop).await;
    found
        .refused(
            &stack,
            &connect,
            "StopContact",
            &stop,
            "ContactNotFoundException",
        )
        .await;

    // A custom bot joins the first chat, and its messages are streamed to a topic for a while.
    let create_participant = json!({"InstanceId": instance, "ContactId": contact_id,
        "ParticipantDetails": {"ParticipantRole": "CUSTOM_BOT", "DisplayName": "Order bot"}});
    found
        .invalid(&stack, &connect, "CreateParticipant", &create_participant)
        .await;
    found
        .accepted(&stack, &connect, "CreateParticipant", &create_participant)
        .await;
    let bot = found
        .valid(&stack, &connect, "CreateParticipant", &create_participant)
        .await;
    assert!(bot["ParticipantCredentials"]["ParticipantToken"].is_string());
    let start_streaming = json!({"InstanceId": instance, "ContactId": contact_id,
        "ChatStreamingConfiguration": {"StreamingEndpointArn": "arn:aws:sns:us-east-1:123456789012:chat-stream"},
        "ClientToken": "conformance-stream"});
    found
        .invalid(&stack, &connect, "StartContactStreaming", &start_streaming)
        .await;
    let streaming = found
        .valid(&stack, &connect, "StartContactStreaming", &start_streaming)
        .await;
    let stop_streaming = json!({"InstanceId": instance, "ContactId": contact_id,
        "StreamingId": streaming["StreamingId"]});
    found
        .invalid(&stack, &connect, "StopContactStreaming", &stop_streaming)
        .await;
    found
        .valid(&stack, &connect, "StopContactStreaming", &stop_streaming)
        .await;

    // The chat's timers, one set and one unset; then a messaging integration's first text
    // starts a chat and its second goes to the same one.
    let role_config = json!({"InstanceId": instance, "ContactId": contact_id,
        "ChannelConfiguration": {"Chat": {"ParticipantTimerConfigList": [
            {"ParticipantRole": "CUSTOMER", "TimerType": "IDLE",
             "TimerValue": {"ParticipantTimerDurationInMinutes": 5}},
            {"ParticipantRole": "AGENT", "TimerType": "DISCONNECT_NONCUSTOMER",
             "TimerValue": {"ParticipantTimerAction": "Unset"}}]}}});
    found
        .invalid(
            &stack,
            &connect,
            "UpdateParticipantRoleConfig",
            &role_config,
        )
        .await;
    found
        .valid(
            &stack,
            &connect,
            "UpdateParticipantRoleConfig",
            &role_config,
        )
        .await;
    let integration = json!({"SourceId": "+14155550100",
        "DestinationId": "arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-0123",
        "Subtype": "connect:sms",
        "Event": {"Type": "MESSAGE", "ContentType": "text/plain", "Content": "hello by text"},
        "NewSessionDetails": {"SupportedMessagingContentTypes": ["text/plain"],
            "ParticipantDetails": {"DisplayName": "Texter"}, "Attributes": {"channel": "sms"},
            "StreamingConfiguration": {"StreamingEndpointArn": "arn:aws:sns:us-east-1:123456789012:sms-stream"}}});
    found
        .invalid(&stack, &connect, "SendChatIntegrationEvent", &integration)
        .await;
    let first = found
        .valid(&stack, &connect, "SendChatIntegrationEvent", &integration)
        .await;
    let again = found
        .valid(&stack, &connect, "SendChatIntegrationEvent", &integration)
        .await;
    assert_eq!(first["NewChatCreated"], true, "{first}");
    assert_eq!(again["NewChatCreated"], false, "{again}");
    assert_eq!(first["InitialContactId"], again["InitialContactId"]);
    found
        .accepted(&stack, &connect, "SendChatIntegrationEvent", &integration)
        .await;

    // The Participant Service, every operation, the disconnect last.
    let connection_input = json!({"ParticipantToken": participant_token, "Type": ["WEBSOCKET", "CONNECTION_CREDENTIALS"], "ConnectParticipant": true});
    found
        .invalid(
            &stack,
            &participant,
            "CreateParticipantConnection",
            &connection_input,
        )
        .await;
    let connection = found
        .valid(
            &stack,
            &participant,
            "CreateParticipantConnection",
            &connection_input,
        )
        .await;
    let token = connection["ConnectionCredentials"]["ConnectionToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!token.is_empty(), "no connection token: {connection}");

    let message = json!({"ConnectionToken": token, "ContentType": "text/plain", "Content": "hi", "ClientToken": "m-1"});
    found
        .invalid(&stack, &participant, "SendMessage", &message)
        .await;
    found
        .accepted(&stack, &participant, "SendMessage", &message)
        .await;
    found
        .valid(&stack, &participant, "SendMessage", &message)
        .await;

    let event = json!({"ConnectionToken": token, "ContentType": "application/vnd.amazonaws.connect.event.typing", "ClientToken": "e-1"});
    found
        .invalid(&stack, &participant, "SendEvent", &event)
        .await;
    found
        .accepted(&stack, &participant, "SendEvent", &event)
        .await;
    found.valid(&stack, &participant, "SendEvent", &event).await;

    let transcript = json!({"ConnectionToken": token, "MaxResults": 2, "ScanDirection": "BACKWARD", "SortOrder": "ASCENDING"});
    found
        .invalid(&stack, &participant, "GetTranscript", &transcript)
        .await;
    found
        .accepted(&stack, &participant, "GetTranscript", &transcript)
        .await;
    found
        .valid(&stack, &participant, "GetTranscript", &transcript)
        .await;

    let upload = json!({"ConnectionToken": token, "ContentType": "application/pdf", "AttachmentSizeInBytes": 4, "AttachmentName": "r\u{e9}sum\u{e9}.pdf", "ClientToken": "a-1"});
    found
        .invalid(&stack, &participant, "StartAttachmentUpload", &upload)
        .await;
    found
        .accepted(&stack, &participant, "StartAttachmentUpload", &upload)
        .await;
    let started = found
        .valid(&stack, &participant, "StartAttachmentUpload", &upload)
        .await;
    put(
        &stack,
        started["UploadMetadata"]["Url"]
            .as_str()
            .unwrap_or_default(),
        &started["UploadMetadata"]["HeadersToInclude"],
        b"%PDF",
    )
    .await;
    let attachment_id = started["AttachmentId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let complete =
        json!({"ConnectionToken": token, "AttachmentIds": [attachment_id], "ClientToken": "c-1"});
    found
        .invalid(&stack, &participant, "CompleteAttachmentUpload", &complete)
        .await;
    found
        .valid(&stack, &participant, "CompleteAttachmentUpload", &complete)
        .await;
    let get = json!({"ConnectionToken": token, "AttachmentId": attachment_id, "UrlExpiryInSeconds": 60, "UrlContentDisposition": "INLINE"});
    found
        .invalid(&stack, &participant, "GetAttachment", &get)
        .await;
    found
        .accepted(&stack, &participant, "GetAttachment", &get)
        .await;
    let download = found
        .valid(&stack, &participant, "GetAttachment", &get)
        .await;
    assert_eq!(download["AttachmentSizeInBytes"], 4);
    let served = stack
        .http
        .get(download["Url"].as_str().unwrap_or_default())
        .send()
        .await
        .expect("download answers");
    let disposition = served
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.starts_with("inline"),
        "UrlContentDisposition INLINE served {disposition:?}"
    );

    let view = json!({"ConnectionToken": token, "ViewToken": "connect-local-confirm"});
    found
        .invalid(&stack, &participant, "DescribeView", &view)
        .await;
    found
        .valid(&stack, &participant, "DescribeView", &view)
        .await;

    let session = uuid::Uuid::new_v4().to_string();
    let auth_url = json!({"ConnectionToken": token, "SessionId": session, "RedirectUri": format!("https://www.example.com/{}", "\u{e9}".repeat(1000))});
    found
        .invalid(&stack, &participant, "GetAuthenticationUrl", &auth_url)
        .await;
    found
        .valid(&stack, &participant, "GetAuthenticationUrl", &auth_url)
        .await;
    let cancel = json!({"ConnectionToken": token, "SessionId": session});
    found
        .invalid(
            &stack,
            &participant,
            "CancelParticipantAuthentication",
            &cancel,
        )
        .await;
    found
        .valid(
            &stack,
            &participant,
            "CancelParticipantAuthentication",
            &cancel,
        )
        .await;

    let disconnect = json!({"ConnectionToken": token, "ClientToken": "d-1"});
    found
        .invalid(&stack, &participant, "DisconnectParticipant", &disconnect)
        .await;
    found
        .valid(&stack, &participant, "DisconnectParticipant", &disconnect)
        .await;

    // Amazon Connect attached files on a case, then the Cases related item that shows it there.
    let domain = connect_local::DEFAULT_CASES_DOMAIN_ID;
    let case_arn = format!("arn:aws:cases:us-east-1:123456789012:domain/{domain}/case/case-1");
    let start_file = json!({"InstanceId": instance, "AssociatedResourceArn": case_arn, "FileName": "invoice.pdf", "FileSizeInBytes": 4, "FileUseCaseType": "ATTACHMENT", "ClientToken": "f-1", "UrlExpiryInSeconds": 60, "Tags": {"team": "billing"}, "CreatedBy": {"ConnectUserArn": "arn:aws:connect:us-east-1:123456789012:instance/x/agent/y"}});
    found
        .invalid(&stack, &connect, "StartAttachedFileUpload", &start_file)
        .await;
    found
        .accepted(&stack, &connect, "StartAttachedFileUpload", &start_file)
        .await;
    let file = found
        .valid(&stack, &connect, "StartAttachedFileUpload", &start_file)
        .await;
    put(
        &stack,
        file["UploadUrlMetadata"]["Url"]
            .as_str()
            .unwrap_or_default(),
        &file["UploadUrlMetadata"]["HeadersToInclude"],
        b"%PDF",
    )
    .await;
    let file_id = file["FileId"].as_str().unwrap_or_default().to_owned();
    let file_arn = file["FileArn"].as_str().unwrap_or_default().to_owned();
    let complete_file =
        json!({"InstanceId": instance, "FileId": file_id, "AssociatedResourceArn": case_arn});
    found
        .invalid(
            &stack,
            &connect,
            "CompleteAttachedFileUpload",
            &complete_file,
        )
        .await;
    found
        .valid(
            &stack,
            &connect,
            "CompleteAttachedFileUpload",
            &complete_file,
        )
        .await;
    let get_file = json!({"InstanceId": instance, "FileId": file_id, "AssociatedResourceArn": case_arn, "UrlExpiryInSeconds": 60, "UrlContentDisposition": "ATTACHMENT"});
    found
        .invalid(&stack, &connect, "GetAttachedFile", &get_file)
        .await;
    found
        .accepted(&stack, &connect, "GetAttachedFile", &get_file)
        .await;
    found
        .valid(&stack, &connect, "GetAttachedFile", &get_file)
        .await;

    let related = json!({"domainId": domain, "caseId": "case-1", "type": "File", "content": {"file": {"fileArn": file_arn}}, "performedBy": {"customEntity": "conformance test"}});
    found
        .invalid(&stack, &cases, "CreateRelatedItem", &related)
        .await;
    found
        .valid(&stack, &cases, "CreateRelatedItem", &related)
        .await;
    let again = send(
        &stack.http,
        &stack.server.base_url,
        &cases,
        "CreateRelatedItem",
        &related,
    )
    .await;
    assert_eq!(
        (again.status, again.error_type.as_deref()),
        (409, Some("ConflictException")),
        "a second File item for the same file"
    );
    let search = json!({"domainId": domain, "caseId": "case-1", "maxResults": 5, "filters": [{"file": {"fileArn": file_arn}}]});
    found
        .invalid(&stack, &cases, "SearchRelatedItems", &search)
        .await;
    found
        .accepted(&stack, &cases, "SearchRelatedItems", &search)
        .await;
    let listed = found
        .valid(&stack, &cases, "SearchRelatedItems", &search)
        .await;
    assert_eq!(
        listed["relatedItems"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );

    // Every operation of every model was exercised (the served set is what the models hold).
    for model in [&connect, &participant, &cases] {
        for operation in model.operations.keys() {
            assert!(
                found
                    .operations
                    .contains(&format!("{}.{operation}", model.name)),
                "{operation} was not exercised"
            );
        }
    }
    let contacts = admin(&stack, "/_local/contacts").await;
    assert_eq!(
        contacts[0]["SegmentAttributes"]["connect:Subtype"]["ValueString"],
        "connect:Guide"
    );
    println!(
        "conformance: {} operations, {} constraint-breaking requests, {} model-valid edge requests, {} failures",
        found.operations.len(),
        found.invalid_cases,
        found.edge_cases,
        found.failures.len()
    );
    assert!(
        found.failures.is_empty(),
        "{} failures:\n{}",
        found.failures.len(),
        found.failures.join("\n")
    );
    assert!(
        found.invalid_cases > 150,
        "too few cases generated: {}",
        found.invalid_cases
    );
}

/// Every FileUseCaseType the model lists passes validation: ATTACHMENT starts an upload, and
/// the others get the documented "only ATTACHMENT" refusal, never an enum violation (the
/// values come from the model, so a model update cannot leave connect-local behind).
#[tokio::test]
async fn every_modelled_file_use_case_passes_validation() {
    let connect = Model::load("connect.json", "connect", Some("connect"));
    let values: Vec<String> = connect.shape("FileUseCaseType")["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    assert!(values.len() > 7, "the model lists {values:?}");
    let stack = Local {
        server: connect_local::start(Options::default())
            .await
            .expect("starts"),
        http: reqwest::Client::new(),
    };
    let case_arn = format!(
        "arn:aws:cases:us-east-1:123456789012:domain/{}/case/case-1",
        connect_local::DEFAULT_CASES_DOMAIN_ID
    );
    for value in values {
        let input = json!({"InstanceId": connect_local::DEFAULT_INSTANCE_ID, "AssociatedResourceArn": case_arn,
            "FileName": "invoice.pdf", "FileSizeInBytes": 4, "FileUseCaseType": value});
        let reply = send(
            &stack.http,
            &stack.server.base_url,
            &connect,
            "StartAttachedFileUpload",
            &input,
        )
        .await;
        let message = reply.body["Message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if value == "ATTACHMENT" {
            assert_eq!(reply.status, 200, "{}", reply.body);
        } else {
            assert_eq!(
                (reply.status, reply.error_type.as_deref()),
                (400, Some("InvalidRequestException")),
                "{value}: {}",
                reply.body
            );
            assert!(
                message.contains("Only ATTACHMENT") && !message.contains("enum"),
                "{value}: {message}"
            );
        }
    }
}

#[tokio::test]
async fn a_signature_scoped_to_another_region_is_refused() {
    let connect = Model::load("connect.json", "connect", Some("connect"));
    let input = json!({
        "InstanceId": connect_local::DEFAULT_INSTANCE_ID,
        "ContactFlowId": connect_local::DEFAULT_CONTACT_FLOW_ID,
        "ParticipantDetails": {"DisplayName": "Region"},
    });
    let local = |region: &str| Options {
        agent: false,
        region: region.into(),
        ..Options::default()
    };
    let default = Local {
        server: connect_local::start(local("us-east-1"))
            .await
            .expect("starts"),
        http: reqwest::Client::new(),
    };
    let refused = send_in_region(
        &default.http,
        &default.server.base_url,
        &connect,
        "StartChatContact",
        &input,
        "eu-west-1",
    )
    .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.error_type.as_deref(),
        Some("InvalidSignatureException")
    );
    assert!(refused.request_id.is_some());
    let frankfurt = Local {
        server: connect_local::start(local("eu-central-1"))
            .await
            .expect("starts"),
        http: reqwest::Client::new(),
    };
    let accepted = send_in_region(
        &frankfurt.http,
        &frankfurt.server.base_url,
        &connect,
        "StartChatContact",
        &input,
        "eu-central-1",
    )
    .await;
    assert_eq!(accepted.status, 200, "{:?}", accepted.body);
    let other = send_in_region(
        &frankfurt.http,
        &frankfurt.server.base_url,
        &connect,
        "StartChatContact",
        &input,
        "us-east-1",
    )
    .await;
    assert_eq!(other.status, 403);
}

#[test]
fn the_generator_breaks_each_kind_of_constraint() {
    let connect = Model::load("connect.json", "connect", Some("connect"));
    let shape = connect.input_shape("StartChatContact").to_owned();
    let valid = connect.valid_value(&shape, 0);
    let cases = connect.violations(&shape, &valid, &BTreeSet::new());
    let kinds: HashMap<&str, usize> = ["required", "length", "enum", "value", "items", "key"]
        .iter()
        .map(|kind| {
            (
                *kind,
                cases.iter().filter(|(what, _)| what.contains(kind)).count(),
            )
        })
        .collect();
    for (kind, count) in &kinds {
        assert!(
            *count > 0,
            "no {kind} violation generated for StartChatContact: {kinds:?}"
        );
    }
    let start_file = connect.input_shape("StartAttachedFileUpload").to_owned();
    let valid = connect.valid_value(&start_file, 0);
    let with_tags = {
        let mut v = valid.clone();
        v["Tags"] = json!({"team": "a"});
        v
    };
    let cases = connect.violations(&start_file, &with_tags, &BTreeSet::new());
    assert!(
        cases.iter().any(|(what, _)| what.contains("pattern")),
        "no pattern violation for Tags keys"
    );
}
