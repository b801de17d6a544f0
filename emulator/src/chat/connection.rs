//! Connection information for a participant, as CreateParticipantConnection hands it out and
//! StartChatContact returns it when asked through `ConnectionTypes`: a one-time websocket URL
//! and a connection token for the Participant Service.

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::store::{iso_millis, new_token, Inner, Store, TokenOwner};

/// How long a websocket URL may wait before it is used (chatjs reconnects with a new one).
const WEBSOCKET_URL_LIFETIME_SECS: i64 = 100;

/// Adds `Websocket` and/or `ConnectionCredentials` to `out` for each requested type that
/// carries connection information (`WEBSOCKET`, `CONNECTION_CREDENTIALS`); other types add
/// nothing, as the models document.
pub fn grant(
    store: &Store,
    inner: &mut Inner,
    owner: &TokenOwner,
    types: &[String],
    out: &mut Value,
) {
    let now = Utc::now();
    if types.iter().any(|t| t == "WEBSOCKET") {
        let socket_id = new_token();
        inner.websocket_ids.insert(
            socket_id.clone(),
            (owner.clone(), std::time::Instant::now()),
        );
        let ws_base = store.settings.base_url.replacen("http://", "ws://", 1);
        out["Websocket"] = json!({
            "Url": format!("{ws_base}/participant/websocket/{socket_id}"),
            "ConnectionExpiry": iso_millis(now + Duration::seconds(WEBSOCKET_URL_LIFETIME_SECS)),
        });
    }
    if types.iter().any(|t| t == "CONNECTION_CREDENTIALS") {
        let token = new_token();
        let ttl = store.settings.connection_token_ttl;
        inner.connection_tokens.insert(
            token.clone(),
            (owner.clone(), std::time::Instant::now() + ttl),
        );
        out["ConnectionCredentials"] = json!({
            "ConnectionToken": token,
            "Expiry": iso_millis(now + Duration::from_std(ttl).unwrap_or(Duration::days(1))),
        });
    }
}
