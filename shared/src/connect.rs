//! Calls to Amazon Connect (StartChatContact and the case attached-file operations, via
//! aws-sdk-connect) and to the Participant
//! Service (StartAttachmentUpload / CompleteAttachmentUpload, via aws-sdk-connectparticipant),
//! and the translation of their failures into [`ApiError`].
//!
//! Retries are the SDK's standard ones (throttling, 5xx, timeouts), bounded in attempts and time;
//! every attempt carries the same ClientToken, so Connect never creates a second contact or upload.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_connect::config::retry::RetryConfig;
use aws_sdk_connect::config::timeout::TimeoutConfig;
use aws_sdk_connect::config::{
    BehaviorVersion, Credentials, IdentityCache, Region, StalledStreamProtectionConfig,
};
use aws_sdk_connect::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_connect::operation::start_chat_contact::StartChatContactError;
use aws_sdk_connect::operation::RequestId;
use aws_sdk_connect::types as connect_types;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::http::HttpConnector as _;
use aws_smithy_runtime_api::client::http::{
    http_client_fn, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use http_body_util::BodyExt as _;
use serde::Serialize;

use crate::attachment::{CompleteAttachmentRequest, StartAttachmentRequest};
use crate::cases::{CompleteCaseFileRequest, StartCaseFileRequest};
use crate::chat::StartChatRequest;
use crate::config::{AwsEnv, CasesConfig, StartChatConfig};
use crate::error::ApiError;

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
    include_bytes!("../certs/Amazon_Root_CA_1.pem"),
    include_bytes!("../certs/Amazon_Root_CA_2.pem"),
    include_bytes!("../certs/Amazon_Root_CA_3.pem"),
    include_bytes!("../certs/Amazon_Root_CA_4.pem"),
    include_bytes!("../certs/Starfield_Services_Root_Certificate_Authority_-_G2.pem"),
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

/// What start-chat returns to the widget inside `data.startChatResult`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct StartChatResult {
    pub contact_id: String,
    pub participant_id: String,
    pub participant_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continued_from_contact_id: Option<String>,
}

/// Calls StartChatContact on the configured instance and contact flow.
pub async fn start_chat_contact(
    client: &aws_sdk_connect::Client,
    config: &StartChatConfig,
    request: &StartChatRequest,
) -> Result<StartChatResult, ApiError> {
    let participant = connect_types::ParticipantDetails::builder()
        .display_name(&request.display_name)
        .build()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut call = client
        .start_chat_contact()
        .instance_id(&config.instance_id)
        .contact_flow_id(&config.contact_flow_id)
        .participant_details(participant)
        .chat_duration_in_minutes(request.chat_duration_minutes as i32)
        .client_token(&request.client_token)
        .set_supported_messaging_content_types(request.supported_messaging_content_types.clone())
        .set_related_contact_id(request.related_contact_id.clone());
    if !request.attributes.is_empty() {
        call = call.set_attributes(Some(
            request
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<HashMap<_, _>>(),
        ));
    }
    if let Some(message) = &request.initial_message {
        call = call.initial_message(
            connect_types::ChatMessage::builder()
                .content_type(&message.content_type)
                .content(&message.content)
                .build()
                .map_err(|e| ApiError::Internal(e.to_string()))?,
        );
    }
    if let Some(persistent) = &request.persistent_chat {
        call = call.persistent_chat(
            connect_types::PersistentChat::builder()
                .rehydration_type(connect_types::RehydrationType::from(
                    persistent.rehydration_type.as_str(),
                ))
                .source_contact_id(&persistent.source_contact_id)
                .build(),
        );
    }

    // An unknown resource is the referenced earlier contact when the request names one, and the
    // deployment's instance or flow otherwise.
    let referenced = if request.persistent_chat.is_some() {
        Some("PersistentChat.SourceContactId")
    } else if request.related_contact_id.is_some() {
        Some("RelatedContactId")
    } else {
        None
    };
    let output = call
        .send()
        .await
        .map_err(|err| map_start_chat_error("StartChatContact", err, referenced))?;
    let required = |value: Option<&str>, name: &str| {
        value
            .map(str::to_owned)
            .ok_or_else(|| ApiError::UpstreamFailure(format!("response without {name}")))
    };
    Ok(StartChatResult {
        contact_id: required(output.contact_id(), "ContactId")?,
        participant_id: required(output.participant_id(), "ParticipantId")?,
        participant_token: required(output.participant_token(), "ParticipantToken")?,
        continued_from_contact_id: output.continued_from_contact_id().map(str::to_owned),
    })
}

