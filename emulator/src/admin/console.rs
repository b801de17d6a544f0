//! The agent console's files, served at `/console`: a plain HTML, CSS and JavaScript page with
//! no build step (its markdown renderer is the reference chat page's).

use axum::http::header;
use axum::response::{IntoResponse, Response};

const INDEX: &str = include_str!("../../console/index.html");
const SCRIPT: &str = include_str!("../../console/console.js");
const STYLE: &str = include_str!("../../console/console.css");
const MARKDOWN: &str = include_str!("../../console/markdown.js");

fn file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// `GET /console`.
pub async fn index() -> Response {
    file("text/html; charset=utf-8", INDEX)
}

/// `GET /console/console.js`.
pub async fn script() -> Response {
    file("text/javascript; charset=utf-8", SCRIPT)
}

/// `GET /console/console.css`.
pub async fn style() -> Response {
    file("text/css; charset=utf-8", STYLE)
}

/// `GET /console/markdown.js`.
pub async fn markdown() -> Response {
    file("text/javascript; charset=utf-8", MARKDOWN)
}
