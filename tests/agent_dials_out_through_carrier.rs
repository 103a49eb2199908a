//! An agent's phone dials an external number through the carrier trunk, as a dial rule
//! allows: its INVITE is challenged and authenticated with digest, the switch calls the
//! carrier (sipp) with the rule's caller id in From and P-Asserted-Identity, the phone hears
//! the carrier's ringing and is answered when the carrier answers, audio flows both ways
//! through the relay, and when the agent hangs up the carrier gets BYE. A number no rule
//! allows is refused with 403 and nothing reaches the carrier.

mod common;

use std::io::Write;
use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::time::Duration;

use common::rtp::tone_purity;
use common::{Markers, RtpPeer, Sipp, Switchboard, TestDir, free_sip_port};

/// The number the agent dials; `carrier_takes_outbound_call.xml` checks it.
const NUMBER: &str = "+12025550199";
/// A number of the right length whose prefix no rule allows.
const FORBIDDEN: &str = "+44207946012";
/// Packets of 20 ms each side sends once the call is up.
const PACKETS: u32 = 100;

/// The demo configuration plus a carrier trunk whose `proxy` is 127.0.0.1:`carrier_port` and
/// a dial rule for 12-character `+1` numbers, presented as +12025550100 (the caller id
/// `carrier_takes_outbound_call.xml` checks). The trunk is not qualified: the carrier here
/// must see nothing but the call (OPTIONS to trunks are tested in `switch/qualify_tests.rs`).
fn config_with_carrier(files: &TestDir, carrier_port: u16) -> PathBuf {
    let config = files.demo_config(&[]);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&config)
        .expect("config");
    write!(
        file,
        "\n[[trunks]]\nname = \"carrier\"\nsources = [\"127.0.0.2\"]\nqualify = false\n\
         proxy = \"127.0.0.1:{carrier_port}\"\n\n\
         [[dial_rules]]\nname = \"national\"\ntrunk = \"carrier\"\nprefixes = [\"+1\"]\n\
         min_length = 12\nmax_length = 12\ncaller_id = \"+12025550100\"\n"
    )
    .expect("append trunk and dial rule");
    config
}

/// Agent 1002's phone logs in (it takes no queue call here); returns once registered.
fn register(sb: &Switchboard, markers: &Markers) -> Sipp {
    let phone = Sipp::agent(
        sb,
        "1002",
        "pass1002",
        "agent_register.xml",
        "agent_answer.xml",
        &[("rtp_port", common::free_rtp_port().to_string())],
        markers,
        Duration::from_secs(30),
    );
    markers.wait("registered", Duration::from_secs(10));
    phone
}

/// Agent 1002's phone dialling `number` with `scenario`, staying `stay` after an answer.
fn dial(
    sb: &Switchboard,
    scenario: &str,
    number: &str,
    rtp_port: u16,
    markers: &Markers,
    stay: Duration,
) -> Sipp {
    Sipp::start(
        "agent1002",
        sb,
        scenario,
        &[
            ("user", "1002".to_string()),
            ("number", number.to_string()),
            ("rtp_port", rtp_port.to_string()),
            ("marker_dir", markers.dir.to_string_lossy().into_owned()),
        ],
        &[
            "-au",
            "1002",
            "-ap",
            "pass1002",
            // sipp signs sip:<this>; the switch wants the digest uri to be the Request-URI.
            "-auth_uri",
            &format!("{number}@{}", sb.sip),
            "-d",
            &stay.as_millis().to_string(),
            "-m",
            "1",
        ],
        stay + Duration::from_secs(30),
    )
}

/// The switch's RTP address a sipp scenario read from an SDP and wrote to `name`.
fn switch_rtp(markers: &Markers, name: &str) -> SocketAddr {
    markers.wait(name, Duration::from_secs(10));
    let text = std::fs::read_to_string(markers.dir.join(name)).expect("port file");
    let port: u16 = text.trim().parse().expect("a port number");
    SocketAddr::from(([127, 0, 0, 1], port))
}

