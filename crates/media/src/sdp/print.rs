//! Printing a [`SessionDescription`] as SDP text: CRLF line endings, lines in the RFC 4566 §5
//! order (`v o s i u e p c b t r z k a`, then each `m` with `i c b k a`).

use std::fmt::{self, Display, Formatter};

use super::{Attribute, Connection, MediaDescription, RawLine, SessionDescription};

/// Raw session-level line types that come before `c=` (RFC 4566 §5).
const BEFORE_CONNECTION: &[char] = &['i', 'u', 'e', 'p'];

impl Display for SessionDescription {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let o = &self.origin;
        write!(f, "v=0\r\n")?;
        write!(
            f,
            "o={} {} {} {} {} {}\r\n",
            o.username, o.session_id, o.session_version, o.net_type, o.addr_type, o.address
        )?;
        write!(f, "s={}\r\n", self.session_name)?;
        let (early, late): (Vec<&RawLine>, Vec<&RawLine>) = self
            .other_lines
            .iter()
            .partition(|l| BEFORE_CONNECTION.contains(&l.kind));
        write_raw(f, early)?;
        write_connection(f, self.connection.as_ref())?;
        write_raw(f, late.iter().copied().filter(|l| l.kind == 'b'))?;
        for t in &self.timing {
            write!(f, "t={} {}\r\n", t.start, t.stop)?;
        }
        write_raw(f, late.iter().copied().filter(|l| l.kind != 'b'))?;
        write_attributes(f, &self.attributes)?;
        for m in &self.media {
            write_media(f, m)?;
        }
        Ok(())
    }
}

fn write_raw<'a>(
    f: &mut Formatter<'_>,
    lines: impl IntoIterator<Item = &'a RawLine>,
) -> fmt::Result {
    for line in lines {
        write!(f, "{}={}\r\n", line.kind, line.value)?;
    }
    Ok(())
}

fn write_connection(f: &mut Formatter<'_>, c: Option<&Connection>) -> fmt::Result {
    match c {
        Some(c) => write!(f, "c={} {} {}\r\n", c.net_type, c.addr_type, c.address),
        None => Ok(()),
    }
}

fn write_media(f: &mut Formatter<'_>, m: &MediaDescription) -> fmt::Result {
    write!(f, "m={} {}", m.media, m.port)?;
    if let Some(count) = m.port_count {
        write!(f, "/{count}")?;
    }
    write!(f, " {}", m.protocol)?;
    for format in &m.formats {
        write!(f, " {format}")?;
    }
    write!(f, "\r\n")?;
    write_raw(f, m.other_lines.iter().filter(|l| l.kind == 'i'))?;
    write_connection(f, m.connection.as_ref())?;
    write_raw(f, m.other_lines.iter().filter(|l| l.kind != 'i'))?;
    write_attributes(f, &m.attributes)
}

fn write_attributes(f: &mut Formatter<'_>, attributes: &[Attribute]) -> fmt::Result {
    for a in attributes {
        write!(f, "a={a}\r\n")?;
    }
    Ok(())
}

impl Display for Attribute {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Attribute::Rtpmap(map) => {
                write!(
                    f,
                    "rtpmap:{} {}/{}",
                    map.payload_type, map.encoding, map.clock_rate
                )?;
                match &map.params {
                    Some(params) => write!(f, "/{params}"),
                    None => Ok(()),
                }
            }
            Attribute::Fmtp {
                payload_type,
                params,
            } => write!(f, "fmtp:{payload_type} {params}"),
            Attribute::Ptime(ms) => write!(f, "ptime:{ms}"),
            Attribute::Direction(d) => f.write_str(d.as_str()),
            Attribute::Other { name, value: None } => f.write_str(name),
            Attribute::Other {
                name,
                value: Some(value),
            } => write!(f, "{name}:{value}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Direction, Origin, Rtpmap, Timing};
    use super::*;
    use proptest::prelude::*;

    fn token() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9.+-]{1,12}"
    }

    fn attribute() -> impl Strategy<Value = Attribute> {
        prop_oneof![
            (
                0u8..128,
                token(),
                1u32..100_000,
                proptest::option::of("[0-9]{1,2}")
            )
                .prop_map(|(payload_type, encoding, clock_rate, params)| {
                    Attribute::Rtpmap(Rtpmap {
                        payload_type,
                        encoding,
                        clock_rate,
                        params,
                    })
                }),
            (any::<u8>(), "[0-9a-z=;-]{0,16}").prop_map(|(payload_type, params)| Attribute::Fmtp {
                payload_type,
                params
            }),
            any::<u32>().prop_map(Attribute::Ptime),
            prop_oneof![
                Just(Direction::SendRecv),
                Just(Direction::SendOnly),
                Just(Direction::RecvOnly),
                Just(Direction::Inactive)
            ]
            .prop_map(Attribute::Direction),
            ("x-[a-z]{1,8}", proptest::option::of("[a-zA-Z0-9 :/]{0,16}"))
                .prop_map(|(name, value)| Attribute::Other { name, value }),
        ]
    }

    fn connection() -> impl Strategy<Value = Connection> {
        token().prop_map(|address| Connection {
            net_type: "IN".into(),
            addr_type: "IP4".into(),
            address,
        })
    }

    fn media() -> impl Strategy<Value = MediaDescription> {
        (
            token(),
            any::<u16>(),
            proptest::option::of(1u16..8),
            proptest::collection::vec("[0-9]{1,3}", 0..5),
            proptest::option::of(connection()),
            proptest::collection::vec("[A-Z]{2}:[0-9]{1,4}", 0..2),
            proptest::collection::vec(attribute(), 0..6),
        )
            .prop_map(
                |(media, port, port_count, formats, connection, bandwidths, attributes)| {
                    MediaDescription {
                        media,
                        port,
                        port_count,
                        protocol: "RTP/AVP".into(),
                        formats,
                        connection,
                        other_lines: bandwidths
                            .into_iter()
                            .map(|value| RawLine { kind: 'b', value })
                            .collect(),
                        attributes,
                    }
                },
            )
    }

    fn session() -> impl Strategy<Value = SessionDescription> {
        (
            any::<u64>(),
            any::<u64>(),
            "[a-zA-Z0-9 -]{0,16}",
            proptest::option::of(connection()),
            proptest::collection::vec((any::<u64>(), any::<u64>()), 0..2),
            proptest::collection::vec(attribute(), 0..4),
            proptest::collection::vec(media(), 0..3),
        )
            .prop_map(
                |(
                    session_id,
                    session_version,
                    session_name,
                    connection,
                    timing,
                    attributes,
                    media,
                )| {
                    SessionDescription {
                        origin: Origin {
                            username: "-".into(),
                            session_id,
                            session_version,
                            net_type: "IN".into(),
                            addr_type: "IP4".into(),
                            address: "192.0.2.1".into(),
                        },
                        session_name,
                        connection,
                        timing: timing
                            .into_iter()
                            .map(|(start, stop)| Timing { start, stop })
                            .collect(),
                        other_lines: vec![RawLine {
                            kind: 'i',
                            value: "info".into(),
                        }],
                        attributes,
                        media,
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn parse_of_print_is_identity(sdp in session()) {
            let text = sdp.to_string();
            prop_assert!(text.ends_with("\r\n"));
            let parsed: SessionDescription = text.parse().map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
            prop_assert_eq!(parsed, sdp);
        }

        #[test]
        fn parse_never_panics(text in "(v=0\n)?([a-z]=[ -~]{0,20}\n){0,12}") {
            let _ = text.parse::<SessionDescription>();
        }
    }
}
