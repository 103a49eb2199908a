//! RFC 3264 offer/answer for one audio stream (PCMU, PCMA, G.722) plus RFC 4733
//! telephone-event.
//!
//! Rules applied (RFC 3264 section in brackets):
//! - the answer has one m= line per offered m= line, in the same order (§6);
//! - the first acceptable `audio` `RTP/AVP` line is accepted, every other line is rejected by
//!   port 0 with the offered formats copied (§6);
//! - the codec is the first one in the *offerer's* list that we support (§6.1: the answerer
//!   should honour the offerer's preference);
//! - telephone-event keeps the payload type the offerer chose (§6.1: the answerer uses the
//!   offerer's payload type numbers); only its 8000 Hz form is taken, which matches the RTP
//!   clock of every codec here, G.722's included (RFC 4733 §2.1, RFC 3551 §4.5.2);
//! - direction is mirrored: sendonly ↔ recvonly, inactive stays inactive (§6.1);
//! - a c= address of 0.0.0.0 (old-style hold, RFC 2543) or a port of 0 leaves no remote.

use std::net::{IpAddr, SocketAddr};

use super::{
    Attribute, Codec, Connection, Direction, MediaDescription, Origin, Rtpmap, SessionDescription,
    Timing,
};
use crate::Error;

/// The telephone-event payload type we offer (any dynamic value works; 101 is the common one).
pub const OFFERED_DTMF_PAYLOAD_TYPE: u8 = 101;
/// Events we offer and answer: DTMF 0-9 * # A-D and flash (RFC 4733 §3.2).
const DTMF_EVENTS: &str = "0-16";
/// Packetisation time when the peer does not say (RFC 3551 §4.5: G.711 default frame 20 ms).
const DEFAULT_PTIME_MS: u32 = 20;
const TELEPHONE_EVENT: &str = "telephone-event";
const AUDIO: &str = "audio";
const RTP_AVP: &str = "RTP/AVP";
/// Profiles we accept and echo: plain RTP, and RTP with feedback (RFC 4585), whose media is
/// plain RTP as long as no feedback is negotiated (we negotiate none).
const PLAIN_RTP_PROFILES: &[&str] = &[RTP_AVP, "RTP/AVPF"];

/// Our side of a media negotiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMedia {
    /// Address we receive RTP on.
    pub addr: IpAddr,
    /// Even port we receive RTP on (RTCP on port + 1).
    pub port: u16,
    /// Codecs we accept, in our preference order (used when we offer).
    pub codecs: Vec<Codec>,
    /// Whether we accept and offer RFC 4733 telephone-event.
    pub dtmf: bool,
    /// `o=` session id, fixed for the dialog.
    pub session_id: u64,
    /// `o=` version, incremented by the caller for every new offer or changed answer.
    pub session_version: u64,
}

/// What both sides agreed for the one audio stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// The audio codec.
    pub codec: Codec,
    /// Payload type to send the codec with (and expect from the peer).
    pub payload_type: u8,
    /// Payload type of telephone-event, if both sides support it.
    pub dtmf_payload_type: Option<u8>,
    /// Where the peer wants RTP; `None` for c=0.0.0.0 or port 0.
    pub remote: Option<SocketAddr>,
    /// Direction from our side: `SendOnly` means we send and do not receive.
    pub direction: Direction,
    /// Packetisation time in milliseconds.
    pub ptime_ms: u32,
}

/// What one offered m= line resolves to.
struct Choice {
    codec: Codec,
    payload_type: u8,
    dtmf_payload_type: Option<u8>,
}

/// The codec a payload type stands for on a media line: the rtpmap name if there is one,
/// otherwise the static assignment (RFC 3551 table 4).
fn codec_of(m: &MediaDescription, pt: u8) -> Option<Codec> {
    match m.rtpmap(pt) {
        Some(map) => Codec::from_rtpmap(&map.encoding, map.clock_rate),
        None => Codec::from_static_payload_type(pt),
    }
}

/// The first telephone-event/8000 payload type on a media line.
fn dtmf_of(m: &MediaDescription) -> Option<u8> {
    m.payload_types().find(|pt| {
        m.rtpmap(*pt).is_some_and(|map| {
            map.encoding.eq_ignore_ascii_case(TELEPHONE_EVENT)
                && map.clock_rate == Codec::CLOCK_RATE
        })
    })
}

