//! Upload storage, standing in for the S3 bucket behind chat attachments: presigned PUT URLs
//! that check their signature, expiry, the exact `HeadersToInclude` and the declared size;
//! presigned GET URLs that serve the same bytes. Chat attachments and case attached files
//! share it. Errors are S3-style XML, as a browser would
//! get them from S3.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::store::{AttachmentState, Contact, FileStatus, Settings, Store};
use crate::wire::errors::AwsError;
use crate::wire::sigv4::{constant_time_eq, hmac};

/// File extensions Connect accepts for chat attachments and the MIME types sent for each
/// (Amazon Connect feature specifications). Kept here, apart from the functions' own table,
/// so a mistake in one is caught by the other.
const FILE_TYPES: &[(&str, &[&str])] = &[
    ("csv", &["text/csv"]),
    ("doc", &["application/msword"]),
    (
        "docx",
        &["application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
    ),
    ("heic", &["image/heic"]),
    ("jfif", &["image/jpeg"]),
    ("jpeg", &["image/jpeg"]),
    ("jpg", &["image/jpeg"]),
    ("mov", &["video/quicktime"]),
    ("mp4", &["video/mp4"]),
    ("pdf", &["application/pdf"]),
    ("png", &["image/png"]),
    ("ppt", &["application/vnd.ms-powerpoint"]),
    (
        "pptx",
        &["application/vnd.openxmlformats-officedocument.presentationml.presentation"],
    ),
    (
        "rtf",
        &[
            "application/rtf",
            "application/x-rtf",
            "text/rtf",
            "text/richtext",
        ],
    ),
    ("txt", &["text/plain"]),
    ("wav", &["audio/wav", "audio/x-wav", "audio/vnd.wave"]),
    ("xls", &["application/vnd.ms-excel"]),
    (
        "xlsx",
        &["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
    ),
];

/// Whether Connect accepts files with this name's extension (case attached files carry no
/// content type, so only the extension is checked for them).
pub fn is_allowed_extension(name: &str) -> bool {
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    FILE_TYPES.iter().any(|(ext, _)| *ext == extension)
}

/// Refuses files whose extension Connect does not accept or whose type does not match it.
pub fn check_file_type(name: &str, content_type: &str) -> Result<(), AwsError> {
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let allowed = FILE_TYPES
        .iter()
        .find(|(ext, _)| *ext == extension)
        .ok_or_else(|| {
            AwsError::new(
                "ValidationException",
                format!("Unsupported file extension: .{extension}"),
            )
        })?;
    if !allowed
        .1
        .contains(&content_type.to_ascii_lowercase().as_str())
    {
        return Err(AwsError::new(
            "ValidationException",
            format!("Content type {content_type} does not match the file extension .{extension}"),
        ));
    }
    Ok(())
}

/// The headers the browser must send with its PUT, shaped like Connect's.
pub fn headers_to_include(
    contact: &Contact,
    name: &str,
    size: u64,
    content_type: &str,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("Content-Type".into(), content_type.to_owned()),
        ("Content-Length".into(), size.to_string()),
        (
            "Content-Disposition".into(),
            content_disposition("attachment", name),
        ),
        ("x-amz-acl".into(), "bucket-owner-full-control".into()),
        ("x-amz-meta-contact_id".into(), contact.contact_id.clone()),
        (
            "x-amz-meta-initial_contact_id".into(),
            contact.initial_contact_id.clone(),
        ),
    ])
}

/// Longest header value the models allow in `HeadersToInclude` (UrlMetadataSignedHeadersValue).
const MAX_HEADER_VALUE_CHARS: usize = 256;

/// A `Content-Disposition` value of `kind` (`attachment` or `inline`) for a file name, within
/// the models' 256-character limit for any valid name: a quoted name when it is plain ASCII,
/// else the RFC 6266 / RFC 8187 form `filename*=UTF-8''…` that S3 stores and browsers read. A
/// name too long for the limit is shortened before its extension.
pub fn content_disposition(kind: &str, name: &str) -> String {
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().count() <= 16 => {
            (stem, format!(".{ext}"))
        }
        _ => (name, String::new()),
    };
    let stem: Vec<char> = stem.chars().collect();
    for keep in (1..=stem.len()).rev() {
        let candidate: String = stem[..keep].iter().collect::<String>() + &extension;
        let value = disposition_value(kind, &candidate);
        if value.chars().count() <= MAX_HEADER_VALUE_CHARS {
            return value;
        }
    }
    kind.to_owned()
}

