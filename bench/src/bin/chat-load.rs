//! chat-load: a bounded, loopback-only load test of connect-local. It starts connect-local
//! in-process, opens N chats (a customer and an agent each, both on websockets), has every chat
//! exchange M messages through the Participant Service, and reports delivery latency to the
//! other participant (p50 / p95 / p99 / max) and lost or duplicated deliveries, which must be 0.
//!
//! `cargo run --release -p bench --bin chat-load -- [--chats 500] [--messages 20] [--deadline-secs 180]`

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bench::client::{create_connection, field, raise_open_file_limit, send_json, start_chat};
use connect_local::Options;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long to keep listening for deliveries after a chat's last message was sent.
const DRAIN: Duration = Duration::from_secs(10);
/// Chats being set up at the same time.
const SETUP_CONCURRENCY: usize = 64;

/// connect-local under many chats at once: every chat's customer and agent on websockets.
#[derive(clap::Parser)]
#[command(name = "chat-load")]
struct Args {
    /// Chats open at once.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=5_000))]
    chats: u32,
    /// Messages each side of each chat sends.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    messages: u32,
    /// The whole run's time limit, in seconds.
    #[arg(long = "deadline-secs", default_value = "180", value_parser = seconds)]
    deadline: Duration,
}

fn seconds(raw: &str) -> Result<Duration, String> {
    raw.parse::<u64>()
        .ok()
        .filter(|n| (1..=3600).contains(n))
        .map(Duration::from_secs)
        .ok_or_else(|| format!("{raw:?} is not a whole number of seconds from 1 to 3600"))
}

/// One side of a chat: its ConnectionToken and its subscribed websocket.
struct Party {
    token: String,
    socket: Socket,
}

struct Chat {
    customer: Party,
    agent: Party,
}

/// What one socket received: message tag -> arrival times (more than one is a duplicate).
type Received = HashMap<String, Vec<Instant>>;

