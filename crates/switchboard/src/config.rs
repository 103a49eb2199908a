//! Typed, strict configuration. The TOML file is read into `RawConfig` (serde, unknown keys
//! rejected), then `validate` checks cross-references and ranges and produces `Config`, naming
//! the offending key in every error. Defaults live in one place: the `default_*` functions.
//! Every key is documented in docs/configuration.md.

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The built-in demo configuration (the same text as `configs/demo.toml`).
pub const DEMO_TOML: &str = include_str!("../../../configs/demo.toml");

/// A configuration problem, naming the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The TOML did not parse or did not fit the schema (unknown key, wrong type).
    #[error("config: {0}")]
    Syntax(#[from] toml::de::Error),
    /// A value is out of range or refers to something that does not exist.
    #[error("config key `{key}`: {message}")]
    Invalid { key: String, message: String },
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    sip: RawSip,
    #[serde(default)]
    rtp: RawRtp,
    #[serde(default)]
    prompts: RawPrompts,
    #[serde(default)]
    trunks: Vec<RawTrunk>,
    #[serde(default)]
    menus: Vec<RawMenu>,
    #[serde(default)]
    queues: Vec<RawQueue>,
    #[serde(default)]
    agents: Vec<RawAgent>,
    #[serde(default)]
    dial_rules: Vec<RawDialRule>,
    #[serde(default)]
    acd: RawAcd,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAcd {
    /// Unanswered offers in a row after which an agent is paused; 0: never.
    #[serde(default = "default_auto_pause_after")]
    auto_pause_after: u32,
    /// Pause reason codes dialled after `*47` → reason names.
    #[serde(default = "default_pause_reasons")]
    pause_reasons: BTreeMap<String, String>,
    /// Seconds between statistics lines in the log; 0: none.
    #[serde(default = "default_stats_interval")]
    stats_interval: u64,
}

fn default_stats_interval() -> u64 {
    900
}

impl Default for RawAcd {
    fn default() -> Self {
        RawAcd {
            auto_pause_after: default_auto_pause_after(),
            pause_reasons: default_pause_reasons(),
            stats_interval: default_stats_interval(),
        }
    }
}

fn default_pause_reasons() -> BTreeMap<String, String> {
    [
        ("1", "break"),
        ("2", "lunch"),
        ("3", "training"),
        ("4", "meeting"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// A phone that rings out three times in a row is most likely unattended; the agent
/// unpauses with `*48`.
fn default_auto_pause_after() -> u32 {
    3
}

/// `overflow = { to, after, max_waiting, when_no_agents }` of a queue (also in simulation
/// models).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOverflow {
    pub to: String,
    pub after: Option<u64>,
    pub max_waiting: Option<usize>,
    #[serde(default)]
    pub when_no_agents: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWidening {
    after: u64,
    min_level: u8,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDialRule {
    name: String,
    /// The trunk the calls go out through.
    trunk: String,
    /// The dialled number must start with one of these ("" matches any).
    prefixes: Vec<String>,
    #[serde(default = "default_min_digits")]
    min_length: usize,
    #[serde(default = "default_max_digits")]
    max_length: usize,
    /// The number the carrier is told is calling (From and P-Asserted-Identity).
    caller_id: String,
    /// Withhold the caller id from the called party (RFC 3325 `Privacy: id`).
    #[serde(default)]
    privacy: bool,
}

fn default_min_digits() -> usize {
    3
}

fn default_max_digits() -> usize {
    16
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSip {
    #[serde(default = "default_sip_listen")]
    listen: String,
    #[serde(default = "default_realm")]
    realm: String,
    /// Address written into SDP, Contact and Via instead of the local address the OS uses
    /// towards each peer (e.g. the public address of a server behind a 1:1 NAT).
    #[serde(default)]
    advertise: Option<String>,
    /// Digest algorithms challenged with, in order.
    #[serde(default = "default_digest")]
    digest: Vec<String>,
    /// Session timer interval in seconds (RFC 4028); 0 turns session timers off.
    #[serde(default = "default_session_expires")]
    session_expires: u32,
    /// Smallest session interval accepted from a peer (Min-SE).
    #[serde(default = "default_min_se")]
    min_se: u32,
    /// Seconds between OPTIONS to each registered phone; 0 turns qualifying off.
    #[serde(default = "default_qualify_interval")]
    qualify_interval: u32,
    /// SIP over TLS listen address; TLS is off without it.
    #[serde(default)]
    tls_listen: Option<String>,
    /// PEM certificate chain for TLS and WSS, relative to the config file.
    #[serde(default)]
    tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`, relative to the config file.
    #[serde(default)]
    tls_key: Option<PathBuf>,
    /// SIP over WebSocket (RFC 7118) listen address, plain; off without it.
    #[serde(default)]
    ws_listen: Option<String>,
    /// SIP over secure WebSocket listen address (uses `tls_cert`); off without it.
    #[serde(default)]
    wss_listen: Option<String>,
}

impl Default for RawSip {
    fn default() -> Self {
        RawSip {
            listen: default_sip_listen(),
            realm: default_realm(),
            advertise: None,
            digest: default_digest(),
            session_expires: default_session_expires(),
            min_se: default_min_se(),
            qualify_interval: default_qualify_interval(),
            tls_listen: None,
            tls_cert: None,
            tls_key: None,
            ws_listen: None,
            wss_listen: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRtp {
    #[serde(default = "default_rtp_ports")]
    ports: String,
    /// Seconds without any packet from a party that should be sending before its call ends.
    #[serde(default = "default_rtp_timeout")]
    timeout: u32,
    /// Audio codecs we accept and offer.
    #[serde(default = "default_codecs")]
    codecs: Vec<String>,
}

impl Default for RawRtp {
    fn default() -> Self {
        RawRtp {
            ports: default_rtp_ports(),
            timeout: default_rtp_timeout(),
            codecs: default_codecs(),
        }
    }
}

/// A minute: far above any jitter or packet-loss burst, and RTCP (every ~5 s) keeps phones
/// with silence suppression alive.
fn default_codecs() -> Vec<String> {
    ["PCMU", "PCMA", "G722"].map(String::from).to_vec()
}

fn default_rtp_timeout() -> u32 {
    60
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrompts {
    dir: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrunk {
    name: String,
    sources: Vec<String>,
    #[serde(default)]
    numbers: BTreeMap<String, String>,
    /// Register to the carrier so it sends calls for our number (optional).
    register: Option<RawTrunkRegister>,
    /// Where outbound calls go, `IP:port`; default the `register` proxy.
    proxy: Option<String>,
    /// OPTIONS to `proxy` every `sip.qualify_interval`; dial rules skip it while it is
    /// unreachable. Default true.
    qualify: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrunkRegister {
    /// The carrier's SIP address to send REGISTERs to, `IP:port`.
    proxy: String,
    /// `udp` (default) or `tcp`.
    #[serde(default = "default_trunk_transport")]
    transport: String,
    /// The REGISTER's Request-URI; default `sip:` + the proxy address.
    registrar: Option<String>,
    /// The digest user name, also the user part of the address-of-record.
    user: String,
    password: String,
    /// The domain of the address-of-record; default the registrar's host.
    domain: Option<String>,
    #[serde(default = "default_trunk_expires")]
    expires: u32,
}

fn default_trunk_transport() -> String {
    "udp".into()
}

fn default_trunk_expires() -> u32 {
    600
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMenu {
    name: String,
    greeting: Option<String>,
    prompt: String,
    invalid: Option<String>,
    #[serde(default = "default_digit_timeout")]
    digit_timeout: u64,
    #[serde(default = "default_max_attempts")]
    max_attempts: u32,
    fallback: String,
    options: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQueue {
    name: String,
    skill: Option<String>,
    /// Lowest proficiency in `skill` accepted (1 to 5).
    #[serde(default = "default_min_level")]
    min_level: u8,
    /// Lower levels accepted as the caller waits.
    #[serde(default)]
    widen: Vec<RawWidening>,
    #[serde(default)]
    strategy: Option<String>,
    /// Where callers go when the queue cannot serve them.
    overflow: Option<RawOverflow>,
    /// Seconds between announcements of position and wait; 0: none.
    #[serde(default)]
    announce_every: u64,
    #[serde(default = "yes")]
    announce_position: bool,
    #[serde(default = "yes")]
    announce_wait: bool,
    /// Callers of this queue are served before callers of lower priority (-100 to 100).
    #[serde(default)]
    priority: i32,
    /// The key a waiting caller presses to be called back instead of waiting.
    callback_key: Option<String>,
    #[serde(default = "default_ring_timeout")]
    ring_timeout: u64,
    #[serde(default = "default_service_level")]
    service_level: u64,
    #[serde(default)]
    wrap_up: u64,
    #[serde(default = "default_hold_prompt")]
    hold: String,
    #[serde(default = "default_connecting_prompt")]
    announcement: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgent {
    extension: String,
    password: Option<String>,
    ha1_md5: Option<String>,
    ha1_sha256: Option<String>,
    #[serde(default)]
    skills: Vec<String>,
    #[serde(default)]
    role: Role,
}

fn yes() -> bool {
    true
}

fn default_min_level() -> u8 {
    1
}

fn default_sip_listen() -> String {
    "0.0.0.0:5060".into()
}
fn default_realm() -> String {
    "switchboard".into()
}
/// MD5 alone by default: phones read the challenges of a 401 in different ways, and some fail
/// outright when one of them is not MD5 (baresip 1.0 with libre 1.1 rejects the whole 401;
/// sipp answers only the first). Deployments whose phones all handle SHA-256 list it
/// (RFC 8760).
/// Half an hour: a refresh every 15 minutes finds a dead peer without loading anyone.
fn default_session_expires() -> u32 {
    1800
}
/// RFC 4028 §4: never below 90 s.
fn default_min_se() -> u32 {
    90
}
/// Often enough to find a dead phone before the next caller is offered to it, rarely enough
/// to be nothing on the network (hundreds of phones: a few packets a second).
fn default_qualify_interval() -> u32 {
    30
}
fn default_digest() -> Vec<String> {
    vec!["MD5".into()]
}
fn default_rtp_ports() -> String {
    "20000-29999".into()
}
fn default_digit_timeout() -> u64 {
    5
}
fn default_max_attempts() -> u32 {
    3
}
fn default_ring_timeout() -> u64 {
    15
}
fn default_service_level() -> u64 {
    20
}
fn default_hold_prompt() -> String {
    "hold".into()
}
fn default_connecting_prompt() -> String {
    "connecting".into()
}

/// What an extension may do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Takes calls from the queues whose skill it has.
    #[default]
    Agent,
    /// Watches the floor; is not offered queue calls.
    Supervisor,
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub sip: SipConfig,
    pub rtp_ports: (u16, u16),
    /// A party that should send RTP and sends nothing (RTP or RTCP) for this long has its call
    /// ended; `None` when off.
    pub rtp_timeout: Option<std::time::Duration>,
    /// Audio codecs accepted from callers and offered to phones (the caller's own first).
    pub codecs: Vec<media::Codec>,
    /// Where prompt files are read from; `None` means the prompts compiled into the binary.
    pub prompt_dir: Option<PathBuf>,
    pub trunks: Vec<Trunk>,
    pub menus: Vec<Menu>,
    pub queues: Vec<Queue>,
    pub agents: Vec<Agent>,
    pub dial_rules: Vec<DialRule>,
    /// Unanswered offers in a row after which an agent is paused; `None`: never.
    pub auto_pause_after: Option<u32>,
    /// Pause reason codes (dialled after `*47`) → reason names.
    pub pause_reasons: BTreeMap<String, String>,
    /// How often queue and floor statistics are logged; `None`: never.
    pub stats_interval: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct SipConfig {
    pub listen: SocketAddr,
    pub realm: String,
    /// Our address as written into SDP, Contact and Via, when set.
    pub advertise: Option<IpAddr>,
    /// Digest algorithms the registrar challenges with, in order.
    pub digest: Vec<sip::auth::Algorithm>,
    /// Session interval we ask for and grant (RFC 4028); `None` when session timers are off.
    pub session_expires: Option<Duration>,
    /// Smallest session interval we accept (Min-SE).
    pub min_se: Duration,
    /// How often registered phones are sent OPTIONS; `None` when off.
    pub qualify_interval: Option<Duration>,
    /// SIP over TLS listen address, when TLS is on.
    pub tls_listen: Option<SocketAddr>,
    /// SIP over WebSocket listen address, when on.
    pub ws_listen: Option<SocketAddr>,
    /// SIP over secure WebSocket listen address, when on.
    pub wss_listen: Option<SocketAddr>,
    /// Certificate and key for TLS and WSS; set whenever `tls_listen` or `wss_listen` is.
    pub tls_files: Option<TlsFiles>,
}

/// Where the TLS certificate chain and private key are read from (PEM files).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A source of unauthenticated calls (a carrier, or the local machine in the demo).
#[derive(Debug, Clone)]
pub struct Trunk {
    pub name: String,
    pub sources: Vec<Cidr>,
    /// Dialled number → entry point (a menu or a queue name).
    pub numbers: BTreeMap<String, String>,
    /// Registration to the carrier, when configured.
    pub register: Option<TrunkRegister>,
    /// Where outbound calls through this trunk go.
    pub proxy: Option<SocketAddr>,
    /// `proxy` is qualified with OPTIONS (when `sip.qualify_interval` is set).
    pub qualify: bool,
}

/// Which numbers agents may dial out, and through which trunk (nothing else goes out: toll
/// fraud is the first attack every SIP server sees).
#[derive(Debug, Clone)]
pub struct DialRule {
    pub name: String,
    pub trunk: String,
    pub prefixes: Vec<String>,
    pub min_length: usize,
    pub max_length: usize,
    pub caller_id: String,
    /// From is anonymous and `Privacy: id` asks the carrier to withhold the asserted id.
    pub privacy: bool,
}

impl DialRule {
    /// Whether `number` (digits, optionally a leading `+`) is allowed by this rule.
    pub fn allows(&self, number: &str) -> bool {
        let digits = number.strip_prefix('+').unwrap_or(number);
        !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit())
            && (self.min_length..=self.max_length).contains(&number.len())
            && self.prefixes.iter().any(|p| number.starts_with(p.as_str()))
    }
}

/// How switchboard registers to a carrier (RFC 3261 §10.2).
#[derive(Clone)]
pub struct TrunkRegister {
    pub proxy: SocketAddr,
    pub transport: sip::transport::Transport,
    pub registrar: sip::Uri,
    pub aor: sip::Uri,
    pub user: String,
    pub password: String,
    pub expires: u32,
}

impl std::fmt::Debug for TrunkRegister {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrunkRegister")
            .field("proxy", &self.proxy)
            .field("registrar", &self.registrar.to_string())
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct Menu {
    pub name: String,
    pub greeting: Option<String>,
    pub prompt: String,
    pub invalid: Option<String>,
    pub digit_timeout: Duration,
    pub max_attempts: u32,
    pub fallback: String,
    /// Digit → queue name.
    pub options: BTreeMap<char, String>,
}

#[derive(Debug, Clone)]
pub struct Queue {
    pub name: String,
    pub skill: Option<String>,
    /// Lowest proficiency in `skill` accepted at first.
    pub min_level: u8,
    /// (wait, lowest level accepted from then on), in increasing wait.
    pub widen: Vec<(Duration, u8)>,
    pub strategy: acd::Strategy,
    /// Where callers go when the queue cannot serve them (a queue or a menu).
    pub overflow: Option<acd::Overflow>,
    /// How often waiting callers hear their position and wait; `None`: never.
    pub announce_every: Option<Duration>,
    pub announce_position: bool,
    pub announce_wait: bool,
    /// Callers of this queue go before callers of lower priority in the one order.
    pub priority: i32,
    /// The key that asks for a callback (virtual hold); `None`: not offered.
    pub callback_key: Option<char>,
    pub ring_timeout: Duration,
    pub service_level: Duration,
    pub wrap_up: Duration,
    pub hold: String,
    pub announcement: String,
}

#[derive(Debug, Clone)]
pub struct Agent {
    pub extension: String,
    pub secret: Secret,
    /// Skill and proficiency (1 to 5).
    pub skills: Vec<(String, u8)>,
    pub role: Role,
}

/// How an extension's digest password is held: never the password itself after loading.
#[derive(Clone)]
pub enum Secret {
    /// Plain password from the config file; turned into HA1 values when the registrar starts.
    Password(String),
    /// Precomputed HA1 values (hex), as `md5(user:realm:password)` and `sha256(...)`.
    Ha1 {
        md5: Option<String>,
        sha256: Option<String>,
    },
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// An IPv4 or IPv6 network, `addr/prefix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Overrides from the command line, applied before validation.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub sip_addr: Option<String>,
    pub rtp_ports: Option<String>,
}

impl Config {
    /// The built-in demo, with prompts compiled into the binary.
    pub fn demo(overrides: &Overrides) -> Result<Config, ConfigError> {
        let mut config = Config::parse(DEMO_TOML, None, overrides)?;
        config.prompt_dir = None;
        Ok(config)
    }

    /// Reads and validates a config file; relative paths in it are relative to its directory.
    pub fn load(path: &Path, overrides: &Overrides) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path.parent(), overrides)
    }

    /// Parses and validates config text.
    pub fn parse(
        text: &str,
        base_dir: Option<&Path>,
        overrides: &Overrides,
    ) -> Result<Config, ConfigError> {
        let mut raw: RawConfig = toml::from_str(text)?;
        if let Some(addr) = &overrides.sip_addr {
            raw.sip.listen = addr.clone();
        }
        if let Some(ports) = &overrides.rtp_ports {
            raw.rtp.ports = ports.clone();
        }
        validate(raw, base_dir)
    }

    /// Things that are valid but probably not meant: a queue whose skill no agent has at a
    /// level it accepts, even after widening (its callers would wait until they give up).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, q) in self.queues.iter().enumerate() {
            let lowest = q
                .widen
                .last()
                .map_or(q.min_level, |(_, l)| (*l).min(q.min_level));
            let served = self.agents.iter().any(|a| {
                a.role == Role::Agent
                    && q.skill.as_ref().is_none_or(|s| {
                        a.skills
                            .iter()
                            .any(|(have, level)| have == s && *level >= lowest)
                    })
            });
            if !served {
                out.push(format!(
                    "config key `queues[{i}].skill`: no agent can take calls from queue `{}`",
                    q.name
                ));
            }
        }
        out
    }

    pub fn queue(&self, name: &str) -> Option<&Queue> {
        self.queues.iter().find(|q| q.name == name)
    }

    pub fn menu(&self, name: &str) -> Option<&Menu> {
        self.menus.iter().find(|m| m.name == name)
    }

    pub fn agent(&self, extension: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.extension == extension)
    }

    /// The trunk a source address belongs to, if any.
    pub fn trunk_for(&self, ip: IpAddr) -> Option<&Trunk> {
        self.trunks
            .iter()
            .find(|t| t.sources.iter().any(|c| c.contains(ip)))
    }
}

fn parse_port_range(key: &str, s: &str) -> Result<(u16, u16), ConfigError> {
    let bad = || invalid(key, format!("`{s}` is not a port range like 20000-29999"));
    let (lo, hi) = s.split_once('-').ok_or_else(bad)?;
    let lo: u16 = lo.trim().parse().map_err(|_| bad())?;
    let hi: u16 = hi.trim().parse().map_err(|_| bad())?;
    if lo < 1024 || lo > hi {
        return Err(invalid(
            key,
            format!("`{s}`: the range must be ascending and above 1023"),
        ));
    }
    // RTP takes the even ports (RTCP the odd one above): count whole pairs.
    let first_even = u32::from(lo) + u32::from(lo % 2);
    let pairs = (u32::from(hi) + 1).saturating_sub(first_even) / 2;
    if pairs < 2 {
        return Err(invalid(
            key,
            format!("`{s}`: the range must hold at least two RTP/RTCP pairs"),
        ));
    }
    Ok((lo, hi))
}

/// The TLS and WebSocket listeners, validated.
struct SecureTransports {
    tls_listen: Option<SocketAddr>,
    ws_listen: Option<SocketAddr>,
    wss_listen: Option<SocketAddr>,
    tls_files: Option<TlsFiles>,
}

/// Checks the TLS and WebSocket keys of `[sip]`: TLS and WSS need a certificate and key, and no
/// two stream listeners (TCP at `sip.listen` included) may take the same port.
fn validate_secure_transports(
    sip: &RawSip,
    listen: SocketAddr,
    base_dir: Option<&Path>,
) -> Result<SecureTransports, ConfigError> {
    let addr = |key: &str, value: &Option<String>| -> Result<Option<SocketAddr>, ConfigError> {
        value
            .as_deref()
            .map(|a| {
                a.parse::<SocketAddr>()
                    .map_err(|_| invalid(key, format!("`{a}` is not an address like 0.0.0.0:5061")))
            })
            .transpose()
    };
    let tls_listen = addr("sip.tls_listen", &sip.tls_listen)?;
    let ws_listen = addr("sip.ws_listen", &sip.ws_listen)?;
    let wss_listen = addr("sip.wss_listen", &sip.wss_listen)?;

    // TCP at sip.listen comes first: a later listener on the same port is the one named.
    let mut taken = vec![("sip.listen", listen)];
    for (key, a) in [
        ("sip.tls_listen", tls_listen),
        ("sip.ws_listen", ws_listen),
        ("sip.wss_listen", wss_listen),
    ] {
        let Some(a) = a else { continue };
        if let Some((other, _)) = taken.iter().find(|(_, b)| {
            b.port() == a.port()
                && (b.ip() == a.ip() || b.ip().is_unspecified() || a.ip().is_unspecified())
        }) {
            return Err(invalid(
                key,
                format!("`{a}`: the port is already taken by `{other}` (both are TCP)"),
            ));
        }
        taken.push((key, a));
    }

    let resolve = |p: &PathBuf| match base_dir {
        Some(base) if p.is_relative() => base.join(p),
        _ => p.clone(),
    };
    let tls_files = match (&sip.tls_cert, &sip.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: resolve(cert),
            key: resolve(key),
        }),
        _ => None,
    };
    if tls_files.is_none() && (tls_listen.is_some() || wss_listen.is_some()) {
        let user = if tls_listen.is_some() {
            "sip.tls_listen"
        } else {
            "sip.wss_listen"
        };
        let missing = if sip.tls_cert.is_none() {
            "sip.tls_cert"
        } else {
            "sip.tls_key"
        };
        return Err(invalid(
            missing,
            format!("needed by `{user}`: a PEM file path, relative to the config file"),
        ));
    }
    Ok(SecureTransports {
        tls_listen,
        ws_listen,
        wss_listen,
        tls_files,
    })
}

