//! Streamed bot and AI answers, the way Amazon Connect streams them and amazon-connect-chatjs 5
//! assembles them: chunks of one message, then the whole message.

use std::sync::Arc;

use serde_json::json;

use crate::chat::publish;
use crate::store::{new_id, Inner, ItemType, Store};

/// Chunks a streamed answer is cut into unless asked otherwise.
pub const DEFAULT_CHUNKS: usize = 4;
/// Time between two chunks of a streamed answer.
const CHUNK_INTERVAL: std::time::Duration = std::time::Duration::from_millis(60);

/// Streams `text` as a bot answer in `chunks` pieces, the way Amazon Connect streams AI answers
/// and amazon-connect-chatjs 5 assembles them: SYSTEM `MESSAGE` items sharing one `Id`, each with
/// `MessageMetadata` `{MessageId, ChunkNumber (from 1), MessageCompleted: false}`, then the whole
/// text once more with `MessageCompleted: true`. Only the completed message is kept in the
/// transcript. Returns the message id.
pub fn stream(store: &Arc<Store>, contact_id: &str, text: &str, chunks: usize) -> Option<String> {
    let open = store.with(|inner| inner.contacts.get(contact_id).is_some_and(|c| !c.ended));
    if !open {
        return None;
    }
    let message_id = new_id();
    let (store, contact_id, id, text) = (
        store.clone(),
        contact_id.to_owned(),
        message_id.clone(),
        text.to_owned(),
    );
    tokio::spawn(async move { stream_as(&store, &contact_id, &id, &text, chunks).await });
    Some(message_id)
}

/// Streams `text` as [`stream`] does and returns once the completed message is out.
pub async fn stream_now(store: &Arc<Store>, contact_id: &str, text: &str, chunks: usize) {
    stream_as(store, contact_id, &new_id(), text, chunks).await;
}

async fn stream_as(store: &Arc<Store>, contact_id: &str, id: &str, text: &str, chunks: usize) {
    let pieces = split_evenly(text, chunks.max(1));
    let total = pieces.len();
    for (index, piece) in pieces.into_iter().enumerate() {
        let sent = store.with(|inner| {
            bot_item(
                inner,
                contact_id,
                id,
                &piece,
                Some((index + 1, false)),
                false,
            )
        });
        if !sent {
            return;
        }
        tokio::time::sleep(CHUNK_INTERVAL).await;
    }
    store.with(|inner| {
        bot_item(inner, contact_id, id, text, Some((total + 1, true)), false);
        bot_item(inner, contact_id, id, text, None, true)
    });
}

/// Publishes one bot `MESSAGE` item: a chunk (`chunk` = number and completed flag) to the
/// websockets, or, with `keep`, the completed message into the transcript only.
fn bot_item(
    inner: &mut Inner,
    contact_id: &str,
    id: &str,
    content: &str,
    chunk: Option<(usize, bool)>,
    keep: bool,
) -> bool {
    let Some(contact) = inner.contacts.get_mut(contact_id).filter(|c| !c.ended) else {
        return false;
    };
    let mut item = crate::chat::new_item(contact, None, ItemType::Message);
    item.id = id.to_owned();
    item.display_name = Some("BOT".into());
    item.content_type = Some("text/plain".into());
    item.content = Some(content.to_owned());
    if let Some((number, completed)) = chunk {
        item.message_metadata =
            Some(json!({"MessageId": id, "ChunkNumber": number, "MessageCompleted": completed}));
    }
    if keep {
        contact.transcript.push(item);
    } else {
        publish(contact, item, false);
    }
    true
}

/// `text` cut into `parts` pieces of about the same number of characters (fewer when the text
/// is shorter).
fn split_evenly(text: &str, parts: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let size = chars.len().div_ceil(parts).max(1);
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}
