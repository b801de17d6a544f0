//! No log level leaks a secret, through the same path a deployed function takes: every event in
//! `events/` is handed to the real `lambda_http` runtime loop by a loopback Lambda Runtime API
//! (`bench::runtime_api`), with the handlers behind it and connect-local behind them, at INFO,
//! DEBUG and TRACE. No line may carry a bearer or authorization token, a display name, an
//! attribute value, or a token or presigned URL the functions answered. A test binary of its
//! own: it sets the Lambda environment variables the runtime reads.

use std::time::Duration;

use bench::runtime_api::RuntimeApi;
use integration_tests::*;
use lambda_http::{service_fn, Body, Request, Response};
use serde_json::Value;

/// Routes an event to its handler, as the deployed API's routes do.
async fn dispatch(stack: &Stack, req: Request) -> Result<Response<Body>, lambda_http::Error> {
    let path = req.uri().path().to_owned();
    let answer = if path.ends_with("/chat") {
        shared::handlers::handle_start_chat(
            &stack.chat_config,
            &stack.connect,
            stack.auth.as_ref(),
            req,
        )
        .await
    } else if path.starts_with("/cases/") {
        let clients = stack
            .case_files_config
            .cases
            .as_ref()
            .map(|_| &stack.case_clients);
        shared::handlers::handle_case_files(&stack.case_files_config, clients, req).await
    } else if path.ends_with("/attachments/start") {
        shared::handlers::handle_start_attachment(&stack.attachment_config, &stack.participant, req)
            .await
    } else {
        shared::handlers::handle_complete_attachment(
            &stack.attachment_config,
            &stack.participant,
            req,
        )
        .await
    };
    answer
}

/// Every string in the event that must never be logged.
fn secrets_of_event(event: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for header in ["x-amz-bearer", "authorization"] {
        if let Some(value) = event["headers"][header].as_str() {
            found.push(value.trim_start_matches("Bearer ").to_owned());
        }
    }
    let body: Value = event["body"]
        .as_str()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    if let Some(name) = body["ParticipantDetails"]["DisplayName"].as_str() {
        found.push(name.to_owned());
    }
    for value in body["Attributes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, v)| v)
    {
        if let Some(value) = value.as_str() {
            found.push(value.to_owned());
        }
    }
    found.retain(|s| s.len() >= 4);
    found
}

/// Tokens and presigned URLs in an answer.
fn secrets_of_answer(answer: &Value, found: &mut Vec<String>) {
    match answer {
        Value::Object(map) => {
            for (key, value) in map {
                let secret_key =
                    ["ParticipantToken", "ConnectionToken", "Url"].contains(&key.as_str());
                match value.as_str() {
                    Some(text) if secret_key => found.push(text.to_owned()),
                    // An API Gateway answer carries its JSON body as a string.
                    Some(text) if key == "body" => {
                        if let Ok(inner) = serde_json::from_str::<Value>(text) {
                            secrets_of_answer(&inner, found);
                        }
                    }
                    _ => secrets_of_answer(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| secrets_of_answer(i, found)),
        _ => {}
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_level_logs_a_secret_through_the_lambda_runtime() {
    let stack = Stack::start().await;
    let mut events: Vec<(String, Value)> = std::fs::read_dir(events_dir())
        .expect("events/ is readable")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("event is readable");
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name, serde_json::from_str(&text).expect("event is JSON"))
        })
        .collect();
    events.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(events.len() >= 10, "the events in events/ were found");

    for level in ["INFO", "DEBUG", "TRACE"] {
        let logs = LogCapture::default();
        let _guard = logs.install(level);
        let mut api = RuntimeApi::start().await.expect("the Runtime API starts");
        std::env::set_var("AWS_LAMBDA_RUNTIME_API", &api.address);
        std::env::set_var("AWS_LAMBDA_FUNCTION_NAME", "runtime-logs-test");
        std::env::set_var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128");
        std::env::set_var("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        let mut secrets = Vec::new();
        let runtime = lambda_http::run(service_fn(|req| dispatch(&stack, req)));
        let driver = async {
            for (name, event) in &events {
                secrets.extend(secrets_of_event(event));
                let bytes = serde_json::to_vec(event).expect("event serialises");
                let (_, answer) = api
                    .invoke(bytes.into(), Duration::from_secs(30))
                    .await
                    .unwrap_or_else(|e| panic!("{name} at {level}: {e}"));
                assert!(
                    answer.ok,
                    "{name} at {level}: the runtime reported an error"
                );
                let answer: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
                secrets_of_answer(&answer, &mut secrets);
            }
        };
        tokio::select! {
            ended = runtime => panic!("the runtime loop ended: {ended:?}"),
            () = driver => {}
        }
        let text = logs.contents();
        assert!(
            text.lines().count() >= events.len(),
            "the runtime path logged at {level}: {text}"
        );
        assert!(
            secrets.len() > 10,
            "the events and answers carry secrets to look for"
        );
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{level} logged a secret ({} characters) in:\n{text}",
                secret.len()
            );
        }
    }
}
