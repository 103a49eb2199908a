//! The message parser (RFC 3261 §7, grammar in §25.1).
//!
//! Find the empty line that ends the header section, reject non-UTF-8 text, split the lines
//! (rejecting bare CR/LF, joining folded continuations, §7.3.1), then check the start line, the
//! mandatory headers (without allocating: borrowed views of Via, From and To) and
//! Content-Length. Limits (`MAX_MESSAGE_SIZE`, `MAX_HEADER_SECTION`, `MAX_HEADER_LINE`,
//! `MAX_HEADERS`) bound the work and memory any input can cause.
//!
//! The usual message is read in one walk over its lines (`scan_head`) and its Via, From, To
//! and CSeq are recognised in one pass each (`scan.rs`, `CSeq::parse`). Anything those do not
//! recognise — folding, odd whitespace, any fault — is handed to the step-by-step path, so the
//! accepted messages and the error for each rejected one are the same either way.

use bytes::Bytes;
use bytestring::ByteString;

use super::chars::is_token_char;
use super::header::{CSeq, NameAddr, Via};
use super::header_name::HeaderName;
use super::headers::Headers;
use super::method::{Method, is_token};
use super::request::Request;
use super::response::Response;
use super::scan;
use super::split::{find_byte, split_at_byte, split_commas, trim_lws};
use super::uri::Uri;
use super::{MAX_HEADER_LINE, MAX_HEADER_SECTION, MAX_HEADERS, MAX_MESSAGE_SIZE, Message};
use crate::Error;

/// The start line and header list of a message, before validation.
pub(crate) struct Head {
    /// The whole header section, UTF-8 checked; the start line is its first line.
    pub(crate) start_line: ByteString,
    pub(crate) headers: Headers,
    /// Offset of the body in the input buffer.
    pub(crate) body_start: usize,
}

/// Number of leading CRLFs to skip (RFC 3261 §7.5: ignore CRLFs before a start line).
pub(crate) fn leading_crlf(buf: &[u8]) -> usize {
    let mut i = 0;
    while buf.get(i..i + 2) == Some(b"\r\n") {
        i += 2;
    }
    i
}

/// Finds the header section and splits it into start line and headers.
pub(crate) fn parse_head(buf: &Bytes) -> Result<Head, Error> {
    match scan_head(buf) {
        Some(head) => Ok(head),
        None => parse_head_checked(buf),
    }
}

/// The usual header section in one walk over its lines: no folding, nothing malformed, within
/// the limits. `None` for anything else, and [`parse_head_checked`] then gives the result or
/// the precise error. The first empty line found this way is the first CRLFCRLF, as every
/// line before it is non-empty and ends in CRLF.
fn scan_head(buf: &Bytes) -> Option<Head> {
    let start = leading_crlf(buf);
    let bytes = buf.get(..buf.len().min(start + MAX_HEADER_SECTION))?;
    let len = bytes.len();
    let is_wsp = |i: usize| i < len && matches!(bytes[i], b' ' | b'\t');
    let first_end = crlf_at(bytes, start)?;
    let mut headers = Headers::with_source(ByteString::new(), 16);
    let mut pos = first_end + 2;
    loop {
        // The empty line ends the section; a leading space is a folded line.
        match bytes.get(pos)? {
            b'\r' if bytes.get(pos + 1) == Some(&b'\n') => break,
            b' ' | b'\t' => return None,
            _ => {}
        }
        let mut colon = pos;
        while colon < len && is_token_char(bytes[colon]) {
            colon += 1;
        }
        let name_end = colon;
        while is_wsp(colon) {
            colon += 1;
        }
        if name_end == pos || bytes.get(colon) != Some(&b':') {
            return None;
        }
        let mut value_start = colon + 1;
        while is_wsp(value_start) {
            value_start += 1;
        }
        let end = crlf_at(bytes, value_start)?;
        if end - pos > MAX_HEADER_LINE {
            return None;
        }
        let mut value_end = end;
        while value_end > value_start && is_wsp(value_end - 1) {
            value_end -= 1;
        }
        let name = HeaderName::parse_token(bytes.get(pos..name_end)?);
        headers.push_slice(name, value_start - start, value_end - start);
        if headers.len() > MAX_HEADERS {
            return None;
        }
        pos = end + 2;
    }
    // The section keeps the CRLF of its last line, as in `parse_head_checked`.
    let section = ByteString::try_from(buf.slice(start..pos)).ok()?;
    let start_line = section
        .get(..first_end - start)
        .map(|l| section.slice_ref(l))?;
    headers.set_source(section);
    Some(Head {
        start_line,
        headers,
        body_start: pos + 2,
    })
}

