//! The media driver: one tokio task per call owns that call's RTP/RTCP sockets (caller leg,
//! and agent leg while there is one). It plays prompts to the caller on a steady 20 ms
//! clock, reports the caller's RFC 4733 digits, and once bridged relays both ways through
//! `media::RelayLeg`.
//!
//! The packet path does no allocation, takes no lock and logs nothing: buffers are fixed
//! arrays owned by the task, sockets are owned by the task, counters live in the relay legs.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use media::sdp::Negotiated;
use media::{DtmfReceiver, LegConfig, PromptPlayer, RelayLeg, Verdict};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use crate::prompts::PromptSet;
use crate::switch::{MediaCommand, MediaEvent, SessionId, Side};

/// Largest datagram we read; RTP packets of G.711 at 20-40 ms are 172-332 bytes.
const BUF: usize = 2048;

/// Key presses closer together than this are not a person typing (RFC 4733 senders space
/// events by at least 40 ms); faster ones are dropped so a hostile stream cannot flood the core.
const MIN_DIGIT_GAP: std::time::Duration = std::time::Duration::from_millis(40);

/// Spawns and addresses the per-call media tasks.
pub struct MediaDriver {
    sessions: HashMap<SessionId, mpsc::UnboundedSender<MediaCommand>>,
    prompts: Arc<PromptSet>,
    events: mpsc::UnboundedSender<MediaEvent>,
    /// The IP RTP sockets bind to (the SIP listen IP; a wildcard binds all).
    bind_ip: IpAddr,
    /// `rtp.timeout`: silence after which a call is reported inactive.
    timeout: Option<std::time::Duration>,
}

impl MediaDriver {
    pub fn new(
        prompts: Arc<PromptSet>,
        events: mpsc::UnboundedSender<MediaEvent>,
        bind_ip: IpAddr,
        timeout: Option<std::time::Duration>,
    ) -> MediaDriver {
        MediaDriver {
            sessions: HashMap::new(),
            prompts,
            events,
            bind_ip,
            timeout,
        }
    }

    pub fn command(&mut self, cmd: MediaCommand) {
        let session = match &cmd {
            MediaCommand::Open { session, .. }
            | MediaCommand::Configure { session, .. }
            | MediaCommand::Play { session, .. }
            | MediaCommand::Bridge { session }
            | MediaCommand::CloseLeg { session, .. }
            | MediaCommand::Close { session } => *session,
        };
        if let MediaCommand::Close { .. } = cmd {
            if let Some(tx) = self.sessions.remove(&session) {
                let _ = tx.send(cmd);
            }
            return;
        }
        let tx = self.sessions.entry(session).or_insert_with(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            let mut task = Session::new(
                session,
                self.prompts.clone(),
                self.events.clone(),
                self.bind_ip,
            );
            task.timeout = self.timeout;
            tokio::spawn(task.run(rx));
            tx
        });
        if tx.send(cmd).is_err() {
            self.sessions.remove(&session);
        }
    }

    /// Ends every session (at shutdown).
    pub fn close_all(&mut self) {
        for (session, tx) in self.sessions.drain() {
            let _ = tx.send(MediaCommand::Close { session });
        }
    }
}

/// One leg's sockets and state.
struct Leg {
    rtp: Arc<UdpSocket>,
    rtcp: Arc<UdpSocket>,
    relay: Option<RelayLeg>,
    negotiated: Option<Negotiated>,
    dtmf: Option<DtmfReceiver>,
    /// When anything (RTP or RTCP) last came from this leg's peer, or the leg was (re)configured.
    last_heard: Instant,
    /// Key presses heard in the audio, for peers that negotiated no telephone-event.
    inband: Option<Box<media::InbandDetector>>,
}

impl Leg {
    /// Where prompts go: the latched source of the peer's RTP (NAT), else its SDP address.
    fn remote(&self) -> Option<SocketAddr> {
        self.relay.as_ref().and_then(RelayLeg::remote)
    }
}

/// The prompts being played to the caller.
struct Playback {
    queue: VecDeque<Arc<media::Prompt>>,
    loop_last: bool,
    player: PromptPlayer,
}

