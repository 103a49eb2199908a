//! baresip 1.0.0 (Debian package `baresip-core`) as an agent's softphone, headless.
//!
//! Each `Baresip` gets a private config directory: `config` (modules g711, aufile, alsa,
//! sndfile, account, menu, ctrl_tcp; SIP bound to 127.0.0.1), `accounts` (one agent,
//! `answermode=auto`) and a 30 s 800 Hz tone it sends as its microphone (the `aufile` source
//! hangs up the call when its file ends, hence the length). What it hears is decoded and
//! written by the `sndfile` filter to `<dir>/snd/dump-*-dec.wav`; the player is ALSA's
//! `null` device. Its events (`CALL_ESTABLISHED`, `CALL_CLOSED`, ...) are read from `ctrl_tcp`.
//!
//! baresip 1.0.0 (libre 1.1.0) gives up on a 401 that carries any challenge whose algorithm is
//! not MD5 ("Register: Function not implemented"); the demo challenges with MD5 alone.
//!
//! baresip runs under `timeout` in a process group of its own; the group is sent SIGTERM on
//! drop, then SIGKILL.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Switchboard, free_sip_port, wait_until};

/// How baresip reaches the switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
    /// At the switch's `sip.tls_listen` (see `Baresip::register_over_tls`).
    Tls,
}

impl Transport {
    /// The name in baresip's SIP trace and in a Via.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
        }
    }
}

fn private_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "switchboard-e2e-baresip-{name}-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&dir).expect("private dir");
    dir
}

fn free_tcp_port() -> u16 {
    for _ in 0..200 {
        let port = 20_000 + fastrand::u16(0..10_000);
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free TCP port found");
}

/// A mono 8 kHz 16-bit PCM WAV file of `seconds` of a sine at `hz`.
pub fn write_tone_wav(path: &Path, hz: f64, seconds: u32) {
    let rate = 8000u32;
    let n = rate * seconds;
    let mut data = Vec::with_capacity(n as usize * 2);
    for i in 0..n {
        let s = (8000.0 * (2.0 * std::f64::consts::PI * hz * f64::from(i) / f64::from(rate)).sin())
            as i16;
        data.extend(s.to_le_bytes());
    }
    let mut wav = Vec::with_capacity(44 + data.len());
    wav.extend(b"RIFF");
    wav.extend((36 + data.len() as u32).to_le_bytes());
    wav.extend(b"WAVEfmt ");
    wav.extend(16u32.to_le_bytes());
    wav.extend(1u16.to_le_bytes()); // PCM
    wav.extend(1u16.to_le_bytes()); // mono
    wav.extend(rate.to_le_bytes());
    wav.extend((rate * 2).to_le_bytes());
    wav.extend(2u16.to_le_bytes());
    wav.extend(16u16.to_le_bytes());
    wav.extend(b"data");
    wav.extend((data.len() as u32).to_le_bytes());
    wav.extend(data);
    std::fs::write(path, wav).expect("write WAV");
}

/// The 16-bit samples of a PCM WAV file (a header left unfinished by a writer that did not
/// close the file is tolerated: the data runs to the end of the file).
pub fn read_wav_samples(path: &Path) -> Vec<i16> {
    let bytes = std::fs::read(path).expect("read WAV");
    assert!(bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE");
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().expect("4 bytes")) as usize;
        let body = at + 8;
        if id == b"data" {
            let end = if len == 0 || body + len > bytes.len() {
                bytes.len()
            } else {
                body + len
            };
            return bytes[body..end]
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect();
        }
        at = body + len + (len & 1);
    }
    Vec::new()
}

/// 20 ms frames (160 samples at 8 kHz) whose RMS is above `threshold`.
pub fn loud_frames(samples: &[i16], threshold: f64) -> usize {
    samples
        .chunks_exact(160)
        .filter(|f| {
            let energy: f64 = f.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
            (energy / 160.0).sqrt() > threshold
        })
        .count()
}

/// baresip registered as an agent, answering every call by itself.
pub struct Baresip {
    child: Option<Child>,
    pub dir: PathBuf,
    pub user: String,
    pub sip_port: u16,
    log: PathBuf,
    events: Arc<Mutex<Vec<String>>>,
}

