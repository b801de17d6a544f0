//! A minimal client for connect-local: requests signed with aws-sigv4 (connect-local verifies
//! signatures as AWS does), JSON requests, and process limits for many sockets.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use serde_json::{json, Value};

/// A StartChatContact request to `base`, signed with connect-local's default credentials.
pub fn signed_start_chat(base: &str, body: String) -> Result<reqwest::Request, String> {
    let request = http::Request::builder()
        .method("PUT")
        .uri(format!("{base}/contact/chat"))
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .map_err(|e| e.to_string())?;
    sign_request(request, "connect", connect_local::DEFAULT_REGION)
}

/// Signs any request with connect-local's default credentials for `service` (the signing name)
/// in `region`, as the AWS SDKs sign it.
pub fn sign_request(
    mut request: http::Request<Vec<u8>>,
    service: &str,
    region: &str,
) -> Result<reqwest::Request, String> {
    let identity: Identity = Credentials::new(
        connect_local::DEFAULT_ACCESS_KEY_ID,
        connect_local::DEFAULT_SECRET_ACCESS_KEY,
        None,
        None,
        "bench",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let signable = SignableRequest::new(
        request.method().as_str(),
        request.uri().to_string(),
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(request.body()),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| e.to_string())?
        .into_parts();
    instructions.apply_to_request_http1x(&mut request);
    reqwest::Request::try_from(request.map(reqwest::Body::from)).map_err(|e| e.to_string())
}

/// Starts a chat on connect-local's default instance; returns StartChatContact's output.
pub async fn start_chat(
    http: &reqwest::Client,
    base: &str,
    name: &str,
    client_token: &str,
) -> Result<Value, String> {
    let body = json!({
        "InstanceId": connect_local::DEFAULT_INSTANCE_ID,
        "ContactFlowId": connect_local::DEFAULT_CONTACT_FLOW_ID,
        "ParticipantDetails": {"DisplayName": name},
        "ClientToken": client_token,
    });
    send_json(http, signed_start_chat(base, body.to_string())?).await
}

/// CreateParticipantConnection with the given connection types.
pub async fn create_connection(
    http: &reqwest::Client,
    base: &str,
    participant_token: &str,
    types: &[&str],
) -> Result<Value, String> {
    let request = http
        .post(format!("{base}/participant/connection"))
        .header("x-amz-bearer", participant_token)
        .json(&json!({ "Type": types }))
        .build()
        .map_err(|e| e.to_string())?;
    send_json(http, request).await
}

/// Sends a request and returns its JSON body; a non-2xx status is an error.
pub async fn send_json(http: &reqwest::Client, request: reqwest::Request) -> Result<Value, String> {
    let url = request.url().path().to_owned();
    let response = http
        .execute(request)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| format!("{url}: {e}"))?;
    if !status.is_success() {
        return Err(format!("{url}: HTTP {status}: {body}"));
    }
    Ok(body)
}

/// A string member of a JSON object.
pub fn field(value: &Value, name: &str) -> Result<String, String> {
    value[name]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("response without {name}: {value}"))
}

/// Lifts the soft open-file limit to the hard one (many sockets in one process).
pub fn raise_open_file_limit() {
    // SAFETY: getrlimit/setrlimit only read and write the rlimit struct we pass.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
