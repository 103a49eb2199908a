//! SIP responses (RFC 3261 §7.2, §21): status line, headers, body, and building a response to
//! a request (§8.2.6).

use bytes::Bytes;

use super::encode::encode;
use super::header_name::HeaderName;
use super::headers::Headers;
use super::request::Request;

/// A SIP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Headers,
    pub body: Bytes,
}

impl Response {
    /// A response with the standard reason phrase for `status`, no headers, no body.
    pub fn new(status: u16) -> Response {
        Response {
            status,
            reason: reason_phrase(status).to_owned(),
            headers: Headers::new(),
            body: Bytes::new(),
        }
    }

    /// A response to `req` (RFC 3261 §8.2.6.2): every Via in order, From, To, Call-ID and CSeq
    /// copied. Adding the To tag is the caller's business.
    pub fn for_request(req: &Request, status: u16) -> Response {
        let mut r = Response::new(status);
        for name in [
            HeaderName::Via,
            HeaderName::From,
            HeaderName::To,
            HeaderName::CallId,
            HeaderName::CSeq,
        ] {
            req.headers.copy_into(&name, &mut r.headers);
        }
        r
    }

    /// Prints the response; Content-Length is computed from the body.
    pub fn encode(&self) -> Bytes {
        let reason = self.reason.replace(['\r', '\n'], " ");
        encode(
            format_args!("SIP/2.0 {} {}", self.status, reason),
            &self.headers,
            &self.body,
        )
    }

    /// 1xx.
    pub fn is_provisional(&self) -> bool {
        (100..200).contains(&self.status)
    }

    /// 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// 2xx to 6xx.
    pub fn is_final(&self) -> bool {
        self.status >= 200
    }
}

/// The RFC 3261 §21 reason phrase (and later RFCs') for a status code; a class phrase for
/// codes without one.
pub fn reason_phrase(status: u16) -> &'static str {
    known_reason(status).unwrap_or(match status / 100 {
        1 => "Provisional",
        2 => "Success",
        3 => "Redirection",
        4 => "Client Error",
        5 => "Server Error",
        _ => "Global Failure",
    })
}

fn known_reason(status: u16) -> Option<&'static str> {
    Some(match status {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        199 => "Early Dialog Terminated",
        200 => "OK",
        202 => "Accepted",
        204 => "No Notification",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        305 => "Use Proxy",
        380 => "Alternative Service",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        412 => "Conditional Request Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        421 => "Extension Required",
        423 => "Interval Too Brief",
        439 => "First Hop Lacks Outbound Support",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        484 => "Address Incomplete",
        485 => "Ambiguous",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        489 => "Bad Event",
        491 => "Request Pending",
        493 => "Undecipherable",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        606 => "Not Acceptable",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Message, Method};

    const INVITE: &str = "INVITE sip:100@sb.example SIP/2.0\r\n\
        Via: SIP/2.0/UDP proxy.example;branch=z9hG4bKp1, SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa1\r\n\
        Max-Forwards: 69\r\nFrom: \"Al\" <sip:al@a.example>;tag=f1\r\nTo: <sip:100@sb.example>\r\n\
        Call-ID: call-1@10.0.0.5\r\nCSeq: 7 INVITE\r\nContact: <sip:al@10.0.0.5:5062>\r\nContent-Length: 0\r\n\r\n";

    #[test]
    fn for_request_copies_the_dialog_headers_in_order() {
        // Header lines are copied as received: a comma-joined Via stays one line.
        let Ok(Message::Request(req)) = Message::parse(Bytes::from_static(INVITE.as_bytes()))
        else {
            panic!("fixture parses")
        };
        let mut resp = Response::for_request(&req, 180);
        let mut to = resp.to().expect("to");
        to.set_tag("t9");
        resp.headers.set(HeaderName::To, to.to_string());
        let text = String::from_utf8(resp.encode().to_vec()).expect("utf8");
        assert_eq!(
            text,
            "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP proxy.example;branch=z9hG4bKp1, \
             SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa1\r\nFrom: \"Al\" <sip:al@a.example>;tag=f1\r\n\
             To: <sip:100@sb.example>;tag=t9\r\nCall-ID: call-1@10.0.0.5\r\nCSeq: 7 INVITE\r\n\
             Content-Length: 0\r\n\r\n"
        );
        assert_eq!(resp.cseq().map(|c| c.method), Ok(Method::Invite));
    }

    #[test]
    fn classes_and_reasons() {
        let r = Response::new(183);
        assert_eq!(r.reason, "Session Progress");
        assert!(r.is_provisional() && !r.is_final());
        assert!(Response::new(200).is_success());
        assert!(Response::new(486).is_final());
        assert_eq!(reason_phrase(499), "Client Error");
    }
}
