//! Everything connect-local remembers: contacts and their participants, the tokens that lead to
//! them, attachments and armed faults. One mutex guards it all; it is never held across an
//! `.await`, so concurrent requests serialize only for the few microseconds of a map update and
//! none is lost.

mod flow_state;
mod item;
pub mod storage;
mod timers;

pub use flow_state::{CustomerInput, FlowState, Step};
pub use item::{AttachmentEntry, Item, ItemType};
pub use timers::{ChatTimers, RoleTimerConfig, RoleTimers, TimerType};

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use rand::RngCore;

use crate::wire::faults::{ChaosCounts, ChaosKind, ChaosRule, Fault};
use crate::wire::sigv4::Credentials;

/// Contact attributes: all keys and values together, in UTF-8 bytes (feature specifications).
pub const MAX_ATTRIBUTE_BYTES: usize = 32768;

/// Fixed settings of one server.
#[derive(Debug, Clone)]
pub struct Settings {
    pub instance_id: String,
    pub contact_flow_id: String,
    pub credentials: Credentials,
    /// `http://127.0.0.1:PORT`, known once the listener is bound.
    pub base_url: String,
    /// How long presigned upload and download URLs stay valid.
    pub url_ttl: Duration,
    /// Largest attachment accepted (Connect's documented 20 MB).
    pub max_attachment_bytes: u64,
    /// Attachments one contact may hold before ServiceQuotaExceededException.
    pub max_attachments_per_contact: usize,
    /// Key for connect-local's own URL signatures.
    pub url_key: Vec<u8>,
    /// The simulated agent.
    pub agent: AgentSettings,
    /// Attachments whose name contains this text (case-insensitive) are scanned REJECTED.
    pub reject_attachments_matching: Option<String>,
    /// Longest message Content accepted, in characters (the model's 16384).
    pub max_message_chars: usize,
    /// Time an attachment stays IN_PROGRESS before its scan result; zero means straight to the result.
    pub scan_delay: Duration,
    /// Message processing: when set, SendMessage answers PROCESSING and messages containing
    /// this text (case-insensitive) end REJECTED.
    pub reject_messages_matching: Option<String>,
    /// The region SigV4 credential scopes must name.
    pub region: String,
    /// The Connect Cases domain connect-local serves.
    pub cases_domain_id: String,
    /// How long an upload may go without a byte arriving.
    pub body_progress_timeout: Duration,
    /// How long a ConnectionToken is valid.
    pub connection_token_ttl: Duration,
    /// The chat timers every contact starts with, as if UpdateParticipantRoleConfig had set
    /// them; that operation changes them per contact.
    pub default_timers: RoleTimerConfig,
    /// How long one minute of UpdateParticipantRoleConfig's timers lasts here.
    pub timer_minute: Duration,
    /// Queues, hours of operation and Lex stand-in bots (flows themselves are in [`Inner`],
    /// since CreateContactFlow adds to them).
    pub setup: crate::flow::library::Setup,
    /// Where InvokeLambdaFunction sends the Lambda Invoke API (`cargo lambda watch`, say).
    pub lambda_endpoint: Option<String>,
    /// Streaming notifications' way to `--streaming-endpoint`, when one is set.
    pub streaming_delivery: Option<tokio::sync::mpsc::UnboundedSender<serde_json::Value>>,
    /// How long a person has to accept an offer before it goes to the next agent.
    pub offer_timeout: Duration,
}

/// How the simulated agent behaves.
#[derive(Debug, Clone)]
pub struct AgentSettings {
    /// Whether an agent joins new chats and answers by itself.
    pub enabled: bool,
    pub name: String,
    /// Delay before the agent joins a new chat.
    pub join_delay: Duration,
    /// Delay between a customer message and the agent's answer (typing shows meanwhile).
    pub reply_delay: Duration,
}

/// Who a participant is in a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    Customer,
    Agent,
    System,
    /// A team's own bot, added with CreateParticipant; it sends through the Participant Service.
    CustomBot,
}

/// `ParticipantConfiguration.ResponseMode`: how bot and AI answers reach the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, strum::EnumString)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ResponseMode {
    /// Streamed in chunks.
    Incremental,
    /// Whole messages.
    Complete,
}

/// A participant type `DisconnectOnCustomerExit` removes when the customer leaves (the model's
/// DisconnectOnCustomerExitParticipantType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, strum::EnumString)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ExitDisconnects {
    /// The agent leaves and the contact goes on to its disconnect flow.
    Agent,
}

/// A participant of a contact and its credentials.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Participant {
    pub participant_id: String,
    pub role: Role,
    pub display_name: String,
    #[serde(skip)]
    pub participant_token: String,
    /// The routing agent an AGENT participant is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

