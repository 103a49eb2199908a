//! The engine: routes each event to the call and agent it concerns, runs the
//! agent state machine ([`agent`](crate::agent)), keeps the indexes in step and
//! queues the resulting actions.
//!
//! Run loop of the owner (the call control):
//!
//! 1. feed every observed fact with [`Engine::handle`];
//! 2. at [`Engine::poll_timeout`], call [`Engine::handle_timeout`];
//! 3. after either, drain [`Engine::poll_action`] until `None`.
//!
//! After every input the engine restores its invariant: no waiting caller has
//! an agent that is ready and eligible for it (matching in
//! [`matching`](crate::matching)).

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::mem;
use std::time::{Duration, Instant};

use crate::agent::{self, AgentState, Effect, Input, Refusal, State};
use crate::config::{AUTO_PAUSE_REASON, MAX_DURATION};
use crate::order::{AgentIdx, AvailablePool, Req, WaitKey, WaitingOrder};
use crate::stats::{AgentCounts, AgentStats, QueueCounters, QueueStats};
use crate::timers::TimerTable;
use crate::{Action, AgentConfig, CallId, EngineConfig, Error, Event, QueueConfig};

/// Where a call is, as seen from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallStatus {
    /// In the global order, waiting for an agent.
    Waiting,
    /// An agent's phone is ringing for it.
    Ringing {
        /// The agent id.
        agent: String,
    },
    /// An agent answered.
    Connected {
        /// The agent id.
        agent: String,
    },
}

#[derive(Debug)]
pub(crate) struct Queue {
    pub(crate) config: QueueConfig,
    /// The requirement in force after each widening step (index 0: the queue's own).
    pub(crate) steps: Vec<Req>,
    /// The skills the queue requires (interned), for skill-weighted choice.
    pub(crate) skills: Vec<usize>,
    /// The agent this queue offered a call to last (round-robin's memory).
    pub(crate) last_offered: Option<AgentIdx>,
    /// This queue's waiting callers in global order (for positions).
    pub(crate) waiting: BTreeSet<WaitKey>,
    /// Callers not yet answered, waiting or ringing, by arrival (longest wait).
    pub(crate) unanswered: BTreeSet<(Instant, CallId)>,
    pub(crate) counters: QueueCounters,
}

#[derive(Debug)]
pub(crate) struct Agent {
    pub(crate) id: String,
    /// Interned skill and proficiency.
    pub(crate) skills: Vec<(usize, u8)>,
    /// Every interned requirement this agent meets ("any" among them).
    pub(crate) meets: Vec<Req>,
    pub(crate) state: State,
    pub(crate) stats: AgentStats,
}

impl Agent {
    /// The requirements this agent meets.
    pub(crate) fn reqs(&self) -> impl Iterator<Item = Req> + '_ {
        self.meets.iter().copied()
    }

    /// The agent's proficiency in `skill`, 0 without it.
    pub(crate) fn level(&self, skill: usize) -> u8 {
        self.skills
            .iter()
            .find(|(s, _)| *s == skill)
            .map_or(0, |(_, l)| *l)
    }
}

/// Whether an agent with `skills` meets every (skill, minimum level) of `req`.
fn meets(skills: &[(usize, u8)], req: &[(usize, u8)]) -> bool {
    req.iter()
        .all(|(s, min)| skills.iter().any(|(have, level)| have == s && level >= min))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallState {
    Waiting,
    Ringing(AgentIdx),
    Connected(AgentIdx),
}

#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) queue: usize,
    /// The caller's place in the global order; only a priority change moves it, so a call
    /// that comes back from a failed offer takes up its original place.
    pub(crate) key: WaitKey,
    /// What an agent needs to be offered this call now (widens with the wait).
    pub(crate) req: Req,
    /// Widening rules applied so far.
    pub(crate) step: usize,
    /// When the next widening rule applies, while unanswered.
    pub(crate) widen_at: Option<Instant>,
    /// When an agent answered (for talk time).
    pub(crate) answered_at: Option<Instant>,
    /// When the queue's overflow rule sends the call on, while unanswered.
    pub(crate) overflow_at: Option<Instant>,
    /// Overflows so far (a cycle of rules ends after every queue was tried once).
    pub(crate) hops: usize,
    pub(crate) state: CallState,
    /// Agents offered this call in the current round that did not take it;
    /// preferred last, cleared when every ready eligible agent has had a turn.
    pub(crate) tried: Vec<AgentIdx>,
    /// Ring-all: the other agents ringing for it besides the one in `Ringing`.
    pub(crate) also: Vec<AgentIdx>,
}

