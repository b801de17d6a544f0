//! fault-test: a bounded, loopback-only fault test of the functions. It starts connect-local
//! in-process with a chaos rule on every operation (throttling, 5xx, added latency and dropped
//! connections at the given rate), then drives the real handlers: start-chat requests and whole
//! attachment flows (start, PUT, complete), retrying retryable answers as a widget would, with
//! the same idempotency key. It reports, and exits non-zero unless all four are 0:
//! - duplicate contacts: more than one contact for one logical start-chat request;
//! - answers that were not a correct, mapped answer inside the deadline (a 500 never is);
//! - start-chat requests that still had no chat after the client's retries;
//! - attachments lost (reported complete but not complete in Connect) or half-completed.
//!
//! `cargo run -p resilience --bin fault-test -- [--chats 2000] [--attachments 500] [--rate 0.2] [--concurrency 50]`

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use integration_tests::{event, with_body, with_header, Answer, Stack};
use resilience::{is_mapped_error, stack_without_agent};
use serde_json::{json, Value};
use tokio::sync::Semaphore;

/// An answer must arrive within this: the SDK's 10 s operation deadline plus handling, well
/// under the functions' 15 s timeout and API Gateway's 29 s.
const ANSWER_DEADLINE: Duration = Duration::from_secs(12);
/// Times a client retries a retryable answer (429, 502, 503, 504) before giving up.
const CLIENT_RETRIES: usize = 6;

/// A bounded, loopback-only fault test of the functions against connect-local.
#[derive(clap::Parser)]
#[command(name = "fault-test")]
struct Args {
    /// Logical start-chat requests.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(0..=20_000))]
    chats: u32,
    /// Whole attachment flows (start, PUT, complete).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(0..=5_000))]
    attachments: u32,
    /// Share of Connect calls faulted, from 0 to 0.5.
    #[arg(long, default_value_t = 0.2, value_parser = rate)]
    rate: f64,
    /// Logical operations in flight at once.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=500))]
    concurrency: u32,
}

fn rate(raw: &str) -> Result<f64, String> {
    raw.parse::<f64>()
        .ok()
        .filter(|r| (0.0..=0.5).contains(r))
        .ok_or_else(|| format!("{raw:?} is not a rate from 0 to 0.5"))
}

/// What one logical operation saw.
#[derive(Default)]
struct Outcome {
    invocations: usize,
    /// Invocations without a correct, mapped answer inside the deadline.
    bad_answers: Vec<String>,
    statuses: HashMap<u16, usize>,
}

impl Outcome {
    fn record(
        &mut self,
        what: &str,
        answer: &Answer,
        took: Duration,
        ok: impl Fn(&Answer) -> bool,
    ) {
        self.invocations += 1;
        *self.statuses.entry(answer.status).or_default() += 1;
        // Injected faults are throttling, Connect 5xx, latency and dropped connections: each
        // maps to 429, 502, 503 or 504. A 500 is the functions' own failure, never correct.
        let correct = if answer.status == 200 {
            ok(answer)
        } else {
            answer.status != 500 && is_mapped_error(answer)
        };
        if !correct || took > ANSWER_DEADLINE {
            self.bad_answers.push(format!(
                "{what}: HTTP {} after {:.1} s: {}",
                answer.status,
                took.as_secs_f64(),
                answer.body
            ));
        }
    }

    fn merge(&mut self, other: Outcome) {
        self.invocations += other.invocations;
        self.bad_answers.extend(other.bad_answers);
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
    }
}

fn retryable(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// Calls `call` until it answers something final, as a widget retrying with the same key would.
async fn with_retries<F, Fut>(
    outcome: &mut Outcome,
    what: &str,
    ok: impl Fn(&Answer) -> bool,
    call: F,
) -> Option<Answer>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Answer>,
{
    for attempt in 0..=CLIENT_RETRIES {
        let started = Instant::now();
        let answer = call().await;
        outcome.record(what, &answer, started.elapsed(), &ok);
        if answer.status == 200 {
            return Some(answer);
        }
        if !retryable(answer.status) {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50 * (attempt as u64 + 1))).await;
    }
    None
}

fn chat_ok(answer: &Answer) -> bool {
    let result = &answer.body["data"]["startChatResult"];
    ["ContactId", "ParticipantId", "ParticipantToken"]
        .iter()
        .all(|k| result[k].as_str().is_some_and(|v| !v.is_empty()))
}

