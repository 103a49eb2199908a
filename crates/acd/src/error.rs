//! The one error type of the ACD engine.
//!
//! Every variant names the entity the bad event was about, so the caller can log
//! it without further context. None of them leaves the engine in a broken state:
//! a rejected event changes nothing.

use std::time::Duration;

use crate::CallId;

/// Why the engine refused a configuration change or an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A queue was added with an empty name.
    #[error("queue name is empty")]
    EmptyQueueName,
    /// A queue with this name already exists.
    #[error("queue {queue:?} already exists")]
    DuplicateQueue {
        /// The queue name.
        queue: String,
    },
    /// A queue duration is out of its range: a zero ring timeout would re-offer
    /// calls in a tight loop, and durations past a day are configuration mistakes.
    #[error("queue {queue:?}: {field} = {value:?} is out of range ({min:?} to {max:?})")]
    DurationOutOfRange {
        /// The queue name.
        queue: String,
        /// The configuration field.
        field: &'static str,
        /// The value given.
        value: Duration,
        /// The smallest accepted value.
        min: Duration,
        /// The largest accepted value.
        max: Duration,
    },
    /// A queue requirement names an empty skill, a skill twice, or a level outside 1 to 5.
    #[error(
        "queue {queue:?}: requirement {skill:?} at level {level} is invalid (a skill once, level 1 to 5)"
    )]
    InvalidRequirement {
        /// The queue.
        queue: String,
        /// The skill as given.
        skill: String,
        /// The minimum level as given.
        level: u8,
    },

    /// A widening rule is not after the previous one, not above zero, or its level is
    /// outside 1 to 5.
    #[error(
        "queue {queue:?}: widening rule {index} must come later than the one before (above 0 s, at most 24 h) with a level of 1 to 5"
    )]
    InvalidWidening {
        /// The queue.
        queue: String,
        /// Index of the rule in `widen`.
        index: usize,
    },
    /// An overflow rule names no target or the queue itself, or its time is zero or past a day.
    #[error(
        "queue {queue:?}: overflow needs a target other than the queue and a time of 1 ms to 24 h"
    )]
    InvalidOverflow {
        /// The queue.
        queue: String,
    },
    /// An agent was added with an empty id.
    #[error("agent id is empty")]
    EmptyAgentId,
    /// An agent with this id already exists.
    #[error("agent {agent:?} already exists")]
    DuplicateAgent {
        /// The agent id.
        agent: String,
    },
    /// A skill proficiency outside 1..=5.
    #[error("agent {agent:?}: skill {skill:?} has proficiency {level}, expected 1 to 5")]
    InvalidProficiency {
        /// The agent id.
        agent: String,
        /// The skill name.
        skill: String,
        /// The level given.
        level: u8,
    },
    /// The same skill is listed twice for one agent.
    #[error("agent {agent:?}: skill {skill:?} is listed twice")]
    DuplicateSkill {
        /// The agent id.
        agent: String,
        /// The skill name.
        skill: String,
    },
    /// An event names a queue the engine does not know.
    #[error("unknown queue {queue:?}")]
    UnknownQueue {
        /// The queue name.
        queue: String,
    },
    /// An event names an agent the engine does not know.
    #[error("unknown agent {agent:?}")]
    UnknownAgent {
        /// The agent id.
        agent: String,
    },
    /// An event names a call the engine does not know (never arrived, or already gone).
    #[error("unknown call {call}")]
    UnknownCall {
        /// The call.
        call: CallId,
    },
    /// A call arrived with an id that is still in use.
    #[error("call {call} is already in the engine")]
    DuplicateCall {
        /// The call.
        call: CallId,
    },
    /// A login for an agent that is already logged in.
    #[error("agent {agent:?} is already logged in")]
    AlreadyLoggedIn {
        /// The agent id.
        agent: String,
    },
    /// A logout, pause or unpause for an agent that is logged out.
    #[error("agent {agent:?} is not logged in")]
    NotLoggedIn {
        /// The agent id.
        agent: String,
    },
    /// An unpause for an agent that is neither paused nor has a pause pending.
    #[error("agent {agent:?} is not paused")]
    NotPaused {
        /// The agent id.
        agent: String,
    },
    /// An answer or failure for a call that is not currently offered to that agent:
    /// typically the offer already timed out or was withdrawn (the answer crossed
    /// the cancel). The call control should hang up that agent leg.
    #[error("call {call} is not offered to agent {agent:?}")]
    NotOffered {
        /// The call.
        call: CallId,
        /// The agent id.
        agent: String,
    },
    /// An agent event that does not fit the agent's current state.
    #[error("agent {agent:?}: {event} does not apply while {state}")]
    InvalidTransition {
        /// The agent id.
        agent: String,
        /// The agent's state.
        state: &'static str,
        /// The event refused.
        event: &'static str,
    },
}
