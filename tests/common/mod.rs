//! Shared harness of the end-to-end tests: the real `switchboard` binary on loopback, sipp
//! for SIP, and RTP endpoints owned by the test so audio can be sent and counted exactly.
//!
//! Everything here is bounded in time: processes are started under `timeout`, waits have
//! deadlines, and every child is killed on drop.

#![allow(dead_code)]

pub mod rtp;

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
    for _ in 0..200 {
        let port = 20_000 + fastrand::u16(0..30_000);
        let udp = UdpSocket::bind(("127.0.0.1", port));
        let tcp = TcpListener::bind(("127.0.0.1", port));
        if udp.is_ok() && tcp.is_ok() {
            return port;
        }
    }
    panic!("no free SIP port found");
}

/// An even port whose pair (port, port+1) is free for UDP on 127.0.0.1.
pub fn free_rtp_port() -> u16 {
    for _ in 0..200 {
        let port = (40_000 + fastrand::u16(0..10_000)) & !1;
        if UdpSocket::bind(("127.0.0.1", port)).is_ok()
            && UdpSocket::bind(("127.0.0.1", port + 1)).is_ok()
        {
            return port;
        }
    }
    panic!("no free RTP port found");
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
        let port = free_sip_port();
        let rtp_lo = 30_000 + 200 * fastrand::u16(0..40);
        let log =
            std::env::temp_dir().join(format!("switchboard-e2e-{test}-{}.log", std::process::id()));
        let file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
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
        let dir = root().join("scripts/sipp");
        let log = std::env::temp_dir().join(format!(
            "switchboard-e2e-sipp-{name}-{}-{}.log",
            std::process::id(),
            fastrand::u32(..)
        ));
        let local_port = free_sip_port();
        let media_port = free_rtp_port();
        let mut cmd = Command::new("timeout");
        cmd.arg("--signal=KILL")
            .arg(limit.as_secs().to_string())
            .arg("sipp");
        cmd.arg(sb.sip.to_string());
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
        let mut all: Vec<(&str, String)> = vec![
            ("user", user.to_string()),
            ("marker_dir", markers.dir.to_string_lossy().into_owned()),
        ];
        all.extend(keys.iter().cloned());
        let stay_ms = stay.as_millis().to_string();
        Sipp::start(
            &format!("agent{user}"),
            sb,
            register,
            &all,
            &[
                "-oocsf",
                &root()
                    .join("scripts/sipp")
                    .join(ooc_scenario)
                    .to_string_lossy(),
                "-au",
                user,
                "-ap",
                password,
                "-d",
                &stay_ms,
                "-m",
                "1",
                "-t",
                transport,
            ],
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
    ) -> Sipp {
        let keys = [
            ("dialled", dialled.to_string()),
            ("caller", "2025550142".to_string()),
            ("rtp_port", rtp_port.to_string()),
            ("marker_dir", markers.dir.to_string_lossy().into_owned()),
        ];
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
    }
}

/// The whole first-call flow against a running switch: agent 1002 registers, a caller dials
/// 100, hears the prompt, presses 2, the agent is rung and answers, audio is counted both ways
/// through the relay, the caller hangs up and the agent gets BYE.
pub fn bridged_call_caller_hangs_up(sb: &Switchboard, test: &str) {
    let markers = Markers::new(test);
    let mut agent_rtp = RtpPeer::bind();
    let mut caller_rtp = RtpPeer::bind();

    let agent = Sipp::agent(
        sb,
        "1002",
        "pass1002",
        "agent_register.xml",
        "agent_answer.xml",
        &[("rtp_port", agent_rtp.port.to_string())],
        &markers,
        Duration::from_secs(60),
    );
    markers.wait("registered", Duration::from_secs(10));

    let caller = Sipp::caller(
        sb,
        "caller.xml",
        "100",
        caller_rtp.port,
        &markers,
        Duration::from_secs(8),
    );
    // The prompt reaches the caller from the switch's RTP port for this call.
    let switch_caller_leg = caller_rtp.wait_packets(10, Duration::from_secs(10));
    caller_rtp.send_digit(switch_caller_leg, 101, '2');
    markers.wait("rung", Duration::from_secs(10));

    // Caller audio reaches the agent through the relay; the agent answers from its socket.
    let caller_ssrc = caller_rtp.ssrc();
    let sender = std::thread::spawn(move || {
        caller_rtp.send_audio(switch_caller_leg, 100);
        caller_rtp
    });
    let switch_agent_leg = agent_rtp.wait_packets(20, Duration::from_secs(10));
    agent_rtp.send_audio(switch_agent_leg, 50);
    let caller_rtp = sender.join().expect("caller audio");
    assert!(
        agent_rtp.count_from(caller_ssrc) >= 40,
        "agent heard the caller: {:?}",
        agent_rtp.received()
    );
    assert!(
        caller_rtp.count_from(agent_rtp.ssrc()) >= 40,
        "caller heard the agent: {:?}",
        caller_rtp.received()
    );

    // The caller hangs up after its pause; the agent's phone gets the BYE.
    assert!(caller.wait().success(), "caller scenario failed");
    markers.wait("bye", Duration::from_secs(10));
    drop(agent);
}
