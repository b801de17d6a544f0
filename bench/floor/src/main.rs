//! The benchmark floor: a bare lambda_http hello-world answering a constant JSON body, with the
//! same lambda_http features as the real functions and tokio as such a hello-world has it
//! (`#[tokio::main]`, the multi-thread runtime). The functions run on the current-thread runtime
//! instead; BENCHMARKS.md gives the ratios against a current-thread floor as well.

use lambda_http::{run, service_fn, Body, Error, Request, Response};

#[tokio::main]
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
