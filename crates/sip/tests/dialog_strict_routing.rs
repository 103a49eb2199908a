//! RFC 3261 §12.2.1.1 with a strict router (no `;lr`) first in the route set: it becomes the
//! Request-URI and the remote target travels as the last Route.

use bytes::Bytes;
use sip::dialog::Dialog;
use sip::transport::Transport;
use sip::{HeaderName, Host, Message, Method, Request, Via};

fn invite(record_routes: &[&str]) -> Request {
    let mut text = String::from(
        "INVITE sip:100@sb.example SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKa1\r\n\
         From: <sip:al@a.example>;tag=f1\r\nTo: <sip:100@sb.example>\r\nCall-ID: c2\r\n\
         CSeq: 1 INVITE\r\nContact: <sip:al@10.0.0.5>\r\n",
    );
    for rr in record_routes {
        text.push_str(&format!("Record-Route: {rr}\r\n"));
    }
    text.push_str("Content-Length: 0\r\n\r\n");
    match Message::parse(Bytes::from(text)) {
        Ok(Message::Request(r)) => r,
        other => panic!("fixture: {other:?}"),
    }
}

fn via() -> Via {
    Via::new(
        Transport::Udp,
        Host::Domain("sb.example".into()),
        None,
        "z9hG4bKx",
    )
}

#[test]
fn strict_router_takes_the_request_uri() {
    let mut d = Dialog::new_uas(
        &invite(&["<sip:strict.example>", "<sip:loose.example;lr>"]),
        "t",
    )
    .expect("dialog");
    let bye = d.new_request(Method::Bye, via());
    assert_eq!(bye.uri.to_string(), "sip:strict.example");
    assert_eq!(
        bye.headers.get_all(&HeaderName::Route).collect::<Vec<_>>(),
        ["<sip:loose.example;lr>", "<sip:al@10.0.0.5>"]
    );
    assert_eq!(d.next_hop().to_string(), "sip:strict.example");
}

#[test]
fn without_a_route_set_the_request_goes_straight_to_the_target() {
    let mut d = Dialog::new_uas(&invite(&[]), "t").expect("dialog");
    let bye = d.new_request(Method::Bye, via());
    assert_eq!(bye.uri.to_string(), "sip:al@10.0.0.5");
    assert_eq!(bye.headers.get(&HeaderName::Route), None);
    assert_eq!(d.next_hop().to_string(), "sip:al@10.0.0.5");
}
