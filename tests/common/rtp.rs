//! An RTP endpoint owned by a test: it receives and counts packets per SSRC and payload type,
//! learns where the switch sends from (symmetric RTP: that is where to send), and sends G.711
//! audio or RFC 4733 digits on request.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What one endpoint has received.
#[derive(Debug, Default, Clone)]
pub struct Received {
    /// Packets by SSRC.
    pub by_ssrc: HashMap<u32, u64>,
    /// Packets by payload type.
    pub by_pt: HashMap<u8, u64>,
    /// The first source address seen.
    pub first_source: Option<SocketAddr>,
    pub total: u64,
    /// Payloads by SSRC with their payload type (the first 500 of each SSRC).
    pub payloads: HashMap<u32, Vec<(u8, Vec<u8>)>>,
}

pub struct RtpPeer {
    socket: UdpSocket,
    pub port: u16,
    received: Arc<Mutex<Received>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    ssrc: u32,
    seq: u16,
    ts: u32,
}

impl RtpPeer {
    pub fn bind() -> RtpPeer {
        let port = super::free_rtp_port();
        let socket = UdpSocket::bind(("127.0.0.1", port)).expect("bind RTP");
        let reader = socket.try_clone().expect("clone socket");
        reader
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        let received = Arc::new(Mutex::new(Received::default()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (r, st) = (received.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !st.load(std::sync::atomic::Ordering::Relaxed) {
                let Ok((len, from)) = reader.recv_from(&mut buf) else {
                    continue;
                };
                if len < 12 || buf[0] >> 6 != 2 {
                    continue;
                }
                let pt = buf[1] & 0x7f;
                let ssrc = u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]);
                let mut g = r.lock().expect("lock");
                g.first_source.get_or_insert(from);
                *g.by_ssrc.entry(ssrc).or_default() += 1;
                *g.by_pt.entry(pt).or_default() += 1;
                g.total += 1;
                let kept = g.payloads.entry(ssrc).or_default();
                if kept.len() < 500 {
                    kept.push((pt, buf[12..len].to_vec()));
                }
            }
        });
        RtpPeer {
            socket,
            port,
            received,
            stop,
            ssrc: fastrand::u32(..),
            seq: fastrand::u16(..),
            ts: fastrand::u32(..),
        }
    }

    /// Forgets everything received so far (to look at what comes next).
    pub fn clear(&self) {
        *self.received.lock().expect("lock") = Received::default();
    }

    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    pub fn received(&self) -> Received {
        self.received.lock().expect("lock").clone()
    }

    /// Packets received from a given SSRC.
    pub fn count_from(&self, ssrc: u32) -> u64 {
        self.received().by_ssrc.get(&ssrc).copied().unwrap_or(0)
    }

    /// Waits until at least `n` packets came; returns where the first came from.
    pub fn wait_packets(&self, n: u64, within: Duration) -> SocketAddr {
        super::wait_until(
            within,
            &format!("{n} RTP packets on port {}", self.port),
            || self.received().total >= n,
        );
        self.received().first_source.expect("source")
    }

    fn header(&mut self, pt: u8, marker: bool, ts: u32) -> [u8; 12] {
        let mut h = [0u8; 12];
        h[0] = 0x80;
        h[1] = pt | if marker { 0x80 } else { 0 };
        h[2..4].copy_from_slice(&self.seq.to_be_bytes());
        h[4..8].copy_from_slice(&ts.to_be_bytes());
        h[8..12].copy_from_slice(&self.ssrc.to_be_bytes());
        self.seq = self.seq.wrapping_add(1);
        h
    }

    /// Sends `n` 20 ms packets of a `freq` Hz tone in G.722 on payload type 9 (16 kHz audio,
    /// 160 octets and 160 timestamp units per packet, RFC 3551), paced at 20 ms.
    pub fn send_g722_tone(&mut self, to: SocketAddr, n: u32, freq: f64) {
        let mut encoder = media::g722::G722Encoder::new();
        let w = 2.0 * std::f64::consts::PI * freq / 16_000.0;
        let start = Instant::now();
        let mut k: u64 = 0;
        for i in 0..n {
            let ts = self.ts;
            let mut pkt = self.header(9, i == 0, ts).to_vec();
            let pcm: Vec<i16> = (0..320)
                .map(|_| {
                    k += 1;
                    (10_000.0 * (w * k as f64).sin()) as i16
                })
                .collect();
            encoder.encode(&pcm, &mut pkt);
            let _ = self.socket.send_to(&pkt, to);
            self.ts = self.ts.wrapping_add(160);
            let due = start + Duration::from_millis(20 * u64::from(i + 1));
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    }

    /// Sends `n` packets of `ptime_ms` each, paced at `ptime_ms`, G.711 on payload type `pt`
    /// (0 μ-law, 8 A-law), with the linear samples `sample(index)` (8 per millisecond).
    fn send_paced(
        &mut self,
        to: SocketAddr,
        n: u32,
        pt: u8,
        ptime_ms: u32,
        mut sample: impl FnMut(u64) -> i16,
    ) {
        let per_packet = 8 * ptime_ms;
        let start = Instant::now();
        let mut index: u64 = 0;
        for i in 0..n {
            let ts = self.ts;
            let mut pkt = self.header(pt, i == 0, ts).to_vec();
            for _ in 0..per_packet {
                let s = sample(index);
                pkt.push(if pt == 8 {
                    media::g711::alaw_encode(s)
                } else {
                    media::g711::ulaw_encode(s)
                });
                index += 1;
            }
            let _ = self.socket.send_to(&pkt, to);
            self.ts = self.ts.wrapping_add(per_packet);
            let due = start + Duration::from_millis(u64::from(ptime_ms) * u64::from(i + 1));
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    }

    /// Sends `n` PCMU packets of 20 ms (a quiet 1 kHz square wave) to `to`, paced at 20 ms.
    pub fn send_audio(&mut self, to: SocketAddr, n: u32) {
        self.send_paced(to, n, 0, 20, |k| if k % 8 < 4 { 556 } else { -556 });
    }

    /// Sends `n` 20 ms packets of a `freq` Hz tone at about -10 dBm0, G.711 on payload type
    /// `pt` (0 μ-law, 8 A-law), paced at 20 ms.
    pub fn send_tone(&mut self, to: SocketAddr, n: u32, pt: u8, freq: f64) {
        self.send_tone_ptime(to, n, pt, freq, 20);
    }

    /// Sends `n` packets of `ptime_ms` milliseconds each (8 samples per ms) of a `freq` Hz
    /// tone at about -10 dBm0, G.711 on payload type `pt` (0 μ-law, 8 A-law), paced at
    /// `ptime_ms`: e.g. the 30 ms packets (240-byte payloads) some carriers send.
    pub fn send_tone_ptime(&mut self, to: SocketAddr, n: u32, pt: u8, freq: f64, ptime_ms: u32) {
        let w = 2.0 * std::f64::consts::PI * freq / 8000.0;
        self.send_paced(to, n, pt, ptime_ms, |k| {
            (10_000.0 * (w * k as f64).sin()) as i16
        });
    }

    /// Presses `key` in the audio (two tones of ITU-T Q.23, about -10 dBm0 each, μ-law on
    /// payload type 0) for `ms` milliseconds, then sends silence for as long, paced at 20 ms.
    pub fn send_inband_digit(&mut self, to: SocketAddr, key: char, ms: u32) {
        let (low, high) = match key {
            '1' => (697.0, 1209.0),
            '2' => (697.0, 1336.0),
            '3' => (697.0, 1477.0),
            '4' => (770.0, 1209.0),
            '5' => (770.0, 1336.0),
            '6' => (770.0, 1477.0),
            '7' => (852.0, 1209.0),
            '8' => (852.0, 1336.0),
            '9' => (852.0, 1477.0),
            '*' => (941.0, 1209.0),
            '0' => (941.0, 1336.0),
            '#' => (941.0, 1477.0),
            _ => panic!("not a key: {key}"),
        };
        let tone_samples = u64::from(8 * ms);
        let w = 2.0 * std::f64::consts::PI / 8000.0;
        self.send_paced(to, 2 * ms / 20, 0, 20, |k| {
            if k < tone_samples {
                let t = k as f64;
                (7000.0 * (w * low * t).sin() + 7000.0 * (w * high * t).sin()) as i16
            } else {
                0
            }
        });
    }

    /// The audio received from `ssrc`, decoded to linear PCM at 8 kHz by each packet's
    /// payload type (0 μ-law, 8 A-law, 9 G.722 decoded and resampled; others skipped).
    pub fn decoded_from(&self, ssrc: u32) -> Vec<i16> {
        let received = self.received();
        let mut out = Vec::new();
        let mut g722 = media::g722::G722Decoder::new();
        let mut down = media::resample::Downsampler::new();
        for (pt, payload) in received.payloads.get(&ssrc).into_iter().flatten() {
            match pt {
                0 => out.extend(payload.iter().map(|&b| media::g711::ulaw_decode(b))),
                8 => out.extend(payload.iter().map(|&b| media::g711::alaw_decode(b))),
                9 => {
                    let mut wide = Vec::new();
                    g722.decode(payload, &mut wide);
                    down.process(&wide, &mut out);
                }
                _ => {}
            }
        }
        out
    }

    /// Payload types received from `ssrc`.
    pub fn payload_types_from(&self, ssrc: u32) -> Vec<u8> {
        let mut pts: Vec<u8> = self
            .received()
            .payloads
            .get(&ssrc)
            .into_iter()
            .flatten()
            .map(|(pt, _)| *pt)
            .collect();
        pts.dedup();
        pts
    }

    /// Sends one RFC 4733 key press on payload type `pt`: three packets while held (the
    /// first with the marker bit), then the end packet three times, all with one timestamp.
    pub fn send_digit(&mut self, to: SocketAddr, pt: u8, key: char) {
        let event: u8 = match key {
            '0'..='9' => key as u8 - b'0',
            '*' => 10,
            '#' => 11,
            _ => panic!("not a key: {key}"),
        };
        let ts = self.ts;
        for i in 0..6u16 {
            let end = i >= 3;
            let duration: u16 = 160 * (i.min(3) + 1);
            let mut pkt = self.header(pt, i == 0, ts).to_vec();
            pkt.extend([event, if end { 0x80 | 10 } else { 10 }]);
            pkt.extend(duration.to_be_bytes());
            let _ = self.socket.send_to(&pkt, to);
            std::thread::sleep(Duration::from_millis(20));
        }
        self.ts = self.ts.wrapping_add(800);
    }
}

impl Drop for RtpPeer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The share of a signal's energy at `freq` Hz (Goertzel over the whole signal): near 1.0 for
/// a clean tone of that frequency, near 0 for another tone or noise.
pub fn tone_purity(samples: &[i16], freq: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let n = samples.len() as f64;
    let k = (n * freq / 8000.0).round();
    let w = 2.0 * std::f64::consts::PI * k / n;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mut total = 0.0f64;
    for &x in samples {
        let x = f64::from(x);
        total += x * x;
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    // Parseval: a pure tone's bin holds n/2 · Σx².
    if total == 0.0 {
        0.0
    } else {
        power / (n / 2.0 * total)
    }
}

impl RtpPeer {
    /// The payload sizes of the packets received from `ssrc` (the first 500), in order.
    pub fn payload_sizes_from(&self, ssrc: u32) -> Vec<usize> {
        self.received()
            .payloads
            .get(&ssrc)
            .into_iter()
            .flatten()
            .map(|(_, payload)| payload.len())
            .collect()
    }
}

/// The 20 ms μ-law frames of prompt `name` as the switch sends them in PCMU (the WAV's data,
/// with negative zero written as positive zero, as decoding and re-encoding does).
pub fn prompt_frames(name: &str) -> Vec<Vec<u8>> {
    let path = super::root().join(format!("configs/prompts/{name}.wav"));
    let wav = std::fs::read(&path).expect("prompt file");
    let mut at = 12;
    while at + 8 <= wav.len() {
        let id = &wav[at..at + 4];
        let len = u32::from_le_bytes([wav[at + 4], wav[at + 5], wav[at + 6], wav[at + 7]]) as usize;
        if id == b"data" {
            let data = &wav[at + 8..(at + 8 + len).min(wav.len())];
            return data
                .chunks(160)
                .filter(|c| c.len() == 160)
                .map(|c| {
                    c.iter()
                        .map(|&b| if b == 0x7f { 0xff } else { b })
                        .collect()
                })
                .collect();
        }
        at += 8 + len + (len & 1);
    }
    panic!("no data chunk in {}", path.display());
}
