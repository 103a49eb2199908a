//! A burst of malformed datagrams (garbage, truncated, missing Call-ID, bad CSeq, a huge
//! header, a bad status line…) is answered 400 or dropped silently, never crashes the switch,
//! and a call placed right after still completes.

mod common;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use common::Switchboard;

fn request(headers: &str, body: &str) -> Vec<u8> {
    format!("{headers}\r\n{body}").into_bytes()
}

fn malformed() -> Vec<(&'static str, Vec<u8>)> {
    let ok_head = |call_id: &str, cseq: &str, extra: &str| {
        let branch = fastrand::u64(..);
        format!(
            "OPTIONS sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-{branch}\r\n\
             From: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:100@127.0.0.1>\r\n{call_id}CSeq: {cseq}\r\n{extra}Max-Forwards: 70\r\n"
        )
    };
    let mut garbage = vec![0u8; 700];
    for (i, b) in garbage.iter_mut().enumerate() {
        *b = (i * 7919 % 251) as u8;
    }
    vec![
        ("garbage", garbage),
        ("nul bytes", b"\0\0\0\0INVITE\0sip:\0".to_vec()),
        (
            "truncated body",
            request(
                &ok_head("Call-ID: t1\r\n", "1 OPTIONS", "Content-Length: 500\r\n"),
                "v=0\r\n",
            ),
        ),
        (
            "truncated head",
            b"INVITE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;bra".to_vec(),
        ),
        (
            "missing Call-ID",
            request(&ok_head("", "1 OPTIONS", "Content-Length: 0\r\n"), ""),
        ),
        (
            "bad CSeq",
            request(
                &ok_head("Call-ID: b1\r\n", "one OPTIONS", "Content-Length: 0\r\n"),
                "",
            ),
        ),
        (
            "CSeq method mismatch",
            request(
                &ok_head("Call-ID: b2\r\n", "1 INVITE", "Content-Length: 0\r\n"),
                "",
            ),
        ),
        (
            "huge header",
            request(
                &ok_head(
                    "Call-ID: h1\r\n",
                    "1 OPTIONS",
                    &format!("Subject: {}\r\nContent-Length: 0\r\n", "x".repeat(20_000)),
                ),
                "",
            ),
        ),
        (
            "bad status line",
            b"SIP/2.0 99999 Nope\r\nCall-ID: r1\r\n\r\n".to_vec(),
        ),
        ("bad request line", b"INVITE\r\n\r\n".to_vec()),
        (
            "not SIP at all",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
    ]
}

#[test]
fn malformed_datagrams_get_400_or_silence_and_calls_still_work() {
    let sb = Switchboard::start("malformed-burst");
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    for _round in 0..5 {
        for (_what, datagram) in malformed() {
            sock.send_to(&datagram, sb.sip).expect("send");
        }
    }
    // Every reply is a 400 that says what was wrong; the rest is dropped silently.
    let mut answered_400 = 0;
    let mut buf = [0u8; 65_536];
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let Ok((len, _)) = sock.recv_from(&mut buf) else {
            break;
        };
        let reply = String::from_utf8_lossy(&buf[..len]);
        assert!(
            reply.starts_with("SIP/2.0 400 "),
            "only a 400 may answer malformed input, got {reply}"
        );
        answered_400 += 1;
    }
    assert!(
        answered_400 >= 1,
        "answerable requests (bad CSeq, missing Call-ID…) get a 400 that says why"
    );
    let log = sb.log_text();
    assert!(!log.contains("panicked"), "no panic:\n{log}");

    common::bridged_call_caller_hangs_up(&sb, "malformed-burst");
    assert!(sb.stop().success());
}
