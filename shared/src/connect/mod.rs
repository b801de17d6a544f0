//! Calls to Amazon Connect (StartChatContact and the case attached-file operations, via
//! aws-sdk-connect) and to the Participant Service (StartAttachmentUpload /
//! CompleteAttachmentUpload, via aws-sdk-connectparticipant): [`client`] builds the SDK clients,
//! [`chat`], [`attachments`] and [`case_files`] make the calls, and [`errors`] turns their
//! failures into [`crate::ApiError`].
//!
//! Retries are the SDK's standard ones (throttling, 5xx, timeouts), bounded in attempts and time;
//! every attempt carries the same ClientToken, so Connect never creates a second contact or upload.

pub mod attachments;
pub mod case_files;
pub mod chat;
pub mod client;
pub mod errors;

pub use attachments::{complete_attachment_upload, start_attachment_upload};
pub use case_files::{complete_case_file_upload, start_case_file_upload};
pub use chat::start_chat_contact;
pub use client::{
    connect_client, load_aws_config, participant_client, ATTEMPT_TIMEOUT, CONNECT_TIMEOUT,
    MAX_ATTEMPTS, OPERATION_TIMEOUT,
};
pub use errors::Operation;
