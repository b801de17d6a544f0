//! The SDK clients: Connect's and the Participant Service's, built once at cold start with our
//! timeouts and retry policy, sending through an [`Upstream`] (connector and endpoint).

use std::time::Duration;

use aws_sdk_connect::config::retry::RetryConfig;
use aws_sdk_connect::config::timeout::TimeoutConfig;
use aws_sdk_connect::config::{
    BehaviorVersion, Credentials, IdentityCache, Region, StalledStreamProtectionConfig,
};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::http::HttpConnector as _;
use aws_smithy_runtime_api::client::http::{
    http_client_fn, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use http_body_util::BodyExt as _;

use crate::config::AwsEnv;

/// Total time one Connect operation may take, retries included: well below API Gateway's 29 s
/// integration timeout and the functions' 15 s timeout.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(10);
/// Time one attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(4);
/// Attempts per operation, the first included.
pub const MAX_ATTEMPTS: u32 = 3;

/// Time to open a connection to Connect, per attempt. The connector built in [`Upstream`]
/// applies it; the SDK's own connect-timeout setting only reaches connectors the SDK builds.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long [`Upstream::open`] may hold up init.
pub const OPEN_TIMEOUT: Duration = Duration::from_secs(3);

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

fn retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(100))
        .with_max_backoff(Duration::from_secs(2))
}

/// Roots of the certificates AWS service endpoints present (Amazon Trust Services, and the
/// Starfield root that cross-signs them), as Debian's ca-certificates ships them.
const AMAZON_TRUST_SERVICES_ROOTS: [&[u8]; 5] = [
    include_bytes!("../../certs/Amazon_Root_CA_1.pem"),
    include_bytes!("../../certs/Amazon_Root_CA_2.pem"),
    include_bytes!("../../certs/Amazon_Root_CA_3.pem"),
    include_bytes!("../../certs/Amazon_Root_CA_4.pem"),
    include_bytes!("../../certs/Starfield_Services_Root_Certificate_Authority_-_G2.pem"),
];

/// Where one SDK client sends its requests: the HTTPS connector it uses (made once, at cold
/// start) and the endpoint. Kept apart from the client so that [`Upstream::open`] can open the
/// connection during init, through the same connection pool the client's requests use.
///
/// AWS endpoints are verified against the Amazon Trust Services roots compiled in, rather than
/// the SDK default of reading the system store (every file under /etc/ssl/certs) at each cold
/// start. A custom `https://` endpoint override (a proxy or private CA) gets the system roots
/// instead.
///
/// The SDK's own client builder defers its connector to the first request and, by then, has
/// already built and dropped one while validating the configuration: the TLS configuration
/// (root store, cipher suites, key exchange groups) was made twice per cold start, once inside the
/// first request. Here the connector is made once and handed to every request.
#[derive(Clone, Debug)]
pub struct Upstream {
    connector: SharedHttpConnector,
    endpoint: Endpoint,
}

#[derive(Clone, Debug)]
enum Endpoint {
    /// An `AWS_ENDPOINT_URL_*` override.
    Url(String),
    /// The SDK's endpoint for the region (resolved by [`Upstream::open`]).
    Connect {
        region: String,
    },
    Participant {
        region: String,
    },
}

impl Upstream {
    /// Amazon Connect's endpoint (or `AWS_ENDPOINT_URL_CONNECT`).
    pub fn connect(aws: &AwsEnv) -> Self {
        Self::new(
            aws.connect_endpoint.as_deref(),
            Endpoint::Connect {
                region: aws.region.clone(),
            },
        )
    }

    /// The Participant Service's endpoint (or `AWS_ENDPOINT_URL_CONNECTPARTICIPANT`).
    pub fn participant(aws: &AwsEnv) -> Self {
        Self::new(
            aws.participant_endpoint.as_deref(),
            Endpoint::Participant {
                region: aws.region.clone(),
            },
        )
    }