/// The ACD engine. See the crate documentation for the run loop.
#[derive(Debug)]
pub struct Engine {
    pub(crate) config: EngineConfig,
    pub(crate) skills: HashMap<String, usize>,
    /// Interned requirements: sorted (skill, minimum level) lists; index 0 is "any agent".
    pub(crate) reqs: Vec<Vec<(usize, u8)>>,
    pub(crate) req_index: HashMap<Vec<(usize, u8)>, Req>,
    pub(crate) queues: Vec<Queue>,
    pub(crate) queue_index: HashMap<String, usize>,
    pub(crate) agents: Vec<Agent>,
    pub(crate) agent_index: HashMap<String, AgentIdx>,
    pub(crate) calls: HashMap<CallId, Call>,
    pub(crate) order: WaitingOrder,
    pub(crate) pool: AvailablePool,
    pub(crate) timers: TimerTable,
    /// Calls' next widening, by deadline.
    pub(crate) widenings: BTreeSet<(Instant, CallId)>,
    /// Calls' overflow by waiting time, by deadline.
    pub(crate) overflows: BTreeSet<(Instant, CallId)>,
    /// Agents logged in (in any state but LoggedOut) meeting each requirement.
    pub(crate) logged_in: Vec<u32>,
    /// State of the random strategy's generator (xorshift64*, never zero).
    pub(crate) rng: u64,
    pub(crate) actions: VecDeque<Action>,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

/// A deadline `handle_timeout` acts on.
#[derive(Debug, Clone, Copy)]
enum Due {
    Agent(AgentIdx),
    Widen(CallId),
    Overflow(CallId),
}

/// The handle time estimated waits assume before a queue has handled any call.
pub const DEFAULT_HANDLE_ESTIMATE: Duration = Duration::from_secs(180);

/// `now + d`, or `now` in the (practically impossible) case the clock
/// overflows: durations are capped at a day by configuration validation.
pub(crate) fn after(now: Instant, d: Duration) -> Instant {
    now.checked_add(d).unwrap_or(now)
}

impl Engine {
    /// An engine with default settings, no queues and no agents.
    pub fn new() -> Self {
        Self::with_config(EngineConfig::default())
    }

    /// An engine with `config` (durations above 24 h are capped).
    pub fn with_config(mut config: EngineConfig) -> Self {
        config.offer_failure_cooldown = config.offer_failure_cooldown.min(MAX_DURATION);
        let rng = config.seed.max(1);
        Self {
            config,
            skills: HashMap::new(),
            reqs: vec![Vec::new()],
            req_index: HashMap::from([(Vec::new(), Req::ANY)]),
            queues: Vec::new(),
            queue_index: HashMap::new(),
            agents: Vec::new(),
            agent_index: HashMap::new(),
            calls: HashMap::new(),
            order: WaitingOrder::new(),
            pool: AvailablePool::new(),
            timers: TimerTable::default(),
            widenings: BTreeSet::new(),
            overflows: BTreeSet::new(),
            logged_in: vec![0],
            rng,
            actions: VecDeque::new(),
        }
    }

    /// Adds a queue. Errors on an empty or duplicate name or a duration out of range.
    pub fn add_queue(&mut self, q: QueueConfig) -> Result<(), Error> {
        q.validate()?;
        if self.queue_index.contains_key(&q.name) {
            return Err(Error::DuplicateQueue { queue: q.name });
        }
        let mut steps = Vec::with_capacity(q.widen.len() + 1);
        for step in 0..=q.widen.len() {
            let req = q
                .requirement_at(step)
                .iter()
                .map(|(skill, level)| (self.intern(skill), *level))
                .collect();
            steps.push(self.intern_req(req));
        }
        let skills = q.requires.iter().map(|(s, _)| self.intern(s)).collect();
        self.queue_index.insert(q.name.clone(), self.queues.len());
        self.queues.push(Queue {
            config: q,
            steps,
            skills,
            last_offered: None,
            waiting: BTreeSet::new(),
            unanswered: BTreeSet::new(),
            counters: QueueCounters::default(),
        });
        Ok(())
    }

    /// Adds an agent, logged out. Errors on an empty or duplicate id, a
    /// proficiency outside 1..=5 or a skill listed twice.
    pub fn add_agent(&mut self, a: AgentConfig) -> Result<(), Error> {
        a.validate()?;
        if self.agent_index.contains_key(&a.id) {
            return Err(Error::DuplicateAgent { agent: a.id });
        }
        let skills: Vec<(usize, u8)> = a
            .skills
            .iter()
            .map(|(name, level)| (self.intern(name), *level))
            .collect();
        let meets = (0..self.reqs.len())
            .filter(|&r| self.reqs.get(r).is_some_and(|req| meets(&skills, req)))
            .map(Req)
            .collect();
        let idx = AgentIdx(u32::try_from(self.agents.len()).unwrap_or(u32::MAX));
        self.agent_index.insert(a.id.clone(), idx);
        self.agents.push(Agent {
            id: a.id,
            skills,
            meets,
            state: State::LoggedOut,
            stats: AgentStats::default(),
        });
        Ok(())
    }

    fn intern(&mut self, skill: &str) -> usize {
        if let Some(&s) = self.skills.get(skill) {
            return s;
        }
        let s = self.skills.len();
        self.skills.insert(skill.to_owned(), s);
        s
    }

