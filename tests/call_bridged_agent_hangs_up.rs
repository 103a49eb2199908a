//! The same call as `call_bridged_caller_hangs_up`, but the agent hangs up first: the caller
//! gets a BYE, and the agent's BYE is answered 200.

mod common;

use std::time::Duration;

use common::{AgentPhone, CallerPhone, Markers, Switchboard};

#[test]
fn the_agent_hangs_up_and_the_caller_gets_bye() {
    let sb = Switchboard::start("bridged-agent-hangs-up");
    let markers = Markers::new("bridged-agent-hangs-up");
    // This agent talks for 3 s after answering, then sends BYE.
    let mut agent = AgentPhone::register(&sb, &markers, "1002", "u1", "agent_answer_hangup.xml");

    let mut caller = CallerPhone::dial(
        &sb,
        &markers,
        "caller_wait_bye.xml",
        Duration::from_secs(30),
    );
    caller.press('2');
    markers.wait("rung", Duration::from_secs(10));
    let caller = caller.talk_with(&mut agent, 50);

    markers.wait("bye_answered", Duration::from_secs(15));
    markers.wait("caller_got_bye", Duration::from_secs(10));
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    assert!(sb.stop().success());
}
