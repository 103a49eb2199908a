//! Sans-IO RTP media for switchboard.
//!
//! This crate holds every media decision and no IO: no sockets, no threads, no clock of its
//! own. The binary's drivers own the UDP sockets and call in on each datagram and timer:
//!
//! - [`sdp`]: RFC 4566 session descriptions and RFC 3264 offer/answer for G.711 and G.722 audio;
//! - [`ports`]: the RTP/RTCP port pair pool;
//! - [`relay`]: the per-packet core of a two-leg bridge (symmetric-RTP latching, payload type
//!   rewriting, PCMU↔PCMA and G.722↔G.711 transcoding in place);
//! - [`prompt`]: WAV prompts pre-encoded to PCMU, PCMA and G.722 and paced out as RTP every
//!   20 ms; [`playlist`] chains them on one stream;
//! - [`dtmf`]: RFC 4733 telephone-event receiver and sender; [`inband`] detects key tones in
//!   the audio of callers that send no events, [`dtmf_info`] reads keys from SIP INFO bodies;
//! - [`codec`], [`g711`], [`g722`] (ITU-T G.722 SB-ADPCM), [`resample`] (8 ↔ 16 kHz),
//!   [`transcode`] (any codec's payload to and from 8 kHz linear samples) and [`rtp`]: the
//!   codec and header helpers underneath.
//!
//! Run loop for a driver: on each datagram call the owning state machine with the bytes and
//! `Instant::now()`, act on what it returns; then ask the timed machines (`PromptPlayer`,
//! `Playlist`, `DtmfSender`) for `poll_timeout()`, sleep until the earliest one, and call
//! `poll_packet()` until it returns `None`.
//!
//! ```
//! use std::net::SocketAddr;
//! use std::time::Instant;
//! use media::{Codec, LegConfig, LocalMedia, PortPool, RelayLeg, SessionDescription, Verdict};
//!
//! let mut ports = PortPool::new(20000..=29999)?;
//! let local = LocalMedia {
//!     addr: "203.0.113.5".parse().expect("literal"),
//!     port: ports.allocate().expect("free port"),
//!     codecs: vec![Codec::Pcmu, Codec::Pcma],
//!     dtmf: true,
//!     session_id: 1,
//!     session_version: 1,
//! };
//! let offer = SessionDescription::parse(
//!     b"v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n\
//!       m=audio 4000 RTP/AVP 8 0\r\n",
//! )?;
//! let (answer_sdp, caller) = media::sdp::answer(&offer, &local)?;
//! assert_eq!(caller.codec, Codec::Pcma);
//! let _body = answer_sdp.to_string(); // goes into the 200 OK
//!
//! // Later, bridged to an agent that negotiated PCMU: one leg per side.
//! let mut caller_leg = RelayLeg::new(LegConfig::from_negotiated(&caller));
//! let mut agent_leg = RelayLeg::new(LegConfig {
//!     codec: Codec::Pcmu,
//!     payload_type: 0,
//!     ..LegConfig::from_negotiated(&caller)
//! });
//! let mut datagram = [0x80, 8, 0, 1, 0, 0, 0, 160, 0, 0, 0, 7, 0xD5, 0xD5];
//! let from: SocketAddr = "198.51.100.7:40000".parse().expect("literal");
//! match caller_leg.on_packet(from, &mut datagram, &mut agent_leg, Instant::now()) {
//!     Verdict::Forward { to, len } => { /* agent socket: send_to(&datagram[..len], to) */ }
//!     Verdict::Drop(_reason) => {}
//! }
//! # Ok::<(), media::Error>(())
//! ```

pub mod codec;
pub mod dtmf;
pub mod dtmf_info;
mod error;
pub mod g711;
pub mod g722;
pub mod inband;
pub mod playlist;
pub mod ports;
pub mod prompt;
pub mod relay;
pub mod resample;
pub mod rtp;
pub mod sdp;
#[cfg(test)]
mod test_signal;
pub mod transcode;
mod wav;

pub use codec::Codec;
pub use dtmf::{DtmfEvent, DtmfReceiver, DtmfSender};
pub use dtmf_info::{DtmfInfo, parse_dtmf_info};
pub use error::Error;
pub use inband::InbandDetector;
pub use playlist::Playlist;
pub use ports::PortPool;
pub use prompt::{Prompt, PromptPlayer, RtpStreamState};
pub use relay::{DropReason, LatchPolicy, LegConfig, LegStats, RelayLeg, Verdict};
pub use sdp::{Direction, LocalMedia, Negotiated, SessionDescription};
