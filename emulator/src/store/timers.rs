//! The chat timers of a contact (Amazon Connect's chat timeouts, set by UpdateParticipantRoleConfig):
//! for the customer and for the agent an idle timer and an auto-disconnect timer, and how long
//! each of them has been inactive.

use std::time::{Duration, Instant};

use super::Role;

/// The model's ParticipantTimerType.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum TimerType {
    /// After this long without activity the role is idle (`participant.idle`).
    Idle,
    /// After this long (counted from idleness when an idle timer is set too) the agent is
    /// disconnected (`participant.autodisconnection`).
    DisconnectNoncustomer,
}

/// One role's timers; `None` is a timer that is not set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoleTimerConfig {
    pub idle: Option<Duration>,
    pub disconnect: Option<Duration>,
}

impl RoleTimerConfig {
    pub fn set(&mut self, timer: TimerType, value: Option<Duration>) {
        match timer {
            TimerType::Idle => self.idle = value,
            TimerType::DisconnectNoncustomer => self.disconnect = value,
        }
    }

    fn shortest(&self) -> Option<Duration> {
        self.idle.into_iter().chain(self.disconnect).min()
    }
}

/// A role's timers and its inactivity.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleTimers {
    #[serde(skip)]
    pub config: RoleTimerConfig,
    /// When the role last sent a message or typed, or when the timers started.
    #[serde(skip)]
    pub last_active: Instant,
    /// `participant.idle` was sent and the role has not been active since.
    pub idle: bool,
}

impl RoleTimers {
    fn new(config: RoleTimerConfig) -> Self {
        Self {
            config,
            last_active: Instant::now(),
            idle: false,
        }
    }
}

/// A contact's chat timers. They run while a customer and an agent (or a custom bot) are both in
/// the chat; they start again from zero each time such a participant joins.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChatTimers {
    pub customer: RoleTimers,
    pub agent: RoleTimers,
    /// Whether the timers are running now.
    pub running: bool,
    /// Whether a task is watching them.
    #[serde(skip)]
    pub watched: bool,
}

impl ChatTimers {
    pub fn new(customer: RoleTimerConfig) -> Self {
        Self {
            customer: RoleTimers::new(customer),
            agent: RoleTimers::new(RoleTimerConfig::default()),
            running: false,
            watched: false,
        }
    }

    /// The timers of a role that has them (CUSTOMER, AGENT).
    pub fn of(&mut self, role: Role) -> Option<&mut RoleTimers> {
        match role {
            Role::Customer => Some(&mut self.customer),
            Role::Agent => Some(&mut self.agent),
            _ => None,
        }
    }

    /// The shortest timer set, if any is.
    pub fn shortest(&self) -> Option<Duration> {
        self.customer
            .config
            .shortest()
            .into_iter()
            .chain(self.agent.config.shortest())
            .min()
    }
}