    /// The requirement for a (skill, minimum level) list, interned; agents that meet a new
    /// one are indexed under it (and put in its pool if ready).
    fn intern_req(&mut self, mut req: Vec<(usize, u8)>) -> Req {
        req.sort_unstable();
        if let Some(&r) = self.req_index.get(&req) {
            return r;
        }
        let r = Req(self.reqs.len());
        self.order.grow_to(r.0 + 1);
        self.pool.grow_to(r.0 + 1);
        self.logged_in.push(0);
        for (i, agent) in self.agents.iter_mut().enumerate() {
            if meets(&agent.skills, &req) {
                agent.meets.push(r);
                if agent.state != State::LoggedOut {
                    if let Some(n) = self.logged_in.get_mut(r.0) {
                        *n += 1;
                    }
                }
                if let Some(since) = agent.state.ready_since() {
                    let a = AgentIdx(u32::try_from(i).unwrap_or(u32::MAX));
                    self.pool.insert(r, (since, a));
                }
            }
        }
        self.req_index.insert(req.clone(), r);
        self.reqs.push(req);
        r
    }

    /// Applies one event observed at `now`. On error nothing changed.
    pub fn handle(&mut self, now: Instant, event: Event) -> Result<(), Error> {
        match event {
            Event::CallArrived {
                call,
                queue,
                priority,
            } => self.handle_arrival(now, call, &queue, priority),
            Event::AgentLogin { agent } => self.handle_agent_input(now, &agent, Input::Login),
            Event::AgentLogout { agent } => self.handle_agent_input(now, &agent, Input::Logout),
            Event::AgentPause { agent, reason } => {
                self.handle_agent_input(now, &agent, Input::Pause(&reason))
            }
            Event::AgentUnpause { agent } => self.handle_agent_input(now, &agent, Input::Unpause),
            Event::OfferAnswered { call, agent } => self.handle_answer(now, call, &agent),
            Event::OfferFailed { call, agent } => self.handle_failure(now, call, &agent),
            Event::CallerLeft { call } | Event::CallEnded { call } => {
                self.handle_call_gone(now, call)
            }
            Event::PriorityChanged { call, priority } => self.handle_priority(now, call, priority),
        }
    }

    /// Fires every timer due at `now` (ring timeouts, cool-downs, wrap-ups, widening
    /// rules), in deadline order.
    pub fn handle_timeout(&mut self, now: Instant) {
        // The earliest due deadline of the three kinds, one at a time: agent timers first on a
        // tie, then widening, then overflow.
        loop {
            let agent = self.timers.due(now).map(|(at, a)| (at, 0, Due::Agent(a)));
            let widen = self
                .widenings
                .first()
                .map(|&(at, c)| (at, 1, Due::Widen(c)));
            let overflow = self
                .overflows
                .first()
                .map(|&(at, c)| (at, 2, Due::Overflow(c)));
            let Some((at, _, due)) = [agent, widen, overflow]
                .into_iter()
                .flatten()
                .filter(|(at, ..)| *at <= now)
                .min_by_key(|(at, rank, _)| (*at, *rank))
            else {
                break;
            };
            match due {
                Due::Widen(call) => {
                    self.widenings.remove(&(at, call));
                    self.widen(call, now);
                }
                Due::Overflow(call) => {
                    self.overflows.remove(&(at, call));
                    if let Some(c) = self.calls.get_mut(&call) {
                        c.overflow_at = None;
                    }
                    self.overflow(call, now);
                }
                Due::Agent(a) => {
                    // Every round removes the entry it handles, and every deadline a
                    // transition sets is after `now` (or leads to a state without one),
                    // so the loop always ends even if the table and a state disagreed.
                    self.timers.clear(at, a);
                    let current = self.agents.get(a.0 as usize).and_then(|x| x.state.timer());
                    if current.map(|(_, t)| t) != Some(at) {
                        continue;
                    }
                    if let Ok(effect) = self.transition(a, Input::TimerFired, now) {
                        self.apply_effect(a, effect, now);
                    }
                    self.match_agent(a, now);
                }
            }
        }
    }

    /// The earliest instant [`Engine::handle_timeout`] has work to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.timers.earliest(),
            self.widenings.first().map(|(at, _)| *at),
            self.overflows.first().map(|(at, _)| *at),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The next action for the call control, oldest first.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The agent's state, or `None` for an unknown agent.
    pub fn agent_state(&self, agent: &str) -> Option<AgentState> {
        self.agent(agent).map(|a| a.state.view())
    }

    /// The agent's counters, or `None` for an unknown agent.
    pub fn agent_stats(&self, agent: &str) -> Option<AgentStats> {
        self.agent(agent).map(|a| a.stats.clone())
    }

    /// Agent ids in the order they were added.
    pub fn agents(&self) -> impl Iterator<Item = &str> {
        self.agents.iter().map(|a| a.id.as_str())
    }