impl Baresip {
    /// Starts baresip as agent `user` (password `pass` + user) over UDP or TCP; returns once
    /// the switch logged the agent in and the control connection is up.
    pub fn register(sb: &Switchboard, user: &str, transport: Transport) -> Baresip {
        let uri_params = match transport {
            Transport::Udp => "",
            Transport::Tcp => ";transport=tcp",
            Transport::Tls => panic!("TLS needs the switch's TLS address: register_over_tls"),
        };
        Baresip::start(sb, user, sb.sip, uri_params, "")
    }

    /// Starts baresip as agent `user` registering over TLS to `tls` (the switch's
    /// `sip.tls_listen`), trusting the certificate in `cafile` (baresip 1.0 has no switch to
    /// skip verification, only `sip_cafile`).
    pub fn register_over_tls(
        sb: &Switchboard,
        user: &str,
        tls: std::net::SocketAddr,
        cafile: &Path,
    ) -> Baresip {
        let extra = format!("sip_cafile\t{}\n", cafile.to_string_lossy());
        Baresip::start(sb, user, tls, ";transport=tls", &extra)
    }

    fn start(
        sb: &Switchboard,
        user: &str,
        switch: std::net::SocketAddr,
        uri_params: &str,
        extra_config: &str,
    ) -> Baresip {
        let dir = private_dir(&format!("agent{user}"));
        let snd = dir.join("snd");
        std::fs::create_dir_all(&snd).expect("snd dir");
        let tone = dir.join("tone.wav");
        write_tone_wav(&tone, 800.0, 30);

        let sip_port = free_sip_port();
        let ctrl_port = free_tcp_port();
        let rtp_lo = 60_000 + 100 * fastrand::u16(0..25);
        let config = format!(
            "poll_method\tepoll\n\
             call_local_timeout\t60\n\
             call_max_calls\t2\n\
             sip_listen\t127.0.0.1:{sip_port}\n\
             net_interface\t127.0.0.1\n\
             audio_source\taufile,{tone}\n\
             audio_player\talsa,null\n\
             audio_alert\talsa,null\n\
             audio_buffer\t20-160\n\
             rtp_ports\t{rtp_lo}-{rtp_hi}\n\
             module_path\t/usr/lib/baresip/modules\n\
             module\tg711.so\n\
             module\taufile.so\n\
             module\talsa.so\n\
             module\tsndfile.so\n\
             snd_path\t{snd}\n\
             module_tmp\taccount.so\n\
             module_app\tmenu.so\n\
             module_app\tctrl_tcp.so\n\
             ctrl_tcp_listen\t127.0.0.1:{ctrl_port}\n\
             {extra_config}",
            tone = tone.to_string_lossy(),
            rtp_hi = rtp_lo + 99,
            snd = snd.to_string_lossy(),
        );
        std::fs::write(dir.join("config"), config).expect("write config");
        let account = format!(
            "<sip:{user}@{switch}{uri_params}>;auth_pass=pass{user};answermode=auto;regint=300\n",
        );
        std::fs::write(dir.join("accounts"), account).expect("write accounts");

        let log = dir.join("baresip.log");
        let out = std::fs::File::create(&log).expect("baresip log");
        let err = out.try_clone().expect("log clone");
        let child = Command::new("timeout")
            .args([
                "--signal=TERM",
                "--kill-after=5",
                "120",
                "baresip",
                "-s",
                "-f",
            ])
            .arg(&dir)
            .current_dir(&dir)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("start baresip (apt-get install baresip-core)");
        let mut phone = Baresip {
            child: Some(child),
            dir,
            user: user.to_string(),
            sip_port,
            log,
            events: Arc::new(Mutex::new(Vec::new())),
        };
        let logged_in = format!("agent logged in agent={user}");
        wait_until(Duration::from_secs(15), "baresip to register", || {
            sb.log_text().contains(&logged_in)
        });
        phone.connect_ctrl(ctrl_port);
        phone
    }

