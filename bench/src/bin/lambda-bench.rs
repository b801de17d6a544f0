//! lambda-bench: cold start, latency, memory, size and CPU time of the functions (the chat
//! widget's three and case-files) against a floor (a bare lambda_http hello-world built exactly
//! as they are), against floor-call (the floor plus one plain HTTP call upstream per invoke, the
//! least a function that calls Connect can do) and against the peers: start-chat's work on
//! Node.js and on Python under their official Runtime Interface Clients.
//! Each bootstrap runs as a fresh process under our own Lambda Runtime API on loopback; Connect
//! calls go to a minimal stub (default) or to connect-local (`--upstream connect-local`), both in
//! this process.
//! Every round cold-starts the deployables one after another (in a rotating order), then makes
//! their warm invokes in turns, so ratios hold on a noisy machine: a stall of the host lands on
//! all of them rather than on whichever one happens to be running.
//!
//! Normally run through `scripts/bench.sh`, which builds the deployables with cargo-lambda.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use bench::client::{create_connection, field, send_json, start_chat};
use bench::peak_rss_kb;
use bench::runtime_api::RuntimeApi;
use connect_local::Options;
use serde_json::{json, Value};

const INIT_LIMIT: Duration = Duration::from_secs(20);
const INVOKE_LIMIT: Duration = Duration::from_secs(20);
const FLOOR: &str = "floor-hello";
/// A hello-world that makes one plain upstream call per invoke: the least a function that must
/// call Connect can do, and the reference for the CPU target. Not checked itself.
const REFERENCE: &str = "floor-call";
/// The runtimes teams deploy instead, each doing start-chat's work under its official Runtime
/// Interface Client (`bench/node-start-chat`, `bench/python-start-chat`). Measured when
/// `scripts/bench.sh` has laid them out in the lambda directory; without them the checks
/// against them fail.
const PEERS: [(&str, &str); 2] = [
    (
        "node-start-chat",
        "Node.js + AWS SDK for JavaScript v3 under aws-lambda-ric",
    ),
    ("python-start-chat", "Python + boto3 under awslambdaric"),
];
/// case-files is measured on its start route (StartAttachedFileUpload).
const FUNCTIONS: [&str; 4] = [
    "start-chat",
    "start-attachment",
    "complete-attachment",
    "case-files",
];
/// The machine's CA bundle, which stands for Lambda's (`/etc/pki/tls/certs/ca-bundle.crt`).
const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// The Cases domain case-files is configured with.
const CASES_DOMAIN_ARN: &str = "arn:aws:cases:us-east-1:123456789012:domain/bench-domain";

// Targets, as ratios measured in the same run. The first invoke and the warm latency quantiles
// are printed but not checked: sub-millisecond wall-clock differences on a shared 2-vCPU
// machine say more about the machine than about the functions. Peak RSS is checked against an
// absolute limit only (below 16 MB it changes no bill: Lambda's smallest size is 128 MB); its
// ratio to the floor is printed.
const INIT_RATIO: f64 = 1.5;
/// CPU per warm invoke, against floor-call.
const CPU_PER_WARM_INVOKE_RATIO: f64 = 2.0;
const RSS_MAX_MB: f64 = 16.0;
const ZIP_MAX_MB: f64 = 5.0;
/// How many times less than each peer every function must take.
const PEER_INIT_FACTOR: f64 = 30.0;
const PEER_CPU_FACTOR: f64 = 5.0;
const PEER_RSS_FACTOR: f64 = 5.0;

/// The warm-latency quantiles printed besides p50 and p99, to show how the difference from the
/// floor grows towards the tail: (column name, per mille).
const SPREAD: [(&str, usize); 5] = [
    ("p50", 500),
    ("p90", 900),
    ("p95", 950),
    ("p99", 990),
    ("p99.9", 999),
];