    /// Queue names in the order they were added.
    pub fn queues(&self) -> impl Iterator<Item = &str> {
        self.queues.iter().map(|q| q.config.name.as_str())
    }

    /// Where the call is, or `None` if the engine does not know it.
    pub fn call_status(&self, call: CallId) -> Option<CallStatus> {
        let c = self.calls.get(&call)?;
        let id = |a: AgentIdx| {
            self.agents
                .get(a.0 as usize)
                .map(|x| x.id.clone())
                .unwrap_or_default()
        };
        Some(match c.state {
            CallState::Waiting => CallStatus::Waiting,
            CallState::Ringing(a) => CallStatus::Ringing { agent: id(a) },
            CallState::Connected(a) => CallStatus::Connected { agent: id(a) },
        })
    }

    /// 1-based position of a waiting call among the waiting callers of its own
    /// queue (in the global order); `None` if the call is not waiting (unknown,
    /// ringing or answered). O(position).
    pub fn queue_position(&self, call: CallId) -> Option<usize> {
        let c = self.calls.get(&call)?;
        if c.state != CallState::Waiting {
            return None;
        }
        let q = self.queues.get(c.queue)?;
        Some(q.waiting.range(..c.key).count() + 1)
    }

    /// How many agents are in each state. O(agents).
    pub fn agent_counts(&self) -> AgentCounts {
        let mut n = AgentCounts::default();
        for a in &self.agents {
            let slot = match a.state {
                State::LoggedOut => &mut n.logged_out,
                State::Available { .. } => &mut n.available,
                State::Reserved { .. } => &mut n.reserved,
                State::OnCall { .. } => &mut n.on_call,
                State::WrapUp { .. } => &mut n.wrap_up,
                State::Paused { .. } => &mut n.paused,
            };
            *slot += 1;
        }
        n
    }

    /// Talk time of all agents so far (for occupancy over an interval).
    pub fn total_talk_time(&self) -> Duration {
        self.agents.iter().map(|a| a.stats.talk_time).sum()
    }

    /// A waiting call's place among the callers waiting for the same agents (1: next), in the
    /// one global order; `None` unless it is waiting. O(position).
    pub fn wait_position(&self, call: CallId) -> Option<usize> {
        let c = self.calls.get(&call)?;
        if c.state != CallState::Waiting {
            return None;
        }
        Some(self.order.iter(c.req).take_while(|k| *k < c.key).count() + 1)
    }

    /// A waiting call's estimated wait: its position times the queue's average handle time
    /// (talk plus wrap-up of its calls so far, else [`DEFAULT_HANDLE_ESTIMATE`]) over the
    /// agents logged in and not paused who may take it (at least one). `None` unless it is
    /// waiting.
    pub fn estimated_wait(&self, call: CallId) -> Option<Duration> {
        let position = self.wait_position(call)?;
        let c = self.calls.get(&call)?;
        let q = self.queues.get(c.queue)?;
        let aht = match u32::try_from(q.counters.handled).ok().filter(|n| *n > 0) {
            Some(n) => q.counters.handle_time / n,
            None => DEFAULT_HANDLE_ESTIMATE,
        };
        // Agents who may take the call and are not on a break. O(agents).
        let paused = self
            .agents
            .iter()
            .filter(|a| matches!(a.state, State::Paused { .. }) && a.meets.contains(&c.req))
            .count();
        let logged_in = self.logged_in.get(c.req.0).copied().unwrap_or(0);
        let working = logged_in
            .saturating_sub(u32::try_from(paused).unwrap_or(u32::MAX))
            .max(1);
        let position = u32::try_from(position).unwrap_or(u32::MAX);
        Some(aht.saturating_mul(position) / working)
    }

    /// Callers waiting for an agent across all queues (not counting those ringing).
    pub fn waiting(&self) -> usize {
        self.order.total()
    }

    /// A snapshot of the queue's counters, or `None` for an unknown queue.
    pub fn stats(&self, queue: &str) -> Option<QueueStats> {
        let q = self.queues.get(*self.queue_index.get(queue)?)?;
        let c = &q.counters;
        Some(QueueStats {
            offered: c.offered,
            answered: c.answered,
            abandoned: c.abandoned,
            overflowed: c.overflowed,
            short_abandoned: c.short_abandoned,
            answered_within_sl: c.answered_within_sl,
            total_wait: c.total_wait,
            waiting: q.waiting.len(),
            ringing: q.unanswered.len().saturating_sub(q.waiting.len()),
            oldest_arrival: q.unanswered.first().map(|(t, _)| *t),
        })
    }

    fn agent(&self, agent: &str) -> Option<&Agent> {
        self.agents.get(self.agent_index.get(agent)?.0 as usize)
    }

    fn agent_idx(&self, agent: &str) -> Result<AgentIdx, Error> {
        self.agent_index
            .get(agent)
            .copied()
            .ok_or_else(|| Error::UnknownAgent {
                agent: agent.to_owned(),
            })
    }