struct Session {
    id: SessionId,
    prompts: Arc<PromptSet>,
    events: mpsc::UnboundedSender<MediaEvent>,
    bind_ip: IpAddr,
    caller: Option<Leg>,
    agent: Option<Leg>,
    playback: Option<Playback>,
    /// The last player, so the next prompt continues its RTP stream (same SSRC, steady
    /// sequence numbers and timestamps).
    last_player: Option<PromptPlayer>,
    /// A `Play` that came before the caller leg was configured.
    pending_play: Option<(Vec<String>, bool)>,
    bridged: bool,
    /// `rtp.timeout`; `None` when off.
    timeout: Option<std::time::Duration>,
    /// `Inactive` was reported; not again.
    inactive_reported: bool,
    /// When the last key press was reported.
    last_digit: Option<Instant>,
}

/// What woke the session up.
enum Wake {
    Command(Option<MediaCommand>),
    Rtp(Side, io::Result<(usize, SocketAddr)>),
    Rtcp(Side, io::Result<(usize, SocketAddr)>),
    Tick,
}

async fn recv_opt(sock: Option<Arc<UdpSocket>>, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
    match sock {
        Some(s) => s.recv_from(buf).await,
        None => std::future::pending().await,
    }
}

async fn sleep_opt(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(tokio::time::Instant::from_std(t)).await,
        None => std::future::pending().await,
    }
}

impl Session {
    fn new(
        id: SessionId,
        prompts: Arc<PromptSet>,
        events: mpsc::UnboundedSender<MediaEvent>,
        bind_ip: IpAddr,
    ) -> Session {
        Session {
            id,
            prompts,
            events,
            bind_ip,
            caller: None,
            agent: None,
            playback: None,
            last_player: None,
            pending_play: None,
            bridged: false,
            timeout: None,
            inactive_reported: false,
            last_digit: None,
        }
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<MediaCommand>) {
        let mut buf_a = [0u8; BUF];
        let mut buf_b = [0u8; BUF];
        let mut buf_c = [0u8; BUF];
        let mut buf_d = [0u8; BUF];
        loop {
            let caller_rtp = self.caller.as_ref().map(|l| l.rtp.clone());
            let caller_rtcp = self.caller.as_ref().map(|l| l.rtcp.clone());
            let agent_rtp = self.agent.as_ref().map(|l| l.rtp.clone());
            let agent_rtcp = self.agent.as_ref().map(|l| l.rtcp.clone());
            let inactivity = self.silence_deadline();
            let tick = self
                .playback
                .as_ref()
                .and_then(|p| p.player.poll_timeout())
                .into_iter()
                .chain(inactivity)
                .min();
            let wake = tokio::select! {
                cmd = rx.recv() => Wake::Command(cmd),
                r = recv_opt(caller_rtp, &mut buf_a) => Wake::Rtp(Side::Caller, r),
                r = recv_opt(agent_rtp, &mut buf_b) => Wake::Rtp(Side::Agent, r),
                r = recv_opt(caller_rtcp, &mut buf_c) => Wake::Rtcp(Side::Caller, r),
                r = recv_opt(agent_rtcp, &mut buf_d) => Wake::Rtcp(Side::Agent, r),
                _ = sleep_opt(tick) => Wake::Tick,
            };
            let now = Instant::now();
            match wake {
                Wake::Command(None) | Wake::Command(Some(MediaCommand::Close { .. })) => return,
                Wake::Command(Some(cmd)) => self.handle_command(cmd, now),
                Wake::Rtp(side, Ok((len, from))) => {
                    self.heard(side, now);
                    let buf = match side {
                        Side::Caller => &mut buf_a,
                        Side::Agent => &mut buf_b,
                    };
                    self.on_rtp(side, from, &mut buf[..len], now).await;
                }
                Wake::Rtcp(side, Ok((len, from))) => {
                    self.heard(side, now);
                    let buf = match side {
                        Side::Caller => &mut buf_c,
                        Side::Agent => &mut buf_d,
                    };
                    self.on_rtcp(side, from, &buf[..len]).await;
                }
                // ICMP port unreachable and the like surface as recv errors on UDP: ignore.
                Wake::Rtp(_, Err(_)) | Wake::Rtcp(_, Err(_)) => {}
                Wake::Tick => {
                    if self.silence_deadline().is_some_and(|t| t <= now) {
                        self.inactive_reported = true;
                        let _ = self.events.send(MediaEvent::Inactive { session: self.id });
                    }
                    self.on_tick(now, &mut buf_a).await
                }
            }
        }
    }

    /// Something arrived from `side`'s peer.
    fn heard(&mut self, side: Side, now: Instant) {
        if let Some(leg) = self.leg_mut(side).as_mut() {
            leg.last_heard = now;
        }
    }

