//! connect-local: a local Amazon Connect for chat. One HTTP server speaks the Connect API
//! (StartChatContact and the attached-file operations, SigV4-verified), the Participant Service (X-Amz-Bearer tokens) and the
//! attachment upload storage, following the real wire protocol so that the real AWS SDK
//! clients and amazon-connect-chatjs work against it unchanged.
//!
//! Layout, dependencies pointing down: [`app`] is the router; [`api`] the AWS operations and
//! [`admin`] the `/_local` routes; [`engine`] runs contact flows and [`sim`] plays the agent;
//! [`routing`] holds queues and hours, [`flow`] the flows as data; [`chat`] builds and delivers
//! transcript items; [`store`] holds contacts and plays S3; [`wire`] is the AWS protocol
//! (SigV4, the models, validation, errors, faults). A test fails on a module cycle.

pub mod admin;
pub mod api;
pub mod app;
pub mod chat;
pub mod engine;
pub mod flow;
pub mod routing;
pub mod sim;
pub mod store;
pub mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rand::RngCore;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Default instance id (also what the local stack configures the functions with).
pub const DEFAULT_INSTANCE_ID: &str = "11111111-1111-4111-8111-111111111111";
/// Default contact flow id.
pub const DEFAULT_CONTACT_FLOW_ID: &str = "22222222-2222-4222-8222-222222222222";
/// The account id in the ARNs connect-local makes up.
pub const LOCAL_ACCOUNT_ID: &str = "123456789012";
/// Default region of signed requests.
pub const DEFAULT_REGION: &str = "us-east-1";
/// Default Connect Cases domain id.
pub const DEFAULT_CASES_DOMAIN_ID: &str = "33333333-3333-4333-8333-333333333333";
/// Default access key id requests to Connect must be signed with.
pub const DEFAULT_ACCESS_KEY_ID: &str = "AKIALOCALCONNECT0001";
/// Default secret access key.
pub const DEFAULT_SECRET_ACCESS_KEY: &str = "connect-local-secret-access-key";