    fn handle_arrival(
        &mut self,
        now: Instant,
        call: CallId,
        queue: &str,
        priority: i32,
    ) -> Result<(), Error> {
        let qi = *self
            .queue_index
            .get(queue)
            .ok_or_else(|| Error::UnknownQueue {
                queue: queue.to_owned(),
            })?;
        if self.calls.contains_key(&call) {
            return Err(Error::DuplicateCall { call });
        }
        let key = WaitKey {
            priority: std::cmp::Reverse(priority),
            arrival: now,
            call,
        };
        let (req, widen_at, overflow_at) =
            self.queues.get(qi).map_or((Req::ANY, None, None), |q| {
                let first = q.config.widen.first().map(|w| after(now, w.after));
                let overflow = q
                    .config
                    .overflow
                    .as_ref()
                    .and_then(|o| o.after)
                    .map(|d| after(now, d));
                (
                    q.steps.first().copied().unwrap_or(Req::ANY),
                    first,
                    overflow,
                )
            });
        if let Some(at) = widen_at {
            self.widenings.insert((at, call));
        }
        if let Some(at) = overflow_at {
            self.overflows.insert((at, call));
        }
        self.calls.insert(
            call,
            Call {
                queue: qi,
                key,
                req,
                step: 0,
                widen_at,
                answered_at: None,
                overflow_at,
                hops: 0,
                state: CallState::Waiting,
                tried: Vec::new(),
                also: Vec::new(),
            },
        );
        if let Some(q) = self.queues.get_mut(qi) {
            q.counters.offered += 1;
            q.unanswered.insert((now, call));
        }
        if self.overflows_on_entry(qi) {
            self.overflow(call, now);
            return Ok(());
        }
        self.enqueue(call);
        self.match_call(call, None, now);
        Ok(())
    }

    fn handle_agent_input(
        &mut self,
        now: Instant,
        agent: &str,
        input: Input<'_>,
    ) -> Result<(), Error> {
        let a = self.agent_idx(agent)?;
        let effect = self
            .transition(a, input, now)
            .map_err(|r| self.refused(a, r, input))?;
        if matches!(input, Input::Unpause | Input::Login) {
            // A fresh start: earlier unanswered offers no longer count towards auto-pause.
            if let Some(x) = self.agents.get_mut(a.0 as usize) {
                x.stats.no_answer_streak = 0;
            }
        }
        self.apply_effect(a, effect, now);
        self.match_agent(a, now);
        if matches!(input, Input::Logout) {
            self.overflow_unstaffed(now);
        }
        Ok(())
    }

    /// The call must be ringing at this agent, else the answer is stale.
    fn offered_to(&self, call: CallId, agent: &str) -> Result<AgentIdx, Error> {
        let a = self.agent_idx(agent)?;
        let c = self.calls.get(&call).ok_or(Error::UnknownCall { call })?;
        if c.state != CallState::Ringing(a) && !c.also.contains(&a) {
            return Err(Error::NotOffered {
                call,
                agent: agent.to_owned(),
            });
        }
        Ok(a)
    }

    fn handle_answer(&mut self, now: Instant, call: CallId, agent: &str) -> Result<(), Error> {
        let a = self.offered_to(call, agent)?;
        self.transition(a, Input::Answered(call), now)
            .map_err(|r| self.refused(a, r, Input::Answered(call)))?;
        // Ring-all: everyone else stops ringing and keeps its place in the idle line.
        let others: Vec<AgentIdx> = self
            .ringing_agents(call)
            .into_iter()
            .filter(|x| *x != a)
            .collect();
        if let Some(c) = self.calls.get_mut(&call) {
            c.also.clear();
        }
        for x in &others {
            self.cancel_offer(call, *x);
            let _ = self.transition(*x, Input::Withdrawn(call), now);
        }
        if let Some(c) = self.calls.get_mut(&call) {
            c.state = CallState::Connected(a);
            c.answered_at = Some(now);
            if let Some(at) = c.widen_at.take() {
                self.widenings.remove(&(at, call));
            }
            if let Some(at) = c.overflow_at.take() {
                self.overflows.remove(&(at, call));
            }
            if let Some(q) = self.queues.get_mut(c.queue) {
                q.unanswered.remove(&(c.key.arrival, call));
                let wait = now.saturating_duration_since(c.key.arrival);
                q.counters.record_answer(wait, q.config.service_level);
            }
        }
        if let Some(x) = self.agents.get_mut(a.0 as usize) {
            x.stats.answered += 1;
            x.stats.no_answer_streak = 0;
        }
        for x in others {
            self.match_agent(x, now);
        }
        Ok(())
    }

    /// Every agent ringing for `call` (one, or several under ring-all).
    pub(crate) fn ringing_agents(&self, call: CallId) -> Vec<AgentIdx> {
        match self.calls.get(&call) {
            Some(Call {
                state: CallState::Ringing(a),
                also,
                ..
            }) => std::iter::once(*a).chain(also.iter().copied()).collect(),
            _ => Vec::new(),
        }
    }

