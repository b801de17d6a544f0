//! Test support: a connect-local server on a free loopback port, real aws-sdk-connect and
//! aws-sdk-connectparticipant clients configured the way the functions configure them, the
//! functions' handlers called with API Gateway events from `events/`, and log capture.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use connect_local::{Options, Server};
use http::HeaderMap;
use lambda_http::{Body, Request};
use serde_json::Value;
use shared::auth::Authenticator;
use shared::{connect, handlers, AttachmentConfig, CaseFilesConfig, StartChatConfig};

/// The origin the test configuration allows (and the events send).
pub const ALLOWED_ORIGIN: &str = "https://www.example.com";
/// The Cases domain the test configuration attaches case files in.
pub const CASES_DOMAIN_ARN: &str =
    "arn:aws:cases:us-east-1:123456789012:domain/33333333-3333-4333-8333-333333333333";
/// Attribute keys the test configuration allows.
pub const ALLOWED_ATTRIBUTES: &str = "customerId,plan,utm_*";

/// A running connect-local plus everything needed to call the handlers against it.
pub struct Stack {
    pub server: Server,
    pub aws: aws_config::SdkConfig,
    pub connect: aws_sdk_connect::Client,
    pub participant: aws_sdk_connectparticipant::Client,
    /// What case-files' main builds: the Connect and Cases clients.
    pub case_clients: connect::CaseFileClients,
    pub chat_config: StartChatConfig,
    pub attachment_config: AttachmentConfig,
    pub case_files_config: CaseFilesConfig,
    /// Built from `chat_config.auth`, as start-chat's main does.
    pub auth: Option<Authenticator>,
}

