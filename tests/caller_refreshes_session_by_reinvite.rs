//! A caller that asked for a session timer it refreshes itself (RFC 4028,
//! `Session-Expires: 90;refresher=uac`) and refreshes with a re-INVITE keeps its call: the
//! re-INVITE counts as a refresh, its 200 states the interval again, and the switch sends no
//! BYE when the first session would have expired (60 s after the answer). Takes about 75 s.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::{CallerPhone, Markers, Switchboard, TestDir};

/// The demo configuration with 90 s session timers, and no RTP timeout: the caller is
/// silent for over a minute.
fn config(files: &TestDir) -> PathBuf {
    files.demo_config(&[("[sip]", "session_expires = 90"), ("[rtp]", "timeout = 0")])
}

#[test]
fn a_caller_that_refreshes_by_reinvite_keeps_its_call() {
    let files = TestDir::new("session-reinvite");
    let sb = Switchboard::start_with_config("session-reinvite", &config(&files));
    let markers = Markers::new("session-reinvite");

    // Granted 90;refresher=uac, it re-INVITEs 40 s after the answer (the 200 must state the
    // interval again) and hangs up 35 s later: 15 s after the first session would have
    // ended, 25 s before the refreshed one does.
    let caller = CallerPhone::dial(
        &sb,
        &markers,
        "caller_refreshes_by_reinvite.xml",
        Duration::from_secs(40),
    );
    markers.wait("caller_refreshed", Duration::from_secs(50));
    markers.wait("caller_hung_up", Duration::from_secs(45));
    assert!(
        caller.sipp.wait().success(),
        "caller scenario failed (a BYE from the switch fails it)"
    );
    assert!(
        !sb.log_text().contains("session not refreshed"),
        "the re-INVITE counted as a refresh"
    );
    assert!(sb.stop().success(), "switchboard exits 0 on SIGTERM");
}
