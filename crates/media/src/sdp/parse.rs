//! Parsing of SDP text (RFC 4566 §5) into a [`SessionDescription`].
//!
//! Tolerant where real peers differ (LF-only endings, blank lines, unknown line types and
//! attributes, missing `t=`), strict where a wrong guess would misroute media (`v=0` first,
//! `o=` and `s=` present, numeric ports and payload types, well-formed `rtpmap`).

use std::str::FromStr;

use super::{
    Attribute, Connection, Direction, MediaDescription, Origin, RawLine, Rtpmap,
    SessionDescription, Timing,
};
use crate::Error;

/// Largest body we parse; SIP over UDP cannot carry more anyway and it bounds work per message.
pub const MAX_SDP_LEN: usize = 64 * 1024;

impl SessionDescription {
    /// Parses an SDP body as received in a SIP message.
    pub fn parse(body: &[u8]) -> Result<SessionDescription, Error> {
        if body.len() > MAX_SDP_LEN {
            return Err(Error::SdpTooLarge(body.len()));
        }
        let text = std::str::from_utf8(body).map_err(|_| Error::SdpNotUtf8)?;
        text.parse()
    }
}

impl FromStr for SessionDescription {
    type Err = Error;

    fn from_str(text: &str) -> Result<SessionDescription, Error> {
        if text.len() > MAX_SDP_LEN {
            return Err(Error::SdpTooLarge(text.len()));
        }
        let mut lines = text
            .split('\n')
            .enumerate()
            .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
            .filter(|(_, l)| !l.is_empty());

        match lines.next() {
            Some((_, "v=0")) => {}
            _ => return Err(Error::SdpBadVersion),
        }

        let mut origin = None;
        let mut session_name = None;
        let mut session = Section::default();
        let mut timing = Vec::new();
        let mut media: Vec<MediaDescription> = Vec::new();

        for (number, line) in lines {
            let (kind, value) = split_line(number, line)?;
            if kind == 'm' {
                media.push(parse_media(number, value)?);
                continue;
            }
            match media.last_mut() {
                Some(m) => match kind {
                    'c' => m.connection = Some(parse_connection(number, value)?),
                    'a' => m.attributes.push(parse_attribute(number, value)?),
                    'v' | 'o' | 's' | 't' => return Err(Error::SdpMalformedLine(number)),
                    _ => m.other_lines.push(raw(kind, value)),
                },
                None => match kind {
                    'o' if origin.is_none() => origin = Some(parse_origin(number, value)?),
                    's' if session_name.is_none() => session_name = Some(value.to_owned()),
                    'c' => session.connection = Some(parse_connection(number, value)?),
                    't' => timing.push(parse_timing(number, value)?),
                    'a' => session.attributes.push(parse_attribute(number, value)?),
                    'v' | 'o' | 's' => return Err(Error::SdpMalformedLine(number)),
                    _ => session.other_lines.push(raw(kind, value)),
                },
            }
        }

        Ok(SessionDescription {
            origin: origin.ok_or(Error::SdpMissingLine('o'))?,
            session_name: session_name.ok_or(Error::SdpMissingLine('s'))?,
            connection: session.connection,
            timing,
            other_lines: session.other_lines,
            attributes: session.attributes,
            media,
        })
    }
}

/// Session-level lines gathered before the first `m=`.
#[derive(Default)]
struct Section {
    connection: Option<Connection>,
    other_lines: Vec<RawLine>,
    attributes: Vec<Attribute>,
}

fn raw(kind: char, value: &str) -> RawLine {
    RawLine {
        kind,
        value: value.to_owned(),
    }
}

/// Splits `x=value`; the type must be one lower-case ASCII letter (RFC 4566 §5).
fn split_line(number: usize, line: &str) -> Result<(char, &str), Error> {
    let mut chars = line.chars();
    match (chars.next(), chars.next()) {
        (Some(kind), Some('=')) if kind.is_ascii_lowercase() => Ok((kind, chars.as_str())),
        _ => Err(Error::SdpMalformedLine(number)),
    }
}

