//! linphone 5.1 (Debian package `linphone-cli`, its console client `linphonec`) as an agent's
//! softphone, headless.
//!
//! Each `Linphone` gets a private directory used as its HOME (liblinphone keeps its database
//! under `.local/share/linphone`, which must exist) holding `linphonerc`: SIP on one transport
//! at a free port on 127.0.0.1, IPv6, ICE, STUN and video off, RTP in a free block of
//! 60000-64999 (the softphones' range; liblinphone 5.1 binds its RTP sockets to the wildcard
//! address, it has no setting for that), one account with MD5 digest credentials. linphonec
//! runs with `-a` (it answers every call by itself) and `-d 6 -l <log>` (its SIP trace); it
//! is driven through its standard input: `soundcard use files` replaces the (absent) sound
//! card by WAV files, `play` names the microphone (a 30 s 800 Hz tone) and `record` the file
//! where it writes what it decoded. Its console output (`Call 1 ... connected.`, `Call 1
//! ... ended (...).`) is read from `<dir>/console.txt`.
//!
//! linphonec runs under `timeout` in a process group of its own; it is told `quit` on drop,
//! then the group is sent SIGTERM, then SIGKILL.

use std::io::Write;
use std::net::{SocketAddr, UdpSocket};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use super::baresip::{read_wav_samples, write_tone_wav};
use super::{Switchboard, free_sip_port};

/// How linphone reaches the switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
    /// At the switch's `sip.tls_listen` (see `Linphone::register_over_tls`).
    Tls,
}

impl Transport {
    /// The name in a Via.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
        }
    }

    fn param(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
        }
    }
}

fn private_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "switchboard-e2e-linphone-{name}-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(dir.join(".local/share/linphone")).expect("private dir");
    dir
}

/// The first port of 100 consecutive ones in 60000-64999 free for UDP on 127.0.0.1.
fn free_rtp_block() -> u16 {
    for _ in 0..200 {
        let lo = 62_500 + 100 * fastrand::u16(0..25);
        if (lo..lo + 100).all(|p| UdpSocket::bind(("127.0.0.1", p)).is_ok()) {
            return lo;
        }
    }
    panic!("no free RTP block in 60000-64999");
}

/// linphonec registered as an agent, answering every call by itself.
pub struct Linphone {
    child: Option<Child>,
    stdin: Option<ChildStdin>,
    pub dir: PathBuf,
    pub user: String,
    pub sip_port: u16,
    pub rtp_ports: (u16, u16),
    log: PathBuf,
    console: PathBuf,
}

impl Linphone {
    /// Starts linphonec as agent `user` (password `pass` + user) over UDP or TCP to the
    /// switch; returns once the switch logged the agent in.
    pub fn register(sb: &Switchboard, user: &str, transport: Transport) -> Linphone {
        assert!(
            transport != Transport::Tls,
            "TLS needs the switch's TLS address: register_over_tls"
        );
        Linphone::start(sb, user, sb.sip, transport, "")
    }

    /// Starts linphonec as agent `user` registering over TLS to `tls` (the switch's
    /// `sip.tls_listen`), verifying the switch's certificate against `cafile` (`root_ca`).
    ///
    /// The name check is off (`verify_server_cn=0`): linphone 5.1 verifies names with mbedtls
    /// 2.28, which reads no `iPAddress` subject alternative name and, once the certificate has
    /// such an extension, ignores the CN, so a certificate for `127.0.0.1` always fails with
    /// "flags=[CN-mismatch]".
    pub fn register_over_tls(
        sb: &Switchboard,
        user: &str,
        tls: SocketAddr,
        cafile: &Path,
    ) -> Linphone {
        let extra = format!(
            "root_ca={}\nverify_server_certs=1\nverify_server_cn=0\n",
            cafile.to_string_lossy()
        );
        Linphone::start(sb, user, tls, Transport::Tls, &extra)
    }

