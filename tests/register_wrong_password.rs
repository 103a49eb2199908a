//! An agent phone with a wrong password is refused (401, then 403 for the wrong digest) and
//! that extension is offered no calls: a caller who picks its department waits unanswered.

mod common;

use std::time::Duration;

use common::{CallerPhone, Markers, RtpPeer, Sipp, Switchboard};

#[test]
fn a_wrong_password_is_refused_and_the_extension_gets_no_calls() {
    let sb = Switchboard::start("register-wrong-password");
    let markers = Markers::new("register-wrong-password");
    let agent_rtp = RtpPeer::bind();
    let _agent = Sipp::agent(
        &sb,
        "1002",
        "not-the-password",
        "agent_register_refused.xml",
        "agent_answer.xml",
        &[("rtp_port", agent_rtp.port.to_string())],
        &markers,
        Duration::from_secs(30),
    );
    markers.wait("refused", Duration::from_secs(10));

    let mut caller = CallerPhone::dial(&sb, &markers, "caller.xml", Duration::from_secs(4));
    caller.press('2');
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    assert!(
        !markers.exists("rung"),
        "a phone that failed authentication was rung"
    );
    assert!(!sb.log_text().contains("agent logged in"));
    assert!(sb.stop().success());
}
