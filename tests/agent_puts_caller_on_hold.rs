//! A bridged agent puts the caller on hold and resumes: the agent's re-INVITE with
//! `a=inactive` is answered `a=inactive`, and the switch carries it to the caller with its own
//! re-INVITE (`a=inactive`, answered `a=inactive`); the resume (`a=sendrecv`) travels the
//! same way. Audio flows both ways after the resume, then the caller hangs up.

mod common;

use std::time::Duration;

use common::{AgentPhone, CallerPhone, Markers, Switchboard};

#[test]
fn the_agent_holds_and_resumes_and_the_caller_follows() {
    let sb = Switchboard::start("agent-holds");
    let markers = Markers::new("agent-holds");
    // The agent holds 1 s after its ACK and resumes 1.5 s later.
    let mut agent = AgentPhone::register(&sb, &markers, "1002", "u1", "agent_holds_caller.xml");

    let mut caller = CallerPhone::dial(
        &sb,
        &markers,
        "caller_held_by_agent.xml",
        Duration::from_secs(4),
    );
    caller.press('2');
    markers.wait("rung", Duration::from_secs(10));
    markers.wait("agent_acked", Duration::from_secs(5));

    // Hold: the switch answered the agent `inactive` and offered the caller `inactive`.
    markers.wait("caller_got_inactive", Duration::from_secs(5));
    markers.wait("caller_held", Duration::from_secs(5));
    markers.wait("agent_held", Duration::from_secs(5));
    assert!(
        !markers.exists("caller_got_sendrecv"),
        "no resume before the agent resumes"
    );

    // Resume: the same both ways.
    markers.wait("agent_resumed", Duration::from_secs(5));
    markers.wait("caller_got_sendrecv", Duration::from_secs(5));
    markers.wait("caller_resumed", Duration::from_secs(5));

    // After the resume the parties hear each other again.
    let caller = caller.talk_with(&mut agent, 50);

    assert!(caller.sipp.wait().success(), "caller scenario failed");
    markers.wait("bye", Duration::from_secs(10));
    assert!(sb.stop().success(), "switchboard exits 0 on SIGTERM");
}
