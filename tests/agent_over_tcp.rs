//! An agent whose phone registers over TCP is rung over that same connection (Content-Length
//! framing both ways), answers, and talks to a caller who came in over UDP.

mod common;

use std::time::Duration;

use common::{AgentPhone, CallerPhone, Markers, Switchboard};

#[test]
fn an_agent_registered_over_tcp_is_rung_over_its_connection() {
    let sb = Switchboard::start("agent-over-tcp");
    let markers = Markers::new("agent-over-tcp");
    let mut agent = AgentPhone::register(&sb, &markers, "1003", "t1", "agent_answer.xml");

    let mut caller = CallerPhone::dial(&sb, &markers, "caller.xml", Duration::from_secs(6));
    // 1003 has both skills: benefits (1) reaches it.
    caller.press('1');
    markers.wait("rung", Duration::from_secs(10));
    let caller = caller.talk_with(&mut agent, 60);

    assert!(caller.sipp.wait().success(), "caller scenario failed");
    markers.wait("bye", Duration::from_secs(10));
    assert!(sb.stop().success());
}
