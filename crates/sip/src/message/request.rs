//! SIP requests (RFC 3261 §7.1): request line, headers, body.

use bytes::Bytes;

use super::encode::encode;
use super::headers::Headers;
use super::method::Method;
use super::uri::Uri;

/// A SIP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub uri: Uri,
    pub headers: Headers,
    pub body: Bytes,
}

impl Request {
    /// A request with no headers and no body; the caller adds Via, From, To, Call-ID, CSeq,
    /// Max-Forwards (RFC 3261 §8.1.1).
    pub fn new(method: Method, uri: Uri) -> Request {
        Request {
            method,
            uri,
            headers: Headers::new(),
            body: Bytes::new(),
        }
    }

    /// Prints the request; Content-Length is computed from the body.
    pub fn encode(&self) -> Bytes {
        encode(
            format_args!("{} {} SIP/2.0", self.method, self.uri),
            &self.headers,
            &self.body,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{HeaderName, Host, Message};

    #[test]
    fn encode_writes_content_length_from_body() {
        let mut r = Request::new(
            Method::Message,
            Uri::sip(Host::Domain("example.com".into())),
        );
        r.headers.push(HeaderName::ContentLength, "999");
        r.headers.push(HeaderName::ContentType, "text/plain");
        r.body = Bytes::from_static(b"hello");
        let text = r.encode();
        assert_eq!(
            &text[..],
            b"MESSAGE sip:example.com SIP/2.0\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
        );
    }

    #[test]
    fn parse_of_encode_gives_the_same_request() {
        let mut r = Request::new(
            Method::Invite,
            "sip:100@[2001:db8::1]:5060".parse().expect("uri"),
        );
        r.headers
            .push(HeaderName::Via, "SIP/2.0/UDP [2001:db8::2];branch=z9hG4bK1");
        r.headers.push(HeaderName::From, "<sip:a@b>;tag=1");
        r.headers.push(HeaderName::To, "<sip:100@b>");
        r.headers.push(HeaderName::CallId, "abc");
        r.headers.push(HeaderName::CSeq, "1 INVITE");
        r.body = Bytes::from_static(b"v=0\r\n");
        let parsed = Message::parse(r.encode()).expect("parses");
        r.headers.push(HeaderName::ContentLength, "5");
        assert_eq!(parsed, Message::Request(r));
    }
}
