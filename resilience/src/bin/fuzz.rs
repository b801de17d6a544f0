//! fuzz: generated bad input against every route's parsing and validation, through the real
//! handlers (and, for the inputs that pass validation, the real SDK against connect-local).
//! Inputs mix arbitrary JSON (nested up to 8 levels, and raw bodies nested hundreds deep),
//! valid requests with fields replaced, removed or added, raw bytes, base64 bodies, odd methods
//! and odd headers. A quarter of the inputs go the Lambda runtime's way: as API Gateway event
//! JSON, deserialised and converted by lambda_http exactly as the runtime does, before the
//! handler. Attachment routes carry a real connection token, from a new chat every 40 inputs,
//! so valid uploads reach Connect instead of its per-contact attachment quota. Every answer must
//! be a documented status below 500 with a JSON error naming a known code and CORS headers for
//! the allowed origin; a panic or a 5xx fails the run. Prints the seed (a new one each run
//! unless `--seed` repeats one), inputs per route and the status mix; exits non-zero on failure.
//!
//! `cargo run -p resilience --bin fuzz -- [--inputs 1000000] [--seed N]`

use std::process::ExitCode;
use std::time::Instant;

use integration_tests::{event, Answer, ALLOWED_ORIGIN as ORIGIN};
use lambda_http::Body;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use resilience::{is_mapped_error, stack_without_agent};
use serde_json::{json, Map, Value};

