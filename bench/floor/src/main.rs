//! The benchmark floor: the smallest lambda_http function, with the same lambda_http features
//! and tokio setup as the real functions, answering a constant JSON body.

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
