//! Case attached files through the attachment handlers against connect-local with the real
//! aws-sdk-connect and aws-sdk-connectcases clients: the whole start / PUT / complete flow and
//! the file landing on its case exactly once, the authorizer requirement, the shared file rules,
//! and the mapping of Connect's and Cases' errors.

use integration_tests::*;
use serde_json::{json, Value};

const PDF: &[u8] = b"%PDF-1.4 case file";
const CASE_ID: &str = "8d9f2a2e-5b61-4c1c-9a0e-2f7c1d0b6e11";

fn start_event(body: Value) -> lambda_http::Request {
    with_body(event("case-attachment-start.json"), &body.to_string())
}

fn complete_event(case_id: &str, file_id: &str) -> lambda_http::Request {
    with_body(
        event("case-attachment-complete.json"),
        &json!({"CaseId": case_id, "FileId": file_id}).to_string(),
    )
}

fn pdf_body() -> Value {
    json!({"CaseId": CASE_ID, "FileName": "invoice.pdf", "FileSizeInBytes": PDF.len(), "ContentType": "application/pdf"})
}

fn without_authorizer(mut req: lambda_http::Request) -> lambda_http::Request {
    use lambda_http::request::RequestContext;
    use lambda_http::RequestExt;
    let Some(RequestContext::ApiGatewayV2(mut ctx)) = req.request_context_ref().cloned() else {
        panic!("API Gateway v2 event");
    };
    ctx.authorizer = None;
    req.extensions_mut()
        .insert(RequestContext::ApiGatewayV2(ctx));
    req
}

async fn put(answer: &Answer, bytes: &[u8]) -> reqwest::Response {
    let metadata = &answer.body["UploadMetadata"];
    let headers = metadata["HeadersToInclude"].as_object().unwrap();
    put_upload(
        metadata["Url"].as_str().unwrap(),
        headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default())),
        bytes,
    )
    .await
}