/// What a handler answered, decoded.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// `error.code` of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("<no code>")
    }
    /// `error.field` of an error body.
    pub fn field(&self) -> &str {
        self.body["error"]["field"].as_str().unwrap_or("<no field>")
    }
    /// A response header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Stack {
    /// Starts connect-local with default options and the standard test configuration.
    pub async fn start() -> Self {
        Self::start_with(Options::default(), &[]).await
    }

    /// Starts connect-local with `options`; `env` overrides configuration variables.
    pub async fn start_with(options: Options, env: &[(&str, &str)]) -> Self {
        let access_key = options.access_key_id.clone();
        let secret = options.secret_access_key.clone();
        let server = connect_local::start(options)
            .await
            .expect("connect-local starts");
        let aws = sdk_config(&server.base_url, &access_key, &secret).await;
        let mut vars: HashMap<String, String> = [
            ("CONNECT_INSTANCE_ID", connect_local::DEFAULT_INSTANCE_ID),
            (
                "CONNECT_CONTACT_FLOW_ID",
                connect_local::DEFAULT_CONTACT_FLOW_ID,
            ),
            ("ALLOWED_ORIGINS", ALLOWED_ORIGIN),
            ("ALLOWED_ATTRIBUTES", ALLOWED_ATTRIBUTES),
            ("CASES_DOMAIN_ARN", CASES_DOMAIN_ARN),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        for (k, v) in env {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        let lookup = |k: &str| vars.get(k).cloned();
        let chat_config = StartChatConfig::from_lookup(lookup).expect("valid test configuration");
        Self {
            connect: connect::connect_client(&aws),
            participant: connect::participant_client(&aws),
            case_clients: connect::CaseFileClients::new(&aws),
            auth: chat_config
                .auth
                .clone()
                .map(|auth| Authenticator::new(auth, Some(aws.clone()))),
            chat_config,
            attachment_config: AttachmentConfig::from_lookup(lookup)
                .expect("valid test configuration"),
            case_files_config: CaseFilesConfig::from_lookup(lookup)
                .expect("valid test configuration"),
            aws,
            server,
        }
    }

    /// Calls the start-chat handler.
    pub async fn start_chat(&self, req: Request) -> Answer {
        answer(
            handlers::handle_start_chat(&self.chat_config, &self.connect, self.auth.as_ref(), req)
                .await,
        )
    }

    /// Calls the start-attachment handler.
    pub async fn start_attachment(&self, req: Request) -> Answer {
        answer(
            handlers::handle_start_attachment(&self.attachment_config, &self.participant, req)
                .await,
        )
    }

    /// Calls the complete-attachment handler.
    pub async fn complete_attachment(&self, req: Request) -> Answer {
        answer(
            handlers::handle_complete_attachment(&self.attachment_config, &self.participant, req)
                .await,
        )
    }

    /// Calls the case-files handler (both /cases/attachments routes), with the clients its
    /// main builds when CASES_DOMAIN_ARN is set.
    pub async fn case_file(&self, req: Request) -> Answer {
        let clients = self
            .case_files_config
            .cases
            .as_ref()
            .map(|_| &self.case_clients);
        answer(handlers::handle_case_files(&self.case_files_config, clients, req).await)
    }

    /// Starts a chat through the handler and opens the customer's connection with the real
    /// Participant SDK, returning (start-chat answer, ConnectionToken).
    pub async fn chat_with_connection(&self) -> (Answer, String) {
        let started = self.start_chat(event("start-chat.json")).await;
        assert_eq!(started.status, 200, "{:?}", started.body);
        let token = started.body["data"]["startChatResult"]["ParticipantToken"]
            .as_str()
            .expect("ParticipantToken")
            .to_owned();
        let connection = self
            .participant
            .create_participant_connection()
            .participant_token(token)
            .r#type(aws_sdk_connectparticipant::types::ConnectionType::ConnectionCredentials)
            .r#type(aws_sdk_connectparticipant::types::ConnectionType::Websocket)
            .send()
            .await
            .expect("CreateParticipantConnection succeeds");
        let connection_token = connection
            .connection_credentials()
            .and_then(|c| c.connection_token())
            .expect("ConnectionToken")
            .to_owned();
        (started, connection_token)
    }

    /// [`Self::chat_with_connection`], then step 1 of an attachment (`events/start-attachment.json`)
    /// with that connection's token, which must succeed. Returns the chat's answer, the
    /// ConnectionToken and the attachment's answer.
    pub async fn chat_with_attachment(&self) -> (Answer, String, Answer) {
        let (started, connection_token) = self.chat_with_connection().await;
        let attachment = self
            .start_attachment(with_header(
                event("start-attachment.json"),
                "x-amz-bearer",
                &connection_token,
            ))
            .await;
        assert_eq!(attachment.status, 200, "{}", attachment.body);
        (started, connection_token, attachment)
    }

    /// Arms a fault on connect-local through its admin API.
    pub async fn inject(&self, operation: &str, error: &str, count: u32) {
        let resp = reqwest::Client::new()
            .post(format!("{}/_local/faults", self.server.base_url))
            .json(&serde_json::json!({"operation": operation, "error": error, "count": count}))
            .send()
            .await
            .expect("admin API reachable");
        assert_eq!(resp.status(), 201, "fault {operation}/{error} accepted");
    }

    /// How many contacts connect-local holds.
    pub fn contact_count(&self) -> usize {
        self.server.store.with(|inner| inner.contacts.len())
    }
}

/// The AWS configuration the functions load, pointed at connect-local with static credentials
/// (whatever this machine's environment or profiles say): the functions' own client builders turn
/// it into clients with the same timeouts and retries.
pub async fn sdk_config(endpoint: &str, access_key: &str, secret: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(connect_local::DEFAULT_REGION))
        .credentials_provider(aws_credential_types::Credentials::new(
            access_key, secret, None, None, "tests",
        ))
        .endpoint_url(endpoint)
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(connect::CONNECT_TIMEOUT)
                .operation_attempt_timeout(connect::ATTEMPT_TIMEOUT)
                .operation_timeout(connect::OPERATION_TIMEOUT)
                .build(),
        )
        .load()
        .await
}

/// Path of a file in the workspace's `events/` folder.
pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// Loads an API Gateway v2 event from `events/` as a lambda_http request.
pub fn event(name: &str) -> Request {
    let text = std::fs::read_to_string(events_dir().join(name))
        .unwrap_or_else(|e| panic!("events/{name}: {e}"));
    lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("events/{name}: {e}"))
}

