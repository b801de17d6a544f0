//! Structured JSON logging. Level from `AWS_LAMBDA_LOG_LEVEL` (set by the template's
//! LoggingConfig), else `RUST_LOG`, else `info`. Handlers never log tokens, presigned URLs,
//! display names or attribute values; the tests check the tokens.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber writing JSON lines to stdout (CloudWatch in Lambda).
pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".into());
    tracing::subscriber::set_global_default(subscriber(std::io::stdout, &level))
        .expect("a global tracing subscriber is set only once, at cold start");
}

/// Targets whose debug and trace events print raw HTTP requests and responses, which carry
/// tokens and presigned URLs (the SDK's orchestrator logs whole response bodies at trace).
const RAW_HTTP_TARGETS: [&str; 5] = ["aws_", "hyper", "h2", "rustls", "tower"];

/// The configured level for our code, with the raw-HTTP crates capped at `info` so that turning
/// on debug logging never leaks a token.
fn filter(level: &str) -> EnvFilter {
    let mut directives = level.trim().to_ascii_lowercase();
    if directives.contains("debug") || directives.contains("trace") {
        for target in RAW_HTTP_TARGETS {
            directives.push_str(&format!(",{target}=info"));
        }
    }
    EnvFilter::new(directives)
}

/// The subscriber `init` installs, writing to `writer`; tests use it to capture log lines.
pub fn subscriber<W>(writer: W, level: &str) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(true)
        .with_ansi(false)
        .without_time()
        .with_env_filter(filter(level))
        .with_writer(writer)
        .finish()
}