fn parse_origin(number: usize, value: &str) -> Result<Origin, Error> {
    let bad = || Error::SdpBadOrigin(number);
    let fields: Vec<&str> = value.split_ascii_whitespace().collect();
    let [username, id, version, net_type, addr_type, address] = fields.as_slice() else {
        return Err(bad());
    };
    Ok(Origin {
        username: (*username).to_owned(),
        session_id: id.parse().map_err(|_| bad())?,
        session_version: version.parse().map_err(|_| bad())?,
        net_type: (*net_type).to_owned(),
        addr_type: (*addr_type).to_owned(),
        address: (*address).to_owned(),
    })
}

fn parse_connection(number: usize, value: &str) -> Result<Connection, Error> {
    let fields: Vec<&str> = value.split_ascii_whitespace().collect();
    let [net_type, addr_type, address] = fields.as_slice() else {
        return Err(Error::SdpBadConnection(number));
    };
    Ok(Connection {
        net_type: (*net_type).to_owned(),
        addr_type: (*addr_type).to_owned(),
        address: (*address).to_owned(),
    })
}

fn parse_timing(number: usize, value: &str) -> Result<Timing, Error> {
    let bad = || Error::SdpBadTiming(number);
    let mut fields = value.split_ascii_whitespace();
    let start = fields.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
    let stop = fields.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
    if fields.next().is_some() {
        return Err(bad());
    }
    Ok(Timing { start, stop })
}

fn parse_media(number: usize, value: &str) -> Result<MediaDescription, Error> {
    let bad = || Error::SdpBadMedia(number);
    let mut fields = value.split_ascii_whitespace();
    let media = fields.next().ok_or_else(bad)?;
    let port_field = fields.next().ok_or_else(bad)?;
    let protocol = fields.next().ok_or_else(bad)?;
    let (port, port_count) = match port_field.split_once('/') {
        Some((port, count)) => (port, Some(count.parse().map_err(|_| bad())?)),
        None => (port_field, None),
    };
    Ok(MediaDescription {
        media: media.to_owned(),
        port: port.parse().map_err(|_| bad())?,
        port_count,
        protocol: protocol.to_owned(),
        formats: fields.map(str::to_owned).collect(),
        connection: None,
        other_lines: Vec::new(),
        attributes: Vec::new(),
    })
}

fn parse_attribute(number: usize, value: &str) -> Result<Attribute, Error> {
    let bad = || Error::SdpBadAttribute(number);
    let (name, rest) = match value.split_once(':') {
        Some((name, rest)) => (name, Some(rest)),
        None => (value, None),
    };
    match (name, rest) {
        ("rtpmap", Some(rest)) => parse_rtpmap(rest).map(Attribute::Rtpmap).ok_or_else(bad),
        ("fmtp", Some(rest)) => {
            let (format, params) = rest.split_once(' ').unwrap_or((rest, ""));
            match format.parse() {
                Ok(payload_type) => Ok(Attribute::Fmtp {
                    payload_type,
                    params: params.trim_start().to_owned(),
                }),
                // Non-RTP formats (e.g. T.38's `t38`) are legal; keep them raw.
                Err(_) => Ok(other(name, Some(rest))),
            }
        }
        ("ptime", Some(rest)) => rest.trim().parse().map(Attribute::Ptime).map_err(|_| bad()),
        (name, None) => match Direction::from_name(name) {
            Some(direction) => Ok(Attribute::Direction(direction)),
            None => Ok(other(name, None)),
        },
        (name, rest) => Ok(other(name, rest)),
    }
}

fn other(name: &str, value: Option<&str>) -> Attribute {
    Attribute::Other {
        name: name.to_owned(),
        value: value.map(str::to_owned),
    }
}