    /// When a party that should be sending has been silent for `rtp.timeout`: the earliest
    /// over the legs whose negotiated direction has us receiving (a party on hold with
    /// `sendonly`/`inactive` from our side is not expected to send).
    fn silence_deadline(&self) -> Option<Instant> {
        let timeout = self.timeout?;
        if self.inactive_reported {
            return None;
        }
        [self.caller.as_ref(), self.agent.as_ref()]
            .into_iter()
            .flatten()
            .filter(|l| l.negotiated.is_some_and(|n| n.direction.receives()))
            .map(|l| l.last_heard + timeout)
            .min()
    }

    fn leg_mut(&mut self, side: Side) -> &mut Option<Leg> {
        match side {
            Side::Caller => &mut self.caller,
            Side::Agent => &mut self.agent,
        }
    }

    fn handle_command(&mut self, cmd: MediaCommand, now: Instant) {
        match cmd {
            MediaCommand::Open {
                side, ip: _, port, ..
            } => match self.open(port) {
                Ok(leg) => *self.leg_mut(side) = Some(leg),
                Err(e) => {
                    tracing::warn!(call = self.id, %side, port, error = %e, "cannot bind RTP socket");
                    let _ = self.events.send(MediaEvent::Failed {
                        session: self.id,
                        side,
                    });
                }
            },
            MediaCommand::Configure {
                side, negotiated, ..
            } => {
                if let Some(leg) = self.leg_mut(side).as_mut() {
                    let config = LegConfig::from_negotiated(&negotiated);
                    match leg.relay.as_mut() {
                        Some(relay) => relay.reconfigure(config),
                        None => leg.relay = Some(RelayLeg::new(config)),
                    }
                    leg.dtmf = negotiated.dtmf_payload_type.map(DtmfReceiver::new);
                    leg.inband = match negotiated.dtmf_payload_type {
                        Some(_) => None,
                        None => Some(Box::default()),
                    };
                    leg.negotiated = Some(negotiated);
                    // A new negotiation (hold, resume) starts the silence count afresh.
                    leg.last_heard = now;
                }
                if side == Side::Caller {
                    if let Some((prompts, loop_last)) = self.pending_play.take() {
                        self.play(prompts, loop_last, now);
                    }
                }
            }
            MediaCommand::Play {
                prompts, loop_last, ..
            } => self.play(prompts, loop_last, now),
            MediaCommand::Bridge { .. } => {
                self.stop_playback();
                self.bridged = true;
            }
            MediaCommand::CloseLeg { side, .. } => {
                *self.leg_mut(side) = None;
                self.bridged = false;
            }
            MediaCommand::Close { .. } => {}
        }
    }

    fn open(&self, port: u16) -> io::Result<Leg> {
        let rtp = std::net::UdpSocket::bind(SocketAddr::new(self.bind_ip, port))?;
        let rtcp = std::net::UdpSocket::bind(SocketAddr::new(self.bind_ip, port.wrapping_add(1)))?;
        rtp.set_nonblocking(true)?;
        rtcp.set_nonblocking(true)?;
        Ok(Leg {
            rtp: Arc::new(UdpSocket::from_std(rtp)?),
            rtcp: Arc::new(UdpSocket::from_std(rtcp)?),
            relay: None,
            negotiated: None,
            dtmf: None,
            last_heard: Instant::now(),
            inband: None,
        })
    }

    fn stop_playback(&mut self) {
        if let Some(p) = self.playback.take() {
            self.last_player = Some(p.player);
        }
    }

    fn play(&mut self, names: Vec<String>, loop_last: bool, now: Instant) {
        let Some(negotiated) = self.caller.as_ref().and_then(|l| l.negotiated) else {
            self.pending_play = Some((names, loop_last));
            return;
        };
        self.stop_playback();
        let mut queue: VecDeque<Arc<media::Prompt>> = names
            .iter()
            .filter_map(|n| {
                let p = self.prompts.get(n);
                if p.is_none() {
                    tracing::warn!(call = self.id, prompt = %n, "unknown prompt skipped");
                }
                p
            })
            .collect();
        let Some(first) = queue.pop_front() else {
            let _ = self
                .events
                .send(MediaEvent::PlaybackDone { session: self.id });
            return;
        };
        let looping = loop_last && queue.is_empty();
        let player = match &self.last_player {
            Some(old) => PromptPlayer::continue_from(old, first, looping, now),
            None => PromptPlayer::new(
                first,
                negotiated.codec,
                negotiated.payload_type,
                looping,
                fastrand::u32(..),
                now,
            ),
        };
        self.playback = Some(Playback {
            queue,
            loop_last,
            player,
        });
    }

