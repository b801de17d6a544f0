//! The benchmark floor: a bare lambda_http hello-world answering a constant JSON body, built
//! exactly as the functions are: the same profile, the same lambda_http features and the same
//! current-thread Tokio runtime, so every ratio to it is the functions' own work.

use lambda_http::{run, service_fn, Body, Error, Request, Response};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run(service_fn(|_req: Request| async {
        Ok::<_, Error>(
            Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(Body::Text("{\"hello\":\"world\"}".into()))?,
        )
    }))
    .await
}