/// What start-attachment returns: the presigned upload the browser must PUT to.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct StartAttachmentResult {
    pub attachment_id: String,
    pub upload_metadata: UploadMetadata,
}

/// Where and how to PUT the attachment bytes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct UploadMetadata {
    pub url: String,
    pub url_expiry: String,
    pub headers_to_include: HashMap<String, String>,
}

/// Calls StartAttachmentUpload with the customer's ConnectionToken.
pub async fn start_attachment_upload(
    client: &aws_sdk_connectparticipant::Client,
    connection_token: &str,
    request: &StartAttachmentRequest,
) -> Result<StartAttachmentResult, ApiError> {
    let size = i64::try_from(request.attachment_size_in_bytes)
        .map_err(|_| ApiError::field("AttachmentSizeInBytes", "is too large"))?;
    let output = client
        .start_attachment_upload()
        .connection_token(connection_token)
        .attachment_name(&request.attachment_name)
        .attachment_size_in_bytes(size)
        .content_type(&request.content_type)
        .client_token(&request.client_token)
        .send()
        .await
        .map_err(|err| map_participant_error("StartAttachmentUpload", err))?;
    let metadata = output
        .upload_metadata()
        .ok_or_else(|| ApiError::UpstreamFailure("response without UploadMetadata".into()))?;
    Ok(StartAttachmentResult {
        attachment_id: output
            .attachment_id()
            .map(str::to_owned)
            .ok_or_else(|| ApiError::UpstreamFailure("response without AttachmentId".into()))?,
        upload_metadata: UploadMetadata {
            url: metadata
                .url()
                .map(str::to_owned)
                .ok_or_else(|| ApiError::UpstreamFailure("response without Url".into()))?,
            url_expiry: metadata.url_expiry().unwrap_or_default().to_owned(),
            headers_to_include: metadata.headers_to_include().cloned().unwrap_or_default(),
        },
    })
}

/// Calls CompleteAttachmentUpload with the customer's ConnectionToken.
pub async fn complete_attachment_upload(
    client: &aws_sdk_connectparticipant::Client,
    connection_token: &str,
    request: &CompleteAttachmentRequest,
) -> Result<(), ApiError> {
    client
        .complete_attachment_upload()
        .connection_token(connection_token)
        .attachment_ids(&request.attachment_id)
        .client_token(&request.client_token)
        .send()
        .await
        .map_err(|err| map_participant_error("CompleteAttachmentUpload", err))?;
    Ok(())
}

/// What `/cases/attachments/start` returns: the new file and where to PUT its bytes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct StartCaseFileResult {
    pub file_id: String,
    pub file_arn: String,
    pub file_status: String,
    pub upload_metadata: UploadMetadata,
}

