//! The audio codecs the switch speaks: G.711 μ-law and A-law (RFC 3551 §4.5.14, static payload
//! types 0 and 8, 8000 Hz, one byte per sample) and G.722 (RFC 3551 §4.5.2, static payload type
//! 9, 16 kHz audio at 64 kbit/s).
//!
//! All three put one octet on the wire per 125 µs of audio and run their RTP clock at 8000 Hz
//! (G.722 too, by RFC 3551's historical rule), so a 20 ms packet is 160 octets and 160 timestamp
//! units whatever the codec: the relay can transcode between them without touching sequence
//! numbers, timestamps or packet sizes, and telephone-event (RFC 4733) runs at 8000 Hz beside
//! any of them.

/// One audio codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 μ-law, `PCMU/8000`, payload type 0.
    Pcmu,
    /// G.711 A-law, `PCMA/8000`, payload type 8.
    Pcma,
    /// G.722 at 64 kbit/s, `G722/8000`, payload type 9 (16 kHz audio, 8000 Hz RTP clock).
    G722,
}

impl Codec {
    /// RTP clock rate of every codec here, and of the telephone-event stream beside it.
    pub const CLOCK_RATE: u32 = 8000;
    /// Octets per 20 ms frame of every codec here (one octet per RTP timestamp unit).
    pub const FRAME_OCTETS: usize = 160;

    /// The static RTP payload type (RFC 3551 table 4).
    pub fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
            Codec::G722 => 9,
        }
    }

    /// The encoding name as written in `a=rtpmap`.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
            Codec::G722 => "G722",
        }
    }

    /// Samples per second of the audio itself: 8000 for G.711, 16000 for G.722.
    pub fn sample_rate(self) -> u32 {
        match self {
            Codec::Pcmu | Codec::Pcma => 8000,
            Codec::G722 => 16000,
        }
    }

    /// The codec for an rtpmap encoding name and clock (case-insensitive, RFC 4566 §6).
    /// `G722/16000` is refused: its timestamps would run at twice the rate RFC 3551 fixes.
    pub fn from_rtpmap(name: &str, clock_rate: u32) -> Option<Codec> {
        if clock_rate != Self::CLOCK_RATE {
            return None;
        }
        [Codec::Pcmu, Codec::Pcma, Codec::G722]
            .into_iter()
            .find(|c| name.eq_ignore_ascii_case(c.name()))
    }

    /// The codec a static payload type stands for when no rtpmap names it.
    pub fn from_static_payload_type(pt: u8) -> Option<Codec> {
        match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            9 => Some(Codec::G722),
            _ => None,
        }
    }

    /// The octet that is silence on its own, repeated as often as needed: G.711's code of
    /// linear zero. G.722 has none (the octets of silence depend on the coder's state), so
    /// silence is encoded like any other audio.
    pub fn silence(self) -> Option<u8> {
        match self {
            Codec::Pcmu => Some(crate::g711::ULAW_SILENCE),
            Codec::Pcma => Some(crate::g711::ALAW_SILENCE),
            Codec::G722 => None,
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
        assert_eq!(Codec::from_static_payload_type(9), Some(Codec::G722));
        assert_eq!(Codec::from_static_payload_type(18), None);
    }

    #[test]
    fn g722_runs_an_8000_hz_rtp_clock_over_16_khz_audio() {
        assert_eq!(Codec::G722.payload_type(), 9);
        assert_eq!(Codec::G722.name(), "G722");
        assert_eq!(Codec::from_rtpmap("g722", 8000), Some(Codec::G722));
        // RFC 3551 §4.5.2: the clock is 8000 Hz; a 16000 Hz rtpmap is someone else's G.722.
        assert_eq!(Codec::from_rtpmap("G722", 16000), None);
        assert_eq!(Codec::G722.sample_rate(), 16000);
        assert_eq!(Codec::Pcmu.sample_rate(), Codec::CLOCK_RATE);
        assert_eq!(Codec::G722.silence(), None);
        assert_eq!(Codec::Pcma.silence(), Some(crate::g711::ALAW_SILENCE));
    }
}
