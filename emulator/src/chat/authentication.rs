//! Customer authentication in a chat, as the Participant Service reports it to the widget:
//! `authentication.initiated` when GetAuthenticationUrl hands out a sign-in URL, then
//! `authentication.succeeded` or `.failed` when the customer comes back from signing in,
//! `.cancelled` on CancelParticipantAuthentication; `.timeout` and `.expired` can be sent from
//! the admin API.

use crate::chat::{event_item, publish};
use crate::store::Inner;

/// The outcomes an authentication event may report.
pub const OUTCOMES: [&str; 6] = [
    "initiated",
    "succeeded",
    "failed",
    "timeout",
    "expired",
    "cancelled",
];

/// Publishes `authentication.<outcome>` (a SYSTEM event, kept in the transcript); false when the
/// contact is gone or ended.
pub fn event(inner: &mut Inner, contact_id: &str, outcome: &str) -> bool {
    let Some(contact) = inner.contacts.get_mut(contact_id).filter(|c| !c.ended) else {
        return false;
    };
    let item = event_item(contact, None, &format!("authentication.{outcome}"));
    publish(contact, item, true);
    true
}

/// The customer came back from signing in: reports the outcome to their chat, ends the session
/// and returns where to send the browser (the RedirectUri given to GetAuthenticationUrl).
pub fn complete(inner: &mut Inner, session_id: &str, outcome: &str) -> Option<String> {
    let session = inner.authentication_sessions.remove(session_id)?;
    event(inner, &session.owner.contact_id, outcome);
    let separator = if session.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    Some(format!(
        "{}{separator}authentication={outcome}",
        session.redirect_uri
    ))
}
