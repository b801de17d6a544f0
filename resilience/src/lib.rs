//! What the resilience commands share: connect-local in-process on a free loopback port, the
//! functions' handlers with their real SDK clients pointed at it, and API Gateway v2 requests
//! built from the events in `events/`.

use connect_local::{Options, Server};
use lambda_http::{Body, Request};
use serde_json::Value;
use shared::auth::Authenticator;
use shared::{connect, handlers, AttachmentConfig, AwsEnv, StartChatConfig};

/// The browser origin the harness configures and sends.
pub const ORIGIN: &str = "https://www.example.com";

/// connect-local plus the three functions' handlers, configured as a deployment would be.
pub struct Harness {
    pub server: Server,
    pub connect: aws_sdk_connect::Client,
    pub participant: aws_sdk_connectparticipant::Client,
    pub chat_config: StartChatConfig,
    pub attachment_config: AttachmentConfig,
    pub auth: Option<Authenticator>,
}

/// A handler's answer, decoded.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Value,
}

impl Harness {
    /// Starts connect-local (agent off) and builds the handlers' dependencies; `env` adds or
    /// overrides configuration variables.
    pub async fn start(env: &[(&str, &str)]) -> std::io::Result<Self> {
        let server = connect_local::start(Options {
            agent: false,
            ..Options::default()
        })
        .await?;
        let aws = AwsEnv {
            region: "us-east-1".into(),
            access_key_id: connect_local::DEFAULT_ACCESS_KEY_ID.into(),
            secret_access_key: connect_local::DEFAULT_SECRET_ACCESS_KEY.into(),
            session_token: None,
            connect_endpoint: Some(server.base_url.clone()),
            participant_endpoint: Some(server.base_url.clone()),
            secrets_manager_endpoint: None,
            ssm_endpoint: None,
        };
        let mut vars = vec![
            ("CONNECT_INSTANCE_ID", connect_local::DEFAULT_INSTANCE_ID),
            (
                "CONNECT_CONTACT_FLOW_ID",
                connect_local::DEFAULT_CONTACT_FLOW_ID,
            ),
            ("ALLOWED_ORIGINS", ORIGIN),
            ("ALLOWED_ATTRIBUTES", "customerId,plan,utm_*"),
            (
                "CASES_DOMAIN_ARN",
                "arn:aws:cases:us-east-1:123456789012:domain/resilience",
            ),
        ];
        vars.extend_from_slice(env);
        let lookup = |name: &str| {
            vars.iter()
                .rev()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        let chat_config = StartChatConfig::from_lookup(lookup)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let attachment_config = AttachmentConfig::from_lookup(lookup)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(Self {
            connect: connect::connect_client(&aws),
            participant: connect::participant_client(&aws),
            auth: chat_config
                .auth
                .clone()
                .map(|a| Authenticator::new(a, Some(aws.clone()))),
            chat_config,
            attachment_config,
            server,
        })
    }

    /// Calls the start-chat handler.
    pub async fn start_chat(&self, req: Request) -> Answer {
        decode(
            handlers::handle_start_chat(&self.chat_config, &self.connect, self.auth.as_ref(), req)
                .await,
        )
    }

    /// Calls the start-attachment handler (chat or case route, by path).
    pub async fn start_attachment(&self, req: Request) -> Answer {
        decode(
            handlers::handle_start_attachment(
                &self.attachment_config,
                &self.participant,
                Some(&self.connect),
                req,
            )
            .await,
        )
    }

    /// Calls the complete-attachment handler (chat or case route, by path).
    pub async fn complete_attachment(&self, req: Request) -> Answer {
        decode(
            handlers::handle_complete_attachment(
                &self.attachment_config,
                &self.participant,
                Some(&self.connect),
                req,
            )
            .await,
        )
    }
}

fn decode(result: Result<lambda_http::Response<Body>, lambda_http::Error>) -> Answer {
    match result {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = match resp.body() {
                Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
                Body::Binary(b) => serde_json::from_slice(b).unwrap_or(Value::Null),
                Body::Empty => Value::Null,
                _ => Value::Null,
            };
            Answer {
                status,
                headers,
                body,
            }
        }
        // The handlers never return Err; if one did, API Gateway would answer a bare 502.
        Err(_) => Answer {
            status: 502,
            headers: http::HeaderMap::new(),
            body: Value::Null,
        },
    }
}

/// The events the commands start from, compiled in so the binaries run from anywhere.
pub fn event(name: &str) -> Request {
    let text = match name {
        "start-chat" => include_str!("../../events/start-chat.json"),
        "start-attachment" => include_str!("../../events/start-attachment.json"),
        "complete-attachment" => include_str!("../../events/complete-attachment.json"),
        "case-attachment-start" => include_str!("../../events/case-attachment-start.json"),
        "case-attachment-complete" => include_str!("../../events/case-attachment-complete.json"),
        _ => panic!("no event named {name}"),
    };
    lambda_http::request::from_str(text).expect("the events in events/ are valid")
}

/// `req` with its body replaced.
pub fn with_body(mut req: Request, body: &str) -> Request {
    *req.body_mut() = Body::Text(body.to_owned());
    req
}

/// `req` with a header set; values that are not valid header text are skipped.
pub fn with_header(mut req: Request, name: &'static str, value: &str) -> Request {
    if let Ok(value) = value.parse() {
        req.headers_mut().insert(name, value);
    }
    req
}

/// The statuses a handler may answer with, by route kind: every status [`shared::ApiError`]
/// maps to, plus 200 and 204 (preflight).
pub fn documented_statuses() -> Vec<u16> {
    let mut statuses: Vec<u16> = shared::ApiError::every_kind()
        .iter()
        .map(|e| e.status().as_u16())
        .collect();
    statuses.extend([200, 204]);
    statuses.sort_unstable();
    statuses.dedup();
    statuses
}

/// Whether an answer is a well-formed error of ours: a documented status, a JSON body with a
/// known `error.code`, and the CORS header for the allowed origin.
pub fn is_mapped_error(answer: &Answer) -> bool {
    let known_codes: Vec<&str> = shared::ApiError::every_kind()
        .iter()
        .map(|e| e.code())
        .collect();
    let code_known = answer.body["error"]["code"]
        .as_str()
        .is_some_and(|c| known_codes.contains(&c));
    let cors = answer
        .headers
        .get("access-control-allow-origin")
        .is_some_and(|v| v == ORIGIN);
    documented_statuses().contains(&answer.status) && code_known && cors
}