    /// Sends whatever prompt packets are due; moves to the next prompt when one ends.
    async fn on_tick(&mut self, now: Instant, buf: &mut [u8]) {
        let Some(caller) = self.caller.as_ref() else {
            return;
        };
        let (sock, remote) = (caller.rtp.clone(), caller.remote());
        loop {
            let Some(pb) = self.playback.as_mut() else {
                return;
            };
            while let Some(len) = pb.player.poll_packet(now, buf) {
                if let (Some(to), Some(pkt)) = (remote, buf.get(..len)) {
                    let _ = sock.send_to(pkt, to).await;
                }
            }
            if !pb.player.is_finished() {
                return;
            }
            match pb.queue.pop_front() {
                Some(next) => {
                    let looping = pb.loop_last && pb.queue.is_empty();
                    pb.player = PromptPlayer::continue_from(&pb.player, next, looping, now);
                }
                None => {
                    self.stop_playback();
                    let _ = self
                        .events
                        .send(MediaEvent::PlaybackDone { session: self.id });
                    return;
                }
            }
        }
    }

    async fn on_rtp(&mut self, side: Side, from: SocketAddr, pkt: &mut [u8], now: Instant) {
        if self.bridged {
            let Some((in_relay, out_relay, out_sockets)) =
                bridge(&mut self.caller, &mut self.agent, side)
            else {
                return;
            };
            let verdict = in_relay.on_packet(from, pkt, out_relay, now);
            if let Verdict::Forward { to, len } = verdict {
                if let Some(data) = pkt.get(..len) {
                    let _ = out_sockets.0.send_to(data, to).await;
                }
            }
            return;
        }
        if side != Side::Caller {
            return;
        }
        let Some(caller) = self.caller.as_mut() else {
            return;
        };
        // Symmetric RTP: prompts go where the caller's packets come from.
        let Some(header) = caller
            .relay
            .as_mut()
            .and_then(|r| r.observe(from, pkt, now))
        else {
            return;
        };
        let key = match (
            caller.dtmf.as_mut(),
            caller.inband.as_mut(),
            caller.negotiated,
        ) {
            (Some(rfc4733), _, _) => rfc4733.on_rtp(pkt).map(|e| {
                // The rest of this key press must not reach the agent once bridged.
                if let Some(relay) = caller.relay.as_mut() {
                    relay.suppress_event(e.timestamp);
                }
                e.key
            }),
            (None, Some(inband), Some(n)) if header.payload_type == n.payload_type => pkt
                .get(header.payload_offset..header.payload_end)
                .and_then(|audio| inband.push_payload(n.codec, audio)),
            _ => None,
        };
        if let Some(key) = key {
            if self
                .last_digit
                .is_some_and(|t| now.saturating_duration_since(t) < MIN_DIGIT_GAP)
            {
                return;
            }
            self.last_digit = Some(now);
            let _ = self.events.send(MediaEvent::Digit {
                session: self.id,
                digit: key,
            });
        }
    }

    async fn on_rtcp(&mut self, side: Side, from: SocketAddr, pkt: &[u8]) {
        if !self.bridged {
            return;
        }
        let Some((in_relay, out_relay, out_sockets)) =
            bridge(&mut self.caller, &mut self.agent, side)
        else {
            return;
        };
        if let Verdict::Forward { to, len } = in_relay.on_rtcp(from, pkt, out_relay) {
            if let Some(data) = pkt.get(..len) {
                let _ = out_sockets.1.send_to(data, to).await;
            }
        }
    }
}

/// The relay state of the leg a packet came in on, that of the other leg, and the other leg's
/// (RTP, RTCP) sockets to send from; `None` until both legs are configured.
fn bridge<'a>(
    caller: &'a mut Option<Leg>,
    agent: &'a mut Option<Leg>,
    from_side: Side,
) -> Option<(
    &'a mut RelayLeg,
    &'a mut RelayLeg,
    (&'a UdpSocket, &'a UdpSocket),
)> {
    let (caller, agent) = (caller.as_mut()?, agent.as_mut()?);
    let (inn, out) = match from_side {
        Side::Caller => (caller, agent),
        Side::Agent => (agent, caller),
    };
    Some((
        inn.relay.as_mut()?,
        out.relay.as_mut()?,
        (&*out.rtp, &*out.rtcp),
    ))
}