fn disposition_value(kind: &str, name: &str) -> String {
    let plain = name
        .chars()
        .all(|c| (c.is_ascii_graphic() || c == ' ') && !matches!(c, '"' | '\\' | '%'));
    if plain {
        return format!("{kind}; filename=\"{name}\"");
    }
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{kind}; filename*=UTF-8''{encoded}")
}

/// The download URL's disposition for a `UrlContentDisposition` (the models' default is
/// ATTACHMENT).
pub fn disposition(requested: Option<String>) -> &'static str {
    match requested.as_deref() {
        Some("INLINE") => "inline",
        _ => "attachment",
    }
}

/// A presigned URL for `method` ("PUT" upload or "GET" download) and its expiry. A download
/// URL may fix how the browser shows the file (`inline` or `attachment`), signed in the URL
/// as S3's `response-content-disposition` is.
pub fn presign(
    settings: &Settings,
    method: &str,
    id: &str,
    ttl: Option<Duration>,
    disposition: Option<&str>,
) -> (String, DateTime<Utc>) {
    let ttl = ttl.unwrap_or(settings.url_ttl);
    let expiry =
        Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::seconds(300));
    let expires = expiry.timestamp();
    let disposition = disposition.unwrap_or("");
    let signature = sign(settings, method, id, expires, disposition);
    let path = if method == "PUT" {
        "uploads"
    } else {
        "downloads"
    };
    let disposition_query = if disposition.is_empty() {
        String::new()
    } else {
        format!("&X-Local-Disposition={disposition}")
    };
    (
        format!(
            "{}/{path}/{id}?X-Local-Expires={expires}{disposition_query}&X-Local-Signature={signature}",
            settings.base_url
        ),
        expiry,
    )
}

fn sign(settings: &Settings, method: &str, id: &str, expires: i64, disposition: &str) -> String {
    hex::encode(hmac(
        &settings.url_key,
        format!("{method}\n{id}\n{expires}\n{disposition}").as_bytes(),
    ))
}

/// The query string of a presigned URL.
#[derive(Deserialize)]
pub struct Presigned {
    #[serde(rename = "X-Local-Expires")]
    expires: Option<i64>,
    #[serde(rename = "X-Local-Signature")]
    signature: Option<String>,
    #[serde(rename = "X-Local-Disposition")]
    disposition: Option<String>,
}

fn check_presigned(
    settings: &Settings,
    method: &str,
    id: &str,
    q: &Presigned,
) -> Result<(), S3Error> {
    let (Some(expires), Some(signature)) = (q.expires, q.signature.as_deref()) else {
        return Err(s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Query-string authentication is required",
        ));
    };
    if !constant_time_eq(
        sign(
            settings,
            method,
            id,
            expires,
            q.disposition.as_deref().unwrap_or(""),
        )
        .as_bytes(),
        signature.as_bytes(),
    ) {
        return Err(s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided",
        ));
    }
    if Utc::now().timestamp() > expires {
        return Err(s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Request has expired",
        ));
    }
    Ok(())
}

