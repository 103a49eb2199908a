//! The one global order of waiting callers, and the indexes matching uses.
//!
//! All waiting callers are ordered by priority (higher first), then arrival
//! (earlier first), then call id (so equal instants still give a total order).
//! Callers are kept in one ordered set per *requirement* (the skills a queue
//! needs with their minimum proficiencies, as widened so far; or none), not per
//! queue: an agent that becomes free looks at the head of each requirement it
//! meets and takes the smallest key, which is exactly the longest-waiting caller
//! in the global order among everything it may take. Queues with the same
//! requirement share a set, so this costs O(r log n) for an agent meeting r
//! requirements and n callers waiting, independent of the number of queues.
//!
//! Available agents are indexed the same way: one set per requirement ordered
//! by (idle since, agent), so a new caller finds the longest-idle eligible agent
//! in O(log m) for m available agents.

use std::cmp::Reverse;
use std::collections::BTreeSet;
use std::time::Instant;

use crate::CallId;

/// Index of an agent in the engine's table; agents are never removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct AgentIdx(pub(crate) u32);

/// A requirement a caller has of an agent: an interned list of (skill, minimum
/// proficiency); index 0 is "any agent". A queue has one per widening step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Req(pub(crate) usize);

impl Req {
    pub(crate) const ANY: Req = Req(0);
}

/// A caller's place in the global order; smaller is served first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct WaitKey {
    pub(crate) priority: Reverse<i32>,
    pub(crate) arrival: Instant,
    pub(crate) call: CallId,
}

/// One ordered set per requirement; sets grow as skills are interned.
#[derive(Debug)]
pub(crate) struct ByReq<K: Ord> {
    sets: Vec<BTreeSet<K>>,
}

impl<K: Ord + Copy> ByReq<K> {
    pub(crate) fn new() -> Self {
        Self {
            sets: vec![BTreeSet::new()],
        }
    }

    /// Makes room for requirements up to `Req(n - 1)`.
    pub(crate) fn grow_to(&mut self, n: usize) {
        if self.sets.len() < n {
            self.sets.resize_with(n, BTreeSet::new);
        }
    }

    pub(crate) fn insert(&mut self, req: Req, key: K) {
        self.grow_to(req.0 + 1);
        if let Some(set) = self.sets.get_mut(req.0) {
            set.insert(key);
        }
    }

    pub(crate) fn remove(&mut self, req: Req, key: &K) -> bool {
        self.sets.get_mut(req.0).is_some_and(|set| set.remove(key))
    }

    pub(crate) fn first(&self, req: Req) -> Option<K> {
        self.sets.get(req.0).and_then(|set| set.first().copied())
    }

    /// Keys of one requirement in order.
    pub(crate) fn iter(&self, req: Req) -> impl Iterator<Item = K> + '_ {
        self.sets.get(req.0).into_iter().flatten().copied()
    }

    /// Total number of keys, counting each set once.
    pub(crate) fn total(&self) -> usize {
        self.sets.iter().map(BTreeSet::len).sum()
    }
}

/// Waiting callers, one set per requirement (each caller is in exactly one).
pub(crate) type WaitingOrder = ByReq<WaitKey>;

/// Ready agents by (idle since, agent), one set per requirement (an agent is in
/// the "any" set and in the set of each of its skills).
pub(crate) type AvailablePool = ByReq<(Instant, AgentIdx)>;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn higher_priority_then_earlier_arrival_comes_first() {
        let t = Instant::now();
        let key = |priority, secs, call| WaitKey {
            priority: Reverse(priority),
            arrival: t + Duration::from_secs(secs),
            call: CallId(call),
        };
        let mut order = WaitingOrder::new();
        order.insert(Req::ANY, key(0, 1, 1));
        order.insert(Req::ANY, key(0, 0, 2));
        order.insert(Req::ANY, key(5, 9, 3));
        order.insert(Req::ANY, key(0, 0, 0));
        let calls: Vec<u64> = order.iter(Req::ANY).map(|k| k.call.0).collect();
        assert_eq!(calls, [3, 0, 2, 1]);
    }

    #[test]
    fn sets_grow_on_demand_and_unknown_requirements_are_empty() {
        let mut pool = AvailablePool::new();
        assert_eq!(pool.first(Req(4)), None);
        let t = Instant::now();
        pool.insert(Req(4), (t, AgentIdx(1)));
        assert_eq!(pool.first(Req(4)), Some((t, AgentIdx(1))));
        assert!(pool.remove(Req(4), &(t, AgentIdx(1))));
        assert!(!pool.remove(Req(9), &(t, AgentIdx(1))));
        assert_eq!(pool.total(), 0);
    }
}
