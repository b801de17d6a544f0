//! `connect-local` command line: parse flags, start the server, print the ready line, stop on
//! SIGINT or SIGTERM.

use std::process::ExitCode;
use std::time::Duration;

use connect_local::{start, Options};

const USAGE: &str = "\
connect-local: a local Amazon Connect (StartChatContact, Participant Service, uploads)

USAGE: connect-local [--listen 127.0.0.1:4010] [--instance-id ID] [--contact-flow-id ID]
                     [--access-key-id KEY] [--secret-access-key SECRET]
                     [--url-ttl-seconds 300] [--max-attachment-bytes 20971520]
                     [--agent echo|off] [--agent-name NAME] [--agent-delay-ms 500]
                     [--reply-delay-ms 400] [--reject-attachments-matching eicar]
                     [--scan-delay-ms 0] [--reject-messages-matching TEXT]
                     [--region us-east-1] [--cases-domain-id ID]

Defaults: instance 11111111-1111-4111-8111-111111111111,
          contact flow 22222222-2222-4222-8222-222222222222,
          credentials AKIALOCALCONNECT0001 / connect-local-secret-access-key,
          region us-east-1, Cases domain 33333333-3333-4333-8333-333333333333.
`--listen 127.0.0.1:0` picks a free port; the ready line names it.
The simulated agent (on by default) joins new chats, greets, echoes messages, sends a file on
`/attachment` and ends the chat on `/end`. Attachments named like the reject pattern are REJECTED.
Prints `connect-local ready at http://ADDR` on stdout once it accepts requests.";

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        listen: ([127, 0, 0, 1], 4010).into(),
        ..Options::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: {v:?} is not a number"))
        };
        match flag.as_str() {
            "--listen" => {
                options.listen = value
                    .parse()
                    .map_err(|_| format!("--listen: {value:?} is not HOST:PORT"))?
            }
            "--instance-id" => options.instance_id = value,
            "--contact-flow-id" => options.contact_flow_id = value,
            "--access-key-id" => options.access_key_id = value,
            "--secret-access-key" => options.secret_access_key = value,
            "--url-ttl-seconds" => options.url_ttl = Duration::from_secs(number(&value)?),
            "--max-attachment-bytes" => options.max_attachment_bytes = number(&value)?,
            "--agent" => {
                options.agent = match value.as_str() {
                    "echo" => true,
                    "off" => false,
                    _ => return Err(format!("--agent: {value:?} must be echo or off")),
                }
            }
            "--agent-name" => options.agent_name = value,
            "--agent-delay-ms" => options.agent_join_delay = Duration::from_millis(number(&value)?),
            "--reply-delay-ms" => {
                options.agent_reply_delay = Duration::from_millis(number(&value)?)
            }
            "--reject-attachments-matching" => options.reject_attachments_matching = Some(value),
            "--scan-delay-ms" => options.scan_delay = Duration::from_millis(number(&value)?),
            "--reject-messages-matching" => options.reject_messages_matching = Some(value),
            "--region" => options.region = value,
            "--cases-domain-id" => options.cases_domain_id = value,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CONNECT_LOCAL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("connect-local: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
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
            eprintln!("connect-local: cannot listen: {err}");
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