    fn start(
        sb: &Switchboard,
        user: &str,
        switch: SocketAddr,
        transport: Transport,
        extra_sip: &str,
    ) -> Linphone {
        let dir = private_dir(&format!("agent{user}"));
        let tone = dir.join("tone.wav");
        write_tone_wav(&tone, 800.0, 30);

        let sip_port = free_sip_port();
        let rtp_lo = free_rtp_block();
        let port_of = |t: Transport| if t == transport { sip_port } else { 0 };
        let config = format!(
            "[sip]\n\
             sip_port={udp}\n\
             sip_tcp_port={tcp}\n\
             sip_tls_port={tls}\n\
             bind_address=127.0.0.1\n\
             use_ipv6=0\n\
             guess_hostname=1\n\
             inc_timeout=60\n\
             default_proxy=0\n\
             {extra_sip}\n\
             [rtp]\n\
             audio_rtp_port={rtp_lo}-{rtp_hi}\n\
             video_rtp_port={rtp_lo}-{rtp_hi}\n\
             audio_jitt_comp=60\n\
             \n\
             [net]\n\
             firewall_policy=0\n\
             stun_server=\n\
             \n\
             [video]\n\
             enabled=0\n\
             capture=0\n\
             display=0\n\
             automatically_initiate=0\n\
             automatically_accept=0\n\
             \n\
             [sound]\n\
             echocancellation=0\n\
             \n\
             [auth_info_0]\n\
             username={user}\n\
             passwd=pass{user}\n\
             realm=switchboard\n\
             domain={host}\n\
             \n\
             [proxy_0]\n\
             reg_proxy=<sip:{switch};transport={param}>\n\
             reg_identity=sip:{user}@{host}\n\
             reg_expires=300\n\
             reg_sendregister=1\n\
             publish=0\n",
            udp = port_of(Transport::Udp),
            tcp = port_of(Transport::Tcp),
            tls = port_of(Transport::Tls),
            rtp_hi = rtp_lo + 99,
            host = switch.ip(),
            param = transport.param(),
        );
        let rc = dir.join("linphonerc");
        std::fs::write(&rc, config).expect("write linphonerc");

        let log = dir.join("linphone.log");
        let console = dir.join("console.txt");
        let out = std::fs::File::create(&console).expect("console file");
        let err = out.try_clone().expect("console clone");
        let mut child = Command::new("timeout")
            .args(["--signal=TERM", "--kill-after=5", "120", "linphonec"])
            .arg("-c")
            .arg(&rc)
            .args(["-a", "-d", "6", "-l"])
            .arg(&log)
            .env("HOME", &dir)
            .current_dir(&dir)
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("start linphonec (apt-get install linphone-cli)");
        let stdin = child.stdin.take();
        let mut phone = Linphone {
            child: Some(child),
            stdin,
            dir,
            user: user.to_string(),
            sip_port,
            rtp_ports: (rtp_lo, rtp_lo + 99),
            log,
            console,
        };
        phone.command("soundcard use files");
        phone.command(&format!("play {}", tone.to_string_lossy()));
        phone.command(&format!("record {}", phone.recording().to_string_lossy()));
        let logged_in = format!("agent logged in agent={user}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !sb.log_text().contains(&logged_in) {
            if Instant::now() > deadline {
                panic!(
                    "linphone did not register within 20 s\n--- console ---\n{}\n--- log ---\n{}",
                    phone.console_text(),
                    phone.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        phone
    }

    /// Sends one console command.
    pub fn command(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("linphonec stdin");
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| stdin.flush())
            .expect("write to linphonec");
    }

    /// Where it writes the audio it decoded (the `record` file).
    pub fn recording(&self) -> PathBuf {
        self.dir.join("heard.wav")
    }

    /// The audio it decoded from the network, as samples (8 kHz for G.711).
    pub fn heard(&self) -> Vec<i16> {
        if self.recording().exists() {
            read_wav_samples(&self.recording())
        } else {
            Vec::new()
        }
    }

    /// Waits until its console output contains `text`.
    pub fn wait_console(&self, text: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.console_text().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "linphone: no `{text}` within {within:?}\n--- console ---\n{}\n--- log ---\n{}",
            self.console_text(),
            self.log_text()
        );
    }

    /// The transport (`UDP`, `TCP`, `TLS`) in the Via of the first INVITE it received.
    pub fn invite_transport(&self) -> Option<String> {
        let log = self.log_text();
        let at = log.find("INVITE sip:")?;
        let via = log[at..].find("Via: SIP/2.0/")?;
        let rest = &log[at + via + "Via: SIP/2.0/".len()..];
        rest.split_whitespace().next().map(str::to_string)
    }

    pub fn console_text(&self) -> String {
        std::fs::read_to_string(&self.console).unwrap_or_default()
    }

    pub fn log_text(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.log).unwrap_or_default()).into_owned()
    }
}

impl Drop for Linphone {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            if let Some(mut stdin) = self.stdin.take() {
                let _ = stdin.write_all(b"quit\n");
            }
            super::softphone::stop_process_group(child, true);
        }
        if std::thread::panicking() {
            eprintln!(
                "--- linphone {} console ---\n{}\n--- linphone {} log ---\n{}",
                self.user,
                self.console_text(),
                self.user,
                self.log_text()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// linphone registers as agent 1003 over `transport`; a caller dials 100 and presses 1
/// (benefits; 1003 has both skills); linphone answers by itself; audio flows both ways
/// through the relay; the caller hangs up and linphone's call ends.
pub fn answers_a_queued_call(transport: Transport, test: &str) {
    let sb = Switchboard::start(test);
    let phone = Linphone::register(&sb, "1003", transport);
    answers_the_queued_call(sb, phone, transport, test);
}

/// The call of `answers_a_queued_call`, with agent 1003's linphone already registered over
/// `transport` to the running switch `sb`.
pub fn answers_the_queued_call(sb: Switchboard, phone: Linphone, transport: Transport, test: &str) {
    super::softphone::answers_the_queued_call(sb, phone, transport.name(), test);
}

impl super::softphone::Softphone for Linphone {
    fn kind(&self) -> &'static str {
        "linphone"
    }

    fn wait_established(&self) {
        self.wait_console("connected.", Duration::from_secs(5));
        self.wait_console("Media streams established", Duration::from_secs(5));
    }

    fn invite_transport(&self) -> Option<String> {
        Linphone::invite_transport(self)
    }

    fn wait_ended(&self) {
        self.wait_console(" ended (", Duration::from_secs(10));
    }

    fn heard(&self) -> Vec<i16> {
        Linphone::heard(self)
    }
}
