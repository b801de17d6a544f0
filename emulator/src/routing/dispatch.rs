//! Routing contacts to agents: each waiting contact, longest-waiting first, is offered to an
//! available agent whose routing profile serves its queue, the longest-idle first. The
//! simulated agent accepts after its join delay; a person accepts or rejects in the console,
//! and an offer not answered in time goes to the next agent. Agents transfer chats to a queue
//! or to another agent, as the Contact Control Panel's quick connects do.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

use super::agents::{agent_queue, Agent, AgentKind, Offer, Status, MAX_CHATS};
use crate::chat::{event_item, publish, remove_participant};
use crate::store::{iso_millis, new_token, Inner, Participant, Role, Store, TokenOwner};

/// How often waiting contacts are looked at again (an agent's chat may have ended meanwhile).
const TICK: Duration = Duration::from_millis(250);

/// Why a routing request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoutingError {
    NoSuchAgent,
    NoSuchOffer,
    NoSuchQueue,
    NotInChat,
}

impl std::fmt::Display for RoutingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NoSuchAgent => "no such agent",
            Self::NoSuchOffer => "no such offer: it was taken, withdrawn or expired",
            Self::NoSuchQueue => "no such queue",
            Self::NotInChat => "the agent is not in that open chat",
        })
    }
}

/// Where a transfer goes.
#[derive(Debug, Clone)]
pub enum Target {
    Queue(String),
    Agent(String),
}

/// Open chats the agent is in.
pub fn chats_of(inner: &Inner, agent_id: &str) -> Vec<String> {
    let mut chats: Vec<String> = inner
        .contacts
        .values()
        .filter(|c| !c.ended)
        .filter(|c| {
            c.participants
                .iter()
                .any(|p| p.agent_id.as_deref() == Some(agent_id))
        })
        .map(|c| c.contact_id.clone())
        .collect();
    chats.sort();
    chats
}

/// Whether the agent may get another offer now.
fn has_room(inner: &Inner, agent: &Agent) -> bool {
    if agent.status != Status::Available {
        return false;
    }
    if agent.kind == AgentKind::Simulated {
        return true;
    }
    let offered = inner
        .offers
        .iter()
        .filter(|o| o.agent_id == agent.agent_id)
        .count();
    chats_of(inner, &agent.agent_id).len() + offered < MAX_CHATS
}

/// Offers every waiting contact it can, longest-waiting first.
pub fn dispatch(store: &Arc<Store>, inner: &mut Inner) {
    let mut waiting: Vec<(Instant, String, String)> = inner
        .contacts
        .values()
        .filter(|c| !c.ended)
        .filter_map(|c| {
            let queue = c.flow.waiting_in.clone()?;
            Some((
                c.flow.waiting_since.unwrap_or_else(Instant::now),
                c.contact_id.clone(),
                queue,
            ))
        })
        .collect();
    waiting.sort();
    let mut offered: std::collections::HashSet<String> =
        inner.offers.iter().map(|o| o.contact_id.clone()).collect();
    for (_, contact_id, queue_id) in waiting {
        if !offered.insert(contact_id.clone()) {
            continue;
        }
        let declined = inner
            .contacts
            .get(&contact_id)
            .map(|c| c.flow.declined_by.clone())
            .unwrap_or_default();
        let chosen = inner
            .agents
            .values()
            .filter(|a| a.serves(&queue_id) && !declined.contains(&a.agent_id))
            .filter(|a| has_room(inner, a))
            .min_by_key(|a| a.idle_since)
            .cloned();
        let Some(agent) = chosen else { continue };
        inner.offers.push(Offer {
            contact_id: contact_id.clone(),
            agent_id: agent.agent_id.clone(),
            queue_id,
            offered_at: iso_millis(Utc::now()),
            at: Instant::now(),
        });
        if let Some(a) = inner.agents.get_mut(&agent.agent_id) {
            a.idle_since = Instant::now();
        }
        let (store, agent_id) = (store.clone(), agent.agent_id.clone());
        match agent.kind {
            AgentKind::Simulated => {
                tokio::spawn(async move {
                    tokio::time::sleep(store.settings.agent.join_delay).await;
                    let joined = store.with(|inner| accept(inner, &agent_id, &contact_id).is_ok());
                    if joined {
                        crate::sim::agent::greet(&store, &contact_id);
                    }
                });
            }
            AgentKind::Human => {
                tokio::spawn(async move {
                    tokio::time::sleep(store.settings.offer_timeout).await;
                    store.with(|inner| {
                        if decline(inner, &agent_id, &contact_id) {
                            dispatch(&store, inner);
                        }
                    });
                });
            }
        }
    }
}