/// Picks the first format of `m` that is in `accepted`.
fn choose(m: &MediaDescription, accepted: &[Codec], dtmf: bool) -> Option<Choice> {
    if m.media != AUDIO || !PLAIN_RTP_PROFILES.contains(&m.protocol.as_str()) || m.port == 0 {
        return None;
    }
    let (payload_type, codec) = m.payload_types().find_map(|pt| {
        codec_of(m, pt)
            .filter(|c| accepted.contains(c))
            .map(|c| (pt, c))
    })?;
    Some(Choice {
        codec,
        payload_type,
        dtmf_payload_type: if dtmf { dtmf_of(m) } else { None },
    })
}

/// Where the peer of an m= line wants media, if anywhere.
fn remote_of(session: &SessionDescription, m: &MediaDescription) -> Option<SocketAddr> {
    let ip = m
        .connection
        .as_ref()
        .or(session.connection.as_ref())?
        .ip()?;
    if ip.is_unspecified() || m.port == 0 {
        return None;
    }
    Some(SocketAddr::new(ip, m.port))
}

/// The direction an m= line declares: its own attribute, else the session's, else sendrecv.
fn direction_of(session: &SessionDescription, m: &MediaDescription) -> Direction {
    m.direction()
        .or_else(|| session.direction())
        .unwrap_or(Direction::SendRecv)
}

fn rtpmap(payload_type: u8, encoding: &str) -> Attribute {
    Attribute::Rtpmap(Rtpmap {
        payload_type,
        encoding: encoding.to_owned(),
        clock_rate: Codec::CLOCK_RATE,
        params: None,
    })
}

fn session(local: &LocalMedia, media: Vec<MediaDescription>) -> SessionDescription {
    let connection = Connection::from_ip(local.addr);
    SessionDescription {
        origin: Origin {
            username: "-".to_owned(),
            session_id: local.session_id,
            session_version: local.session_version,
            net_type: connection.net_type.clone(),
            addr_type: connection.addr_type.clone(),
            address: connection.address.clone(),
        },
        session_name: "switchboard".to_owned(),
        connection: Some(connection),
        timing: vec![Timing { start: 0, stop: 0 }],
        other_lines: Vec::new(),
        attributes: Vec::new(),
        media,
    }
}

/// Our audio line: the given codecs (payload type, encoding) and telephone-event if any.
fn audio_line(
    port: u16,
    protocol: &str,
    codecs: &[(u8, Codec)],
    dtmf_payload_type: Option<u8>,
    ptime_ms: u32,
    direction: Direction,
) -> MediaDescription {
    let mut formats: Vec<String> = codecs.iter().map(|(pt, _)| pt.to_string()).collect();
    let mut attributes: Vec<Attribute> = codecs
        .iter()
        .map(|(pt, codec)| rtpmap(*pt, codec.name()))
        .collect();
    if let Some(pt) = dtmf_payload_type {
        formats.push(pt.to_string());
        attributes.push(rtpmap(pt, TELEPHONE_EVENT));
        attributes.push(Attribute::Fmtp {
            payload_type: pt,
            params: DTMF_EVENTS.to_owned(),
        });
    }
    attributes.push(Attribute::Ptime(ptime_ms));
    attributes.push(Attribute::Direction(direction));
    MediaDescription {
        media: AUDIO.to_owned(),
        port,
        port_count: None,
        protocol: protocol.to_owned(),
        formats,
        connection: None,
        other_lines: Vec::new(),
        attributes,
    }
}

/// A rejected copy of an offered line (RFC 3264 §6: port 0, formats kept, no attributes).
fn rejected(m: &MediaDescription) -> MediaDescription {
    MediaDescription {
        media: m.media.clone(),
        port: 0,
        port_count: None,
        protocol: m.protocol.clone(),
        formats: m.formats.clone(),
        connection: None,
        other_lines: Vec::new(),
        attributes: Vec::new(),
    }
}

