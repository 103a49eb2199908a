//! The CSeq header (RFC 3261 §20.16): a sequence number and the request method.

use std::fmt;

use crate::Error;
use crate::message::method::{Method, is_token};
use crate::message::split::find_wsp;

/// `CSeq: 4711 INVITE`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CSeq {
    /// Less than 2**31 per RFC 3261 §8.1.1.5.
    pub seq: u32,
    pub method: Method,
}

impl CSeq {
    /// A CSeq value.
    pub fn new(seq: u32, method: Method) -> CSeq {
        CSeq { seq, method }
    }

    /// Parses `1*DIGIT LWS Method`.
    pub fn parse(s: &str) -> Result<CSeq, Error> {
        if let Some(cseq) = CSeq::parse_plain(s) {
            return Ok(cseq);
        }
        let s = s.trim();
        let Some(split) = find_wsp(s) else {
            return Err(Error::BadCSeq);
        };
        let (num, method) = (&s[..split], s[split..].trim_start());
        if num.is_empty() || num.len() > 10 || !num.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::BadCSeq);
        }
        let seq: u32 = num.parse().map_err(|_| Error::BadCSeq)?;
        if seq >= 1 << 31 || !is_token(method) {
            return Err(Error::BadCSeq);
        }
        Ok(CSeq {
            seq,
            method: Method::parse(method),
        })
    }
}

impl CSeq {
    /// The form every CSeq takes on the wire, `digits SP method` with at most nine digits
    /// (so below 2**31) and no other whitespace, in one pass; `None` for anything else, which
    /// [`CSeq::parse`] then reads by the full rules (with the same result for this form).
    fn parse_plain(s: &str) -> Option<CSeq> {
        let bytes = s.as_bytes();
        let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 9 || bytes.get(digits) != Some(&b' ') {
            return None;
        }
        let method = s.get(digits + 1..)?;
        if !is_token(method) {
            return None;
        }
        let seq = bytes
            .get(..digits)?
            .iter()
            .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
        Some(CSeq {
            seq,
            method: Method::parse(method),
        })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let c = CSeq::parse(" 4711   INVITE ").expect("valid");
        assert_eq!(c, CSeq::new(4711, Method::Invite));
        assert_eq!(c.to_string(), "4711 INVITE");
        assert_eq!(
            CSeq::parse("1 FOO").map(|c| c.method),
            Ok(Method::Other("FOO".into()))
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "INVITE",
            "1",
            "x INVITE",
            "-1 INVITE",
            "2147483648 BYE",
            "1 IN VITE",
            "1 A,B",
        ] {
            assert_eq!(CSeq::parse(bad), Err(Error::BadCSeq), "{bad:?}");
        }
        assert!(CSeq::parse("2147483647 BYE").is_ok());
    }
}
