//! Printing a message (RFC 3261 §7): start line, headers in order with canonical names, a
//! Content-Length computed from the body (any stored one is dropped), the empty line, the body.

use bytes::{BufMut, Bytes, BytesMut};

use super::header_name::HeaderName;
use super::headers::Headers;

/// Writes `start_line`, the headers and the body into one buffer.
pub(crate) fn encode(
    start_line: std::fmt::Arguments<'_>,
    headers: &Headers,
    body: &Bytes,
) -> Bytes {
    let estimate = 64
        + headers
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len() + 4)
            .sum::<usize>();
    let mut out = BytesMut::with_capacity(estimate + body.len());
    let mut w = Writer(&mut out);
    let _ = std::fmt::Write::write_fmt(&mut w, start_line);
    out.put_slice(b"\r\n");
    for (name, value) in headers.iter() {
        if *name == HeaderName::ContentLength {
            continue;
        }
        out.put_slice(name.as_str().as_bytes());
        out.put_slice(b": ");
        out.put_slice(value.as_bytes());
        out.put_slice(b"\r\n");
    }
    out.put_slice(b"Content-Length: ");
    out.put_slice(body.len().to_string().as_bytes());
    out.put_slice(b"\r\n\r\n");
    out.put_slice(body);
    out.freeze()
}

struct Writer<'a>(&'a mut BytesMut);

impl std::fmt::Write for Writer<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.put_slice(s.as_bytes());
        Ok(())
    }
}