/// A chat contact as StartChatContact created it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Contact {
    pub contact_id: String,
    pub initial_contact_id: String,
    pub instance_id: String,
    pub contact_flow_id: String,
    pub started_at: String,
    pub ended: bool,
    /// When the chat ended.
    pub ended_at: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub chat_duration_in_minutes: i64,
    pub supported_messaging_content_types: Vec<String>,
    pub initial_message: Option<serde_json::Value>,
    pub related_contact_id: Option<String>,
    pub continued_from_contact_id: Option<String>,
    pub client_token: String,
    /// `SegmentAttributes` as sent (routing data flows read).
    pub segment_attributes: serde_json::Map<String, serde_json::Value>,
    pub customer_id: Option<String>,
    /// `ParticipantConfiguration.ResponseMode`.
    pub response_mode: Option<ResponseMode>,
    /// Participant types removed when the customer leaves (`["AGENT"]`: the contact goes on to
    /// its disconnect flow).
    pub disconnect_on_customer_exit: Vec<ExitDisconnects>,
    /// Message streaming started by `ChatStreamingConfiguration`.
    pub streaming: Option<Streaming>,
    /// `ConnectionTypes` the contact was started with.
    pub connection_types: Vec<String>,
    /// Where the contact is in its flows, and the path it took.
    pub flow: crate::store::FlowState,
    /// The chat timers and where the customer and the agent stand against them.
    pub timers: ChatTimers,
    pub participants: Vec<Participant>,
    pub attachment_ids: Vec<String>,
    /// Items as GetTranscript returns them (typing and receipts are not kept).
    pub transcript: Vec<Item>,
    /// Websockets subscribed to `aws/chat`; each gets every pushed frame through a bounded
    /// queue ([`crate::api::websocket::QUEUE_FRAMES`]).
    #[serde(skip)]
    pub subscribers: Vec<Subscriber>,
    /// `participant/ClientToken` -> SendMessage's answer, for its idempotency.
    #[serde(skip)]
    pub message_tokens: HashMap<String, serde_json::Value>,
    /// `participant/ClientToken` -> SendEvent's answer, for its idempotency.
    #[serde(skip)]
    pub event_tokens: HashMap<String, serde_json::Value>,
}

/// One participant's websocket subscribed to the contact's `aws/chat` topic.
#[derive(Debug, Clone)]
pub struct Subscriber {
    pub participant_id: String,
    pub frames: tokio::sync::mpsc::Sender<axum::extract::ws::Utf8Bytes>,
    /// Set by `/_local/.../websocket/drop` in stall mode: the socket stays open but nothing
    /// passes either way, as on a network that silently stopped delivering.
    pub stalled: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Message streaming of a contact to an SNS topic.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Streaming {
    pub streaming_id: String,
    pub endpoint_arn: String,
    /// The ClientToken of the StartContactStreaming that began it, if one did.
    #[serde(skip)]
    pub client_token: Option<String>,
    /// Every notification sent to the topic so far.
    pub notifications: Vec<serde_json::Value>,
    /// Where notifications also go (`--streaming-endpoint`).
    #[serde(skip)]
    pub deliver: Option<tokio::sync::mpsc::UnboundedSender<serde_json::Value>>,
}

/// Where an attachment is in its life.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AttachmentState {
    /// StartAttachmentUpload done, bytes not received yet.
    AwaitingUpload,
    /// Bytes received, CompleteAttachmentUpload not called yet.
    Uploaded,
    /// Completed and pushed IN_PROGRESS; the scan result comes after the scan delay.
    Scanning,
    /// Completed; the scan status is final.
    Approved,
    Rejected,
}

/// An attachment and, once uploaded, its bytes.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub attachment_id: String,
    pub contact_id: String,
    pub participant_id: String,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    pub headers_to_include: BTreeMap<String, String>,
    pub state: AttachmentState,
    pub complete_token: Option<String>,
    pub bytes: Option<Vec<u8>>,
}

/// A customer authentication started by GetAuthenticationUrl.
#[derive(Debug, Clone)]
pub struct AuthenticationSession {
    pub owner: TokenOwner,
    pub redirect_uri: String,
}

/// Which participant a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOwner {
    pub contact_id: String,
    pub participant_id: String,
}

