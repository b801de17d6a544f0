//! Calls to Amazon Connect (StartChatContact and the case attached-file operations, via
//! aws-sdk-connect), to the Participant Service (StartAttachmentUpload /
//! CompleteAttachmentUpload, via aws-sdk-connectparticipant) and to Connect Cases (the related
//! item that puts a file on its case, via aws-sdk-connectcases): [`client`] builds the SDK clients,
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
pub use case_files::{
    complete_case_file_upload, link_file_to_case, start_case_file_upload, CaseFileClients,
};
pub use chat::start_chat_contact;
pub use client::{
    cases_client, connect_client, load_aws_config, participant_client, ATTEMPT_TIMEOUT,
    CONNECT_TIMEOUT, MAX_ATTEMPTS, OPERATION_TIMEOUT,
};
pub use errors::Operation;