/// `PUT /uploads/{id}`: the browser's upload of the attachment bytes.
pub async fn put_upload(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
    Query(query): Query<Presigned>,
    request: Request,
) -> Response {
    if let Err(err) = check_presigned(&store.settings, "PUT", &id, &query) {
        return err.into_response();
    }
    let Some((expected_headers, declared)) = store.with(|inner| {
        let chat = inner
            .attachments
            .get(&id)
            .filter(|a| {
                matches!(
                    a.state,
                    AttachmentState::AwaitingUpload | AttachmentState::Uploaded
                )
            })
            .map(|a| (a.headers_to_include.clone(), a.size));
        chat.or_else(|| {
            inner
                .attached_files
                .get(&id)
                .filter(|f| f.file_status == FileStatus::Processing)
                .map(|f| (f.headers_to_include.clone(), f.file_size_in_bytes))
        })
    }) else {
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "This upload is no longer accepted",
        )
        .into_response();
    };
    let (parts, body) = request.into_parts();
    for (name, value) in &expected_headers {
        let sent = parts
            .headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok());
        if name.eq_ignore_ascii_case("content-length") && sent.is_none() {
            continue; // a chunked body is checked by its length below
        }
        if sent != Some(value.as_str()) {
            return s3_error(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                &format!("The signed header {name} is missing or has a different value"),
            )
            .into_response();
        }
    }
    let bytes = match read_body(body, declared, store.settings.body_progress_timeout).await {
        Ok(bytes) => bytes,
        Err(err) => return err.into_response(),
    };
    if bytes.len() as u64 != declared {
        return s3_error(
            StatusCode::BAD_REQUEST,
            "IncompleteBody",
            "The body does not have the size declared to StartAttachmentUpload",
        )
        .into_response();
    }
    let etag = format!("\"{}\"", hex::encode(&hmac(b"etag", &bytes)[..16]));
    let stored = store.with(|inner| {
        if let Some(a) = inner.attachments.get_mut(&id) {
            if matches!(
                a.state,
                AttachmentState::AwaitingUpload | AttachmentState::Uploaded
            ) {
                a.bytes = Some(bytes.to_vec());
                a.state = AttachmentState::Uploaded;
                return true;
            }
            return false;
        }
        match inner.attached_files.get_mut(&id) {
            Some(f) if f.file_status == FileStatus::Processing => {
                f.bytes = Some(bytes.to_vec());
                f.uploaded = true;
                true
            }
            _ => false,
        }
    });
    if !stored {
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "This upload is no longer accepted",
        )
        .into_response();
    }
    let mut response = StatusCode::OK.into_response();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

/// Reads an upload's body, at most one byte more than declared, refusing a body that stalls
/// for `progress` without a byte (S3's `RequestTimeout`).
async fn read_body(body: Body, declared: u64, progress: Duration) -> Result<Vec<u8>, S3Error> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut bytes = Vec::new();
    loop {
        let frame = match tokio::time::timeout(progress, body.frame()).await {
            Err(_) => {
                return Err(s3_error(
                    StatusCode::BAD_REQUEST,
                    "RequestTimeout",
                    "Your socket connection to the server was not read from or written to within the timeout period.",
                ))
            }
            Ok(None) => return Ok(bytes),
            Ok(Some(Err(_))) => {
                return Err(s3_error(
                    StatusCode::BAD_REQUEST,
                    "IncompleteBody",
                    "The body ended before it was complete",
                ))
            }
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            bytes.extend_from_slice(&data);
            if bytes.len() as u64 > declared {
                return Err(s3_error(
                    StatusCode::BAD_REQUEST,
                    "EntityTooLarge",
                    "Your proposed upload exceeds the declared size",
                ));
            }
        }
    }
}

/// `GET /downloads/{id}`: the bytes behind a GetAttachment URL.
pub async fn get_download(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
    Query(query): Query<Presigned>,
) -> Response {
    if let Err(err) = check_presigned(&store.settings, "GET", &id, &query) {
        return err.into_response();
    }
    let kind = match query.disposition.as_deref() {
        Some("inline") => "inline",
        _ => "attachment",
    };
    let Some((bytes, content_type, disposition)) = store.with(|inner| {
        let chat = inner.attachments.get(&id).and_then(|a| {
            Some((
                a.bytes.clone()?,
                a.content_type.clone(),
                content_disposition(kind, &a.name),
            ))
        });
        chat.or_else(|| {
            let f = inner.attached_files.get(&id)?;
            Some((
                f.bytes.clone()?,
                "application/octet-stream".to_owned(),
                content_disposition(kind, &f.file_name),
            ))
        })
    }) else {
        return s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        )
        .into_response();
    };
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// An S3-style error, written as S3 writes it (XML body).
#[derive(Debug)]
struct S3Error {
    status: StatusCode,
    code: &'static str,
    message: String,
}

fn s3_error(status: StatusCode, code: &'static str, message: &str) -> S3Error {
    S3Error {
        status,
        code,
        message: message.to_owned(),
    }
}

impl IntoResponse for S3Error {
    fn into_response(self) -> Response {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message><RequestId>{}</RequestId></Error>",
            self.code,
            self.message,
            uuid::Uuid::new_v4()
        );
        (
            self.status,
            [(header::CONTENT_TYPE, "application/xml")],
            body,
        )
            .into_response()
    }
}
