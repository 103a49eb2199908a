//! SIP transports: one task reads the UDP socket, one accepts TCP connections and one task
//! per connection frames its byte stream (Content-Length framing, RFC 3261 §18.3). TLS
//! (`driver::tls`) runs the same stream loop over rustls; WebSocket (`driver::ws`) carries one
//! message per frame. Each parsed message goes to the core with its peer and the local IP that
//! peer reached us on. Unparseable requests that can be answered get a 400 right here; the
//! rest are dropped and counted, logged at debug only (a hostile peer must not flood the logs).
//!
//! Every stream connection, whatever its transport, is kept in one `ConnectionTable` by its
//! peer (transport and address) and counts against one budget; the core's messages to a peer
//! go out on the connection that peer opened.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use dashmap::DashMap;
use sip::transport::{Peer, Transport};
use sip::{Message, StreamFramer, bad_request_response};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{OwnedSemaphorePermit, mpsc};

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
pub const FIRST_MESSAGE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A connection silent for longer than the longest registration (3600 s) plus margin is closed;
/// phones registered over TCP refresh or send keep-alives well within it.
pub const IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3700);

/// Messages waiting to be written on one connection; more are dropped (a peer that does not
/// read must not make the switch hold memory for it).
pub const SEND_QUEUE: usize = 256;

/// Datagrams and stream messages that did not parse.
pub static MALFORMED: AtomicU64 = AtomicU64::new(0);

/// Messages from the core for a TLS or WebSocket peer with no open connection (we open none
/// of those ourselves), or for a connection whose send queue was full: dropped.
pub static UNDELIVERED: AtomicU64 = AtomicU64::new(0);

/// Open stream connections by peer, so requests to a registered contact reuse the
/// connection it registered on.
pub type Connections = Arc<ConnectionTable>;

/// The open stream connections and the budget for opening more.
pub struct ConnectionTable {
    by_peer: DashMap<Peer, mpsc::Sender<Bytes>>,
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
    fn slot(&self) -> Option<OwnedSemaphorePermit> {
        self.budget.clone().try_acquire_owned().ok()
    }

    /// Makes `tx` the way to reach `peer`.
    pub fn insert(&self, peer: Peer, tx: mpsc::Sender<Bytes>) {
        self.by_peer.insert(peer, tx);
    }