/// The same event with its body replaced.
pub fn with_body(mut req: Request, body: &str) -> Request {
    *req.body_mut() = Body::Text(body.to_owned());
    req
}

/// The same event with a header set (or replaced).
pub fn with_header(mut req: Request, name: &'static str, value: &str) -> Request {
    req.headers_mut()
        .insert(name, value.parse().expect("valid header value"));
    req
}

/// The same event without a header.
pub fn without_header(mut req: Request, name: &str) -> Request {
    req.headers_mut().remove(name);
    req
}

/// The same event with another method.
pub fn with_method(mut req: Request, method: http::Method) -> Request {
    *req.method_mut() = method;
    req
}

/// Decodes a handler's result; the handlers never return `Err` (API Gateway would turn it into a
/// bare 5xx without CORS headers), so one here fails the test.
fn answer(result: Result<lambda_http::Response<Body>, lambda_http::Error>) -> Answer {
    let resp = result.expect("handlers never return Err");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = match resp.body() {
        Body::Empty => Value::Null,
        other => serde_json::from_slice(other.as_ref()).expect("every body is JSON"),
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// Captures what the functions' log subscriber writes, for assertions on log contents.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    /// Everything written so far.
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }

    /// Installs the functions' own JSON subscriber (at `level`) for the current thread.
    pub fn install(&self, level: &str) -> tracing::subscriber::DefaultGuard {
        let guard =
            tracing::subscriber::set_default(shared::telemetry::subscriber(self.clone(), level));
        // Tests on other threads without a subscriber may have cached "never" for callsites
        // this test needs; make every callsite ask again.
        tracing::callsite::rebuild_interest_cache();
        guard
    }
}

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A participant's websocket to connect-local, subscribed to `aws/chat`.
pub struct ChatSocket {
    stream: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl ChatSocket {
    /// Connects to a websocket URL from CreateParticipantConnection and subscribes, checking the
    /// ack frame.
    pub async fn open(url: &str) -> Self {
        use futures_util::SinkExt;
        let (stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("websocket opens");
        let mut socket = Self { stream };
        socket
            .stream
            .send(tokio_tungstenite::tungstenite::Message::Text(
                r#"{"topic":"aws/subscribe","content":{"topics":["aws/chat"]}}"#.into(),
            ))
            .await
            .unwrap();
        let ack = socket.frame().await.expect("subscribe ack");
        assert_eq!(
            ack,
            serde_json::json!({"topic":"aws/subscribe","content":{"status":"success","topics":["aws/chat"]}})
        );
        socket
    }

    /// Sends a raw text frame.
    pub async fn send(&mut self, text: &str) {
        use futures_util::SinkExt;
        self.stream
            .send(tokio_tungstenite::tungstenite::Message::Text(text.into()))
            .await
            .unwrap();
    }

    /// The next frame as JSON, or None when the socket closes; panics after 5 s of silence.
    pub async fn frame(&mut self) -> Option<Value> {
        use futures_util::StreamExt;
        loop {
            let next = tokio::time::timeout(std::time::Duration::from_secs(5), self.stream.next())
                .await
                .expect("a frame within 5 s");
            match next {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text))) => {
                    return Some(serde_json::from_str(&text).expect("frames are JSON"))
                }
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_)))
                | None
                | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// The next `aws/chat` item (the decoded `content`), or None when the socket closes.
    pub async fn item(&mut self) -> Option<Value> {
        loop {
            let frame = self.frame().await?;
            if frame["topic"] == "aws/chat" {
                assert_eq!(frame["contentType"], "application/json");
                let content = frame["content"].as_str().expect("content is a JSON string");
                return Some(serde_json::from_str(content).unwrap());
            }
        }
    }

    /// Reads items until one satisfies `wanted`; returns it and every item read before it.
    pub async fn until(&mut self, wanted: impl Fn(&Value) -> bool) -> (Value, Vec<Value>) {
        let mut before = Vec::new();
        loop {
            let item = self
                .item()
                .await
                .expect("socket open while waiting for an item");
            if wanted(&item) {
                return (item, before);
            }
            before.push(item);
        }
    }
}

