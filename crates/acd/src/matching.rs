//! Matching callers and agents in the global order.
//!
//! Two entry points, each run right after the one change that can break the
//! invariant "no waiting caller has a ready eligible agent":
//!
//! - [`Engine::match_call`], when a caller starts waiting (arrival, or back from
//!   an offer): it takes the longest-idle ready agent that meets its
//!   requirement. Any agent ready before this caller arrived was, by the
//!   invariant, not eligible for anyone else waiting, so no one is overtaken.
//! - [`Engine::match_agent`], when an agent becomes ready: it takes the head of
//!   the global order among the requirements it meets.
//!
//! A call that rang out or failed remembers the agents tried in this round
//! (`Call::tried`) and goes to an untried ready agent first; only when every
//! ready eligible agent has been tried does the round restart, so an offer
//! round-trips through all eligible agents instead of bouncing between two.
//!
//! Which ready agent a new caller gets is the queue's [`Strategy`]; which caller a
//! freed agent gets is always the head of the global order among the requirements
//! it meets (strategies choose between agents, never between callers).
//!
//! Cost: `match_call` is O(log m + t) for longest-idle, with m ready agents and t
//! agents already tried for that call, and O(m) for the other strategies (they
//! look at every ready eligible agent); `match_agent` is O(r log n) for r
//! requirements the agent meets and n callers waiting; offering is
//! O(r log m + log n).

use std::cmp::Reverse;
use std::time::Instant;

use crate::config::Strategy;
use crate::engine::{CallState, after};
use crate::order::AgentIdx;
use crate::{Action, CallId, Engine, agent::Input};

