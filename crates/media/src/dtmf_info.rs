//! Key presses carried in SIP INFO bodies.
//!
//! Some phones and carriers signal DTMF neither as RFC 4733 events nor as tones but as SIP INFO
//! requests. Two body types are in use (neither has an RFC of its own; INFO itself is RFC 6086):
//!
//! - `application/dtmf-relay`: lines of `name=value`, e.g.
//!   ```text
//!   Signal=5
//!   Duration=160
//!   ```
//!   Names are case-insensitive, lines end in CRLF or LF, spaces may surround `=`, unknown
//!   names are ignored. `Signal` is a key (`0`-`9`, `*`, `#`, `A`-`D`, letters in either
//!   case) or an RFC 4733 event code (`10` for `*`, `11` for `#`, `12`-`15` for `A`-`D`);
//!   `Duration` is in milliseconds and optional.
//! - `application/dtmf`: the body is the key alone, e.g. `5`.
//!
//! [`parse_dtmf_info`] turns either into a [`DtmfInfo`]; anything else is a typed
//! [`Error`], never a panic.

use crate::Error;
use crate::dtmf::{event_of, key_of};

/// Largest body we look at; real ones are a few dozen bytes.
pub const MAX_BODY: usize = 1024;

/// One key press read from an INFO body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfInfo {
    /// The key: `0`-`9`, `*`, `#`, `A`-`D`.
    pub key: char,
    /// How long the key was held, if the body says.
    pub duration_ms: Option<u32>,
}

/// Reads the key press from an INFO request's body, given its Content-Type header value.
///
/// The media type is compared case-insensitively and its parameters are ignored.
///
/// ```
/// use media::{DtmfInfo, parse_dtmf_info};
///
/// let info = parse_dtmf_info("application/dtmf-relay", b"Signal=5\r\nDuration=160\r\n")?;
/// assert_eq!(info, DtmfInfo { key: '5', duration_ms: Some(160) });
/// assert_eq!(parse_dtmf_info("Application/DTMF", b"#")?.key, '#');
/// # Ok::<(), media::Error>(())
/// ```
pub fn parse_dtmf_info(content_type: &str, body: &[u8]) -> Result<DtmfInfo, Error> {
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    let relay = if media_type.eq_ignore_ascii_case("application/dtmf-relay") {
        true
    } else if media_type.eq_ignore_ascii_case("application/dtmf") {
        false
    } else {
        return Err(Error::DtmfInfoContentType);
    };
    if body.len() > MAX_BODY {
        return Err(Error::DtmfInfoTooLarge(body.len()));
    }
    let text = std::str::from_utf8(body).map_err(|_| Error::DtmfInfoNotUtf8)?;
    if relay {
        parse_relay(text)
    } else {
        let value = text.trim();
        if value.is_empty() {
            return Err(Error::DtmfInfoMissingSignal);
        }
        Ok(DtmfInfo {
            key: parse_signal(value)?,
            duration_ms: None,
        })
    }
}

/// Parses an `application/dtmf-relay` body.
fn parse_relay(text: &str) -> Result<DtmfInfo, Error> {
    let mut key = None;
    let mut duration_ms = None;
    for (index, line) in text.split('\n').enumerate() {
        let line_no = index + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (name, value) = line
            .split_once('=')
            .ok_or(Error::DtmfInfoMalformedLine(line_no))?;
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("signal") {
            if key.is_some() {
                return Err(Error::DtmfInfoMalformedLine(line_no));
            }
            key = Some(parse_signal(value)?);
        } else if name.eq_ignore_ascii_case("duration") {
            if duration_ms.is_some() {
                return Err(Error::DtmfInfoMalformedLine(line_no));
            }
            let ms = value
                .parse::<u32>()
                .map_err(|_| Error::DtmfInfoBadDuration(line_no))?;
            duration_ms = Some(ms);
        }
    }
    Ok(DtmfInfo {
        key: key.ok_or(Error::DtmfInfoMissingSignal)?,
        duration_ms,
    })
}

/// A key written as itself (`5`, `*`, `b`) or as an RFC 4733 event code (`10`).
fn parse_signal(value: &str) -> Result<char, Error> {
    let mut chars = value.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if event_of(c).is_some() {
            return Ok(c.to_ascii_uppercase());
        }
    }
    value
        .parse::<u8>()
        .ok()
        .and_then(key_of)
        .ok_or(Error::DtmfInfoBadSignal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_accepts_keys_and_event_codes() {
        assert_eq!(parse_signal("7"), Ok('7'));
        assert_eq!(parse_signal("c"), Ok('C'));
        assert_eq!(parse_signal("10"), Ok('*'));
        assert_eq!(parse_signal("11"), Ok('#'));
        assert_eq!(parse_signal("15"), Ok('D'));
        assert_eq!(parse_signal("16"), Err(Error::DtmfInfoBadSignal));
        assert_eq!(parse_signal("E"), Err(Error::DtmfInfoBadSignal));
        assert_eq!(parse_signal("12 3"), Err(Error::DtmfInfoBadSignal));
    }
}
