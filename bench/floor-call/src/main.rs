//! A reference for lambda-bench, without targets: the least a function of ours could do per
//! invoke. A hello-world that makes the one call every function must make, a plain HTTP/1.1
//! request to its upstream (the Connect endpoint lambda-bench gives it) over a kept-alive
//! connection, with the answer read to the end; no SDK, no signing, no validation, no log line.
//! Like the functions, it runs on Tokio's current-thread runtime; it opens its connection during
//! init. The functions' distance from it is their own work; its distance from the floor (a
//! multi-thread hello-world that calls nothing) is the round trip and the choice of runtime.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use lambda_http::{run, service_fn, Body, Error, Request, Response};

/// About the size of start-chat's StartChatContact body.
const REQUEST_BODY: &str = r#"{"ChatDurationInMinutes":60,"ClientToken":"00000000-0000-4000-8000-000000000000","ContactFlowId":"00000000-0000-4000-8000-000000000001","InstanceId":"00000000-0000-4000-8000-000000000002","ParticipantDetails":{"DisplayName":"Bench"}}"#;

type Upstream = Client<HttpConnector, Full<Bytes>>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let base = std::env::var("AWS_ENDPOINT_URL_CONNECT")?;
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Upstream = Client::builder(TokioExecutor::new()).build(connector);
    // Open the connection now; the answer is ignored.
    call(&client, http::Method::GET, &format!("{base}/"), "").await?;
    let url = format!("{base}/contact/chat");
    run(service_fn(|_req: Request| {
        let (client, url) = (&client, &url);
        async move {
            // Any HTTP answer will do: connect-local refuses the unsigned request, the stub
            // answers it; either way it is one full round trip.
            let status = match call(client, http::Method::PUT, url, REQUEST_BODY).await {
                Ok(_) => 200,
                Err(_) => 502,
            };
            Ok::<_, Error>(
                Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .body(Body::Text("{\"hello\":\"world\"}".into()))?,
            )
        }
    }))
    .await
}

/// Sends one request and reads the whole answer, whatever its status.
async fn call(
    client: &Upstream,
    method: http::Method,
    url: &str,
    body: &'static str,
) -> Result<(), Error> {
    let request = http::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/x-amz-json-1.1")
        .body(Full::new(Bytes::from_static(body.as_bytes())))?;
    let response = client.request(request).await?;
    response.into_body().collect().await?;
    Ok(())
}