#[test]
fn an_agent_dials_out_and_talks_with_the_carrier() {
    let files = TestDir::new("dial-out");
    let markers = Markers::new("dial-out");
    let carrier_rtp = RtpPeer::bind();
    let carrier_port = free_sip_port();
    let carrier = Sipp::server(
        "carrier",
        carrier_port,
        "carrier_takes_outbound_call.xml",
        &[
            ("rtp_port", carrier_rtp.port.to_string()),
            ("marker_dir", markers.dir.to_string_lossy().into_owned()),
        ],
        Duration::from_secs(60),
    );
    let config = config_with_carrier(&files, carrier_port);
    let sb = Switchboard::start_with_config("dial-out", &config);
    let _registered = register(&sb, &markers);

    let agent_rtp = RtpPeer::bind();
    let agent = dial(
        &sb,
        "agent_dials_out.xml",
        NUMBER,
        agent_rtp.port,
        &markers,
        Duration::from_secs(6),
    );

    // The carrier got the INVITE with the rule's caller id (its scenario checks From and
    // P-Asserted-Identity), rang the agent's phone and answered it.
    markers.wait("carrier_invited", Duration::from_secs(10));
    markers.wait("agent_ringing", Duration::from_secs(5));
    markers.wait("agent_answered", Duration::from_secs(5));
    markers.wait("carrier_acked", Duration::from_secs(5));
    assert!(
        !sb.log_text().contains("agent not paused"),
        "the agent is paused in the queues for its own call"
    );
    let agent_leg = switch_rtp(&markers, "agent_leg_port");
    let carrier_leg = switch_rtp(&markers, "carrier_leg_port");

    // Audio both ways: the agent sends 600 Hz, the carrier 1 kHz, each to the switch's port
    // on its own leg.
    let (agent_ssrc, carrier_ssrc) = (agent_rtp.ssrc(), carrier_rtp.ssrc());
    let mut agent_rtp = agent_rtp;
    let sender = std::thread::spawn(move || {
        agent_rtp.send_tone(agent_leg, PACKETS, 0, 600.0);
        agent_rtp
    });
    let mut carrier_rtp = carrier_rtp;
    carrier_rtp.send_tone(carrier_leg, PACKETS, 0, 1000.0);
    let agent_rtp = sender.join().expect("agent audio");
    std::thread::sleep(Duration::from_millis(200));

    let at_carrier = carrier_rtp.decoded_from(agent_ssrc);
    let sent = 160 * PACKETS as usize;
    assert!(
        at_carrier.len() >= sent * 8 / 10,
        "the carrier got {} of the agent's {sent} samples: {:?}",
        at_carrier.len(),
        carrier_rtp.received()
    );
    let purity = tone_purity(&at_carrier, 600.0);
    assert!(
        purity > 0.9,
        "the agent's 600 Hz arrives clean: {purity:.3}"
    );
    let at_agent = agent_rtp.decoded_from(carrier_ssrc);
    assert!(
        at_agent.len() >= sent * 8 / 10,
        "the agent got {} of the carrier's {sent} samples: {:?}",
        at_agent.len(),
        agent_rtp.received()
    );
    let purity = tone_purity(&at_agent, 1000.0);
    assert!(
        purity > 0.9,
        "the carrier's 1 kHz arrives clean: {purity:.3}"
    );

    // The agent hangs up: its BYE is answered and the carrier gets one.
    assert!(agent.wait().success(), "agent scenario failed");
    markers.wait("agent_bye_answered", Duration::from_secs(1));
    markers.wait("carrier_got_bye", Duration::from_secs(10));
    assert!(carrier.wait().success(), "carrier scenario failed");
    assert!(sb.stop().success(), "switchboard exits 0 on SIGTERM");
}

#[test]
fn a_number_no_rule_allows_is_refused_and_never_reaches_the_carrier() {
    let files = TestDir::new("dial-out-refused");
    let markers = Markers::new("dial-out-refused");
    // The carrier is a bare socket here: anything the switch sends it is a failure.
    let carrier_port = free_sip_port();
    let carrier = UdpSocket::bind(("127.0.0.1", carrier_port)).expect("bind carrier");
    let config = config_with_carrier(&files, carrier_port);
    let sb = Switchboard::start_with_config("dial-out-refused", &config);
    let _registered = register(&sb, &markers);

    let agent_rtp = RtpPeer::bind();
    let agent = dial(
        &sb,
        "agent_dials_out_refused.xml",
        FORBIDDEN,
        agent_rtp.port,
        &markers,
        Duration::from_secs(1),
    );
    // Challenged first (the scenario requires the 401), then refused.
    assert!(agent.wait().success(), "agent scenario failed");
    markers.wait("agent_refused", Duration::from_secs(2));
    assert!(
        sb.log_text().contains("no dial rule allows this number"),
        "refused for want of a rule"
    );

    carrier
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    let mut buf = [0u8; 2048];
    if let Ok((len, from)) = carrier.recv_from(&mut buf) {
        panic!(
            "the carrier received {len} bytes from {from}:\n{}",
            String::from_utf8_lossy(&buf[..len])
        );
    }
    assert!(sb.stop().success(), "switchboard exits 0 on SIGTERM");
}