/// The position of the CRLF ending the line that contains `from`, if the first CR or LF from
/// there is a CRLF.
#[inline]
fn crlf_at(bytes: &[u8], from: usize) -> Option<usize> {
    let i = from + memchr::memchr2(b'\r', b'\n', bytes.get(from..)?)?;
    (bytes.get(i..i + 2)? == b"\r\n").then_some(i)
}

/// [`parse_head`] for any input, checking everything in order so that a malformed section
/// gets the error of its first fault.
fn parse_head_checked(buf: &Bytes) -> Result<Head, Error> {
    let start = leading_crlf(buf);
    let window_end = buf.len().min(start + MAX_HEADER_SECTION);
    let window = buf.get(start..window_end).unwrap_or(&[]);
    let Some(end) = end_finder().find(window) else {
        check_line_breaks(window)?;
        return Err(if buf.len() - start > MAX_HEADER_SECTION {
            Error::HeaderSectionTooLarge {
                limit: MAX_HEADER_SECTION,
            }
        } else {
            Error::IncompleteHeaders
        });
    };
    // The section keeps the CRLF of its last line so that every line ends in CRLF.
    let section_bytes = buf.slice(start..start + end + 2);
    let section = ByteString::try_from(section_bytes).map_err(|_| Error::NonUtf8Header)?;
    let text: &str = &section;

    let first_end = line_end(text, 0)?;
    let start_line = section.slice_ref(&text[..first_end]);
    let mut headers = Headers::with_source(section.clone(), 16);
    let bytes = text.as_bytes();
    let is_wsp = |i: usize| matches!(bytes.get(i), Some(b' ' | b'\t'));
    let mut pos = first_end + 2;
    while pos < text.len() {
        if is_wsp(pos) {
            // A continuation with no header line before it.
            return Err(Error::BadHeaderLine);
        }
        let end = line_end(text, pos)?;
        let mut header = Pending::start(&text[pos..end], pos)?;
        pos = end + 2;
        // Folded continuations (RFC 3261 §7.3.1) join the value with one space.
        while pos < text.len() && is_wsp(pos) {
            let end = line_end(text, pos)?;
            header.fold(text, trim_lws(&text[pos..end]))?;
            pos = end + 2;
        }
        header.finish(&mut headers)?;
    }
    Ok(Head {
        start_line,
        headers,
        body_start: start + end + 4,
    })
}

/// The end of the line starting at `from`: the position of its CRLF. The first CR or LF found
/// must be a CRLF pair, so a bare CR or LF anywhere in a line is caught here (a peer that
/// splits lines differently could otherwise be fed a smuggled header).
fn line_end(text: &str, from: usize) -> Result<usize, Error> {
    let bytes = text.as_bytes();
    match bytes
        .get(from..)
        .and_then(|rest| memchr::memchr2(b'\r', b'\n', rest))
    {
        Some(i) if bytes.get(from + i..from + i + 2) == Some(b"\r\n") => Ok(from + i),
        Some(_) => Err(Error::BareLineBreak),
        None => Ok(text.len()),
    }
}

/// The searcher for the empty line that ends a header section, built once.
fn end_finder() -> &'static memchr::memmem::Finder<'static> {
    static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
        std::sync::OnceLock::new();
    FINDER.get_or_init(|| memchr::memmem::Finder::new(b"\r\n\r\n"))
}

fn trim_wsp_start(s: &str) -> &str {
    let n = s.bytes().take_while(|b| *b == b' ' || *b == b'\t').count();
    s.get(n..).unwrap_or("")
}

fn trim_wsp_end(s: &str) -> &str {
    let n = s
        .bytes()
        .rev()
        .take_while(|b| *b == b' ' || *b == b'\t')
        .count();
    s.get(..s.len() - n).unwrap_or("")
}

