//! Shared pieces of the loopback measurement tools: a minimal signed Connect client for
//! connect-local ([`client`]) and a Lambda Runtime API server to run bootstraps under
//! ([`runtime_api`]), a canned-answer stand-in for Connect ([`stub`]), and the peak memory of a
//! process ([`peak_rss_kb`]).

pub mod client;
pub mod runtime_api;
pub mod stub;

/// Serves `app` on a free loopback port until the returned sender is dropped or fired.
pub async fn serve_on_loopback(
    app: axum::Router,
) -> std::io::Result<(std::net::SocketAddr, tokio::sync::oneshot::Sender<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok((addr, tx))
}

/// A process's peak resident set size (`VmHWM` in `/proc/<process>/status`), in KiB; `process`
/// is a pid or `self`.
pub fn peak_rss_kb(process: impl std::fmt::Display) -> Result<u64, String> {
    let status =
        std::fs::read_to_string(format!("/proc/{process}/status")).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM in /proc status".into())
}
