//! Answering unparseable requests with 400 (RFC 3261 §8.2, §16.3 and §21.4.1).
//!
//! A request that fails validation is answered statelessly when enough survives to route a
//! response back: a request line that is not ACK (ACK is never answered) and the raw Via,
//! From, To, Call-ID and CSeq lines. Without them the client could not match the response,
//! so `None` tells the caller to drop the message silently. Values are copied only when they
//! are UTF-8 without control characters, so the response can never carry injected lines.

use bytes::Bytes;

use super::MAX_HEADER_SECTION;
use super::header_name::HeaderName;
use super::headers::Headers;
use super::parse::leading_crlf;
use super::response::Response;
use crate::Error;

/// A 400 (or 416 for an unsupported URI scheme, 505 for a wrong version) response to the
/// request in `buf` whose reason phrase says what was wrong, or `None` if `buf` is not a
/// request, is an ACK, or lacks a usable Via, From, To, Call-ID or CSeq.
pub fn bad_request_response(buf: &[u8], err: &Error) -> Option<Bytes> {
    let buf = buf.get(leading_crlf(buf)..)?;
    let head = buf.get(..buf.len().min(MAX_HEADER_SECTION))?;
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let request_line = std::str::from_utf8(lines.next()?).ok()?;
    let method = request_line.split(' ').next()?;
    if method.is_empty() || method == "ACK" || method.starts_with("SIP/") {
        return None;
    }
    let mut headers = Headers::new();
    for line in lines {
        if line.is_empty() {
            break;
        }
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = HeaderName::parse(name.trim());
        let wanted = matches!(
            name,
            HeaderName::Via
                | HeaderName::From
                | HeaderName::To
                | HeaderName::CallId
                | HeaderName::CSeq
        );
        let value = value.trim();
        if wanted && !value.is_empty() && !value.chars().any(char::is_control) {
            headers.push(name, value);
        }
    }
    for name in [
        HeaderName::Via,
        HeaderName::From,
        HeaderName::To,
        HeaderName::CallId,
        HeaderName::CSeq,
    ] {
        headers.get(&name)?;
    }
    let (status, reason) = reason_for(err);
    let mut response = Response::new(status);
    if let Some(reason) = reason {
        response.reason = reason;
    }
    response.headers = headers;
    Some(response.encode())
}

/// The status and a reason phrase naming the problem.
fn reason_for(err: &Error) -> (u16, Option<String>) {
    let reason = match err {
        Error::UnsupportedScheme => return (416, None),
        Error::BadVersion => return (505, None),
        Error::MissingHeader(name) => format!("Missing {name}"),
        Error::BadHeader(name) => format!("Bad {name}"),
        Error::BadCSeq => "Bad CSeq".to_owned(),
        Error::CSeqMethodMismatch { .. } => "CSeq Method Mismatch".to_owned(),
        Error::BadContentLength => "Bad Content-Length".to_owned(),
        Error::BodyTruncated { .. } => "Truncated Body".to_owned(),
        Error::BadUri | Error::BadHost | Error::BadPort => "Bad Request-URI".to_owned(),
        Error::BadMethod => "Bad Method".to_owned(),
        Error::BadHeaderLine | Error::BareLineBreak => "Bad Header Syntax".to_owned(),
        Error::NonUtf8Header => "Header Not UTF-8".to_owned(),
        Error::TooManyHeaders { .. } => "Too Many Headers".to_owned(),
        Error::HeaderTooLarge { .. } => "Header Too Large".to_owned(),
        _ => return (400, None),
    };
    (400, Some(reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    const BAD_CSEQ: &[u8] =
        b"INVITE sip:100@sb SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n\
        From: <sip:a@b>;tag=1\r\nTo: <sip:100@sb>\r\nCall-ID: c1\r\nCSeq: one INVITE\r\n\r\n";

    #[test]
    fn bad_cseq_gets_a_400_naming_it() {
        let err = Message::parse(Bytes::from_static(BAD_CSEQ)).expect_err("bad cseq");
        assert_eq!(err, Error::BadCSeq);
        let resp = bad_request_response(BAD_CSEQ, &err).expect("answerable");
        let text = String::from_utf8(resp.to_vec()).expect("utf8");
        assert!(
            text.starts_with(
                "SIP/2.0 400 Bad CSeq\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
            )
        );
        assert!(text.contains("\r\nCall-ID: c1\r\n"));
    }

    #[test]
    fn missing_call_id_cannot_be_answered() {
        let raw = b"BYE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\r\nFrom: <sip:a@b>;tag=1\r\n\
            To: <sip:c@d>\r\nCSeq: 1 BYE\r\n\r\n";
        let err = Message::parse(Bytes::from_static(raw)).expect_err("no call-id");
        assert_eq!(err, Error::MissingHeader(HeaderName::CallId));
        assert_eq!(bad_request_response(raw, &err), None);
    }

    #[test]
    fn ack_and_responses_are_never_answered() {
        let ack = b"ACK sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: x ACK\r\n\r\n";
        assert_eq!(bad_request_response(ack, &Error::BadCSeq), None);
        assert_eq!(
            bad_request_response(b"SIP/2.0 200 OK\r\n\r\n", &Error::BadCSeq),
            None
        );
        assert_eq!(bad_request_response(b"", &Error::IncompleteHeaders), None);
    }

    #[test]
    fn unsupported_scheme_is_416() {
        let raw = b"INVITE http://x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK3\r\nFrom: <sip:a@b>;tag=1\r\n\
            To: <sip:c@d>\r\nCall-ID: y\r\nCSeq: 1 INVITE\r\n\r\n";
        let err = Message::parse(Bytes::from_static(raw)).expect_err("scheme");
        let resp = bad_request_response(raw, &err).expect("answerable");
        assert!(resp.starts_with(b"SIP/2.0 416 Unsupported URI Scheme\r\n"));
    }
}
