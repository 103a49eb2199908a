//! Events that name unknown things or do not fit the state are errors that
//! change nothing; nothing panics.

mod common;
use acd::{AgentConfig, CallId, Engine, Error, Event, QueueConfig};
use common::Sim;

#[test]
fn unknown_ids_are_errors() {
    let mut sim = Sim::demo();
    let now = sim.now;
    let e = &mut sim.engine;
    assert_eq!(
        e.handle(
            now,
            Event::CallArrived {
                call: CallId(1),
                queue: "nope".into(),
                priority: 0
            }
        ),
        Err(Error::UnknownQueue {
            queue: "nope".into()
        })
    );
    assert_eq!(
        e.handle(
            now,
            Event::AgentLogin {
                agent: "9999".into()
            }
        ),
        Err(Error::UnknownAgent {
            agent: "9999".into()
        })
    );
    assert_eq!(
        e.handle(now, Event::CallEnded { call: CallId(5) }),
        Err(Error::UnknownCall { call: CallId(5) })
    );
    assert_eq!(
        e.handle(now, Event::CallerLeft { call: CallId(5) }),
        Err(Error::UnknownCall { call: CallId(5) })
    );
    assert_eq!(
        e.handle(
            now,
            Event::OfferAnswered {
                call: CallId(5),
                agent: "1001".into()
            }
        ),
        Err(Error::UnknownCall { call: CallId(5) })
    );
    assert_eq!(e.agent_state("9999"), None);
    assert_eq!(e.stats("nope"), None);
    assert_eq!(e.queue_position(CallId(5)), None);
    assert_eq!(e.poll_action(), None);
}

#[test]
fn events_that_do_not_fit_the_state_are_errors() {
    let mut sim = Sim::demo();
    let now = sim.now;
    let e = &mut sim.engine;
    let agent = || "1001".to_owned();
    assert_eq!(
        e.handle(now, Event::AgentLogout { agent: agent() }),
        Err(Error::NotLoggedIn { agent: agent() })
    );
    assert_eq!(
        e.handle(
            now,
            Event::AgentPause {
                agent: agent(),
                reason: "x".into()
            }
        ),
        Err(Error::NotLoggedIn { agent: agent() })
    );
    assert_eq!(e.handle(now, Event::AgentLogin { agent: agent() }), Ok(()));
    assert_eq!(
        e.handle(now, Event::AgentLogin { agent: agent() }),
        Err(Error::AlreadyLoggedIn { agent: agent() })
    );
    assert_eq!(
        e.handle(now, Event::AgentUnpause { agent: agent() }),
        Err(Error::NotPaused { agent: agent() })
    );
    let arrive = Event::CallArrived {
        call: CallId(1),
        queue: "general".into(),
        priority: 0,
    };
    assert_eq!(e.handle(now, arrive.clone()), Ok(()));
    assert_eq!(
        e.handle(now, arrive),
        Err(Error::DuplicateCall { call: CallId(1) })
    );
}

#[test]
fn a_late_answer_after_the_ring_timeout_is_refused() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.login("1003");
    sim.arrive(1, "benefits");
    sim.at(15.0);
    let late = sim.engine.handle(
        sim.now,
        Event::OfferAnswered {
            call: CallId(1),
            agent: "1001".into(),
        },
    );
    assert_eq!(
        late,
        Err(Error::NotOffered {
            call: CallId(1),
            agent: "1001".into()
        })
    );
    assert!(sim.is_available("1001"));
}

#[test]
fn bad_configuration_is_refused() {
    let mut e = Engine::new();
    assert_eq!(e.add_queue(QueueConfig::new("q")), Ok(()));
    assert_eq!(
        e.add_queue(QueueConfig::new("q")),
        Err(Error::DuplicateQueue { queue: "q".into() })
    );
    assert_eq!(e.add_agent(AgentConfig::new("1")), Ok(()));
    assert_eq!(
        e.add_agent(AgentConfig::new("1")),
        Err(Error::DuplicateAgent { agent: "1".into() })
    );
    assert!(matches!(
        e.add_agent(AgentConfig::new("2").with_skill_level("s", 0)),
        Err(Error::InvalidProficiency { .. })
    ));
}

#[test]
fn timeouts_with_nothing_due_do_nothing() {
    let mut sim = Sim::demo();
    sim.engine.handle_timeout(sim.now);
    assert_eq!(sim.engine.poll_timeout(), None);
    assert_eq!(sim.engine.poll_action(), None);
}
