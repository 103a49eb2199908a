//! SDP session descriptions (RFC 4566) and audio offer/answer (RFC 3264).
//!
//! [`SessionDescription`] is the parsed form of a body: the lines the switch acts on are typed
//! (`v o s c t m`, `a=rtpmap`, `a=fmtp`, `a=ptime`, direction attributes), every other line is
//! kept raw in order so that printing a description gives back what the peer meant. Parsing
//! accepts LF-only line endings and unknown lines, and rejects text that is not SDP with a typed
//! [`Error`](crate::Error). `Display` prints CRLF lines in the RFC 4566 §5 order.
//!
//! [`answer`], [`offer`] and [`accept_answer`] implement RFC 3264 for one audio stream in
//! PCMU, PCMA or G.722 (all on an 8000 Hz RTP clock) with RFC 4733 telephone-event/8000.

mod negotiate;
mod parse;
mod print;

use std::net::IpAddr;

pub use crate::codec::Codec;
pub use negotiate::{
    LocalMedia, Negotiated, accept_answer, answer, declared_direction, offer, offer_directed,
};

/// A whole SDP body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=`: who made the description and its version.
    pub origin: Origin,
    /// `s=`: the session name (often `-`).
    pub session_name: String,
    /// Session-level `c=`, the default for media lines without their own.
    pub connection: Option<Connection>,
    /// `t=` lines (`0 0` for the unbounded sessions SIP uses).
    pub timing: Vec<Timing>,
    /// Session-level lines we do not interpret (`i u e p b r z k`), in order.
    pub other_lines: Vec<RawLine>,
    /// Session-level `a=` lines.
    pub attributes: Vec<Attribute>,
    /// `m=` sections in order; answers keep the offer's order (RFC 3264 §6).
    pub media: Vec<MediaDescription>,
}

/// The `o=` line (RFC 4566 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// User name, `-` when there is none.
    pub username: String,
    /// Numeric session id.
    pub session_id: u64,
    /// Numeric version, incremented on each new offer (RFC 3264 §8).
    pub session_version: u64,
    /// Network type, `IN`.
    pub net_type: String,
    /// Address type, `IP4` or `IP6`.
    pub addr_type: String,
    /// Unicast address or host name of the originator.
    pub address: String,
}

/// A `c=` line (RFC 4566 §5.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Network type, `IN`.
    pub net_type: String,
    /// Address type, `IP4` or `IP6`.
    pub addr_type: String,
    /// The address as written (may carry a `/ttl` suffix for multicast).
    pub address: String,
}

impl Connection {
    /// The connection for one of our addresses.
    pub fn from_ip(ip: IpAddr) -> Connection {
        Connection {
            net_type: "IN".to_owned(),
            addr_type: addr_type(ip).to_owned(),
            address: ip.to_string(),
        }
    }

    /// The address as an IP, if it is a literal (host names and multicast TTLs give `None`).
    pub fn ip(&self) -> Option<IpAddr> {
        self.address.parse().ok()
    }
}

/// `IP4` or `IP6` for an address.
fn addr_type(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(_) => "IP4",
        IpAddr::V6(_) => "IP6",
    }
}

/// A `t=` line (RFC 4566 §5.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Start time (NTP seconds, 0 for unbounded).
    pub start: u64,
    /// Stop time (NTP seconds, 0 for unbounded).
    pub stop: u64,
}

/// A line kept as written: its type letter and everything after `=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    /// The line's type letter.
    pub kind: char,
    /// The text after `=`.
    pub value: String,
}

/// One `m=` section (RFC 4566 §5.14) with its own lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// Media type: `audio`, `video`, `image`, ...
    pub media: String,
    /// Transport port; 0 marks a rejected or disabled stream (RFC 3264 §5.1).
    pub port: u16,
    /// The optional `/<number of ports>`.
    pub port_count: Option<u16>,
    /// Transport protocol, e.g. `RTP/AVP`.
    pub protocol: String,
    /// Format list; for RTP profiles these are payload type numbers.
    pub formats: Vec<String>,
    /// Media-level `c=`, overriding the session's.
    pub connection: Option<Connection>,
    /// Media-level lines we do not interpret (`i b k`), in order.
    pub other_lines: Vec<RawLine>,
    /// Media-level `a=` lines.
    pub attributes: Vec<Attribute>,
}