/// Cold start, latency, memory, size and CPU time of the functions against the floor.
#[derive(clap::Parser)]
#[command(name = "lambda-bench")]
struct Args {
    /// Where cargo-lambda put the deployables' bootstrap.zip files.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/lambda"))]
    lambda_dir: PathBuf,
    /// The API Gateway events each function is invoked with.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../events"))]
    events_dir: PathBuf,
    /// Cold starts of every deployable.
    #[arg(long, default_value_t = 7, value_parser = count)]
    rounds: usize,
    /// Warm invokes of every deployable per round.
    #[arg(long, default_value_t = 300, value_parser = count)]
    warm: usize,
    /// What answers the functions' Connect calls.
    #[arg(long, value_enum, default_value_t = Upstream::Stub)]
    upstream: Upstream,
}

fn count(raw: &str) -> Result<usize, String> {
    raw.parse::<usize>()
        .ok()
        .filter(|n| (1..=10_000).contains(n))
        .ok_or_else(|| format!("{raw:?} is not a whole number from 1 to 10000"))
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Upstream {
    /// A minimal stub with prebuilt answers.
    Stub,
    /// connect-local, in this process.
    ConnectLocal,
}

/// Everything measured for one deployable, over all rounds.
#[derive(Default)]
struct Samples {
    init: Vec<Duration>,
    first: Vec<Duration>,
    warm: Vec<Duration>,
    rss_kb: Vec<u64>,
    /// Minor page faults from spawn to the first `next`, and during the first invoke.
    faults_init: Vec<u64>,
    faults_first: Vec<u64>,
    /// CPU time of all the process's threads: init, the first invoke, and the mean per warm
    /// invoke, one value per round (None where the kernel does not report it).
    cpu_init: Vec<Option<Duration>>,
    cpu_first: Vec<Option<Duration>>,
    cpu_warm: Vec<Option<Duration>>,
    zip_bytes: u64,
}

/// What connect-local provides for the attachment functions' events.
struct Fixtures {
    base: String,
    connection_token: String,
    attachment_id: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = <Args as clap::Parser>::parse();
    match run(&args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("lambda-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<bool, String> {
    // Whichever upstream runs is kept alive (and stopped) by these bindings.
    let (stub, _connect_local, fixtures) = if args.upstream == Upstream::ConnectLocal {
        let server = connect_local::start(Options {
            agent: false,
            ..Options::default()
        })
        .await
        .map_err(|e| e.to_string())?;
        let fixtures = prepare(&server.base_url).await?;
        (None, Some(server), fixtures)
    } else {
        let stub = bench::stub::start().map_err(|e| e.to_string())?;
        let fixtures = Fixtures {
            base: stub.base_url.clone(),
            connection_token: "stub-connection-token".into(),
            attachment_id: "stub-attachment".into(),
        };
        (Some(stub), None, fixtures)
    };
    let peers: Vec<&str> = PEERS
        .iter()
        .map(|&(name, _)| name)
        .filter(|name| args.lambda_dir.join(name).join("bootstrap").exists())
        .collect();
    let names: Vec<&str> = [FLOOR, REFERENCE]
        .into_iter()
        .chain(FUNCTIONS)
        .chain(peers.iter().copied())
        .collect();
    let mut samples: Vec<Samples> = names.iter().map(|_| Samples::default()).collect();
    for (i, name) in names.iter().enumerate() {
        let zip = args.lambda_dir.join(name).join("bootstrap.zip");
        samples[i].zip_bytes = std::fs::metadata(&zip)
            .map_err(|e| format!("{}: {e}", zip.display()))?
            .len();
    }
    let upstream = if args.upstream == Upstream::ConnectLocal {
        "connect-local"
    } else {
        "a minimal stub"
    };
    eprintln!(
        "lambda-bench: {} rounds x {} deployables, {} warm invokes each, Connect calls to {upstream}",
        args.rounds,
        names.len(),
        args.warm
    );
    for round in 0..args.rounds {
        // Rotate the order every round so no deployable always starts first or last.
        let order: Vec<usize> = (0..names.len())
            .map(|k| (k + round) % names.len())
            .collect();
        // Cold starts one at a time; each process then stays up, waiting for its next event.
        let mut live = Vec::with_capacity(order.len());
        for &i in &order {
            live.push(
                Live::cold_start(args, names[i], &fixtures, round)
                    .await
                    .map_err(|e| format!("{}: {e}", names[i]))?,
            );
        }
        // Warm invokes take turns across the processes, so a stall of the host falls on every
        // deployable alike instead of on whichever one happened to be running.
        for n in 1..=args.warm {
            for (process, &i) in live.iter_mut().zip(&order) {
                process
                    .warm_invoke(round, n)
                    .await
                    .map_err(|e| format!("{}: {e}", names[i]))?;
            }
        }
        for (process, &i) in live.into_iter().zip(&order) {
            let outcome = process.finish().map_err(|e| format!("{}: {e}", names[i]))?;
            let s = &mut samples[i];
            s.init.push(outcome.init);
            s.first.push(outcome.first);
            s.warm.extend(outcome.warm);
            s.rss_kb.push(outcome.rss_kb);
            s.faults_init.push(outcome.faults_init);
            s.faults_first.push(outcome.faults_first);
            s.cpu_init.push(outcome.cpu_init);
            s.cpu_first.push(outcome.cpu_first);
            s.cpu_warm.push(outcome.cpu_warm);
        }
        eprintln!("lambda-bench: round {} of {} done", round + 1, args.rounds);
    }
    // Every invocation of anything but the floor (the functions and the reference) makes
    // exactly one upstream call: check they reached the stub.
    if let Some(stub) = &stub {
        let callers = names.iter().filter(|name| **name != FLOOR).count();
        let expected = (callers * args.rounds * (args.warm + 1)) as u64;
        if stub.answered() != expected {
            return Err(format!(
                "the stub answered {} requests, expected {expected}",
                stub.answered()
            ));
        }
    }
    println!("Connect and Participant Service calls went to {upstream} on loopback; {} rounds, {} warm invokes per round.", args.rounds, args.warm);
    println!("{REFERENCE} is the reference for CPU per warm invoke: a hello-world on the functions' current-thread runtime that makes one plain HTTP call (no SDK) to the same upstream per invoke.");
    for (name, what) in PEERS {
        if peers.contains(&name) {
            println!(
                "{name} is start-chat's work on {what}, under the same harness ({}).",
                runtime_version(name)
            );
        } else {
            println!("{name} ({what}) is not laid out in the lambda directory: scripts/bench.sh lays it out.");
        }
    }
    println!();
    Ok(report(&names, &mut samples))
}

/// The interpreter version a peer runs on.
fn runtime_version(peer: &str) -> String {
    let (program, arg) = if peer.starts_with("node") {
        ("node", "--version")
    } else {
        ("python3", "--version")
    };
    Command::new(program)
        .arg(arg)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "(unknown)".into())
}

/// A chat with a connection token and an uploaded attachment, for the attachment functions.
async fn prepare(base: &str) -> Result<Fixtures, String> {
    let http = reqwest::Client::new();
    let chat = start_chat(&http, base, "Bench customer", "lambda-bench").await?;
    let connection = create_connection(
        &http,
        base,
        &field(&chat, "ParticipantToken")?,
        &["CONNECTION_CREDENTIALS"],
    )
    .await?;
    let connection_token = connection["ConnectionCredentials"]["ConnectionToken"]
        .as_str()
        .ok_or("no ConnectionToken")?
        .to_owned();
    let bytes = b"%PDF-1.4 bench";
    let started = send_json(
        &http,
        http.post(format!("{base}/participant/start-attachment-upload"))
            .header("x-amz-bearer", &connection_token)
            .json(&json!({"AttachmentName": "bench.pdf", "AttachmentSizeInBytes": bytes.len(), "ContentType": "application/pdf", "ClientToken": "bench-complete"}))
            .build()
            .map_err(|e| e.to_string())?,
    )
    .await?;
    let meta = &started["UploadMetadata"];
    let mut put = http
        .put(meta["Url"].as_str().ok_or("no Url")?)
        .body(bytes.to_vec());
    for (k, v) in meta["HeadersToInclude"]
        .as_object()
        .ok_or("no HeadersToInclude")?
    {
        if k != "Content-Length" {
            put = put.header(k, v.as_str().unwrap_or_default());
        }
    }
    let status = put.send().await.map_err(|e| e.to_string())?.status();
    if !status.is_success() {
        return Err(format!("upload PUT failed: {status}"));
    }
    Ok(Fixtures {
        base: base.to_owned(),
        connection_token,
        attachment_id: field(&started, "AttachmentId")?,
    })
}

/// What one deployable is invoked with.
enum Events {
    /// The same event every time, serialised once.
    Fixed(Bytes),
    /// start-chat's event, which gets a new idempotency key for every invoke.
    NewChat(Value),
}

impl Events {
    /// The event for invocation `n` (0 is the first) in `round`.
    fn for_invoke(&self, round: usize, n: usize) -> Bytes {
        match self {
            Events::Fixed(event) => event.clone(),
            // A new chat each time, so every invoke takes the real path.
            Events::NewChat(template) => {
                let mut event = template.clone();
                event["headers"]["idempotency-key"] =
                    json!(format!("bench-{}-{round}-{n}", std::process::id()));
                Bytes::from(event.to_string())
            }
        }
    }
}

/// The API Gateway events `name` is invoked with, read once per cold start from `events/`, with
/// the attachment functions' token and body filled in.
fn events(args: &Args, name: &str, fixtures: &Fixtures) -> Result<Events, String> {
    let file = match name {
        "start-attachment" => "start-attachment.json",
        "complete-attachment" => "complete-attachment.json",
        "case-files" => "case-attachment-start.json",
        _ => "start-chat-minimal.json",
    };
    let path = args.events_dir.join(file);
    let mut event: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?,
    )
    .map_err(|e| e.to_string())?;
    match name {
        "start-attachment" => {
            event["headers"]["x-amz-bearer"] = json!(fixtures.connection_token);
            event["body"] = json!(json!({"AttachmentName": "bench.pdf", "AttachmentSizeInBytes": 14, "ContentType": "application/pdf", "ClientToken": "bench-start"}).to_string());
        }
        "complete-attachment" => {
            event["headers"]["x-amz-bearer"] = json!(fixtures.connection_token);
            event["body"] = json!(
                json!({"AttachmentIds": [fixtures.attachment_id], "ClientToken": "bench-complete"})
                    .to_string()
            );
        }
        // A fixed ClientToken: every invoke asks for the same file, which connect-local then
        // answers idempotently instead of counting a new file against its per-case quota.
        "case-files" => {
            event["body"] = json!(json!({"CaseId": "8d9f2a2e-5b61-4c1c-9a0e-2f7c1d0b6e11", "FileName": "bench.pdf", "FileSizeInBytes": 14, "ContentType": "application/pdf", "ClientToken": "bench-case-start"}).to_string());
        }
        _ => {}
    }
    Ok(
        if name == "start-chat" || PEERS.iter().any(|&(peer, _)| peer == name) {
            Events::NewChat(event)
        } else {
            Events::Fixed(Bytes::from(event.to_string()))
        },
    )
}

struct Outcome {
    init: Duration,
    first: Duration,
    warm: Vec<Duration>,
    rss_kb: u64,
    faults_init: u64,
    faults_first: u64,
    cpu_init: Option<Duration>,
    cpu_first: Option<Duration>,
    cpu_warm: Option<Duration>,
}

/// Stops the process when dropped, whatever happened: SIGTERM (as Lambda does at shutdown), then
/// SIGKILL if it is still there after a grace period.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child's pid has no memory-safety preconditions.
        unsafe { libc::kill(self.0.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One bootstrap process after its cold start, with its Runtime API and what was measured so far.
struct Live {
    events: Events,
    api: RuntimeApi,
    process: Process,
    init: Duration,
    first: Duration,
    warm: Vec<Duration>,
    faults_init: u64,
    faults_first: u64,
    cpu_after_init: Option<Duration>,
    cpu_after_first: Option<Duration>,
}

impl Live {
    /// Spawns `name`'s bootstrap, waits for the end of its init and makes the first invoke.
    async fn cold_start(
        args: &Args,
        name: &str,
        fixtures: &Fixtures,
        round: usize,
    ) -> Result<Self, String> {
        let events = events(args, name, fixtures)?;
        let mut api = RuntimeApi::start().await.map_err(|e| e.to_string())?;
        let bootstrap = args.lambda_dir.join(name).join("bootstrap");
        let spawned = Instant::now();
        let process = Process(spawn(&bootstrap, &api.address, name, &fixtures.base)?);
        let init = api
            .first_next(INIT_LIMIT)
            .await?
            .saturating_duration_since(spawned);
        let faults_init = minor_faults(process.0.id())?;
        let cpu_after_init = cpu_time(process.0.id());
        let (first, answer) = api
            .invoke(events.for_invoke(round, 0), INVOKE_LIMIT)
            .await?;
        check(&answer)?;
        let faults_first = minor_faults(process.0.id())?.saturating_sub(faults_init);
        let cpu_after_first = cpu_time(process.0.id());
        Ok(Self {
            events,
            api,
            process,
            init,
            first,
            warm: Vec::with_capacity(args.warm),
            faults_init,
            faults_first,
            cpu_after_init,
            cpu_after_first,
        })
    }

    /// Warm invocation `n` (from 1).
    async fn warm_invoke(&mut self, round: usize, n: usize) -> Result<(), String> {
        let event = self.events.for_invoke(round, n);
        let (took, answer) = self.api.invoke(event, INVOKE_LIMIT).await?;
        check(&answer)?;
        self.warm.push(took);
        Ok(())
    }

    /// Reads the peak RSS and the CPU time, and stops the process.
    fn finish(self) -> Result<Outcome, String> {
        let pid = self.process.0.id();
        let rss_kb = peak_rss_kb(pid)?;
        let cpu_after_warm = cpu_time(pid);
        drop(self.process);
        let between = |from: Option<Duration>, to: Option<Duration>| to?.checked_sub(from?);
        Ok(Outcome {
            init: self.init,
            first: self.first,
            rss_kb,
            faults_init: self.faults_init,
            faults_first: self.faults_first,
            cpu_init: self.cpu_after_init,
            cpu_first: between(self.cpu_after_init, self.cpu_after_first),
            cpu_warm: between(self.cpu_after_first, cpu_after_warm)
                .map(|total| total / self.warm.len().max(1) as u32),
            warm: self.warm,
        })
    }
}

/// Every invocation must have succeeded with HTTP 200, or we would be timing errors.
fn check(answer: &bench::runtime_api::Answer) -> Result<(), String> {
    let body: Value =
        serde_json::from_slice(&answer.body).map_err(|e| format!("answer is not JSON: {e}"))?;
    if !answer.ok || body["statusCode"] != 200 {
        return Err(format!("invocation did not return 200: {body}"));
    }
    Ok(())
}

fn spawn(bootstrap: &Path, runtime_api: &str, name: &str, connect: &str) -> Result<Child, String> {
    // A directory with no certificates in it, so that only the bundle is read.
    let empty_cert_dir = std::env::temp_dir().join("lambda-bench-no-certs");
    std::fs::create_dir_all(&empty_cert_dir).map_err(|e| e.to_string())?;
    let mut command = Command::new(bootstrap);
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_LAMBDA_LOG_LEVEL", "INFO")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", connect_local::DEFAULT_ACCESS_KEY_ID)
        .env(
            "AWS_SECRET_ACCESS_KEY",
            connect_local::DEFAULT_SECRET_ACCESS_KEY,
        )
        .env("AWS_SESSION_TOKEN", "bench-session-token")
        .env("AWS_ENDPOINT_URL_CONNECT", connect)
        .env("AWS_ENDPOINT_URL_CONNECTPARTICIPANT", connect)
        .env("CONNECT_INSTANCE_ID", connect_local::DEFAULT_INSTANCE_ID)
        .env(
            "CONNECT_CONTACT_FLOW_ID",
            connect_local::DEFAULT_CONTACT_FLOW_ID,
        )
        .env("ALLOWED_ORIGINS", "https://www.example.com")
        .env("ALLOWED_ATTRIBUTES", "customerId,plan")
        .env(
            "LAMBDA_TASK_ROOT",
            bootstrap.parent().unwrap_or(Path::new(".")),
        )
        .env("TZ", ":UTC")
        // Root certificates as Lambda's Amazon Linux 2023 keeps them: one bundle file (here
        // Debian's), no directory of single certificates to read besides.
        .env("SSL_CERT_FILE", SYSTEM_CA_BUNDLE)
        .env("SSL_CERT_DIR", &empty_cert_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // Only case-files is deployed with the Cases domain (template.yaml).
    if name == "case-files" {
        command.env("CASES_DOMAIN_ARN", CASES_DOMAIN_ARN);
    }
    command
        .spawn()
        .map_err(|e| format!("{}: {e}", bootstrap.display()))
}

/// Minor page faults of the process so far (`minflt` in /proc/PID/stat). Read while the process
/// is blocked waiting for its next event, so the count is settled.
fn minor_faults(pid: u32) -> Result<u64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| e.to_string())?;
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    after_name
        .split_whitespace()
        .nth(7)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| "no minflt in /proc stat".into())
}

