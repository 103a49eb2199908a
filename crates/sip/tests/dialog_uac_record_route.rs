//! The UAC side: our INVITE out of dialog, an early dialog from a 180, confirmation by the 200
//! with the route set recomputed (reversed Record-Route), the ACK and a BYE.

use sip::dialog::{Dialog, DialogState, new_invite};
use sip::transport::Transport;
use sip::{Error, HeaderName, Host, Message, Method, NameAddr, Request, Response, Uri, Via};

fn uri(s: &str) -> Uri {
    Uri::parse(s).expect("uri")
}

fn via() -> Via {
    Via::new(
        Transport::Udp,
        Host::Domain("sb.example".into()),
        Some(5060),
        &sip::ids::new_branch(),
    )
}

fn our_invite() -> Request {
    let mut from = NameAddr::new(uri("sip:queue-benefits@sb.example"));
    from.set_tag("ft");
    let to = NameAddr::new(uri("sip:1001@sb.example"));
    let mut req = new_invite(
        from,
        to,
        uri("sip:1001@192.0.2.10:5060"),
        "b-leg-1@sb.example".into(),
        10,
        uri("sip:sb@198.51.100.1:5060"),
        via(),
    );
    req.headers
        .push(HeaderName::Authorization, "Digest username=\"trunk\"");
    req
}

/// The agent's answer as it arrives: Record-Route in the order the UAS saw it.
fn answer(status: u16, contact: &str) -> Response {
    let mut r = Response::for_request(&our_invite(), status);
    let mut to = r.to().expect("to");
    to.set_tag("agent-tag");
    r.headers.set(HeaderName::To, to.to_string());
    r.headers
        .push(HeaderName::RecordRoute, "<sip:p2.example;lr>");
    r.headers
        .push(HeaderName::RecordRoute, "<sip:p1.example;lr>");
    r.headers.push(HeaderName::Contact, contact);
    // Through the wire and back, as the transaction layer would deliver it.
    match Message::parse(r.encode()) {
        Ok(Message::Response(r)) => r,
        other => panic!("response parses: {other:?}"),
    }
}

#[test]
fn new_invite_is_a_well_formed_request() {
    let inv = our_invite();
    let Ok(Message::Request(parsed)) = Message::parse(inv.encode()) else {
        panic!("parses")
    };
    assert_eq!(parsed.method, Method::Invite);
    assert_eq!(parsed.headers.get(&HeaderName::MaxForwards), Some("70"));
    assert_eq!(parsed.headers.get(&HeaderName::CSeq), Some("10 INVITE"));
    assert_eq!(
        parsed.headers.get(&HeaderName::Contact),
        Some("<sip:sb@198.51.100.1:5060>")
    );
    assert_eq!(parsed.from().expect("from").tag(), Some("ft"));
    assert_eq!(parsed.to().expect("to").tag(), None);
}

#[test]
fn ringing_makes_an_early_dialog_and_200_confirms_it() {
    let inv = our_invite();
    let mut d = Dialog::new_uac(&inv, &answer(180, "<sip:1001@10.0.0.7:5060>")).expect("early");
    assert_eq!(d.state(), DialogState::Early);
    assert_eq!(d.id().local_tag, "ft");
    assert_eq!(d.id().remote_tag, "agent-tag");
    let routes: Vec<String> = d.route_set().iter().map(|r| r.uri.to_string()).collect();
    assert_eq!(
        routes,
        ["sip:p1.example;lr", "sip:p2.example;lr"],
        "UAC reverses Record-Route"
    );

    // The 2xx carries a new Contact: the target and route set come from it.
    let ok = answer(200, "<sip:1001@10.0.0.7:5070>");
    d.handle_response(&ok).expect("same dialog");
    assert_eq!(d.state(), DialogState::Confirmed);
    assert_eq!(d.remote_target().to_string(), "sip:1001@10.0.0.7:5070");

    let ack = d.ack_for_2xx(&inv, &ok, via());
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(ack.uri.to_string(), "sip:1001@10.0.0.7:5070");
    assert_eq!(
        ack.headers.get(&HeaderName::CSeq),
        Some("10 ACK"),
        "ACK reuses the INVITE's number"
    );
    assert_eq!(
        ack.headers.get_all(&HeaderName::Route).collect::<Vec<_>>(),
        ["<sip:p1.example;lr>", "<sip:p2.example;lr>"]
    );
    assert_eq!(
        ack.headers.get(&HeaderName::Authorization),
        Some("Digest username=\"trunk\"")
    );
    assert_eq!(ack.to().expect("to").tag(), Some("agent-tag"));

    let bye = d.new_request(Method::Bye, via());
    assert_eq!(bye.headers.get(&HeaderName::CSeq), Some("11 BYE"));
    assert_eq!(d.next_hop().to_string(), "sip:p1.example;lr");
}

#[test]
fn a_200_alone_makes_a_confirmed_dialog() {
    let d = Dialog::new_uac(&our_invite(), &answer(200, "<sip:1001@10.0.0.7>")).expect("dialog");
    assert_eq!(d.state(), DialogState::Confirmed);
    assert_eq!((d.local_seq(), d.remote_seq()), (10, None));
}

#[test]
fn responses_that_cannot_make_a_dialog_are_refused() {
    let inv = our_invite();
    assert_eq!(
        Dialog::new_uac(&inv, &answer(100, "<sip:a@b>")).err(),
        Some(Error::DialogNotEstablishing(100))
    );
    assert_eq!(
        Dialog::new_uac(&inv, &answer(486, "<sip:a@b>")).err(),
        Some(Error::DialogNotEstablishing(486))
    );

    let untagged = Response::for_request(&inv, 180);
    assert_eq!(
        Dialog::new_uac(&inv, &untagged).err(),
        Some(Error::DialogMissingTag("To"))
    );

    let mut no_contact = answer(200, "<sip:a@b>");
    no_contact.headers.remove(&HeaderName::Contact);
    assert_eq!(
        Dialog::new_uac(&inv, &no_contact).err(),
        Some(Error::DialogMissingContact)
    );

    let mut other = answer(200, "<sip:a@b>");
    other.headers.set(HeaderName::CallId, "someone-else");
    let mut d = Dialog::new_uac(&inv, &answer(180, "<sip:a@b>")).expect("early");
    assert_eq!(d.handle_response(&other), Err(Error::DialogMismatch));
}

#[test]
fn sips_request_uri_makes_a_secure_dialog() {
    let mut inv = our_invite();
    inv.uri = uri("sips:1001@192.0.2.10");
    let d = Dialog::new_uac(&inv, &answer(200, "<sips:1001@10.0.0.7>")).expect("dialog");
    assert!(d.is_secure());
}
