//! Several agents free, or several callers arriving, at the same instant are
//! matched one to one in order.

mod common;
use common::{Sim, offer};

#[test]
fn two_callers_at_once_go_to_two_agents_longest_idle_first() {
    let mut sim = Sim::demo();
    sim.login("1004");
    sim.at(1.0);
    sim.login("1003");
    sim.at(2.0);
    sim.arrive(1, "general");
    sim.arrive(2, "general");
    sim.arrive(3, "general");
    assert_eq!(sim.actions(), [offer(1, "1004"), offer(2, "1003")]);
    assert_eq!(sim.engine.waiting(), 1);
}

#[test]
fn two_agents_free_at_once_each_take_the_oldest_caller_they_can_serve() {
    let mut sim = Sim::demo();
    sim.arrive(1, "general");
    sim.at(1.0);
    sim.arrive(2, "benefits");
    sim.at(2.0);
    sim.arrive(3, "general");
    sim.login("1001");
    sim.login("1004");
    // 1001 (labor) may take any caller and takes the oldest; 1004 (no
    // skills) then takes the oldest caller left that needs no skill.
    assert_eq!(sim.actions(), [offer(1, "1001"), offer(3, "1004")]);
    assert_eq!(sim.engine.waiting(), 1);
}

#[test]
fn two_calls_end_at_once_and_each_agent_takes_one_caller() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.login("1003");
    sim.arrive(1, "benefits");
    sim.arrive(2, "benefits");
    sim.answer(1, "1001");
    sim.answer(2, "1003");
    sim.arrive(3, "benefits");
    sim.arrive(4, "benefits");
    sim.actions();
    sim.at(30.0);
    sim.end(2);
    sim.end(1);
    assert_eq!(sim.actions(), [offer(3, "1003"), offer(4, "1001")]);
}