/// One logical start-chat: returns the contact ids its successful answers named.
async fn start_chat(h: &Stack, key: &str, outcome: &mut Outcome) -> Option<Answer> {
    let body = json!({"ParticipantDetails": {"DisplayName": "Fault Test"}, "Attributes": {"customerId": key}});
    with_retries(outcome, "start-chat", chat_ok, || {
        h.start_chat(with_header(
            with_body(event("start-chat.json"), &body.to_string()),
            "idempotency-key",
            key,
        ))
    })
    .await
}

/// A whole attachment flow; returns the attachment id when the client saw it completed.
async fn attachment_flow(h: &Stack, n: usize, outcome: &mut Outcome) -> Result<String, String> {
    let key = format!("flow-{n}-{}", uuid::Uuid::new_v4());
    let chat = start_chat(h, &key, outcome)
        .await
        .ok_or("chat not started")?;
    let participant_token = chat.body["data"]["startChatResult"]["ParticipantToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut connection_token = None;
    for _ in 0..=CLIENT_RETRIES {
        // The widget's own CreateParticipantConnection; faults hit it too.
        match h
            .participant
            .create_participant_connection()
            .participant_token(&participant_token)
            .r#type(aws_sdk_connectparticipant::types::ConnectionType::ConnectionCredentials)
            .send()
            .await
        {
            Ok(out) => {
                connection_token = out
                    .connection_credentials()
                    .and_then(|c| c.connection_token())
                    .map(str::to_owned);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let token = connection_token.ok_or("no connection token")?;
    let bytes = format!("fault test file {n}").into_bytes();
    let start_body = json!({
        "AttachmentName": format!("file-{n}.txt"),
        "AttachmentSizeInBytes": bytes.len(),
        "ContentType": "text/plain",
        "ClientToken": format!("{key}-start"),
    });
    let started = with_retries(
        outcome,
        "start-attachment",
        |a| a.body["AttachmentId"].is_string(),
        || {
            h.start_attachment(with_header(
                with_body(event("start-attachment.json"), &start_body.to_string()),
                "x-amz-bearer",
                &token,
            ))
        },
    )
    .await
    .ok_or("start-attachment failed")?;
    let attachment_id = started.body["AttachmentId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let metadata = &started.body["UploadMetadata"];
    let http = reqwest::Client::new();
    let mut put = http
        .put(metadata["Url"].as_str().unwrap_or_default())
        .body(bytes);
    for (k, v) in metadata["HeadersToInclude"]
        .as_object()
        .into_iter()
        .flatten()
    {
        if !k.eq_ignore_ascii_case("content-length") {
            put = put.header(k, v.as_str().unwrap_or_default());
        }
    }
    let put = put.send().await.map_err(|e| format!("PUT: {e}"))?;
    if !put.status().is_success() {
        return Err(format!("PUT answered {}", put.status()));
    }
    let complete_body =
        json!({"AttachmentIds": [attachment_id], "ClientToken": format!("{key}-complete")});
    with_retries(
        outcome,
        "complete-attachment",
        |a| a.body.is_object(),
        || {
            h.complete_attachment(with_header(
                with_body(
                    event("complete-attachment.json"),
                    &complete_body.to_string(),
                ),
                "x-amz-bearer",
                &token,
            ))
        },
    )
    .await
    .ok_or("complete-attachment failed")?;
    Ok(attachment_id)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args = <Args as clap::Parser>::parse();
    let harness = Arc::new(stack_without_agent().await);
    let rule = json!({"rate": args.rate, "kinds": ["throttle", "serverError", "latency", "drop"], "latencyMs": 300});
    let armed = reqwest::Client::new()
        .post(format!("{}/_local/chaos", harness.server.base_url))
        .json(&rule)
        .send()
        .await;
    if !armed.is_ok_and(|r| r.status() == 201) {
        eprintln!("fault-test: connect-local refused the chaos rule");
        return ExitCode::from(2);
    }
    println!(
        "fault-test: {} start-chat requests and {} attachment flows, {:.0} % of Connect calls faulted, concurrency {}",
        args.chats,
        args.attachments,
        args.rate * 100.0,
        args.concurrency
    );
    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(args.concurrency as usize));

    let mut chats = tokio::task::JoinSet::new();
    for n in 0..args.chats {
        let (h, gate) = (harness.clone(), gate.clone());
        chats.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let key = format!("chat-{n}-{}", uuid::Uuid::new_v4());
            let mut outcome = Outcome::default();
            let answer = start_chat(&h, &key, &mut outcome).await;
            let contact = answer.map(|a| {
                a.body["data"]["startChatResult"]["ContactId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            });
            (key, contact, outcome)
        });
    }
    let mut flows = tokio::task::JoinSet::new();
    for n in 0..args.attachments {
        let (h, gate) = (harness.clone(), gate.clone());
        flows.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let mut outcome = Outcome::default();
            let result = attachment_flow(&h, n as usize, &mut outcome).await;
            (result, outcome)
        });
    }

    let mut total = Outcome::default();
    let mut answered: HashMap<String, Option<String>> = HashMap::new();
    while let Some(joined) = chats.join_next().await {
        let (key, contact, outcome) = joined.expect("chat task");
        total.merge(outcome);
        answered.insert(key, contact);
    }
    let mut completed = Vec::new();
    let mut flow_failures = Vec::new();
    while let Some(joined) = flows.join_next().await {
        let (result, outcome) = joined.expect("flow task");
        total.merge(outcome);
        match result {
            Ok(id) => completed.push(id),
            Err(e) => flow_failures.push(e),
        }
    }
    let elapsed = started.elapsed();

    // What connect-local holds: contacts per idempotency key, and every attachment's state.
    let (contacts_by_key, attachments) = harness.server.store.with(|inner| {
        let mut by_key: HashMap<String, HashSet<String>> = HashMap::new();
        for contact in inner.contacts.values() {
            if let Some(key) = contact.attributes.get("customerId") {
                by_key
                    .entry(key.clone())
                    .or_default()
                    .insert(contact.contact_id.clone());
            }
        }
        let attachments: HashMap<String, String> = inner
            .attachments
            .values()
            .map(|a| (a.attachment_id.clone(), format!("{:?}", a.state)))
            .collect();
        (by_key, attachments)
    });
    let duplicates: usize = contacts_by_key
        .values()
        .map(|ids| ids.len().saturating_sub(1))
        .sum();
    let mismatched = answered
        .iter()
        .filter(|(key, contact)| match contact {
            Some(id) => !contacts_by_key
                .get(*key)
                .is_some_and(|ids| ids.contains(id)),
            None => false,
        })
        .count();
    let chats_failed = answered.values().filter(|c| c.is_none()).count();
    let lost = completed
        .iter()
        .filter(|id| attachments.get(*id).map(String::as_str) != Some("Approved"))
        .count();
    let half_completed = attachments
        .values()
        .filter(|s| *s == "AwaitingUpload" || *s == "Uploaded")
        .count();

    let chaos: Value = match reqwest::get(format!("{}/_local/chaos", harness.server.base_url)).await
    {
        Ok(r) => r.json().await.unwrap_or_default(),
        Err(_) => Value::Null,
    };
    let mut injected = HashMap::<&str, u64>::new();
    for counts in chaos["injected"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, v)| v)
    {
        for kind in ["throttle", "serverError", "latency", "drop"] {
            *injected.entry(kind).or_default() += counts[kind].as_u64().unwrap_or(0);
        }
    }
    let mut statuses: Vec<_> = total.statuses.iter().collect();
    statuses.sort();

    println!();
    println!("| measure | value |");
    println!("|---|---:|");
    println!("| handler invocations | {} |", total.invocations);
    println!(
        "| answers by status | {} |",
        statuses
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "| faults injected | throttle {}, 5xx {}, latency {}, dropped {} |",
        injected.get("throttle").unwrap_or(&0),
        injected.get("serverError").unwrap_or(&0),
        injected.get("latency").unwrap_or(&0),
        injected.get("drop").unwrap_or(&0)
    );
    println!(
        "| **start-chat requests that gave up after {CLIENT_RETRIES} retries** | **{chats_failed}** |"
    );
    println!(
        "| attachment flows completed | {} of {} |",
        completed.len(),
        args.attachments
    );
    println!(
        "| **duplicate contacts** | **{}** |",
        duplicates + mismatched
    );
    println!(
        "| **answers not correct and mapped within {} s** | **{}** |",
        ANSWER_DEADLINE.as_secs(),
        total.bad_answers.len()
    );
    println!(
        "| **attachments lost or half-completed** | **{}** |",
        lost + half_completed + flow_failures.len()
    );
    println!("| wall time | {:.1} s |", elapsed.as_secs_f64());
    for bad in total.bad_answers.iter().take(5) {
        println!("bad answer: {bad}");
    }
    for failure in flow_failures.iter().take(5) {
        println!("flow failed: {failure}");
    }
    let failed = duplicates
        + mismatched
        + chats_failed
        + total.bad_answers.len()
        + lost
        + half_completed
        + flow_failures.len();
    if failed == 0 {
        println!("fault-test: PASS");
        ExitCode::SUCCESS
    } else {
        println!("fault-test: FAIL");
        ExitCode::FAILURE
    }
}
