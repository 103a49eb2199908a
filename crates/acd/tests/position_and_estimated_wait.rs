//! What a waiting caller is told: its place among the callers waiting for the same agents,
//! and an estimated wait from the queue's handle times and the agents logged in.

mod common;
use std::time::Duration;

use acd::{CallId, DEFAULT_HANDLE_ESTIMATE};
use common::Sim;

#[test]
fn positions_follow_the_global_order_and_waits_scale_with_agents() {
    let mut sim = Sim::demo();
    // 1001 and 1003 (labor) are busy with calls 1 and 2; callers 3, 4, 5 wait for benefits.
    sim.login("1001");
    sim.login("1003");
    for call in 1..=2 {
        sim.arrive(call, "benefits");
    }
    for (_, call, agent) in sim.actions() {
        sim.answer(call, &agent);
    }
    for call in 3..=5 {
        sim.arrive(call, "benefits");
    }
    let position = |sim: &Sim, c: u64| sim.engine.wait_position(CallId(c));
    let wait = |sim: &Sim, c: u64| sim.engine.estimated_wait(CallId(c));
    assert_eq!(
        [3, 4, 5].map(|c| position(&sim, c)),
        [Some(1), Some(2), Some(3)]
    );
    // No call handled yet: the default handle time, shared by two agents.
    assert_eq!(wait(&sim, 4), Some(DEFAULT_HANDLE_ESTIMATE));
    // A higher-priority caller goes ahead of everyone.
    sim.arrive_with_priority(6, "benefits", 1);
    assert_eq!(position(&sim, 6), Some(1));
    assert_eq!(position(&sim, 3), Some(2));

    // Calls of 60 s handled: that becomes the estimate's handle time.
    sim.at(60.0);
    sim.end(1);
    sim.end(2);
    let offered: Vec<_> = sim.actions();
    assert_eq!(offered.len(), 2, "{offered:?}");
    assert_eq!(position(&sim, 4), Some(1));
    assert_eq!(wait(&sim, 4), Some(Duration::from_secs(30)));
    // An agent on a break does not count: the same wait is now shared by one agent.
    sim.arrive(7, "benefits");
    assert_eq!(position(&sim, 7), Some(3));
    sim.pause("1003", "lunch");
    assert!(
        wait(&sim, 7) >= Some(Duration::from_secs(180)),
        "{:?}",
        wait(&sim, 7)
    );
    // Ringing or answered callers are not told a position.
    assert_eq!(position(&sim, 6), None);
    assert_eq!(wait(&sim, 99), None);
}
