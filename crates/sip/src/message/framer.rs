//! Message framing on stream transports (TCP, TLS): RFC 3261 §18.3 and RFC 5626 §3.5.1.
//!
//! Bytes arrive in arbitrary segments; the framer buffers them and cuts complete messages by
//! the empty line and Content-Length, which is mandatory on streams. Between messages it
//! consumes keep-alives: a double CRLF "ping" (which the driver answers with
//! [`KEEPALIVE_PONG`], see [`StreamFramer::take_ping`]) or a single CRLF "pong". A message
//! over the size limit, or one that cannot be framed, is an error after which the driver
//! closes the connection: the stream position is lost.
//!
//! States: `Between` (skipping keep-alives) → `Head` (waiting for the empty line) → `Body`
//! (waiting for Content-Length bytes) → `Between`; any error → `Failed` (terminal).

use bytes::{Bytes, BytesMut};

use super::parse::parse_length;
use super::{MAX_HEADER_SECTION, MAX_MESSAGE_SIZE};
use crate::Error;

/// The answer to a double-CRLF keep-alive ping (RFC 5626 §3.5.1).
pub const KEEPALIVE_PONG: &[u8] = b"\r\n";

/// Splits a byte stream into SIP messages; see the module docs.
#[derive(Debug)]
pub struct StreamFramer {
    buf: BytesMut,
    max_message: usize,
    /// How far the search for the empty line got, so each push scans only new bytes.
    scanned: usize,
    /// Total length of the message in progress, once its header section is complete.
    expected: Option<usize>,
    ping: bool,
    failed: bool,
}

impl StreamFramer {
    /// A framer accepting messages up to `max_message` bytes (capped at `MAX_MESSAGE_SIZE`).
    pub fn new(max_message: usize) -> StreamFramer {
        StreamFramer {
            buf: BytesMut::new(),
            max_message: max_message.min(MAX_MESSAGE_SIZE),
            scanned: 0,
            expected: None,
            ping: false,
            failed: false,
        }
    }

    /// Appends received bytes. After an error, input is discarded.
    pub fn push(&mut self, data: &[u8]) {
        if !self.failed {
            self.buf.extend_from_slice(data);
        }
    }

    /// The next complete message, `None` if more bytes are needed, or an error after which the
    /// connection must be closed (further calls return `None`).
    pub fn next_message(&mut self) -> Option<Result<Bytes, Error>> {
        if self.failed {
            return None;
        }
        match self.poll_message() {
            Ok(Some(m)) => Some(Ok(m)),
            Ok(None) => None,
            Err(e) => {
                self.failed = true;
                self.buf = BytesMut::new();
                Some(Err(e))
            }
        }
    }

    /// Whether a double-CRLF ping arrived since the last call; if so, send [`KEEPALIVE_PONG`].
    pub fn take_ping(&mut self) -> bool {
        std::mem::take(&mut self.ping)
    }

    /// Bytes buffered and not yet returned.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    fn poll_message(&mut self) -> Result<Option<Bytes>, Error> {
        if self.expected.is_none() {
            self.skip_keepalives();
            let window_end = self.buf.len().min(MAX_HEADER_SECTION);
            let from = self.scanned.saturating_sub(3);
            let found = self
                .buf
                .get(from..window_end)
                .and_then(|w| memchr::memmem::find(w, b"\r\n\r\n"));
            let Some(at) = found else {
                self.scanned = window_end;
                if self.buf.len() >= MAX_HEADER_SECTION {
                    return Err(Error::HeaderSectionTooLarge {
                        limit: MAX_HEADER_SECTION,
                    });
                }
                return Ok(None);
            };
            let head_len = from + at + 4;
            let body_len = find_content_length(self.buf.get(..head_len).unwrap_or(&[]))?
                .ok_or(Error::MissingContentLength)?;
            let total = head_len + body_len;
            if total > self.max_message {
                return Err(Error::MessageTooLarge {
                    len: total,
                    limit: self.max_message,
                });
            }
            self.expected = Some(total);
        }
        match self.expected {
            Some(total) if self.buf.len() >= total => {
                self.expected = None;
                self.scanned = 0;
                Ok(Some(self.buf.split_to(total).freeze()))
            }
            _ => Ok(None),
        }
    }

    /// Consumes CRLF keep-alives before a message. A lone CRLF at the end of the buffer waits:
    /// it may be the first half of a ping.
    fn skip_keepalives(&mut self) {
        loop {
            if self.buf.starts_with(b"\r\n\r\n") {
                let _ = self.buf.split_to(4);
                self.ping = true;
            } else if self.buf.starts_with(b"\r\n") && self.buf.get(2).is_some_and(|b| *b != b'\r')
            {
                let _ = self.buf.split_to(2);
            } else {
                return;
            }
            self.scanned = 0;
        }
    }
}