/// Answers an offer (RFC 3264 §6). `Error::NoCommonCodec` when no audio line can be accepted.
pub fn answer(
    offer: &SessionDescription,
    local: &LocalMedia,
) -> Result<(SessionDescription, Negotiated), Error> {
    let mut negotiated = None;
    let mut lines = Vec::with_capacity(offer.media.len());
    for m in &offer.media {
        let choice = match negotiated {
            None => choose(m, &local.codecs, local.dtmf),
            // One audio stream per call: further lines are declined.
            Some(_) => None,
        };
        let Some(choice) = choice else {
            lines.push(rejected(m));
            continue;
        };
        let ptime_ms = m.ptime().unwrap_or(DEFAULT_PTIME_MS);
        let direction = direction_of(offer, m).mirror();
        lines.push(audio_line(
            local.port,
            &m.protocol,
            &[(choice.payload_type, choice.codec)],
            choice.dtmf_payload_type,
            ptime_ms,
            direction,
        ));
        negotiated = Some(Negotiated {
            codec: choice.codec,
            payload_type: choice.payload_type,
            dtmf_payload_type: choice.dtmf_payload_type,
            remote: remote_of(offer, m),
            direction,
            ptime_ms,
        });
    }
    let negotiated = negotiated.ok_or(Error::NoCommonCodec)?;
    Ok((session(local, lines), negotiated))
}

/// Our offer: the local codecs on their static payload types, telephone-event/8000 on 101
/// with events 0-16 when `local.dtmf`, ptime 20, sendrecv.
pub fn offer(local: &LocalMedia) -> SessionDescription {
    offer_directed(local, Direction::SendRecv)
}

/// Our offer with a given direction, from our side: `SendOnly` or `Inactive` to put the peer on
/// hold, `SendRecv` to resume (RFC 3264 §8.4). Otherwise as [`offer`].
pub fn offer_directed(local: &LocalMedia, direction: Direction) -> SessionDescription {
    let codecs: Vec<(u8, Codec)> = local
        .codecs
        .iter()
        .map(|c| (c.payload_type(), *c))
        .collect();
    let dtmf = local.dtmf.then_some(OFFERED_DTMF_PAYLOAD_TYPE);
    let line = audio_line(
        local.port,
        RTP_AVP,
        &codecs,
        dtmf,
        DEFAULT_PTIME_MS,
        direction,
    );
    session(local, vec![line])
}

/// The direction the author of `sdp` declares for its first audio stream, from its own side.
/// A connection address of 0.0.0.0 is the old way of saying "do not send to me" (RFC 3264
/// §8.4) and counts as `SendOnly` (or `Inactive` if the line says `recvonly`/`inactive`).
pub fn declared_direction(sdp: &SessionDescription) -> Direction {
    let Some(m) = sdp.media.iter().find(|m| m.media == AUDIO) else {
        return Direction::SendRecv;
    };
    let direction = direction_of(sdp, m);
    let held_by_address = m
        .connection
        .as_ref()
        .or(sdp.connection.as_ref())
        .and_then(|c| c.ip())
        .is_some_and(|ip| ip.is_unspecified());
    if held_by_address {
        direction.intersect(Direction::SendOnly)
    } else {
        direction
    }
}

