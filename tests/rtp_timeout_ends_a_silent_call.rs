//! A caller whose phone stops sending anything (RTP or RTCP) has its call ended after
//! `rtp.timeout`, with a BYE: the switch does not keep dead calls.

mod common;

use std::time::{Duration, Instant};

use common::{CallerPhone, Markers, Switchboard, TestDir};

#[test]
fn a_caller_that_sends_nothing_is_hung_up_after_the_rtp_timeout() {
    let files = TestDir::new("rtp-timeout");
    let config = files.demo_config(&[("[rtp]", "timeout = 10")]);
    let sb = Switchboard::start_with_config("rtp-timeout", &config);
    let markers = Markers::new("rtp-timeout");

    // The caller's test endpoint hears the menu but never sends a packet.
    let started = Instant::now();
    let caller = CallerPhone::dial(
        &sb,
        &markers,
        "caller_wait_bye.xml",
        Duration::from_secs(40),
    );
    markers.wait("caller_got_bye", Duration::from_secs(25));
    let after = started.elapsed();
    assert!(
        after >= Duration::from_secs(9),
        "not before the timeout: {after:?}"
    );
    assert!(
        sb.log_text().contains("no RTP from a party"),
        "ended for silence"
    );
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    assert!(sb.stop().success());
}
