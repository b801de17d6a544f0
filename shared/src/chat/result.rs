//! What start-chat returns to the widget: StartChatContact's answer, with `Debug` that never
//! shows the participant token or connection URLs.

/// What start-chat returns to the widget inside `data.startChatResult`.
#[derive(Clone, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct StartChatResult {
    pub contact_id: String,
    pub participant_id: String,
    pub participant_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continued_from_contact_id: Option<String>,
    /// Present when the widget asked for `WEBSOCKET` in `ConnectionTypes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket: Option<WebsocketConnection>,
    /// Present when the widget asked for `CONNECTION_CREDENTIALS` in `ConnectionTypes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_credentials: Option<ConnectionCredentials>,
}

/// The customer's websocket, opened by StartChatContact (as CreateParticipantConnection
/// answers it). The URL is a credential.
#[derive(Clone, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct WebsocketConnection {
    pub url: String,
    pub connection_expiry: String,
}

/// The connection token for the Participant Service calls, opened by StartChatContact.
#[derive(Clone, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ConnectionCredentials {
    pub connection_token: String,
    pub expiry: String,
}

impl std::fmt::Debug for StartChatResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartChatResult")
            .field("contact_id", &self.contact_id)
            .field("participant_id", &self.participant_id)
            .field("participant_token", &"<redacted>")
            .field("continued_from_contact_id", &self.continued_from_contact_id)
            .field(
                "websocket_expiry",
                &self.websocket.as_ref().map(|w| &w.connection_expiry),
            )
            .field(
                "connection_credentials_expiry",
                &self.connection_credentials.as_ref().map(|c| &c.expiry),
            )
            .finish()
    }
}