    /// Ring-all: agent `a` stopped ringing for `call` (no answer, failed, paused); returns
    /// true if others still ring, so the call stays offered.
    fn drop_ringer(&mut self, call: CallId, a: AgentIdx) -> bool {
        let Some(c) = self.calls.get_mut(&call) else {
            return false;
        };
        if c.also.is_empty() {
            return false;
        }
        if c.state == CallState::Ringing(a) {
            let next = c.also.remove(0);
            c.state = CallState::Ringing(next);
        } else {
            c.also.retain(|x| *x != a);
        }
        if !c.tried.contains(&a) {
            c.tried.push(a);
        }
        true
    }

    fn handle_failure(&mut self, now: Instant, call: CallId, agent: &str) -> Result<(), Error> {
        let a = self.offered_to(call, agent)?;
        let input = Input::Failed {
            call,
            cooldown_until: after(now, self.config.offer_failure_cooldown),
        };
        self.transition(a, input, now)
            .map_err(|r| self.refused(a, r, input))?;
        if let Some(x) = self.agents.get_mut(a.0 as usize) {
            x.stats.failed += 1;
            x.stats.no_answer_streak = x.stats.no_answer_streak.saturating_add(1);
        }
        // The call control already knows the INVITE failed: no CancelOffer.
        if self.drop_ringer(call, a) {
            self.auto_pause(a, now);
            self.match_agent(a, now);
            return Ok(());
        }
        self.requeue(call, Some(a));
        self.auto_pause(a, now);
        // Another agent first. With a zero cool-down this agent is ready again
        // at once, and then serves the head of the order (which may be an older
        // caller than this one).
        self.match_call(call, Some(a), now);
        self.match_agent(a, now);
        Ok(())
    }

    /// Caller hung up (waiting, ringing) or an answered call ended.
    fn handle_call_gone(&mut self, now: Instant, call: CallId) -> Result<(), Error> {
        let c = self
            .calls
            .remove(&call)
            .ok_or(Error::UnknownCall { call })?;
        if let Some(at) = c.widen_at {
            self.widenings.remove(&(at, call));
        }
        if let Some(at) = c.overflow_at {
            self.overflows.remove(&(at, call));
        }
        let short = now.saturating_duration_since(c.key.arrival) <= self.config.short_abandon;
        let q = self.queues.get_mut(c.queue);
        match c.state {
            CallState::Waiting => {
                self.order.remove(c.req, &c.key);
                if let Some(q) = q {
                    q.waiting.remove(&c.key);
                    q.unanswered.remove(&(c.key.arrival, call));
                    q.counters.abandoned += 1;
                    q.counters.short_abandoned += u64::from(short);
                }
            }
            CallState::Ringing(a) => {
                if let Some(q) = q {
                    q.unanswered.remove(&(c.key.arrival, call));
                    q.counters.abandoned += 1;
                    q.counters.short_abandoned += u64::from(short);
                }
                let ringers: Vec<AgentIdx> =
                    std::iter::once(a).chain(c.also.iter().copied()).collect();
                for x in &ringers {
                    self.cancel_offer(call, *x);
                    // Ok by construction: the call was ringing at this agent.
                    let _ = self.transition(*x, Input::Withdrawn(call), now);
                }
                for x in ringers {
                    self.match_agent(x, now);
                }
            }
            CallState::Connected(a) => {
                let talk = c
                    .answered_at
                    .map_or(Duration::ZERO, |since| now.saturating_duration_since(since));
                let wrap = q.as_ref().map_or(Duration::ZERO, |q| q.config.wrap_up);
                if let Some(q) = q {
                    q.counters.handled += 1;
                    q.counters.handle_time = q.counters.handle_time.saturating_add(talk + wrap);
                }
                if let Some(x) = self.agents.get_mut(a.0 as usize) {
                    x.stats.talk_time = x.stats.talk_time.saturating_add(talk);
                }
                let wrap_until = (!wrap.is_zero()).then(|| after(now, wrap));
                let _ = self.transition(a, Input::CallEnded { call, wrap_until }, now);
                self.match_agent(a, now);
                // A logout pending on the call takes effect now.
                self.overflow_unstaffed(now);
            }
        }
        Ok(())
    }

