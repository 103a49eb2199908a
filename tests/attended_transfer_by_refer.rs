//! Attended transfer (RFC 3891 Replaces): agent 1002 answers a caller, puts them on hold,
//! calls its colleague 1001 through the switch on a second line, and sends REFER naming that
//! consult dialog. The switch joins the caller to 1001 (1001 is re-invited to the caller's
//! call, the caller is taken off hold), ends both of 1002's dialogs, and the caller and 1001
//! hear each other.
//!
//! The phone's two lines are two sipp processes coupled by sipp's twin-command channel
//! (`-3pcc`), which carries the consult dialog's tags to the line that sends the REFER.

mod common;

use std::time::Duration;

use common::{AgentPhone, CallerPhone, Markers, Sipp, Switchboard, free_sip_port};

#[test]
fn an_agent_joins_its_caller_to_the_colleague_it_consulted() {
    let sb = Switchboard::start("attended-transfer");
    let first = Markers::new("attended-transfer-1002");
    let colleague = Markers::new("attended-transfer-1001");
    let twin = format!("127.0.0.1:{}", free_sip_port());
    let marker_dir = first.dir.to_string_lossy().into_owned();

    // 1002's second line listens for its twin's command, so it starts first.
    let consult_rtp = common::rtp::RtpPeer::bind();
    // sipp's digest `uri` is sip:host:port unless told; ours must name the Request-URI.
    let auth_uri = format!("1001@{}", sb.sip);
    let second_line = Sipp::start(
        "consult",
        &sb,
        "agent_consults.xml",
        &[
            ("user", "1002".to_string()),
            ("consult_with", "1001".to_string()),
            ("rtp_port", consult_rtp.port.to_string()),
            ("marker_dir", marker_dir.clone()),
        ],
        &[
            "-3pcc",
            &twin,
            "-au",
            "1002",
            "-ap",
            "pass1002",
            "-auth_uri",
            &auth_uri,
            "-m",
            "1",
        ],
        Duration::from_secs(60),
    );
    std::thread::sleep(Duration::from_millis(300));
    let first_rtp = common::rtp::RtpPeer::bind();
    let _first_line = Sipp::agent_with(
        &sb,
        "u1",
        "1002",
        "pass1002",
        ("agent_register_twin.xml", "agent_transfers_attended.xml"),
        &[
            ("rtp_port", first_rtp.port.to_string()),
            ("consult_with", "1001".to_string()),
        ],
        &first,
        Duration::from_secs(60),
        &["-3pcc", &twin],
    );
    first.wait("registered", Duration::from_secs(10));
    // 1001 has no green-card skill: it is not offered the caller, only called by 1002.
    let mut b = AgentPhone::register(
        &sb,
        &colleague,
        "1001",
        "u1",
        "agent_answers_and_is_reinvited.xml",
    );

    let mut caller = CallerPhone::dial(
        &sb,
        &first,
        "caller_held_by_agent.xml",
        Duration::from_secs(4),
    );
    caller.press('2');
    first.wait("rung", Duration::from_secs(10));
    first.wait("agent_held", Duration::from_secs(10));
    first.wait("caller_held", Duration::from_secs(5));

    // The consult call: 1001 rings and answers; the tags reach the first line.
    colleague.wait("rung", Duration::from_secs(10));
    first.wait("consult_answered", Duration::from_secs(10));
    first.wait("consult_up", Duration::from_secs(10));

    // The REFER: accepted, both of 1002's dialogs end, 1001 and the caller are re-invited.
    first.wait("refer_accepted", Duration::from_secs(10));
    first.wait("transferred", Duration::from_secs(10));
    first.wait("consult_ended", Duration::from_secs(10));
    colleague.wait("reinvited", Duration::from_secs(10));
    first.wait("caller_got_sendrecv", Duration::from_secs(10));
    first.wait("caller_resumed", Duration::from_secs(10));
    assert!(sb.log_text().contains("attended transfer"));

    // The caller and 1001 hear each other; the caller hangs up and 1001 gets the BYE.
    let caller = caller.talk_with(&mut b, 50);
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    colleague.wait("bye", Duration::from_secs(10));
    assert!(second_line.wait().success(), "second line scenario failed");
    assert!(sb.stop().success());
}