fn validate_trunk_register(i: usize, r: RawTrunkRegister) -> Result<TrunkRegister, ConfigError> {
    let key = |k: &str| format!("trunks[{i}].register.{k}");
    let proxy: SocketAddr = r.proxy.parse().map_err(|_| {
        invalid(
            key("proxy"),
            format!("`{}` is not an address like 203.0.113.5:5060", r.proxy),
        )
    })?;
    let transport = match r.transport.to_ascii_lowercase().as_str() {
        "udp" => sip::transport::Transport::Udp,
        "tcp" => sip::transport::Transport::Tcp,
        _ => return Err(invalid(key("transport"), "use \"udp\" or \"tcp\"")),
    };
    let registrar_text = r.registrar.unwrap_or_else(|| format!("sip:{proxy}"));
    let registrar = sip::Uri::parse(&registrar_text).map_err(|_| {
        invalid(
            key("registrar"),
            format!("`{registrar_text}` is not a SIP URI"),
        )
    })?;
    if r.user.is_empty()
        || !r
            .user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-._".contains(c))
    {
        return Err(invalid(
            key("user"),
            "use letters, digits, `+`, `-`, `.` and `_`",
        ));
    }
    if r.password.is_empty() {
        return Err(invalid(key("password"), "must not be empty"));
    }
    let domain = match r.domain {
        Some(d) => d,
        None => registrar.host.to_string(),
    };
    let aor = sip::Uri::parse(&format!("sip:{}@{domain}", r.user))
        .map_err(|_| invalid(key("domain"), format!("`{domain}` is not a host")))?;
    if !(60..=86_400).contains(&r.expires) {
        return Err(invalid(key("expires"), "must be 60 to 86400 seconds"));
    }
    Ok(TrunkRegister {
        proxy,
        transport,
        registrar,
        aor,
        user: r.user,
        password: r.password,
        expires: r.expires,
    })
}

