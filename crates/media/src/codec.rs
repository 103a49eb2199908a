//! The audio codecs the switch speaks: G.711 μ-law and A-law (RFC 3551 §4.5.14, static payload
//! types 0 and 8, 8000 Hz, one byte per sample).

/// One G.711 codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 μ-law, `PCMU/8000`, payload type 0.
    Pcmu,
    /// G.711 A-law, `PCMA/8000`, payload type 8.
    Pcma,
}

impl Codec {
    /// Sampling clock of both G.711 laws.
    pub const CLOCK_RATE: u32 = 8000;

    /// The static RTP payload type (RFC 3551 table 4).
    pub fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// The encoding name as written in `a=rtpmap`.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    /// The codec for an rtpmap encoding name and clock (case-insensitive, RFC 4566 §6).
    pub fn from_rtpmap(name: &str, clock_rate: u32) -> Option<Codec> {
        if clock_rate != Self::CLOCK_RATE {
            return None;
        }
        if name.eq_ignore_ascii_case("PCMU") {
            Some(Codec::Pcmu)
        } else if name.eq_ignore_ascii_case("PCMA") {
            Some(Codec::Pcma)
        } else {
            None
        }
    }

    /// The codec a static payload type stands for when no rtpmap names it.
    pub fn from_static_payload_type(pt: u8) -> Option<Codec> {
        match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        }
    }

    /// The code of linear silence in this law, used to pad the last frame of a prompt.
    pub fn silence(self) -> u8 {
        match self {
            Codec::Pcmu => crate::g711::ULAW_SILENCE,
            Codec::Pcma => crate::g711::ALAW_SILENCE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_payload_types_follow_rfc_3551() {
        assert_eq!(Codec::Pcmu.payload_type(), 0);
        assert_eq!(Codec::Pcma.payload_type(), 8);
        assert_eq!(Codec::from_rtpmap("pcmu", 8000), Some(Codec::Pcmu));
        assert_eq!(Codec::from_rtpmap("PCMA", 16000), None);
        assert_eq!(Codec::from_static_payload_type(8), Some(Codec::Pcma));
        assert_eq!(Codec::from_static_payload_type(9), None);
    }
}
