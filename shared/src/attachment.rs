//! The chat attachment requests (start and complete): their fields, and the rules Connect
//! documents for chat attachments (20 MB, a fixed list of file types) checked before any call.

use serde_json::Value;

use crate::config::AttachmentConfig;
use crate::error::ApiError;
use crate::fields::{
    check_client_token, check_len, check_no_bidi, check_no_control, check_visible, Fields,
};
use crate::limits::ALLOWED_EXTENSIONS;

/// What start-attachment returns: the presigned upload the browser must PUT to.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct StartAttachmentResult {
    pub attachment_id: String,
    pub upload_metadata: UploadMetadata,
}

/// Where and how to PUT the attachment bytes.
#[derive(Clone, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct UploadMetadata {
    pub url: String,
    pub url_expiry: String,
    pub headers_to_include: std::collections::HashMap<String, String>,
}

impl std::fmt::Debug for UploadMetadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadMetadata")
            .field("url", &"<presigned, redacted>")
            .field("url_expiry", &self.url_expiry)
            .field(
                "headers_to_include",
                &self.headers_to_include.keys().collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A validated StartAttachmentUpload request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartAttachmentRequest {
    pub attachment_name: String,
    pub attachment_size_in_bytes: u64,
    /// Lower-cased MIME type, as checked against the allowed list.
    pub content_type: String,
    pub client_token: String,
}

impl StartAttachmentRequest {
    /// Validates the body against the deployment's attachment rules.
    pub fn parse(
        body: &serde_json::Map<String, Value>,
        config: &AttachmentConfig,
    ) -> Result<Self, ApiError> {
        let fields = Fields::root(body);

        let file = FileFields::parse(&fields, "AttachmentName", "AttachmentSizeInBytes", config)?;
        Ok(Self {
            attachment_name: file.name,
            attachment_size_in_bytes: file.size,
            content_type: file.content_type,
            client_token: token_or_new(&fields)?,
        })
    }
}

/// A file's name, size and type, checked by the rules chat attachments and case files share.
pub(crate) struct FileFields {
    pub name: String,
    pub size: u64,
    /// Lower-cased MIME type.
    pub content_type: String,
}

impl FileFields {
    /// Reads the name and size from the fields named `name_field` and `size_field`, and
    /// `ContentType`, and checks them against the deployment's attachment rules.
    pub fn parse(
        fields: &Fields<'_>,
        name_field: &'static str,
        size_field: &'static str,
        config: &AttachmentConfig,
    ) -> Result<Self, ApiError> {
        let name = fields.str(name_field)?;
        check_len(name_field, name, 1, 256)?;
        check_no_control(name_field, name)?;
        check_no_bidi(name_field, name)?;
        check_visible(name_field, name)?;
        if name.contains(['/', '\\']) {
            return Err(ApiError::field(
                name_field,
                "must be a file name, without '/' or '\\'",
            ));
        }

        let size = fields
            .opt_u64(size_field)?
            .ok_or_else(|| ApiError::field(size_field, "is required"))?;
        if size == 0 {
            return Err(ApiError::field(
                size_field,
                "must be at least 1 byte (empty files cannot be attached)",
            ));
        }
        if size > config.max_attachment_bytes {
            return Err(ApiError::AttachmentTooLarge {
                field: size_field,
                max: config.max_attachment_bytes,
            });
        }

        let content_type = fields.str("ContentType")?.trim().to_ascii_lowercase();
        check_len("ContentType", &content_type, 1, 255)?;
        check_type((name_field, name), &content_type, config)?;
        Ok(Self {
            name: name.to_owned(),
            size,
            content_type,
        })
    }
}

/// A validated CompleteAttachmentUpload request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompleteAttachmentRequest {
    pub attachment_id: String,
    pub client_token: String,
}

impl CompleteAttachmentRequest {
    /// Validates the body: exactly one attachment id, as Connect requires.
    pub fn parse(body: &serde_json::Map<String, Value>) -> Result<Self, ApiError> {
        let fields = Fields::root(body);
        let ids = fields
            .opt_str_list("AttachmentIds")?
            .ok_or_else(|| ApiError::field("AttachmentIds", "is required"))?;
        let [id] = ids.as_slice() else {
            return Err(ApiError::field(
                "AttachmentIds",
                "must contain exactly one attachment id",
            ));
        };
        check_len("AttachmentIds[0]", id, 1, 256)?;
        check_no_control("AttachmentIds[0]", id)?;
        Ok(Self {
            attachment_id: (*id).to_owned(),
            client_token: token_or_new(&fields)?,
        })
    }
}

/// The file's extension must be on Connect's list, its MIME type allowed by the deployment, and
/// the two must agree (a `.exe` renamed `.pdf` still declares its type honestly in browsers).
///
/// `name` is the file name and the request field it came from.
fn check_type(
    (name_field, name): (&str, &str),
    content_type: &str,
    config: &AttachmentConfig,
) -> Result<(), ApiError> {
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    let Some((_, types)) = ALLOWED_EXTENSIONS.iter().find(|(ext, _)| *ext == extension) else {
        let list: Vec<&str> = ALLOWED_EXTENSIONS.iter().map(|(e, _)| *e).collect();
        return Err(ApiError::UnsupportedAttachmentType {
            field: name_field.into(),
            message: format!(
                "file type not supported; allowed extensions: {}",
                list.join(", ")
            ),
        });
    };
    if !config.allowed_types.iter().any(|t| t == content_type) {
        return Err(ApiError::UnsupportedAttachmentType {
            field: "ContentType".into(),
            message: format!("{content_type} is not an allowed attachment type"),
        });
    }
    if !types.contains(&content_type) {
        return Err(ApiError::UnsupportedAttachmentType {
            field: "ContentType".into(),
            message: format!(
                "does not match the .{extension} extension (expected {})",
                types.join(" or ")
            ),
        });
    }
    Ok(())
}

