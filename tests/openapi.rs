//! Keeps openapi.yaml true: its routes are template.yaml's and the local router's, its error
//! codes and statuses are exactly `ApiError`'s, every documented request property is read by
//! the handler (a wrong type is refused naming it, a missing required one too), and real
//! answers of every route match the documented response schemas.

use std::collections::{BTreeMap, BTreeSet};

use integration_tests::*;
use serde_json::{json, Value};

fn load_yaml(name: &str) -> Value {
    let path = format!("{}/../{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
    serde_json::to_value(untag(yaml)).expect("YAML maps to JSON")
}

/// CloudFormation short-form tags (!Ref, !Sub …) become plain values.
fn untag(value: serde_yaml::Value) -> serde_yaml::Value {
    use serde_yaml::Value as Y;
    match value {
        Y::Tagged(tagged) => untag(tagged.value),
        Y::Sequence(items) => Y::Sequence(items.into_iter().map(untag).collect()),
        Y::Mapping(map) => Y::Mapping(map.into_iter().map(|(k, v)| (k, untag(v))).collect()),
        other => other,
    }
}

fn openapi() -> Value {
    load_yaml("openapi.yaml")
}

/// Follows a local `$ref`.
fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    match node["$ref"].as_str() {
        Some(pointer) => resolve(
            doc,
            doc.pointer(pointer.trim_start_matches('#'))
                .expect("$ref resolves"),
        ),
        None => node,
    }
}

