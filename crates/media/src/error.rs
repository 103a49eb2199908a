//! The media crate's one error type.
//!
//! Every variant names what failed; SDP variants carry the 1-based line number so a log line
//! points at the offending text of the peer's body.

use std::ops::RangeInclusive;

/// Everything that can go wrong in the media crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The SDP body is larger than we are willing to parse.
    #[error("SDP body of {0} bytes exceeds the limit")]
    SdpTooLarge(usize),
    /// The SDP body is not UTF-8 text.
    #[error("SDP body is not UTF-8")]
    SdpNotUtf8,
    /// A line is not of the form `<letter>=<value>`.
    #[error("SDP line {0} is not of the form x=value")]
    SdpMalformedLine(usize),
    /// The body does not start with `v=0`.
    #[error("SDP does not start with v=0")]
    SdpBadVersion,
    /// A mandatory session-level line (`o=` or `s=`) is missing.
    #[error("SDP is missing the mandatory {0}= line")]
    SdpMissingLine(char),
    /// The `o=` line does not have six fields with numeric session id and version.
    #[error("SDP line {0}: bad o= line")]
    SdpBadOrigin(usize),
    /// The `c=` line does not have three fields.
    #[error("SDP line {0}: bad c= line")]
    SdpBadConnection(usize),
    /// The `t=` line does not hold two numbers.
    #[error("SDP line {0}: bad t= line")]
    SdpBadTiming(usize),
    /// The `m=` line has a bad port, port count or too few fields.
    #[error("SDP line {0}: bad m= line")]
    SdpBadMedia(usize),
    /// An `a=rtpmap`, `a=fmtp` or `a=ptime` attribute does not parse.
    #[error("SDP line {0}: bad attribute")]
    SdpBadAttribute(usize),
    /// No offered audio stream uses a codec we support (the SIP layer answers 488).
    #[error("no common codec in the offer")]
    NoCommonCodec,
    /// The answer does not have the same number of m= lines as our offer (RFC 3264 §6).
    #[error("SDP answer has {answer} m= lines, offer had {offer}")]
    AnswerMismatch {
        /// m= lines in our offer.
        offer: usize,
        /// m= lines in the answer.
        answer: usize,
    },
    /// The datagram is shorter than a 12-byte RTP header.
    #[error("RTP packet of {0} bytes is too short")]
    RtpTooShort(usize),
    /// The RTP version field is not 2.
    #[error("RTP version {0} is not 2")]
    RtpBadVersion(u8),
    /// CSRC list or header extension run past the end of the datagram.
    #[error("RTP header runs past the end of the packet")]
    RtpTruncated,
    /// The padding length is zero or larger than the packet.
    #[error("RTP padding length is invalid")]
    RtpBadPadding,
    /// The caller's buffer cannot hold the packet.
    #[error("buffer of {have} bytes cannot hold {need}")]
    BufferTooSmall {
        /// Bytes needed.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// The data is not a RIFF/WAVE file or a chunk runs past the end.
    #[error("not a well-formed RIFF/WAVE file")]
    WavMalformed,
    /// The WAV file has no `fmt ` or no `data` chunk.
    #[error("WAV file lacks a {0} chunk")]
    WavMissingChunk(&'static str),
    /// The WAV format is not one we load (8 kHz mono PCM16/μ-law/A-law or 16 kHz mono PCM16).
    #[error(
        "unsupported WAV format: tag {format_tag}, {channels} ch, {sample_rate} Hz, {bits} bits"
    )]
    WavUnsupported {
        /// WAVE format tag (1 PCM, 6 A-law, 7 μ-law).
        format_tag: u16,
        /// Channel count.
        channels: u16,
        /// Samples per second.
        sample_rate: u32,
        /// Bits per sample.
        bits: u16,
    },
    /// The WAV file holds no audio samples.
    #[error("WAV file holds no audio")]
    WavEmpty,
    /// The character is not a DTMF key (0-9, *, #, A-D).
    #[error("{0:?} is not a DTMF key")]
    NotDtmfKey(char),
    /// A SIP INFO body's Content-Type is neither `application/dtmf-relay` nor `application/dtmf`.
    #[error("INFO body type carries no DTMF")]
    DtmfInfoContentType,
    /// The SIP INFO body is larger than any key press needs.
    #[error("DTMF INFO body of {0} bytes exceeds the limit")]
    DtmfInfoTooLarge(usize),
    /// The SIP INFO body is not UTF-8 text.
    #[error("DTMF INFO body is not UTF-8")]
    DtmfInfoNotUtf8,
    /// A `dtmf-relay` line is not `name=value`, or repeats `Signal` or `Duration`.
    #[error("DTMF INFO line {0} is malformed")]
    DtmfInfoMalformedLine(usize),
    /// The body names no key (no `Signal` line, or an empty `application/dtmf` body).
    #[error("DTMF INFO body has no signal")]
    DtmfInfoMissingSignal,
    /// The signal is neither a DTMF key nor an RFC 4733 event code 0-15.
    #[error("DTMF INFO signal is not a key")]
    DtmfInfoBadSignal,
    /// The `Duration` value is not a whole number of milliseconds.
    #[error("DTMF INFO line {0}: bad duration")]
    DtmfInfoBadDuration(usize),
    /// The port range holds no even RTP port whose RTCP port (+1) is also in range.
    #[error("port range {}-{} holds no RTP/RTCP pair", .0.start(), .0.end())]
    EmptyPortRange(RangeInclusive<u16>),
}