/// Every CR must start a CRLF and every LF end one: anything else could smuggle a header line
/// past a peer that splits lines differently.
fn check_line_breaks(section: &[u8]) -> Result<(), Error> {
    let mut crs = 0usize;
    for i in memchr::memchr_iter(b'\r', section) {
        if section.get(i + 1) != Some(&b'\n') {
            return Err(Error::BareLineBreak);
        }
        crs += 1;
    }
    if memchr::memchr_iter(b'\n', section).count() != crs {
        return Err(Error::BareLineBreak);
    }
    Ok(())
}

/// A header line being assembled from its first line and any continuations.
struct Pending {
    name: HeaderName,
    /// Value range in the section text, when not folded.
    start: usize,
    end: usize,
    /// The unfolded value, once a continuation was seen.
    folded: Option<String>,
    /// Bytes on the wire so far, for `MAX_HEADER_LINE`.
    wire_len: usize,
}

impl Pending {
    #[inline]
    fn start(line: &str, offset: usize) -> Result<Pending, Error> {
        if line.len() > MAX_HEADER_LINE {
            return Err(Error::HeaderTooLarge {
                limit: MAX_HEADER_LINE,
            });
        }
        let Some(colon) = find_byte(line, b':') else {
            return Err(Error::BadHeaderLine);
        };
        let name = trim_wsp_end(&line[..colon]);
        if name.is_empty() || !name.bytes().all(is_token_char) {
            return Err(Error::BadHeaderLine);
        }
        let raw = &line[colon + 1..];
        let after_lead = trim_wsp_start(raw);
        let lead = raw.len() - after_lead.len();
        let value = trim_wsp_end(after_lead);
        let start = offset + colon + 1 + lead;
        Ok(Pending {
            name: HeaderName::parse(name),
            start,
            end: start + value.len(),
            folded: None,
            wire_len: line.len(),
        })
    }

    fn fold(&mut self, text: &str, continuation: &str) -> Result<(), Error> {
        self.wire_len += continuation.len() + 3;
        if self.wire_len > MAX_HEADER_LINE {
            return Err(Error::HeaderTooLarge {
                limit: MAX_HEADER_LINE,
            });
        }
        let value = self
            .folded
            .get_or_insert_with(|| text[self.start..self.end].to_owned());
        if !continuation.is_empty() {
            if !value.is_empty() {
                value.push(' ');
            }
            value.push_str(continuation);
        }
        Ok(())
    }

    #[inline]
    fn finish(self, headers: &mut Headers) -> Result<(), Error> {
        match self.folded {
            None => headers.push_slice(self.name, self.start, self.end),
            Some(value) => headers.push_owned(self.name, value),
        }
        if headers.len() > MAX_HEADERS {
            return Err(Error::TooManyHeaders { limit: MAX_HEADERS });
        }
        Ok(())
    }
}

/// Parses and validates one complete message; see [`Message::parse`].
pub(crate) fn parse_message(buf: Bytes) -> Result<Message, Error> {
    if buf.len() > MAX_MESSAGE_SIZE {
        return Err(Error::MessageTooLarge {
            len: buf.len(),
            limit: MAX_MESSAGE_SIZE,
        });
    }
    let head = parse_head(&buf)?;
    let body = body(&buf, &head)?;
    let line: &str = &head.start_line;
    if let Some(rest) = line.strip_prefix("SIP/") {
        let response = parse_status_line(rest, head.headers, body)?;
        check_common(&response.headers)?;
        Ok(Message::Response(response))
    } else {
        let request = parse_request_line(line, head.headers, body)?;
        let cseq = check_common(&request.headers)?;
        if cseq.method != request.method {
            return Err(Error::CSeqMethodMismatch {
                request: request.method,
                cseq: cseq.method,
            });
        }
        Ok(Message::Request(request))
    }
}

