//! Overflow: a queue sends callers elsewhere after a wait, when it is full, or when nobody who
//! could serve it is logged in; into another queue they keep their place in the order.

mod common;
use std::time::Duration;

use acd::{Action, AgentConfig, CallId, Engine, Overflow, QueueConfig};
use common::{Sim, offer};

/// `benefits` (labor) overflows into `general` after 60 s or beyond 2 waiting; `appeals`
/// (labor) goes to the menu `voicemail` when no labor agent is logged in. 1001 has labor, 1004
/// no skills.
fn floor() -> Sim {
    let mut engine = Engine::new();
    let to = |to: &str| Overflow {
        to: to.into(),
        after: None,
        max_waiting: None,
        when_no_agents: false,
    };
    engine
        .add_queue(
            QueueConfig::new("benefits")
                .with_skill("labor")
                .with_overflow(Overflow {
                    after: Some(Duration::from_secs(60)),
                    max_waiting: Some(2),
                    ..to("general")
                }),
        )
        .expect("queue");
    engine
        .add_queue(
            QueueConfig::new("appeals")
                .with_skill("labor")
                .with_overflow(Overflow {
                    when_no_agents: true,
                    ..to("voicemail")
                }),
        )
        .expect("queue");
    engine
        .add_queue(QueueConfig::new("general"))
        .expect("queue");
    for a in [
        AgentConfig::new("1001").with_skill("labor"),
        AgentConfig::new("1004"),
    ] {
        engine.add_agent(a).expect("agent");
    }
    Sim::with(engine)
}

fn drain(sim: &mut Sim) -> Vec<Action> {
    std::iter::from_fn(|| sim.engine.poll_action()).collect()
}

fn moved(call: u64, from: &str, to: &str) -> Action {
    Action::Overflowed {
        call: CallId(call),
        from: from.into(),
        to: to.into(),
    }
}

#[test]
fn a_caller_overflows_after_its_wait_and_keeps_its_place() {
    let mut sim = floor();
    sim.arrive(1, "benefits");
    sim.at(30.0);
    sim.arrive(2, "general");
    sim.at(59.0);
    assert!(drain(&mut sim).is_empty());
    sim.at(60.0);
    assert_eq!(drain(&mut sim), [moved(1, "benefits", "general")]);
    // 1004 takes general's calls: caller 1 arrived first, so it goes first.
    sim.login("1004");
    assert_eq!(sim.actions(), [offer(1, "1004")]);
    let s = sim.engine.stats("benefits").expect("queue");
    assert_eq!((s.offered, s.overflowed, s.waiting), (1, 1, 0));
    assert_eq!(sim.engine.stats("general").expect("queue").offered, 2);
}

#[test]
fn a_full_queue_sends_new_callers_on_at_once() {
    let mut sim = floor();
    sim.arrive(1, "benefits");
    sim.arrive(2, "benefits");
    assert!(drain(&mut sim).is_empty());
    sim.arrive(3, "benefits");
    assert_eq!(drain(&mut sim), [moved(3, "benefits", "general")]);
}

#[test]
fn a_ringing_caller_that_overflows_stops_the_ringing() {
    let mut sim = floor();
    sim.login("1001");
    sim.pause("1001", "x");
    sim.arrive(1, "benefits");
    sim.at(50.0);
    sim.unpause("1001");
    assert_eq!(sim.actions(), [offer(1, "1001")]);
    sim.at(60.0);
    assert_eq!(
        drain(&mut sim),
        [
            Action::CancelOffer {
                call: CallId(1),
                agent: "1001".into()
            },
            moved(1, "benefits", "general"),
            Action::Offer {
                call: CallId(1),
                agent: "1001".into(),
                ring_deadline: sim.secs(75.0),
            },
        ],
        "1001 has no skill requirement in general: it may take the caller there"
    );
}

#[test]
fn an_unstaffed_queue_releases_callers_to_the_menu() {
    let mut sim = floor();
    sim.arrive(1, "appeals");
    let released = |call: u64| Action::Released {
        call: CallId(call),
        from: "appeals".into(),
        to: "voicemail".into(),
    };
    assert_eq!(
        drain(&mut sim),
        [released(1)],
        "nobody with labor is logged in"
    );
    assert_eq!(
        sim.engine.call_status(CallId(1)),
        None,
        "the call left the engine"
    );

    sim.login("1001");
    sim.pause("1001", "lunch");
    sim.arrive(2, "appeals");
    assert!(
        drain(&mut sim).is_empty(),
        "a paused agent is still logged in"
    );
    sim.logout("1001");
    assert_eq!(drain(&mut sim), [released(2)], "the last one logged out");
}

#[test]
fn rules_that_go_round_in_a_circle_stop() {
    let mut engine = Engine::new();
    let rule = |to: &str| Overflow {
        to: to.into(),
        after: None,
        max_waiting: Some(0),
        when_no_agents: false,
    };
    engine
        .add_queue(QueueConfig::new("a").with_overflow(rule("b")))
        .expect("queue");
    engine
        .add_queue(QueueConfig::new("b").with_overflow(rule("a")))
        .expect("queue");
    engine.add_agent(AgentConfig::new("x")).expect("agent");
    let mut sim = Sim::with(engine);
    sim.arrive(1, "a");
    let actions = drain(&mut sim);
    assert!(actions.len() <= 3, "{actions:?}");
    assert_eq!(
        sim.engine.call_status(CallId(1)),
        Some(acd::CallStatus::Waiting)
    );
    sim.login("x");
    assert_eq!(sim.actions(), [offer(1, "x")]);
}
