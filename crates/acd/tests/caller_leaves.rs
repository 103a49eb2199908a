//! A caller may hang up at any moment; the engine forgets the call and frees an
//! agent it was ringing.

mod common;
use acd::{AgentState, CallId, CallStatus};
use common::{Sim, cancel, offer};

#[test]
fn a_caller_who_left_while_waiting_is_never_offered() {
    let mut sim = Sim::demo();
    sim.arrive(1, "benefits");
    sim.at(3.0);
    sim.leave(1);
    assert_eq!(sim.engine.waiting(), 0);
    assert_eq!(sim.engine.call_status(CallId(1)), None);
    sim.login("1001");
    assert_eq!(sim.actions(), []);
}

#[test]
fn a_caller_who_left_while_ringing_cancels_the_offer_and_frees_the_agent() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.arrive(1, "benefits");
    sim.at(4.0);
    sim.leave(1);
    assert_eq!(sim.actions(), [offer(1, "1001"), cancel(1, "1001")]);
    assert_eq!(
        sim.state("1001"),
        AgentState::Available {
            idle_since: sim.t0,
            cooldown_until: None
        },
        "the agent keeps its idle time: the caller left, not the agent's fault"
    );
    assert_eq!(sim.engine.poll_timeout(), None, "no ring timer left behind");
    sim.at(30.0);
    assert_eq!(sim.actions(), []);
}

#[test]
fn the_freed_agent_takes_the_next_caller() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.arrive(1, "benefits");
    sim.arrive(2, "benefits");
    sim.at(4.0);
    sim.leave(1);
    assert_eq!(
        sim.actions(),
        [offer(1, "1001"), cancel(1, "1001"), offer(2, "1001")]
    );
    assert_eq!(
        sim.engine.call_status(CallId(2)),
        Some(CallStatus::Ringing {
            agent: "1001".into()
        })
    );
}

#[test]
fn an_answer_that_crosses_the_hangup_is_refused() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.arrive(1, "benefits");
    sim.leave(1);
    let late = sim.engine.handle(
        sim.now,
        acd::Event::OfferAnswered {
            call: CallId(1),
            agent: "1001".into(),
        },
    );
    assert_eq!(late, Err(acd::Error::UnknownCall { call: CallId(1) }));
    assert!(sim.is_available("1001"));
}