/// Slices the body by Content-Length (datagram rules: longer is cut, shorter is an error,
/// absent means the rest of the buffer).
fn body(buf: &Bytes, head: &Head) -> Result<Bytes, Error> {
    let available = buf.len().saturating_sub(head.body_start);
    match content_length(&head.headers)? {
        Some(len) if len > available => Err(Error::BodyTruncated {
            expected: len,
            actual: available,
        }),
        Some(len) => Ok(buf.slice(head.body_start..head.body_start + len)),
        None => Ok(buf.slice(head.body_start.min(buf.len())..)),
    }
}

/// Content-Length, requiring every occurrence to agree.
pub(crate) fn content_length(headers: &Headers) -> Result<Option<usize>, Error> {
    let mut found = None;
    for v in headers.get_all(&HeaderName::ContentLength) {
        let n = parse_length(v)?;
        if found.is_some_and(|f| f != n) {
            return Err(Error::BadContentLength);
        }
        found = Some(n);
    }
    Ok(found)
}

/// A Content-Length value: decimal digits, bounded so it cannot overflow.
pub(crate) fn parse_length(v: &str) -> Result<usize, Error> {
    let v = v.trim();
    if v.is_empty() || v.len() > 9 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::BadContentLength);
    }
    v.parse().map_err(|_| Error::BadContentLength)
}

fn parse_request_line(line: &str, headers: Headers, body: Bytes) -> Result<Request, Error> {
    let Some((method, rest)) = split_at_byte(line, b' ') else {
        return Err(Error::BadStartLine);
    };
    let Some((uri, version)) = rest.rsplit_once(' ') else {
        return Err(Error::BadStartLine);
    };
    if !is_token(method) {
        return Err(Error::BadMethod);
    }
    if !version.eq_ignore_ascii_case("SIP/2.0") {
        return Err(if version.starts_with("SIP/") {
            Error::BadVersion
        } else {
            Error::BadStartLine
        });
    }
    // Exactly one SP on each side of the Request-URI (RFC 3261 §25.1; RFC 4475 lwsstart).
    if uri.is_empty() || uri.starts_with(' ') || uri.ends_with(' ') {
        return Err(Error::BadStartLine);
    }
    let uri = Uri::parse(uri)?;
    Ok(Request {
        method: Method::parse(method),
        uri,
        headers,
        body,
    })
}

/// `rest` is the status line after `SIP/`.
fn parse_status_line(rest: &str, headers: Headers, body: Bytes) -> Result<Response, Error> {
    // `2.0 200 OK`, split at its first two spaces; the usual shape without a search.
    let split = match rest.strip_prefix("2.0 ") {
        Some(after) => Some(("2.0", after)),
        None => split_at_byte(rest, b' '),
    };
    let Some((version, rest)) = split else {
        return Err(Error::BadStartLine);
    };
    if version != "2.0" {
        return Err(Error::BadVersion);
    }
    let (code, reason) = match (rest.get(..3), rest.get(3..4)) {
        (Some(code), Some(" ")) => (code, rest.get(4..).unwrap_or("")),
        _ => split_at_byte(rest, b' ').unwrap_or((rest, "")),
    };
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::BadStatusCode);
    }
    let status: u16 = code.parse().map_err(|_| Error::BadStatusCode)?;
    if !(100..=699).contains(&status) {
        return Err(Error::BadStatusCode);
    }
    Ok(Response {
        status,
        reason: reason.to_owned(),
        headers,
        body,
    })
}

