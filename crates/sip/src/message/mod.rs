//! SIP messages (RFC 3261 §7): parsing from and printing to bytes, typed header views, and
//! framing on stream transports (§18.3).
//!
//! Parsing is zero-copy over a `Bytes` buffer: header values are ranges of the received
//! header section and the body is a slice of the input. Mandatory headers are checked once at
//! parse time; typed views (`Via`, `NameAddr`, `CSeq`, `Contact`) are parsed on demand through
//! the accessors on [`Request`], [`Response`] and [`Message`].
//!
//! ```
//! use bytes::Bytes;
//! use sip::{Message, Response};
//! let raw = "OPTIONS sip:100@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n\
//!            From: <sip:a@example.com>;tag=1\r\nTo: <sip:100@example.com>\r\nCall-ID: c1\r\n\
//!            CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
//! let Ok(Message::Request(req)) = Message::parse(Bytes::from(raw)) else { panic!() };
//! let mut ok = Response::for_request(&req, 200);
//! ok.headers.push(sip::HeaderName::Allow, "INVITE, ACK, BYE, CANCEL, OPTIONS");
//! assert!(ok.encode().starts_with(b"SIP/2.0 200 OK\r\n"));
//! ```

mod accessors;
mod bad_request;
mod chars;
#[cfg(test)]
mod corpus_tests;
mod encode;
mod framer;
pub mod header;
mod header_name;
mod headers;
mod method;
mod params;
mod parse;
mod request;
mod response;
mod scan;
mod split;
mod uri;

use bytes::Bytes;

pub use bad_request::bad_request_response;
pub use framer::{KEEPALIVE_PONG, StreamFramer};
pub use header_name::HeaderName;
pub use headers::Headers;
pub use method::Method;
pub use params::Params;
pub use request::Request;
pub use response::{Response, reason_phrase};
pub use uri::{Host, Scheme, Uri};

use crate::Error;

/// The largest message accepted, on any transport (RFC 3261 §18.1.1 keeps UDP well below).
pub const MAX_MESSAGE_SIZE: usize = 64 * 1024;
/// The largest header section (start line, headers and the empty line).
pub const MAX_HEADER_SECTION: usize = 16 * 1024;
/// The largest single header line, folded continuations included.
pub const MAX_HEADER_LINE: usize = 8 * 1024;
/// The most header lines one message may carry (folded continuations count with their line).
pub const MAX_HEADERS: usize = 128;

/// A SIP request or response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Request(Request),
    Response(Response),
}

impl Message {
    /// Parses one complete message (a datagram, or what [`StreamFramer`] returned).
    ///
    /// A body longer than Content-Length is cut to it; without Content-Length the body is the
    /// rest of the buffer; a shorter body is [`Error::BodyTruncated`]. Requests must carry Via,
    /// From, To, Call-ID and a CSeq whose method is the request's; responses Via, From, To,
    /// Call-ID and CSeq.
    pub fn parse(buf: Bytes) -> Result<Message, Error> {
        parse::parse_message(buf)
    }

    /// Prints the message with a Content-Length computed from the body.
    pub fn encode(&self) -> Bytes {
        match self {
            Message::Request(r) => r.encode(),
            Message::Response(r) => r.encode(),
        }
    }

    /// The headers of either kind.
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    /// The headers of either kind, for editing.
    pub fn headers_mut(&mut self) -> &mut Headers {
        match self {
            Message::Request(r) => &mut r.headers,
            Message::Response(r) => &mut r.headers,
        }
    }

    /// The body of either kind.
    pub fn body(&self) -> &Bytes {
        match self {
            Message::Request(r) => &r.body,
            Message::Response(r) => &r.body,
        }
    }
}

impl accessors::HasHeaders for Message {
    fn headers_ref(&self) -> &Headers {
        self.headers()
    }
}

impl accessors::HasHeaders for Request {
    fn headers_ref(&self) -> &Headers {
        &self.headers
    }
}

impl accessors::HasHeaders for Response {
    fn headers_ref(&self) -> &Headers {
        &self.headers
    }
}

accessors::impl_accessors!(Message);
accessors::impl_accessors!(Request);
accessors::impl_accessors!(Response);
