//! A caller sends its INVITE and, without waiting for any response, a CANCEL, which crosses
//! the switch's answer. Whichever wins, the caller's transactions end cleanly (200 to the
//! CANCEL and 487 to the INVITE, or 200 to the INVITE then ACK and BYE, the CANCEL answered
//! 200 or 481), no call is left behind, and a normal call right after works.

mod common;

use std::time::Duration;

use common::{Markers, RtpPeer, Sipp, Switchboard};

/// Calls the scenario makes; each crosses its CANCEL with the answer.
const ATTEMPTS: usize = 3;

#[test]
fn a_cancel_crossing_the_answer_leaves_no_call_behind() {
    let sb = Switchboard::start("caller-cancels-early");
    let markers = Markers::new("caller-cancels-early");
    // Where an answered attempt's audio goes until its BYE.
    let rtp = RtpPeer::bind();
    let caller = Sipp::start(
        "caller-cancel",
        &sb,
        "caller_cancels_early.xml",
        &[
            ("dialled", "100".to_string()),
            ("caller", "2025550142".to_string()),
            ("rtp_port", rtp.port.to_string()),
            ("marker_dir", markers.dir.to_string_lossy().into_owned()),
        ],
        &[
            "-m",
            &ATTEMPTS.to_string(),
            "-l",
            "1",
            "-default_behaviors",
            "all,-abortunexp",
        ],
        Duration::from_secs(20),
    );
    assert!(
        caller.wait().success(),
        "every attempt ends cleanly, whichever order the responses came in"
    );
    markers.wait("cancel_finished", Duration::from_secs(2));
    assert!(
        markers.exists("terminated") || markers.exists("hung_up"),
        "each INVITE ended with 487 or with an answered call hung up"
    );

    // No call is left: every call answered has ended.
    common::wait_until(Duration::from_secs(5), "every answered call to end", || {
        let log = sb.log_text();
        log.matches("call answered").count() == log.matches("call ends").count()
    });
    let answered = sb.log_text().matches("call answered").count();
    assert!(answered <= ATTEMPTS, "{answered} calls answered");

    // A normal call right after goes through. (This caller's RTP port is freed first: the next
    // sipp may pick any free port for its media.)
    drop(rtp);
    std::thread::sleep(Duration::from_millis(200));
    common::bridged_call_caller_hangs_up(&sb, "caller-cancels-early-next");
    let log = sb.log_text();
    assert_eq!(
        log.matches("call answered").count(),
        answered + 1,
        "one more call"
    );
    assert!(sb.stop().success(), "switchboard exits 0 on SIGTERM");
}
