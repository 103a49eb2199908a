//! Shared helpers for the media integration tests.

#![allow(dead_code)]

use std::net::IpAddr;

use media::{Codec, LocalMedia, SessionDescription};

/// Our media endpoint at 203.0.113.5:20000 offering PCMU, PCMA and DTMF.
pub fn local() -> LocalMedia {
    local_at("203.0.113.5")
}

/// Our media endpoint at the given address.
pub fn local_at(ip: &str) -> LocalMedia {
    LocalMedia {
        addr: ip.parse::<IpAddr>().expect("test address"),
        port: 20000,
        codecs: vec![Codec::Pcmu, Codec::Pcma],
        dtmf: true,
        session_id: 42,
        session_version: 1,
    }
}

/// Parses SDP written in a test, with LF line endings.
pub fn sdp(text: &str) -> SessionDescription {
    SessionDescription::parse(text.as_bytes()).expect("test SDP parses")
}

/// Writes expected SDP with LF endings in the test and compares with CRLF output.
pub fn assert_sdp_eq(actual: &SessionDescription, expected: &str) {
    assert_eq!(actual.to_string(), expected.replace('\n', "\r\n"));
}
