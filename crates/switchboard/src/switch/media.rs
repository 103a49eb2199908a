//! The commands call control gives the media driver, and the events it hears back.
//!
//! One media session per call owns the call's RTP sockets: the caller leg from the start, the
//! agent leg while an agent is rung or talking. The core decides; the driver binds sockets,
//! plays prompts, detects digits and relays packets.

use std::net::IpAddr;

use media::sdp::Negotiated;

/// Identifies a call's media session (the call's id).
pub type SessionId = u64;

/// Which leg of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The caller (A leg).
    Caller,
    /// The agent being rung or talking (B leg).
    Agent,
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Caller => "caller",
            Side::Agent => "agent",
        })
    }
}

/// What the media driver is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaCommand {
    /// Bind a leg's RTP (`port`) and RTCP (`port + 1`) sockets on `ip`; the first `Open` of a
    /// session starts it.
    Open {
        session: SessionId,
        side: Side,
        ip: IpAddr,
        port: u16,
    },
    /// The leg's negotiated codec and the peer's SDP address (latching may correct it).
    Configure {
        session: SessionId,
        side: Side,
        negotiated: Negotiated,
    },
    /// Stop what the caller hears and play these prompts in order; loop the last one if asked
    /// (hold music). A `PlaybackDone` follows when a non-looping list ends.
    Play {
        session: SessionId,
        prompts: Vec<String>,
        loop_last: bool,
    },
    /// Relay caller and agent to each other (stops any prompt).
    Bridge { session: SessionId },
    /// Close one leg's sockets (an agent who did not answer).
    CloseLeg { session: SessionId, side: Side },
    /// End the session: close every socket.
    Close { session: SessionId },
}

/// What the media driver reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaEvent {
    /// The caller pressed a key (RFC 4733).
    Digit { session: SessionId, digit: char },
    /// The prompts of the last `Play` finished.
    PlaybackDone { session: SessionId },
    /// A leg's sockets could not be opened; the call cannot have media.
    Failed { session: SessionId, side: Side },
    /// A party that should be sending (not on hold) sent nothing, RTP or RTCP, for
    /// `rtp.timeout`: it is gone without a BYE (network loss, power cut).
    Inactive { session: SessionId },
}
