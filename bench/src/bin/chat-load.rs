//! chat-load: a bounded, loopback-only load test of connect-local. It starts connect-local
//! in-process, or uses one running in its own process (`--target`), opens N chats (a customer
//! and an agent each, both on websockets), has every chat exchange M messages through the
//! Participant Service, and reports messages per second, delivery latency to the other
//! participant (p50 / p95 / p99 / max), lost or duplicated deliveries (which must be 0) and its
//! own peak RSS.
//!
//! `cargo run --profile bench-tools -p bench --bin chat-load -- [--chats 500] [--messages 20]
//! [--in-flight 512] [--target http://127.0.0.1:PORT] [--deadline-secs 180]`
//! (`scripts/chat-load.sh` runs connect-local and chat-load as two processes.)

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bench::client::{create_connection, field, raise_open_file_limit, send_json, start_chat};
use bench::peak_rss_kb;
use connect_local::Options;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
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
    /// SendMessage calls in flight at once, across all chats (the clients' concurrency). A
    /// message's latency is measured from the moment its call goes out.
    #[arg(long = "in-flight", default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    in_flight: u32,
    /// A connect-local already running (its base URL, started with `--agent off`); without it,
    /// one is started in this process.
    #[arg(long)]
    target: Option<String>,
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
    let server = match &args.target {
        Some(_) => None,
        None => Some(
            connect_local::start(Options {
                agent: false,
                ..Options::default()
            })
            .await
            .map_err(|e| format!("connect-local: {e}"))?,
        ),
    };
    let base = match (&args.target, &server) {
        (Some(target), _) => target.trim_end_matches('/').to_owned(),
        (None, Some(server)) => server.base_url.clone(),
        (None, None) => unreachable!("a server is started when there is no target"),
    };
    let in_flight = args.in_flight as usize;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(in_flight.max(SETUP_CONCURRENCY * 2))
        .build()
        .map_err(|e| e.to_string())?;
    println!(
        "chat-load: {} chats x {} messages over websockets through connect-local at {base} ({}), at most {in_flight} SendMessage calls in flight",
        args.chats,
        args.messages,
        if server.is_some() { "same process" } else { "its own process" }
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
    let window = Arc::new(Semaphore::new(in_flight));
    let mut runs = Vec::with_capacity(chats.len());
    for (i, chat) in chats.into_iter().enumerate() {
        let (http, base, messages, window) = (
            http.clone(),
            base.clone(),
            args.messages as usize,
            window.clone(),
        );
        runs.push(tokio::spawn(async move {
            exchange(&http, &base, &window, i, chat, messages).await
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
    if let Some(server) = server {
        server.stop().await;
    }

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
    println!(
        "peak RSS:   {:.1} MB (chat-load{})",
        peak_rss_kb("self")? as f64 / 1024.0,
        if args.target.is_some() {
            ""
        } else {
            " and connect-local"
        }
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
    // Small buffers, as connect-local uses: the frames are chat items of a few hundred bytes.
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), false)
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
    window: &Semaphore,
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
        let _permit = window.acquire().await.map_err(|e| e.to_string())?;
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

/// The parts of a websocket frame chat-load reads: `content` is the chat item as JSON text.
#[derive(serde::Deserialize)]
struct Frame<'a> {
    #[serde(borrow)]
    content: Option<std::borrow::Cow<'a, str>>,
}

/// The parts of a chat item chat-load reads.
#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Item {
    r#type: Option<String>,
    content: Option<String>,
}

/// The tag (content) of a frame that carries a MESSAGE item.
fn message_tag(text: &str) -> Option<String> {
    let frame: Frame<'_> = serde_json::from_str(text).ok()?;
    let item: Item = serde_json::from_str(&frame.content?).ok()?;
    (item.r#type.as_deref() == Some("MESSAGE"))
        .then_some(item.content)
        .flatten()
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
        if let Some(tag) = message_tag(&text) {
            received.entry(tag).or_default().push(now);
        }
    }
    // Catch late duplicates for a moment after everything arrived.
    while let Ok(Some(Ok(Message::Text(text)))) =
        tokio::time::timeout(Duration::from_millis(200), socket.next()).await
    {
        if let Some(tag) = message_tag(&text) {
            received.entry(tag).or_default().push(Instant::now());
        }
    }
    let _ = socket.close(None).await;
    received
}
