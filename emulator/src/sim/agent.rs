//! The simulated agent. By default it joins each new chat after a short delay, greets the
//! customer, shows typing, marks customer messages read and answers them (an echo; `/attachment`
//! makes it send a file, `/end` makes it end the chat, `/listpicker`, `/timepicker`, `/quickreply`,
//! `/carousel`, `/panel` and `/viewresource` make it send that interactive message, and it
//! answers an `interactive.response` with the choice). In a chat started with
//! `ParticipantConfiguration.ResponseMode` `INCREMENTAL` the answer comes from a bot, streamed in
//! chunks as Amazon Connect streams AI answers. The `/_local/contacts/{id}/agent/...` and
//! `/_local/contacts/{id}/bot/stream` routes let tests act as the agent or the bot themselves.

use std::sync::Arc;

use crate::chat::interactive;
use crate::chat::stream::{stream, DEFAULT_CHUNKS};
use crate::chat::{end_contact, event_item, message_item, publish};
use crate::chat::{publish_attachment, receipt_item};
use crate::routing::agents::SIMULATED_AGENT_ID;
use crate::store::{
    new_id, new_token, Attachment, AttachmentState, Inner, Participant, ResponseMode, Role, Store,
    TokenOwner,
};

/// The file the agent sends when asked for one.
const AGENT_FILE_NAME: &str = "agent-note.txt";
const AGENT_FILE: &[u8] = b"A note from the connect-local agent.\n";

/// The simulated agent took the chat (routing offered it): it greets the customer.
pub fn greet(store: &Arc<Store>, contact_id: &str) {
    let (store, contact_id) = (store.clone(), contact_id.to_owned());
    tokio::spawn(async move {
        let customer = store.with(|inner| {
            typing(inner, &contact_id);
            inner
                .contacts
                .get(&contact_id)?
                .participants
                .first()
                .map(|p| p.display_name.clone())
        });
        let Some(customer) = customer else { return };
        tokio::time::sleep(store.settings.agent.reply_delay).await;
        let agent = store.settings.agent.name.clone();
        store.with(|inner| {
            say(
                inner,
                &contact_id,
                &format!("Hello {customer}, this is {agent}. How can I help you today?"),
            )
        });
    });
}

/// Called after a customer's SendMessage: read receipt, typing, then the answer.
pub fn on_customer_message(
    store: &Arc<Store>,
    contact_id: &str,
    message_id: &str,
    content_type: &str,
    text: &str,
) {
    if !store.settings.agent.enabled {
        return;
    }
    let (store, contact_id, message_id, text) = (
        store.clone(),
        contact_id.to_owned(),
        message_id.to_owned(),
        text.trim().to_owned(),
    );
    let interactive_response = content_type == interactive::INTERACTIVE_RESPONSE;
    tokio::spawn(async move {
        let joined = store.with(|inner| {
            let contact = inner.contacts.get_mut(&contact_id).filter(|c| !c.ended)?;
            // A person in the console answers for themselves.
            let agent = contact
                .agent()
                .filter(|a| a.agent_id.as_deref() == Some(SIMULATED_AGENT_ID))?
                .participant_id
                .clone();
            let receipt = receipt_item(contact, &agent, &message_id, true);
            publish(contact, receipt, false);
            typing(inner, &contact_id);
            Some(())
        });
        if joined.is_none() {
            return;
        }
        tokio::time::sleep(store.settings.agent.reply_delay).await;
        let command = text.to_lowercase();
        let incremental = store.with(|inner| {
            inner
                .contacts
                .get(&contact_id)
                .is_some_and(|c| c.response_mode == Some(ResponseMode::Incremental))
        });
        if interactive_response {
            let choice = interactive::chosen(&text).unwrap_or_else(|| "something".into());
            store.with(|inner| say(inner, &contact_id, &format!("You chose: {choice}")));
            return;
        }
        if let Some(message) = interactive::template(&command) {
            store.with(|inner| send_interactive(inner, &contact_id, &message));
            return;
        }
        if incremental && command != "/end" && command != "/attachment" {
            stream(
                &store,
                &contact_id,
                &format!("You said: {text}"),
                DEFAULT_CHUNKS,
            );
            return;
        }
        store.with(|inner| match command.as_str() {
            "/end" => {
                let agent = inner
                    .contacts
                    .get(&contact_id)
                    .and_then(|c| c.agent())
                    .map(|a| a.participant_id.clone());
                say(inner, &contact_id, "Thanks for chatting with us. Goodbye!");
                end_contact(inner, &contact_id, agent.as_deref());
            }
            "/attachment" => {
                say(inner, &contact_id, "Here is the file you asked for.");
                send_attachment(
                    inner,
                    &contact_id,
                    AGENT_FILE_NAME,
                    "text/plain",
                    AGENT_FILE.to_vec(),
                );
            }
            _ => {
                say(inner, &contact_id, &format!("You said: {text}"));
            }
        });
    });
}