    /// Forgets `peer`'s connection, unless a newer one has taken its place.
    pub fn remove(&self, peer: Peer, tx: &mpsc::Sender<Bytes>) {
        self.by_peer.remove_if(&peer, |_, t| t.same_channel(tx));
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

/// Accepts connections on a stream listener (`kind` names it in logs) until the core goes
/// away; each one that fits in the connection budget is handed to `serve` in a task of its
/// own, with its budget slot.
pub async fn accept_loop<F, Fut>(
    listener: TcpListener,
    kind: &'static str,
    conns: Connections,
    to_core: mpsc::Sender<Incoming>,
    mut serve: F,
) where
    F: FnMut(TcpStream, SocketAddr, OwnedSemaphorePermit) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => match conns.slot() {
                Some(slot) => {
                    tokio::spawn(serve(stream, peer, slot));
                }
                None => {
                    tracing::debug!(peer = %crate::redact::Pii(peer), transport = kind, "too many connections; refused")
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, transport = kind, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
        if to_core.is_closed() {
            return;
        }
    }
}

/// Accepts TCP connections until the core goes away.
pub async fn tcp_accept_loop(
    listener: TcpListener,
    to_core: mpsc::Sender<Incoming>,
    conns: Connections,
) {
    accept_loop(listener, "TCP", conns.clone(), to_core.clone(), {
        move |stream, peer, slot| tcp_connection(stream, peer, to_core.clone(), conns.clone(), slot)
    })
    .await;
}

/// Sends on the open stream connection to `dest`. Without one, a TCP connection is opened;
/// for TLS and WebSocket peers the message is dropped and counted (they reach us first).
pub fn send_stream(conns: &Connections, dest: Peer, data: Bytes, to_core: &mpsc::Sender<Incoming>) {
    if let Some(tx) = conns.by_peer.get(&dest) {
        if tx.try_send(data).is_err() {
            UNDELIVERED.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(peer = %crate::redact::Pii(dest), "send queue full; message dropped");
        }
        return;
    }
    if dest.transport != Transport::Tcp {
        UNDELIVERED.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(peer = %crate::redact::Pii(dest), "no open connection to the peer; message dropped");
        return;
    }
    let Some(slot) = conns.slot() else {
        tracing::debug!(peer = %crate::redact::Pii(dest), "too many TCP connections; message dropped");
        return;
    };
    let conns = conns.clone();
    let to_core = to_core.clone();
    tokio::spawn(async move {
        match tokio::time::timeout(
            std::time::Duration::from_secs(5),
            TcpStream::connect(dest.addr),
        )
        .await
        {
            Ok(Ok(stream)) => {
                let Ok(local) = stream.local_addr() else {
                    return;
                };
                let _ = stream.set_nodelay(true);
                let (tx, rx) = mpsc::channel(SEND_QUEUE);
                let _ = tx.try_send(data);
                run_stream_with(stream, local.ip(), dest, to_core, conns, tx, rx, slot).await;
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
    slot: OwnedSemaphorePermit,
) {
    let Ok(local) = stream.local_addr() else {
        return;
    };
    let _ = stream.set_nodelay(true);
    let source = Peer::new(Transport::Tcp, peer);
    run_stream(stream, local.ip(), source, to_core, conns, slot).await;
}

/// What became of one message from a stream connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// It parsed and went to the core.
    Parsed,
    /// It did not parse (and was answered 400 where that is allowed).
    Rejected,
    /// The core has gone away: the connection should close.
    CoreGone,
}

/// Hands one complete message from `source` to the core; a request that did not parse but can
/// be answered gets its 400 on `reply`.
pub async fn deliver(
    data: Bytes,
    source: Peer,
    local_ip: IpAddr,
    to_core: &mpsc::Sender<Incoming>,
    reply: &mpsc::Sender<Bytes>,
) -> Delivered {
    match parse_or_reject(data, source.addr) {
        Ok(msg) => {
            let incoming = Incoming {
                msg,
                source,
                local_ip,
            };
            match to_core.send(incoming).await {
                Ok(()) => Delivered::Parsed,
                Err(_) => Delivered::CoreGone,
            }
        }
        Err(answer) => {
            if let Some(answer) = answer {
                let _ = reply.try_send(answer);
            }
            Delivered::Rejected
        }
    }
}

/// Runs an accepted byte-stream connection (TCP, or TLS once its handshake is done) from
/// `source` until it closes or idles out: Content-Length framing in, the core's messages out.
pub async fn run_stream<S>(
    stream: S,
    local_ip: IpAddr,
    source: Peer,
    to_core: mpsc::Sender<Incoming>,
    conns: Connections,
    slot: OwnedSemaphorePermit,
) where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (tx, rx) = mpsc::channel(SEND_QUEUE);
    run_stream_with(stream, local_ip, source, to_core, conns, tx, rx, slot).await;
}

#[allow(clippy::too_many_arguments)]
async fn run_stream_with<S>(
    stream: S,
    local_ip: IpAddr,
    source: Peer,
    to_core: mpsc::Sender<Incoming>,
    conns: Connections,
    tx: mpsc::Sender<Bytes>,
    mut rx: mpsc::Receiver<Bytes>,
    // Held for the connection's life: its place in the connection budget.
    _slot: OwnedSemaphorePermit,
) where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (mut rd, mut wr) = tokio::io::split(stream);
    let peer = source.addr;
    conns.insert(source, tx.clone());
    let writer = tokio::spawn(async move {
        while let Some(data) = rx.recv().await {
            if wr.write_all(&data).await.is_err() {
                break;
            }
        }
    });
    let mut framer = StreamFramer::new(MAX_MESSAGE);
    let mut buf = vec![0u8; 16 * 1024];
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
                    tracing::debug!(peer = %crate::redact::Pii(peer), transport = %source.transport, error = %e, "unframeable stream; closing");
                    break 'read;
                }
            };
            match deliver(data, source, local_ip, &to_core, &tx).await {
                Delivered::Parsed => seen_message = true,
                Delivered::Rejected => {}
                Delivered::CoreGone => break 'read,
            }
        }
    }
    conns.remove(source, &tx);
    drop(tx);
    writer.abort();
}
