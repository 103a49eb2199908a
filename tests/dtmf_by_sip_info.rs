//! A caller whose phone sends key presses as SIP INFO (application/dtmf-relay) instead of
//! RFC 4733 reaches the department it chose.

mod common;

use std::time::Duration;

use common::{AgentPhone, CallerPhone, Markers, Switchboard};

#[test]
fn a_key_pressed_by_sip_info_routes_the_call() {
    let sb = Switchboard::start("dtmf-info");
    let markers = Markers::new("dtmf-info");
    let _agent = AgentPhone::register(&sb, &markers, "1002", "u1", "agent_answer.xml");

    // The scenario sends INFO Signal=2 1.5 s after the answer; no RFC 4733 is sent.
    let caller = CallerPhone::dial_with_keys(
        &sb,
        &markers,
        "caller_info.xml",
        Duration::from_secs(5),
        &[("key", "2".into())],
    );
    markers.wait("rung", Duration::from_secs(10));
    assert!(
        sb.log_text().contains("queue=\"immigration\""),
        "2 is immigration"
    );
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    assert!(sb.stop().success());
}
