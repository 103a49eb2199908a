//! Shared harness of the end-to-end tests: the real `switchboard` binary on loopback, sipp
//! for SIP, and RTP endpoints owned by the test so audio can be sent and counted exactly.
//!
//! Everything here is bounded in time: processes are started under `timeout`, waits have
//! deadlines, and every child is killed on drop.

#![allow(dead_code)]

pub mod baresip;
pub mod linphone;
pub mod rtp;
pub mod softphone;

use std::io::Read;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub use rtp::RtpPeer;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A UDP+TCP port free on 127.0.0.1 right now.
pub fn free_sip_port() -> u16 {
    // Port ranges are kept apart so no test process can take another's: SIP 10000-19999,
    // other TCP listeners (baresip's control) 20000-29999, the switch's RTP 30000-37999, the
    // tests' RTP endpoints 40000-49999, sipp's media 50000-59999, baresip's RTP 60000-62499,
    // linphone's RTP 62500-64999.
    for _ in 0..200 {
        let port = 10_000 + fastrand::u16(0..10_000);
        let udp = UdpSocket::bind(("127.0.0.1", port));
        let tcp = TcpListener::bind(("127.0.0.1", port));
        if udp.is_ok() && tcp.is_ok() {
            return port;
        }
    }
    panic!("no free SIP port found");
}

/// An even port P in `lo..lo+10000` with P..P+`span` free for UDP on 127.0.0.1.
fn free_port_block(lo: u16, span: u16) -> u16 {
    for _ in 0..200 {
        let port = (lo + fastrand::u16(0..9_990)) & !1;
        if (port..port + span).all(|p| UdpSocket::bind(("127.0.0.1", p)).is_ok()) {
            return port;
        }
    }
    panic!("no free UDP port block found");
}

/// An even port whose pair (port, port+1) is free for UDP on 127.0.0.1: a test's RTP endpoint.
pub fn free_rtp_port() -> u16 {
    free_port_block(40_000, 2)
}

/// A media port for sipp, which binds P to P+3 (audio and video, RTP and RTCP).
pub fn free_sipp_media_port() -> u16 {
    free_port_block(50_000, 4)
}

/// Polls `f` until it is true or `within` passes.
pub fn wait_until(within: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out after {within:?} waiting for {what}");
}

/// A temporary directory where sipp scenarios drop marker files (`exec touch`).
pub struct Markers {
    pub dir: PathBuf,
}