/// Adds the agent to the contact (once) and announces it; returns the agent.
pub fn join(store: &Store, inner: &mut Inner, contact_id: &str) -> Option<Participant> {
    let contact = inner.contacts.get_mut(contact_id).filter(|c| !c.ended)?;
    if let Some(agent) = contact.agent() {
        return Some(agent.clone());
    }
    let agent = Participant {
        participant_id: new_id(),
        role: Role::Agent,
        display_name: store.settings.agent.name.clone(),
        participant_token: new_token(),
        agent_id: Some(SIMULATED_AGENT_ID.into()),
    };
    contact.participants.push(agent.clone());
    let item = event_item(contact, Some(&agent), "participant.joined");
    publish(contact, item, true);
    crate::routing::agent_joined(inner, contact_id);
    inner.participant_tokens.insert(
        agent.participant_token.clone(),
        TokenOwner {
            contact_id: contact_id.to_owned(),
            participant_id: agent.participant_id.clone(),
        },
    );
    Some(agent)
}

pub fn typing(inner: &mut Inner, contact_id: &str) {
    let Some(contact) = inner.contacts.get_mut(contact_id).filter(|c| !c.ended) else {
        return;
    };
    let Some(agent) = contact.agent().cloned() else {
        return;
    };
    let item = event_item(contact, Some(&agent), "typing");
    publish(contact, item, false);
    crate::chat::timers::active(inner, contact_id, Role::Agent);
}

pub fn say(inner: &mut Inner, contact_id: &str, text: &str) -> Option<String> {
    say_as(inner, contact_id, "text/plain", text)
}

/// The agent sends `text` as `content_type` (text/plain, or text/markdown in a chat whose
/// widget asked for it).
pub fn say_as(
    inner: &mut Inner,
    contact_id: &str,
    content_type: &str,
    text: &str,
) -> Option<String> {
    let contact = inner.contacts.get_mut(contact_id).filter(|c| !c.ended)?;
    let agent = contact.agent()?.clone();
    let item = message_item(contact, &agent, content_type, text);
    let id = Some(item.id.clone());
    publish(contact, item, true);
    crate::chat::timers::active(inner, contact_id, Role::Agent);
    id
}

/// Sends an interactive message, or says why it cannot when the customer's widget did not ask
/// for interactive messages (its SupportedMessagingContentTypes).
pub fn send_interactive(
    inner: &mut Inner,
    contact_id: &str,
    message: &serde_json::Value,
) -> Option<String> {
    let contact = inner.contacts.get_mut(contact_id).filter(|c| !c.ended)?;
    let agent = contact.agent()?.clone();
    let supported = contact
        .supported_messaging_content_types
        .iter()
        .any(|t| t == interactive::INTERACTIVE);
    let item = if supported {
        message_item(
            contact,
            &agent,
            interactive::INTERACTIVE,
            &message.to_string(),
        )
    } else {
        message_item(
            contact,
            &agent,
            "text/plain",
            "This chat does not take interactive messages: start it with application/vnd.amazonaws.connect.message.interactive in SupportedMessagingContentTypes.",
        )
    };
    let id = Some(item.id.clone());
    publish(contact, item, true);
    id
}

pub fn send_attachment(
    inner: &mut Inner,
    contact_id: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Option<String> {
    let contact = inner.contacts.get_mut(contact_id).filter(|c| !c.ended)?;
    let agent = contact.agent()?.clone();
    let attachment_id = new_id();
    contact.attachment_ids.push(attachment_id.clone());
    inner.attachments.insert(
        attachment_id.clone(),
        Attachment {
            attachment_id: attachment_id.clone(),
            contact_id: contact_id.to_owned(),
            participant_id: agent.participant_id,
            name: name.to_owned(),
            size: bytes.len() as u64,
            content_type: content_type.to_owned(),
            headers_to_include: Default::default(),
            state: AttachmentState::Approved,
            complete_token: None,
            bytes: Some(bytes),
        },
    );
    publish_attachment(inner, &attachment_id, &new_id(), true);
    Some(attachment_id)
}