/// How to run a server.
#[derive(Debug, Clone)]
pub struct Options {
    /// Address to bind; port 0 picks a free one.
    pub listen: SocketAddr,
    pub instance_id: String,
    pub contact_flow_id: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Lifetime of presigned upload and download URLs.
    pub url_ttl: Duration,
    /// Largest attachment accepted.
    pub max_attachment_bytes: u64,
    /// Attachments one contact may hold.
    pub max_attachments_per_contact: usize,
    /// Whether the simulated agent joins and answers chats by itself.
    pub agent: bool,
    /// The agent's display name.
    pub agent_name: String,
    /// Delay before the agent joins a new chat.
    pub agent_join_delay: Duration,
    /// Delay before the agent answers (typing shows meanwhile).
    pub agent_reply_delay: Duration,
    /// Attachments whose name contains this text are scanned REJECTED.
    pub reject_attachments_matching: Option<String>,
    /// Time attachments stay IN_PROGRESS before their scan result (zero: straight to the result).
    pub scan_delay: Duration,
    /// Turns message processing on: messages containing this text end REJECTED.
    pub reject_messages_matching: Option<String>,
    /// The AWS region requests are signed for.
    pub region: String,
    /// The Connect Cases domain id.
    pub cases_domain_id: String,
    /// The customer's idle timer every chat starts with (off when `None`); UpdateParticipantRoleConfig
    /// changes a chat's timers.
    pub customer_idle_after: Option<Duration>,
    /// How long a ConnectionToken is valid (Connect: one day); then the Participant Service
    /// refuses it and the client gets a new one with CreateParticipantConnection.
    pub connection_token_ttl: Duration,
    /// The customer's auto-disconnect timer every chat starts with (off when `None`).
    pub customer_autodisconnect_after: Option<Duration>,
    /// How long one minute of UpdateParticipantRoleConfig's timers lasts (a minute unless a
    /// test wants its two-minute minimum sooner).
    pub timer_minute: Duration,
    /// How long a client may take to send a request's headers, and how long a keep-alive
    /// connection may sit idle before its next request; then the connection is closed.
    pub header_read_timeout: Duration,
    /// How long an upload's body may go without a byte arriving before it is refused.
    pub body_progress_timeout: Duration,
    /// A team's flows, queues, hours and Lex stand-in bots (see the README); the shipped
    /// default flows are always there.
    pub flows_dir: Option<std::path::PathBuf>,
    /// Where InvokeLambdaFunction calls the Lambda Invoke API (e.g. `cargo lambda watch`).
    pub lambda_endpoint: Option<String>,
    /// How long a person in the console has to accept an offer before it goes to the next
    /// agent.
    pub offer_timeout: Duration,
    /// Where streaming chats' SNS notifications are POSTed (standing in for the topic's HTTP
    /// subscription); they are kept on the contact either way.
    pub streaming_endpoint: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            instance_id: DEFAULT_INSTANCE_ID.into(),
            contact_flow_id: DEFAULT_CONTACT_FLOW_ID.into(),
            access_key_id: DEFAULT_ACCESS_KEY_ID.into(),
            secret_access_key: DEFAULT_SECRET_ACCESS_KEY.into(),
            url_ttl: Duration::from_secs(300),
            max_attachment_bytes: 20 * 1024 * 1024,
            max_attachments_per_contact: 100,
            agent: true,
            agent_name: "Sam (connect-local agent)".into(),
            agent_join_delay: Duration::from_millis(500),
            agent_reply_delay: Duration::from_millis(400),
            reject_attachments_matching: Some("eicar".into()),
            scan_delay: Duration::ZERO,
            reject_messages_matching: None,
            region: DEFAULT_REGION.into(),
            cases_domain_id: DEFAULT_CASES_DOMAIN_ID.into(),
            customer_idle_after: None,
            connection_token_ttl: Duration::from_secs(24 * 60 * 60),
            customer_autodisconnect_after: None,
            timer_minute: Duration::from_secs(60),
            header_read_timeout: Duration::from_secs(30),
            body_progress_timeout: Duration::from_secs(20),
            flows_dir: None,
            lambda_endpoint: None,
            streaming_endpoint: None,
            offer_timeout: Duration::from_secs(20),
        }
    }
}

/// A running server; dropping it (or calling [`Server::stop`]) shuts it down.
pub struct Server {
    /// The bound address.
    pub addr: SocketAddr,
    /// `http://ADDR`, the endpoint for both SDK clients and chatjs.
    pub base_url: String,
    /// The server's state, for tests that inspect it directly.
    pub store: Arc<store::Store>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    /// Routing's periodic look at waiting contacts.
    dispatcher: JoinHandle<()>,
    /// Delivers streaming notifications to `--streaming-endpoint`.
    streaming_task: Option<JoinHandle<()>>,
}

impl Server {
    /// Stops accepting connections and waits for the server task to end.
    pub async fn stop(mut self) {
        self.dispatcher.abort();
        if let Some(task) = &self.streaming_task {
            task.abort();
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.dispatcher.abort();
        if let Some(task) = &self.streaming_task {
            task.abort();
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Shortest and longest pause after a failed accept.
const ACCEPT_BACKOFF: (Duration, Duration) = (Duration::from_millis(5), Duration::from_secs(1));

/// The accept loop. Unlike `axum::serve` it can close a connection without answering, which
/// the chaos rules' `drop` needs: a response marked [`app::DropConnection`] becomes a service
/// error, and hyper then closes the connection without writing anything. A failed accept
/// (out of file descriptors, say) pauses the loop, doubling the pause up to a second while
/// accepts keep failing, instead of spinning. Stopping aborts the open connections
/// (websockets included).
async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    mut stop: oneshot::Receiver<()>,
    header_read_timeout: Duration,
) -> std::io::Result<()> {
    use tower::ServiceExt;
    let mut connections = tokio::task::JoinSet::new();
    let mut backoff = ACCEPT_BACKOFF.0;
    loop {
        let (stream, _) = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    backoff = ACCEPT_BACKOFF.0;
                    accepted
                }
                Err(err) => {
                    if backoff == ACCEPT_BACKOFF.0 {
                        tracing::warn!(error = %err, "accept failed; pausing before the next accept");
                    }
                    tokio::select! {
                        _ = &mut stop => break,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF.1);
                    continue;
                }
            },
        };
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let app = app.clone();
                async move {
                    let response = app
                        .oneshot(request.map(axum::body::Body::new))
                        .await
                        .unwrap_or_else(|never| match never {});
                    if response.extensions().get::<app::DropConnection>().is_some() {
                        Err(ConnectionDropped)
                    } else {
                        Ok(response)
                    }
                }
            });
        connections.spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
        while connections.try_join_next().is_some() {}
    }
    connections.shutdown().await;
    Ok(())
}