    /// Runs the agent state machine and keeps the pool and the timer table in
    /// step with the new state.
    pub(crate) fn transition(
        &mut self,
        a: AgentIdx,
        input: Input<'_>,
        now: Instant,
    ) -> Result<Effect, Refusal> {
        let Some(agent) = self.agents.get_mut(a.0 as usize) else {
            return Err(Refusal::Stale);
        };
        let (state, effect) = agent::next(&agent.state, input, now)?;
        let old = mem::replace(&mut agent.state, state);
        let was_in = old != State::LoggedOut;
        let is_in = agent.state != State::LoggedOut;
        if was_in != is_in {
            for req in agent.reqs() {
                if let Some(n) = self.logged_in.get_mut(req.0) {
                    *n = if is_in { *n + 1 } else { n.saturating_sub(1) };
                }
            }
        }
        if let Some(since) = old.ready_since() {
            for req in agent.reqs() {
                self.pool.remove(req, &(since, a));
            }
        }
        if let Some((_, at)) = old.timer() {
            self.timers.clear(at, a);
        }
        if let Some(since) = agent.state.ready_since() {
            for req in agent.reqs() {
                self.pool.insert(req, (since, a));
            }
        }
        if let Some((_, at)) = agent.state.timer() {
            self.timers.set(at, a);
        }
        Ok(effect)
    }

    fn apply_effect(&mut self, a: AgentIdx, effect: Effect, now: Instant) {
        match effect {
            Effect::None => {}
            Effect::Requeue(call) => {
                self.cancel_offer(call, a);
                if self.drop_ringer(call, a) {
                    return;
                }
                self.requeue(call, None);
                self.match_call(call, None, now);
            }
            Effect::NoAnswer(call) => {
                if let Some(x) = self.agents.get_mut(a.0 as usize) {
                    x.stats.no_answer += 1;
                    x.stats.no_answer_streak = x.stats.no_answer_streak.saturating_add(1);
                }
                self.cancel_offer(call, a);
                if self.drop_ringer(call, a) {
                    self.auto_pause(a, now);
                    return;
                }
                self.requeue(call, Some(a));
                self.auto_pause(a, now);
                // Another agent first; the one that just rang out only gets the
                // call back (through `match_agent`) if nobody else is ready and
                // no caller ahead of this one wants it.
                self.match_call(call, Some(a), now);
            }
        }
    }

    /// Pauses an agent whose unanswered offers in a row reached the configured limit.
    fn auto_pause(&mut self, a: AgentIdx, now: Instant) {
        let Some(limit) = self.config.auto_pause_after else {
            return;
        };
        let streak = self
            .agents
            .get(a.0 as usize)
            .map_or(0, |x| x.stats.no_answer_streak);
        if streak < limit {
            return;
        }
        if self
            .transition(a, Input::Pause(AUTO_PAUSE_REASON), now)
            .is_ok()
        {
            let agent = self
                .agents
                .get(a.0 as usize)
                .map(|x| x.id.clone())
                .unwrap_or_default();
            self.actions.push_back(Action::AgentPaused {
                agent,
                reason: AUTO_PAUSE_REASON.to_owned(),
            });
        }
    }

    /// The next widening rule applies to `call`: it may now be offered to more agents.
    fn widen(&mut self, call: CallId, now: Instant) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let Some(q) = self.queues.get(c.queue) else {
            return;
        };
        let step = c.step + 1;
        let Some(&req) = q.steps.get(step) else {
            return;
        };
        let next_at = q
            .config
            .widen
            .get(step)
            .map(|w| after(c.key.arrival, w.after));
        let (old, key, waiting) = (c.req, c.key, c.state == CallState::Waiting);
        if waiting {
            self.order.remove(old, &key);
        }
        if let Some(c) = self.calls.get_mut(&call) {
            c.req = req;
            c.step = step;
            c.widen_at = next_at;
        }
        if let Some(at) = next_at {
            self.widenings.insert((at, call));
        }
        if waiting {
            self.order.insert(req, key);
            self.match_call(call, None, now);
        }
    }

    /// Whether a caller entering queue `qi` goes on at once: the queue is full, or nobody who
    /// could ever take its calls is logged in.
    fn overflows_on_entry(&self, qi: usize) -> bool {
        let Some(q) = self.queues.get(qi) else {
            return false;
        };
        let Some(o) = &q.config.overflow else {
            return false;
        };
        let full = o.max_waiting.is_some_and(|max| q.waiting.len() >= max);
        full || (o.when_no_agents && !self.staffed(qi))
    }

    /// Someone logged in meets the queue's widest requirement.
    fn staffed(&self, qi: usize) -> bool {
        self.queues
            .get(qi)
            .and_then(|q| q.steps.last())
            .and_then(|r| self.logged_in.get(r.0))
            .is_some_and(|n| *n > 0)
    }

    /// The last agent who could serve a queue with `when_no_agents` logged out: its callers go.
    fn overflow_unstaffed(&mut self, now: Instant) {
        for qi in 0..self.queues.len() {
            let rule = self.queues[qi]
                .config
                .overflow
                .as_ref()
                .is_some_and(|o| o.when_no_agents);
            if !rule || self.staffed(qi) {
                continue;
            }
            let calls: Vec<CallId> = self.queues[qi].unanswered.iter().map(|(_, c)| *c).collect();
            for call in calls {
                self.overflow(call, now);
            }
        }
    }

