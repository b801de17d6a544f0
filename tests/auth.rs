//! start-chat's optional customer authentication, end to end through the handler and
//! connect-local: HS256 with an inline secret and with the secret read (SigV4-signed) from
//! Secrets Manager and SSM stubs, RS256/ES256 through a JWKS server, every claim check, key
//! rotation, and what a verified token may decide (attributes, persistent chat).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use integration_tests::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

/// The tests here run one at a time: the log test needs no other thread registering tracing
/// callsites while its subscriber is installed (tracing caches callsite interest globally).
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const SECRET: &str = "a-shared-secret-of-at-least-32-bytes!!";
const ISSUER: &str = "https://shop.example.com";
const AUDIENCE: &str = "chat-backend";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims() -> Value {
    json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "customer-42", "iat": now(), "exp": now() + 300})
}

fn hs256(claims: &Value) -> String {
    hs256_with(claims, SECRET)
}

fn hs256_with(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/fixtures/jwt/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn signed(alg: Algorithm, key_name: &str, claims: &Value) -> String {
    let pem = fixture(&format!("{key_name}.pem"));
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        _ => EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    };
    let mut header = Header::new(alg);
    header.kid = Some(key_name.to_owned());
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn jwk(key_name: &str) -> Value {
    serde_json::from_str(&fixture(&format!("{key_name}.jwk.json"))).unwrap()
}

fn hs256_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("AUTH_MODE", "hs256"),
        ("AUTH_HS256_SECRET", SECRET),
        ("AUTH_ISSUER", ISSUER),
        ("AUTH_AUDIENCE", AUDIENCE),
    ]
}

async fn chat_with(stack: &Stack, token: Option<&str>, body: Value) -> Answer {
    let mut req = with_body(event("start-chat.json"), &body.to_string());
    if let Some(token) = token {
        req = with_header(req, "authorization", &format!("Bearer {token}"));
    }
    stack.start_chat(req).await
}

fn body() -> Value {
    json!({"ParticipantDetails": {"DisplayName": "Ana"}})
}

#[tokio::test]
async fn hs256_tokens_pass_only_when_every_check_holds() {
    let _serial = SERIAL.lock().await;
    let stack = Stack::start_with(connect_local::Options::default(), &hs256_env()).await;
    let ok = chat_with(&stack, Some(&hs256(&claims())), body()).await;
    assert_eq!(ok.status, 200, "{}", ok.body);

    let mut cases: Vec<(&str, String)> = Vec::new();
    let with = |k: &str, v: Value| {
        let mut c = claims();
        c[k] = v;
        c
    };
    cases.push(("expired", hs256(&with("exp", json!(now() - 120)))));
    cases.push(("not yet valid", hs256(&with("nbf", json!(now() + 600)))));
    cases.push((
        "issued in the future",
        hs256(&with("iat", json!(now() + 600))),
    ));
    cases.push(("too old", hs256(&with("iat", json!(now() - 7200)))));
    cases.push(("wrong audience", hs256(&with("aud", json!("someone-else")))));
    cases.push((
        "wrong issuer",
        hs256(&with("iss", json!("https://evil.example"))),
    ));
    cases.push((
        "bad signature",
        hs256_with(&claims(), "another-secret-that-is-32-bytes-long!!"),
    ));
    let mut no_exp = claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    cases.push(("no exp", hs256(&no_exp)));
    // alg none: an unsigned token with a valid payload.
    let b64 = |v: &Value| {
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            v.to_string(),
        )
    };
    cases.push((
        "alg none",
        format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "typ": "JWT"})),
            b64(&claims())
        ),
    ));
    // An RS256 token where HS256 is configured (algorithm confusion).
    cases.push((
        "RS256 where HS256 is configured",
        signed(Algorithm::RS256, "rsa-a", &claims()),
    ));
    cases.push(("garbage", "not.a.jwt".into()));

    for (what, token) in &cases {
        let answer = chat_with(&stack, Some(token), body()).await;
        assert_eq!(
            (answer.status, answer.code()),
            (401, "Unauthenticated"),
            "{what}: {}",
            answer.body
        );
        assert_eq!(answer.field(), "Authorization", "{what}");
        assert_eq!(
            answer.header("access-control-allow-origin"),
            Some(ALLOWED_ORIGIN),
            "{what}"
        );
    }
    let missing = chat_with(&stack, None, body()).await;
    assert_eq!((missing.status, missing.code()), (401, "Unauthenticated"));
    // Only the one valid request reached Connect.
    assert_eq!(stack.contact_count(), 1);
}

