//! start-attachment and complete-attachment handlers against connect-local through the real
//! aws-sdk-connectparticipant client: the whole three-step upload, the checks on the PUT, every
//! validation rule, and the mapping of each modelled Participant Service error.

use integration_tests::*;
use serde_json::{json, Value};

const PDF: &[u8] = b"%PDF-1.4 test file";

fn start_event(token: &str, body: Value) -> lambda_http::Request {
    with_body(
        with_header(event("start-attachment.json"), "x-amz-bearer", token),
        &body.to_string(),
    )
}

fn complete_event(token: &str, attachment_id: &str) -> lambda_http::Request {
    with_body(
        with_header(event("complete-attachment.json"), "x-amz-bearer", token),
        &json!({ "AttachmentIds": [attachment_id] }).to_string(),
    )
}

fn pdf_body() -> Value {
    json!({"AttachmentName": "receipt.pdf", "AttachmentSizeInBytes": PDF.len(), "ContentType": "application/pdf"})
}

/// PUTs `bytes` with the HeadersToInclude of a start-attachment answer.
async fn put(
    url: &str,
    headers: &serde_json::Map<String, Value>,
    bytes: &[u8],
) -> reqwest::Response {
    let headers = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default()));
    put_upload(url, headers, bytes).await
}

#[tokio::test]
async fn an_attachment_goes_through_start_put_complete_and_downloads_the_same_bytes() {
    let stack = Stack::start().await;
    let (_, token) = stack.chat_with_connection().await;

    let started = stack
        .start_attachment(start_event(&token, pdf_body()))
        .await;
    assert_eq!(started.status, 200, "{}", started.body);
    assert_eq!(
        started.header("access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
    let attachment_id = started.body["AttachmentId"].as_str().unwrap().to_owned();
    let metadata = &started.body["UploadMetadata"];
    let url = metadata["Url"].as_str().unwrap();
    assert!(metadata["UrlExpiry"].as_str().unwrap().ends_with('Z'));
    let headers = metadata["HeadersToInclude"].as_object().unwrap();
    assert_eq!(headers["Content-Type"], "application/pdf");
    assert_eq!(headers["Content-Length"], PDF.len().to_string());

    let uploaded = put(url, headers, PDF).await;
    assert_eq!(uploaded.status(), 200);

    let completed = stack
        .complete_attachment(complete_event(&token, &attachment_id))
        .await;
    assert_eq!(completed.status, 200, "{}", completed.body);
    assert_eq!(completed.body, json!({}));

    let download = stack
        .participant
        .get_attachment()
        .connection_token(&token)
        .attachment_id(&attachment_id)
        .send()
        .await
        .expect("GetAttachment succeeds after completion");
    assert_eq!(download.attachment_size_in_bytes(), PDF.len() as i64);
    let bytes = reqwest::get(download.url().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), PDF);
}

#[tokio::test]
async fn a_put_with_wrong_headers_or_size_is_refused_and_cannot_be_completed() {
    let stack = Stack::start().await;
    let (_, token) = stack.chat_with_connection().await;
    let started = stack
        .start_attachment(start_event(&token, pdf_body()))
        .await;
    let attachment_id = started.body["AttachmentId"].as_str().unwrap().to_owned();
    let url = started.body["UploadMetadata"]["Url"]
        .as_str()
        .unwrap()
        .to_owned();
    let headers = started.body["UploadMetadata"]["HeadersToInclude"]
        .as_object()
        .unwrap()
        .clone();

    let mut missing = headers.clone();
    missing.remove("x-amz-acl");
    assert_eq!(
        put(&url, &missing, PDF).await.status(),
        403,
        "a missing header is refused"
    );

    let mut changed = headers.clone();
    changed.insert("Content-Type".into(), json!("image/png"));
    let refused = put(&url, &changed, PDF).await;
    assert_eq!(refused.status(), 403, "a different header value is refused");
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("SignatureDoesNotMatch"));

    let short = put(&url, &headers, b"short").await;
    assert_eq!(
        short.status(),
        403,
        "a size other than the signed Content-Length is refused"
    );
    assert!(short.text().await.unwrap().contains("Content-Length"));
    let tampered = url.replace("X-Local-Signature=", "X-Local-Signature=00");
    assert_eq!(
        put(&tampered, &headers, PDF).await.status(),
        403,
        "a forged URL is refused"
    );

    let completed = stack
        .complete_attachment(complete_event(&token, &attachment_id))
        .await;
    assert_eq!(
        (completed.status, completed.code()),
        (400, "UpstreamRejected"),
        "bytes never arrived: {}",
        completed.body
    );
}

#[tokio::test]
async fn an_expired_upload_url_is_refused() {
    let options = connect_local::Options {
        url_ttl: std::time::Duration::from_secs(0),
        ..Default::default()
    };
    let stack = Stack::start_with(options, &[]).await;
    let (_, token) = stack.chat_with_connection().await;
    let started = stack
        .start_attachment(start_event(&token, pdf_body()))
        .await;
    let url = started.body["UploadMetadata"]["Url"]
        .as_str()
        .unwrap()
        .to_owned();
    let headers = started.body["UploadMetadata"]["HeadersToInclude"]
        .as_object()
        .unwrap()
        .clone();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let refused = put(&url, &headers, PDF).await;
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("expired"));
}

