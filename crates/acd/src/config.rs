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

/// How a queue picks among several ready agents that may take a new caller. An agent that
/// becomes free always takes the longest-waiting caller it may take, whatever the strategy:
/// strategies decide between agents, never between callers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// The agent Available longest (the fairest share of work).
    #[default]
    LongestIdle,
    /// The next agent after the one this queue offered last, in configuration order.
    RoundRobin,
    /// The agent who answered fewest calls; ties: longest idle.
    FewestCalls,
    /// The agent with the least talk time; ties: longest idle.
    LeastTalkTime,
    /// The first agent in configuration order (a fixed hunt order).
    Linear,
    /// Any ready agent, uniformly (seeded: runs are reproducible).
    Random,
    /// The highest proficiency in the queue's skills; ties: longest idle.
    SkillWeighted,
    /// Every ready eligible agent at once; the first to answer takes the call and the
    /// others stop ringing.
    RingAll,
}

impl Strategy {
    /// Every strategy, for configuration parsers and tests.
    pub const ALL: [Strategy; 8] = [
        Strategy::LongestIdle,
        Strategy::RoundRobin,
        Strategy::FewestCalls,
        Strategy::LeastTalkTime,
        Strategy::Linear,
        Strategy::Random,
        Strategy::SkillWeighted,
        Strategy::RingAll,
    ];

    /// The configuration name (`longest-idle`, `round-robin`, …).
    pub fn name(self) -> &'static str {
        match self {
            Strategy::LongestIdle => "longest-idle",
            Strategy::RoundRobin => "round-robin",
            Strategy::FewestCalls => "fewest-calls",
            Strategy::LeastTalkTime => "least-talk-time",
            Strategy::Linear => "linear",
            Strategy::Random => "random",
            Strategy::SkillWeighted => "skill-weighted",
            Strategy::RingAll => "ring-all",
        }
    }

    /// The strategy a configuration name stands for.
    pub fn from_name(name: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A widening rule: once a caller has waited `after`, every skill the queue requires is
/// accepted from `min_level` up (if that is lower than the queue's own minimum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Widening {
    /// Wait after which the rule applies (above zero, at most 24 h).
    pub after: Duration,
    /// Lowest proficiency accepted from then on (1 to 5).
    pub min_level: u8,
}

/// When a queue's callers go elsewhere, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow {
    /// Another queue of the engine (the caller keeps its arrival time, so its place in the
    /// one global order), or any other name, which the call control routes (a menu): the
    /// call then leaves the engine ([`Action::Released`](crate::Action::Released)).
    pub to: String,
    /// A caller who has waited this long in this queue goes.
    pub after: Option<Duration>,
    /// A new caller goes at once when this many already wait in this queue.
    pub max_waiting: Option<usize>,
    /// When no agent who could take the queue's calls (even after widening) is logged in, a
    /// new caller goes at once, and every waiting caller goes when the last one logs out.
    pub when_no_agents: bool,
}

/// One queue callers are placed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    /// Unique name, used in [`Event::CallArrived`](crate::Event::CallArrived).
    pub name: String,
    /// Skills an agent needs to be offered this queue's calls, each with the lowest
    /// proficiency accepted (1 to 5); empty: any agent.
    pub requires: Vec<(String, u8)>,
    /// Rules that accept lower proficiencies the longer a caller waits, in increasing `after`.
    pub widen: Vec<Widening>,
    /// How a new caller picks among ready agents.
    pub strategy: Strategy,
    /// How long an offer rings before the next agent is tried (1 ms to 24 h).
    pub ring_timeout: Duration,
    /// Service-level threshold for [`QueueStats`](crate::QueueStats) (0 to 24 h).
    pub service_level: Duration,
    /// After-call work time before the agent is Available again (0 to 24 h).
    pub wrap_up: Duration,
    /// Where callers go when this queue cannot serve them.
    pub overflow: Option<Overflow>,
}