#[tokio::test]
async fn a_leaked_idempotency_key_cannot_take_over_another_customers_chat() {
    let _serial = SERIAL.lock().await;
    let stack = Stack::start_with(connect_local::Options::default(), &hs256_env()).await;
    let body = json!({"ParticipantDetails": {"DisplayName": "Ana"}, "ClientToken": "shared-key"});
    let as_user = |sub: &str| {
        let mut c = claims();
        c["sub"] = json!(sub);
        hs256(&c)
    };
    let victim = chat_with(&stack, Some(&as_user("customer-1")), body.clone()).await;
    let victim_retry = chat_with(&stack, Some(&as_user("customer-1")), body.clone()).await;
    let intruder = chat_with(&stack, Some(&as_user("customer-2")), body).await;
    let result = |a: &Answer| a.body["data"]["startChatResult"].clone();
    assert_eq!(victim.status, 200, "{}", victim.body);
    assert_eq!(intruder.status, 200, "{}", intruder.body);
    assert_eq!(
        result(&victim),
        result(&victim_retry),
        "the same customer retries into the same chat"
    );
    assert_ne!(result(&intruder)["ContactId"], result(&victim)["ContactId"]);
    assert_ne!(
        result(&intruder)["ParticipantToken"],
        result(&victim)["ParticipantToken"]
    );
}

