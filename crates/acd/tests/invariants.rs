//! Random event sequences, checking after every step that the engine's state
//! is consistent: no agent is Reserved or OnCall without the matching live
//! call, no call is offered to two agents, no waiting caller is left with a
//! ready eligible agent (at the proficiency its wait has widened to), timers
//! match states and widening rules, auto-pause only pauses, and the counts add up.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use acd::{
    Action, AgentConfig, AgentState, CallId, CallStatus, Engine, EngineConfig, Event, Overflow,
    QueueConfig, Strategy as Pick,
};
use proptest::prelude::*;

/// Name, required skill and minimum level, widening rules (seconds, level), strategy.
type QueueSpec = (
    &'static str,
    Option<(&'static str, u8)>,
    &'static [(u64, u8)],
    Pick,
);

const QUEUES: [QueueSpec; 4] = [
    (
        "benefits",
        Some(("labor", 3)),
        &[(10, 2), (20, 1)],
        Pick::LongestIdle,
    ),
    (
        "immigration",
        Some(("green-card", 1)),
        &[],
        Pick::RoundRobin,
    ),
    ("general", None, &[], Pick::RingAll),
    (
        "appeals",
        Some(("labor", 4)),
        &[(15, 3)],
        Pick::SkillWeighted,
    ),
];
const AGENTS: [(&str, &[(&str, u8)]); 4] = [
    ("1001", &[("labor", 3)]),
    ("1002", &[("green-card", 2)]),
    ("1003", &[("labor", 5), ("green-card", 1)]),
    ("1004", &[]),
];

#[derive(Debug, Clone)]
enum Op {
    Arrive {
        call: u64,
        queue: usize,
        priority: i32,
    },
    Login(usize),
    Logout(usize),
    Pause(usize),
    Unpause(usize),
    /// Answer whatever the agent's phone is ringing for.
    AnswerRinging(usize),
    /// Fail whatever the agent's phone is ringing for.
    FailRinging(usize),
    /// An answer for an arbitrary call: usually stale.
    Answer {
        call: u64,
        agent: usize,
    },
    Leave(u64),
    End(u64),
    Priority {
        call: u64,
        priority: i32,
    },
    Advance(Duration),
}

fn op() -> impl Strategy<Value = Op> {
    let agent = 0..AGENTS.len();
    let call = 0..10u64;
    prop_oneof![
        3 => (call.clone(), 0..QUEUES.len(), -1..=1i32)
            .prop_map(|(call, queue, priority)| Op::Arrive { call, queue, priority }),
        2 => agent.clone().prop_map(Op::Login),
        1 => agent.clone().prop_map(Op::Logout),
        1 => agent.clone().prop_map(Op::Pause),
        1 => agent.clone().prop_map(Op::Unpause),
        3 => agent.clone().prop_map(Op::AnswerRinging),
        1 => agent.clone().prop_map(Op::FailRinging),
        1 => (call.clone(), agent).prop_map(|(call, agent)| Op::Answer { call, agent }),
        1 => call.clone().prop_map(Op::Leave),
        2 => call.clone().prop_map(Op::End),
        1 => (call, -2..=2i32).prop_map(|(call, priority)| Op::Priority { call, priority }),
        3 => (0..30_000u64).prop_map(|ms| Op::Advance(Duration::from_millis(ms))),
    ]
}

struct Harness {
    engine: Engine,
    now: Instant,
    /// Offers announced and not yet settled: agent → call.
    ringing: HashMap<String, CallId>,
    /// Calls the engine accepted and has not seen leave.
    live: HashSet<CallId>,
    /// Queue, arrival and when it entered that queue, of each live call.
    queue_of: HashMap<CallId, (usize, Instant, Instant)>,
}

/// `benefits` overflows into `general` after 25 s; `appeals` goes to a menu when no agent who
/// could serve it is logged in.
fn overflow_of(queue: &str) -> Option<Overflow> {
    match queue {
        "benefits" => Some(Overflow {
            to: "general".into(),
            after: Some(Duration::from_secs(25)),
            max_waiting: Some(3),
            when_no_agents: false,
        }),
        "appeals" => Some(Overflow {
            to: "voicemail".into(),
            after: None,
            max_waiting: None,
            when_no_agents: true,
        }),
        _ => None,
    }
}

impl Harness {
    fn new() -> Self {
        let mut engine = Engine::with_config(EngineConfig {
            auto_pause_after: Some(2),
            ..EngineConfig::default()
        });
        for (i, (name, skill, widen, strategy)) in QUEUES.iter().enumerate() {
            let mut q = QueueConfig::new(*name).with_strategy(*strategy);
            if let Some((skill, level)) = skill {
                q = q.with_skill_min(*skill, *level);
            }
            for (secs, level) in *widen {
                q = q.with_widening(Duration::from_secs(*secs), *level);
            }
            // One queue with wrap-up so WrapUp is exercised.
            q.wrap_up = Duration::from_secs(if i == 0 { 5 } else { 0 });
            q.overflow = overflow_of(name);
            engine.add_queue(q).expect("valid queue");
        }
        for (id, skills) in AGENTS {
            let mut a = AgentConfig::new(id);
            for (s, level) in skills {
                a = a.with_skill_level(*s, *level);
            }
            engine.add_agent(a).expect("valid agent");
        }
        Harness {
            engine,
            now: Instant::now(),
            ringing: HashMap::new(),
            live: HashSet::new(),
            queue_of: HashMap::new(),
        }
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let agent = |i: usize| AGENTS[i].0.to_owned();
        let event = match op {
            Op::Advance(dt) => {
                let target = self.now + *dt;
                while let Some(t) = self.engine.poll_timeout().filter(|t| *t <= target) {
                    self.now = self.now.max(t);
                    self.engine.handle_timeout(self.now);
                    self.drain()?;
                    self.check()?;
                }
                self.now = target;
                return Ok(());
            }
            Op::Arrive {
                call,
                queue,
                priority,
            } => Event::CallArrived {
                call: CallId(*call),
                queue: QUEUES[*queue].0.into(),
                priority: *priority,
            },
            Op::Login(a) => Event::AgentLogin { agent: agent(*a) },
            Op::Logout(a) => Event::AgentLogout { agent: agent(*a) },
            Op::Pause(a) => Event::AgentPause {
                agent: agent(*a),
                reason: "break".into(),
            },
            Op::Unpause(a) => Event::AgentUnpause { agent: agent(*a) },
            Op::AnswerRinging(a) | Op::FailRinging(a) => {
                let Some(&call) = self.ringing.get(&agent(*a)) else {
                    return Ok(());
                };
                if matches!(op, Op::AnswerRinging(_)) {
                    Event::OfferAnswered {
                        call,
                        agent: agent(*a),
                    }
                } else {
                    Event::OfferFailed {
                        call,
                        agent: agent(*a),
                    }
                }
            }
            Op::Answer { call, agent: a } => Event::OfferAnswered {
                call: CallId(*call),
                agent: agent(*a),
            },
            Op::Leave(call) => Event::CallerLeft {
                call: CallId(*call),
            },
            Op::End(call) => Event::CallEnded {
                call: CallId(*call),
            },
            Op::Priority { call, priority } => Event::PriorityChanged {
                call: CallId(*call),
                priority: *priority,
            },
        };
        let result = self.engine.handle(self.now, event.clone());
        if result.is_ok() {
            match event {
                Event::CallArrived { call, queue, .. } => {
                    prop_assert!(self.live.insert(call), "duplicate call {call} accepted");
                    let qi = QUEUES.iter().position(|q| q.0 == queue).unwrap_or(0);
                    self.queue_of.insert(call, (qi, self.now, self.now));
                }
                Event::OfferAnswered { agent, call } | Event::OfferFailed { agent, call } => {
                    prop_assert_eq!(self.ringing.remove(&agent), Some(call));
                }
                Event::CallerLeft { call } | Event::CallEnded { call } => {
                    prop_assert!(self.live.remove(&call), "unknown call {call} accepted");
                }
                _ => {}
            }
        } else if let Event::CallArrived { call, .. } = event {
            prop_assert!(self.live.contains(&call), "arrival of a new call refused");
        }
        self.drain()?;
        self.check()
    }

    /// Checks the action protocol: an offer only to an agent not ringing, for a
    /// call not ringing anywhere; a cancel only for an outstanding offer.
    fn drain(&mut self) -> Result<(), TestCaseError> {
        while let Some(action) = self.engine.poll_action() {
            match action {
                Action::Offer {
                    call,
                    agent,
                    ring_deadline,
                } => {
                    prop_assert!(ring_deadline > self.now);
                    prop_assert!(self.live.contains(&call), "offer for a dead call {call}");
                    let ring_all = self
                        .queue_of
                        .get(&call)
                        .is_some_and(|(qi, ..)| QUEUES[*qi].3 == Pick::RingAll);
                    prop_assert!(
                        ring_all || !self.ringing.values().any(|c| *c == call),
                        "call {call} offered to two agents"
                    );
                    prop_assert!(
                        self.ringing.insert(agent, call).is_none(),
                        "agent rung twice"
                    );
                }
                Action::CancelOffer { call, agent } => {
                    prop_assert_eq!(self.ringing.remove(&agent), Some(call));
                }
                Action::Overflowed { call, to, .. } => {
                    prop_assert!(self.live.contains(&call), "dead call {call} overflowed");
                    let qi = QUEUES.iter().position(|q| q.0 == to).expect("known queue");
                    let arrival = self.queue_of.get(&call).map_or(self.now, |q| q.1);
                    self.queue_of.insert(call, (qi, arrival, self.now));
                    prop_assert!(
                        !self.ringing.values().any(|c| *c == call),
                        "overflowed while ringing"
                    );
                }
                Action::Released { call, to, .. } => {
                    prop_assert_eq!(to, "voicemail");
                    prop_assert!(self.live.remove(&call), "dead call {call} released");
                    self.queue_of.remove(&call);
                }
                Action::AgentPaused { agent, .. } => {
                    prop_assert!(
                        matches!(
                            self.engine.agent_state(&agent),
                            Some(AgentState::Paused { .. })
                        ),
                        "auto-paused agent {} is not paused",
                        agent
                    );
                }
                other => prop_assert!(false, "unexpected action {:?}", other),
            }
        }
        Ok(())
    }

    fn check(&self) -> Result<(), TestCaseError> {
        let e = &self.engine;
        let mut deadlines = Vec::new();
        let mut ready = Vec::new();
        for (i, (id, _)) in AGENTS.iter().enumerate() {
            let state = e.agent_state(id).expect("known agent");
            match state {
                AgentState::Reserved {
                    call,
                    ring_deadline,
                } => {
                    prop_assert_eq!(self.ringing.get(*id), Some(&call));
                    let ring_all = self
                        .queue_of
                        .get(&call)
                        .is_some_and(|(qi, ..)| QUEUES[*qi].3 == Pick::RingAll);
                    if ring_all {
                        let ringing =
                            matches!(e.call_status(call), Some(CallStatus::Ringing { .. }));
                        prop_assert!(ringing, "ring-all call {} not ringing", call);
                    } else {
                        prop_assert_eq!(
                            e.call_status(call),
                            Some(CallStatus::Ringing {
                                agent: (*id).into()
                            })
                        );
                    }
                    deadlines.push(ring_deadline);
                }
                AgentState::OnCall { call } => {
                    prop_assert!(self.live.contains(&call));
                    prop_assert_eq!(
                        e.call_status(call),
                        Some(CallStatus::Connected {
                            agent: (*id).into()
                        })
                    );
                }
                AgentState::WrapUp { until } => deadlines.push(until),
                AgentState::Available {
                    cooldown_until: Some(t),
                    ..
                } => deadlines.push(t),
                AgentState::Available {
                    cooldown_until: None,
                    ..
                } => ready.push(i),
                AgentState::LoggedOut | AgentState::Paused { .. } => {}
            }
            if !matches!(e.agent_state(id), Some(AgentState::Reserved { .. })) {
                prop_assert!(
                    !self.ringing.contains_key(*id),
                    "{} not reserved but ringing",
                    id
                );
            }
        }
        // Widening rules still ahead of unanswered calls are timers too.
        for (call, (qi, arrival, entered)) in &self.queue_of {
            let connected = matches!(e.call_status(*call), Some(CallStatus::Connected { .. }));
            if !self.live.contains(call) || connected {
                continue;
            }
            let next = QUEUES[*qi]
                .2
                .iter()
                .map(|(secs, _)| *arrival + Duration::from_secs(*secs))
                .find(|t| *t > self.now);
            deadlines.extend(next);
            let overflow = overflow_of(QUEUES[*qi].0)
                .and_then(|o| o.after)
                .map(|d| *entered + d);
            deadlines.extend(overflow);
        }
        prop_assert_eq!(e.poll_timeout(), deadlines.into_iter().min());
        if let Some(t) = e.poll_timeout() {
            prop_assert!(t > self.now || self.now == t, "overdue timer");
        }

        let mut waiting = 0;
        for call in &self.live {
            let status = e.call_status(*call);
            prop_assert!(status.is_some(), "live call {call} unknown");
            if status == Some(CallStatus::Waiting) {
                waiting += 1;
                let (qi, arrival, _) = self.queue_of[call];
                let (_, need, widen, _) = QUEUES[qi];
                // The minimum level after every rule whose time has come.
                let cap = widen
                    .iter()
                    .filter(|(secs, _)| arrival + Duration::from_secs(*secs) <= self.now)
                    .map(|(_, level)| *level)
                    .next_back()
                    .unwrap_or(u8::MAX);
                for &a in &ready {
                    let eligible = need.is_none_or(|(skill, min)| {
                        AGENTS[a]
                            .1
                            .iter()
                            .any(|(s, level)| *s == skill && *level >= min.min(cap))
                    });
                    prop_assert!(
                        !eligible,
                        "call {call} waits while {} is ready",
                        AGENTS[a].0
                    );
                }
            }
        }
        prop_assert_eq!(e.waiting(), waiting);

        let (mut in_queue, mut ringing) = (0, 0);
        for (name, ..) in QUEUES {
            let s = e.stats(name).expect("known queue");
            prop_assert_eq!(
                s.offered,
                s.answered + s.abandoned + s.overflowed + s.waiting as u64 + s.ringing as u64
            );
            prop_assert!(s.answered_within_sl <= s.answered);
            in_queue += s.waiting;
            ringing += s.ringing;
        }
        prop_assert_eq!(in_queue, waiting);
        let ringing_calls: HashSet<CallId> = self.ringing.values().copied().collect();
        prop_assert_eq!(ringing, ringing_calls.len());
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_after_every_step(ops in prop::collection::vec(op(), 1..80)) {
        let mut h = Harness::new();
        for op in &ops {
            h.apply(op)?;
        }
        // Whatever happened, draining time never leaves a timer overdue.
        h.apply(&Op::Advance(Duration::from_secs(3600)))?;
    }
}