    fn new(endpoint_override: Option<&str>, regional: Endpoint) -> Self {
        let trust = if endpoint_override.is_some_and(|url| url.starts_with("https://")) {
            TrustStore::default()
        } else {
            AMAZON_TRUST_SERVICES_ROOTS
                .iter()
                .fold(TrustStore::empty(), |store, pem| {
                    store.with_pem_certificate(*pem)
                })
        };
        let tls = TlsContext::builder()
            .with_trust_store(trust)
            .build()
            .expect("the compiled-in root certificates are valid PEM");
        // The connect timeout lives in the connector, which ignores the settings the SDK passes
        // per request; the attempt and operation timeouts stay with the SDK (see `timeouts`).
        let connector = SharedHttpConnector::new(
            Connector::builder()
                .connector_settings(
                    HttpConnectorSettings::builder()
                        .connect_timeout(CONNECT_TIMEOUT)
                        .build(),
                )
                .tls_provider(tls::Provider::Rustls(
                    tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .tls_context(tls)
                .build(),
        );
        let endpoint = match endpoint_override {
            Some(url) => Endpoint::Url(url.to_owned()),
            None => regional,
        };
        Self {
            connector,
            endpoint,
        }
    }

    /// The HTTP client to give the SDK: every request goes through this one connector.
    fn http_client(&self) -> SharedHttpClient {
        let connector = self.connector.clone();
        http_client_fn(move |_settings, _components| connector.clone())
    }

    /// The `AWS_ENDPOINT_URL_*` override the SDK client must send to, if any: taken from here so
    /// that the client and the connection [`Upstream::open`] makes cannot disagree.
    fn endpoint_override(&self) -> Option<String> {
        match &self.endpoint {
            Endpoint::Url(url) => Some(url.clone()),
            Endpoint::Connect { .. } | Endpoint::Participant { .. } => None,
        }
    }

    /// The endpoint's URL, as the SDK resolves it for the region.
    async fn url(&self) -> Result<String, String> {
        use aws_sdk_connect::config::endpoint::ResolveEndpoint as _;
        use aws_sdk_connectparticipant::config::endpoint::ResolveEndpoint as _;
        let endpoint = match &self.endpoint {
            Endpoint::Url(url) => return Ok(url.clone()),
            Endpoint::Connect { region } => {
                let params = aws_sdk_connect::config::endpoint::Params::builder()
                    .region(region)
                    .build()
                    .map_err(|e| e.to_string())?;
                aws_sdk_connect::config::endpoint::DefaultResolver::new()
                    .resolve_endpoint(&params)
                    .await
            }
            Endpoint::Participant { region } => {
                let params = aws_sdk_connectparticipant::config::endpoint::Params::builder()
                    .region(region)
                    .build()
                    .map_err(|e| e.to_string())?;
                aws_sdk_connectparticipant::config::endpoint::DefaultResolver::new()
                    .resolve_endpoint(&params)
                    .await
            }
        };
        endpoint
            .map(|e| e.url().to_owned())
            .map_err(|e| e.to_string())
    }

    /// Opens the connection the first request will use, during init: DNS lookup, TCP and TLS
    /// handshakes, and the HTTP client's first run, with an unsigned `GET /` whose answer is
    /// read and ignored. The connection then waits in the pool for the first request.
    ///
    /// On-demand Lambda runs init on a full vCPU, while a 128 MB function's invocations get a
    /// fraction of one, so the TLS handshake costs less here than inside the first request (with
    /// provisioned concurrency, init is off the request path altogether). If the endpoint
    /// cannot be reached within [`OPEN_TIMEOUT`], init goes on (with a warning) and the first
    /// request connects as usual.
    pub async fn open(&self) {
        let opened = async {
            let url = self.url().await?;
            let request = HttpRequest::get(&url).map_err(|e| e.to_string())?;
            let response = self
                .connector
                .call(request)
                .await
                .map_err(|e| e.to_string())?;
            // Read to the end so the connection goes back to the pool.
            response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(())
        };
        let outcome = tokio::time::timeout(OPEN_TIMEOUT, opened)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {OPEN_TIMEOUT:?}")));
        if let Err(error) = outcome {
            tracing::warn!(
                upstream = self.name(),
                error,
                "could not open a connection at init; the first request will connect"
            );
        }
    }

    fn name(&self) -> &str {
        match &self.endpoint {
            Endpoint::Url(url) => url,
            Endpoint::Connect { .. } => "Amazon Connect",
            Endpoint::Participant { .. } => "Participant Service",
        }
    }
}

fn credentials(aws: &AwsEnv) -> Credentials {
    Credentials::new(
        &aws.access_key_id,
        &aws.secret_access_key,
        aws.session_token.clone(),
        None,
        "lambda-environment",
    )
}

/// The Connect client, configured from exactly what Lambda provides (see [`AwsEnv`]), with our
/// timeouts and retry policy, sending through `upstream` (its connector and endpoint). Building
/// it does no I/O.
///
/// Two SDK defaults are off because they only add per-request work here: stalled-stream
/// protection (a throughput monitor with its own timers around every body; the attempt timeout
/// already bounds a stalled answer) and the identity cache (the credentials are the
/// environment's, fixed for the life of the process).
pub fn connect_client(aws: &AwsEnv, upstream: &Upstream) -> aws_sdk_connect::Client {
    let mut config = aws_sdk_connect::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(aws.region.clone()))
        .credentials_provider(credentials(aws))
        .http_client(upstream.http_client())
        .timeout_config(timeouts())
        .retry_config(retries())
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .identity_cache(IdentityCache::no_cache());
    config.set_endpoint_url(upstream.endpoint_override());
    aws_sdk_connect::Client::from_conf(config.build())
}

/// The Participant Service client, configured like [`connect_client`]. The service authorizes
/// with the customer's ConnectionToken; the SDK still signs with the role's credentials.
pub fn participant_client(aws: &AwsEnv, upstream: &Upstream) -> aws_sdk_connectparticipant::Client {
    use aws_sdk_connectparticipant::config as p;
    let mut config = p::Builder::default()
        .behavior_version(p::BehaviorVersion::latest())
        .region(p::Region::new(aws.region.clone()))
        .credentials_provider(credentials(aws))
        .http_client(upstream.http_client())
        .timeout_config(timeouts())
        .retry_config(retries())
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .identity_cache(IdentityCache::no_cache());
    config.set_endpoint_url(upstream.endpoint_override());
    aws_sdk_connectparticipant::Client::from_conf(config.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::StartChatRequest;
    use crate::connect::start_chat_contact;
    use base64::Engine;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn the_compiled_in_roots_are_single_der_certificates() {
        for pem in AMAZON_TRUST_SERVICES_ROOTS {
            let text = std::str::from_utf8(pem).expect("PEM is text");
            assert_eq!(text.matches("-----BEGIN CERTIFICATE-----").count(), 1);
            let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
            let der = base64::engine::general_purpose::STANDARD
                .decode(body)
                .expect("base64 body");
            // An X.509 certificate is a DER SEQUENCE with a two-byte length.
            assert_eq!(der[..2], [0x30, 0x82]);
            assert_eq!(der.len(), 4 + u16::from_be_bytes([der[2], der[3]]) as usize);
        }
    }

    fn aws(connect_endpoint: Option<&str>, participant_endpoint: Option<&str>) -> AwsEnv {
        AwsEnv {
            region: "eu-west-2".into(),
            access_key_id: "a".into(),
            secret_access_key: "b".into(),
            session_token: None,
            connect_endpoint: connect_endpoint.map(str::to_owned),
            participant_endpoint: participant_endpoint.map(str::to_owned),
            secrets_manager_endpoint: None,
            ssm_endpoint: None,
        }
    }

    #[test]
    fn clients_build_for_aws_local_and_custom_https_endpoints() {
        let mut aws = aws(None, Some("http://127.0.0.1:1"));
        assert_eq!(
            connect_client(&aws, &Upstream::connect(&aws))
                .config()
                .region()
                .map(|r| r.as_ref()),
            Some("eu-west-2")
        );
        participant_client(&aws, &Upstream::participant(&aws));
        aws.connect_endpoint = Some("https://connect.proxy.example".into());
        connect_client(&aws, &Upstream::connect(&aws));
    }

    #[tokio::test]
    async fn upstreams_resolve_the_regional_endpoints_or_the_override() {
        let regional = aws(None, None);
        assert_eq!(
            Upstream::connect(&regional).url().await.unwrap(),
            "https://connect.eu-west-2.amazonaws.com"
        );
        assert_eq!(
            Upstream::participant(&regional).url().await.unwrap(),
            "https://participant.connect.eu-west-2.amazonaws.com"
        );
        let local = aws(Some("http://127.0.0.1:1"), None);
        assert_eq!(
            Upstream::connect(&local).url().await.unwrap(),
            "http://127.0.0.1:1"
        );
    }

    /// A loopback HTTP/1.1 server that counts connections and requests and answers each request
    /// with `body`, keeping the connection open.
    async fn counting_server(body: &'static str) -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (connections, requests) =
            (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (c, r) = (connections.clone(), requests.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                c.fetch_add(1, Ordering::SeqCst);
                let r = r.clone();
                tokio::spawn(async move {
                    let mut socket = BufReader::new(socket);
                    loop {
                        let mut length = 0;
                        loop {
                            let mut line = String::new();
                            if socket.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if let Some(v) =
                                line.to_ascii_lowercase().strip_prefix("content-length:")
                            {
                                length = v.trim().parse().unwrap();
                            }
                            if line == "\r\n" {
                                break;
                            }
                        }
                        let mut discard = vec![0; length];
                        socket.read_exact(&mut discard).await.unwrap();
                        r.fetch_add(1, Ordering::SeqCst);
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        socket.get_mut().write_all(answer.as_bytes()).await.unwrap();
                    }
                });
            }
        });
        (url, connections, requests)
    }

    #[tokio::test]
    async fn open_makes_the_connection_the_first_request_uses() {
        let (url, connections, requests) =
            counting_server(r#"{"ContactId":"c","ParticipantId":"p","ParticipantToken":"t"}"#)
                .await;
        let aws = aws(Some(&url), None);
        let upstream = Upstream::connect(&aws);
        let client = connect_client(&aws, &upstream);
        upstream.open().await;
        assert_eq!(connections.load(Ordering::SeqCst), 1);
        assert_eq!(requests.load(Ordering::SeqCst), 1, "the opening GET");

        let config = crate::config::StartChatConfig::from_lookup(|name| {
            match name {
                "CONNECT_INSTANCE_ID" => Some("11111111-1111-4111-8111-111111111111"),
                "CONNECT_CONTACT_FLOW_ID" => Some("22222222-2222-4222-8222-222222222222"),
                "ALLOWED_ORIGINS" => Some("https://www.example.com"),
                _ => None,
            }
            .map(str::to_owned)
        })
        .unwrap();
        let body = serde_json::json!({"ParticipantDetails": {"DisplayName": "Ana"}});
        let request =
            StartChatRequest::parse(body.as_object().unwrap(), None, &config, None).unwrap();
        let result = start_chat_contact(&client, &config, &request)
            .await
            .unwrap();
        assert_eq!(result.contact_id, "c");
        assert_eq!(requests.load(Ordering::SeqCst), 2);
        assert_eq!(
            connections.load(Ordering::SeqCst),
            1,
            "StartChatContact went over the connection opened at init"
        );
    }

    #[tokio::test]
    async fn open_gives_up_on_an_unreachable_endpoint_without_failing() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let aws = aws(None, Some(&format!("http://{closed}")));
        let started = std::time::Instant::now();
        Upstream::participant(&aws).open().await;
        assert!(started.elapsed() < OPEN_TIMEOUT);
    }
}