/// Whether an item is an EVENT of the given kind (e.g. `participant.joined`).
pub fn is_event(item: &Value, kind: &str) -> bool {
    item["Type"] == "EVENT"
        && item["ContentType"] == format!("application/vnd.amazonaws.connect.event.{kind}")
}

impl Stack {
    /// Opens a participant's connection (both types) and its websocket; returns the
    /// ConnectionToken and the subscribed socket.
    pub async fn connect_participant(&self, participant_token: &str) -> (String, ChatSocket) {
        use aws_sdk_connectparticipant::types::ConnectionType;
        let connection = self
            .participant
            .create_participant_connection()
            .participant_token(participant_token)
            .r#type(ConnectionType::Websocket)
            .r#type(ConnectionType::ConnectionCredentials)
            .send()
            .await
            .expect("CreateParticipantConnection succeeds");
        let token = connection
            .connection_credentials()
            .unwrap()
            .connection_token()
            .unwrap()
            .to_owned();
        let socket = ChatSocket::open(connection.websocket().unwrap().url().unwrap()).await;
        (token, socket)
    }

    /// A chat started through start-chat, with the customer's websocket: (contact id, socket,
    /// ConnectionToken).
    pub async fn customer_chat(&self) -> (String, ChatSocket, String) {
        let started = self.start_chat(event("start-chat.json")).await;
        assert_eq!(started.status, 200, "{:?}", started.body);
        let result = &started.body["data"]["startChatResult"];
        let (token, socket) = self
            .connect_participant(result["ParticipantToken"].as_str().unwrap())
            .await;
        (
            result["ContactId"].as_str().unwrap().to_owned(),
            socket,
            token,
        )
    }

    /// GETs from connect-local's admin API and returns the status and JSON answer (if any).
    pub async fn admin_get(&self, path: &str) -> (u16, Value) {
        let resp = reqwest::Client::new()
            .get(format!("{}{path}", self.server.base_url))
            .send()
            .await
            .expect("admin API reachable");
        (
            resp.status().as_u16(),
            resp.json().await.unwrap_or(Value::Null),
        )
    }

    /// Sends a text/plain message with a connection token; returns the message's id.
    pub async fn say(&self, token: &str, text: &str) -> String {
        self.participant
            .send_message()
            .connection_token(token)
            .content_type("text/plain")
            .content(text)
            .send()
            .await
            .expect("SendMessage succeeds")
            .id()
            .unwrap_or_default()
            .to_owned()
    }

    /// POSTs to connect-local's admin API and returns the JSON answer (if any) and status.
    pub async fn admin(&self, path: &str, body: Value) -> (u16, Value) {
        let resp = reqwest::Client::new()
            .post(format!("{}{path}", self.server.base_url))
            .json(&body)
            .send()
            .await
            .expect("admin API reachable");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

/// A StartChatContact call for `name` on connect-local's default instance and contact flow.
pub fn start_chat_call(
    client: &aws_sdk_connect::Client,
    name: &str,
) -> aws_sdk_connect::operation::start_chat_contact::builders::StartChatContactFluentBuilder {
    client
        .start_chat_contact()
        .instance_id(connect_local::DEFAULT_INSTANCE_ID)
        .contact_flow_id(connect_local::DEFAULT_CONTACT_FLOW_ID)
        .participant_details(
            aws_sdk_connect::types::ParticipantDetails::builder()
                .display_name(name)
                .build()
                .expect("DisplayName is set"),
        )
}

/// PUTs `bytes` to a presigned upload URL with the given headers, as a browser's fetch would:
/// the client computes Content-Length itself, so that header is not copied.
pub async fn put_upload<'a>(
    url: &str,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    bytes: &[u8],
) -> reqwest::Response {
    let mut request = reqwest::Client::new().put(url).body(bytes.to_vec());
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("content-length") {
            request = request.header(name, value);
        }
    }
    request.send().await.expect("upload storage reachable")
}