/// `<pt> <encoding>/<clock>[/<params>]`.
fn parse_rtpmap(rest: &str) -> Option<Rtpmap> {
    let (pt, encoding) = rest.split_once(' ')?;
    let mut parts = encoding.trim().splitn(3, '/');
    let name = parts.next().filter(|n| !n.is_empty())?;
    let clock_rate = parts.next()?.parse().ok()?;
    Some(Rtpmap {
        payload_type: pt.parse().ok().filter(|pt| *pt < 128)?,
        encoding: name.to_owned(),
        clock_rate,
        params: parts.next().map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIMPLE: &str = "v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n\
        m=audio 4000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-16\n\
        a=ptime:20\na=sendonly\n";

    #[test]
    fn parses_lf_only_bodies() {
        let sdp: SessionDescription = SIMPLE.parse().expect("valid SDP");
        assert_eq!(sdp.origin.session_version, 2);
        let m = &sdp.media[0];
        assert_eq!((m.port, m.formats.len()), (4000, 2));
        assert_eq!(
            m.rtpmap(101).map(|r| r.encoding.as_str()),
            Some("telephone-event")
        );
        assert_eq!(m.ptime(), Some(20));
        assert_eq!(m.direction(), Some(Direction::SendOnly));
    }

    #[test]
    fn keeps_unknown_lines_and_attributes() {
        let text = SIMPLE.replace("t=0 0\n", "b=AS:64\nt=0 0\nz=x\na=group:BUNDLE 0\n")
            + "a=x-custom\ni=info\n";
        let sdp: SessionDescription = text.parse().expect("valid SDP");
        assert_eq!(sdp.other_lines.len(), 2);
        assert_eq!(sdp.attributes.len(), 1);
        assert_eq!(sdp.media[0].other_lines, vec![raw('i', "info")]);
        assert!(
            matches!(&sdp.media[0].attributes[4], Attribute::Other { name, value: None } if name == "x-custom")
        );
    }

    #[test]
    fn rejects_garbage_with_typed_errors() {
        let parse = |s: &str| s.parse::<SessionDescription>();
        assert_eq!(parse("hello"), Err(Error::SdpBadVersion));
        assert_eq!(parse(""), Err(Error::SdpBadVersion));
        assert_eq!(parse("v=0\ns=-\n"), Err(Error::SdpMissingLine('o')));
        assert_eq!(
            parse("v=0\no=- 1 2 IN IP4 h\n"),
            Err(Error::SdpMissingLine('s'))
        );
        assert_eq!(
            parse("v=0\no=- x 2 IN IP4 h\ns=-\n"),
            Err(Error::SdpBadOrigin(2))
        );
        assert_eq!(
            parse("v=0\no=- 1 2 IN IP4 h\ns=-\nnonsense\n"),
            Err(Error::SdpMalformedLine(4))
        );
        assert_eq!(
            parse("v=0\no=- 1 2 IN IP4 h\ns=-\nc=IN IP4\n"),
            Err(Error::SdpBadConnection(4))
        );
        assert_eq!(
            parse("v=0\no=- 1 2 IN IP4 h\ns=-\nm=audio x RTP/AVP 0\n"),
            Err(Error::SdpBadMedia(4))
        );
        assert_eq!(
            parse("v=0\no=- 1 2 IN IP4 h\ns=-\nm=audio 1 RTP/AVP 0\na=rtpmap:0 PCMU\n"),
            Err(Error::SdpBadAttribute(5))
        );
        assert_eq!(
            parse("v=0\no=- 1 2 IN IP4 h\ns=-\nm=audio 1 RTP/AVP 0\nv=0\n"),
            Err(Error::SdpMalformedLine(5))
        );
        assert_eq!(
            SessionDescription::parse(&[b'v', b'=', 0xFF]),
            Err(Error::SdpNotUtf8)
        );
        assert_eq!(
            SessionDescription::parse(&vec![b' '; MAX_SDP_LEN + 1]),
            Err(Error::SdpTooLarge(MAX_SDP_LEN + 1))
        );
    }

    #[test]
    fn non_rtp_fmtp_is_kept_raw() {
        let text = "v=0\no=- 1 2 IN IP4 h\ns=-\nm=image 0 udptl t38\na=fmtp:t38 x\n";
        let sdp: SessionDescription = text.parse().expect("valid SDP");
        assert!(
            matches!(&sdp.media[0].attributes[0], Attribute::Other { name, .. } if name == "fmtp")
        );
    }
}