/// Content-Length (or compact `l`) in a header section, any case, without a full parse.
fn find_content_length(head: &[u8]) -> Result<Option<usize>, Error> {
    let mut found: Option<usize> = None;
    for line in head.split(|&b| b == b'\n').skip(1) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = line.get(..colon).unwrap_or(&[]).trim_ascii_end();
        let is_cl = name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l");
        if !is_cl || line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            continue;
        }
        let value = std::str::from_utf8(line.get(colon + 1..).unwrap_or(&[]))
            .map_err(|_| Error::BadContentLength)?;
        let n = parse_length(value)?;
        if found.is_some_and(|f| f != n) {
            return Err(Error::BadContentLength);
        }
        found = Some(n);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] = b"OPTIONS sip:a@b SIP/2.0\r\nl: 4\r\n\r\nbody";

    #[test]
    fn many_messages_in_one_segment() {
        let mut f = StreamFramer::new(65536);
        let mut data = MSG.to_vec();
        data.extend_from_slice(MSG);
        f.push(&data);
        assert_eq!(f.next_message(), Some(Ok(Bytes::from_static(MSG))));
        assert_eq!(f.next_message(), Some(Ok(Bytes::from_static(MSG))));
        assert_eq!(f.next_message(), None);
    }

    #[test]
    fn one_message_over_many_segments() {
        let mut f = StreamFramer::new(65536);
        for chunk in MSG.chunks(3) {
            assert_eq!(f.next_message(), None);
            f.push(chunk);
        }
        assert_eq!(f.next_message(), Some(Ok(Bytes::from_static(MSG))));
        assert_eq!(f.buffered(), 0);
    }

    #[test]
    fn ping_is_reported_and_pong_skipped() {
        let mut f = StreamFramer::new(65536);
        f.push(b"\r\n\r\n");
        assert_eq!(f.next_message(), None);
        assert!(f.take_ping());
        assert!(!f.take_ping());
        f.push(b"\r\n");
        f.push(MSG);
        assert_eq!(f.next_message(), Some(Ok(Bytes::from_static(MSG))));
        assert!(!f.take_ping());
    }

    #[test]
    fn missing_content_length_is_fatal() {
        let mut f = StreamFramer::new(65536);
        f.push(b"OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n");
        assert_eq!(f.next_message(), Some(Err(Error::MissingContentLength)));
        f.push(MSG);
        assert_eq!(f.next_message(), None);
    }

    #[test]
    fn oversize_is_fatal_before_the_body_arrives() {
        let mut f = StreamFramer::new(1000);
        f.push(b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 5000\r\n\r\n");
        assert!(matches!(
            f.next_message(),
            Some(Err(Error::MessageTooLarge { .. }))
        ));
    }

    #[test]
    fn endless_header_section_is_fatal() {
        let mut f = StreamFramer::new(65536);
        for _ in 0..2000 {
            f.push(b"X-Junk: aaaaaaaa\r\n");
        }
        assert_eq!(
            f.next_message(),
            Some(Err(Error::HeaderSectionTooLarge {
                limit: MAX_HEADER_SECTION
            }))
        );
    }
}
