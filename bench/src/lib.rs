//! Shared pieces of the loopback measurement tools: a minimal signed Connect client for
//! connect-local ([`client`]) and a Lambda Runtime API server to run bootstraps under
//! ([`runtime_api`]), and a canned-answer stand-in for Connect ([`stub`]).

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
