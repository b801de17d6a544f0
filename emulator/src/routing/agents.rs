//! Agents as routing sees them: who they are, the queues their routing profile names, whether
//! they are simulated or a person signed in through the console, their status, and the offers
//! routing makes them.

use std::time::Instant;

use serde::Serialize;

/// The simulated agent's id.
pub const SIMULATED_AGENT_ID: &str = "simulated";
/// Chats a person takes at once (the simulated agent has no limit).
pub const MAX_CHATS: usize = 3;

/// Who plays the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AgentKind {
    /// The echo agent, accepting every offer after its join delay.
    Simulated,
    /// A person in the console, accepting or rejecting offers.
    Human,
}

/// An agent's status, as the console sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Status {
    Available,
    Offline,
}

/// An agent.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Agent {
    pub agent_id: String,
    pub name: String,
    /// Queue ids of the routing profile; empty: every queue.
    pub queues: Vec<String>,
    pub kind: AgentKind,
    pub status: Status,
    /// Since when the agent has had nothing new (longest-idle agents get offers first).
    #[serde(skip)]
    pub idle_since: Instant,
}

impl Agent {
    /// Whether the routing profile takes contacts from `queue_id` (a standard queue, or this
    /// agent's own queue).
    pub fn serves(&self, queue_id: &str) -> bool {
        if let Some(agent) = queue_id.strip_prefix(AGENT_QUEUE_PREFIX) {
            return agent == self.agent_id;
        }
        self.queues.is_empty() || self.queues.iter().any(|q| q == queue_id)
    }
}

/// An offer of a waiting contact to an agent.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Offer {
    pub contact_id: String,
    pub agent_id: String,
    pub queue_id: String,
    pub offered_at: String,
    #[serde(skip)]
    pub at: Instant,
}

/// How an agent's own queue (transfers to that agent) is written in `waiting_in`.
pub const AGENT_QUEUE_PREFIX: &str = "agent/";

/// The queue of transfers to one agent.
pub fn agent_queue(agent_id: &str) -> String {
    format!("{AGENT_QUEUE_PREFIX}{agent_id}")
}

/// The simulated agent, serving every queue.
pub fn simulated_agent(name: &str) -> Agent {
    Agent {
        agent_id: SIMULATED_AGENT_ID.into(),
        name: name.to_owned(),
        queues: Vec::new(),
        kind: AgentKind::Simulated,
        status: Status::Available,
        idle_since: Instant::now(),
    }
}

/// A configured person, Offline until they sign in and go Available.
pub fn configured_agent(config: &super::config::AgentConfig) -> Agent {
    Agent {
        agent_id: config
            .id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        name: config.name.clone(),
        queues: config.queues.clone(),
        kind: AgentKind::Human,
        status: Status::Offline,
        idle_since: Instant::now(),
    }
}
