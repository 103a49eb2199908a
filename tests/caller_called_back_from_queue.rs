//! Virtual hold end to end: a queued caller presses 1, then `#` for its own number, hears the
//! confirmation and is hung up on; when an agent answers, the switch calls the caller back through the carrier trunk (a
//! sipp server checking the number and the caller id) and bridges the two: audio both ways.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::rtp::RtpPeer;
use common::{AgentPhone, Markers, Sipp, Switchboard, TestDir, free_sip_port};

#[test]
fn a_caller_who_asked_for_a_callback_is_called_back_when_an_agent_answers() {
    let files = TestDir::new("callback");
    let markers = Markers::new("callback");
    let customer_rtp = RtpPeer::bind();
    let carrier_port = free_sip_port();
    let _carrier = Sipp::server(
        "carrier",
        carrier_port,
        "customer_takes_callback.xml",
        &[
            ("rtp_port", customer_rtp.port.to_string()),
            ("marker_dir", markers.dir.to_string_lossy().into_owned()),
        ],
        Duration::from_secs(90),
    );
    let config = files.demo_config(&[("[[queues]]", "callback_key = \"1\"")]);
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str(&format!(
        "\n[[trunks]]\nname = \"carrier\"\nsources = [\"127.0.0.2\"]\nqualify = false\n\
         proxy = \"127.0.0.1:{carrier_port}\"\n\n\
         [[dial_rules]]\nname = \"callbacks\"\ntrunk = \"carrier\"\nprefixes = [\"\"]\n\
         min_length = 10\nmax_length = 12\ncaller_id = \"+12025550100\"\n"
    ));
    std::fs::write(&config, text).expect("config");
    let sb = Switchboard::start_with_config("callback", &config);

    // The caller queues for immigration, presses 1 and is hung up on after the confirmation.
    let caller_rtp = RtpPeer::bind();
    let caller = Sipp::caller(
        &sb,
        "caller_wait_bye.xml",
        "100",
        caller_rtp.port,
        &markers,
        Duration::from_secs(30),
        &[],
    );
    let mut caller_rtp = caller_rtp;
    let switch_leg = caller_rtp.wait_packets(10, Duration::from_secs(10));
    caller_rtp.send_digit(switch_leg, 101, '2');
    std::thread::sleep(Duration::from_secs(1));
    caller_rtp.send_digit(switch_leg, 101, '1');
    std::thread::sleep(Duration::from_millis(500));
    // `#` alone: call back the number this call comes from.
    caller_rtp.send_digit(switch_leg, 101, '#');
    assert!(caller.wait().success(), "the caller was hung up on");
    assert!(sb.log_text().contains("its place is kept"));

    // An agent comes: rung for the callback, answers; the caller is called back.
    let agent_markers = Markers::new("callback-agent");
    let mut agent = AgentPhone::register(&sb, &agent_markers, "1002", "u1", "agent_answer.xml");
    agent_markers.wait("rung", Duration::from_secs(10));
    markers.wait("carrier_invited", Duration::from_secs(10));
    markers.wait("carrier_acked", Duration::from_secs(10));

    // Audio both ways: the called-back caller speaks first (its switch port came in the SDP).
    markers.wait("carrier_leg_port", Duration::from_secs(5));
    let port: u16 = std::fs::read_to_string(markers.dir.join("carrier_leg_port"))
        .expect("port file")
        .trim()
        .parse()
        .expect("a port");
    let to_switch = SocketAddr::from(([127, 0, 0, 1], port));
    let customer_ssrc = customer_rtp.ssrc();
    let mut customer_rtp = customer_rtp;
    let sender = std::thread::spawn(move || {
        customer_rtp.send_audio(to_switch, 100);
        customer_rtp
    });
    let agent_leg = agent.rtp.wait_packets(20, Duration::from_secs(10));
    agent.rtp.send_audio(agent_leg, 50);
    let customer_rtp = sender.join().expect("customer audio");
    assert!(
        agent.rtp.count_from(customer_ssrc) >= 60,
        "{:?}",
        agent.rtp.received()
    );
    assert!(
        customer_rtp.count_from(agent.rtp.ssrc()) >= 30,
        "{:?}",
        customer_rtp.received()
    );
    assert!(
        sb.log_text()
            .contains("the caller took the callback; bridged")
    );
    assert!(sb.stop().success());
    markers.wait("carrier_got_bye", Duration::from_secs(5));
}