/// Reads the answer to our offer (RFC 3264 §7).
///
/// The codec is the first of the answer's formats that we offered. Payload type numbers are
/// taken from the answer: answerers normally echo ours, and one that renumbers a dynamic type
/// (telephone-event) is followed.
pub fn accept_answer(
    offer: &SessionDescription,
    answer: &SessionDescription,
) -> Result<Negotiated, Error> {
    if offer.media.len() != answer.media.len() {
        return Err(Error::AnswerMismatch {
            offer: offer.media.len(),
            answer: answer.media.len(),
        });
    }
    for (ours, theirs) in offer.media.iter().zip(&answer.media) {
        let offered: Vec<Codec> = ours
            .payload_types()
            .filter_map(|pt| codec_of(ours, pt))
            .collect();
        let offered_dtmf = dtmf_of(ours).is_some();
        let Some(choice) = choose(theirs, &offered, offered_dtmf) else {
            continue;
        };
        let our_direction = direction_of(offer, ours);
        return Ok(Negotiated {
            codec: choice.codec,
            payload_type: choice.payload_type,
            dtmf_payload_type: choice.dtmf_payload_type,
            remote: remote_of(answer, theirs),
            direction: our_direction.intersect(direction_of(answer, theirs).mirror()),
            ptime_ms: theirs.ptime().or(ours.ptime()).unwrap_or(DEFAULT_PTIME_MS),
        });
    }
    Err(Error::NoCommonCodec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn local() -> LocalMedia {
        LocalMedia {
            addr: IpAddr::V4(Ipv4Addr::new(203, 0, 113, 5)),
            port: 20000,
            codecs: vec![Codec::Pcmu, Codec::Pcma],
            dtmf: true,
            session_id: 42,
            session_version: 1,
        }
    }

    #[test]
    fn directed_offers_and_declared_directions() {
        let held = offer_directed(&local(), Direction::SendOnly);
        assert_eq!(declared_direction(&held), Direction::SendOnly);
        assert!(held.to_string().contains("a=sendonly\r\n"));
        assert_eq!(declared_direction(&offer(&local())), Direction::SendRecv);
        let old_style = parse(
            "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
        );
        assert_eq!(declared_direction(&old_style), Direction::SendOnly);
        let inactive = parse(
            "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=inactive\r\n",
        );
        assert_eq!(declared_direction(&inactive), Direction::Inactive);
    }

    fn parse(text: &str) -> SessionDescription {
        match text.parse() {
            Ok(sdp) => sdp,
            Err(e) => panic!("test SDP does not parse: {e}"),
        }
    }

    #[test]
    fn our_offer_answered_by_ourselves_agrees_on_pcmu_and_dtmf() {
        let our_offer = offer(&local());
        let (their_answer, theirs) = answer(&our_offer, &local()).expect("common codec");
        let ours = accept_answer(&our_offer, &their_answer).expect("answer accepted");
        assert_eq!(ours.codec, Codec::Pcmu);
        assert_eq!(ours.dtmf_payload_type, Some(101));
        assert_eq!(theirs.dtmf_payload_type, Some(101));
        assert_eq!(
            ours.remote,
            Some("203.0.113.5:20000".parse().expect("addr"))
        );
        assert_eq!(ours.direction, Direction::SendRecv);
    }

    #[test]
    fn sendonly_offer_is_answered_recvonly() {
        let text = offer(&local())
            .to_string()
            .replace("a=sendrecv", "a=sendonly");
        let (sdp, negotiated) = answer(&parse(&text), &local()).expect("common codec");
        assert_eq!(negotiated.direction, Direction::RecvOnly);
        assert_eq!(sdp.media[0].direction(), Some(Direction::RecvOnly));
    }

    #[test]
    fn avpf_offer_is_answered_in_the_same_profile() {
        let text = offer(&local()).to_string().replace("RTP/AVP ", "RTP/AVPF ");
        let (sdp, _) = answer(&parse(&text), &local()).expect("common codec");
        assert_eq!(sdp.media[0].protocol, "RTP/AVPF");
    }

    #[test]
    fn hold_with_zero_address_leaves_no_remote() {
        let text = offer(&local())
            .to_string()
            .replace("c=IN IP4 203.0.113.5", "c=IN IP4 0.0.0.0");
        let (_, negotiated) = answer(&parse(&text), &local()).expect("common codec");
        assert_eq!(negotiated.remote, None);
    }

    #[test]
    fn answer_with_fewer_lines_is_a_mismatch() {
        let our_offer = offer(&local());
        let mut bad = our_offer.clone();
        bad.media.clear();
        assert_eq!(
            accept_answer(&our_offer, &bad),
            Err(Error::AnswerMismatch {
                offer: 1,
                answer: 0
            })
        );
    }

    #[test]
    fn answerer_that_rejects_our_audio_gives_no_common_codec() {
        let our_offer = offer(&local());
        let mut refused = our_offer.clone();
        refused.media[0] = rejected(&refused.media[0]);
        assert_eq!(
            accept_answer(&our_offer, &refused),
            Err(Error::NoCommonCodec)
        );
    }

    #[test]
    fn sendonly_answer_to_our_offer_means_we_only_receive() {
        let our_offer = offer(&local());
        let text = our_offer.to_string().replace("a=sendrecv", "a=sendonly");
        let ours = accept_answer(&our_offer, &parse(&text)).expect("accepted");
        assert_eq!(ours.direction, Direction::RecvOnly);
    }
}