fn check_name(key: &str, name: &str, seen: &mut HashSet<String>) -> Result<(), ConfigError> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(invalid(
            key,
            format!("`{name}`: use letters, digits, `-`, `_` and `.`"),
        ));
    }
    if !seen.insert(name.to_string()) {
        return Err(invalid(key, format!("`{name}` is defined twice")));
    }
    Ok(())
}

fn validate(raw: RawConfig, base_dir: Option<&Path>) -> Result<Config, ConfigError> {
    let listen: SocketAddr = raw.sip.listen.parse().map_err(|_| {
        invalid(
            "sip.listen",
            format!("`{}` is not an address like 0.0.0.0:5060", raw.sip.listen),
        )
    })?;
    if raw.sip.realm.is_empty() || raw.sip.realm.contains('"') {
        return Err(invalid(
            "sip.realm",
            "must be non-empty and contain no quote",
        ));
    }
    let advertise = match &raw.sip.advertise {
        None => None,
        Some(a) => Some(
            a.parse::<IpAddr>()
                .map_err(|_| invalid("sip.advertise", format!("`{a}` is not an IP address")))?,
        ),
    };
    let mut digest = Vec::new();
    for (i, name) in raw.sip.digest.iter().enumerate() {
        let key = format!("sip.digest[{i}]");
        let alg = sip::auth::Algorithm::parse(name)
            .ok()
            .filter(|a| !a.is_sess())
            .ok_or_else(|| invalid(&key, format!("`{name}`: use \"MD5\" or \"SHA-256\"")))?;
        if digest.contains(&alg) {
            return Err(invalid(key, format!("`{name}` is listed twice")));
        }
        digest.push(alg);
    }
    if digest.is_empty() {
        return Err(invalid("sip.digest", "list at least one algorithm"));
    }
    if !(90..=86_400).contains(&raw.sip.min_se) {
        return Err(invalid(
            "sip.min_se",
            "must be 90 to 86400 seconds (RFC 4028 §4)",
        ));
    }
    let session_expires = match raw.sip.session_expires {
        0 => None,
        s if s >= raw.sip.min_se && s <= 86_400 => Some(Duration::from_secs(u64::from(s))),
        _ => {
            return Err(invalid(
                "sip.session_expires",
                "must be 0 (off) or from sip.min_se to 86400 seconds",
            ));
        }
    };
    let min_se = Duration::from_secs(u64::from(raw.sip.min_se));
    let qualify_interval = match raw.sip.qualify_interval {
        0 => None,
        s @ 5..=3600 => Some(Duration::from_secs(u64::from(s))),
        _ => {
            return Err(invalid(
                "sip.qualify_interval",
                "must be 0 (off) or 5 to 3600 seconds",
            ));
        }
    };
    let secure = validate_secure_transports(&raw.sip, listen, base_dir)?;
    let rtp_ports = parse_port_range("rtp.ports", &raw.rtp.ports)?;
    let mut codecs = Vec::new();
    for (i, name) in raw.rtp.codecs.iter().enumerate() {
        let codec = [media::Codec::Pcmu, media::Codec::Pcma, media::Codec::G722]
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                invalid(
                    format!("rtp.codecs[{i}]"),
                    format!("`{name}` is not one of PCMU, PCMA, G722"),
                )
            })?;
        if codecs.contains(&codec) {
            return Err(invalid(format!("rtp.codecs[{i}]"), "listed twice"));
        }
        codecs.push(codec);
    }
    if codecs.is_empty() {
        return Err(invalid("rtp.codecs", "name at least one codec"));
    }
    let rtp_timeout = match raw.rtp.timeout {
        0 => None,
        s @ 10..=3600 => Some(Duration::from_secs(u64::from(s))),
        _ => {
            return Err(invalid(
                "rtp.timeout",
                "must be 0 (off) or 10 to 3600 seconds",
            ));
        }
    };
    let prompt_dir = raw.prompts.dir.map(|d| match base_dir {
        Some(base) if d.is_relative() => base.join(d),
        _ => d,
    });

    let mut queue_names = HashSet::new();
    let mut queues = Vec::new();
    for (i, q) in raw.queues.into_iter().enumerate() {
        check_name(&format!("queues[{i}].name"), &q.name, &mut queue_names)?;
        if q.ring_timeout == 0 || q.ring_timeout > 600 {
            return Err(invalid(
                format!("queues[{i}].ring_timeout"),
                "must be 1 to 600 seconds",
            ));
        }
        if q.service_level == 0 || q.service_level > 3600 {
            return Err(invalid(
                format!("queues[{i}].service_level"),
                "must be 1 to 3600 seconds",
            ));
        }
        if q.wrap_up > 3600 {
            return Err(invalid(
                format!("queues[{i}].wrap_up"),
                "must be at most 3600 seconds",
            ));
        }
        if !(1..=acd::MAX_PROFICIENCY).contains(&q.min_level) {
            return Err(invalid(format!("queues[{i}].min_level"), "must be 1 to 5"));
        }
        let mut widen = Vec::new();
        let mut previous = 0;
        for (j, w) in q.widen.iter().enumerate() {
            if w.after <= previous || w.after > 86_400 {
                return Err(invalid(
                    format!("queues[{i}].widen[{j}].after"),
                    "must be above 0 and above the rule before, at most 86400 seconds",
                ));
            }
            if !(1..=acd::MAX_PROFICIENCY).contains(&w.min_level) {
                return Err(invalid(
                    format!("queues[{i}].widen[{j}].min_level"),
                    "must be 1 to 5",
                ));
            }
            previous = w.after;
            widen.push((Duration::from_secs(w.after), w.min_level));
        }
        let strategy = match q.strategy.as_deref() {
            None => acd::Strategy::LongestIdle,
            Some(name) => acd::Strategy::from_name(name).ok_or_else(|| {
                let names: Vec<&str> = acd::Strategy::ALL.iter().map(|s| s.name()).collect();
                invalid(
                    format!("queues[{i}].strategy"),
                    format!("`{name}` is not one of {}", names.join(", ")),
                )
            })?,
        };
        let overflow = match q.overflow {
            None => None,
            Some(o) => {
                if o.after.is_some_and(|a| a == 0 || a > 86_400) {
                    return Err(invalid(
                        format!("queues[{i}].overflow.after"),
                        "must be 1 to 86400 seconds",
                    ));
                }
                if o.after.is_none() && o.max_waiting.is_none() && !o.when_no_agents {
                    return Err(invalid(
                        format!("queues[{i}].overflow"),
                        "give `after`, `max_waiting` or `when_no_agents = true`",
                    ));
                }
                Some(acd::Overflow {
                    to: o.to,
                    after: o.after.map(Duration::from_secs),
                    max_waiting: o.max_waiting,
                    when_no_agents: o.when_no_agents,
                })
            }
        };
        let callback_key = match q.callback_key.as_deref() {
            None | Some("") => None,
            Some(k) => {
                let mut chars = k.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if c.is_ascii_digit() || c == '*' || c == '#' => Some(c),
                    _ => {
                        return Err(invalid(
                            format!("queues[{i}].callback_key"),
                            "one key: 0-9, * or #",
                        ));
                    }
                }
            }
        };
        if !(-100..=100).contains(&q.priority) {
            return Err(invalid(
                format!("queues[{i}].priority"),
                "must be -100 to 100",
            ));
        }
        if q.announce_every != 0 && !(15..=3600).contains(&q.announce_every) {
            return Err(invalid(
                format!("queues[{i}].announce_every"),
                "must be 0 (off) or 15 to 3600 seconds",
            ));
        }
        queues.push(Queue {
            name: q.name,
            skill: q.skill.filter(|s| !s.is_empty()),
            overflow,
            announce_every: (q.announce_every > 0).then(|| Duration::from_secs(q.announce_every)),
            announce_position: q.announce_position,
            announce_wait: q.announce_wait,
            priority: q.priority,
            callback_key,
            min_level: q.min_level,
            widen,
            strategy,
            ring_timeout: Duration::from_secs(q.ring_timeout),
            service_level: Duration::from_secs(q.service_level),
            wrap_up: Duration::from_secs(q.wrap_up),
            hold: q.hold,
            announcement: q.announcement,
        });
    }

    let mut menu_names = HashSet::new();
    let mut menus = Vec::new();
    for (i, m) in raw.menus.into_iter().enumerate() {
        check_name(&format!("menus[{i}].name"), &m.name, &mut menu_names)?;
        if queue_names.contains(&m.name) {
            return Err(invalid(
                format!("menus[{i}].name"),
                "a queue has the same name",
            ));
        }
        if !(1..=60).contains(&m.digit_timeout) {
            return Err(invalid(
                format!("menus[{i}].digit_timeout"),
                "must be 1 to 60 seconds",
            ));
        }
        if !(1..=10).contains(&m.max_attempts) {
            return Err(invalid(
                format!("menus[{i}].max_attempts"),
                "must be 1 to 10",
            ));
        }
        if !queue_names.contains(&m.fallback) {
            return Err(invalid(
                format!("menus[{i}].fallback"),
                format!("no queue `{}`", m.fallback),
            ));
        }
        let mut options = BTreeMap::new();
        for (digit, target) in m.options {
            let key = format!("menus[{i}].options.{digit}");
            let mut chars = digit.chars();
            let d = match (chars.next(), chars.next()) {
                (Some(d), None) if d.is_ascii_digit() || d == '*' || d == '#' => d,
                _ => return Err(invalid(key, "an option is one key: 0-9, * or #")),
            };
            if !queue_names.contains(&target) {
                return Err(invalid(key, format!("no queue `{target}`")));
            }
            options.insert(d, target);
        }
        menus.push(Menu {
            name: m.name,
            greeting: m.greeting,
            prompt: m.prompt,
            invalid: m.invalid,
            digit_timeout: Duration::from_secs(m.digit_timeout),
            max_attempts: m.max_attempts,
            fallback: m.fallback,
            options,
        });
    }

    for (i, q) in queues.iter().enumerate() {
        if let Some(o) = &q.overflow {
            let known =
                (queue_names.contains(&o.to) || menu_names.contains(&o.to)) && o.to != q.name;
            if !known {
                return Err(invalid(
                    format!("queues[{i}].overflow.to"),
                    format!("`{}` is not another queue or a menu", o.to),
                ));
            }
        }
    }

    let mut trunk_names = HashSet::new();
    let mut trunks = Vec::new();
    for (i, t) in raw.trunks.into_iter().enumerate() {
        check_name(&format!("trunks[{i}].name"), &t.name, &mut trunk_names)?;
        if t.sources.is_empty() {
            return Err(invalid(
                format!("trunks[{i}].sources"),
                "list at least one address or network",
            ));
        }
        let mut sources = Vec::new();
        for (j, s) in t.sources.iter().enumerate() {
            sources.push(Cidr::parse(s).ok_or_else(|| {
                invalid(
                    format!("trunks[{i}].sources[{j}]"),
                    format!("`{s}` is not an address or network"),
                )
            })?);
        }
        for (number, target) in &t.numbers {
            if !menu_names.contains(target) && !queue_names.contains(target) {
                return Err(invalid(
                    format!("trunks[{i}].numbers.{number}"),
                    format!("no menu or queue `{target}`"),
                ));
            }
        }
        let register = match t.register {
            None => None,
            Some(r) => Some(validate_trunk_register(i, r)?),
        };
        let proxy = match t.proxy {
            Some(p) => Some(p.parse::<SocketAddr>().map_err(|_| {
                invalid(
                    format!("trunks[{i}].proxy"),
                    format!("`{p}` is not an address like 203.0.113.5:5060"),
                )
            })?),
            None => register.as_ref().map(|r| r.proxy),
        };
        trunks.push(Trunk {
            name: t.name,
            sources,
            numbers: t.numbers,
            register,
            proxy,
            qualify: t.qualify.unwrap_or(true),
        });
    }

    let mut extensions = HashSet::new();
    let mut agents = Vec::new();
    for (i, a) in raw.agents.into_iter().enumerate() {
        let key = format!("agents[{i}].extension");
        if a.extension.is_empty() || !a.extension.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(invalid(
                key,
                format!("`{}`: use letters and digits", a.extension),
            ));
        }
        if !extensions.insert(a.extension.clone()) {
            return Err(invalid(key, format!("`{}` is defined twice", a.extension)));
        }
        let secret = match (a.password, a.ha1_md5, a.ha1_sha256) {
            (Some(p), None, None) if !p.is_empty() => Secret::Password(p),
            (None, md5, sha256) if md5.is_some() || sha256.is_some() => {
                for (k, v, len) in [("ha1_md5", &md5, 32), ("ha1_sha256", &sha256, 64)] {
                    if let Some(v) = v {
                        if v.len() != len || !v.chars().all(|c| c.is_ascii_hexdigit()) {
                            return Err(invalid(
                                format!("agents[{i}].{k}"),
                                format!("must be {len} hex digits"),
                            ));
                        }
                    }
                }
                // The registrar challenges with every algorithm of `sip.digest`: a phone may
                // answer any of them, so each needs its HA1.
                for alg in &digest {
                    let (k, have) = match alg.base() {
                        sip::auth::Algorithm::Sha256 => ("ha1_sha256", sha256.is_some()),
                        _ => ("ha1_md5", md5.is_some()),
                    };
                    if !have {
                        return Err(invalid(
                            format!("agents[{i}].{k}"),
                            format!("needed: `sip.digest` includes {}", alg.as_str()),
                        ));
                    }
                }
                Secret::Ha1 { md5, sha256 }
            }
            _ => {
                return Err(invalid(
                    format!("agents[{i}].password"),
                    "give either a non-empty `password` or `ha1_md5`/`ha1_sha256`, not both",
                ));
            }
        };
        let mut seen_skills = HashSet::new();
        let mut skills = Vec::new();
        for (j, entry) in a.skills.iter().enumerate() {
            // `name` or `name:level`.
            let (skill, level) = match entry.rsplit_once(':') {
                Some((name, level)) => (name, level.parse::<u8>().ok()),
                None => (entry.as_str(), Some(acd::DEFAULT_PROFICIENCY)),
            };
            let key = format!("agents[{i}].skills[{j}]");
            let Some(level) = level.filter(|l| (1..=acd::MAX_PROFICIENCY).contains(l)) else {
                return Err(invalid(
                    key,
                    format!("`{entry}`: the level after `:` must be 1 to 5"),
                ));
            };
            if skill.is_empty() || !seen_skills.insert(skill.to_string()) {
                return Err(invalid(key, format!("`{skill}` is empty or listed twice")));
            }
            skills.push((skill.to_string(), level));
        }
        agents.push(Agent {
            extension: a.extension,
            secret,
            skills,
            role: a.role,
        });
    }

    for (code, reason) in &raw.acd.pause_reasons {
        let key = format!("acd.pause_reasons.{code}");
        if code.is_empty() || code.len() > 3 || !code.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid(key, "the code must be 1 to 3 digits"));
        }
        if reason.trim().is_empty() || reason.len() > 40 {
            return Err(invalid(key, "the reason must be 1 to 40 characters"));
        }
    }
    let pause_reasons = raw.acd.pause_reasons;
    if raw.acd.stats_interval != 0 && !(60..=86_400).contains(&raw.acd.stats_interval) {
        return Err(invalid(
            "acd.stats_interval",
            "must be 0 (off) or 60 to 86400 seconds",
        ));
    }
    let stats_interval =
        (raw.acd.stats_interval > 0).then(|| Duration::from_secs(raw.acd.stats_interval));

    let mut dial_rules = Vec::new();
    let mut rule_names = HashSet::new();
    for (i, r) in raw.dial_rules.into_iter().enumerate() {
        check_name(&format!("dial_rules[{i}].name"), &r.name, &mut rule_names)?;
        let trunk = trunks.iter().find(|t| t.name == r.trunk).ok_or_else(|| {
            invalid(
                format!("dial_rules[{i}].trunk"),
                format!("no trunk `{}`", r.trunk),
            )
        })?;
        if trunk.proxy.is_none() {
            return Err(invalid(
                format!("dial_rules[{i}].trunk"),
                format!(
                    "trunk `{}` has no `proxy` (or `register.proxy`) to send calls to",
                    r.trunk
                ),
            ));
        }
        if r.prefixes.is_empty() {
            return Err(invalid(
                format!("dial_rules[{i}].prefixes"),
                "list at least one prefix (\"\" allows any)",
            ));
        }
        if r.min_length == 0 || r.min_length > r.max_length || r.max_length > 32 {
            return Err(invalid(
                format!("dial_rules[{i}].min_length"),
                "need 1 <= min_length <= max_length <= 32",
            ));
        }
        let digits = r.caller_id.strip_prefix('+').unwrap_or(&r.caller_id);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid(
                format!("dial_rules[{i}].caller_id"),
                "a number: digits, optionally a leading +",
            ));
        }
        dial_rules.push(DialRule {
            name: r.name,
            trunk: r.trunk,
            prefixes: r.prefixes,
            min_length: r.min_length,
            max_length: r.max_length,
            caller_id: r.caller_id,
            privacy: r.privacy,
        });
    }

    Ok(Config {
        sip: SipConfig {
            listen,
            realm: raw.sip.realm,
            advertise,
            digest,
            session_expires,
            min_se,
            qualify_interval,
            tls_listen: secure.tls_listen,
            ws_listen: secure.ws_listen,
            wss_listen: secure.wss_listen,
            tls_files: secure.tls_files,
        },
        rtp_ports,
        rtp_timeout,
        codecs,
        prompt_dir,
        auto_pause_after: (raw.acd.auto_pause_after > 0).then_some(raw.acd.auto_pause_after),
        pause_reasons,
        stats_interval,
        trunks,
        menus,
        queues,
        agents,
        dial_rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_is_valid_and_matches_the_contract() {
        let c = Config::demo(&Overrides::default()).expect("demo config");
        assert_eq!(c.sip.listen, "0.0.0.0:5060".parse().expect("addr"));
        assert_eq!(c.rtp_ports, (20000, 29999));
        assert!(c.prompt_dir.is_none());
        let local = c
            .trunk_for("127.0.0.9".parse().expect("ip"))
            .expect("local trunk");
        assert_eq!(local.numbers.get("100").map(String::as_str), Some("main"));
        assert!(c.trunk_for("192.0.2.1".parse().expect("ip")).is_none());
        let menu = c.menu("main").expect("main menu");
        assert_eq!(menu.options.get(&'1').map(String::as_str), Some("benefits"));
        assert_eq!(
            menu.options.get(&'2').map(String::as_str),
            Some("immigration")
        );
        assert_eq!(menu.options.get(&'0').map(String::as_str), Some("general"));
        assert_eq!(menu.digit_timeout, Duration::from_secs(5));
        assert_eq!(menu.max_attempts, 3);
        assert_eq!(
            c.queue("benefits").and_then(|q| q.skill.as_deref()),
            Some("labor")
        );
        assert_eq!(
            c.queue("immigration").and_then(|q| q.skill.as_deref()),
            Some("green-card")
        );
        assert_eq!(c.queue("general").and_then(|q| q.skill.as_deref()), None);
        assert_eq!(c.agent("1003").map(|a| a.skills.len()), Some(2));
        assert_eq!(
            c.auto_pause_after,
            Some(3),
            "three unanswered offers by default"
        );
        assert_eq!(
            c.codecs,
            [media::Codec::Pcmu, media::Codec::Pcma, media::Codec::G722]
        );
        assert_eq!(c.pause_reasons.get("2").map(String::as_str), Some("lunch"));
        assert_eq!(c.agent("1004").map(|a| a.role), Some(Role::Supervisor));
        assert!(
            c.queues
                .iter()
                .all(|q| q.ring_timeout == Duration::from_secs(15))
        );
    }

    #[test]
    fn a_queue_nobody_serves_is_warned_about() {
        let mut c = Config::demo(&Overrides::default()).expect("demo");
        assert!(c.warnings().is_empty(), "{:?}", c.warnings());
        c.queues[0].skill = Some("sign-language".into());
        assert!(c.warnings()[0].contains("queues[0].skill"));
        // Only experts accepted and nobody is one: warned; widening to level 1 serves it.
        let mut c = Config::demo(&Overrides::default()).expect("demo");
        c.queues[0].min_level = 5;
        assert!(c.warnings()[0].contains("queues[0].skill"));
        c.queues[0].widen = vec![(Duration::from_secs(30), 1)];
        assert!(c.warnings().is_empty());
    }

    #[test]
    fn skills_levels_widening_and_strategies_are_read_and_checked() {
        let base = "[[queues]]\nname = \"q\"\nskill = \"labor\"\n";
        let agent = "[[agents]]\nextension = \"1\"\npassword = \"x\"\n";
        let ok = format!(
            "{base}min_level = 4\nstrategy = \"skill-weighted\"\nwiden = [{{ after = 30, min_level = 2 }}, {{ after = 60, min_level = 1 }}]\n\
             {agent}skills = [\"labor:5\", \"spanish\"]\n[acd]\nauto_pause_after = 2\n"
        );
        let c = parse(&ok).expect("valid");
        let q = c.queue("q").expect("queue");
        assert_eq!(q.min_level, 4);
        assert_eq!(q.strategy, acd::Strategy::SkillWeighted);
        assert_eq!(
            q.widen,
            [(Duration::from_secs(30), 2), (Duration::from_secs(60), 1)]
        );
        assert_eq!(
            c.agent("1").map(|a| a.skills.clone()),
            Some(vec![("labor".into(), 5), ("spanish".into(), 1)])
        );
        assert_eq!(c.auto_pause_after, Some(2));
        assert!(
            err(&format!("{base}strategy = \"ring-all-the-phones\"\n"))
                .contains("queues[0].strategy")
        );
        assert!(err(&format!("{base}min_level = 0\n")).contains("queues[0].min_level"));
        assert!(
            err(&format!(
                "{base}widen = [{{ after = 60, min_level = 2 }}, {{ after = 30, min_level = 1 }}]\n"
            ))
            .contains("queues[0].widen[1].after")
        );
        assert!(err(&format!("{agent}skills = [\"labor:9\"]\n")).contains("agents[0].skills[0]"));
        assert!(err(&format!("{agent}skills = [\"labor:x\"]\n")).contains("agents[0].skills[0]"));
        assert_eq!(
            parse("[acd]\nauto_pause_after = 0\n")
                .expect("valid")
                .auto_pause_after,
            None
        );
        let two = "[[menus]]\nname = \"m\"\nprompt = \"menu\"\nfallback = \"q\"\noptions = { 1 = \"q\" }\n[[queues]]\nname = \"q\"\n";
        let c = parse(&format!(
            "{two}overflow = {{ to = \"m\", after = 120, when_no_agents = true }}\n"
        ))
        .expect("valid");
        let o = c
            .queue("q")
            .and_then(|q| q.overflow.clone())
            .expect("overflow");
        assert_eq!(
            (o.to.as_str(), o.after, o.when_no_agents),
            ("m", Some(Duration::from_secs(120)), true)
        );
        assert!(
            err(&format!(
                "{two}overflow = {{ to = \"nowhere\", after = 60 }}\n"
            ))
            .contains("queues[0].overflow.to")
        );
        assert!(
            err(&format!("{two}overflow = {{ to = \"q\", after = 60 }}\n"))
                .contains("queues[0].overflow.to")
        );
        assert!(err(&format!("{two}overflow = {{ to = \"m\" }}\n")).contains("queues[0].overflow"));
        assert!(
            err(&format!("{two}overflow = {{ to = \"m\", after = 0 }}\n"))
                .contains("queues[0].overflow.after")
        );
        assert!(err("[rtp]\ncodecs = [\"opus\"]\n").contains("rtp.codecs[0]"));
        assert!(err("[rtp]\ncodecs = []\n").contains("rtp.codecs"));
        assert_eq!(
            parse("[rtp]\ncodecs = [\"pcma\"]\n").expect("valid").codecs,
            [media::Codec::Pcma]
        );
        assert!(err("[acd]\npause_reasons = { x = \"coffee\" }\n").contains("acd.pause_reasons.x"));
        assert!(err("[acd]\npause_reasons = { 5 = \"\" }\n").contains("acd.pause_reasons.5"));
    }

    #[test]
    fn the_example_file_is_valid() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/example.toml");
        let c = Config::load(&path, &Overrides::default()).expect("example.toml");
        let b = c.queue("benefits").expect("benefits");
        assert_eq!(b.min_level, 3);
        assert!(b.overflow.is_some() && b.announce_every.is_some());
    }

    #[test]
    fn overrides_replace_addresses() {
        let o = Overrides {
            sip_addr: Some("127.0.0.1:5070".into()),
            rtp_ports: Some("30000-30099".into()),
        };
        let c = Config::demo(&o).expect("demo");
        assert_eq!(c.sip.listen.port(), 5070);
        assert_eq!(c.rtp_ports, (30000, 30099));
    }

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, None, &Overrides::default())
    }

    fn err(text: &str) -> String {
        match Config::parse(text, None, &Overrides::default()) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn bad_values_name_their_key() {
        assert!(err("[sip]\nlisten = \"nonsense\"").contains("sip.listen"));
        assert!(err("[rtp]\nports = \"3000-2000\"").contains("rtp.ports"));
        assert!(err("[sip]\ndigest = [\"SHA-512\"]").contains("sip.digest[0]"));
        assert!(err("[sip]\ndigest = []").contains("sip.digest"));
        assert!(err("[sip]\nmin_se = 30").contains("sip.min_se"));
        assert!(err("[sip]\nqualify_interval = 2").contains("sip.qualify_interval"));
        assert!(err("[rtp]\ntimeout = 5").contains("rtp.timeout"));
        assert!(err("[sip]\nsession_expires = 60").contains("sip.session_expires"));
        assert!(
            err("[rtp]\nports = \"1025-1028\"").contains("rtp.ports"),
            "one pair only"
        );
        let skills = "[[agents]]\nextension = \"1\"\npassword = \"x\"\nskills = [\"a\", \"a\"]\n";
        assert!(err(skills).contains("agents[0].skills[1]"));
        let md5 = "0123456789abcdef0123456789abcdef";
        let only_md5 = format!("[[agents]]\nextension = \"1\"\nha1_md5 = \"{md5}\"\n");
        assert!(
            Config::parse(&only_md5, None, &Overrides::default()).is_ok(),
            "MD5 alone is challenged by default"
        );
        let both = format!("[sip]\ndigest = [\"MD5\", \"SHA-256\"]\n{only_md5}");
        assert!(
            err(&both).contains("agents[0].ha1_sha256"),
            "a challenged SHA-256 needs its HA1"
        );
        assert!(err("[sip]\nlisten = \"0.0.0.0:5060\"\nbogus = 1").contains("bogus"));
        let q = "[[queues]]\nname = \"q\"\nring_timeout = 0\n";
        assert!(err(q).contains("queues[0].ring_timeout"));
        let m = "[[queues]]\nname = \"q\"\n[[menus]]\nname = \"m\"\nprompt = \"p\"\nfallback = \"q\"\noptions = { \"12\" = \"q\" }\n";
        assert!(err(m).contains("menus[0].options.12"));
        let m = "[[queues]]\nname = \"q\"\n[[menus]]\nname = \"m\"\nprompt = \"p\"\nfallback = \"nope\"\noptions = {}\n";
        assert!(err(m).contains("menus[0].fallback"));
        let reg = "[[trunks]]\nname = \"t\"\nsources = [\"203.0.113.0/24\"]\n[trunks.register]\nproxy = \"carrier\"\nuser = \"u\"\npassword = \"p\"\n";
        assert!(err(reg).contains("trunks[0].register.proxy"));
        let reg = reg.replace("\"carrier\"", "\"203.0.113.5:5060\"");
        let c = Config::parse(&reg, None, &Overrides::default()).expect("trunk registration");
        let r = c.trunks[0].register.as_ref().expect("register");
        assert_eq!(r.aor.to_string(), "sip:u@203.0.113.5");
        assert!(
            !format!("{r:?}").contains("\"p\""),
            "the password is never printed"
        );
        let t = "[[trunks]]\nname = \"t\"\nsources = [\"10.0.0.0/99\"]\n";
        assert!(err(t).contains("trunks[0].sources[0]"));
        let a = "[[agents]]\nextension = \"1\"\n";
        assert!(err(a).contains("agents[0].password"));
        let a = "[[agents]]\nextension = \"1\"\npassword = \"x\"\n[[agents]]\nextension = \"1\"\npassword = \"y\"\n";
        assert!(err(a).contains("agents[1].extension"));
    }

    #[test]
    fn tls_and_websocket_keys_are_checked() {
        let tls = "[sip]\nlisten = \"127.0.0.1:5060\"\ntls_listen = \"127.0.0.1:5061\"\n";
        assert!(err(tls).contains("sip.tls_cert"), "TLS needs a certificate");
        let no_key = format!("{tls}tls_cert = \"cert.pem\"\n");
        assert!(err(&no_key).contains("sip.tls_key"), "and its key");
        let wss = "[sip]\nwss_listen = \"127.0.0.1:8443\"\n";
        assert!(
            err(wss).contains("sip.tls_cert"),
            "WSS uses the TLS certificate"
        );
        assert!(err("[sip]\nws_listen = \"localhost\"").contains("sip.ws_listen"));
        assert!(err("[sip]\ntls_listen = \"127.0.0.1\"").contains("sip.tls_listen"));
        let clash = "[sip]\nlisten = \"0.0.0.0:5060\"\nws_listen = \"127.0.0.1:5060\"\n";
        assert!(err(clash).contains("sip.ws_listen"), "TCP has the port");
        let clash = "[sip]\nws_listen = \"127.0.0.1:8080\"\nwss_listen = \"127.0.0.1:8080\"\ntls_cert = \"c\"\ntls_key = \"k\"\n";
        assert!(err(clash).contains("sip.wss_listen"));

        let ws_only = Config::parse(
            "[sip]\nws_listen = \"127.0.0.1:8080\"\n",
            None,
            &Overrides::default(),
        )
        .expect("plain WebSocket needs no certificate");
        assert_eq!(ws_only.sip.ws_listen.map(|a| a.port()), Some(8080));
        assert!(ws_only.sip.tls_listen.is_none() && ws_only.sip.tls_files.is_none());

        let full = format!(
            "{tls}tls_cert = \"tls/cert.pem\"\ntls_key = \"/etc/keys/key.pem\"\nwss_listen = \"127.0.0.1:8443\"\n"
        );
        let c = Config::parse(&full, Some(Path::new("/srv/sb")), &Overrides::default())
            .expect("TLS and WSS with a certificate");
        assert_eq!(c.sip.tls_listen.map(|a| a.port()), Some(5061));
        assert_eq!(c.sip.wss_listen.map(|a| a.port()), Some(8443));
        let files = c.sip.tls_files.expect("TLS files");
        assert_eq!(
            files.cert,
            Path::new("/srv/sb/tls/cert.pem"),
            "relative to the file"
        );
        assert_eq!(files.key, Path::new("/etc/keys/key.pem"));

        let demo = Config::demo(&Overrides::default()).expect("demo");
        assert!(demo.sip.tls_listen.is_none() && demo.sip.ws_listen.is_none());
    }

    #[test]
    fn dial_rules_allow_only_what_they_say() {
        let text = "[[trunks]]\nname = \"carrier\"\nsources = [\"203.0.113.0/24\"]\nproxy = \"203.0.113.5:5060\"\n\
                    [[dial_rules]]\nname = \"national\"\ntrunk = \"carrier\"\nprefixes = [\"+1\", \"1\"]\n\
                    min_length = 11\nmax_length = 12\ncaller_id = \"+12025550100\"\n";
        let c = Config::parse(text, None, &Overrides::default()).expect("dial rule");
        let rule = &c.dial_rules[0];
        assert!(rule.allows("+12025550199"));
        assert!(rule.allows("12025550199"));
        assert!(!rule.allows("+442071234567"), "another country");
        assert!(!rule.allows("911"), "too short");
        assert!(!rule.allows("1202555019#"), "not a number");
        let no_proxy = text.replace("proxy = \"203.0.113.5:5060\"\n", "");
        assert!(err(&no_proxy).contains("dial_rules[0].trunk"));
        let bad_id = text.replace("+12025550100", "agency");
        assert!(err(&bad_id).contains("dial_rules[0].caller_id"));
    }

    #[test]
    fn cidr_matching() {
        let c = Cidr::parse("127.0.0.0/8").expect("cidr");
        assert!(c.contains("127.1.2.3".parse().expect("ip")));
        assert!(c.contains("::ffff:127.0.0.1".parse().expect("ip")));
        assert!(!c.contains("128.0.0.1".parse().expect("ip")));
        let any = Cidr::parse("0.0.0.0/0").expect("cidr");
        assert!(any.contains("203.0.113.5".parse().expect("ip")));
        let v6 = Cidr::parse("2001:db8::/32").expect("cidr");
        assert!(v6.contains("2001:db8::1".parse().expect("ip")));
        assert!(!v6.contains("2001:db9::1".parse().expect("ip")));
        assert!(Cidr::parse("1.2.3.4/33").is_none());
        assert_eq!(Cidr::parse("::1").map(|c| c.prefix), Some(128));
    }
}
