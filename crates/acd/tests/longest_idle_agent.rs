//! A new caller is offered to the eligible agent that has been Available longest.

mod common;
use common::{Sim, offer};

#[test]
fn the_agent_idle_longest_gets_the_call() {
    let mut sim = Sim::demo();
    sim.login("1003");
    sim.at(1.0);
    sim.login("1001");
    sim.at(10.0);
    sim.arrive(1, "benefits");
    assert_eq!(sim.actions(), [offer(1, "1003")]);
}

#[test]
fn an_agent_back_from_a_call_goes_to_the_back_of_the_idle_line() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.at(1.0);
    sim.login("1003");
    sim.arrive(1, "benefits");
    sim.answer(1, "1001");
    sim.at(5.0);
    sim.end(1);
    sim.actions();
    sim.at(6.0);
    sim.arrive(2, "benefits");
    assert_eq!(sim.actions(), [offer(2, "1003")]);
}

#[test]
fn ties_go_to_the_agent_added_first() {
    let mut sim = Sim::demo();
    sim.login("1003");
    sim.login("1001");
    sim.arrive(1, "benefits");
    assert_eq!(sim.actions(), [offer(1, "1001")]);
}

#[test]
fn idle_time_restarts_after_a_pause() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.at(1.0);
    sim.login("1003");
    sim.at(2.0);
    sim.pause("1001", "coffee");
    sim.at(3.0);
    sim.unpause("1001");
    sim.arrive(1, "general");
    assert_eq!(sim.actions(), [offer(1, "1003")]);
}