/// The service error that makes hyper close a connection unanswered.
#[derive(Debug)]
struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a chaos rule")
    }
}

impl std::error::Error for ConnectionDropped {}

/// Why connect-local cannot start.
#[derive(Debug)]
pub enum StartError {
    /// The flows directory (or a shipped flow) has problems, each naming its file.
    Flows(Vec<String>),
    Listen(std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Flows(problems) => {
                writeln!(f, "the flows cannot be loaded:")?;
                for problem in problems {
                    writeln!(f, "  {problem}")?;
                }
                Ok(())
            }
            Self::Listen(e) => write!(f, "cannot listen: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

impl From<std::io::Error> for StartError {
    fn from(e: std::io::Error) -> Self {
        Self::Listen(e)
    }
}

/// Loads the flows, binds and starts serving in the background.
pub async fn start(options: Options) -> Result<Server, StartError> {
    let setup = flow::library::load(&options.contact_flow_id, options.flows_dir.as_deref())
        .map_err(StartError::Flows)?;
    let listener = tokio::net::TcpListener::bind(options.listen).await?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}");
    let mut url_key = vec![0u8; 32];
    rand::rng().fill_bytes(&mut url_key);
    let (streaming_delivery, streaming_task) = match options.streaming_endpoint {
        Some(endpoint) => {
            let (tx, task) = chat::streaming::deliver_to(endpoint);
            (Some(tx), Some(task))
        }
        None => (None, None),
    };
    let store = Arc::new(store::Store::new(store::Settings {
        instance_id: options.instance_id,
        contact_flow_id: options.contact_flow_id,
        credentials: wire::sigv4::Credentials {
            access_key_id: options.access_key_id,
            secret_access_key: options.secret_access_key,
        },
        base_url: base_url.clone(),
        url_ttl: options.url_ttl,
        max_attachment_bytes: options.max_attachment_bytes,
        max_attachments_per_contact: options.max_attachments_per_contact,
        url_key,
        agent: store::AgentSettings {
            enabled: options.agent,
            name: options.agent_name,
            join_delay: options.agent_join_delay,
            reply_delay: options.agent_reply_delay,
        },
        reject_attachments_matching: options
            .reject_attachments_matching
            .filter(|p| !p.is_empty()),
        max_message_chars: 16384,
        scan_delay: options.scan_delay,
        reject_messages_matching: options.reject_messages_matching.filter(|p| !p.is_empty()),
        region: options.region,
        cases_domain_id: options.cases_domain_id,
        body_progress_timeout: options.body_progress_timeout,
        connection_token_ttl: options.connection_token_ttl,
        default_timers: store::RoleTimerConfig {
            idle: options.customer_idle_after,
            disconnect: options.customer_autodisconnect_after,
        },
        timer_minute: options.timer_minute,
        setup,
        lambda_endpoint: options.lambda_endpoint,
        streaming_delivery,
        offer_timeout: options.offer_timeout,
    }));
    let app = app::router(store.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, app, rx, options.header_read_timeout));
    let dispatcher = routing::dispatch::run_dispatcher(&store);
    Ok(Server {
        addr,
        base_url,
        store,
        shutdown: Some(tx),
        task: Some(task),
        dispatcher,
        streaming_task,
    })
}
