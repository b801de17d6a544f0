//! The case attached-file requests (`POST /cases/attachments/start` and `.../complete`): their
//! fields, and the same file rules as chat attachments (20 MB, Connect's file types).

use serde_json::{Map, Value};

use crate::attachment::{token_or_new, FileFields};
use crate::config::AttachmentConfig;
use crate::error::ApiError;
use crate::fields::{check_len, Fields};

/// A validated StartAttachedFileUpload request for a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartCaseFileRequest {
    pub case_id: String,
    pub file_name: String,
    pub file_size_in_bytes: u64,
    /// Lower-cased MIME type, checked like a chat attachment's.
    pub content_type: String,
    pub client_token: String,
}

impl StartCaseFileRequest {
    /// Validates the body against the deployment's attachment rules.
    pub fn parse(body: &Map<String, Value>, config: &AttachmentConfig) -> Result<Self, ApiError> {
        let fields = Fields::root(body);
        let case_id = case_id(&fields)?;

        let file = FileFields::parse(&fields, "FileName", "FileSizeInBytes", config)?;
        Ok(Self {
            case_id,
            file_name: file.name,
            file_size_in_bytes: file.size,
            content_type: file.content_type,
            client_token: token_or_new(&fields)?,
        })
    }
}

/// What `/cases/attachments/start` returns: the new file and where to PUT its bytes.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct StartCaseFileResult {
    pub file_id: String,
    pub file_arn: String,
    pub file_status: String,
    pub upload_metadata: crate::attachment::UploadMetadata,
}

/// A validated CompleteAttachedFileUpload request for a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompleteCaseFileRequest {
    pub case_id: String,
    pub file_id: String,
}

impl CompleteCaseFileRequest {
    /// Validates the body.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let fields = Fields::root(body);
        let case_id = case_id(&fields)?;
        let file_id = fields.str("FileId")?;
        check_len("FileId", file_id, 1, 256)?;
        if !file_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ApiError::field(
                "FileId",
                "must be the FileId returned by /cases/attachments/start",
            ));
        }
        Ok(Self {
            case_id,
            file_id: file_id.to_owned(),
        })
    }
}

/// `CaseId` becomes part of an ARN, so only id characters are accepted: nobody can reach
/// another domain or resource through it.
fn case_id(fields: &Fields<'_>) -> Result<String, ApiError> {
    let id = fields.str("CaseId")?;
    check_len("CaseId", id, 1, 100)?;
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::field(
            "CaseId",
            "may contain only letters, digits, '-' and '_'",
        ));
    }
    Ok(id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AllowedOrigins, CorsConfig};
    use serde_json::json;

    fn config() -> AttachmentConfig {
        AttachmentConfig {
            cors: CorsConfig {
                allowed_origins: AllowedOrigins::Any,
                origin_verify: None,
            },
            attachments_enabled: true,
            max_attachment_bytes: 20 * 1024 * 1024,
            allowed_types: vec!["application/pdf".into(), "image/png".into()],
        }
    }

    fn start(body: Value) -> Result<StartCaseFileRequest, ApiError> {
        StartCaseFileRequest::parse(body.as_object().unwrap(), &config())
    }

    #[test]
    fn a_valid_case_file_passes() {
        let req = start(json!({"CaseId": "c-1", "FileName": "a.pdf", "FileSizeInBytes": 10, "ContentType": "application/pdf"})).unwrap();
        assert_eq!(req.case_id, "c-1");
        assert_eq!(req.file_size_in_bytes, 10);
        assert_eq!(req.client_token.len(), 36);
    }

    #[test]
    fn each_rule_names_its_field() {
        let field = |body: Value| start(body).unwrap_err().field_name().map(str::to_owned);
        let base = json!({"CaseId": "c-1", "FileName": "a.pdf", "FileSizeInBytes": 10, "ContentType": "application/pdf"});
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        assert_eq!(
            field(with("CaseId", json!("../other"))).as_deref(),
            Some("CaseId")
        );
        assert_eq!(
            field(with("CaseId", json!("a:b"))).as_deref(),
            Some("CaseId")
        );
        assert_eq!(
            field(with("FileName", json!("a.exe"))).as_deref(),
            Some("FileName")
        );
        assert_eq!(
            field(with("FileName", json!("x/a.pdf"))).as_deref(),
            Some("FileName")
        );
        assert_eq!(
            field(with("FileSizeInBytes", json!(0))).as_deref(),
            Some("FileSizeInBytes")
        );
        assert_eq!(
            field(with("FileSizeInBytes", json!(20 * 1024 * 1024 + 1))).as_deref(),
            Some("FileSizeInBytes")
        );
        assert_eq!(
            field(with("ContentType", json!("image/png"))).as_deref(),
            Some("ContentType")
        );
    }

    #[test]
    fn complete_needs_case_and_file_ids() {
        let ok = CompleteCaseFileRequest::parse(
            json!({"CaseId": "c", "FileId": "f-1"}).as_object().unwrap(),
        )
        .unwrap();
        assert_eq!(ok.file_id, "f-1");
        let bad = CompleteCaseFileRequest::parse(
            json!({"CaseId": "c", "FileId": "f/1"}).as_object().unwrap(),
        );
        assert_eq!(bad.unwrap_err().field_name(), Some("FileId"));
    }
}