    /// Sends an unanswered call on by its queue's overflow rule: into another queue (keeping
    /// its arrival, so its place in the order) or out of the engine.
    fn overflow(&mut self, call: CallId, now: Instant) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let from = c.queue;
        let Some(rule) = self
            .queues
            .get(from)
            .and_then(|q| q.config.overflow.clone())
        else {
            return;
        };
        let (arrival, hops) = (c.key.arrival, c.hops);
        let target = self.queue_index.get(&rule.to).copied();
        if target.is_some() && hops >= self.queues.len() {
            // Rules that send callers round in a circle: the caller stays where it is.
            return;
        }
        let mut freed = Vec::new();
        match c.state {
            CallState::Connected(_) => return,
            CallState::Waiting => self.dequeue(call),
            CallState::Ringing(_) => {
                for a in self.ringing_agents(call) {
                    self.cancel_offer(call, a);
                    let _ = self.transition(a, Input::Withdrawn(call), now);
                    freed.push(a);
                }
                if let Some(c) = self.calls.get_mut(&call) {
                    c.also.clear();
                }
            }
        }
        if let Some(c) = self.calls.get_mut(&call) {
            if let Some(at) = c.widen_at.take() {
                self.widenings.remove(&(at, call));
            }
            if let Some(at) = c.overflow_at.take() {
                self.overflows.remove(&(at, call));
            }
        }
        let from_name = match self.queues.get_mut(from) {
            Some(q) => {
                q.unanswered.remove(&(arrival, call));
                q.counters.overflowed += 1;
                q.config.name.clone()
            }
            None => String::new(),
        };
        match target {
            Some(to) => {
                let waited = now.saturating_duration_since(arrival);
                let Some(tq) = self.queues.get_mut(to) else {
                    return;
                };
                let step = tq
                    .config
                    .widen
                    .iter()
                    .take_while(|w| w.after <= waited)
                    .count();
                let req = tq.steps.get(step).copied().unwrap_or(Req::ANY);
                let widen_at = tq.config.widen.get(step).map(|w| after(arrival, w.after));
                let overflow_at = tq
                    .config
                    .overflow
                    .as_ref()
                    .and_then(|o| o.after)
                    .map(|d| after(now, d));
                tq.counters.offered += 1;
                tq.unanswered.insert((arrival, call));
                let to_name = tq.config.name.clone();
                if let Some(c) = self.calls.get_mut(&call) {
                    c.queue = to;
                    c.req = req;
                    c.step = step;
                    c.widen_at = widen_at;
                    c.overflow_at = overflow_at;
                    c.hops += 1;
                    c.state = CallState::Waiting;
                    c.tried.clear();
                }
                if let Some(at) = widen_at {
                    self.widenings.insert((at, call));
                }
                if let Some(at) = overflow_at {
                    self.overflows.insert((at, call));
                }
                self.actions.push_back(Action::Overflowed {
                    call,
                    from: from_name,
                    to: to_name,
                });
                if self.overflows_on_entry(to) && hops + 1 < self.queues.len() {
                    self.overflow(call, now);
                } else {
                    self.enqueue(call);
                    self.match_call(call, None, now);
                }
            }
            None => {
                self.calls.remove(&call);
                self.actions.push_back(Action::Released {
                    call,
                    from: from_name,
                    to: rule.to,
                });
            }
        }
        for a in freed {
            self.match_agent(a, now);
        }
    }

    /// A waiting caller's priority changed: it moves in the order (keeping its arrival).
    fn handle_priority(&mut self, now: Instant, call: CallId, priority: i32) -> Result<(), Error> {
        let c = self.calls.get(&call).ok_or(Error::UnknownCall { call })?;
        let waiting = c.state == CallState::Waiting;
        if waiting {
            self.dequeue(call);
        }
        if let Some(c) = self.calls.get_mut(&call) {
            c.key.priority = std::cmp::Reverse(priority);
        }
        if waiting {
            self.enqueue(call);
            self.match_call(call, None, now);
        }
        Ok(())
    }

    fn cancel_offer(&mut self, call: CallId, a: AgentIdx) {
        let agent = self
            .agents
            .get(a.0 as usize)
            .map(|x| x.id.clone())
            .unwrap_or_default();
        self.actions.push_back(Action::CancelOffer { call, agent });
    }

    fn refused(&self, a: AgentIdx, r: Refusal, input: Input<'_>) -> Error {
        let (agent, state) = self
            .agents
            .get(a.0 as usize)
            .map_or((String::new(), "unknown"), |x| {
                (x.id.clone(), x.state.name())
            });
        match (r, input) {
            (Refusal::AlreadyLoggedIn, _) => Error::AlreadyLoggedIn { agent },
            (Refusal::NotLoggedIn, _) => Error::NotLoggedIn { agent },
            (Refusal::NotPaused, _) => Error::NotPaused { agent },
            (Refusal::Stale, Input::Answered(call) | Input::Failed { call, .. }) => {
                Error::NotOffered { call, agent }
            }
            (Refusal::Stale, _) => Error::InvalidTransition {
                agent,
                state,
                event: input.name(),
            },
        }
    }
}
