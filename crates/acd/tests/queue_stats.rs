//! Per-queue counters: offered, answered, abandoned, service level, ASA and the
//! longest current wait.

mod common;
use std::time::Duration;

use common::Sim;

#[test]
fn counters_follow_the_calls() {
    let mut sim = Sim::demo();
    sim.arrive(1, "benefits");
    sim.arrive(2, "benefits");
    sim.arrive(3, "benefits");
    sim.at(10.0);
    sim.login("1001");
    sim.answer(1, "1001");
    sim.at(12.0);
    sim.leave(3);
    let s = sim.engine.stats("benefits").expect("known queue");
    assert_eq!((s.offered, s.answered, s.abandoned), (3, 1, 1));
    assert_eq!((s.waiting, s.ringing), (1, 0));
    assert_eq!(s.longest_wait(sim.now), Duration::from_secs(12));
    assert_eq!(s.average_speed_of_answer(), Some(Duration::from_secs(10)));
    assert_eq!(s.service_level(), Some(1.0));

    sim.at(40.0);
    sim.end(1);
    sim.answer(2, "1001");
    let s = sim.engine.stats("benefits").expect("known queue");
    assert_eq!((s.answered, s.answered_within_sl), (2, 1));
    assert_eq!(s.total_wait, Duration::from_secs(50));
    assert_eq!(s.longest_wait(sim.now), Duration::ZERO);
    assert_eq!(
        s.offered,
        s.answered + s.abandoned + s.waiting as u64 + s.ringing as u64
    );
}

#[test]
fn a_ringing_caller_still_counts_as_waiting_for_the_longest_wait() {
    let mut sim = Sim::demo();
    sim.login("1004");
    sim.arrive(1, "general");
    sim.at(7.0);
    let s = sim.engine.stats("general").expect("known queue");
    assert_eq!((s.waiting, s.ringing), (0, 1));
    assert_eq!(s.longest_wait(sim.now), Duration::from_secs(7));
}
