//! linphone 5.1 (`linphonec`) registers as agent 1003 over TLS (a self-signed certificate made
//! for the test, verified against `root_ca`; the name check is off, see
//! `Linphone::register_over_tls`), is rung over its TLS connection, answers by itself and
//! talks with a caller who came in over UDP: audio flows both ways through the relay, and the
//! caller's hang-up ends linphone's call.

mod common;

use std::net::SocketAddr;

use common::linphone::{Linphone, Transport, answers_the_queued_call};
use common::{Switchboard, TestDir, free_sip_port};

#[test]
fn linphone_over_tls_answers_a_queued_call_and_audio_flows_both_ways() {
    let files = TestDir::new("linphone-agent-tls");
    let (cert, key) = files.self_signed_cert();
    let tls = SocketAddr::from(([127, 0, 0, 1], free_sip_port()));
    let config = files.demo_config_with(&format!(
        "tls_listen = \"{tls}\"\ntls_cert = {:?}\ntls_key = {:?}",
        cert.to_string_lossy(),
        key.to_string_lossy()
    ));
    let sb = Switchboard::start_with_config("linphone-agent-tls", &config);
    assert!(
        sb.log_text().contains("SIP listening on TLS"),
        "{}",
        sb.log_text()
    );

    let phone = Linphone::register_over_tls(&sb, "1003", tls, &cert);
    answers_the_queued_call(sb, phone, Transport::Tls, "linphone-agent-tls");
}