impl QueueConfig {
    /// A queue open to any agent, longest-idle, with the default timers.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            requires: Vec::new(),
            widen: Vec::new(),
            strategy: Strategy::LongestIdle,
            ring_timeout: DEFAULT_RING_TIMEOUT,
            service_level: DEFAULT_SERVICE_LEVEL,
            wrap_up: DEFAULT_WRAP_UP,
            overflow: None,
        }
    }

    /// Sends callers to `overflow.to` when the rule says.
    pub fn with_overflow(mut self, overflow: Overflow) -> Self {
        self.overflow = Some(overflow);
        self
    }

    /// Requires `skill` (any proficiency) of the agents offered this queue's calls.
    pub fn with_skill(self, skill: impl Into<String>) -> Self {
        self.with_skill_min(skill, 1)
    }

    /// Requires `skill` at proficiency `min_level` or better.
    pub fn with_skill_min(mut self, skill: impl Into<String>, min_level: u8) -> Self {
        self.requires.push((skill.into(), min_level));
        self
    }

    /// After a wait of `after`, accepts the required skills from `min_level` up.
    pub fn with_widening(mut self, after: Duration, min_level: u8) -> Self {
        self.widen.push(Widening { after, min_level });
        self
    }

    /// Picks among ready agents by `strategy`.
    pub fn with_strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
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
        for (i, (skill, level)) in self.requires.iter().enumerate() {
            if skill.is_empty()
                || !(1..=MAX_PROFICIENCY).contains(level)
                || self.requires.iter().take(i).any(|(s, _)| s == skill)
            {
                return Err(Error::InvalidRequirement {
                    queue: self.name.clone(),
                    skill: skill.clone(),
                    level: *level,
                });
            }
        }
        if let Some(o) = &self.overflow {
            let after_ok = o.after.is_none_or(|d| !d.is_zero() && d <= MAX_DURATION);
            if o.to.is_empty() || o.to == self.name || !after_ok {
                return Err(Error::InvalidOverflow {
                    queue: self.name.clone(),
                });
            }
        }
        let mut previous = Duration::ZERO;
        for (index, w) in self.widen.iter().enumerate() {
            let ordered = w.after > previous && w.after <= MAX_DURATION;
            if !ordered || !(1..=MAX_PROFICIENCY).contains(&w.min_level) {
                return Err(Error::InvalidWidening {
                    queue: self.name.clone(),
                    index,
                });
            }
            previous = w.after;
        }
        Ok(())
    }

    /// The requirement in force after `step` widening rules (0: the queue's own).
    pub(crate) fn requirement_at(&self, step: usize) -> Vec<(String, u8)> {
        let cap = step
            .checked_sub(1)
            .and_then(|i| self.widen.get(i))
            .map_or(MAX_PROFICIENCY, |w| w.min_level);
        self.requires
            .iter()
            .map(|(s, l)| (s.clone(), (*l).min(cap)))
            .collect()
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
    /// An agent whose phone leaves this many offers in a row unanswered (rang out, busy,
    /// declined, unreachable) is paused with reason [`AUTO_PAUSE_REASON`]; `None`: never.
    pub auto_pause_after: Option<u32>,
    /// Seed of the [`Strategy::Random`] choice, so runs can be replayed.
    pub seed: u64,
    /// Callers who hang up within this wait are counted as short abandons too (misdials,
    /// second thoughts), which service-level figures may leave out.
    pub short_abandon: Duration,
}

/// The pause reason of an agent paused for unanswered offers.
pub const AUTO_PAUSE_REASON: &str = "no answer";

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            offer_failure_cooldown: DEFAULT_OFFER_FAILURE_COOLDOWN,
            auto_pause_after: None,
            seed: 0x5eed,
            short_abandon: Duration::from_secs(5),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_defaults_follow_the_contract() {
        let q = QueueConfig::new("general");
        assert!(q.requires.is_empty());
        assert_eq!(q.strategy, Strategy::LongestIdle);
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
    fn requirements_and_widening_rules_are_checked() {
        let ok = QueueConfig::new("q")
            .with_skill_min("labor", 4)
            .with_widening(Duration::from_secs(30), 2)
            .with_widening(Duration::from_secs(60), 1);
        assert_eq!(ok.validate(), Ok(()));
        assert_eq!(ok.requirement_at(0), [("labor".to_string(), 4)]);
        assert_eq!(ok.requirement_at(1), [("labor".to_string(), 2)]);
        assert_eq!(ok.requirement_at(2), [("labor".to_string(), 1)]);
        let bad_level = QueueConfig::new("q").with_skill_min("labor", 6);
        assert!(matches!(
            bad_level.validate(),
            Err(Error::InvalidRequirement { .. })
        ));
        let twice = QueueConfig::new("q").with_skill("a").with_skill_min("a", 2);
        assert!(matches!(
            twice.validate(),
            Err(Error::InvalidRequirement { .. })
        ));
        let unordered = QueueConfig::new("q")
            .with_skill("a")
            .with_widening(Duration::from_secs(60), 2)
            .with_widening(Duration::from_secs(30), 1);
        assert_eq!(
            unordered.validate(),
            Err(Error::InvalidWidening {
                queue: "q".into(),
                index: 1
            })
        );
        let at_zero = QueueConfig::new("q").with_widening(Duration::ZERO, 1);
        assert!(matches!(
            at_zero.validate(),
            Err(Error::InvalidWidening { .. })
        ));
    }

    #[test]
    fn strategies_have_names_both_ways() {
        for s in Strategy::ALL {
            assert_eq!(Strategy::from_name(s.name()), Some(s));
        }
        assert_eq!(Strategy::from_name("ring-every-phone"), None);
    }

    #[test]
    fn empty_ids_are_refused() {
        assert_eq!(QueueConfig::new("").validate(), Err(Error::EmptyQueueName));
        assert_eq!(AgentConfig::new("").validate(), Err(Error::EmptyAgentId));
    }
}
