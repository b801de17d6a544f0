//! The post-chat survey of a contact started with `DisconnectOnCustomerExit: ["AGENT"]`: when
//! the customer leaves, the agent is disconnected and the contact goes on to its disconnect
//! flow, which here asks one question, records the answer on the contact, thanks the customer
//! and ends the chat.

use serde_json::json;

use crate::chat::{end_contact, event_item, new_item, publish};
use crate::state::{Inner, Role};

/// The question the simulated disconnect flow asks.
pub const QUESTION: &str =
    "Before you go: how would you rate this chat, from 1 (poor) to 5 (great)?";
/// What it says once answered, just before the chat ends.
pub const THANKS: &str = "Thank you for your feedback. Goodbye!";

/// A contact's survey: asked, and answered once the customer replies.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Survey {
    pub question: String,
    pub answer: Option<String>,
}

/// Whether a customer leaving this contact goes to the survey instead of ending the chat.
pub fn applies(inner: &Inner, contact_id: &str) -> bool {
    inner.contacts.get(contact_id).is_some_and(|c| {
        !c.ended && c.survey.is_none() && c.disconnect_on_customer_exit.iter().any(|p| p == "AGENT")
    })
}

/// The customer left: the agent is disconnected (`participant.left`) and the flow asks its
/// question. Returns false when the contact is gone or already in its survey.
pub fn start(inner: &mut Inner, contact_id: &str) -> bool {
    let Some(contact) = inner.contacts.get_mut(contact_id).filter(|c| !c.ended) else {
        return false;
    };
    if contact.survey.is_some() {
        return false;
    }
    if let Some(agent) = contact.agent().cloned() {
        let left = event_item(contact, Some(&agent), "participant.left");
        publish(contact, left, true);
        contact.participants.retain(|p| p.role != Role::Agent);
    }
    contact.survey = Some(Survey {
        question: QUESTION.into(),
        answer: None,
    });
    flow_says(contact, QUESTION);
    true
}

/// A customer message while the survey waits for its answer: recorded, thanked, chat ended.
/// Returns true when the message was the survey's answer.
pub fn answer(inner: &mut Inner, contact_id: &str, text: &str) -> bool {
    let Some(contact) = inner.contacts.get_mut(contact_id).filter(|c| !c.ended) else {
        return false;
    };
    let Some(survey) = contact.survey.as_mut().filter(|s| s.answer.is_none()) else {
        return false;
    };
    survey.answer = Some(text.to_owned());
    flow_says(contact, THANKS);
    end_contact(inner, contact_id, None);
    true
}

/// A SYSTEM message from the contact flow.
fn flow_says(contact: &mut crate::state::Contact, text: &str) {
    let mut item = new_item(contact, None, "MESSAGE");
    item.insert("ContentType".into(), json!("text/plain"));
    item.insert("Content".into(), json!(text));
    publish(contact, item, true);
}
