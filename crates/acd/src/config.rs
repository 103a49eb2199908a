//! Static configuration of queues, agents and the engine, with defaults in one
//! place and validation that names the bad value.

use std::time::Duration;

use crate::Error;

/// Default time an offer rings before it moves to the next agent.
pub const DEFAULT_RING_TIMEOUT: Duration = Duration::from_secs(15);
/// Default service-level threshold: answered within this wait counts as "in SL".
pub const DEFAULT_SERVICE_LEVEL: Duration = Duration::from_secs(20);
/// Default wrap-up: none, the agent is Available again when the call ends.
pub const DEFAULT_WRAP_UP: Duration = Duration::ZERO;
/// Default hold-off after a failed offer, so a broken phone is not rung in a loop.
pub const DEFAULT_OFFER_FAILURE_COOLDOWN: Duration = Duration::from_secs(5);
/// Default proficiency of a skill given without one.
pub const DEFAULT_PROFICIENCY: u8 = 1;
/// Proficiency levels run from 1 (novice) to this value (expert).
pub const MAX_PROFICIENCY: u8 = 5;

/// Longest accepted ring timeout, wrap-up, service level or cool-down.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);

/// One queue callers are placed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    /// Unique name, used in [`Event::CallArrived`](crate::Event::CallArrived).
    pub name: String,
    /// The skill an agent needs to be offered this queue's calls; `None`: any agent.
    pub skill: Option<String>,
    /// How long an offer rings before the next agent is tried (1 ms to 24 h).
    pub ring_timeout: Duration,
    /// Service-level threshold for [`QueueStats`](crate::QueueStats) (0 to 24 h).
    pub service_level: Duration,
    /// After-call work time before the agent is Available again (0 to 24 h).
    pub wrap_up: Duration,
}

impl QueueConfig {
    /// A queue open to any agent, with the default timers.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            skill: None,
            ring_timeout: DEFAULT_RING_TIMEOUT,
            service_level: DEFAULT_SERVICE_LEVEL,
            wrap_up: DEFAULT_WRAP_UP,
        }
    }

    /// Requires `skill` of the agents offered this queue's calls.
    pub fn with_skill(mut self, skill: impl Into<String>) -> Self {
        self.skill = Some(skill.into());
        self
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.name.is_empty() {
            return Err(Error::EmptyQueueName);
        }
        let checks = [
            ("ring_timeout", self.ring_timeout, Duration::from_millis(1)),
            ("service_level", self.service_level, Duration::ZERO),
            ("wrap_up", self.wrap_up, Duration::ZERO),
        ];
        for (field, value, min) in checks {
            if value < min || value > MAX_DURATION {
                return Err(Error::DurationOutOfRange {
                    queue: self.name.clone(),
                    field,
                    value,
                    min,
                    max: MAX_DURATION,
                });
            }
        }
        Ok(())
    }
}

/// One agent. Agents start logged out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentConfig {
    /// Unique id: the extension the agent's phone registers with (e.g. "1001").
    pub id: String,
    /// Skill names with a proficiency of 1 to 5.
    pub skills: Vec<(String, u8)>,
}

impl AgentConfig {
    /// An agent without skills (offered only calls of queues without a skill).
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            skills: Vec::new(),
        }
    }

    /// Adds `skill` at the default proficiency.
    pub fn with_skill(self, skill: impl Into<String>) -> Self {
        self.with_skill_level(skill, DEFAULT_PROFICIENCY)
    }

    /// Adds `skill` at proficiency `level` (1 to 5).
    pub fn with_skill_level(mut self, skill: impl Into<String>, level: u8) -> Self {
        self.skills.push((skill.into(), level));
        self
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.id.is_empty() {
            return Err(Error::EmptyAgentId);
        }
        for (i, (skill, level)) in self.skills.iter().enumerate() {
            if !(1..=MAX_PROFICIENCY).contains(level) {
                return Err(Error::InvalidProficiency {
                    agent: self.id.clone(),
                    skill: skill.clone(),
                    level: *level,
                });
            }
            if self.skills.iter().take(i).any(|(s, _)| s == skill) {
                return Err(Error::DuplicateSkill {
                    agent: self.id.clone(),
                    skill: skill.clone(),
                });
            }
        }
        Ok(())
    }
}

/// Engine-wide settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// After a failed offer (busy, declined, unreachable) the agent stays
    /// Available but is not offered calls for this long, so a phone that
    /// refuses every INVITE at once is not rung in a tight loop. Capped at 24 h.
    pub offer_failure_cooldown: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            offer_failure_cooldown: DEFAULT_OFFER_FAILURE_COOLDOWN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_defaults_follow_the_contract() {
        let q = QueueConfig::new("general");
        assert_eq!(q.skill, None);
        assert_eq!(q.ring_timeout, Duration::from_secs(15));
        assert_eq!(q.service_level, Duration::from_secs(20));
        assert_eq!(q.wrap_up, Duration::ZERO);
        assert_eq!(q.validate(), Ok(()));
    }

    #[test]
    fn zero_ring_timeout_is_refused() {
        let mut q = QueueConfig::new("q");
        q.ring_timeout = Duration::ZERO;
        assert!(matches!(
            q.validate(),
            Err(Error::DurationOutOfRange {
                field: "ring_timeout",
                ..
            })
        ));
    }

    #[test]
    fn absurd_wrap_up_is_refused() {
        let mut q = QueueConfig::new("q");
        q.wrap_up = Duration::from_secs(u64::MAX);
        assert!(matches!(
            q.validate(),
            Err(Error::DurationOutOfRange {
                field: "wrap_up",
                ..
            })
        ));
    }

    #[test]
    fn proficiency_must_be_one_to_five() {
        assert_eq!(
            AgentConfig::new("1001").with_skill("labor").validate(),
            Ok(())
        );
        for level in [0, 6, 255] {
            let a = AgentConfig::new("1001").with_skill_level("labor", level);
            assert!(matches!(
                a.validate(),
                Err(Error::InvalidProficiency { .. })
            ));
        }
    }

    #[test]
    fn a_skill_listed_twice_is_refused() {
        let a = AgentConfig::new("1001")
            .with_skill("labor")
            .with_skill_level("labor", 3);
        assert!(matches!(a.validate(), Err(Error::DuplicateSkill { .. })));
    }

    #[test]
    fn empty_ids_are_refused() {
        assert_eq!(QueueConfig::new("").validate(), Err(Error::EmptyQueueName));
        assert_eq!(AgentConfig::new("").validate(), Err(Error::EmptyAgentId));
    }
}