#[tokio::test]
async fn every_attachment_rule_is_checked_before_calling_connect() {
    let stack = Stack::start().await;
    let (_, token) = stack.chat_with_connection().await;
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (
            json!({"AttachmentName": ""}),
            400,
            "InvalidField",
            "AttachmentName",
        ),
        (
            json!({"AttachmentName": "../../etc/passwd.txt"}),
            400,
            "InvalidField",
            "AttachmentName",
        ),
        (
            json!({"AttachmentName": "a\u{1b}.pdf"}),
            400,
            "InvalidField",
            "AttachmentName",
        ),
        (
            json!({"AttachmentName": "invoice\u{202E}fdp.docx"}),
            400,
            "InvalidField",
            "AttachmentName",
        ),
        (
            json!({"AttachmentName": "report\u{2067}fdp.txt"}),
            400,
            "InvalidField",
            "AttachmentName",
        ),
        (
            json!({"AttachmentName": format!("{}.pdf", "a".repeat(253))}),
            400,
            "InvalidField",
            "AttachmentName",
        ),
        (
            json!({"AttachmentName": "setup.exe", "ContentType": "application/x-msdownload"}),
            400,
            "UnsupportedAttachmentType",
            "AttachmentName",
        ),
        (
            json!({"ContentType": "image/png"}),
            400,
            "UnsupportedAttachmentType",
            "ContentType",
        ),
        (
            json!({"ContentType": "application/x-msdownload"}),
            400,
            "UnsupportedAttachmentType",
            "ContentType",
        ),
        (
            json!({"ContentType": null}),
            400,
            "InvalidField",
            "ContentType",
        ),
        (
            json!({"AttachmentSizeInBytes": 0}),
            400,
            "InvalidField",
            "AttachmentSizeInBytes",
        ),
        (
            json!({"AttachmentSizeInBytes": -5}),
            400,
            "InvalidField",
            "AttachmentSizeInBytes",
        ),
        (
            json!({"AttachmentSizeInBytes": 20 * 1024 * 1024 + 1}),
            400,
            "AttachmentTooLarge",
            "AttachmentSizeInBytes",
        ),
        (
            json!({"ClientToken": ""}),
            400,
            "InvalidField",
            "ClientToken",
        ),
    ];
    for (patch, status, code, field) in cases {
        let mut body = pdf_body();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let answer = stack.start_attachment(start_event(&token, body)).await;
        assert_eq!(
            (answer.status, answer.code(), answer.field()),
            (status, code, field),
            "{patch}"
        );
        assert_eq!(
            answer.header("access-control-allow-origin"),
            Some(ALLOWED_ORIGIN)
        );
    }
    for name in [
        "start-attachment-invalid-type.json",
        "start-attachment-too-large.json",
    ] {
        let answer = stack
            .start_attachment(with_header(event(name), "x-amz-bearer", &token))
            .await;
        assert_eq!(answer.status, 400, "{name}");
    }
    let none_started = stack.server.store.with(|i| i.attachments.is_empty());
    assert!(
        none_started,
        "no invalid request reached the Participant Service"
    );

    let answer = stack
        .complete_attachment(with_header(
            event("complete-attachment-invalid.json"),
            "x-amz-bearer",
            &token,
        ))
        .await;
    assert_eq!((answer.status, answer.field()), (400, "AttachmentIds"));
}

#[tokio::test]
async fn the_connection_token_is_required_and_checked_by_connect() {
    let stack = Stack::start().await;
    let missing = stack
        .start_attachment(without_header(
            event("start-attachment.json"),
            "x-amz-bearer",
        ))
        .await;
    assert_eq!(
        (missing.status, missing.code(), missing.field()),
        (401, "MissingConnectionToken", "X-Amz-Bearer")
    );
    let missing = stack
        .complete_attachment(without_header(
            event("complete-attachment.json"),
            "x-amz-bearer",
        ))
        .await;
    assert_eq!(missing.status, 401);

    let unknown = stack.start_attachment(event("start-attachment.json")).await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (403, "AccessDenied"),
        "{}",
        unknown.body
    );

    // A ParticipantToken is not a ConnectionToken.
    let (started, _) = stack.chat_with_connection().await;
    let participant_token = started.body["data"]["startChatResult"]["ParticipantToken"]
        .as_str()
        .unwrap();
    let wrong = stack
        .start_attachment(start_event(participant_token, pdf_body()))
        .await;
    assert_eq!(wrong.status, 403);
}

