//! `connect-local` command line: read the settings (flags over an optional `--config` file),
//! install the signal handlers, start the server, print the ready line, stop on SIGINT or
//! SIGTERM.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser, ValueEnum};
use connect_local::{start, Options};

/// A local Amazon Connect: StartChatContact and attached files, the Participant Service and
/// its websocket, upload storage, the Cases operations for case files, and a simulated agent.
///
/// Each chat runs its contact flow (`--flows DIR` adds a team's own; the shipped default
/// flow queues the chat for the agent and sets a post-chat survey as its disconnect flow).
/// The agent (on by default) joins queued chats, greets, echoes messages, sends a file on
/// `/attachment` and ends the chat on `/end`. Prints `connect-local ready at http://ADDR` on
/// stdout once it accepts requests; `--listen 127.0.0.1:0` takes a free port.
///
/// `--config FILE` reads the same settings from a TOML file, each under its flag's name
/// (`listen = "127.0.0.1:4010"`, `flows = "connect/flows"`); flags given on the command line
/// win, and relative paths in the file are relative to the file.
#[derive(Parser, serde::Deserialize)]
#[command(name = "connect-local", version)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct Cli {
    /// A TOML file with any of these settings, under the flags' names.
    #[arg(long)]
    #[serde(skip)]
    config: Option<PathBuf>,
    /// Address to listen on (port 0: a free one).
    #[arg(long, default_value = "127.0.0.1:4010")]
    listen: SocketAddr,
    /// Region that signed requests must be scoped to.
    #[arg(long, default_value = connect_local::DEFAULT_REGION)]
    region: String,
    #[arg(long, default_value = connect_local::DEFAULT_INSTANCE_ID)]
    instance_id: String,
    #[arg(long, default_value = connect_local::DEFAULT_CONTACT_FLOW_ID)]
    contact_flow_id: String,
    /// The Connect Cases domain served.
    #[arg(long, default_value = connect_local::DEFAULT_CASES_DOMAIN_ID)]
    cases_domain_id: String,
    /// Access key id requests must be signed with.
    #[arg(long, default_value = connect_local::DEFAULT_ACCESS_KEY_ID)]
    access_key_id: String,
    #[arg(long, default_value = connect_local::DEFAULT_SECRET_ACCESS_KEY)]
    secret_access_key: String,
    /// Lifetime of presigned upload and download URLs.
    #[arg(long, default_value_t = 300)]
    url_ttl_seconds: u64,
    /// Largest attachment accepted.
    #[arg(long, default_value_t = 20 * 1024 * 1024)]
    max_attachment_bytes: u64,
    /// Whether the simulated agent joins and answers chats.
    #[arg(long, value_enum, default_value_t = Agent::Echo)]
    agent: Agent,
    #[arg(long, default_value = "Sam (connect-local agent)")]
    agent_name: String,
    /// Delay before the agent joins a new chat.
    #[arg(long, default_value_t = 500)]
    agent_delay_ms: u64,
    /// Delay before the agent answers (typing shows meanwhile).
    #[arg(long, default_value_t = 400)]
    reply_delay_ms: u64,
    /// Attachments whose name contains this text are scanned REJECTED (empty: none).
    #[arg(long, default_value = "eicar")]
    reject_attachments_matching: String,
    /// Time attachments stay IN_PROGRESS before their scan result.
    #[arg(long, default_value_t = 0)]
    scan_delay_ms: u64,
    /// Turns message processing on: messages containing this text end REJECTED.
    #[arg(long)]
    reject_messages_matching: Option<String>,
    /// The customer idle timer every chat starts with: a customer silent this long, with an
    /// agent or custom bot in the chat, gets participant.idle (off by default).
    #[arg(long)]
    customer_idle_ms: Option<u64>,
    /// The customer auto-disconnect timer every chat starts with: an idle customer silent this
    /// much longer gets participant.autodisconnection and the agent leaves (needs
    /// --customer-idle-ms).
    #[arg(long)]
    customer_autodisconnect_ms: Option<u64>,
    /// How long one minute of UpdateParticipantRoleConfig's timers (2 to 480 minutes) lasts.
    #[arg(long, default_value_t = 60_000)]
    timer_minute_ms: u64,
    /// Where streaming chats' SNS notifications are POSTed, as SNS delivers to an HTTP
    /// subscription (they are also listed on the contact in /_local/contacts/{id}).
    #[arg(long)]
    streaming_endpoint: Option<String>,
    /// How long a ConnectionToken stays valid (Connect: one day); then the Participant Service
    /// refuses it with AccessDeniedException until CreateParticipantConnection gives a new one.
    #[arg(long, default_value_t = 86_400)]
    connection_token_ttl_seconds: u64,
    /// A directory of the team's flows (*.json in the Flow language), with an optional
    /// manifest.json (flow ids, names and types, queues, hours) and bots/*.json Lex stand-ins.
    #[arg(long)]
    flows: Option<std::path::PathBuf>,
    /// Base URL of the Lambda Invoke API that InvokeLambdaFunction calls (for example
    /// `cargo lambda watch`'s, http://127.0.0.1:9000).
    #[arg(long)]
    lambda_endpoint: Option<String>,
    /// How long a person in the console has to accept a chat offer before it goes to the next
    /// agent.
    #[arg(long, default_value_t = 20_000)]
    offer_timeout_ms: u64,
}