/// Calls StartAttachedFileUpload for a file on a case in the configured Cases domain.
/// `created_by` is the caller's IAM identity ARN when the route is IAM-authorized.
pub async fn start_case_file_upload(
    client: &aws_sdk_connect::Client,
    cases: &CasesConfig,
    request: &StartCaseFileRequest,
    created_by: Option<&str>,
) -> Result<StartCaseFileResult, ApiError> {
    let size = i64::try_from(request.file_size_in_bytes)
        .map_err(|_| ApiError::field("FileSizeInBytes", "is too large"))?;
    let output = client
        .start_attached_file_upload()
        .instance_id(&cases.instance_id)
        .associated_resource_arn(cases.case_arn(&request.case_id))
        .file_name(&request.file_name)
        .file_size_in_bytes(size)
        .file_use_case_type(connect_types::FileUseCaseType::Attachment)
        .client_token(&request.client_token)
        .set_created_by(
            created_by.map(|arn| connect_types::CreatedByInfo::AwsIdentityArn(arn.to_owned())),
        )
        .send()
        .await
        .map_err(|err| map_case_file_error("StartAttachedFileUpload", err))?;
    let missing = |name: &str| ApiError::UpstreamFailure(format!("response without {name}"));
    let metadata = output
        .upload_url_metadata()
        .ok_or_else(|| missing("UploadUrlMetadata"))?;
    Ok(StartCaseFileResult {
        file_id: output
            .file_id()
            .ok_or_else(|| missing("FileId"))?
            .to_owned(),
        file_arn: output.file_arn().unwrap_or_default().to_owned(),
        file_status: output
            .file_status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        upload_metadata: UploadMetadata {
            url: metadata.url().ok_or_else(|| missing("Url"))?.to_owned(),
            url_expiry: metadata.url_expiry().unwrap_or_default().to_owned(),
            headers_to_include: metadata.headers_to_include().cloned().unwrap_or_default(),
        },
    })
}

/// Calls CompleteAttachedFileUpload for a file on a case in the configured Cases domain.
pub async fn complete_case_file_upload(
    client: &aws_sdk_connect::Client,
    cases: &CasesConfig,
    request: &CompleteCaseFileRequest,
) -> Result<(), ApiError> {
    client
        .complete_attached_file_upload()
        .instance_id(&cases.instance_id)
        .associated_resource_arn(cases.case_arn(&request.case_id))
        .file_id(&request.file_id)
        .send()
        .await
        .map_err(|err| map_case_file_error("CompleteAttachedFileUpload", err))?;
    Ok(())
}

fn map_case_file_error<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    map_sdk_error(operation, err, |e| match e.code() {
        // The file id is not on this case (or the case is not in the domain): the caller's
        // mistake, unlike a missing instance, which StartAttachedFileUpload reports.
        Some("ResourceNotFoundException") if operation == "CompleteAttachedFileUpload" => {
            Some(ApiError::field(
                "FileId",
                "no such file on this case; start the upload first",
            ))
        }
        _ => None,
    })
}

fn map_start_chat_error(
    operation: &'static str,
    err: SdkError<StartChatContactError, HttpResponse>,
    referenced_contact: Option<&'static str>,
) -> ApiError {
    map_sdk_error(operation, err, |e| match e {
        StartChatContactError::InvalidRequestException(_)
        | StartChatContactError::InvalidParameterException(_) => Some(rejected(e)),
        StartChatContactError::ResourceNotFoundException(_) if referenced_contact.is_some() => {
            referenced_contact.map(|field| ApiError::ContactNotFound { field })
        }
        StartChatContactError::ResourceNotFoundException(_) => Some(ApiError::Misconfigured(
            "Connect returned ResourceNotFoundException for StartChatContact: check that \
             CONNECT_INSTANCE_ID and CONNECT_CONTACT_FLOW_ID name an existing instance and a \
             published contact flow in this region"
                .into(),
        )),
        StartChatContactError::LimitExceededException(_) => Some(ApiError::QuotaExceeded),
        StartChatContactError::InternalServiceException(_) => {
            Some(ApiError::UpstreamFailure("InternalServiceException".into()))
        }
        _ => None,
    })
}

fn map_participant_error<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    map_sdk_error(operation, err, |_| None)
}

fn rejected(e: &impl ProvideErrorMetadata) -> ApiError {
    ApiError::UpstreamRejected {
        upstream_code: e.code().unwrap_or("unknown").to_owned(),
    }
}

