//! SIP transports: one task reads the UDP socket, one accepts TCP connections and one task
//! per connection frames its byte stream (Content-Length framing, RFC 3261 §18.3). Each
//! parsed message goes to the core with its peer and the local IP that peer reached us on.
//! Unparseable requests that can be answered get a 400 right here; the rest are dropped and
//! counted, logged at debug only (a hostile peer must not flood the logs).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use dashmap::DashMap;
use sip::transport::{Peer, Transport};
use sip::{Message, StreamFramer, bad_request_response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;

/// A message from the network for the core.
#[derive(Debug)]
pub struct Incoming {
    pub msg: Message,
    pub source: Peer,
    pub local_ip: IpAddr,
}

/// Largest SIP message accepted on any transport.
const MAX_MESSAGE: usize = sip::message::MAX_MESSAGE_SIZE;

/// Stream connections open at once; more are refused until one closes, so a scanner cannot
/// take the file descriptors that calls need.
const MAX_CONNECTIONS: usize = 4096;

/// A new connection must deliver its first complete message within this time.
const FIRST_MESSAGE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A connection silent for longer than the longest registration (3600 s) plus margin is closed;
/// phones registered over TCP refresh or send keep-alives well within it.
const IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3700);

/// Datagrams and stream messages that did not parse.
pub static MALFORMED: AtomicU64 = AtomicU64::new(0);

/// Open stream connections by peer address, so requests to a registered contact reuse the
/// connection it registered on.
pub type Connections = Arc<ConnectionTable>;

/// The open stream connections and the budget for opening more.
pub struct ConnectionTable {
    by_peer: DashMap<SocketAddr, mpsc::Sender<Bytes>>,
    budget: Arc<tokio::sync::Semaphore>,
}

impl ConnectionTable {
    pub fn new() -> Connections {
        Arc::new(ConnectionTable {
            by_peer: DashMap::new(),
            budget: Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS)),
        })
    }

    /// A slot for one more connection, if the budget allows.
    fn slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.budget.clone().try_acquire_owned().ok()
    }
}

/// Finds which local IP a peer reaches us on when we listen on a wildcard address: the
/// kernel's route choice, read from a connected (never used) UDP socket. Cached per peer IP.
pub struct LocalIps {
    listen: IpAddr,
    cache: HashMap<IpAddr, IpAddr>,
}

impl LocalIps {
    pub fn new(listen: IpAddr) -> LocalIps {
        LocalIps {
            listen,
            cache: HashMap::new(),
        }
    }

    pub fn for_peer(&mut self, peer: IpAddr) -> IpAddr {
        if !self.listen.is_unspecified() {
            return self.listen;
        }
        if let Some(ip) = self.cache.get(&peer) {
            return *ip;
        }
        let probe = || -> std::io::Result<IpAddr> {
            let bind: SocketAddr = if peer.is_ipv4() {
                "0.0.0.0:0"
            } else {
                "[::]:0"
            }
            .parse()
            .map_err(std::io::Error::other)?;
            let s = std::net::UdpSocket::bind(bind)?;
            s.connect(SocketAddr::new(peer, 9))?;
            Ok(s.local_addr()?.ip())
        };
        let ip = probe().unwrap_or(if peer.is_loopback() {
            peer
        } else {
            self.listen
        });
        if self.cache.len() > 10_000 {
            self.cache.clear();
        }
        self.cache.insert(peer, ip);
        ip
    }
}

/// Parses one message; answers 400 where RFC 3261 lets us (via `reply`).
fn parse_or_reject(data: Bytes, from: SocketAddr) -> Result<Message, Option<Bytes>> {
    match Message::parse(data.clone()) {
        Ok(msg) => Ok(msg),
        Err(e) => {
            MALFORMED.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(peer = %crate::redact::Pii(from), error = %e, "malformed SIP message");
            Err(bad_request_response(&data, &e))
        }
    }
}

/// Reads the UDP socket until the core goes away.
pub async fn udp_loop(sock: Arc<UdpSocket>, to_core: mpsc::Sender<Incoming>) {
    let mut buf = vec![0u8; MAX_MESSAGE + 1];
    let mut local_ips = LocalIps::new(
        sock.local_addr()
            .map(|a| a.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0])),
    );
    loop {
        let (len, from) = match sock.recv_from(&mut buf).await {
            Ok(r) => r,
            // ICMP errors from earlier sends surface here on some systems: keep reading.
            Err(_) => continue,
        };
        let Some(datagram) = buf.get(..len) else {
            continue;
        };
        // RFC 5626 keep-alives and stray whitespace.
        if datagram.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if len > MAX_MESSAGE {
            MALFORMED.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        match parse_or_reject(Bytes::copy_from_slice(datagram), from) {
            Ok(msg) => {
                let local_ip = local_ips.for_peer(from.ip());
                let incoming = Incoming {
                    msg,
                    source: Peer::new(Transport::Udp, from),
                    local_ip,
                };
                if to_core.send(incoming).await.is_err() {
                    return;
                }
            }
            Err(Some(reply)) => {
                let _ = sock.send_to(&reply, from).await;
            }
            Err(None) => {}
        }
    }
}