#[test]
fn routes_match_the_template_and_the_local_router() {
    let doc = openapi();
    let documented: BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, ops)| ops.get("post").is_some())
        .map(|(path, _)| format!("POST {path}"))
        .collect();

    let template = load_yaml("template.yaml");
    let mut deployed = BTreeSet::new();
    for (_, resource) in template["Resources"].as_object().unwrap() {
        for (_, event) in resource["Properties"]["Events"]
            .as_object()
            .into_iter()
            .flatten()
        {
            if event["Type"] == "HttpApi" {
                deployed.insert(format!(
                    "{} {}",
                    event["Properties"]["Method"].as_str().unwrap(),
                    event["Properties"]["Path"].as_str().unwrap()
                ));
            }
        }
        if resource["Type"] == "AWS::ApiGatewayV2::Route" {
            deployed.insert(
                resource["Properties"]["RouteKey"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    assert_eq!(documented, deployed, "openapi.yaml and template.yaml");

    let cargo =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml")).unwrap();
    let router: BTreeSet<String> = cargo
        .split("[workspace.metadata.lambda.watch.router]")
        .nth(1)
        .expect("watch router section")
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix('"')?
                .split('"')
                .next()
                .map(|p| format!("POST {p}"))
        })
        .collect();
    assert_eq!(
        documented, router,
        "openapi.yaml and the cargo lambda watch router"
    );
}

#[test]
fn error_codes_and_statuses_are_exactly_the_handlers() {
    let doc = openapi();
    let enum_codes: BTreeSet<String> = doc["components"]["schemas"]["Error"]["properties"]["error"]
        ["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let errors = shared::ApiError::every_kind();
    let codes: BTreeSet<String> = errors.iter().map(|e| e.code().to_owned()).collect();
    assert_eq!(enum_codes, codes);

    for (path, ops) in doc["paths"].as_object().unwrap() {
        let responses = ops["post"]["responses"].as_object().unwrap();
        for error in &errors {
            let status = error.status().as_u16().to_string();
            let response = resolve(
                &doc,
                responses
                    .get(&status)
                    .unwrap_or_else(|| panic!("{path} documents no {status}")),
            );
            let description = response["description"].as_str().unwrap();
            assert!(
                description.contains(&format!("`{}`", error.code())),
                "{path} {status} does not list {}",
                error.code()
            );
        }
    }
}

/// A value of the wrong JSON type for a schema.
fn wrong_type(schema: &Value) -> Value {
    let ty = match &schema["type"] {
        Value::Array(types) => types[0].as_str().unwrap_or("string").to_owned(),
        Value::String(t) => t.clone(),
        _ => "string".into(),
    };
    match ty.as_str() {
        "string" => json!(12345),
        "integer" | "number" => json!("twelve"),
        "array" => json!("not a list"),
        "object" => json!(["not an object"]),
        "null" => json!("only null is accepted"),
        _ => json!(null),
    }
}

/// Calls one handler of the stack.
type Call = fn(
    &Stack,
    lambda_http::Request,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Answer> + '_>>;

struct Route {
    path: &'static str,
    call: Call,
    event: &'static str,
    valid: Value,
}

fn routes() -> Vec<Route> {
    vec![
        Route {
            path: "/chat",
            call: |s, r| Box::pin(s.start_chat(r)),
            event: "start-chat.json",
            valid: json!({"ParticipantDetails": {"DisplayName": "Ana"}}),
        },
        Route {
            path: "/attachments/start",
            call: |s, r| Box::pin(s.start_attachment(r)),
            event: "start-attachment.json",
            valid: json!({"AttachmentName": "a.pdf", "AttachmentSizeInBytes": 18, "ContentType": "application/pdf"}),
        },
        Route {
            path: "/attachments/complete",
            call: |s, r| Box::pin(s.complete_attachment(r)),
            event: "complete-attachment.json",
            valid: json!({"AttachmentIds": ["a-1"]}),
        },
        Route {
            path: "/cases/attachments/start",
            call: |s, r| Box::pin(s.case_file(r)),
            event: "case-attachment-start.json",
            valid: json!({"CaseId": "c-1", "FileName": "a.pdf", "FileSizeInBytes": 18, "ContentType": "application/pdf"}),
        },
        Route {
            path: "/cases/attachments/complete",
            call: |s, r| Box::pin(s.case_file(r)),
            event: "case-attachment-complete.json",
            valid: json!({"CaseId": "c-1", "FileId": "f-1"}),
        },
    ]
}

/// Every (nested) documented request property, with its schema and whether it is required.
fn properties(doc: &Value, schema: &Value, prefix: &str, out: &mut Vec<(String, Value, bool)>) {
    let schema = resolve(doc, schema);
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        out.push((path.clone(), prop.clone(), required.contains(name.as_str())));
        if prop["properties"].is_object() {
            properties(doc, prop, &path, out);
        }
    }
}

fn set_path(body: &mut Value, path: &str, value: Option<Value>) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap();
    let mut node = body;
    for part in parts {
        if !node[part].is_object() {
            node[part] = json!({"DisplayName": "Ana", "ContentType": "text/plain", "Content": "hi", "RehydrationType": "ENTIRE_PAST_SESSION", "SourceContactId": "c"});
        }
        node = &mut node[part];
    }
    match value {
        Some(v) => node[last] = v,
        None => {
            node.as_object_mut().unwrap().remove(last);
        }
    }
}

#[tokio::test]
async fn every_documented_request_property_is_read_and_checked_by_its_handler() {
    let doc = openapi();
    let stack = Stack::start().await;
    let (_, token) = stack.chat_with_connection().await;
    let mut checked = 0;
    for route in routes() {
        let schema = &doc["paths"][route.path]["post"]["requestBody"]["content"]
            ["application/json"]["schema"];
        let mut props = Vec::new();
        properties(&doc, schema, "", &mut props);
        assert!(!props.is_empty(), "{}", route.path);
        for (path, prop, required) in props {
            let cases = [
                (Some(wrong_type(&prop)), "a wrong type"),
                (None, "a missing required field"),
            ];
            for (value, what) in cases {
                if value.is_none() && !required {
                    continue;
                }
                let mut body = route.valid.clone();
                set_path(&mut body, &path, value);
                let req = with_header(
                    with_body(event(route.event), &body.to_string()),
                    "x-amz-bearer",
                    &token,
                );
                let answer = (route.call)(&stack, req).await;
                assert_eq!(
                    answer.status, 400,
                    "{} {path} with {what}: {}",
                    route.path, answer.body
                );
                assert!(
                    answer.field().starts_with(&path) || path.starts_with(answer.field()),
                    "{} {path} with {what} named {:?}",
                    route.path,
                    answer.field()
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "only {checked} property checks ran");
}

/// Checks `value` against a response schema: types, required members, and no undocumented
/// members where the schema closes the object.
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(doc, schema);
    let ty = schema["type"].as_str().unwrap_or("");
    let ok = match ty {
        "object" => value.is_object(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "array" => value.is_array(),
        _ => true,
    };
    if !ok {
        return Err(format!("{at}: expected {ty}, got {value}"));
    }
    if let Some(object) = value.as_object() {
        let props = schema["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap();
            if !object.contains_key(name) {
                return Err(format!("{at}: missing {name}"));
            }
        }
        for (name, member) in object {
            match (props.get(name), &schema["additionalProperties"]) {
                (Some(prop), _) => conforms(doc, prop, member, &format!("{at}.{name}"))?,
                (None, Value::Bool(false)) => {
                    return Err(format!("{at}: undocumented member {name}"))
                }
                (None, extra) if extra.is_object() => {
                    conforms(doc, extra, member, &format!("{at}.{name}"))?
                }
                _ => {}
            }
        }
    }
    Ok(())
}

#[tokio::test]
async fn real_answers_match_the_documented_responses() {
    let doc = openapi();
    let stack = Stack::start().await;
    let mut seen = BTreeMap::new();

    let (chat, token) = stack.chat_with_connection().await;
    seen.insert("/chat", chat.body.clone());
    let started = stack
        .start_attachment(with_header(
            event("start-attachment.json"),
            "x-amz-bearer",
            &token,
        ))
        .await;
    let upload = &started.body["UploadMetadata"];
    let headers = upload["HeadersToInclude"].as_object().unwrap();
    put_upload(
        upload["Url"].as_str().unwrap(),
        headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap())),
        b"%PDF-1.4 test file",
    )
    .await;
    let completed = stack
        .complete_attachment(with_body(
            with_header(event("complete-attachment.json"), "x-amz-bearer", &token),
            &json!({"AttachmentIds": [started.body["AttachmentId"]]}).to_string(),
        ))
        .await;
    seen.insert("/attachments/start", started.body.clone());
    seen.insert("/attachments/complete", completed.body.clone());
    let case_started = stack.case_file(event("case-attachment-start.json")).await;
    let case_upload = &case_started.body["UploadMetadata"];
    let case_headers = case_upload["HeadersToInclude"].as_object().unwrap();
    put_upload(
        case_upload["Url"].as_str().unwrap(),
        case_headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap())),
        b"%PDF-1.4 case file",
    )
    .await;
    let case_completed = stack
        .case_file(with_body(
            event("case-attachment-complete.json"),
            &json!({"CaseId": "8d9f2a2e-5b61-4c1c-9a0e-2f7c1d0b6e11", "FileId": case_started.body["FileId"]}).to_string(),
        ))
        .await;
    seen.insert("/cases/attachments/start", case_started.body.clone());
    seen.insert("/cases/attachments/complete", case_completed.body.clone());

    let connected = stack
        .start_chat(with_body(
            event("start-chat.json"),
            &json!({"ParticipantDetails": {"DisplayName": "Ana"},
                    "ConnectionTypes": ["WEBSOCKET", "CONNECTION_CREDENTIALS"]})
            .to_string(),
        ))
        .await;
    for member in ["Websocket", "ConnectionCredentials"] {
        assert!(connected.body["data"]["startChatResult"][member].is_object());
    }
    let schema =
        &doc["paths"]["/chat"]["post"]["responses"]["200"]["content"]["application/json"]["schema"];
    conforms(&doc, schema, &connected.body, "/chat with ConnectionTypes").unwrap();

    for (path, body) in &seen {
        let schema = &doc["paths"][*path]["post"]["responses"]["200"]["content"]
            ["application/json"]["schema"];
        conforms(&doc, schema, body, path).unwrap_or_else(|e| panic!("200 of {path}: {e}"));
    }
    let error = stack
        .start_chat(with_body(event("start-chat.json"), "{}"))
        .await;
    let schema = &resolve(&doc, &doc["paths"]["/chat"]["post"]["responses"]["400"])["content"]
        ["application/json"]["schema"];
    conforms(&doc, schema, &error.body, "error").unwrap();
    // The checker itself refuses an undocumented member.
    let mut extra = seen["/chat"].clone();
    extra["data"]["surprise"] = json!(1);
    let schema =
        &doc["paths"]["/chat"]["post"]["responses"]["200"]["content"]["application/json"]["schema"];
    assert!(conforms(&doc, schema, &extra, "/chat").is_err());
}
