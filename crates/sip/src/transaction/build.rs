//! Requests the transaction layer builds itself: the ACK of a non-2xx final response
//! (RFC 3261 §17.1.1.3) and the CANCEL of a pending INVITE (§9.1).
//!
//! Both belong to the INVITE's transaction, so they copy its Request-URI, Call-ID, From, CSeq
//! number, Route set and only its top Via (same branch); they differ in the To header (the ACK
//! carries the response's To, with the tag the server chose) and the CSeq method.

use bytes::Bytes;

use crate::message::{HeaderName, Headers, Method, Request, Response};

/// The Max-Forwards of requests we originate (RFC 3261 §8.1.1.6).
const MAX_FORWARDS: &str = "70";

/// The CANCEL for `invite` (RFC 3261 §9.1).
pub(crate) fn cancel(invite: &Request) -> Request {
    let to = invite.headers.get(&HeaderName::To).map(str::to_owned);
    sibling(invite, Method::Cancel, to.as_deref())
}

/// The ACK for a non-2xx final `response` to `invite` (RFC 3261 §17.1.1.3).
pub(crate) fn ack(invite: &Request, response: &Response) -> Request {
    let to = response
        .headers
        .get(&HeaderName::To)
        .or_else(|| invite.headers.get(&HeaderName::To))
        .map(str::to_owned);
    sibling(invite, Method::Ack, to.as_deref())
}

/// A request of the INVITE's own transaction with `method` and `to`.
fn sibling(invite: &Request, method: Method, to: Option<&str>) -> Request {
    let mut headers = Headers::new();
    // Headers::get yields the first element of a list header: the top Via.
    if let Some(via) = invite.headers.get(&HeaderName::Via) {
        headers.push(HeaderName::Via, via);
    }
    for route in invite.headers.get_all(&HeaderName::Route) {
        headers.push(HeaderName::Route, route);
    }
    headers.push(HeaderName::MaxForwards, MAX_FORWARDS);
    if let Some(from) = invite.headers.get(&HeaderName::From) {
        headers.push(HeaderName::From, from);
    }
    if let Some(to) = to {
        headers.push(HeaderName::To, to);
    }
    if let Some(call_id) = invite.headers.get(&HeaderName::CallId) {
        headers.push(HeaderName::CallId, call_id);
    }
    // Only the number is reused; the method is this request's own (§9.1, §17.1.1.3).
    let seq = invite
        .headers
        .get(&HeaderName::CSeq)
        .and_then(|v| v.split_whitespace().next())
        .unwrap_or("1");
    headers.push(HeaderName::CSeq, format!("{seq} {method}"));
    Request {
        method,
        uri: invite.uri.clone(),
        headers,
        body: Bytes::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn parse_request(text: &str) -> Request {
        match Message::parse(Bytes::from(text.to_owned())) {
            Ok(Message::Request(r)) => r,
            other => panic!("test request does not parse: {other:?}"),
        }
    }

    fn invite() -> Request {
        parse_request(
            "INVITE sip:100@pbx.example.com SIP/2.0\r\n\
             Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKinv;rport\r\n\
             Via: SIP/2.0/UDP 10.0.0.7;branch=z9hG4bKbelow\r\n\
             Route: <sip:proxy1.example.com;lr>, <sip:proxy2.example.com;lr>\r\n\
             Max-Forwards: 69\r\n\
             From: \"Caller\" <sip:caller@example.com>;tag=abc\r\n\
             To: <sip:100@pbx.example.com>\r\n\
             Call-ID: call-1@10.0.0.1\r\n\
             CSeq: 314 INVITE\r\n\
             Contact: <sip:caller@10.0.0.1>\r\n\
             Content-Type: application/sdp\r\n\
             Content-Length: 4\r\n\r\nv=0\n",
        )
    }

    fn header(req: &Request, name: HeaderName) -> Vec<String> {
        req.headers.get_all(&name).map(str::to_owned).collect()
    }

    #[test]
    fn cancel_copies_the_invite_identity_and_only_the_top_via() {
        let invite = invite();
        let cancel = cancel(&invite);
        assert_eq!(cancel.method, Method::Cancel);
        assert_eq!(cancel.uri, invite.uri);
        assert_eq!(
            header(&cancel, HeaderName::Via),
            ["SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKinv;rport"]
        );
        assert_eq!(header(&cancel, HeaderName::Route).len(), 2);
        assert_eq!(header(&cancel, HeaderName::CSeq), ["314 CANCEL"]);
        assert_eq!(
            header(&cancel, HeaderName::To),
            ["<sip:100@pbx.example.com>"]
        );
        assert_eq!(header(&cancel, HeaderName::CallId), ["call-1@10.0.0.1"]);
        assert_eq!(
            header(&cancel, HeaderName::From),
            ["\"Caller\" <sip:caller@example.com>;tag=abc"]
        );
        assert!(cancel.headers.get(&HeaderName::Contact).is_none());
        assert!(cancel.body.is_empty());
        assert!(matches!(
            Message::parse(cancel.encode()),
            Ok(Message::Request(_))
        ));
    }

    #[test]
    fn ack_of_a_non_2xx_takes_the_to_tag_of_the_response() {
        let invite = invite();
        let mut busy = Response::for_request(&invite, 486);
        busy.headers
            .set(HeaderName::To, "<sip:100@pbx.example.com>;tag=srv");
        let ack = ack(&invite, &busy);
        assert_eq!(ack.method, Method::Ack);
        assert_eq!(
            header(&ack, HeaderName::To),
            ["<sip:100@pbx.example.com>;tag=srv"]
        );
        assert_eq!(header(&ack, HeaderName::CSeq), ["314 ACK"]);
        assert_eq!(
            ack.top_via()
                .ok()
                .and_then(|v| v.branch().map(str::to_owned)),
            Some("z9hG4bKinv".to_owned()),
            "same branch: the ACK is part of the INVITE transaction"
        );
        assert_eq!(header(&ack, HeaderName::Via).len(), 1);
    }
}