/// Accepts TCP connections until the core goes away.
pub async fn tcp_accept_loop(
    listener: TcpListener,
    to_core: mpsc::Sender<Incoming>,
    conns: Connections,
) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => match conns.slot() {
                Some(slot) => {
                    tokio::spawn(tcp_connection(
                        stream,
                        peer,
                        to_core.clone(),
                        conns.clone(),
                        slot,
                    ));
                }
                None => {
                    tracing::debug!(peer = %crate::redact::Pii(peer), "too many TCP connections; refused")
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "TCP accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
        if to_core.is_closed() {
            return;
        }
    }
}

/// Sends on an existing stream connection to `dest`, or opens one.
pub fn send_stream(
    conns: &Connections,
    dest: SocketAddr,
    data: Bytes,
    to_core: &mpsc::Sender<Incoming>,
) {
    if let Some(tx) = conns.by_peer.get(&dest) {
        if tx.try_send(data).is_err() {
            tracing::debug!(peer = %crate::redact::Pii(dest), "TCP send queue full; message dropped");
        }
        return;
    }
    let Some(slot) = conns.slot() else {
        tracing::debug!(peer = %crate::redact::Pii(dest), "too many TCP connections; message dropped");
        return;
    };
    let conns = conns.clone();
    let to_core = to_core.clone();
    tokio::spawn(async move {
        match tokio::time::timeout(std::time::Duration::from_secs(5), TcpStream::connect(dest))
            .await
        {
            Ok(Ok(stream)) => {
                let (tx, rx) = mpsc::channel(256);
                let _ = tx.try_send(data);
                run_connection(stream, dest, to_core, conns, tx, rx, slot).await;
            }
            _ => tracing::debug!(peer = %crate::redact::Pii(dest), "TCP connect failed"),
        }
    });
}

async fn tcp_connection(
    stream: TcpStream,
    peer: SocketAddr,
    to_core: mpsc::Sender<Incoming>,
    conns: Connections,
    slot: tokio::sync::OwnedSemaphorePermit,
) {
    let (tx, rx) = mpsc::channel(256);
    run_connection(stream, peer, to_core, conns, tx, rx, slot).await;
}

async fn run_connection(
    stream: TcpStream,
    peer: SocketAddr,
    to_core: mpsc::Sender<Incoming>,
    conns: Connections,
    tx: mpsc::Sender<Bytes>,
    mut rx: mpsc::Receiver<Bytes>,
    // Held for the connection's life: its place in the connection budget.
    _slot: tokio::sync::OwnedSemaphorePermit,
) {
    let local_ip = match stream.local_addr() {
        Ok(a) => a.ip(),
        Err(_) => return,
    };
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    conns.by_peer.insert(peer, tx.clone());
    let writer = tokio::spawn(async move {
        while let Some(data) = rx.recv().await {
            if wr.write_all(&data).await.is_err() {
                break;
            }
        }
    });
    let mut framer = StreamFramer::new(MAX_MESSAGE);
    let mut buf = vec![0u8; 16 * 1024];
    let source = Peer::new(Transport::Tcp, peer);
    let mut seen_message = false;
    'read: loop {
        let limit = if seen_message {
            IDLE_TIMEOUT
        } else {
            FIRST_MESSAGE_TIMEOUT
        };
        let n = match tokio::time::timeout(limit, rd.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) | Err(_) => break,
            Ok(Ok(n)) => n,
        };
        framer.push(buf.get(..n).unwrap_or_default());
        if framer.take_ping() {
            let _ = tx.try_send(Bytes::from_static(sip::message::KEEPALIVE_PONG));
        }
        while let Some(frame) = framer.next_message() {
            let data = match frame {
                Ok(d) => d,
                Err(e) => {
                    MALFORMED.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(peer = %crate::redact::Pii(peer), error = %e, "unframeable TCP stream; closing");
                    break 'read;
                }
            };
            match parse_or_reject(data, peer) {
                Ok(msg) => {
                    seen_message = true;
                    if to_core
                        .send(Incoming {
                            msg,
                            source,
                            local_ip,
                        })
                        .await
                        .is_err()
                    {
                        break 'read;
                    }
                }
                Err(Some(reply)) => {
                    let _ = tx.try_send(reply);
                }
                Err(None) => {}
            }
        }
    }
    conns.by_peer.remove(&peer);
    drop(tx);
    writer.abort();
}
