//! baresip 1.0.0 registers as agent 1001 over TLS (a self-signed certificate made for the
//! test, trusted through `sip_cafile`), is rung over its TLS connection, answers by itself and
//! talks with a caller who came in over UDP: audio flows both ways through the relay, and the
//! caller's hang-up reaches baresip as a BYE on the same connection. A certificate that does
//! not load stops the start as a configuration error (exit code 2), naming the key.

mod common;

use std::net::SocketAddr;

use common::baresip::{Baresip, Transport, answers_the_queued_call};
use common::{Switchboard, TestDir, free_sip_port};

#[test]
fn an_agent_registered_over_tls_is_rung_over_its_connection_and_audio_flows() {
    let files = TestDir::new("agent-over-tls");
    let (cert, key) = files.self_signed_cert();
    let tls = SocketAddr::from(([127, 0, 0, 1], free_sip_port()));
    let config = files.demo_config_with(&format!(
        "tls_listen = \"{tls}\"\ntls_cert = {:?}\ntls_key = {:?}",
        cert.to_string_lossy(),
        key.to_string_lossy()
    ));
    let sb = Switchboard::start_with_config("agent-over-tls", &config);
    assert!(
        sb.log_text().contains("SIP listening on TLS"),
        "{}",
        sb.log_text()
    );

    let phone = Baresip::register_over_tls(&sb, "1001", tls, &cert);
    answers_the_queued_call(sb, phone, Transport::Tls, "agent-over-tls");
}

#[test]
fn a_certificate_that_does_not_load_stops_the_start_as_a_config_error() {
    let files = TestDir::new("tls-bad-cert");
    let missing = files.dir.join("missing-cert.pem");
    let config = files.demo_config_with(&format!(
        "tls_listen = \"127.0.0.1:{}\"\ntls_cert = {:?}\ntls_key = \"key.pem\"",
        free_sip_port(),
        missing.to_string_lossy()
    ));
    let out = std::process::Command::new("timeout")
        .args(["20", env!("CARGO_BIN_EXE_switchboard")])
        .arg("--config")
        .arg(&config)
        .args(["--sip-addr", &format!("127.0.0.1:{}", free_sip_port())])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run switchboard");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("sip.tls_cert") && stderr.contains("missing-cert.pem"),
        "the error names the key and the file: {stderr}"
    );
}
