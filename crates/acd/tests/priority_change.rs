//! A waiting caller's priority can change: it moves in the order, keeping its arrival.

mod common;
use common::{Sim, offer};

#[test]
fn a_caller_raised_in_priority_is_served_before_older_callers() {
    let mut sim = Sim::demo();
    sim.arrive(1, "benefits");
    sim.at(5.0);
    sim.arrive(2, "benefits");
    sim.at(6.0);
    sim.priority(2, 5);
    sim.login("1001");
    assert_eq!(sim.actions(), [offer(2, "1001")]);
}

#[test]
fn lowered_again_it_falls_back_to_its_arrival_place() {
    let mut sim = Sim::demo();
    sim.arrive(1, "benefits");
    sim.at(5.0);
    sim.arrive(2, "benefits");
    sim.at(6.0);
    sim.arrive_with_priority(3, "benefits", 1);
    sim.priority(3, 0);
    sim.login("1001");
    assert_eq!(sim.actions(), [offer(1, "1001")]);
    assert_eq!(
        sim.engine.queue_position(acd::CallId(2)),
        Some(1),
        "2 arrived before 3"
    );
}

#[test]
fn a_priority_change_reaches_an_agent_in_another_queue_too() {
    // 1003 has both skills: a benefits caller raised above an older immigration caller wins.
    let mut sim = Sim::demo();
    sim.arrive(1, "immigration");
    sim.at(1.0);
    sim.arrive(2, "benefits");
    sim.priority(2, 3);
    sim.login("1003");
    assert_eq!(sim.actions(), [offer(2, "1003")]);
}

#[test]
fn changing_the_priority_of_an_unknown_call_is_refused() {
    let mut sim = Sim::demo();
    let err = sim.engine.handle(
        sim.now,
        acd::Event::PriorityChanged {
            call: acd::CallId(9),
            priority: 1,
        },
    );
    assert_eq!(
        err,
        Err(acd::Error::UnknownCall {
            call: acd::CallId(9)
        })
    );
}
