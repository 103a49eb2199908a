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

/// Datagrams and stream messages that did not parse.
pub static MALFORMED: AtomicU64 = AtomicU64::new(0);

/// Open stream connections by peer address, so requests to a registered contact reuse the
/// connection it registered on.
pub type Connections = Arc<DashMap<SocketAddr, mpsc::Sender<Bytes>>>;

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
            Ok((stream, peer)) => {
                tokio::spawn(tcp_connection(stream, peer, to_core.clone(), conns.clone()));
            }
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
    if let Some(tx) = conns.get(&dest) {
        if tx.try_send(data).is_err() {
            tracing::debug!(peer = %crate::redact::Pii(dest), "TCP send queue full; message dropped");
        }
        return;
    }
    let conns = conns.clone();
    let to_core = to_core.clone();
    tokio::spawn(async move {
        match tokio::time::timeout(std::time::Duration::from_secs(5), TcpStream::connect(dest))
            .await
        {
            Ok(Ok(stream)) => {
                let (tx, rx) = mpsc::channel(256);
                let _ = tx.try_send(data);
                run_connection(stream, dest, to_core, conns, tx, rx).await;
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
) {
    let (tx, rx) = mpsc::channel(256);
    run_connection(stream, peer, to_core, conns, tx, rx).await;
}

async fn run_connection(
    stream: TcpStream,
    peer: SocketAddr,
    to_core: mpsc::Sender<Incoming>,
    conns: Connections,
    tx: mpsc::Sender<Bytes>,
    mut rx: mpsc::Receiver<Bytes>,
) {
    let local_ip = match stream.local_addr() {
        Ok(a) => a.ip(),
        Err(_) => return,
    };
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    conns.insert(peer, tx.clone());
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
    'read: loop {
        let n = match rd.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
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
    conns.remove(&peer);
    drop(tx);
    writer.abort();
}