/// The routes and a valid body for each, the starting points of mutation.
fn routes() -> Vec<(&'static str, Value)> {
    vec![
        (
            "start-chat",
            json!({"ParticipantDetails": {"DisplayName": "Ana"}, "Attributes": {"customerId": "c-1"},
                   "InitialMessage": {"ContentType": "text/plain", "Content": "hi"},
                   "SupportedMessagingContentTypes": ["text/plain", "text/markdown"],
                   "ChatDurationInMinutes": 60, "ClientToken": "t-1",
                   "SegmentAttributes": {"routing_tier": {"ValueMap": {"level": {"ValueInteger": 2}}},
                                         "connect:Topics": {"ValueList": [{"ValueString": "billing"}]}},
                   "ParticipantConfiguration": {"ResponseMode": "INCREMENTAL"},
                   "ConnectionTypes": ["WEBSOCKET", "CONNECTION_CREDENTIALS"]}),
        ),
        (
            "start-attachment",
            json!({"AttachmentName": "a.pdf", "AttachmentSizeInBytes": 10, "ContentType": "application/pdf", "ClientToken": "t"}),
        ),
        (
            "complete-attachment",
            json!({"AttachmentIds": ["a-1"], "ClientToken": "t"}),
        ),
        (
            "case-attachment-start",
            json!({"CaseId": "case-1", "FileName": "a.pdf", "FileSizeInBytes": 10, "ContentType": "application/pdf"}),
        ),
        (
            "case-attachment-complete",
            json!({"CaseId": "case-1", "FileId": "f-1"}),
        ),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        any::<u64>().prop_map(|n| json!(n)),
        ".{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("".to_owned()),
            Just(" ".to_owned()),
            Just("a".repeat(300)),
            Just("x".repeat(20_000)),
            Just("\u{0000}\u{202e}\u{feff}".to_owned()),
            Just("../../etc/passwd".to_owned()),
            Just("a.exe".to_owned()),
            Just("arn:aws:cases:us-east-1:1:domain/x/case/y".to_owned()),
            Just("text/plain".to_owned()),
            Just("application/pdf".to_owned()),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(8, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((".{0,12}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One generated request: which route, the body bytes, and header / method choices.
#[derive(Debug, Clone)]
struct Input {
    route: usize,
    body: Vec<u8>,
    base64: bool,
    method: &'static str,
    origin: Option<String>,
    header: Option<(&'static str, String)>,
    /// Whether it goes through the runtime's event conversion.
    via_runtime: bool,
}

fn mutate(valid: Value) -> impl Strategy<Value = Value> {
    let keys: Vec<String> = valid
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let n = keys.len().max(1);
    (0..n, json_value(), 0..4usize, ".{0,20}").prop_map(move |(i, value, how, extra_key)| {
        let mut body = valid.clone();
        if let (Some(map), Some(key)) = (body.as_object_mut(), keys.get(i)) {
            match how {
                0 => {
                    map.insert(key.clone(), value);
                }
                1 => {
                    map.remove(key);
                }
                2 => {
                    map.insert(extra_key, value);
                }
                _ => {
                    if let Some(Value::Object(inner)) = map.get_mut(key) {
                        let first = inner.keys().next().cloned().unwrap_or_default();
                        inner.insert(first, value);
                    } else {
                        map.insert(key.clone(), json!([value]));
                    }
                }
            }
        }
        body
    })
}

fn input(route: usize, valid: Value) -> impl Strategy<Value = Input> {
    let body = prop_oneof![
        4 => mutate(valid.clone()).prop_map(|v| v.to_string().into_bytes()),
        2 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => Just(valid.to_string().into_bytes()),
        1 => (mutate(valid), 0..200usize).prop_map(|(v, cut)| {
            let text = v.to_string().into_bytes();
            text[..cut.min(text.len())].to_vec()
        }),
        1 => (1..400usize, prop_oneof![Just(("[", "]")), Just(("{\"a\":", "}"))]).prop_map(
            |(depth, (open, close))| (open.repeat(depth) + "1" + &close.repeat(depth)).into_bytes()
        ),
    ];
    let origin = prop_oneof![
        6 => Just(Some(ORIGIN.to_owned())),
        1 => Just(None),
        1 => Just(Some("https://evil.example".to_owned())),
        1 => ".{0,20}".prop_map(Some),
    ];
    let header = prop_oneof![
        6 => Just(None),
        1 => ".{0,600}".prop_map(|v| Some(("idempotency-key", v))),
        1 => ".{0,1200}".prop_map(|v| Some(("x-amz-bearer", v))),
        1 => ".{0,40}".prop_map(|v| Some(("authorization", v))),
        1 => ".{0,40}".prop_map(|v| Some(("content-type", v))),
    ];
    let method =
        prop_oneof![8 => Just("POST"), 1 => Just("GET"), 1 => Just("OPTIONS"), 1 => Just("DELETE")];
    let via_runtime = prop_oneof![3 => Just(false), 1 => Just(true)];
    (body, any::<bool>(), method, origin, header, via_runtime).prop_map(
        move |(body, base64, method, origin, header, via_runtime)| Input {
            route,
            body,
            base64,
            method,
            origin,
            header,
            via_runtime,
        },
    )
}

/// The request as the handler gets it. Through the runtime's way, the API Gateway event JSON is
/// rewritten (body, base64 flag, method, headers) and converted by lambda_http as the runtime
/// converts every invocation; `Err` when lambda_http cannot take an event API Gateway could send.
fn request(
    name: &str,
    input: &Input,
    bearer: Option<&str>,
) -> Result<lambda_http::Request, String> {
    if input.via_runtime {
        return runtime_request(name, input, bearer);
    }
    let mut req = event(&format!("{name}.json"));
    *req.body_mut() = if input.base64 {
        Body::Binary(input.body.clone())
    } else {
        Body::Text(String::from_utf8_lossy(&input.body).into_owned())
    };
    *req.method_mut() = input.method.parse().unwrap_or(http::Method::POST);
    req.headers_mut().remove("origin");
    let headers = input
        .origin
        .as_deref()
        .map(|origin| ("origin", origin))
        .into_iter()
        .chain(
            input
                .header
                .as_ref()
                .map(|(name, value)| (*name, value.as_str())),
        );
    let bearer = bearer.map(|token| ("x-amz-bearer", token));
    for (name, value) in bearer.into_iter().chain(headers) {
        // Values no HTTP client could send are skipped, as a browser would refuse them.
        if let Ok(value) = value.parse() {
            req.headers_mut().insert(name, value);
        }
    }
    Ok(req)
}

fn runtime_request(
    name: &str,
    input: &Input,
    bearer: Option<&str>,
) -> Result<lambda_http::Request, String> {
    use base64::Engine;
    let path = integration_tests::events_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let mut event: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    // API Gateway sends a binary body as valid base64 and a text body as UTF-8 text.
    if input.base64 {
        event["body"] = json!(base64::engine::general_purpose::STANDARD.encode(&input.body));
        event["isBase64Encoded"] = json!(true);
    } else {
        event["body"] = json!(String::from_utf8_lossy(&input.body));
        event["isBase64Encoded"] = json!(false);
    }
    event["requestContext"]["http"]["method"] = json!(input.method);
    let headers = event["headers"]
        .as_object_mut()
        .ok_or("event without headers")?;
    headers.remove("origin");
    let extra = input
        .origin
        .as_deref()
        .map(|origin| ("origin", origin))
        .into_iter()
        .chain(bearer.map(|token| ("x-amz-bearer", token)))
        .chain(
            input
                .header
                .as_ref()
                .map(|(name, value)| (*name, value.as_str())),
        );
    for (name, value) in extra {
        // API Gateway passes on only values an HTTP client could send.
        if http::HeaderValue::from_str(value).is_ok() {
            headers.insert(name.into(), json!(value));
        }
    }
    let event: lambda_http::request::LambdaRequest =
        serde_json::from_value(event).map_err(|e| format!("lambda_http refused the event: {e}"))?;
    Ok(lambda_http::Request::from(event))
}

fn check(input: &Input, answer: &Answer) -> Result<(), String> {
    if answer.status >= 500 {
        return Err(format!(
            "HTTP {} for a client's input: {}",
            answer.status, answer.body
        ));
    }
    if answer.status >= 400 {
        let allowed_origin = input.origin.as_deref() == Some(ORIGIN);
        let well_formed = if allowed_origin {
            is_mapped_error(answer)
        } else {
            answer.body["error"]["code"].is_string()
        };
        if !well_formed {
            return Err(format!(
                "malformed error answer HTTP {}: {}",
                answer.status, answer.body
            ));
        }
    }
    Ok(())
}

/// Inputs sent with one chat's connection token before the next chat: well under Connect's
/// per-contact attachment quota, so valid uploads are not refused for it.
const TOKEN_USES: usize = 40;

/// Runs `cases` inputs against one route; returns the table line, the status counts and
/// whether it failed. Each route has its own runtime, connect-local and SDK clients: pooled
/// connections belong to the runtime that opened them, so sharing clients across runtimes
/// would hand one thread connections that die with another thread's runtime.
fn fuzz_route(
    i: usize,
    name: &str,
    valid: Value,
    cases: u32,
    seed: u64,
) -> (String, std::collections::BTreeMap<u16, u64>, bool) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let harness = rt.block_on(stack_without_agent());
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    };
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    seed_bytes[8] = i as u8;
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let counts = std::cell::RefCell::new(std::collections::BTreeMap::<u16, u64>::new());
    // Attachment routes: a real connection token, from a new chat every TOKEN_USES inputs.
    let token = std::cell::RefCell::new((String::new(), TOKEN_USES));
    let served = std::cell::Cell::new(0usize);
    let result = runner.run(&input(i, valid), |input| {
        let bearer = if matches!(input.route, 1 | 2) {
            let mut token = token.borrow_mut();
            if token.1 >= TOKEN_USES {
                let (_, fresh) = rt.block_on(harness.chat_with_connection());
                *token = (fresh, 0);
            }
            token.1 += 1;
            Some(token.0.clone())
        } else {
            None
        };
        // Case routes: the valid body's case changes every TOKEN_USES inputs, for the same
        // reason (Connect's per-case file quota).
        let mut input = input;
        if input.route >= 3 {
            let n = served.get();
            served.set(n + 1);
            if let Ok(Value::Object(mut body)) = serde_json::from_slice::<Value>(&input.body) {
                if body.get("CaseId") == Some(&json!("case-1")) {
                    body.insert("CaseId".into(), json!(format!("case-{}", n / TOKEN_USES)));
                    input.body = Value::Object(body).to_string().into_bytes();
                }
            }
        }
        let req = request(name, &input, bearer.as_deref()).map_err(TestCaseError::fail)?;
        let answer = rt.block_on(async {
            match input.route {
                0 => harness.start_chat(req).await,
                1 => harness.start_attachment(req).await,
                2 => harness.complete_attachment(req).await,
                _ => harness.case_file(req).await,
            }
        });
        *counts.borrow_mut().entry(answer.status).or_default() += 1;
        check(&input, &answer).map_err(TestCaseError::fail)
    });
    let counts = counts.into_inner();
    match result {
        Ok(()) => (
            format!("| {name} | {cases} | 0 panics, 0 5xx, 0 malformed |"),
            counts,
            false,
        ),
        Err(e) => (format!("| {name} | {cases} | FAILED: {e} |"), counts, true),
    }
}

/// Generated bad input against every route, through the real handlers.
#[derive(clap::Parser)]
#[command(name = "fuzz")]
struct Args {
    /// Inputs in all, split evenly across the routes.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u32).range(1..=20_000_000))]
    inputs: u32,
    /// Repeats the run that printed this seed; without it each run draws a new one.
    #[arg(long)]
    seed: Option<u64>,
}

/// A new seed (std's per-process random hasher keys mixed with the time).
fn fresh_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish()
}

fn main() -> ExitCode {
    let args = <Args as clap::Parser>::parse();
    let total = args.inputs;
    let seed = args.seed.unwrap_or_else(fresh_seed);
    let routes = routes();
    let per_route = total / routes.len() as u32;
    let started = Instant::now();
    println!(
        "fuzz: {} inputs ({per_route} per route), seed {seed} (repeat with --seed {seed})",
        per_route * routes.len() as u32
    );
    // One thread per route, each with its own runtime, so all cores are used.
    let results: Vec<(String, std::collections::BTreeMap<u16, u64>, bool)> =
        std::thread::scope(|scope| {
            let handles: Vec<_> = routes
                .iter()
                .enumerate()
                .map(|(i, (name, valid))| {
                    scope.spawn(move || fuzz_route(i, name, valid.clone(), per_route, seed))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("fuzz thread"))
                .collect()
        });
    println!("| route | inputs | result |");
    println!("|---|---:|---|");
    let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
    let mut failed = false;
    for (line, counts, route_failed) in results {
        println!("{line}");
        failed |= route_failed;
        for (status, n) in counts {
            *statuses.entry(status).or_default() += n;
        }
    }
    println!(
        "statuses: {}",
        statuses
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("wall time: {:.1} s", started.elapsed().as_secs_f64());
    if failed {
        println!("fuzz: FAIL");
        ExitCode::FAILURE
    } else {
        println!("fuzz: PASS");
        ExitCode::SUCCESS
    }
}