#[tokio::test]
async fn attachments_can_be_switched_off() {
    let stack = Stack::start_with(Default::default(), &[("ATTACHMENTS_ENABLED", "false")]).await;
    let chat = stack.start_chat(event("start-chat.json")).await;
    assert_eq!(
        chat.body["data"]["featurePermissions"]["ATTACHMENTS"],
        false
    );
    let (_, token) = stack.chat_with_connection().await;
    let answer = stack
        .start_attachment(start_event(&token, pdf_body()))
        .await;
    assert_eq!((answer.status, answer.code()), (403, "AttachmentsDisabled"));
    let answer = stack.complete_attachment(complete_event(&token, "x")).await;
    assert_eq!((answer.status, answer.code()), (403, "AttachmentsDisabled"));
}

#[tokio::test]
async fn completing_twice_with_another_token_is_a_conflict_and_retries_are_idempotent() {
    let stack = Stack::start().await;
    let (_, token) = stack.chat_with_connection().await;
    let body = json!({"AttachmentName": "receipt.pdf", "AttachmentSizeInBytes": PDF.len(),
                      "ContentType": "application/pdf", "ClientToken": "start-1"});
    let first = stack
        .start_attachment(start_event(&token, body.clone()))
        .await;
    let again = stack.start_attachment(start_event(&token, body)).await;
    assert_eq!(
        first.body["AttachmentId"], again.body["AttachmentId"],
        "same ClientToken, same upload"
    );
    let id = first.body["AttachmentId"].as_str().unwrap();
    let meta = &first.body["UploadMetadata"];
    put(
        meta["Url"].as_str().unwrap(),
        meta["HeadersToInclude"].as_object().unwrap(),
        PDF,
    )
    .await;

    let complete = |client_token: &str| {
        with_body(
            with_header(event("complete-attachment.json"), "x-amz-bearer", &token),
            &json!({"AttachmentIds": [id], "ClientToken": client_token}).to_string(),
        )
    };
    assert_eq!(
        stack.complete_attachment(complete("done-1")).await.status,
        200
    );
    assert_eq!(
        stack.complete_attachment(complete("done-1")).await.status,
        200,
        "a retry succeeds"
    );
    let other = stack.complete_attachment(complete("done-2")).await;
    assert_eq!((other.status, other.code()), (409, "Conflict"));
}

#[tokio::test]
async fn every_modelled_participant_error_maps_to_its_status() {
    let cases = [
        (
            "StartAttachmentUpload",
            "AccessDeniedException",
            403,
            "AccessDenied",
            None,
        ),
        (
            "StartAttachmentUpload",
            "ValidationException",
            400,
            "UpstreamRejected",
            None,
        ),
        (
            "StartAttachmentUpload",
            "ThrottlingException",
            429,
            "Throttled",
            Some("1"),
        ),
        (
            "StartAttachmentUpload",
            "ServiceQuotaExceededException",
            429,
            "QuotaExceeded",
            Some("30"),
        ),
        (
            "StartAttachmentUpload",
            "InternalServerException",
            502,
            "UpstreamFailure",
            None,
        ),
        (
            "CompleteAttachmentUpload",
            "ConflictException",
            409,
            "Conflict",
            None,
        ),
        (
            "CompleteAttachmentUpload",
            "AccessDeniedException",
            403,
            "AccessDenied",
            None,
        ),
        (
            "CompleteAttachmentUpload",
            "ServiceQuotaExceededException",
            429,
            "QuotaExceeded",
            Some("30"),
        ),
        (
            "CompleteAttachmentUpload",
            "ThrottlingException",
            429,
            "Throttled",
            Some("1"),
        ),
        (
            "CompleteAttachmentUpload",
            "InternalServerException",
            502,
            "UpstreamFailure",
            None,
        ),
    ];
    for (operation, error, status, code, retry_after) in cases {
        let stack = Stack::start().await;
        let (_, token) = stack.chat_with_connection().await;
        stack.inject(operation, error, 5).await;
        let answer = if operation == "StartAttachmentUpload" {
            stack
                .start_attachment(start_event(&token, pdf_body()))
                .await
        } else {
            stack
                .complete_attachment(complete_event(&token, "some-id"))
                .await
        };
        assert_eq!(
            (answer.status, answer.code()),
            (status, code),
            "{operation}/{error}: {}",
            answer.body
        );
        assert_eq!(
            answer.header("retry-after"),
            retry_after,
            "{operation}/{error}"
        );
        assert_eq!(
            answer.header("access-control-allow-origin"),
            Some(ALLOWED_ORIGIN)
        );
    }
}

#[tokio::test]
async fn the_per_contact_attachment_quota_is_a_429() {
    let options = connect_local::Options {
        max_attachments_per_contact: 2,
        ..Default::default()
    };
    let stack = Stack::start_with(options, &[]).await;
    let (_, token) = stack.chat_with_connection().await;
    for _ in 0..2 {
        assert_eq!(
            stack
                .start_attachment(start_event(&token, pdf_body()))
                .await
                .status,
            200
        );
    }
    let third = stack
        .start_attachment(start_event(&token, pdf_body()))
        .await;
    assert_eq!((third.status, third.code()), (429, "QuotaExceeded"));
}