#[derive(Clone, Copy, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Agent {
    Echo,
    Off,
}

impl Default for Cli {
    /// The flags' defaults.
    fn default() -> Self {
        Self::parse_from(["connect-local"])
    }
}

impl Cli {
    /// The command line over the `--config` file (when one is named) over the defaults.
    fn read() -> Result<Self, String> {
        let matches = Self::command().get_matches();
        let Some(file) = matches.get_one::<PathBuf>("config").cloned() else {
            let settings = Self::from_arg_matches(&matches).map_err(|e| e.to_string())?;
            return settings.checked("the command line");
        };
        let mut settings = Self::from_file(&file)?;
        // Only what the command line itself gave replaces the file's settings.
        let given = Self::command()
            .mut_args(|arg| arg.default_value(None))
            .get_matches();
        settings
            .update_from_arg_matches(&given)
            .map_err(|e| e.to_string())?;
        let source = format!("the command line and {}", file.display());
        settings.config = Some(file);
        settings.checked(&source)
    }

    /// Rules between settings, checked once they are merged.
    fn checked(self, source: &str) -> Result<Self, String> {
        if self.customer_autodisconnect_ms.is_some() && self.customer_idle_ms.is_none() {
            return Err(format!(
                "{source}: customer-autodisconnect-ms needs customer-idle-ms"
            ));
        }
        Ok(self)
    }

    fn from_file(file: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("--config {}: {e}", file.display()))?;
        let mut settings: Self =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        let base = file.parent().unwrap_or(Path::new("."));
        settings.flows = settings.flows.map(|dir| base.join(dir));
        Ok(settings)
    }

    fn options(self) -> Options {
        Options {
            listen: self.listen,
            region: self.region,
            instance_id: self.instance_id,
            contact_flow_id: self.contact_flow_id,
            cases_domain_id: self.cases_domain_id,
            access_key_id: self.access_key_id,
            secret_access_key: self.secret_access_key,
            url_ttl: Duration::from_secs(self.url_ttl_seconds),
            max_attachment_bytes: self.max_attachment_bytes,
            agent: matches!(self.agent, Agent::Echo),
            agent_name: self.agent_name,
            agent_join_delay: Duration::from_millis(self.agent_delay_ms),
            agent_reply_delay: Duration::from_millis(self.reply_delay_ms),
            reject_attachments_matching: Some(self.reject_attachments_matching),
            scan_delay: Duration::from_millis(self.scan_delay_ms),
            reject_messages_matching: self.reject_messages_matching,
            customer_idle_after: self.customer_idle_ms.map(Duration::from_millis),
            customer_autodisconnect_after: self
                .customer_autodisconnect_ms
                .map(Duration::from_millis),
            timer_minute: Duration::from_millis(self.timer_minute_ms),
            connection_token_ttl: Duration::from_secs(self.connection_token_ttl_seconds),
            flows_dir: self.flows,
            lambda_endpoint: self.lambda_endpoint,
            streaming_endpoint: self.streaming_endpoint,
            offer_timeout: Duration::from_millis(self.offer_timeout_ms),
            ..Options::default()
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match Cli::read() {
        Ok(cli) => cli.options(),
        Err(err) => {
            eprintln!("connect-local: {err}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CONNECT_LOCAL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    // The handlers are in place before the ready line, so a signal sent as soon as a caller
    // reads it stops the server cleanly.
    let signals = match Signals::install() {
        Ok(signals) => signals,
        Err(err) => {
            eprintln!("connect-local: cannot install signal handlers: {err}");
            return ExitCode::FAILURE;
        }
    };
    let server = match start(options).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("connect-local: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("connect-local ready at {}", server.base_url);
    signals.wait().await;
    server.stop().await;
    eprintln!("connect-local stopped");
    ExitCode::SUCCESS
}

/// SIGINT and SIGTERM, listened for from the moment they are installed.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}
