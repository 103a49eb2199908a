//! A bridged caller puts the agent on hold and resumes: the caller's re-INVITE with
//! `a=sendonly` is answered `a=recvonly`, and the switch carries the hold to the agent with its
//! own re-INVITE (`a=sendonly`, answered `a=recvonly`); the resume (`a=sendrecv`) travels the
//! same way. Audio flows both ways after the resume, then the caller hangs up.

mod common;

use std::time::Duration;

use common::{AgentPhone, CallerPhone, Markers, Switchboard};

#[test]
fn the_caller_holds_and_resumes_and_the_agent_follows() {
    let sb = Switchboard::start("hold-resume");
    let markers = Markers::new("hold-resume");
    let mut agent = AgentPhone::register(&sb, &markers, "1002", "u1", "agent_held_by_caller.xml");

    // The caller holds 3 s after the answer (time to pick the queue and be bridged), stays on
    // hold for 1.5 s, resumes and talks for 3 s.
    let mut caller = CallerPhone::dial_with_keys(
        &sb,
        &markers,
        "caller_hold_resume.xml",
        Duration::from_secs(3),
        &[("hold_for", "1500".into()), ("talk_for", "3000".into())],
    );
    caller.press('2');
    markers.wait("rung", Duration::from_secs(10));
    markers.wait("agent_acked", Duration::from_secs(5));
    assert!(
        !markers.exists("caller_held"),
        "the hold comes after the bridge"
    );

    // Hold: the caller's 200 said recvonly; the agent was offered sendonly and answered.
    markers.wait("caller_held", Duration::from_secs(5));
    markers.wait("agent_got_sendonly", Duration::from_secs(5));
    markers.wait("agent_held", Duration::from_secs(5));
    assert!(
        !markers.exists("agent_got_sendrecv"),
        "no resume before the caller resumes"
    );

    // Resume: the same both ways.
    markers.wait("caller_resumed", Duration::from_secs(5));
    markers.wait("agent_got_sendrecv", Duration::from_secs(5));
    markers.wait("agent_resumed", Duration::from_secs(5));

    // After the resume the parties hear each other again.
    let caller = caller.talk_with(&mut agent, 50);

    assert!(caller.sipp.wait().success(), "caller scenario failed");
    markers.wait("bye", Duration::from_secs(10));
    assert!(sb.stop().success(), "switchboard exits 0 on SIGTERM");
}