impl Markers {
    pub fn new(test: &str) -> Markers {
        let dir = std::env::temp_dir().join(format!(
            "switchboard-e2e-{test}-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        ));
        std::fs::create_dir_all(&dir).expect("marker dir");
        Markers { dir }
    }

    pub fn exists(&self, name: &str) -> bool {
        self.dir.join(name).exists()
    }

    pub fn wait(&self, name: &str, within: Duration) {
        wait_until(within, &format!("marker `{name}`"), || self.exists(name));
    }
}

impl Drop for Markers {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The switchboard binary running the built-in demo on a private port.
pub struct Switchboard {
    child: Option<Child>,
    pub sip: SocketAddr,
    pub log: PathBuf,
}

impl Switchboard {
    /// Starts the demo on a free SIP port and a private RTP range; returns once it listens.
    pub fn start(test: &str) -> Switchboard {
        Switchboard::spawn(test, None)
    }

    /// Starts the switch with the config file `config` on a free SIP port (UDP and TCP) and a
    /// private RTP range; returns once it listens on every transport.
    pub fn start_with_config(test: &str, config: &Path) -> Switchboard {
        Switchboard::spawn(test, Some(config))
    }

    fn spawn(test: &str, config: Option<&Path>) -> Switchboard {
        let port = free_sip_port();
        // Switches started by one test process take turns through the 40 blocks of 200 ports
        // (from a random first block), so two running side by side never share one.
        static NEXT_BLOCK: std::sync::OnceLock<std::sync::atomic::AtomicU16> =
            std::sync::OnceLock::new();
        let block = NEXT_BLOCK
            .get_or_init(|| std::sync::atomic::AtomicU16::new(fastrand::u16(0..40)))
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let rtp_lo = 30_000 + 200 * (block % 40);
        let log =
            std::env::temp_dir().join(format!("switchboard-e2e-{test}-{}.log", std::process::id()));
        let file = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        if let Some(config) = config {
            cmd.arg("--config").arg(config);
        }
        let child = cmd
            .args(["--sip-addr", &format!("127.0.0.1:{port}")])
            .args(["--rtp-ports", &format!("{rtp_lo}-{}", rtp_lo + 199)])
            .args(["--log-level", "debug"])
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("start switchboard");
        let sb = Switchboard {
            child: Some(child),
            sip: SocketAddr::from(([127, 0, 0, 1], port)),
            log,
        };
        wait_until(Duration::from_secs(20), "switchboard to listen", || {
            sb.log_text().contains("SIP listening")
        });
        sb
    }

    pub fn log_text(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }

    /// SIGTERM, then the exit status (it must end the calls and exit 0 within seconds).
    pub fn stop(mut self) -> ExitStatus {
        let Some(mut child) = self.child.take() else {
            panic!("switchboard already stopped")
        };
        let pid = child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!(
                    "switchboard did not exit after SIGTERM; log:\n{}",
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Switchboard {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("--- switchboard log ---\n{}", self.log_text());
        } else {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// A sipp process under `timeout`.
pub struct Sipp {
    child: Option<Child>,
    name: String,
    log: PathBuf,
}

impl Sipp {
    /// Starts sipp with a scenario from scripts/sipp/ against the switch. `keys` become
    /// `-key name value` pairs; `extra` are passed as they are.
    pub fn start(
        name: &str,
        sb: &Switchboard,
        scenario: &str,
        keys: &[(&str, String)],
        extra: &[&str],
        limit: Duration,
    ) -> Sipp {
        Sipp::launch(
            name,
            Some(sb.sip),
            free_sip_port(),
            scenario,
            keys,
            extra,
            limit,
        )
    }

    /// sipp as a server (e.g. a carrier) on 127.0.0.1:`port`, for one call of `scenario`.
    pub fn server(
        name: &str,
        port: u16,
        scenario: &str,
        keys: &[(&str, String)],
        limit: Duration,
    ) -> Sipp {
        Sipp::launch(name, None, port, scenario, keys, &["-m", "1"], limit)
    }

    fn launch(
        name: &str,
        remote: Option<SocketAddr>,
        local_port: u16,
        scenario: &str,
        keys: &[(&str, String)],
        extra: &[&str],
        limit: Duration,
    ) -> Sipp {
        let dir = root().join("scripts/sipp");
        let log = std::env::temp_dir().join(format!(
            "switchboard-e2e-sipp-{name}-{}-{}.log",
            std::process::id(),
            fastrand::u32(..)
        ));
        let media_port = free_sipp_media_port();
        let mut cmd = Command::new("timeout");
        cmd.arg("--signal=KILL")
            .arg(limit.as_secs().to_string())
            .arg("sipp");
        if let Some(remote) = remote {
            cmd.arg(remote.to_string());
        }
        cmd.args(["-sf", &dir.join(scenario).to_string_lossy()]);
        for (k, v) in keys {
            cmd.args(["-key", k, v]);
        }
        cmd.args([
            "-i",
            "127.0.0.1",
            "-p",
            &local_port.to_string(),
            "-mp",
            &media_port.to_string(),
        ]);
        cmd.args([
            "-nostdin",
            "-trace_msg",
            "-message_file",
            &log.to_string_lossy(),
            "-trace_err",
        ]);
        cmd.args(["-error_file", &format!("{}.err", log.to_string_lossy())]);
        cmd.args(["-cp", &free_sip_port().to_string()]);
        cmd.args(extra);
        cmd.current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd
            .spawn()
            .expect("start sipp (apt-get install sip-tester)");
        Sipp {
            child: Some(child),
            name: name.to_string(),
            log,
        }
    }

    /// An agent phone: registers as `user` with `password`, takes calls with `ooc_scenario`.
    #[allow(clippy::too_many_arguments)]
    pub fn agent(
        sb: &Switchboard,
        user: &str,
        password: &str,
        register: &str,
        ooc_scenario: &str,
        keys: &[(&str, String)],
        markers: &Markers,
        stay: Duration,
    ) -> Sipp {
        Sipp::agent_over(
            sb,
            "u1",
            user,
            password,
            register,
            ooc_scenario,
            keys,
            markers,
            stay,
        )
    }

    /// `agent` over a given sipp transport (`u1` UDP, `t1` TCP).
    #[allow(clippy::too_many_arguments)]
    pub fn agent_over(
        sb: &Switchboard,
        transport: &str,
        user: &str,
        password: &str,
        register: &str,
        ooc_scenario: &str,
        keys: &[(&str, String)],
        markers: &Markers,
        stay: Duration,
    ) -> Sipp {
        Sipp::agent_with(
            sb,
            transport,
            user,
            password,
            (register, ooc_scenario),
            keys,
            markers,
            stay,
            &[],
        )
    }

    /// `agent_over` with extra sipp arguments (e.g. `-3pcc`).
    #[allow(clippy::too_many_arguments)]
    pub fn agent_with(
        sb: &Switchboard,
        transport: &str,
        user: &str,
        password: &str,
        (register, ooc_scenario): (&str, &str),
        keys: &[(&str, String)],
        markers: &Markers,
        stay: Duration,
        extra: &[&str],
    ) -> Sipp {
        let mut all: Vec<(&str, String)> = vec![
            ("user", user.to_string()),
            ("marker_dir", markers.dir.to_string_lossy().into_owned()),
        ];
        all.extend(keys.iter().cloned());
        let stay_ms = stay.as_millis().to_string();
        let ooc = root().join("scripts/sipp").join(ooc_scenario);
        let ooc = ooc.to_string_lossy();
        let mut args = vec![
            "-oocsf", &ooc, "-au", user, "-ap", password, "-d", &stay_ms, "-m", "1", "-t",
            transport,
        ];
        args.extend_from_slice(extra);
        Sipp::start(
            &format!("agent{user}"),
            sb,
            register,
            &all,
            &args,
            stay + Duration::from_secs(30),
        )
    }

    /// A caller dialling `dialled` whose audio is at `rtp_port`; stays `stay` after the answer
    /// (scenario `caller.xml`) or waits for the BYE (`caller_wait_bye.xml`).
    pub fn caller(
        sb: &Switchboard,
        scenario: &str,
        dialled: &str,
        rtp_port: u16,
        markers: &Markers,
        stay: Duration,
        extra_keys: &[(&str, String)],
    ) -> Sipp {
        let mut keys = vec![
            ("dialled", dialled.to_string()),
            ("caller", "2025550142".to_string()),
            ("rtp_port", rtp_port.to_string()),
            ("marker_dir", markers.dir.to_string_lossy().into_owned()),
        ];
        keys.extend(extra_keys.iter().cloned());
        let stay_ms = stay.as_millis().to_string();
        Sipp::start(
            "caller",
            sb,
            scenario,
            &keys,
            &["-d", &stay_ms, "-m", "1"],
            stay + Duration::from_secs(60),
        )
    }

    pub fn log_text(&self) -> String {
        let mut s = std::fs::read_to_string(&self.log).unwrap_or_default();
        s.push_str(
            &std::fs::read_to_string(format!("{}.err", self.log.to_string_lossy()))
                .unwrap_or_default(),
        );
        s
    }

    /// Waits for sipp to exit (bounded by its `timeout`).
    pub fn wait(mut self) -> ExitStatus {
        let status = self
            .child
            .take()
            .expect("running")
            .wait()
            .expect("wait sipp");
        if !status.success() {
            eprintln!("--- sipp {} ---\n{}", self.name, self.log_text());
        }
        status
    }
}

/// Ends a child politely (`timeout` passes SIGTERM on to sipp), then by force.
fn terminate(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

impl Drop for Sipp {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            terminate(&mut child);
            if std::thread::panicking() {
                eprintln!("--- sipp {} ---\n{}", self.name, self.log_text());
            }
        }
        let _ = std::fs::remove_file(&self.log);
        let _ = std::fs::remove_file(format!("{}.err", self.log.to_string_lossy()));
    }
}

/// An agent's phone, registered and waiting for calls, with its RTP endpoint.
pub struct AgentPhone {
    pub sipp: Sipp,
    pub rtp: RtpPeer,
}

impl AgentPhone {
    /// Registers `user` (password `pass` + user) over `transport` (`u1` UDP, `t1` TCP); calls
    /// are taken by `ooc_scenario`. Returns once registered.
    pub fn register(
        sb: &Switchboard,
        markers: &Markers,
        user: &str,
        transport: &str,
        ooc_scenario: &str,
    ) -> AgentPhone {
        let rtp = RtpPeer::bind();
        let sipp = Sipp::agent_over(
            sb,
            transport,
            user,
            &format!("pass{user}"),
            "agent_register.xml",
            ooc_scenario,
            &[("rtp_port", rtp.port.to_string())],
            markers,
            Duration::from_secs(60),
        );
        markers.wait("registered", Duration::from_secs(10));
        AgentPhone { sipp, rtp }
    }
}

/// An agent's phone dials a feature code (`*45`, `*46`, `*47N`, `*48`) as `user` with digest;
/// returns once the switch has hung up, with the RTP endpoint that heard the confirmation.
pub fn dial_feature(sb: &Switchboard, markers: &Markers, user: &str, code: &str) -> RtpPeer {
    let rtp = RtpPeer::bind();
    let done = format!("feature-{}", code.trim_start_matches('*'));
    let auth_uri = format!("{code}@{}", sb.sip);
    let password = format!("pass{user}");
    let sipp = Sipp::start(
        &format!("feature{}", code.trim_start_matches('*')),
        sb,
        "agent_dials_feature.xml",
        &[
            ("user", user.to_string()),
            ("feature", code.to_string()),
            ("rtp_port", rtp.port.to_string()),
            ("marker_dir", markers.dir.to_string_lossy().into_owned()),
            ("done", done.clone()),
        ],
        &[
            "-au",
            user,
            "-ap",
            &password,
            "-auth_uri",
            &auth_uri,
            "-m",
            "1",
        ],
        Duration::from_secs(30),
    );
    markers.wait(&done, Duration::from_secs(15));
    assert!(sipp.wait().success(), "feature code {code} scenario failed");
    rtp
}

/// A caller in the menu: sipp for SIP, the test's RTP endpoint for audio.
pub struct CallerPhone {
    pub sipp: Sipp,
    pub rtp: RtpPeer,
    /// Where the switch sends this call's audio from (and so where to send ours).
    pub switch_leg: SocketAddr,
}

impl CallerPhone {
    /// Dials 100 with `scenario` and returns once the menu prompt is heard.
    pub fn dial(
        sb: &Switchboard,
        markers: &Markers,
        scenario: &str,
        stay: Duration,
    ) -> CallerPhone {
        CallerPhone::dial_with_keys(sb, markers, scenario, stay, &[])
    }

    /// `dial`, passing scenario keys (`-key name value`).
    pub fn dial_with_keys(
        sb: &Switchboard,
        markers: &Markers,
        scenario: &str,
        stay: Duration,
        keys: &[(&str, String)],
    ) -> CallerPhone {
        let rtp = RtpPeer::bind();
        let sipp = Sipp::caller(sb, scenario, "100", rtp.port, markers, stay, keys);
        let switch_leg = rtp.wait_packets(10, Duration::from_secs(10));
        CallerPhone {
            sipp,
            rtp,
            switch_leg,
        }
    }

    /// Presses a key (RFC 4733 on the payload type the caller offered, 101).
    pub fn press(&mut self, key: char) {
        let to = self.switch_leg;
        self.rtp.send_digit(to, 101, key);
    }

    /// Audio both ways through the relay: the caller sends `n` packets, the agent answers
    /// with `n / 2` once it hears the caller; each must hear at least 80% of the other's.
    pub fn talk_with(mut self, agent: &mut AgentPhone, n: u32) -> CallerPhone {
        let caller_ssrc = self.rtp.ssrc();
        let to = self.switch_leg;
        let sender = std::thread::spawn(move || {
            self.rtp.send_audio(to, n);
            self
        });
        let switch_agent_leg = agent.rtp.wait_packets(20, Duration::from_secs(10));
        agent.rtp.send_audio(switch_agent_leg, n / 2);
        let caller = sender.join().expect("caller audio");
        let heard_by_agent = agent.rtp.count_from(caller_ssrc);
        let heard_by_caller = caller.rtp.count_from(agent.rtp.ssrc());
        assert!(
            u64::from(n) * 8 / 10 <= heard_by_agent + 20,
            "agent heard the caller: {:?}",
            agent.rtp.received()
        );
        assert!(
            u64::from(n / 2) * 8 / 10 <= heard_by_caller,
            "caller heard the agent: {:?}",
            caller.rtp.received()
        );
        caller
    }
}

/// The whole first-call flow against a running switch: agent 1002 registers, a caller dials
/// 100, hears the prompt, presses 2, the agent is rung and answers, audio is counted both ways
/// through the relay, the caller hangs up and the agent gets BYE.
pub fn bridged_call_caller_hangs_up(sb: &Switchboard, test: &str) {
    let markers = Markers::new(test);
    let mut agent = AgentPhone::register(sb, &markers, "1002", "u1", "agent_answer.xml");
    let mut caller = CallerPhone::dial(sb, &markers, "caller.xml", Duration::from_secs(8));
    caller.press('2');
    markers.wait("rung", Duration::from_secs(10));
    let caller = caller.talk_with(&mut agent, 100);
    // The caller hangs up after its pause; the agent's phone gets the BYE.
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    markers.wait("bye", Duration::from_secs(10));
}

/// A private directory for one test's files (config, certificate), removed on drop unless the
/// test failed.
pub struct TestDir {
    pub dir: PathBuf,
}

impl TestDir {
    pub fn new(test: &str) -> TestDir {
        let dir = std::env::temp_dir().join(format!(
            "switchboard-e2e-{test}-files-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        ));
        std::fs::create_dir_all(&dir).expect("test dir");
        TestDir { dir }
    }

    /// A self-signed certificate for 127.0.0.1 and its key (PEM), made with the `openssl`
    /// command; returns (certificate, key). It is marked as no CA: rustls's verifier refuses
    /// a CA certificate presented as a server's own.
    pub fn self_signed_cert(&self) -> (PathBuf, PathBuf) {
        let cert = self.dir.join("cert.pem");
        let key = self.dir.join("key.pem");
        let out = Command::new("timeout")
            .args(["30", "openssl", "req", "-x509", "-newkey", "ec"])
            .args([
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
            ])
            .args([
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ])
            .args(["-addext", "basicConstraints=critical,CA:FALSE"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stdin(Stdio::null())
            .output()
            .expect("run openssl (apt-get install openssl)");
        assert!(
            out.status.success(),
            "openssl req failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (cert, key)
    }

    /// Writes the demo configuration (configs/demo.toml) with `sip_keys` added to its `[sip]`
    /// table and the prompts read from configs/prompts; returns the file's path.
    pub fn demo_config_with(&self, sip_keys: &str) -> PathBuf {
        self.demo_config(&[("[sip]", sip_keys)])
    }

    /// The demo configuration with lines added after the header of the given tables (a key
    /// given there replaces the demo's own line for it), prompts from configs/prompts.
    pub fn demo_config(&self, additions: &[(&str, &str)]) -> PathBuf {
        let demo = std::fs::read_to_string(root().join("configs/demo.toml")).expect("demo.toml");
        let prompts = root().join("configs/prompts");
        let replaced: Vec<String> = additions
            .iter()
            .flat_map(|(_, lines)| lines.lines())
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
            .collect();
        let mut text = String::new();
        let mut table = String::new();
        for line in demo.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with('[') {
                table = trimmed.to_string();
            }
            if trimmed.starts_with("dir = ") {
                text.push_str(&format!("dir = {:?}\n", prompts.to_string_lossy()));
                continue;
            }
            let key = trimmed.split_once('=').map(|(k, _)| k.trim());
            let ours = additions.iter().any(|(t, _)| *t == table);
            if ours && key.is_some_and(|k| replaced.iter().any(|r| r == k)) {
                continue;
            }
            text.push_str(line);
            text.push('\n');
            for (t, lines) in additions {
                if line.trim() == *t {
                    text.push_str(lines);
                    text.push('\n');
                }
            }
        }
        let path = self.dir.join("switchboard.toml");
        std::fs::write(&path, text).expect("write config");
        path
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