pub(crate) fn token_or_new(fields: &Fields<'_>) -> Result<String, ApiError> {
    match fields.opt_str("ClientToken")? {
        Some(token) => {
            check_client_token("ClientToken", token)?;
            Ok(token.to_owned())
        }
        None => Ok(uuid::Uuid::new_v4().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AllowedOrigins, CorsConfig};
    use crate::limits::DEFAULT_MAX_ATTACHMENT_BYTES;
    use serde_json::json;

    fn config() -> AttachmentConfig {
        AttachmentConfig {
            cors: CorsConfig {
                allowed_origins: AllowedOrigins::Any,
                origin_verify: None,
            },
            attachments_enabled: true,
            max_attachment_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
            allowed_types: vec![
                "image/png".into(),
                "application/pdf".into(),
                "text/plain".into(),
            ],
        }
    }

    fn start(body: Value) -> Result<StartAttachmentRequest, ApiError> {
        StartAttachmentRequest::parse(body.as_object().unwrap(), &config())
    }

    fn ok_body() -> Value {
        json!({"AttachmentName": "Scan.PNG", "AttachmentSizeInBytes": 1024, "ContentType": "image/png"})
    }

    #[test]
    fn a_valid_start_request_passes() {
        let req = start(ok_body()).unwrap();
        assert_eq!(req.attachment_name, "Scan.PNG");
        assert_eq!(req.attachment_size_in_bytes, 1024);
        assert_eq!(req.client_token.len(), 36);
        let mut body = ok_body();
        body["AttachmentSizeInBytes"] = json!(DEFAULT_MAX_ATTACHMENT_BYTES);
        assert!(start(body).is_ok());
    }

    #[test]
    fn start_rules_each_fail_on_their_field() {
        let cases: [(&str, Value, &str, &str); 12] = [
            (
                "AttachmentName",
                json!(""),
                "InvalidField",
                "AttachmentName",
            ),
            (
                "AttachmentName",
                json!("a/b.png"),
                "InvalidField",
                "AttachmentName",
            ),
            (
                "AttachmentName",
                json!("..\\b.png"),
                "InvalidField",
                "AttachmentName",
            ),
            (
                "AttachmentName",
                json!("a\u{0}.png"),
                "InvalidField",
                "AttachmentName",
            ),
            (
                "AttachmentName",
                json!(format!("{}.png", "a".repeat(253))),
                "InvalidField",
                "AttachmentName",
            ),
            (
                "AttachmentName",
                json!("setup.exe"),
                "UnsupportedAttachmentType",
                "AttachmentName",
            ),
            (
                "AttachmentName",
                json!("README"),
                "UnsupportedAttachmentType",
                "AttachmentName",
            ),
            (
                "ContentType",
                json!("application/pdf"),
                "UnsupportedAttachmentType",
                "ContentType",
            ),
            (
                "ContentType",
                json!("image/jpeg"),
                "UnsupportedAttachmentType",
                "ContentType",
            ),
            (
                "AttachmentSizeInBytes",
                json!(0),
                "InvalidField",
                "AttachmentSizeInBytes",
            ),
            (
                "AttachmentSizeInBytes",
                json!(DEFAULT_MAX_ATTACHMENT_BYTES + 1),
                "AttachmentTooLarge",
                "AttachmentSizeInBytes",
            ),
            (
                "AttachmentSizeInBytes",
                json!("12"),
                "InvalidField",
                "AttachmentSizeInBytes",
            ),
        ];
        for (key, value, code, field) in cases {
            let mut body = ok_body();
            body[key] = value.clone();
            let err = start(body).unwrap_err();
            assert_eq!(err.code(), code, "{key}={value}");
            assert_eq!(err.field_name(), Some(field), "{key}={value}");
        }
        let mut body = ok_body();
        body.as_object_mut().unwrap().remove("ContentType");
        assert_eq!(start(body).unwrap_err().field_name(), Some("ContentType"));
    }

    #[test]
    fn complete_needs_exactly_one_id() {
        let parse = |v: Value| CompleteAttachmentRequest::parse(v.as_object().unwrap());
        assert_eq!(
            parse(json!({"AttachmentIds": ["a"]}))
                .unwrap()
                .attachment_id,
            "a"
        );
        for bad in [
            json!({}),
            json!({"AttachmentIds": []}),
            json!({"AttachmentIds": ["a", "b"]}),
            json!({"AttachmentIds": "a"}),
            json!({"AttachmentIds": [""]}),
        ] {
            let err = parse(bad.clone()).unwrap_err();
            assert!(
                err.field_name().unwrap().starts_with("AttachmentIds"),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_table_type_is_known_to_the_default_config() {
        let config = AttachmentConfig::from_lookup(|k| {
            (k == "ALLOWED_ORIGINS").then(|| "https://a.test".to_string())
        })
        .unwrap();
        for (ext, types) in ALLOWED_EXTENSIONS {
            for t in types {
                let body = json!({"AttachmentName": format!("f.{ext}"), "AttachmentSizeInBytes": 1, "ContentType": t});
                assert!(
                    StartAttachmentRequest::parse(body.as_object().unwrap(), &config).is_ok(),
                    "{ext} {t}"
                );
            }
        }
    }
}
