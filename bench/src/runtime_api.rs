//! The part of the Lambda service a bootstrap talks to, on loopback: the Runtime API
//! (`/2018-06-01/runtime/...`). It hands queued events to `GET invocation/next` and records when
//! each response arrives, so a harness can time init (spawn to first `next`), invocations and
//! warm latency exactly as the bootstrap experiences them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::{mpsc, oneshot, Mutex, Notify};

const PREFIX: &str = "/2018-06-01/runtime";

/// One invocation's answer from the bootstrap.
#[derive(Debug)]
pub struct Answer {
    pub request_id: String,
    pub arrived: Instant,
    /// False for `invocation/{id}/error`.
    pub ok: bool,
    pub body: Bytes,
}

struct Shared {
    events: Mutex<mpsc::UnboundedReceiver<(String, Bytes)>>,
    first_next: std::sync::Mutex<Option<Instant>>,
    next_seen: Notify,
    answers: mpsc::UnboundedSender<Answer>,
    init_error: std::sync::Mutex<Option<String>>,
}

/// A running Runtime API for one bootstrap process.
pub struct RuntimeApi {
    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    shared: Arc<Shared>,
    events: mpsc::UnboundedSender<(String, Bytes)>,
    answers: mpsc::UnboundedReceiver<Answer>,
    shutdown: Option<oneshot::Sender<()>>,
    sequence: u64,
}

impl RuntimeApi {
    /// Binds a free loopback port and serves.
    pub async fn start() -> std::io::Result<Self> {
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let (answers_tx, answers_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            events: Mutex::new(events_rx),
            first_next: std::sync::Mutex::new(None),
            next_seen: Notify::new(),
            answers: answers_tx,
            init_error: std::sync::Mutex::new(None),
        });
        let app = Router::new()
            .route(&format!("{PREFIX}/invocation/next"), get(next))
            .route(
                &format!("{PREFIX}/invocation/{{id}}/response"),
                post(response),
            )
            .route(&format!("{PREFIX}/invocation/{{id}}/error"), post(error))
            .route(&format!("{PREFIX}/init/error"), post(init_error))
            .with_state(shared.clone());
        let (addr, tx) = crate::serve_on_loopback(app).await?;
        let address = addr.to_string();
        Ok(Self {
            address,
            shared,
            events: events_tx,
            answers: answers_rx,
            shutdown: Some(tx),
            sequence: 0,
        })
    }

    /// When the bootstrap first asked for an event (the end of its init), waiting up to `limit`.
    pub async fn first_next(&self, limit: Duration) -> Result<Instant, String> {
        let deadline = Instant::now() + limit;
        loop {
            let notified = self.shared.next_seen.notified();
            if let Some(at) = *self.shared.first_next.lock().map_err(|e| e.to_string())? {
                return Ok(at);
            }
            if let Some(message) = self
                .shared
                .init_error
                .lock()
                .map_err(|e| e.to_string())?
                .clone()
            {
                return Err(format!("init failed: {message}"));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || tokio::time::timeout(left, notified).await.is_err() {
                return Err("the bootstrap never asked for an event".into());
            }
        }
    }

    /// Hands `event` to the bootstrap and waits for its answer; returns the time from handing it
    /// over to the answer's arrival, and the answer.
    pub async fn invoke(
        &mut self,
        event: Bytes,
        limit: Duration,
    ) -> Result<(Duration, Answer), String> {
        self.sequence += 1;
        let request_id = format!("bench-{:08}", self.sequence);
        let sent = Instant::now();
        self.events
            .send((request_id.clone(), event))
            .map_err(|e| e.to_string())?;
        let answer = tokio::time::timeout(limit, self.answers.recv())
            .await
            .map_err(|_| format!("no answer to {request_id} within {limit:?}"))?
            .ok_or("the Runtime API stopped")?;
        if answer.request_id != request_id {
            return Err(format!(
                "answer for {} while waiting for {request_id}",
                answer.request_id
            ));
        }
        Ok((answer.arrived.saturating_duration_since(sent), answer))
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    if let Ok(mut first) = shared.first_next.lock() {
        first.get_or_insert_with(Instant::now);
    }
    shared.next_seen.notify_waiters();
    let Some((request_id, event)) = shared.events.lock().await.recv().await else {
        return StatusCode::GONE.into_response();
    };
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() + 30_000)
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    set("lambda-runtime-aws-request-id", request_id);
    set("lambda-runtime-deadline-ms", deadline.to_string());
    set(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:000000000000:function:bench".into(),
    );
    set(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000;Sampled=0".into(),
    );
    set("content-type", "application/json".into());
    (StatusCode::OK, headers, event).into_response()
}

async fn response(state: State<Arc<Shared>>, id: Path<String>, body: Bytes) -> StatusCode {
    answered(state, id, body, true)
}

async fn error(state: State<Arc<Shared>>, id: Path<String>, body: Bytes) -> StatusCode {
    answered(state, id, body, false)
}

/// Records an invocation's answer (`invocation/{id}/response` or `/error`) with its arrival time.
fn answered(
    State(shared): State<Arc<Shared>>,
    Path(request_id): Path<String>,
    body: Bytes,
    ok: bool,
) -> StatusCode {
    let arrived = Instant::now();
    let _ = shared.answers.send(Answer {
        request_id,
        arrived,
        ok,
        body,
    });
    StatusCode::ACCEPTED
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    if let Ok(mut e) = shared.init_error.lock() {
        *e = Some(String::from_utf8_lossy(&body).into_owned());
    }
    shared.next_seen.notify_waiters();
    StatusCode::ACCEPTED
}
