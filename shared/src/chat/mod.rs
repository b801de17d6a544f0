//! The start-chat request: its fields (as amazon-connect-chat-interface and the AWS
//! startChatContactAPI sample send them, PascalCase) and the validated value that is turned into
//! a StartChatContact call. The rules are in [`parse`], the ClientToken sent to Connect in
//! [`idempotency`], and what the widget gets back in [`result`].

mod idempotency;
mod parse;
mod result;

use std::collections::BTreeMap;

use crate::secret::Secret;
use crate::segment::SegmentValue;

pub use idempotency::{bound_client_token, client_token};
pub use result::{ConnectionCredentials, StartChatResult, WebsocketConnection};

/// How a persistent chat rehydrates the past transcript.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum RehydrationType {
    EntirePastSession,
    FromSegment,
}

/// `ParticipantConfiguration.ResponseMode`: whether bot and AI answers arrive whole or streamed
/// in chunks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ResponseMode {
    Complete,
    Incremental,
}

/// A connection StartChatContact opens for the customer right away (`ConnectionTypes`), which
/// spares the widget its CreateParticipantConnection call.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnectionType {
    Websocket,
    ConnectionCredentials,
}

/// `PersistentChat` after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistentChat {
    pub rehydration_type: RehydrationType,
    pub source_contact_id: String,
}

/// `InitialMessage` after validation. Its `Debug` shows the content type only.
#[derive(Clone, PartialEq, Eq)]
pub struct InitialMessage {
    pub content_type: String,
    pub content: String,
}

/// A start-chat request that passed every rule; what is sent to StartChatContact. Its `Debug`
/// shows no personal data: attribute keys without values, no display name, message or
/// customer id.
#[derive(Clone, PartialEq, Eq)]
pub struct StartChatRequest {
    /// Trimmed display name.
    pub display_name: String,
    /// Only allowed keys; sorted for stable logs and tests.
    pub attributes: BTreeMap<String, String>,
    /// Only allowed keys.
    pub segment_attributes: BTreeMap<String, SegmentValue>,
    /// From the verified token's `customerId` claim only.
    pub customer_id: Option<Secret>,
    pub response_mode: Option<ResponseMode>,
    /// Sorted, without duplicates; empty when the widget asked for none.
    pub connection_types: Vec<ConnectionType>,
    pub initial_message: Option<InitialMessage>,
    pub supported_messaging_content_types: Option<Vec<String>>,
    pub chat_duration_minutes: u32,
    pub persistent_chat: Option<PersistentChat>,
    pub related_contact_id: Option<String>,
    /// The ClientToken sent to Connect: the caller's key (`Idempotency-Key` header, else body
    /// `ClientToken`) bound to the verified identity and to this request's fields (see
    /// [`bound_client_token`]), else a new UUID.
    pub client_token: String,
}

impl std::fmt::Debug for InitialMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InitialMessage")
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for StartChatRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartChatRequest")
            .field(
                "attribute_keys",
                &self.attributes.keys().collect::<Vec<_>>(),
            )
            .field(
                "segment_attribute_keys",
                &self.segment_attributes.keys().collect::<Vec<_>>(),
            )
            .field("has_customer_id", &self.customer_id.is_some())
            .field("response_mode", &self.response_mode)
            .field("connection_types", &self.connection_types)
            .field("initial_message", &self.initial_message)
            .field(
                "supported_messaging_content_types",
                &self.supported_messaging_content_types,
            )
            .field("chat_duration_minutes", &self.chat_duration_minutes)
            .field("persistent_chat", &self.persistent_chat)
            .field("related_contact_id", &self.related_contact_id)
            .finish_non_exhaustive()
    }
}

impl StartChatRequest {
    /// Whether the widget may render markdown (it asked for `text/markdown`).
    pub fn markdown_enabled(&self) -> bool {
        self.supported_messaging_content_types
            .as_ref()
            .is_some_and(|types| types.iter().any(|t| t == "text/markdown"))
    }
}

#[cfg(test)]
mod tests;