/// The common translation: a typed classification first, then the error code Connect sent,
/// then the HTTP status. Logs the upstream code and request id, never the message (it may
/// echo request data).
fn map_sdk_error<E>(
    operation: &'static str,
    err: SdkError<E, HttpResponse>,
    classify: impl Fn(&E) -> Option<ApiError>,
) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let aws_request_id = err.request_id().map(str::to_owned);
    let mapped = match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let status = service.raw().status().as_u16();
            classify(e).unwrap_or_else(|| by_code_or_status(operation, e, status))
        }
        SdkError::TimeoutError(_) => ApiError::UpstreamTimeout,
        SdkError::DispatchFailure(failure) => {
            if failure.is_timeout() {
                ApiError::UpstreamTimeout
            } else {
                ApiError::UpstreamUnavailable(format!("{operation}: connection failed"))
            }
        }
        SdkError::ResponseError(_) => {
            ApiError::UpstreamFailure(format!("{operation}: unreadable response"))
        }
        _ => ApiError::Internal(format!("{operation}: request could not be built")),
    };
    let upstream_code = match &err {
        SdkError::ServiceError(service) => service.err().code().unwrap_or("unknown").to_owned(),
        other => kind_name(other).to_owned(),
    };
    if mapped.status().is_server_error() {
        tracing::error!(operation, upstream_code, aws_request_id, mapped = %mapped, "Connect call failed");
    } else {
        tracing::warn!(
            operation,
            upstream_code,
            aws_request_id,
            mapped = mapped.code(),
            "Connect call refused"
        );
    }
    mapped
}

fn by_code_or_status(operation: &str, e: &impl ProvideErrorMetadata, status: u16) -> ApiError {
    // Connect API calls are signed with the function's role, so a denial is the operator's
    // problem; the Participant Service authorizes with the customer's ConnectionToken.
    let connect_api = matches!(
        operation,
        "StartChatContact" | "StartAttachedFileUpload" | "CompleteAttachedFileUpload"
    );
    match e.code() {
        // AWS's authentication layer: the function's credentials or signing are wrong.
        Some(
            code @ ("UnrecognizedClientException"
            | "InvalidSignatureException"
            | "IncompleteSignatureException"
            | "MissingAuthenticationTokenException"
            | "ExpiredTokenException"),
        ) => ApiError::Misconfigured(format!(
            "{operation}: AWS rejected the function's credentials ({code})"
        )),
        Some("AccessDeniedException") if connect_api => ApiError::Misconfigured(format!(
            "Connect denied {operation}: the function's role must allow connect:{operation} \
             on the configured instance (and contact flow or Cases domain)"
        )),
        Some("AccessDeniedException") => ApiError::AccessDenied,
        Some("ValidationException")
        | Some("InvalidRequestException")
        | Some("InvalidParameterException") => rejected(e),
        Some("ThrottlingException") | Some("TooManyRequestsException") => ApiError::Throttled,
        Some("ServiceQuotaExceededException") | Some("LimitExceededException") => {
            ApiError::QuotaExceeded
        }
        Some("ConflictException") | Some("ResourceConflictException") => ApiError::Conflict,
        Some("ResourceNotFoundException") => ApiError::Misconfigured(format!(
            "{operation}: Connect returned ResourceNotFoundException"
        )),
        _ => match status {
            401 | 403 if connect_api => ApiError::Misconfigured(format!(
                "{operation}: AWS refused the request (HTTP {status})"
            )),
            401 | 403 => ApiError::AccessDenied,
            409 => ApiError::Conflict,
            429 => ApiError::Throttled,
            400..=499 => rejected(e),
            503 => ApiError::UpstreamUnavailable(format!("{operation}: HTTP 503")),
            504 => ApiError::UpstreamTimeout,
            _ => ApiError::UpstreamFailure(format!(
                "{operation}: {} (HTTP {status})",
                e.code().unwrap_or("unknown error")
            )),
        },
    }
}

fn kind_name<E, R>(err: &SdkError<E, R>) -> &'static str {
    match err {
        SdkError::ConstructionFailure(_) => "ConstructionFailure",
        SdkError::TimeoutError(_) => "TimeoutError",
        SdkError::DispatchFailure(_) => "DispatchFailure",
        SdkError::ResponseError(_) => "ResponseError",
        SdkError::ServiceError(_) => "ServiceError",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
