//! The participant websocket (the URL CreateParticipantConnection returns): acks for
//! `aws/subscribe`, `aws/heartbeat` and `aws/ping` exactly as chatjs checks them, and, once
//! subscribed, every `aws/chat` push of the contact.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::store::{Store, TokenOwner};
use crate::wire::errors::AwsError;

/// How long a websocket URL may be used after it was issued (the documented connect expiry).
const URL_VALIDITY: Duration = Duration::from_secs(100);

/// Frames waiting for one socket at most; a client that lets more pile up is disconnected.
pub const QUEUE_FRAMES: usize = 256;
/// Each socket's read buffer. Clients send only small control frames (subscribe, heartbeat,
/// ping); tungstenite's 128 KiB default, zeroed for every socket, cost most of the memory and
/// much of the CPU of thousands of open chats.
const READ_BUFFER_BYTES: usize = 4 * 1024;

/// `GET /participant/websocket/{id}`: upgrades to the chat websocket.
pub async fn upgrade(
    State(store): State<Arc<Store>>,
    Path(socket_id): Path<String>,
    ws: WebSocketUpgrade,
) -> Response {
    let owner = store.with(|inner| {
        let (owner, issued) = inner.websocket_ids.get(&socket_id)?.clone();
        let open = inner
            .contacts
            .get(&owner.contact_id)
            .is_some_and(|c| !c.ended);
        (open && issued.elapsed() < URL_VALIDITY).then_some(owner)
    });
    match owner {
        // Frames are written as they are sent (no write buffering): each is a whole chat item.
        Some(owner) => ws
            .read_buffer_size(READ_BUFFER_BYTES)
            .write_buffer_size(0)
            .on_upgrade(move |socket| session(store, owner, socket)),
        None => AwsError::new("AccessDeniedException", "Forbidden").into_response(),
    }
}

async fn session(store: Arc<Store>, owner: TokenOwner, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::channel::<Utf8Bytes>(QUEUE_FRAMES);
    // Kept here until the client subscribes; afterwards only the contact holds the sender, so
    // the channel closes (and so does the socket) when the chat ends.
    let mut unsubscribed = Some(tx);
    let stalled = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let is_stalled = || stalled.load(std::sync::atomic::Ordering::Relaxed);
    loop {
        tokio::select! {
            incoming = stream.next() => {
                let Some(Ok(message)) = incoming else { break };
                let text = match message {
                    Message::Text(text) => text.to_string(),
                    Message::Close(_) => break,
                    _ => continue,
                };
                if is_stalled() {
                    continue;
                }
                let Some(reply) = answer(&store, &owner, &text, &mut unsubscribed, &stalled) else { continue };
                if sink.send(Message::Text(reply.into())).await.is_err() {
                    break;
                }
            }
            outgoing = rx.recv() => {
                let Some(frame) = outgoing else { break };
                if is_stalled() {
                    continue;
                }
                if sink.send(Message::Text(frame)).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = sink.send(Message::Close(None)).await;
}

/// The reply to one client frame, if it needs one.
fn answer(
    store: &Arc<Store>,
    owner: &TokenOwner,
    text: &str,
    unsubscribed: &mut Option<mpsc::Sender<Utf8Bytes>>,
    stalled: &Arc<std::sync::atomic::AtomicBool>,
) -> Option<String> {
    let frame: Value = serde_json::from_str(text).ok()?;
    match frame["topic"].as_str()? {
        "aws/subscribe" => {
            let topics = frame["content"]["topics"].clone();
            if let Some(tx) = unsubscribed.take() {
                let registered =
                    store.with(|inner| match inner.contacts.get_mut(&owner.contact_id) {
                        Some(contact) if !contact.ended => {
                            contact.subscribers.push(crate::store::Subscriber {
                                participant_id: owner.participant_id.clone(),
                                frames: tx,
                                stalled: stalled.clone(),
                            });
                            let customer = contact
                                .participant(&owner.participant_id)
                                .is_some_and(|p| p.role == crate::store::Role::Customer);
                            if customer {
                                crate::engine::customer_connected(store, inner, &owner.contact_id);
                            }
                            true
                        }
                        _ => false,
                    });
                if !registered {
                    return Some(json!({"topic": "aws/subscribe", "content": {"status": "failure", "topics": topics}}).to_string());
                }
            }
            Some(json!({"topic": "aws/subscribe", "content": {"status": "success", "topics": topics}}).to_string())
        }
        "aws/heartbeat" => Some(json!({"topic": "aws/heartbeat"}).to_string()),
        "aws/ping" => {
            Some(json!({"topic": "aws/ping", "statusCode": 200, "statusContent": "OK"}).to_string())
        }
        _ => None,
    }
}