#[tokio::test]
async fn a_small_clock_skew_is_tolerated() {
    let _serial = SERIAL.lock().await;
    let stack = Stack::start_with(connect_local::Options::default(), &hs256_env()).await;
    let mut c = claims();
    c["exp"] = json!(now() - 20);
    c["nbf"] = json!(now() + 20);
    c["iat"] = json!(now() + 20);
    let answer = chat_with(&stack, Some(&hs256(&c)), body()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn token_attributes_win_and_skip_the_allow_list() {
    let _serial = SERIAL.lock().await;
    let stack = Stack::start_with(connect_local::Options::default(), &hs256_env()).await;
    let mut c = claims();
    c["attributes"] = json!({"customerId": "from-token", "loyaltyTier": "gold"});
    let answer = chat_with(
        &stack,
        Some(&hs256(&c)),
        json!({"ParticipantDetails": {"DisplayName": "Ana"}, "Attributes": {"customerId": "from-body", "plan": "basic"}}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let contact_id = answer.body["data"]["startChatResult"]["ContactId"]
        .as_str()
        .unwrap();
    let attributes = stack
        .server
        .store
        .with(|inner| inner.contacts[contact_id].attributes.clone());
    assert_eq!(attributes["customerId"], "from-token");
    assert_eq!(
        attributes["loyaltyTier"], "gold",
        "not in ALLOWED_ATTRIBUTES, yet vouched for"
    );
    assert_eq!(attributes["plan"], "basic");

    let mut bad = claims();
    bad["attributes"] = json!({"n": 1});
    let answer = chat_with(&stack, Some(&hs256(&bad)), body()).await;
    assert_eq!((answer.status, answer.code()), (401, "InvalidClaim"));
}

#[tokio::test]
async fn the_customer_id_reaches_connect_only_from_the_token_and_never_the_logs() {
    let _serial = SERIAL.lock().await;
    let stack = Stack::start_with(connect_local::Options::default(), &hs256_env()).await;
    let logs = LogCapture::default();
    let _guard = logs.install("trace");
    let mut c = claims();
    c["customerId"] = json!("CRM-private-8812");
    let answer = chat_with(&stack, Some(&hs256(&c)), body()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let contact_id = answer.body["data"]["startChatResult"]["ContactId"]
        .as_str()
        .unwrap();
    let customer_id = stack
        .server
        .store
        .with(|inner| inner.contacts[contact_id].customer_id.clone());
    assert_eq!(customer_id.as_deref(), Some("CRM-private-8812"));
    assert!(!logs.contents().contains("CRM-private-8812"));

    let mut spoofed = body();
    spoofed["CustomerId"] = json!("CRM-someone-else");
    let answer = chat_with(&stack, Some(&hs256(&claims())), spoofed).await;
    assert_eq!((answer.status, answer.field()), (400, "CustomerId"));

    for bad in [json!(42), json!(""), json!("x".repeat(129))] {
        let mut c = claims();
        c["customerId"] = bad;
        let answer = chat_with(&stack, Some(&hs256(&c)), body()).await;
        assert_eq!((answer.status, answer.code()), (401, "InvalidClaim"));
    }
}

#[tokio::test]
async fn with_authentication_the_persistent_chat_source_comes_only_from_the_token() {
    let _serial = SERIAL.lock().await;
    let stack = Stack::start_with(connect_local::Options::default(), &hs256_env()).await;
    let first = chat_with(&stack, Some(&hs256(&claims())), body()).await;
    let first_id = first.body["data"]["startChatResult"]["ContactId"]
        .as_str()
        .unwrap()
        .to_owned();

    // Someone else's contact id in the body is refused, even with a valid token.
    let refused = chat_with(
        &stack,
        Some(&hs256(&claims())),
        json!({"ParticipantDetails": {"DisplayName": "Eve"},
               "PersistentChat": {"RehydrationType": "ENTIRE_PAST_SESSION", "SourceContactId": first_id}}),
    )
    .await;
    assert_eq!(
        (refused.status, refused.field()),
        (400, "PersistentChat.SourceContactId")
    );
    let related = chat_with(
        &stack,
        Some(&hs256(&claims())),
        json!({"ParticipantDetails": {"DisplayName": "Eve"}, "RelatedContactId": first_id}),
    )
    .await;
    assert_eq!((related.status, related.field()), (400, "RelatedContactId"));

    // The token's sourceContactId continues the earlier contact.
    let mut c = claims();
    c["sourceContactId"] = json!(first_id);
    let continued = chat_with(&stack, Some(&hs256(&c)), body()).await;
    assert_eq!(continued.status, 200, "{}", continued.body);
    assert_eq!(
        continued.body["data"]["startChatResult"]["ContinuedFromContactId"],
        first_id.as_str()
    );
}

/// A JWKS endpoint whose key set the test can replace, counting fetches.
struct Jwks {
    url: String,
    keys: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
    _task: tokio::task::JoinHandle<()>,
}

async fn jwks_server(keys: Value) -> Jwks {
    let keys = Arc::new(Mutex::new(keys));
    let fetches = Arc::new(AtomicUsize::new(0));
    let state = (keys.clone(), fetches.clone());
    let app = axum::Router::new()
        .route(
            "/.well-known/jwks.json",
            axum::routing::get(
                |State((keys, fetches)): State<(Arc<Mutex<Value>>, Arc<AtomicUsize>)>| async move {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    axum::Json(keys.lock().unwrap().clone())
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Jwks {
        url,
        keys,
        fetches,
        _task: task,
    }
}

fn jwks_env(url: &str, refresh: &'static str) -> Vec<(&'static str, String)> {
    vec![
        ("AUTH_MODE", "jwks".into()),
        ("AUTH_JWKS_URL", url.into()),
        ("AUTH_ISSUER", ISSUER.into()),
        ("AUTH_AUDIENCE", AUDIENCE.into()),
        ("AUTH_KEY_REFRESH_SECONDS", refresh.into()),
    ]
}

async fn stack_with(env: &[(&'static str, String)]) -> Stack {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Stack::start_with(connect_local::Options::default(), &env).await
}

#[tokio::test]
async fn rs256_and_es256_tokens_verify_against_the_jwks_and_keys_rotate() {
    let _serial = SERIAL.lock().await;
    let jwks = jwks_server(json!({"keys": [jwk("rsa-a"), jwk("ec-a")]})).await;
    let stack = stack_with(&jwks_env(&jwks.url, "0")).await;

    let rsa = chat_with(
        &stack,
        Some(&signed(Algorithm::RS256, "rsa-a", &claims())),
        body(),
    )
    .await;
    assert_eq!(rsa.status, 200, "{}", rsa.body);
    let ec = chat_with(
        &stack,
        Some(&signed(Algorithm::ES256, "ec-a", &claims())),
        body(),
    )
    .await;
    assert_eq!(ec.status, 200, "{}", ec.body);
    assert_eq!(jwks.fetches.load(Ordering::SeqCst), 1, "keys are cached");

    // An HS256 token signed with the RSA public key's bytes must not pass (algorithm confusion).
    let confused = hs256_with(&claims(), &fixture("rsa-a.jwk.json"));
    let answer = chat_with(&stack, Some(&confused), body()).await;
    assert_eq!(answer.status, 401);

    // Rotation: the identity provider now publishes only key B.
    *jwks.keys.lock().unwrap() = json!({"keys": [jwk("rsa-b")]});
    let rotated = chat_with(
        &stack,
        Some(&signed(Algorithm::RS256, "rsa-b", &claims())),
        body(),
    )
    .await;
    assert_eq!(
        rotated.status, 200,
        "an unknown kid triggers one refresh: {}",
        rotated.body
    );
    assert_eq!(jwks.fetches.load(Ordering::SeqCst), 2);
    let retired = chat_with(
        &stack,
        Some(&signed(Algorithm::RS256, "rsa-a", &claims())),
        body(),
    )
    .await;
    assert_eq!((retired.status, retired.code()), (401, "Unauthenticated"));
}

#[tokio::test]
async fn jwks_refreshes_are_rate_limited() {
    let _serial = SERIAL.lock().await;
    let jwks = jwks_server(json!({"keys": [jwk("rsa-a")]})).await;
    let stack = stack_with(&jwks_env(&jwks.url, "600")).await;
    assert_eq!(
        chat_with(
            &stack,
            Some(&signed(Algorithm::RS256, "rsa-a", &claims())),
            body()
        )
        .await
        .status,
        200
    );
    // Tokens naming unknown keys cannot make the function hammer the identity provider.
    for _ in 0..5 {
        let answer = chat_with(
            &stack,
            Some(&signed(Algorithm::RS256, "rsa-b", &claims())),
            body(),
        )
        .await;
        assert_eq!(answer.status, 401);
    }
    assert_eq!(jwks.fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unreachable_jwks_is_a_retryable_503_not_a_401() {
    let _serial = SERIAL.lock().await;
    let stack = stack_with(&jwks_env("http://127.0.0.1:9/jwks.json", "0")).await;
    let answer = chat_with(
        &stack,
        Some(&signed(Algorithm::RS256, "rsa-a", &claims())),
        body(),
    )
    .await;
    assert_eq!(
        (answer.status, answer.code()),
        (503, "AuthenticationUnavailable")
    );
    assert_eq!(answer.header("retry-after"), Some("1"));
}

/// A Secrets Manager / SSM stand-in that checks the SigV4 signature like AWS would.
async fn secret_store(value: Arc<Mutex<String>>, calls: Arc<AtomicUsize>) -> String {
    let app = axum::Router::new()
        .route(
            "/",
            axum::routing::post(
                |State((value, calls)): State<(Arc<Mutex<String>>, Arc<AtomicUsize>)>,
                 method: Method,
                 uri: Uri,
                 headers: HeaderMap,
                 body: axum::body::Bytes| async move {
                    let target = headers
                        .get("x-amz-target")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    let service = if target.starts_with("AmazonSSM.") {
                        "ssm"
                    } else {
                        "secretsmanager"
                    };
                    let credentials = connect_local::wire::sigv4::Credentials {
                        access_key_id: connect_local::DEFAULT_ACCESS_KEY_ID.into(),
                        secret_access_key: connect_local::DEFAULT_SECRET_ACCESS_KEY.into(),
                    };
                    if connect_local::wire::sigv4::verify(
                        &credentials,
                        connect_local::DEFAULT_REGION,
                        service,
                        &method,
                        &uri,
                        &headers,
                        &body,
                    )
                    .is_err()
                    {
                        return (axum::http::StatusCode::FORBIDDEN, axum::Json(json!({})))
                            .into_response();
                    }
                    calls.fetch_add(1, Ordering::SeqCst);
                    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
                    let secret = value.lock().unwrap().clone();
                    let answer = match target {
                        "secretsmanager.GetSecretValue" if request["SecretId"].is_string() => {
                            json!({"SecretString": secret})
                        }
                        "AmazonSSM.GetParameter" if request["WithDecryption"] == true => {
                            json!({"Parameter": {"Value": secret}})
                        }
                        _ => {
                            return (axum::http::StatusCode::BAD_REQUEST, axum::Json(json!({})))
                                .into_response()
                        }
                    };
                    axum::Json(answer).into_response()
                },
            ),
        )
        .with_state((value, calls));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    url
}

use axum::response::IntoResponse;

async fn secret_stack(arn: &str, store_url: &str) -> Stack {
    let mut stack = Stack::start_with(
        connect_local::Options::default(),
        &[
            ("AUTH_MODE", "hs256"),
            ("AUTH_HS256_SECRET_ARN", arn),
            ("AUTH_ISSUER", ISSUER),
            ("AUTH_AUDIENCE", AUDIENCE),
            ("AUTH_KEY_REFRESH_SECONDS", "0"),
        ],
    )
    .await;
    // Point the secret reads at the stub, as a deployment's endpoint overrides would (the
    // tests that use this hold SERIAL, so no other reads these variables meanwhile).
    std::env::set_var("AWS_ENDPOINT_URL_SECRETS_MANAGER", store_url);
    std::env::set_var("AWS_ENDPOINT_URL_SSM", store_url);
    stack.auth = stack
        .chat_config
        .auth
        .clone()
        .map(|config| shared::auth::Authenticator::new(config, Some(stack.aws.clone())));
    stack
}

#[tokio::test]
async fn the_hs256_secret_is_read_from_secrets_manager_and_rotation_overlaps() {
    let _serial = SERIAL.lock().await;
    let value = Arc::new(Mutex::new(SECRET.to_owned()));
    let calls = Arc::new(AtomicUsize::new(0));
    let url = secret_store(value.clone(), calls.clone()).await;
    let stack = secret_stack(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:chat-jwt-AbCdEf",
        &url,
    )
    .await;

    assert_eq!(
        chat_with(&stack, Some(&hs256(&claims())), body())
            .await
            .status,
        200
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "one signed read, then cached"
    );
    assert_eq!(
        chat_with(&stack, Some(&hs256(&claims())), body())
            .await
            .status,
        200
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // Rotation: the secret now holds the new and the previous key.
    let next = "the-next-shared-secret-also-32-bytes-long";
    *value.lock().unwrap() = json!({"current": next, "previous": SECRET}).to_string();
    let with_new = chat_with(&stack, Some(&hs256_with(&claims(), next)), body()).await;
    assert_eq!(
        with_new.status, 200,
        "a failed signature re-reads the secret: {}",
        with_new.body
    );
    assert_eq!(
        chat_with(&stack, Some(&hs256(&claims())), body())
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn the_hs256_secret_can_be_an_ssm_secure_string() {
    let _serial = SERIAL.lock().await;
    let value = Arc::new(Mutex::new(SECRET.to_owned()));
    let calls = Arc::new(AtomicUsize::new(0));
    let url = secret_store(value, calls.clone()).await;
    let stack = secret_stack(
        "arn:aws:ssm:us-east-1:123456789012:parameter/chat/jwt-secret",
        &url,
    )
    .await;
    assert_eq!(
        chat_with(&stack, Some(&hs256(&claims())), body())
            .await
            .status,
        200
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn tokens_never_reach_the_logs() {
    let _serial = SERIAL.lock().await;
    let logs = LogCapture::default();
    let _guard = logs.install("trace");
    let stack = Stack::start_with(connect_local::Options::default(), &hs256_env()).await;
    let token = hs256(&claims());
    assert_eq!(chat_with(&stack, Some(&token), body()).await.status, 200);
    let bad = hs256_with(&claims(), "another-secret-that-is-32-bytes-long!!");
    assert_eq!(chat_with(&stack, Some(&bad), body()).await.status, 401);
    let text = logs.contents();
    assert!(
        text.contains("request finished"),
        "logs were captured: {text}"
    );
    for secret in [
        token.as_str(),
        bad.as_str(),
        SECRET,
        token.split('.').nth(2).unwrap(),
    ] {
        assert!(!text.contains(secret), "a token or secret reached the logs");
    }
}