/// CPU time the process has used so far, all its threads together (the first field of each
/// `/proc/PID/task/TID/schedstat`, in nanoseconds). Read, like the page faults, while the process
/// waits for its next event. None if the kernel does not provide schedstat. A thread that ends
/// while the tasks are listed is skipped.
fn cpu_time(pid: u32) -> Option<Duration> {
    if !Path::new("/proc/self/schedstat").exists() {
        return None;
    }
    let mut total = Duration::ZERO;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
    {
        let Ok(schedstat) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        total += Duration::from_nanos(schedstat.split_whitespace().next()?.parse().ok()?);
    }
    Some(total)
}

fn median<T: Ord + Copy + Default>(values: &mut [T]) -> T {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

/// The `per_mille`/1000 quantile of `sorted` (500 is the median, 990 the 99th percentile).
fn quantile(sorted: &[Duration], per_mille: usize) -> Duration {
    sorted
        .get((sorted.len() * per_mille / 1000).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

/// Prints the results table and the target checks; true when every target holds.
fn report(names: &[&str], samples: &mut [Samples]) -> bool {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let us = |d: Duration| d.as_secs_f64() * 1_000_000.0;
    struct Row {
        name: String,
        init: f64,
        first: f64,
        p50: f64,
        p99: f64,
        /// Warm latency (µs) at each of [`SPREAD`].
        spread: Vec<f64>,
        rss: f64,
        zip: f64,
        cold: f64,
        faults_init: u64,
        faults_first: u64,
        /// CPU time: init (ms), first invoke (µs), per warm invoke (µs).
        cpu: Option<[f64; 3]>,
    }
    // Medians over rounds, or None if a round had no figure.
    let cpu_median = |values: &[Option<Duration>]| {
        values
            .iter()
            .copied()
            .collect::<Option<Vec<_>>>()
            .map(|mut all| median(&mut all))
    };
    let rows: Vec<Row> = names
        .iter()
        .zip(samples.iter_mut())
        .map(|(name, s)| {
            // Per round, before the vectors are sorted: what a caller waits for on a cold start.
            let mut cold: Vec<Duration> =
                s.init.iter().zip(&s.first).map(|(i, f)| *i + *f).collect();
            s.warm.sort();
            Row {
                name: name.to_string(),
                init: ms(median(&mut s.init)),
                first: ms(median(&mut s.first)),
                p50: us(quantile(&s.warm, 500)),
                p99: us(quantile(&s.warm, 990)),
                spread: SPREAD
                    .iter()
                    .map(|&(_, per_mille)| us(quantile(&s.warm, per_mille)))
                    .collect(),
                rss: median(&mut s.rss_kb) as f64 / 1024.0,
                zip: s.zip_bytes as f64 / (1024.0 * 1024.0),
                cold: ms(median(&mut cold)),
                faults_init: median(&mut s.faults_init),
                faults_first: median(&mut s.faults_first),
                cpu: cpu_median(&s.cpu_init)
                    .zip(cpu_median(&s.cpu_first))
                    .zip(cpu_median(&s.cpu_warm))
                    .map(|((init, first), warm)| [ms(init), us(first), us(warm)]),
            }
        })
        .collect();
    let floor = &rows[0];
    let warm_cpu = |r: &Row| r.cpu.map(|[_, _, warm]| warm);
    println!("| Deployable | Init (ms) | × floor | First invoke (ms) | × floor | Warm p50 (µs) | Warm p99 (µs) | p99 − floor (µs) | Peak RSS (MB) | × floor | Zip (MB) |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {:.2} | {:.2} | {:.3} | {:.2} | {:.0} | {:.0} | {:+.0} | {:.1} | {:.2} | {:.2} |",
            r.name, r.init, r.init / floor.init, r.first, r.first / floor.first, r.p50, r.p99, r.p99 - floor.p99,
            r.rss, r.rss / floor.rss, r.zip
        );
    }
    println!();
    println!("| Deployable | Init + first invoke (ms) | × floor | Page faults, init | Page faults, first invoke |");
    println!("|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {:.2} | {:.2} | {} | {} |",
            r.name,
            r.cold,
            r.cold / floor.cold,
            r.faults_init,
            r.faults_first
        );
    }
    println!();
    let reference_warm = rows.iter().find(|r| r.name == REFERENCE).and_then(warm_cpu);
    println!("| Deployable | CPU, init (ms) | × floor | CPU, first invoke (µs) | × floor | CPU per warm invoke (µs) | × floor | × {REFERENCE} |");
    println!("|---|---|---|---|---|---|---|---|");
    for r in &rows {
        match (r.cpu, floor.cpu) {
            (Some([init, first, warm]), Some([floor_init, floor_first, floor_warm])) => println!(
                "| {} | {init:.2} | {:.2} | {first:.0} | {:.2} | {warm:.0} | {:.2} | {} |",
                r.name,
                init / floor_init,
                first / floor_first,
                warm / floor_warm,
                reference_warm.map_or("n/a".into(), |reference| format!("{:.2}", warm / reference))
            ),
            _ => println!("| {} | n/a | | n/a | | n/a | | |", r.name),
        }
    }
    println!();
    let heads: Vec<&str> = SPREAD.iter().map(|&(name, _)| name).collect();
    println!("| Warm latency (µs), and − floor | {} |", heads.join(" | "));
    println!("|---|{}", "---|".repeat(SPREAD.len()));
    for r in &rows {
        let cells: Vec<String> = r
            .spread
            .iter()
            .zip(&floor.spread)
            .map(|(v, f)| format!("{v:.0} ({:+.0})", v - f))
            .collect();
        println!("| {} | {} |", r.name, cells.join(" | "));
    }
    println!();
    let peers: Vec<&Row> = PEERS
        .iter()
        .filter_map(|&(name, _)| rows.iter().find(|r| r.name == name))
        .collect();
    if !peers.is_empty() {
        let heads: Vec<String> = peers
            .iter()
            .flat_map(|p| {
                ["init", "CPU per warm invoke", "peak RSS"]
                    .map(|what| format!("{what}, {}", p.name))
            })
            .collect();
        println!("| Times less than the peers | {} |", heads.join(" | "));
        println!("|---|{}", "---|".repeat(heads.len()));
        for r in rows.iter().filter(|r| FUNCTIONS.contains(&r.name.as_str())) {
            let cells: Vec<String> = peers
                .iter()
                .flat_map(|p| {
                    [
                        format!("{:.0}×", p.init / r.init),
                        warm_cpu(p)
                            .zip(warm_cpu(r))
                            .map_or("n/a".into(), |(peer, ours)| format!("{:.1}×", peer / ours)),
                        format!("{:.1}×", p.rss / r.rss),
                    ]
                })
                .collect();
            println!("| {} | {} |", r.name, cells.join(" | "));
        }
        println!();
    }
    let mut all = true;
    for r in rows.iter().filter(|r| FUNCTIONS.contains(&r.name.as_str())) {
        let cpu_ratio = warm_cpu(r)
            .zip(reference_warm)
            .map(|(ours, reference)| ours / reference);
        let mut checks = vec![
            (
                format!("init {:.2}× floor ≤ {INIT_RATIO}×", r.init / floor.init),
                r.init <= INIT_RATIO * floor.init,
            ),
            (
                match cpu_ratio {
                    Some(ratio) => format!(
                        "CPU per warm invoke {ratio:.2}× {REFERENCE} ≤ {CPU_PER_WARM_INVOKE_RATIO}×"
                    ),
                    None => "CPU per warm invoke: not reported by this kernel".into(),
                },
                cpu_ratio.is_some_and(|ratio| ratio <= CPU_PER_WARM_INVOKE_RATIO),
            ),
            (
                format!(
                    "peak RSS {:.1} MB < {RSS_MAX_MB} MB ({:.2}× floor, not checked)",
                    r.rss,
                    r.rss / floor.rss
                ),
                r.rss < RSS_MAX_MB,
            ),
            (
                format!("zip {:.2} MB < {ZIP_MAX_MB} MB", r.zip),
                r.zip < ZIP_MAX_MB,
            ),
        ];
        for &(name, _) in &PEERS {
            let Some(p) = rows.iter().find(|row| row.name == name) else {
                checks.push((format!("{name}: not measured"), false));
                continue;
            };
            checks.push((
                format!(
                    "init {:.0}× less than {name} ≥ {PEER_INIT_FACTOR}×",
                    p.init / r.init
                ),
                r.init * PEER_INIT_FACTOR <= p.init,
            ));
            let cpu = warm_cpu(p).zip(warm_cpu(r));
            checks.push((
                match cpu {
                    Some((peer, ours)) => format!(
                        "CPU per warm invoke {:.1}× less than {name} ≥ {PEER_CPU_FACTOR}×",
                        peer / ours
                    ),
                    None => {
                        format!("CPU per warm invoke against {name}: not reported by this kernel")
                    }
                },
                cpu.is_some_and(|(peer, ours)| ours * PEER_CPU_FACTOR <= peer),
            ));
            checks.push((
                format!(
                    "peak RSS {:.1}× less than {name} ≥ {PEER_RSS_FACTOR}×",
                    p.rss / r.rss
                ),
                r.rss * PEER_RSS_FACTOR <= p.rss,
            ));
        }
        for (text, ok) in checks {
            all &= ok;
            println!("{} {}: {text}", if ok { "PASS" } else { "FAIL" }, r.name);
        }
        println!(
            "     {}: reported, not checked: first invoke {:.2}× floor, warm p99 floor{:+.0} µs",
            r.name,
            r.first / floor.first,
            r.p99 - floor.p99
        );
    }
    println!(
        "\nresult: {}",
        if all {
            "all targets hold"
        } else {
            "some targets missed"
        }
    );
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(event: &Bytes) -> Value {
        let event: Value = serde_json::from_slice(event).expect("the event is JSON");
        event["headers"]["idempotency-key"].clone()
    }

    #[test]
    fn every_start_chat_invoke_gets_a_new_idempotency_key_and_nothing_else_changes() {
        let template = json!({"headers": {"content-type": "application/json"}, "body": "{}"});
        let events = Events::NewChat(template.clone());
        let invokes =
            [(0, 0), (0, 1), (1, 0), (1, 1)].map(|(round, n)| events.for_invoke(round, n));
        let keys: Vec<Value> = invokes.iter().map(key).collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(k.is_string(), "{k}");
            assert!(
                !keys[..i].contains(k),
                "{k} repeats an earlier key: {keys:?}"
            );
        }
        let mut first: Value = serde_json::from_slice(&invokes[0]).unwrap();
        first["headers"]
            .as_object_mut()
            .unwrap()
            .remove("idempotency-key");
        assert_eq!(first, template);
    }

    #[test]
    fn a_fixed_event_is_sent_unchanged_every_time() {
        let event = Bytes::from_static(br#"{"headers":{},"body":"{}"}"#);
        let events = Events::Fixed(event.clone());
        assert_eq!(events.for_invoke(0, 0), event);
        assert_eq!(events.for_invoke(3, 7), event);
    }
}
