//! Amazon Connect's limits and the tables the rules are made of (file types, content types,
//! sizes, durations): a leaf module, read by validation and configuration alike.

/// Connect's documented maximum attachment size (20 MB), in bytes.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 20 * 1024 * 1024;

/// File extensions Connect accepts for chat attachments, with the MIME types browsers and the
/// official widget send for each (Amazon Connect feature specifications).
pub const ALLOWED_EXTENSIONS: [(&str, &[&str]); 18] = [
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

/// The content types StartChatContact accepts in `SupportedMessagingContentTypes`.
pub const SUPPORTED_MESSAGING_CONTENT_TYPES: [&str; 5] = [
    "text/plain",
    "text/markdown",
    "application/json",
    "application/vnd.amazonaws.connect.message.interactive",
    "application/vnd.amazonaws.connect.message.interactive.response",
];

/// The two content types of interactive messages (list pickers, quick replies…) and the
/// customer's answers to them.
pub const INTERACTIVE_CONTENT_TYPES: [&str; 2] = [
    "application/vnd.amazonaws.connect.message.interactive",
    "application/vnd.amazonaws.connect.message.interactive.response",
];

/// Content types a customer may send as the `InitialMessage`.
pub const INITIAL_MESSAGE_CONTENT_TYPES: [&str; 2] = ["text/plain", "text/markdown"];

/// Connect's limit on all attribute keys and values together, in UTF-8 bytes.
pub const MAX_ATTRIBUTES_BYTES: usize = 32 * 1024;
/// Connect's limit on a chat message's content, in characters.
pub const MAX_MESSAGE_CHARS: usize = 16384;

/// Connect's own bounds for `ChatDurationInMinutes`.
pub const CHAT_DURATION_RANGE: std::ops::RangeInclusive<u32> = 60..=10080;
/// The default chat duration: one hour spares the concurrent-chat quota (Connect's default is 25 h).
pub const DEFAULT_CHAT_DURATION_MINUTES: u32 = 60;
/// Longest contact attribute key accepted, in bytes.
pub const MAX_ATTRIBUTE_KEY_BYTES: usize = 127;
