//! Only agents with a queue's skill are offered its calls; queues without a
//! skill take any agent.

mod common;
use common::{Sim, offer};

#[test]
fn an_agent_without_the_skill_is_never_offered() {
    let mut sim = Sim::demo();
    sim.login("1002");
    sim.login("1004");
    sim.arrive(1, "benefits");
    sim.at(60.0);
    assert_eq!(sim.actions(), []);
    assert!(sim.is_available("1002"));
    assert!(sim.is_available("1004"));

    sim.login("1001");
    assert_eq!(sim.actions(), [offer(1, "1001")]);
}

#[test]
fn a_queue_without_a_skill_takes_any_agent() {
    let mut sim = Sim::demo();
    sim.login("1004");
    sim.arrive(1, "general");
    assert_eq!(sim.actions(), [offer(1, "1004")]);
}

#[test]
fn a_free_agent_skips_callers_it_cannot_serve() {
    let mut sim = Sim::demo();
    sim.arrive(1, "immigration");
    sim.at(1.0);
    sim.arrive(2, "benefits");
    sim.at(2.0);
    sim.arrive(3, "general");
    sim.login("1004");
    assert_eq!(sim.actions(), [offer(3, "1004")]);
    sim.login("1001");
    assert_eq!(sim.actions(), [offer(2, "1001")]);
    sim.login("1002");
    assert_eq!(sim.actions(), [offer(1, "1002")]);
}

#[test]
fn proficiency_is_stored_but_any_level_qualifies_for_now() {
    let mut sim = Sim::demo();
    sim.login("1003");
    sim.arrive(1, "immigration");
    assert_eq!(sim.actions(), [offer(1, "1003")]);
}