/// The headers every request and response must carry (RFC 3261 §8.1.1), checked for syntax.
fn check_common(h: &Headers) -> Result<CSeq, Error> {
    // One pass over the names instead of a lookup per mandatory header; only the values
    // found are read.
    let (mut via, mut from, mut to, mut call_id, mut cseq) = (None, None, None, None, None);
    for (i, name) in h.names().enumerate() {
        let slot = match name {
            HeaderName::Via => &mut via,
            HeaderName::From => &mut from,
            HeaderName::To => &mut to,
            HeaderName::CallId => &mut call_id,
            HeaderName::CSeq => &mut cseq,
            _ => continue,
        };
        match slot {
            None => *slot = Some(i),
            // A single-valued mandatory header given twice leaves the message ambiguous
            // (RFC 4475 multi01): which Call-ID or CSeq would a response carry?
            Some(_) => match name {
                HeaderName::Via => {}
                HeaderName::CSeq => return Err(Error::BadCSeq),
                _ => return Err(Error::BadHeader(name.clone())),
            },
        }
    }
    let [via, from, to, call_id, cseq] =
        [via, from, to, call_id, cseq].map(|i| i.map(|i| h.value_at(i)));
    // The usual single-element Via is recognised in one pass; anything else is split and
    // checked by the full grammar.
    if !via.is_some_and(scan::simple_via) {
        let Some(via) = via.and_then(|v| split_commas(v).next()) else {
            return Err(Error::MissingHeader(HeaderName::Via));
        };
        Via::check(via)?;
    }
    let Some(from) = from else {
        return Err(Error::MissingHeader(HeaderName::From));
    };
    if !scan::simple_name_addr(from) {
        NameAddr::check(from).map_err(|_| Error::BadHeader(HeaderName::From))?;
    }
    let Some(to) = to else {
        return Err(Error::MissingHeader(HeaderName::To));
    };
    if !scan::simple_name_addr(to) {
        NameAddr::check(to).map_err(|_| Error::BadHeader(HeaderName::To))?;
    }
    if call_id.is_none_or(str::is_empty) {
        return Err(Error::MissingHeader(HeaderName::CallId));
    }
    let Some(cseq) = cseq else {
        return Err(Error::MissingHeader(HeaderName::CSeq));
    };
    CSeq::parse(cseq)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A header section from a few lines, with the odd fold, stray space, bare CR or LF,
    /// non-token name or missing colon thrown in.
    fn arb_section() -> impl Strategy<Value = Vec<u8>> {
        let line = prop_oneof![
            Just("Via: SIP/2.0/UDP h;branch=z9hG4bK1".to_owned()),
            Just("v:SIP/2.0/TCP h".to_owned()),
            Just("CALL-ID  :  x  ".to_owned()),
            Just("X-Odd\t: a\rb".to_owned()),
            Just("X-Lf: a\nb".to_owned()),
            Just(" folded".to_owned()),
            Just("\tfolded".to_owned()),
            Just("No colon".to_owned()),
            Just("Bad Name: 1".to_owned()),
            Just(": empty name".to_owned()),
            Just("Content-Length: 0".to_owned()),
            "[A-Za-z-]{1,8}: ?[ -~]{0,12}",
        ];
        (proptest::collection::vec(line, 0..6), any::<bool>()).prop_map(|(lines, crlf_first)| {
            let mut raw = String::new();
            if crlf_first {
                raw.push_str("\r\n");
            }
            raw.push_str("SIP/2.0 200 OK\r\n");
            for l in lines {
                raw.push_str(&l);
                raw.push_str("\r\n");
            }
            raw.push_str("\r\nbody");
            raw.into_bytes()
        })
    }

    proptest! {
        /// The one-pass scan gives what the checked path gives, or leaves the input to it.
        #[test]
        fn scan_agrees_with_the_checked_path(raw in arb_section()) {
            let buf = Bytes::from(raw);
            if let Some(fast) = scan_head(&buf) {
                let Ok(checked) = parse_head_checked(&buf) else {
                    return Err(TestCaseError::fail("scan accepted what the checked path rejects"));
                };
                prop_assert_eq!(fast.start_line, checked.start_line);
                prop_assert_eq!(fast.headers, checked.headers);
                prop_assert_eq!(fast.body_start, checked.body_start);
            }
        }
    }

    #[test]
    fn usual_sections_take_the_scan() {
        let buf = Bytes::from_static(b"SIP/2.0 200 OK\r\nVia : SIP/2.0/UDP h \r\nl:0\r\n\r\n");
        let head = scan_head(&buf).expect("scanned");
        assert_eq!(&*head.start_line, "SIP/2.0 200 OK");
        assert_eq!(head.headers.get(&HeaderName::Via), Some("SIP/2.0/UDP h"));
        assert_eq!(head.headers.get(&HeaderName::ContentLength), Some("0"));
        assert_eq!(head.body_start, buf.len());
        let folded = Bytes::from_static(b"SIP/2.0 200 OK\r\nVia: a\r\n b\r\n\r\n");
        assert!(scan_head(&folded).is_none());
    }
}
