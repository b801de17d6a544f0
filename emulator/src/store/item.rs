//! A chat item as the Participant Service writes it: pushed on the websocket and returned by
//! GetTranscript (which leaves out `InitialContactId`; items of past persistent-chat sessions
//! carry `RelatedContactId` instead of `ContactId`).

use serde::Serialize;
use serde_json::Value;

use super::Role;

/// An item's `Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ItemType {
    Message,
    Event,
    Attachment,
    Messagemetadata,
}

/// One entry of an ATTACHMENT item's `Attachments`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachmentEntry {
    pub content_type: String,
    pub attachment_id: String,
    pub attachment_name: String,
    /// APPROVED, REJECTED or IN_PROGRESS.
    pub status: &'static str,
}

/// A transcript item.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Item {
    pub id: String,
    pub absolute_time: String,
    #[serde(rename = "Type")]
    pub kind: ItemType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_role: Option<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<AttachmentEntry>>,
    /// Receipts, message processing status, or a streamed chunk's number and completion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_metadata: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_contact_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_contact_id: Option<String>,
}

impl Item {
    /// The item as JSON.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}