impl MediaDescription {
    /// The `a=rtpmap` for a payload type, if any.
    pub fn rtpmap(&self, payload_type: u8) -> Option<&Rtpmap> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Rtpmap(map) if map.payload_type == payload_type => Some(map),
            _ => None,
        })
    }

    /// The media-level direction attribute, if any.
    pub fn direction(&self) -> Option<Direction> {
        find_direction(&self.attributes)
    }

    /// The media-level `a=ptime`, if any.
    pub fn ptime(&self) -> Option<u32> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Ptime(ms) => Some(*ms),
            _ => None,
        })
    }

    /// The formats that are RTP payload type numbers, in order.
    pub fn payload_types(&self) -> impl Iterator<Item = u8> + '_ {
        self.formats.iter().filter_map(|f| f.parse::<u8>().ok())
    }
}

/// The first direction attribute in a list.
fn find_direction(attributes: &[Attribute]) -> Option<Direction> {
    attributes.iter().find_map(|a| match a {
        Attribute::Direction(d) => Some(*d),
        _ => None,
    })
}

impl SessionDescription {
    /// The session-level direction attribute, if any.
    pub fn direction(&self) -> Option<Direction> {
        find_direction(&self.attributes)
    }
}

/// An `a=rtpmap:<pt> <name>/<clock>[/<channels>]` attribute (RFC 4566 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rtpmap {
    /// Payload type number.
    pub payload_type: u8,
    /// Encoding name as written, e.g. `PCMU`, `telephone-event`.
    pub encoding: String,
    /// Clock rate in Hz.
    pub clock_rate: u32,
    /// Encoding parameters (channel count for audio), as written.
    pub params: Option<String>,
}

/// Media direction (RFC 3264 §5.1, §6.1), as seen by the side that wrote the attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Send and receive (the default when no attribute is present).
    SendRecv,
    /// Only send.
    SendOnly,
    /// Only receive.
    RecvOnly,
    /// Neither (hold without music, or a paused stream).
    Inactive,
}

impl Direction {
    /// The attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction the other side must answer with (RFC 3264 §6.1): sendonly ↔ recvonly.
    pub fn mirror(self) -> Direction {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            other => other,
        }
    }

    /// Whether this side sends media.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether this side receives media.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The direction that both sends and receives only where both arguments allow it.
    pub fn intersect(self, other: Direction) -> Direction {
        Direction::from_flags(
            self.sends() && other.sends(),
            self.receives() && other.receives(),
        )
    }

    fn from_flags(sends: bool, receives: bool) -> Direction {
        match (sends, receives) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    fn from_name(name: &str) -> Option<Direction> {
        match name {
            "sendrecv" => Some(Direction::SendRecv),
            "sendonly" => Some(Direction::SendOnly),
            "recvonly" => Some(Direction::RecvOnly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        }
    }
}

/// An `a=` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attribute {
    /// `a=rtpmap`.
    Rtpmap(Rtpmap),
    /// `a=fmtp:<pt> <parameters>`, parameters kept as written.
    Fmtp {
        /// Payload type number.
        payload_type: u8,
        /// Format parameters, e.g. `0-16` for telephone-event.
        params: String,
    },
    /// `a=ptime:<ms>`.
    Ptime(u32),
    /// `a=sendrecv`, `a=sendonly`, `a=recvonly`, `a=inactive`.
    Direction(Direction),
    /// Any other attribute, kept raw.
    Other {
        /// Attribute name.
        name: String,
        /// Value after the first `:`, if present.
        value: Option<String>,
    },
}