impl Engine {
    /// Offers a waiting `call` to the best ready agent other than `exclude`.
    pub(crate) fn match_call(&mut self, call: CallId, exclude: Option<AgentIdx>, now: Instant) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        if c.state != CallState::Waiting {
            return;
        }
        let Some(strategy) = self.queues.get(c.queue).map(|q| q.config.strategy) else {
            return;
        };
        let req = c.req;
        let mut first_tried = None;
        let mut tried_ready: Vec<AgentIdx> = Vec::new();
        let mut untried: Vec<(Instant, AgentIdx)> = Vec::new();
        // Ring-all rings everyone, the agent that just rang out included.
        let exclude = exclude.filter(|_| strategy != Strategy::RingAll);
        for (since, a) in self.pool.iter(req) {
            if Some(a) == exclude {
                continue;
            }
            if c.tried.contains(&a) {
                first_tried.get_or_insert(a);
                if strategy == Strategy::RingAll {
                    tried_ready.push(a);
                }
                continue;
            }
            untried.push((since, a));
            if strategy == Strategy::LongestIdle {
                // The pool is in idle order: the first untried agent is the choice.
                break;
            }
        }
        if strategy == Strategy::RingAll {
            // Everyone ready who may take it; when all of them rang out in the last round,
            // a new round rings them all again.
            let mut all: Vec<AgentIdx> = untried.iter().map(|(_, a)| *a).collect();
            if all.is_empty() {
                all = tried_ready;
                if let Some(c) = self.calls.get_mut(&call) {
                    c.tried.clear();
                }
            }
            let mut ringers = all.into_iter();
            if let Some(first) = ringers.next() {
                self.offer(call, first, now);
                for a in ringers {
                    self.offer_also(call, a, now);
                }
            }
            return;
        }
        let chosen = self.choose(call, strategy, &untried);
        if let Some(a) = chosen.or(first_tried) {
            self.offer(call, a, now);
        }
    }

    /// Ring-all: rings agent `a` too for `call`, already ringing elsewhere.
    fn offer_also(&mut self, call: CallId, a: AgentIdx, now: Instant) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        if !matches!(c.state, CallState::Ringing(_)) {
            return;
        }
        let Some(ring_timeout) = self.queues.get(c.queue).map(|q| q.config.ring_timeout) else {
            return;
        };
        let ring_deadline = after(now, ring_timeout);
        let offered = Input::Offer {
            call,
            ring_deadline,
        };
        if self.transition(a, offered, now).is_err() {
            return;
        }
        if let Some(c) = self.calls.get_mut(&call) {
            c.also.push(a);
        }
        self.emit_offer(call, a, ring_deadline);
    }

    /// Tells the call control to ring agent `a`'s phone for `call`.
    fn emit_offer(&mut self, call: CallId, a: AgentIdx, ring_deadline: Instant) {
        let agent = self
            .agents
            .get(a.0 as usize)
            .map(|x| x.id.clone())
            .unwrap_or_default();
        self.actions.push_back(Action::Offer {
            call,
            agent,
            ring_deadline,
        });
    }

    /// The agent `strategy` picks among `candidates` (ready, eligible, untried; in idle
    /// order) for `call`.
    fn choose(
        &mut self,
        call: CallId,
        strategy: Strategy,
        candidates: &[(Instant, AgentIdx)],
    ) -> Option<AgentIdx> {
        let agent = |a: AgentIdx| self.agents.get(a.0 as usize);
        let queue = self.calls.get(&call).and_then(|c| self.queues.get(c.queue));
        match strategy {
            Strategy::LongestIdle | Strategy::RingAll => candidates.first().map(|(_, a)| *a),
            Strategy::Linear => candidates.iter().map(|(_, a)| *a).min(),
            Strategy::RoundRobin => {
                let last = queue.and_then(|q| q.last_offered);
                let after_last = candidates
                    .iter()
                    .map(|(_, a)| *a)
                    .filter(|a| last.is_none_or(|l| *a > l))
                    .min();
                after_last.or_else(|| candidates.iter().map(|(_, a)| *a).min())
            }
            Strategy::FewestCalls => candidates
                .iter()
                .min_by_key(|(since, a)| (agent(*a).map_or(0, |x| x.stats.answered), *since, *a))
                .map(|(_, a)| *a),
            Strategy::LeastTalkTime => candidates
                .iter()
                .min_by_key(|(since, a)| (agent(*a).map(|x| x.stats.talk_time), *since, *a))
                .map(|(_, a)| *a),
            Strategy::SkillWeighted => {
                let skills = queue.map(|q| q.skills.as_slice()).unwrap_or(&[]);
                candidates
                    .iter()
                    .min_by_key(|(since, a)| {
                        let score: u32 = agent(*a)
                            .map_or(0, |x| skills.iter().map(|s| u32::from(x.level(*s))).sum());
                        (Reverse(score), *since, *a)
                    })
                    .map(|(_, a)| *a)
            }
            Strategy::Random => {
                if candidates.is_empty() {
                    None
                } else {
                    let n = u64::try_from(candidates.len()).unwrap_or(u64::MAX);
                    let i = usize::try_from(self.next_random() % n).unwrap_or(0);
                    candidates.get(i).map(|(_, a)| *a)
                }
            }
        }
    }

    /// xorshift64*: small, fast and reproducible from the configured seed.
    fn next_random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Offers a ready agent the longest-waiting caller it is eligible for.
    pub(crate) fn match_agent(&mut self, a: AgentIdx, now: Instant) {
        let Some(agent) = self.agents.get(a.0 as usize) else {
            return;
        };
        if agent.state.ready_since().is_none() {
            return;
        }
        let head = agent.reqs().filter_map(|req| self.order.first(req)).min();
        if let Some(key) = head {
            self.offer(key.call, a, now);
        }
    }

    /// Reserves agent `a` for the waiting `call` and emits the offer.
    fn offer(&mut self, call: CallId, a: AgentIdx, now: Instant) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let Some(ring_timeout) = self.queues.get(c.queue).map(|q| q.config.ring_timeout) else {
            return;
        };
        let ring_deadline = after(now, ring_timeout);
        if self
            .transition(
                a,
                Input::Offer {
                    call,
                    ring_deadline,
                },
                now,
            )
            .is_err()
        {
            return;
        }
        self.dequeue(call);
        if let Some(c) = self.calls.get_mut(&call) {
            if let Some(q) = self.queues.get_mut(c.queue) {
                q.last_offered = Some(a);
            }
            c.state = CallState::Ringing(a);
            // Offering an agent already tried means everyone ready had a turn.
            if c.tried.contains(&a) {
                c.tried.clear();
            }
        }
        self.emit_offer(call, a, ring_deadline);
    }

    /// Puts an offered call back in its original place in the order.
    pub(crate) fn requeue(&mut self, call: CallId, tried: Option<AgentIdx>) {
        if let Some(c) = self.calls.get_mut(&call) {
            c.state = CallState::Waiting;
            if let Some(a) = tried.filter(|a| !c.tried.contains(a)) {
                c.tried.push(a);
            }
        }
        self.enqueue(call);
    }

    pub(crate) fn enqueue(&mut self, call: CallId) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        if let Some(q) = self.queues.get_mut(c.queue) {
            q.waiting.insert(c.key);
            self.order.insert(c.req, c.key);
        }
    }

    pub(crate) fn dequeue(&mut self, call: CallId) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        if let Some(q) = self.queues.get_mut(c.queue) {
            q.waiting.remove(&c.key);
            self.order.remove(c.req, &c.key);
        }
    }
}
