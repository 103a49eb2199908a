//! One order of waiting callers across all queues: an agent in several queues
//! serves the longest-waiting caller of any of them.

mod common;
use acd::CallId;
use common::{Sim, offer};

#[test]
fn an_agent_in_two_queues_takes_the_caller_waiting_longest() {
    let mut sim = Sim::demo();
    sim.login("1003");
    sim.arrive(100, "general");
    sim.answer(100, "1003");
    sim.actions();

    sim.at(1.0);
    sim.arrive(1, "immigration");
    sim.at(2.0);
    sim.arrive(2, "benefits");
    sim.at(3.0);
    sim.arrive(3, "immigration");
    sim.at(4.0);
    sim.arrive(4, "general");
    assert_eq!(sim.actions(), []);

    // Each time 1003 hangs up, it is offered the next caller in arrival
    // order, whatever queue that caller is in.
    let mut current = 100;
    let mut served = Vec::new();
    for t in [10.0, 20.0, 30.0, 40.0] {
        sim.at(t);
        sim.end(current);
        let actions = sim.actions();
        let [("offer", next, agent)] = actions.as_slice() else {
            panic!("expected one offer, got {actions:?}");
        };
        assert_eq!(agent, "1003");
        current = *next;
        sim.answer(current, "1003");
        served.push(current);
    }
    assert_eq!(served, [1, 2, 3, 4]);
}

#[test]
fn a_single_skill_agent_leaves_the_older_caller_of_another_queue_alone() {
    let mut sim = Sim::demo();
    sim.at(1.0);
    sim.arrive(1, "immigration");
    sim.at(2.0);
    sim.arrive(2, "benefits");
    sim.login("1001");
    assert_eq!(sim.actions(), [offer(2, "1001")]);
    assert_eq!(sim.engine.queue_position(CallId(1)), Some(1));
}

#[test]
fn higher_priority_is_served_before_longer_wait() {
    let mut sim = Sim::demo();
    sim.arrive(1, "general");
    sim.at(5.0);
    sim.arrive_with_priority(2, "benefits", 10);
    sim.at(6.0);
    sim.login("1003");
    assert_eq!(sim.actions(), [offer(2, "1003")]);
}

#[test]
fn positions_count_callers_ahead_in_the_same_queue() {
    let mut sim = Sim::demo();
    sim.arrive(1, "benefits");
    sim.arrive(2, "immigration");
    sim.arrive(3, "benefits");
    sim.arrive_with_priority(4, "benefits", 1);
    let pos = |sim: &Sim, c: u64| sim.engine.queue_position(CallId(c));
    assert_eq!(pos(&sim, 4), Some(1));
    assert_eq!(pos(&sim, 1), Some(2));
    assert_eq!(pos(&sim, 3), Some(3));
    assert_eq!(pos(&sim, 2), Some(1));
    assert_eq!(sim.engine.waiting(), 4);
}