#[tokio::main]
async fn main() -> ExitCode {
    let args = <Args as clap::Parser>::parse();
    raise_open_file_limit();
    match tokio::time::timeout(args.deadline, run(&args)).await {
        Ok(Ok(true)) => ExitCode::SUCCESS,
        Ok(Ok(false)) => ExitCode::FAILURE,
        Ok(Err(message)) => {
            eprintln!("chat-load: {message}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("chat-load: did not finish within {:?}", args.deadline);
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<bool, String> {
    let server = connect_local::start(Options {
        agent: false,
        ..Options::default()
    })
    .await
    .map_err(|e| format!("connect-local: {e}"))?;
    let base = server.base_url.clone();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(SETUP_CONCURRENCY * 2)
        .build()
        .map_err(|e| e.to_string())?;
    println!(
        "chat-load: {} chats x {} messages over websockets through connect-local at {base}",
        args.chats, args.messages
    );

    let setup_started = Instant::now();
    let gate = Arc::new(Semaphore::new(SETUP_CONCURRENCY));
    let mut setups = Vec::with_capacity(args.chats as usize);
    for i in 0..args.chats as usize {
        let (http, base, gate) = (http.clone(), base.clone(), gate.clone());
        setups.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.map_err(|e| e.to_string())?;
            open_chat(&http, &base, i).await
        }));
    }
    let mut chats = Vec::with_capacity(args.chats as usize);
    for setup in setups {
        chats.push(setup.await.map_err(|e| e.to_string())??);
    }
    let setup_time = setup_started.elapsed();

    let exchange_started = Instant::now();
    let mut runs = Vec::with_capacity(chats.len());
    for (i, chat) in chats.into_iter().enumerate() {
        let (http, base, messages) = (http.clone(), base.clone(), args.messages as usize);
        runs.push(tokio::spawn(async move {
            exchange(&http, &base, i, chat, messages).await
        }));
    }
    let (mut latencies, mut expected, mut received, mut lost, mut duplicated) =
        (Vec::new(), 0, 0, 0, 0);
    for run in runs {
        let outcome = run.await.map_err(|e| e.to_string())??;
        latencies.extend(outcome.latencies);
        expected += outcome.expected;
        received += outcome.received;
        lost += outcome.lost;
        duplicated += outcome.duplicated;
    }
    let exchange_time = exchange_started.elapsed();
    server.stop().await;

    latencies.sort();
    let pct = |p: usize| {
        latencies
            .get((latencies.len() * p / 100).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let sent = args.chats * args.messages;
    println!(
        "setup:      {} chats, {} websockets in {:.2} s",
        args.chats,
        args.chats * 2,
        setup_time.as_secs_f64()
    );
    println!(
        "messages:   {sent} sent in {:.2} s ({:.0} messages/s)",
        exchange_time.as_secs_f64(),
        sent as f64 / exchange_time.as_secs_f64()
    );
    println!(
        "deliveries: {expected} expected (every message to both participants), {received} received"
    );
    println!("lost:       {lost}");
    println!("duplicated: {duplicated}");
    println!(
        "latency to the other participant (ms): p50 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}",
        pct(50),
        pct(95),
        pct(99),
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    );
    let ok = lost == 0 && duplicated == 0 && received == expected;
    println!("result:     {}", if ok { "PASS" } else { "FAIL" });
    Ok(ok)
}

/// StartChatContact (SigV4-signed), the agent joins, both open their connection and websocket.
async fn open_chat(http: &reqwest::Client, base: &str, i: usize) -> Result<Chat, String> {
    let token = format!("chat-load-{i}-{}", std::process::id());
    let started = start_chat(http, base, &format!("Load customer {i}"), &token).await?;
    let contact_id = field(&started, "ContactId")?;
    let customer = connect_party(http, base, &field(&started, "ParticipantToken")?).await?;
    let joined = send_json(
        http,
        http.post(format!("{base}/_local/contacts/{contact_id}/agent/join"))
            .build()
            .map_err(|e| e.to_string())?,
    )
    .await?;
    let agent = connect_party(http, base, &field(&joined, "ParticipantToken")?).await?;
    Ok(Chat { customer, agent })
}

async fn connect_party(
    http: &reqwest::Client,
    base: &str,
    participant_token: &str,
) -> Result<Party, String> {
    let connection = create_connection(
        http,
        base,
        participant_token,
        &["WEBSOCKET", "CONNECTION_CREDENTIALS"],
    )
    .await?;
    let url = connection["Websocket"]["Url"]
        .as_str()
        .ok_or("no websocket URL")?;
    let token = connection["ConnectionCredentials"]["ConnectionToken"]
        .as_str()
        .ok_or("no ConnectionToken")?;
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .map_err(|e| format!("websocket: {e}"))?;
    socket
        .send(Message::Text(
            r#"{"topic":"aws/subscribe","content":{"topics":["aws/chat"]}}"#.into(),
        ))
        .await
        .map_err(|e| e.to_string())?;
    match socket.next().await {
        Some(Ok(Message::Text(ack))) if ack.contains("success") => Ok(Party {
            token: token.to_owned(),
            socket,
        }),
        other => Err(format!("subscribe not acknowledged: {other:?}")),
    }
}

struct Outcome {
    latencies: Vec<Duration>,
    expected: usize,
    received: usize,
    lost: usize,
    duplicated: usize,
}

/// Customer and agent alternate sending `messages` messages; both sockets must get each once.
async fn exchange(
    http: &reqwest::Client,
    base: &str,
    i: usize,
    chat: Chat,
    messages: usize,
) -> Result<Outcome, String> {
    let sent_at: Arc<Mutex<HashMap<String, (Instant, bool)>>> = Arc::default();
    let Chat { customer, agent } = chat;
    let customer_reader = tokio::spawn(read_messages(customer.socket, messages));
    let agent_reader = tokio::spawn(read_messages(agent.socket, messages));
    for j in 0..messages {
        let from_customer = j % 2 == 0;
        let token = if from_customer {
            &customer.token
        } else {
            &agent.token
        };
        let tag = format!("chat {i} message {j}");
        sent_at
            .lock()
            .map_err(|e| e.to_string())?
            .insert(tag.clone(), (Instant::now(), from_customer));
        let request = http
            .post(format!("{base}/participant/message"))
            .header("x-amz-bearer", token)
            .json(&json!({"ContentType": "text/plain", "Content": tag, "ClientToken": format!("{i}-{j}")}))
            .build()
            .map_err(|e| e.to_string())?;
        send_json(http, request).await?;
    }
    let by_customer = customer_reader.await.map_err(|e| e.to_string())?;
    let by_agent = agent_reader.await.map_err(|e| e.to_string())?;
    let sent = sent_at.lock().map_err(|e| e.to_string())?;
    let mut outcome = Outcome {
        latencies: Vec::new(),
        expected: 2 * messages,
        received: 0,
        lost: 0,
        duplicated: 0,
    };
    for (received, is_customer) in [(&by_customer, true), (&by_agent, false)] {
        for (tag, (sent_time, from_customer)) in sent.iter() {
            match received.get(tag).map(Vec::as_slice) {
                None | Some([]) => outcome.lost += 1,
                Some(arrivals) => {
                    outcome.received += 1;
                    outcome.duplicated += arrivals.len() - 1;
                    if *from_customer != is_customer {
                        outcome
                            .latencies
                            .push(arrivals[0].saturating_duration_since(*sent_time));
                    }
                }
            }
        }
    }
    Ok(outcome)
}

/// Reads MESSAGE items until `expected` distinct ones arrived, the socket closed, or the drain
/// time passed without news.
async fn read_messages(mut socket: Socket, expected: usize) -> Received {
    let mut received = Received::new();
    while received.len() < expected {
        let Ok(Some(Ok(frame))) = tokio::time::timeout(DRAIN, socket.next()).await else {
            break;
        };
        let Message::Text(text) = frame else { continue };
        let now = Instant::now();
        let Ok(envelope) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let Some(item) = envelope["content"]
            .as_str()
            .and_then(|c| serde_json::from_str::<Value>(c).ok())
        else {
            continue;
        };
        if item["Type"] == "MESSAGE" {
            if let Some(tag) = item["Content"].as_str() {
                received.entry(tag.to_owned()).or_default().push(now);
            }
        }
    }
    // Catch late duplicates for a moment after everything arrived.
    while let Ok(Some(Ok(Message::Text(text)))) =
        tokio::time::timeout(Duration::from_millis(200), socket.next()).await
    {
        if let Some(tag) = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|e| {
                e["content"]
                    .as_str()
                    .and_then(|c| serde_json::from_str::<Value>(c).ok())
            })
            .filter(|i| i["Type"] == "MESSAGE")
            .and_then(|i| i["Content"].as_str().map(str::to_owned))
        {
            received.entry(tag).or_default().push(Instant::now());
        }
    }
    let _ = socket.close(None).await;
    received
}