/// Looks at waiting contacts again every [`TICK`] while the server runs.
pub fn run_dispatcher(store: &Arc<Store>) -> tokio::task::JoinHandle<()> {
    let store = store.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(TICK).await;
            store.with(|inner| dispatch(&store, inner));
        }
    })
}

/// The agent takes an offered contact: it joins the chat as an AGENT participant (whose token
/// the console connects with) and the contact leaves its queue.
pub fn accept(
    inner: &mut Inner,
    agent_id: &str,
    contact_id: &str,
) -> Result<Participant, RoutingError> {
    let at = inner
        .offers
        .iter()
        .position(|o| o.agent_id == agent_id && o.contact_id == contact_id)
        .ok_or(RoutingError::NoSuchOffer)?;
    let agent = inner
        .agents
        .get(agent_id)
        .cloned()
        .ok_or(RoutingError::NoSuchAgent)?;
    let contact = inner
        .contacts
        .get_mut(contact_id)
        .filter(|c| !c.ended)
        .ok_or(RoutingError::NoSuchOffer)?;
    inner.offers.remove(at);
    let participant = Participant {
        participant_id: crate::store::new_id(),
        role: Role::Agent,
        display_name: agent.name.clone(),
        participant_token: new_token(),
        agent_id: Some(agent.agent_id.clone()),
    };
    contact.participants.push(participant.clone());
    let joined = event_item(contact, Some(&participant), "participant.joined");
    publish(contact, joined, true);
    inner.participant_tokens.insert(
        participant.participant_token.clone(),
        TokenOwner {
            contact_id: contact_id.to_owned(),
            participant_id: participant.participant_id.clone(),
        },
    );
    super::agent_joined(inner, contact_id);
    if let Some(a) = inner.agents.get_mut(agent_id) {
        a.idle_since = Instant::now();
    }
    Ok(participant)
}

/// The agent turns an offer down (or lets it expire): the contact goes to the next agent.
/// False when there was no such offer.
pub fn decline(inner: &mut Inner, agent_id: &str, contact_id: &str) -> bool {
    let before = inner.offers.len();
    inner
        .offers
        .retain(|o| !(o.agent_id == agent_id && o.contact_id == contact_id));
    if inner.offers.len() == before {
        return false;
    }
    if let Some(contact) = inner.contacts.get_mut(contact_id) {
        contact.flow.declined_by.push(agent_id.to_owned());
    }
    true
}

/// The agent transfers a chat it is in: the customer sees `transfer.succeeded` and the agent
/// leave, and the contact waits in the target queue (or the target agent's own queue) for the
/// next offer. (The caller starts the contact's CustomerQueue flow again, if it has one.)
pub fn transfer(
    store: &Arc<Store>,
    inner: &mut Inner,
    agent_id: &str,
    contact_id: &str,
    target: Target,
) -> Result<(), RoutingError> {
    let queue = match &target {
        Target::Queue(id) => {
            if !store.settings.setup.queues.iter().any(|q| &q.id == id) {
                return Err(RoutingError::NoSuchQueue);
            }
            id.clone()
        }
        Target::Agent(id) => {
            if !inner.agents.contains_key(id) {
                return Err(RoutingError::NoSuchAgent);
            }
            agent_queue(id)
        }
    };
    let contact = inner
        .contacts
        .get_mut(contact_id)
        .filter(|c| !c.ended)
        .ok_or(RoutingError::NotInChat)?;
    let leaving = contact
        .participants
        .iter()
        .find(|p| p.agent_id.as_deref() == Some(agent_id))
        .cloned()
        .ok_or(RoutingError::NotInChat)?;
    let succeeded = event_item(contact, None, "transfer.succeeded");
    publish(contact, succeeded, true);
    remove_participant(contact, &leaving.participant_id);
    if let Target::Queue(id) = &target {
        contact.flow.queue_id = Some(id.clone());
    }
    contact.flow.waiting_in = Some(queue);
    contact.flow.waiting_since = Some(Instant::now());
    contact.flow.declined_by.clear();
    dispatch(store, inner);
    Ok(())
}