    /// Reads ctrl_tcp's netstrings (`LEN:{json},`) into `events` until the connection ends.
    fn connect_ctrl(&mut self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let stream = loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) => break s,
                Err(e) if Instant::now() > deadline => {
                    panic!("baresip ctrl_tcp on port {port}: {e}\n{}", self.log_text())
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        };
        let events = self.events.clone();
        std::thread::spawn(move || {
            let mut stream = stream;
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                while let Some(colon) = buf.iter().position(|&b| b == b':') {
                    let Some(len) = std::str::from_utf8(&buf[..colon])
                        .ok()
                        .and_then(|s| s.trim().parse::<usize>().ok())
                    else {
                        buf.clear();
                        break;
                    };
                    if buf.len() < colon + 1 + len + 1 {
                        break;
                    }
                    let msg =
                        String::from_utf8_lossy(&buf[colon + 1..colon + 1 + len]).into_owned();
                    events.lock().expect("lock").push(msg);
                    buf.drain(..colon + 1 + len + 1);
                }
            }
        });
    }

    /// Every event received so far (JSON text).
    pub fn events(&self) -> Vec<String> {
        self.events.lock().expect("lock").clone()
    }

    /// Whether an event of `kind` (`CALL_ESTABLISHED`, `CALL_CLOSED`, ...) was received.
    pub fn has_event(&self, kind: &str) -> bool {
        let needle = format!("\"type\":\"{kind}\"");
        self.events().iter().any(|e| e.contains(&needle))
    }

    /// Waits for an event of `kind`.
    pub fn wait_event(&self, kind: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.has_event(kind) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "baresip: no {kind} event within {within:?}; events: {:#?}\n--- baresip log ---\n{}",
            self.events(),
            self.log_text()
        );
    }

    /// The audio it decoded from the network (the `sndfile` dump), as 8 kHz samples.
    pub fn heard(&self) -> Vec<i16> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("snd")) else {
            return Vec::new();
        };
        let mut samples = Vec::new();
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with("-dec.wav"))
            .collect();
        files.sort();
        for f in files {
            samples.extend(read_wav_samples(&f));
        }
        samples
    }

    /// The transport (`UDP`, `TCP`) of the first INVITE in baresip's SIP trace, whose blocks
    /// read `#`, `TCP from -> to`, the message.
    pub fn invite_transport(&self) -> Option<String> {
        let log = self.log_text();
        let lines: Vec<&str> = log.lines().collect();
        let at = lines.iter().position(|l| l.starts_with("INVITE sip:"))?;
        let head = lines[..at].iter().rev().find(|l| l.contains(" -> "))?;
        head.split_whitespace().next().map(str::to_string)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .replace("\x1b[36;1m", "")
            .replace("\x1b[31m", "")
            .replace("\x1b[;m", "")
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            super::softphone::stop_process_group(child, false);
        }
        if std::thread::panicking() {
            eprintln!(
                "--- baresip {} events ---\n{:#?}\n--- baresip {} log ---\n{}",
                self.user,
                self.events(),
                self.user,
                self.log_text()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// baresip registers as agent 1001 over `transport`; a caller dials 100 and presses 1
/// (benefits, skill labor); baresip answers by itself; audio flows both ways through the
/// relay; the caller hangs up and baresip's call ends.
pub fn answers_a_queued_call(transport: Transport, test: &str) {
    let sb = Switchboard::start(test);
    let phone = Baresip::register(&sb, "1001", transport);
    answers_the_queued_call(sb, phone, transport, test);
}

/// The call of `answers_a_queued_call`, with agent 1001's baresip already registered over
/// `transport` to the running switch `sb`.
pub fn answers_the_queued_call(sb: Switchboard, phone: Baresip, transport: Transport, test: &str) {
    super::softphone::answers_the_queued_call(sb, phone, transport.name(), test);
}

impl super::softphone::Softphone for Baresip {
    fn kind(&self) -> &'static str {
        "baresip"
    }

    fn wait_established(&self) {
        self.wait_event("CALL_ESTABLISHED", Duration::from_secs(10));
    }

    fn invite_transport(&self) -> Option<String> {
        Baresip::invite_transport(self)
    }

    fn wait_ended(&self) {
        self.wait_event("CALL_CLOSED", Duration::from_secs(10));
    }

    fn after_call(&self) {
        assert!(
            !self.has_event("CALL_DTMF_START"),
            "the menu key must not reach the agent: {:#?}",
            self.events()
        );
    }

    fn heard(&self) -> Vec<i16> {
        Baresip::heard(self)
    }
}
