//! The request log: one JSON line per request, naming what the request created and never what
//! it must not (tokens and the like are checked in start_chat.rs and auth.rs). A test binary of
//! its own: tracing caches per call site whether anyone listens, and a test running the same
//! handlers on another thread at the same moment could leave a call site unheard.

use integration_tests::*;
use serde_json::Value;

#[tokio::test]
async fn each_request_is_one_log_line_naming_what_it_created() {
    let stack = Stack::start().await;
    let logs = LogCapture::default();
    let _guard = logs.install("info");
    let (started, _, attachment) = stack.chat_with_attachment().await;
    let contact_id = started.body["data"]["startChatResult"]["ContactId"].clone();

    let refused = stack
        .start_chat(with_body(event("start-chat-minimal.json"), "{}"))
        .await;
    assert_eq!(refused.status, 400);

    let text = logs.contents();
    let lines: Vec<Value> = text
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let for_route =
        |route: &str| -> Vec<&Value> { lines.iter().filter(|l| l["route"] == route).collect() };
    let chat = for_route("POST /chat");
    assert_eq!(chat.len(), 2, "one line per chat request: {text}");
    assert_eq!(chat[1]["outcome"], refused.code(), "{text}");
    assert_eq!(chat[1]["status"], 400);
    assert!(chat[1].get("contact_id").is_none(), "{}", chat[1]);
    assert_eq!(chat[0]["message"], "request finished");
    assert_eq!(chat[0]["outcome"], "ok");
    assert_eq!(chat[0]["status"], 200);
    assert_eq!(chat[0]["contact_id"], contact_id);
    assert_eq!(chat[0]["authenticated"], false);
    assert!(chat[0]["attributes"].is_u64());
    assert!(chat[0].get("attachment_id").is_none(), "{}", chat[0]);
    let upload = for_route("POST /attachments/start");
    assert_eq!(
        upload.len(),
        1,
        "one line for the attachment request: {text}"
    );
    assert_eq!(upload[0]["attachment_id"], attachment.body["AttachmentId"]);
    assert_eq!(upload[0]["content_type"], "application/pdf");
    assert!(upload[0]["size"].is_u64());
    assert!(upload[0].get("contact_id").is_none(), "{}", upload[0]);
    assert_eq!(
        lines.len(),
        chat.len() + upload.len(),
        "no other lines at info level: {text}"
    );
}
