//! A minimal stand-in for Connect and the Participant Service: canned, valid answers to the three
//! operations the functions call, with no checks. Benchmarks use it to time the functions' own
//! work; connect-local (which verifies signatures and keeps state) is the alternative.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::routing::{post, put};
use axum::{Json, Router};
use serde_json::json;
use tokio::sync::oneshot;

/// A running stub; stops when dropped.
pub struct Stub {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    answered: Arc<AtomicU64>,
    _shutdown: oneshot::Sender<()>,
}

impl Stub {
    /// How many operation calls the stub has answered.
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }
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
    let answered = Arc::new(AtomicU64::new(0));
    let counter = answered.clone();
    // Only the operations count: the functions also send an unsigned GET when they open their
    // connection at init (see `shared::connect::Upstream::open`), which gets a 404 here.
    let app = app.route_layer(middleware::from_fn(move |request: Request, next: Next| {
        counter.fetch_add(1, Ordering::Relaxed);
        next.run(request)
    }));
    let (addr, tx) = crate::serve_on_loopback(app).await?;
    let base_url = format!("http://{addr}");
    Ok(Stub {
        base_url,
        answered,
        _shutdown: tx,
    })
}
