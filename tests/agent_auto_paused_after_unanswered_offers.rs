//! An agent whose phone leaves two offers in a row unanswered is paused by the ACD (with
//! `[acd] auto_pause_after = 2`) and offered nothing more; dialling `*48` from the phone
//! unpauses it (a confirmation prompt plays, then the switch hangs up) and the waiting caller
//! rings it again.

mod common;

use std::time::{Duration, Instant};

use common::{CallerPhone, Markers, Sipp, Switchboard, TestDir, dial_feature};

fn offers(sb: &Switchboard) -> usize {
    sb.log_text().matches("ringing agent").count()
}

#[test]
fn two_unanswered_offers_pause_the_agent_and_star_48_brings_it_back() {
    let files = TestDir::new("auto-pause");
    let config = files.demo_config(&[
        ("[[queues]]", "ring_timeout = 2"),
        ("[acd]", "auto_pause_after = 2"),
    ]);
    let sb = Switchboard::start_with_config("auto-pause", &config);
    let markers = Markers::new("auto-pause");
    let agent_rtp = common::rtp::RtpPeer::bind();
    let _agent = Sipp::agent(
        &sb,
        "1002",
        "pass1002",
        "agent_register.xml",
        "agent_rings_no_answer.xml",
        &[("rtp_port", agent_rtp.port.to_string())],
        &markers,
        Duration::from_secs(60),
    );
    markers.wait("registered", Duration::from_secs(10));

    let mut caller = CallerPhone::dial(&sb, &markers, "caller.xml", Duration::from_secs(20));
    caller.press('2');
    markers.wait("rung", Duration::from_secs(10));
    markers.wait("cancelled", Duration::from_secs(10));
    common::wait_until(Duration::from_secs(10), "the auto-pause", || {
        sb.log_text()
            .contains("agent paused by the ACD after unanswered calls")
    });
    assert_eq!(offers(&sb), 2, "rung twice, then paused");

    // Paused: the caller keeps waiting and the phone is left alone.
    let quiet_until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < quiet_until {
        assert_eq!(offers(&sb), 2, "no offer to a paused agent");
        std::thread::sleep(Duration::from_millis(200));
    }

    // *48 from the phone: the confirmation plays, the switch hangs up, the caller rings it.
    let heard = dial_feature(&sb, &markers, "1002", "*48");
    assert!(
        heard.received().total >= 20,
        "the confirmation prompt was heard: {:?}",
        heard.received()
    );
    assert!(sb.log_text().contains("feature code"));
    common::wait_until(Duration::from_secs(5), "a third offer", || offers(&sb) >= 3);
    drop(caller.sipp);
    assert!(sb.stop().success());
}
