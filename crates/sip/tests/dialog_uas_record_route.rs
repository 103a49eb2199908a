//! The UAS side of a dialog: created from an INVITE that crossed two record-routing proxies;
//! our BYE follows the route set in order, to the caller's Contact.

use bytes::Bytes;
use sip::dialog::{Dialog, DialogId, DialogState};
use sip::transport::Transport;
use sip::{HeaderName, Host, Message, Method, Request, Via};

fn invite() -> Request {
    let text = "INVITE sip:100@sb.example SIP/2.0\r\n\
        Via: SIP/2.0/UDP p2.example;branch=z9hG4bKp2\r\n\
        Via: SIP/2.0/UDP p1.example;branch=z9hG4bKp1\r\n\
        Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa1\r\n\
        Max-Forwards: 68\r\n\
        Record-Route: <sip:p2.example;lr>\r\n\
        Record-Route: <sip:p1.example;lr>\r\n\
        From: \"Al\" <sip:al@a.example>;tag=f1\r\n\
        To: <sip:100@sb.example>\r\n\
        Call-ID: call-1@10.0.0.5\r\n\
        CSeq: 7 INVITE\r\n\
        Contact: <sip:al@10.0.0.5:5062>\r\n\
        Content-Length: 0\r\n\r\n";
    match Message::parse(Bytes::from_static(text.as_bytes())) {
        Ok(Message::Request(r)) => r,
        other => panic!("fixture: {other:?}"),
    }
}

fn our_via() -> Via {
    Via::new(
        Transport::Udp,
        Host::Domain("sb.example".into()),
        Some(5060),
        &sip::ids::new_branch(),
    )
}

#[test]
fn uas_dialog_takes_its_state_from_the_invite() {
    let d = Dialog::new_uas(&invite(), "t9").expect("dialog");
    assert_eq!(
        d.id(),
        &DialogId {
            call_id: "call-1@10.0.0.5".into(),
            local_tag: "t9".into(),
            remote_tag: "f1".into()
        }
    );
    assert_eq!(d.state(), DialogState::Early);
    assert_eq!((d.local_seq(), d.remote_seq()), (0, Some(7)));
    assert_eq!(d.remote_target().to_string(), "sip:al@10.0.0.5:5062");
    let routes: Vec<String> = d.route_set().iter().map(|r| r.uri.to_string()).collect();
    assert_eq!(
        routes,
        ["sip:p2.example;lr", "sip:p1.example;lr"],
        "UAS keeps Record-Route order"
    );
    assert_eq!(d.local_uri().tag(), Some("t9"));
    assert_eq!(d.remote_uri().display_name.as_deref(), Some("Al"));
    assert!(!d.is_secure());
}

#[test]
fn bye_from_the_uas_follows_the_route_set() {
    let mut d = Dialog::new_uas(&invite(), "t9").expect("dialog");
    d.confirm();
    assert_eq!(d.state(), DialogState::Confirmed);
    let bye = d.new_request(Method::Bye, our_via());

    assert_eq!(
        bye.uri.to_string(),
        "sip:al@10.0.0.5:5062",
        "loose routing: Request-URI is the target"
    );
    let routes: Vec<&str> = bye.headers.get_all(&HeaderName::Route).collect();
    assert_eq!(routes, ["<sip:p2.example;lr>", "<sip:p1.example;lr>"]);
    assert_eq!(d.next_hop().to_string(), "sip:p2.example;lr");
    assert_eq!(
        bye.headers.get(&HeaderName::From),
        Some("<sip:100@sb.example>;tag=t9")
    );
    assert_eq!(
        bye.headers.get(&HeaderName::To),
        Some("\"Al\" <sip:al@a.example>;tag=f1")
    );
    assert_eq!(
        bye.headers.get(&HeaderName::CallId),
        Some("call-1@10.0.0.5")
    );
    assert_eq!(bye.headers.get(&HeaderName::CSeq), Some("1 BYE"));
    assert_eq!(bye.headers.get(&HeaderName::MaxForwards), Some("70"));

    // What we print parses back with the same dialog id from the caller's point of view.
    let Ok(Message::Request(parsed)) = Message::parse(bye.encode()) else {
        panic!("BYE parses")
    };
    assert_eq!(parsed.cseq().map(|c| c.seq), Ok(1));
    assert_eq!(
        d.new_request(Method::Info, our_via()).cseq().map(|c| c.seq),
        Ok(2)
    );
}