/// The whole mutable state.
#[derive(Default)]
pub struct Inner {
    pub contacts: HashMap<String, Contact>,
    /// Agents by id: the simulated one and people signed in through the console.
    pub agents: BTreeMap<String, crate::routing::agents::Agent>,
    /// Offers routing has made and nobody has answered yet.
    pub offers: Vec<crate::routing::agents::Offer>,
    /// The instance's flows by id.
    pub flows: BTreeMap<String, crate::flow::library::FlowRecord>,
    /// Hours of operation forced open (true) or closed (false) through `/_local/hours`.
    pub hours_override: HashMap<String, bool>,
    /// `SourceId/DestinationId/Subtype` -> the active chat SendChatIntegrationEvent started.
    pub integration_chats: HashMap<String, String>,
    /// `instance/ClientToken` -> contact id, for StartChatContact idempotency.
    pub chat_client_tokens: HashMap<String, String>,
    pub participant_tokens: HashMap<String, TokenOwner>,
    /// Connection tokens, with the moment each stops being valid.
    pub connection_tokens: HashMap<String, (TokenOwner, std::time::Instant)>,
    /// CreateParticipant's answers by contact and ClientToken, so a retry gets the same bot.
    pub created_participants: HashMap<(String, String), serde_json::Value>,
    /// One-time ids in websocket URLs handed out by CreateParticipantConnection.
    pub websocket_ids: HashMap<String, (TokenOwner, Instant)>,
    pub attachments: HashMap<String, Attachment>,
    /// `participant/ClientToken` -> attachment id, for StartAttachmentUpload idempotency.
    pub attachment_client_tokens: HashMap<String, String>,
    pub faults: Vec<Fault>,
    pub chaos: Vec<ChaosRule>,
    /// Operation -> injections so far.
    pub chaos_counts: BTreeMap<String, ChaosCounts>,
    pub attached_files: HashMap<String, AttachedFile>,
    /// GetAuthenticationUrl sessions by SessionId.
    pub authentication_sessions: HashMap<String, AuthenticationSession>,
    /// Connection token -> the ClientToken of the DisconnectParticipant that used it.
    pub disconnect_tokens: HashMap<String, String>,
    /// Cases related items by `domain/case`, in creation order.
    pub related_items: HashMap<String, Vec<serde_json::Value>>,
    /// `domain/case/type/target` -> related item id: one File item per file on a case.
    pub related_item_targets: HashMap<String, String>,
    /// `instance/resource/ClientToken` -> file id, for StartAttachedFileUpload idempotency.
    pub attached_file_client_tokens: HashMap<String, String>,
}

/// Shared state of one server.
pub struct Store {
    pub settings: Settings,
    inner: Mutex<Inner>,
}

impl Store {
    /// A fresh, empty store.
    pub fn new(mut settings: Settings) -> Self {
        let flows = std::mem::take(&mut settings.setup.flows);
        let mut agents = BTreeMap::new();
        if settings.agent.enabled {
            let agent = crate::routing::agents::simulated_agent(&settings.agent.name);
            agents.insert(agent.agent_id.clone(), agent);
        }
        for configured in &settings.setup.agents {
            let agent = crate::routing::agents::configured_agent(configured);
            agents.insert(agent.agent_id.clone(), agent);
        }
        Self {
            settings,
            inner: Mutex::new(Inner {
                flows,
                agents,
                ..Inner::default()
            }),
        }
    }

    /// Runs `f` with the state locked. Keep `f` short and synchronous.
    pub fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut guard = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }

    /// Consumes one armed fault for `operation`, if any.
    pub fn take_fault(&self, operation: &str) -> Option<&'static str> {
        self.with(|inner| {
            let index = inner
                .faults
                .iter()
                .position(|f| f.operation == operation && f.remaining > 0)?;
            let fault = &mut inner.faults[index];
            fault.remaining -= 1;
            let error = fault.error;
            if fault.remaining == 0 {
                inner.faults.remove(index);
            }
            Some(error)
        })
    }

    /// Rolls the dice for a request to `operation` against the first chaos rule covering it.
    /// Returns what to do to the request (and the latency to add), counting it.
    pub fn draw_chaos(&self, operation: &str) -> Option<(ChaosKind, u64)> {
        self.with(|inner| {
            let rule = inner.chaos.iter().find(|r| r.applies_to(operation))?;
            let mut rng = rand::rng();
            if !rand::Rng::random_bool(&mut rng, rule.rate) {
                return None;
            }
            let kind = rule.kinds[rand::Rng::random_range(&mut rng, 0..rule.kinds.len())];
            let latency = rule.latency_ms;
            inner
                .chaos_counts
                .entry(operation.to_owned())
                .or_default()
                .add(kind);
            Some((kind, latency))
        })
    }
}

/// Where a case attached file is in its life (Connect's `FileStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FileStatus {
    /// Started; bytes may or may not have arrived, CompleteAttachedFileUpload not called yet.
    Processing,
    Approved,
    Rejected,
}

/// A file attached to a case (StartAttachedFileUpload), with its bytes once uploaded.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedFile {
    pub file_id: String,
    pub file_arn: String,
    pub instance_id: String,
    pub associated_resource_arn: String,
    pub file_name: String,
    pub file_size_in_bytes: u64,
    pub file_use_case_type: String,
    pub creation_time: String,
    pub file_status: FileStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<serde_json::Value>,
    #[serde(skip)]
    pub headers_to_include: BTreeMap<String, String>,
    /// Whether the bytes arrived at the upload URL.
    pub uploaded: bool,
    #[serde(skip)]
    pub bytes: Option<Vec<u8>>,
}

/// A new opaque bearer token (what Connect issues is opaque base64 too).
pub fn new_token() -> String {
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A new resource id in Connect's UUID form.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A timestamp as the Participant Service writes it: `2019-11-08T02:41:28.172Z`.
pub fn iso_millis(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A timestamp with second precision, as presigned `UrlExpiry` values are written.
pub fn iso_secs(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
