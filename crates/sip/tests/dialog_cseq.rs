//! RFC 3261 §12.2.2: the peer's CSeq must grow inside a dialog; ACK and CANCEL reuse theirs;
//! a target refresh moves the remote target; requests of other dialogs are refused.

use bytes::Bytes;
use sip::dialog::Dialog;
use sip::{Error, Message, Request};

fn request(method: &str, cseq: u32, to_tag: &str, contact: Option<&str>) -> Request {
    let mut text = format!(
        "{method} sip:100@sb.example SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK{method}{cseq}\r\n\
         From: <sip:al@a.example>;tag=f1\r\nTo: <sip:100@sb.example>{to_tag}\r\nCall-ID: c3\r\n\
         CSeq: {cseq} {method}\r\n"
    );
    if let Some(c) = contact {
        text.push_str(&format!("Contact: {c}\r\n"));
    }
    text.push_str("Content-Length: 0\r\n\r\n");
    match Message::parse(Bytes::from(text)) {
        Ok(Message::Request(r)) => r,
        other => panic!("fixture: {other:?}"),
    }
}

fn dialog() -> Dialog {
    Dialog::new_uas(&request("INVITE", 5, "", Some("<sip:al@10.0.0.5>")), "t9").expect("dialog")
}

#[test]
fn peer_cseq_must_increase() {
    let mut d = dialog();
    assert_eq!(
        d.handle_request(&request("ACK", 5, ";tag=t9", None)),
        Ok(()),
        "ACK reuses the INVITE's"
    );
    assert_eq!(
        d.handle_request(&request("INFO", 6, ";tag=t9", None)),
        Ok(())
    );
    assert_eq!(
        d.handle_request(&request("INFO", 6, ";tag=t9", None)),
        Err(Error::DialogCSeqOutOfOrder {
            received: 6,
            last: 6
        })
    );
    assert_eq!(
        d.handle_request(&request("BYE", 3, ";tag=t9", None)),
        Err(Error::DialogCSeqOutOfOrder {
            received: 3,
            last: 6
        })
    );
    assert_eq!(
        d.handle_request(&request("BYE", 100, ";tag=t9", None)),
        Ok(()),
        "gaps are fine"
    );
    assert_eq!(d.remote_seq(), Some(100));
}

#[test]
fn re_invite_moves_the_remote_target() {
    let mut d = dialog();
    d.handle_request(&request(
        "INVITE",
        6,
        ";tag=t9",
        Some("<sip:al@10.0.0.99:5070>"),
    ))
    .expect("re-INVITE");
    assert_eq!(d.remote_target().to_string(), "sip:al@10.0.0.99:5070");
    // INFO is not a target refresh: its Contact (if any) is ignored.
    d.handle_request(&request("INFO", 7, ";tag=t9", Some("<sip:al@203.0.113.1>")))
        .expect("INFO");
    assert_eq!(d.remote_target().to_string(), "sip:al@10.0.0.99:5070");
}

#[test]
fn requests_of_other_dialogs_are_refused() {
    let mut d = dialog();
    assert_eq!(
        d.handle_request(&request("BYE", 9, ";tag=other", None)),
        Err(Error::DialogMismatch)
    );
    assert_eq!(
        d.handle_request(&request("BYE", 9, "", None)),
        Err(Error::DialogMismatch)
    );
    assert_eq!(d.remote_seq(), Some(5), "a refused request changes nothing");
}

#[test]
fn an_invite_without_from_tag_or_contact_makes_no_dialog() {
    let no_contact = request("INVITE", 1, "", None);
    assert_eq!(
        Dialog::new_uas(&no_contact, "t").err(),
        Some(Error::DialogMissingContact)
    );
    let mut no_tag = request("INVITE", 1, "", Some("<sip:al@10.0.0.5>"));
    no_tag
        .headers
        .set(sip::HeaderName::From, "<sip:al@a.example>");
    assert_eq!(
        Dialog::new_uas(&no_tag, "t").err(),
        Some(Error::DialogMissingTag("From"))
    );
}
