//! Session timers (RFC 4028) with real peers, at the shortest interval allowed (90 s):
//! an agent's phone that leaves the refreshing to the switch gets the switch's refresh
//! re-INVITE at half the interval and the call stays up; a caller that asked to refresh and
//! never does is sent BYE once the session is due to expire (§10: at the interval minus
//! min(32 s, interval / 3), i.e. 60 s). The two run in parallel; each takes about a minute.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{AgentPhone, CallerPhone, Markers, RtpPeer, Sipp, Switchboard, TestDir};

/// The demo configuration with 90 s session timers. Nothing else may end or disturb a call
/// that is silent for a minute: no RTP timeout, no OPTIONS to the phones.
fn config(files: &TestDir) -> PathBuf {
    files.demo_config(&[
        ("[sip]", "session_expires = 90\nqualify_interval = 0"),
        ("[rtp]", "timeout = 0"),
    ])
}

#[test]
fn the_switch_refreshes_the_session_with_an_agent_and_the_call_stays_up() {
    let files = TestDir::new("session-refresh");
    let sb = Switchboard::start_with_config("session-refresh", &config(&files));
    let markers = Markers::new("session-refresh");
    let rtp = RtpPeer::bind();
    let sipp = Sipp::agent(
        &sb,
        "1002",
        "pass1002",
        "agent_register.xml",
        "agent_answer_session_refresh.xml",
        &[("rtp_port", rtp.port.to_string())],
        &markers,
        Duration::from_secs(120),
    );
    markers.wait("registered", Duration::from_secs(10));
    let mut agent = AgentPhone { sipp, rtp };

    // The caller has no session-timer support: the switch refreshes its leg too.
    let mut caller = CallerPhone::dial(
        &sb,
        &markers,
        "caller_refreshed_by_switch.xml",
        Duration::from_secs(90),
    );
    caller.press('2');
    // The agent answers with Session-Expires: 90;refresher=uac: the switch refreshes.
    markers.wait("agent_acked", Duration::from_secs(10));
    let answered = Instant::now();

    // The refresh comes at half the interval (45 s) and is answered.
    markers.wait("agent_refresh_offered", Duration::from_secs(50));
    let after = answered.elapsed();
    assert!(
        after >= Duration::from_secs(40),
        "the refresh is due at half the interval, it came {after:?} after the answer"
    );
    markers.wait("agent_refreshed", Duration::from_secs(5));
    // The caller's leg began earlier, so it was refreshed first.
    markers.wait("caller_refreshed", Duration::from_secs(5));

    // The call is still up: audio both ways, then the agent's BYE reaches the caller.
    let caller = caller.talk_with(&mut agent, 50);
    markers.wait("bye_answered", Duration::from_secs(15));
    markers.wait("caller_got_bye", Duration::from_secs(5));
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    assert!(
        !sb.log_text().contains("session not refreshed"),
        "no session expired"
    );
    assert!(sb.stop().success(), "switchboard exits 0 on SIGTERM");
}

#[test]
fn a_caller_that_never_refreshes_gets_a_bye_before_the_session_expires() {
    let files = TestDir::new("session-expiry");
    let sb = Switchboard::start_with_config("session-expiry", &config(&files));
    let markers = Markers::new("session-expiry");

    // It asks for Session-Expires: 90;refresher=uac and is granted it with Require: timer
    // (its scenario checks the 200), then stays silent in the menu and the queue.
    let dialled = Instant::now();
    let caller = CallerPhone::dial(
        &sb,
        &markers,
        "caller_never_refreshes.xml",
        Duration::from_secs(60),
    );
    markers.wait("answered", Duration::from_secs(5));

    markers.wait("caller_got_bye", Duration::from_secs(95));
    let after = dialled.elapsed();
    assert!(
        after >= Duration::from_secs(55) && after < Duration::from_secs(90),
        "the session is over 60 s after the answer, before its 90 s run out; the BYE came \
         {after:?} after dialling"
    );
    assert!(
        sb.log_text().contains("session not refreshed in time"),
        "the BYE is the session timer's"
    );
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    assert!(sb.stop().success(), "switchboard exits 0 on SIGTERM");
}
