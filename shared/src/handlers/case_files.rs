//! POST /cases/attachments/start and /cases/attachments/complete: files attached to Connect
//! Cases (StartAttachedFileUpload / CompleteAttachedFileUpload, then the File related item that
//! puts the file on its case), served by the case-files
//! function, which is deployed only when a Cases domain is configured. These routes are never
//! public: API Gateway authorizes them (IAM or JWT), and the handler refuses requests that did
//! not pass an authorizer, in case a route is wired wrongly.

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{json, Map, Value};

use super::{serve, Done, LogFields};
use crate::cases::{CompleteCaseFileRequest, StartCaseFileRequest};
use crate::config::{CaseFilesConfig, CasesConfig};
use crate::connect::{
    complete_case_file_upload, link_file_to_case, start_case_file_upload, CaseFileClients,
};
use crate::error::ApiError;
use crate::http::json_object_body;

/// The path suffix of the complete route (the stage may prefix it).
const COMPLETE_PATH: &str = "/cases/attachments/complete";

/// Lambda entry point for case-files. API Gateway routes only the two case paths here: the
/// complete route is told apart by its path's ending, the start route is the other one.
pub async fn handle_case_files(
    config: &CaseFilesConfig,
    clients: Option<&CaseFileClients>,
    req: Request,
) -> Result<Response<Body>, lambda_http::Error> {
    let cors = &config.files.cors;
    if req.uri().path().ends_with(COMPLETE_PATH) {
        return Ok(serve("POST /cases/attachments/complete", cors, req, |req| {
            complete(config, clients, req)
        })
        .await);
    }
    Ok(serve("POST /cases/attachments/start", cors, req, |req| {
        start(config, clients, req)
    })
    .await)
}

/// Who API Gateway's authorizer says the caller is.
enum Caller {
    /// IAM (SigV4) caller; its ARN is recorded as the file's creator.
    Iam(Option<String>),
    /// JWT authorizer.
    Jwt,
}

/// What both case routes have checked before calling Connect.
struct Checked<'c> {
    cases: &'c CasesConfig,
    clients: &'c CaseFileClients,
    caller: Caller,
    body: Map<String, Value>,
}

/// What both case routes check first: case files configured, an authorizer passed, a JSON
/// object body.
fn preamble<'c>(
    config: &'c CaseFilesConfig,
    clients: Option<&'c CaseFileClients>,
    req: &Request,
) -> Result<Checked<'c>, ApiError> {
    let (Some(cases), Some(clients)) = (config.cases.as_ref(), clients) else {
        return Err(ApiError::CaseAttachmentsDisabled);
    };
    let caller = caller(req).ok_or(ApiError::AuthorizerRequired)?;
    Ok(Checked {
        cases,
        clients,
        caller,
        body: json_object_body(req)?,
    })
}

fn caller(req: &Request) -> Option<Caller> {
    let Some(RequestContext::ApiGatewayV2(ctx)) = req.request_context_ref() else {
        return None;
    };
    let authorizer = ctx.authorizer.as_ref()?;
    if let Some(iam) = &authorizer.iam {
        return Some(Caller::Iam(iam.user_arn.clone().filter(|a| !a.is_empty())));
    }
    authorizer.jwt.as_ref().map(|_| Caller::Jwt)
}

/// Starts the upload of a file to a case.
async fn start(
    config: &CaseFilesConfig,
    clients: Option<&CaseFileClients>,
    req: Request,
) -> Result<Done, ApiError> {
    let checked = preamble(config, clients, &req)?;
    let request = StartCaseFileRequest::parse(&checked.body, &config.files)?;
    let created_by = match &checked.caller {
        Caller::Iam(arn) => arn.as_deref(),
        Caller::Jwt => None,
    };
    let result = start_case_file_upload(
        &checked.clients.connect,
        checked.cases,
        &request,
        created_by,
    )
    .await?;
    let log = LogFields {
        file_id: Some(result.file_id.clone()),
        size: Some(request.file_size_in_bytes),
        content_type: Some(request.content_type),
        ..LogFields::default()
    };
    let body = serde_json::to_value(result).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Done::new(body, log))
}

/// Confirms the browser's upload of a case file and puts the file on its case. A retry after
/// any failure is safe: completing again is accepted, and the case keeps one item per file.
async fn complete(
    config: &CaseFilesConfig,
    clients: Option<&CaseFileClients>,
    req: Request,
) -> Result<Done, ApiError> {
    let checked = preamble(config, clients, &req)?;
    let request = CompleteCaseFileRequest::parse(&checked.body)?;
    complete_case_file_upload(&checked.clients.connect, checked.cases, &request).await?;
    let related_item_id = link_file_to_case(
        &checked.clients.cases,
        checked.cases,
        &request.case_id,
        &request.file_id,
    )
    .await?;
    let body = json!({ "FileId": request.file_id, "RelatedItemId": related_item_id });
    let log = LogFields {
        file_id: Some(request.file_id),
        ..LogFields::default()
    };
    Ok(Done::new(body, log))
}