#[tokio::test]
async fn a_case_file_goes_through_start_put_complete_and_is_approved_on_the_case() {
    let stack = Stack::start().await;
    let started = stack.case_file(start_event(pdf_body())).await;
    assert_eq!(started.status, 200, "{}", started.body);
    assert_eq!(
        started.header("access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
    let file_id = started.body["FileId"].as_str().unwrap().to_owned();
    assert_eq!(started.body["FileStatus"], "PROCESSING");
    assert!(started.body["FileArn"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/file/{file_id}")));

    assert_eq!(put(&started, PDF).await.status(), 200);
    let completed = stack.case_file(complete_event(CASE_ID, &file_id)).await;
    assert_eq!(completed.status, 200, "{}", completed.body);
    assert_eq!(completed.body["FileId"], file_id.as_str());

    // Read back through Connect itself: on the right case, approved, created by the IAM caller.
    let case_arn = format!("{CASES_DOMAIN_ARN}/case/{CASE_ID}");
    let file = stack
        .connect
        .get_attached_file()
        .instance_id(connect_local::DEFAULT_INSTANCE_ID)
        .file_id(&file_id)
        .associated_resource_arn(&case_arn)
        .send()
        .await
        .expect("GetAttachedFile");
    assert_eq!(file.file_status().map(|s| s.as_str()), Some("APPROVED"));
    assert_eq!(file.file_size_in_bytes(), PDF.len() as i64);
    assert_eq!(file.associated_resource_arn(), Some(case_arn.as_str()));
    assert_eq!(
        file.created_by(),
        Some(&aws_sdk_connect::types::CreatedByInfo::AwsIdentityArn(
            "arn:aws:sts::123456789012:assumed-role/case-portal/session".into()
        ))
    );
    let url = file
        .download_url_metadata()
        .and_then(|m| m.url())
        .expect("download URL");
    let downloaded = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    assert_eq!(&downloaded[..], PDF);

    // The file is on the case, once, as a File related item naming its ARN; completing again
    // answers the same item and adds none.
    let related_item_id = completed.body["RelatedItemId"].as_str().unwrap().to_owned();
    let file_arn = started.body["FileArn"].as_str().unwrap();
    assert_eq!(
        file_items(&stack, CASE_ID).await,
        [(related_item_id.clone(), file_arn.to_owned())]
    );
    let again = stack.case_file(complete_event(CASE_ID, &file_id)).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["RelatedItemId"], related_item_id.as_str());
    assert_eq!(file_items(&stack, CASE_ID).await.len(), 1);

    // filters is optional in SearchRelatedItems: without it every related item is found.
    let cases = stack
        .case_files_config
        .cases
        .as_ref()
        .expect("case files on");
    let unfiltered = stack
        .case_clients
        .cases
        .search_related_items()
        .domain_id(cases.domain_id())
        .case_id(CASE_ID)
        .send()
        .await
        .expect("SearchRelatedItems without filters");
    assert_eq!(unfiltered.related_items().len(), 1);
}

/// The case's File related items, read through the Cases API: (related item id, file ARN).
async fn file_items(stack: &Stack, case_id: &str) -> Vec<(String, String)> {
    use aws_sdk_connectcases::types::{FileFilter, RelatedItemContent, RelatedItemTypeFilter};
    let cases = stack
        .case_files_config
        .cases
        .as_ref()
        .expect("case files on");
    let found = stack
        .case_clients
        .cases
        .search_related_items()
        .domain_id(cases.domain_id())
        .case_id(case_id)
        .filters(RelatedItemTypeFilter::File(FileFilter::builder().build()))
        .send()
        .await
        .expect("SearchRelatedItems");
    found
        .related_items()
        .iter()
        .flatten()
        .map(|item| match item.content() {
            Some(RelatedItemContent::File(file)) => (
                item.related_item_id().to_owned(),
                file.file_arn().to_owned(),
            ),
            other => panic!("a File item, not {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn a_complete_retried_after_cases_failed_puts_the_file_on_the_case_once() {
    let stack = Stack::start().await;
    let started = stack.case_file(start_event(pdf_body())).await;
    let file_id = started.body["FileId"].as_str().unwrap().to_owned();
    assert_eq!(put(&started, PDF).await.status(), 200);

    // Cases throttles beyond the SDK's retries: the customer is told to retry, and nothing is
    // on the case yet.
    stack
        .inject("CreateRelatedItem", "ThrottlingException", 3)
        .await;
    let throttled = stack.case_file(complete_event(CASE_ID, &file_id)).await;
    assert_eq!((throttled.status, throttled.code()), (429, "Throttled"));
    assert!(file_items(&stack, CASE_ID).await.is_empty());

    let retried = stack.case_file(complete_event(CASE_ID, &file_id)).await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    let third = stack.case_file(complete_event(CASE_ID, &file_id)).await;
    assert_eq!(third.body["RelatedItemId"], retried.body["RelatedItemId"]);
    assert_eq!(file_items(&stack, CASE_ID).await.len(), 1);

    // A role without the Cases permission is the operator's problem, named as such.
    let other = stack.case_file(start_event(pdf_body())).await;
    let other_id = other.body["FileId"].as_str().unwrap().to_owned();
    assert_eq!(put(&other, PDF).await.status(), 200);
    stack
        .inject("SearchRelatedItems", "AccessDeniedException", 1)
        .await;
    let denied = stack.case_file(complete_event(CASE_ID, &other_id)).await;
    assert_eq!((denied.status, denied.code()), (500, "Misconfigured"));
}

#[tokio::test]
async fn retries_with_the_same_client_token_start_one_file() {
    let stack = Stack::start().await;
    let mut body = pdf_body();
    body["ClientToken"] = json!("case-upload-1");
    let first = stack.case_file(start_event(body.clone())).await;
    let second = stack.case_file(start_event(body)).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["FileId"], second.body["FileId"]);
    assert_eq!(
        stack.server.store.with(|inner| inner.attached_files.len()),
        1
    );
}

#[tokio::test]
async fn case_routes_refuse_requests_that_passed_no_authorizer() {
    let stack = Stack::start().await;
    let start = stack
        .case_file(without_authorizer(start_event(pdf_body())))
        .await;
    assert_eq!((start.status, start.code()), (401, "AuthorizerRequired"));
    let complete = stack
        .case_file(without_authorizer(complete_event(CASE_ID, "f")))
        .await;
    assert_eq!(
        (complete.status, complete.code()),
        (401, "AuthorizerRequired")
    );
    assert_eq!(
        start.header("access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
    assert!(stack
        .server
        .store
        .with(|inner| inner.attached_files.is_empty()));
}

#[tokio::test]
async fn a_jwt_authorizer_is_accepted_and_records_no_iam_creator() {
    use lambda_http::request::RequestContext;
    use lambda_http::RequestExt;
    let stack = Stack::start().await;
    let mut req = start_event(pdf_body());
    let Some(RequestContext::ApiGatewayV2(mut ctx)) = req.request_context_ref().cloned() else {
        panic!("API Gateway v2 event");
    };
    let jwt: lambda_http::aws_lambda_events::apigw::ApiGatewayRequestAuthorizer =
        serde_json::from_value(json!({"jwt": {"claims": {"sub": "agent-7"}, "scopes": null}}))
            .unwrap();
    ctx.authorizer = Some(jwt);
    req.extensions_mut()
        .insert(RequestContext::ApiGatewayV2(ctx));
    let started = stack.case_file(req).await;
    assert_eq!(started.status, 200, "{}", started.body);
    let created_by = stack.server.store.with(|inner| {
        inner
            .attached_files
            .values()
            .next()
            .map(|f| f.created_by.clone())
    });
    assert_eq!(created_by, Some(None));
}

#[tokio::test]
async fn case_files_follow_the_chat_attachment_rules() {
    let stack = Stack::start().await;
    let cases = [
        (json!({"CaseId": "a/b"}), "CaseId"),
        (json!({"CaseId": "arn:aws:cases:x"}), "CaseId"),
        (
            json!({"FileName": "tool.exe", "ContentType": "application/pdf"}),
            "FileName",
        ),
        (json!({"FileName": "invoice\u{202E}fdp.pdf"}), "FileName"),
        (json!({"ContentType": "image/png"}), "ContentType"),
        (json!({"FileSizeInBytes": 0}), "FileSizeInBytes"),
        (
            json!({"FileSizeInBytes": 20 * 1024 * 1024 + 1}),
            "FileSizeInBytes",
        ),
        (json!({"FileSizeInBytes": "18"}), "FileSizeInBytes"),
    ];
    for (change, field) in cases {
        let mut body = pdf_body();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let answer = stack.case_file(start_event(body.clone())).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert_eq!(answer.field(), field, "{body}");
    }
    assert!(stack
        .server
        .store
        .with(|inner| inner.attached_files.is_empty()));
}

#[tokio::test]
async fn connect_errors_on_case_files_map_to_clear_answers() {
    let stack = Stack::start().await;
    // Completing a file that was never uploaded: Connect refuses it as invalid.
    let started = stack.case_file(start_event(pdf_body())).await;
    let file_id = started.body["FileId"].as_str().unwrap().to_owned();
    let early = stack.case_file(complete_event(CASE_ID, &file_id)).await;
    assert_eq!((early.status, early.code()), (400, "UpstreamRejected"));
    // A file id that is not on this case.
    let other = stack
        .case_file(complete_event("another-case", &file_id))
        .await;
    assert_eq!((other.status, other.field()), (400, "FileId"));
    // Throttling beyond the retries, and a role without permission.
    stack
        .inject("StartAttachedFileUpload", "ThrottlingException", 3)
        .await;
    let throttled = stack.case_file(start_event(pdf_body())).await;
    assert_eq!((throttled.status, throttled.code()), (429, "Throttled"));
    assert_eq!(throttled.header("retry-after"), Some("1"));
    stack
        .inject("StartAttachedFileUpload", "AccessDeniedException", 1)
        .await;
    let denied = stack.case_file(start_event(pdf_body())).await;
    assert_eq!((denied.status, denied.code()), (500, "Misconfigured"));
    stack
        .inject(
            "StartAttachedFileUpload",
            "ServiceQuotaExceededException",
            1,
        )
        .await;
    let quota = stack.case_file(start_event(pdf_body())).await;
    assert_eq!((quota.status, quota.code()), (429, "QuotaExceeded"));
}

#[tokio::test]
async fn without_a_cases_domain_the_case_routes_are_disabled() {
    let stack = Stack::start_with(
        connect_local::Options::default(),
        &[("CASES_DOMAIN_ARN", "")],
    )
    .await;
    let answer = stack.case_file(start_event(pdf_body())).await;
    assert_eq!(
        (answer.status, answer.code()),
        (404, "CaseAttachmentsDisabled")
    );
}
