//! The idempotency key: which key the caller sent, and the ClientToken derived from it that
//! binds a retry to the same request and identity.

use crate::auth::Identity;
use crate::error::ApiError;
use crate::fields::check_client_token;
use crate::secret::Secret;

use super::StartChatRequest;

/// Chooses the caller's idempotency key: the `Idempotency-Key` header wins over the body's
/// `ClientToken` (both are checked); `None` when neither is sent.
pub fn client_token(header: Option<&str>, body: Option<&str>) -> Result<Option<String>, ApiError> {
    if let Some(h) = header {
        check_client_token("Idempotency-Key", h)?;
    }
    if let Some(b) = body {
        check_client_token("ClientToken", b)?;
    }
    Ok(header.or(body).map(str::to_owned))
}

/// The ClientToken sent to Connect for a caller's key: a SHA-256 over the key, the verified
/// identity's subject (when authentication is on) and every field that shapes the chat. A
/// retry of the same request gets the same token, so Connect answers with the same chat; a
/// different request, or another signed-in customer, with the same key gets another token and
/// so another chat, never the first caller's participant token.
pub fn bound_client_token(
    key: &str,
    identity: Option<&Identity>,
    request: &StartChatRequest,
) -> String {
    let fields = serde_json::json!({
        "key": key,
        "subject": identity.and_then(|i| i.subject.as_deref()),
        "displayName": request.display_name,
        "attributes": request.attributes,
        "initialMessage": request.initial_message.as_ref().map(|m| [&m.content_type, &m.content]),
        "supportedMessagingContentTypes": request.supported_messaging_content_types,
        "chatDurationMinutes": request.chat_duration_minutes,
        "persistentChat": request
            .persistent_chat
            .as_ref()
            .map(|p| [p.rehydration_type.into(), p.source_contact_id.as_str()]),
        "relatedContactId": request.related_contact_id,
        "segmentAttributes": request.segment_attributes,
        "customerId": request.customer_id.as_ref().map(Secret::expose),
        "responseMode": request.response_mode.map(<&str>::from),
        "connectionTypes": request
            .connection_types
            .iter()
            .map(|&t| <&str>::from(t))
            .collect::<Vec<_>>(),
    });
    let digest =
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, fields.to_string().as_bytes());
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("ik1-{hex}")
}
