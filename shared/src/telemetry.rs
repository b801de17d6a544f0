//! Structured JSON logging. Level from `AWS_LAMBDA_LOG_LEVEL` (set by the template's
//! LoggingConfig), else `RUST_LOG`, else `info`. Handlers never log tokens, presigned URLs,
//! display names or attribute values; the tests check the tokens.
//!
//! The filter is a `Targets` list (`level` or `target=level`, comma-separated), not an
//! `EnvFilter`: span and field filters are of no use in a function, and leaving them out keeps a
//! regex engine out of every deployable.

use tracing_subscriber::filter::{filter_fn, LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

/// Installs the global subscriber writing JSON lines to stdout (CloudWatch in Lambda).
pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".into());
    tracing::subscriber::set_global_default(subscriber(std::io::stdout, &level))
        .expect("a global tracing subscriber is set only once, at cold start");
}

/// Targets whose debug and trace events print raw requests, responses or events, which carry
/// tokens, presigned URLs, display names and attributes: the SDK's orchestrator logs whole
/// response bodies at trace, and the Lambda runtime the whole incoming event ("raw JSON event
/// received from Lambda").
const RAW_HTTP_TARGETS: [&str; 6] = ["aws_", "hyper", "h2", "rustls", "tower", "lambda_"];

fn is_raw_http(target: &str) -> bool {
    RAW_HTTP_TARGETS
        .iter()
        .any(|prefix| target.starts_with(prefix))
}

/// The configured levels, with every raw-HTTP target capped at `info` (also when it is named
/// explicitly) so that turning on debug logging never leaks a token. Lambda's `FATAL` is `error`;
/// targets not named get the bare level in the setting, else `info`; a setting that does not
/// parse falls back to `info`.
fn filter(setting: &str) -> Targets {
    let setting = setting
        .trim()
        .to_ascii_lowercase()
        .split(',')
        .map(|directive| match directive.rsplit_once('=') {
            Some((target, "fatal")) => format!("{target}=error"),
            None if directive.trim() == "fatal" => "error".to_owned(),
            _ => directive.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",");
    let parsed: Targets = setting
        .parse()
        .unwrap_or_else(|_| Targets::new().with_default(LevelFilter::INFO));
    let default = parsed.default_level().unwrap_or(LevelFilter::INFO);
    let mut capped = Targets::new().with_default(default);
    for prefix in RAW_HTTP_TARGETS {
        if !parsed.iter().any(|(target, _)| target == prefix) {
            capped = capped.with_target(prefix, default.min(LevelFilter::INFO));
        }
    }
    for (target, level) in parsed.iter() {
        let level = if is_raw_http(target) {
            level.min(LevelFilter::INFO)
        } else {
            level
        };
        capped = capped.with_target(target, level);
    }
    capped
}

/// The subscriber `init` installs, writing to `writer`; tests use it to capture log lines.
pub fn subscriber<W>(writer: W, level: &str) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let json = tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(true)
        .with_ansi(false)
        .without_time()
        .with_writer(writer);
    // Log lines carry no span fields, so spans are not recorded at all: lambda_runtime opens one
    // per invocation, which would otherwise be stored and have its fields formatted every time.
    tracing_subscriber::registry()
        .with(json)
        .with(filter(level))
        .with(filter_fn(|metadata| metadata.is_event()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    fn enabled(filter: &Targets, target: &str, level: Level) -> bool {
        filter.would_enable(target, &level)
    }

    #[test]
    fn plain_levels_and_lambda_names() {
        let info = filter("INFO");
        assert!(enabled(&info, "shared::handlers", Level::INFO));
        assert!(!enabled(&info, "shared::handlers", Level::DEBUG));
        let fatal = filter("FATAL");
        assert!(enabled(&fatal, "shared", Level::ERROR));
        assert!(!enabled(&fatal, "shared", Level::WARN));
        let garbage = filter("shared=loud");
        assert!(enabled(&garbage, "shared", Level::INFO));
        assert!(!enabled(&garbage, "shared", Level::DEBUG));
        let ours = filter("shared=debug");
        assert!(enabled(&ours, "shared::chat", Level::DEBUG));
        assert!(enabled(&ours, "lambda_runtime", Level::INFO));
        assert!(!enabled(&ours, "lambda_runtime", Level::DEBUG));
        let off = filter("off");
        assert!(!enabled(&off, "shared", Level::ERROR));
    }

    #[test]
    fn events_are_written_and_spans_are_not_recorded() {
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let sink = lines.clone();
        let writer = move || Capture(sink.clone());
        tracing::subscriber::with_default(subscriber(writer, "info"), || {
            let span = tracing::info_span!("Lambda runtime invoke", requestId = "r-1");
            assert!(span.is_disabled());
            let _entered = span.enter();
            tracing::info!(route = "POST /chat", "request finished");
        });
        let written = String::from_utf8(lines.lock().unwrap().clone()).unwrap();
        let line: serde_json::Value = serde_json::from_str(written.trim()).unwrap();
        assert_eq!(line["message"], "request finished");
        assert_eq!(line["route"], "POST /chat");
        assert!(!written.contains("r-1"));
    }

    struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn raw_http_targets_never_go_below_info() {
        let debug = filter("debug");
        assert!(enabled(&debug, "shared::connect", Level::DEBUG));
        assert!(!enabled(
            &debug,
            "aws_smithy_runtime::client::orchestrator",
            Level::DEBUG
        ));
        assert!(!enabled(&debug, "hyper_util::client", Level::DEBUG));
        assert!(enabled(&debug, "aws_smithy_runtime", Level::INFO));
        let trace = filter("trace");
        assert!(!enabled(
            &trace,
            "lambda_runtime::layers::api_response",
            Level::TRACE
        ));
        assert!(!enabled(&trace, "lambda_http", Level::DEBUG));
        assert!(enabled(&trace, "lambda_runtime", Level::INFO));
        assert!(enabled(&trace, "shared::handlers", Level::TRACE));
        let named = filter("warn,aws_smithy_runtime=trace,hyper=debug");
        assert!(!enabled(&named, "aws_smithy_runtime::client", Level::DEBUG));
        assert!(enabled(&named, "aws_smithy_runtime::client", Level::INFO));
        assert!(!enabled(&named, "hyper::proto", Level::DEBUG));
        assert!(!enabled(&named, "rustls::client", Level::INFO));
        assert!(enabled(&named, "rustls::client", Level::WARN));
        let quieter = filter("debug,aws_=warn");
        assert!(!enabled(&quieter, "aws_smithy_runtime", Level::INFO));
        assert!(enabled(&quieter, "aws_smithy_runtime", Level::WARN));
        let fatal_target = filter("info,nonfatal_crate=debug,shared=fatal");
        assert!(enabled(&fatal_target, "nonfatal_crate", Level::DEBUG));
        assert!(!enabled(&fatal_target, "shared", Level::WARN));
        assert!(enabled(&fatal_target, "shared", Level::ERROR));
    }
}
