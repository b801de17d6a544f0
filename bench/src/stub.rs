//! A minimal stand-in for Connect and the Participant Service: canned, valid answers to the three
//! operations the functions call, with no checks. Benchmarks use it to time the functions' own
//! work; connect-local (which verifies signatures and keeps state) is the alternative.

use axum::routing::{post, put};
use axum::{Json, Router};
use serde_json::json;
use tokio::sync::oneshot;

/// A running stub; stops when dropped.
pub struct Stub {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    _shutdown: oneshot::Sender<()>,
}

/// Starts the stub on a free loopback port.
pub async fn start() -> std::io::Result<Stub> {
    let app = Router::new()
        .route(
            "/contact/chat",
            put(|| async {
                Json(json!({"ContactId": "stub-contact", "ParticipantId": "stub-participant", "ParticipantToken": "stub-participant-token"}))
            }),
        )
        .route(
            "/participant/start-attachment-upload",
            post(|| async {
                Json(json!({"AttachmentId": "stub-attachment", "UploadMetadata": {
                    "Url": "http://127.0.0.1:9/upload", "UrlExpiry": "2030-01-01T00:00:00Z",
                    "HeadersToInclude": {"Content-Type": "application/pdf", "Content-Length": "14"}}}))
            }),
        )
        .route("/participant/complete-attachment-upload", post(|| async { Json(json!({})) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Stub {
        base_url,
        _shutdown: tx,
    })
}
