//! SIP over WebSocket (RFC 7118), plain (`sip.ws_listen`) and over TLS (`sip.wss_listen`).
//!
//! A connection starts with the HTTP/1.1 Upgrade of RFC 6455 §4; the client must offer the
//! `sip` subprotocol (`Sec-WebSocket-Protocol: sip`, RFC 7118 §4), which we select, or the
//! handshake is refused with 400. After it each text or binary frame carries exactly one SIP
//! message (RFC 7118 §5.2), so no Content-Length framing is needed: every frame is parsed as
//! it is. What we send goes out as a text frame, or a binary one when the message is not
//! UTF-8. Pings are answered by the WebSocket layer; a `CRLFCRLF` keep-alive in a frame of its
//! own (RFC 5626 §4.4.1, sent by some WebSocket clients) is answered with `CRLF`.
//!
//! The connection is kept by its peer like every stream connection, so the INVITE to an agent
//! registered over WebSocket goes out on the WebSocket it registered on: the Contact such a
//! client registers (`sip:…@….invalid;transport=ws`) cannot be reached any other way.

use std::net::{IpAddr, SocketAddr};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use sip::transport::{Peer, Transport};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{StatusCode, header};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message as Frame, Utf8Bytes};

use super::sip::{
    Connections, Delivered, FIRST_MESSAGE_TIMEOUT, IDLE_TIMEOUT, Incoming, SEND_QUEUE, deliver,
};
use super::tls::HANDSHAKE_TIMEOUT;

/// The WebSocket subprotocol of RFC 7118 §4.
const SUBPROTOCOL: &str = "sip";

/// Accepts WebSocket connections (over TLS when `tls` is given: WSS) until the core goes away.
pub async fn ws_accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    to_core: mpsc::Sender<Incoming>,
    conns: Connections,
) {
    let kind = if tls.is_some() { "WSS" } else { "WS" };
    super::sip::accept_loop(listener, kind, conns.clone(), to_core.clone(), {
        move |stream, peer, slot| {
            ws_connection(
                stream,
                peer,
                tls.clone(),
                to_core.clone(),
                conns.clone(),
                slot,
            )
        }
    })
    .await;
}

async fn ws_connection(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    to_core: mpsc::Sender<Incoming>,
    conns: Connections,
    slot: OwnedSemaphorePermit,
) {
    let Ok(local) = stream.local_addr() else {
        return;
    };
    let _ = stream.set_nodelay(true);
    match tls {
        None => {
            let source = Peer::new(Transport::Ws, peer);
            run_websocket(stream, local.ip(), source, to_core, conns, slot).await;
        }
        Some(acceptor) => {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let source = Peer::new(Transport::Wss, peer);
                    run_websocket(tls, local.ip(), source, to_core, conns, slot).await;
                }
                Ok(Err(e)) => {
                    tracing::debug!(peer = %crate::redact::Pii(peer), error = %e, "WSS: TLS handshake failed")
                }
                Err(_) => {
                    tracing::debug!(peer = %crate::redact::Pii(peer), "WSS: TLS handshake timed out")
                }
            }
        }
    }
}

/// Selects the `sip` subprotocol, or refuses a client that did not offer it.
// The signature is tungstenite's handshake callback; the refusal is built once per connection.
#[allow(clippy::result_large_err)]
fn select_sip(request: &Request, mut response: Response) -> Result<Response, ErrorResponse> {
    let offered = request
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case(SUBPROTOCOL));
    if offered {
        response.headers_mut().insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            header::HeaderValue::from_static(SUBPROTOCOL),
        );
        Ok(response)
    } else {
        let mut refusal = ErrorResponse::new(Some(
            "SIP over WebSocket needs the subprotocol: Sec-WebSocket-Protocol: sip\r\n".into(),
        ));
        *refusal.status_mut() = StatusCode::BAD_REQUEST;
        Err(refusal)
    }
}

/// Runs one WebSocket connection from its HTTP handshake until it closes or idles out.
async fn run_websocket<S>(
    stream: S,
    local_ip: IpAddr,
    source: Peer,
    to_core: mpsc::Sender<Incoming>,
    conns: Connections,
    // Held for the connection's life: its place in the connection budget.
    _slot: OwnedSemaphorePermit,
) where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let peer = source.addr;
    let limit = sip::message::MAX_MESSAGE_SIZE;
    let config = WebSocketConfig::default()
        .max_message_size(Some(limit))
        .max_frame_size(Some(limit));
    let handshake =
        tokio_tungstenite::accept_hdr_async_with_config(stream, select_sip, Some(config));
    let ws = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => {
            tracing::debug!(peer = %crate::redact::Pii(peer), transport = %source.transport, error = %e, "WebSocket handshake refused");
            return;
        }
        Err(_) => {
            tracing::debug!(peer = %crate::redact::Pii(peer), transport = %source.transport, "WebSocket handshake timed out");
            return;
        }
    };
    let (mut sink, mut frames) = ws.split();
    let (tx, mut rx) = mpsc::channel::<Bytes>(SEND_QUEUE);
    conns.insert(source, tx.clone());
    let writer = tokio::spawn(async move {
        while let Some(data) = rx.recv().await {
            let frame = match Utf8Bytes::try_from(data.clone()) {
                Ok(text) => Frame::Text(text),
                Err(_) => Frame::Binary(data),
            };
            if sink.send(frame).await.is_err() {
                break;
            }
        }
    });
    let mut seen_message = false;
    loop {
        let limit = if seen_message {
            IDLE_TIMEOUT
        } else {
            FIRST_MESSAGE_TIMEOUT
        };
        let frame = match tokio::time::timeout(limit, frames.next()).await {
            Ok(Some(Ok(frame))) => frame,
            Ok(Some(Err(e))) => {
                tracing::debug!(peer = %crate::redact::Pii(peer), transport = %source.transport, error = %e, "WebSocket closed on error");
                break;
            }
            Ok(None) | Err(_) => break,
        };
        let data = match frame {
            Frame::Text(text) => Bytes::from(text),
            Frame::Binary(data) => data,
            // Pings are answered and a Close is echoed by the WebSocket layer as it reads on;
            // the stream ends after the close handshake.
            Frame::Ping(_) | Frame::Pong(_) | Frame::Close(_) | Frame::Frame(_) => continue,
        };
        if data.iter().all(u8::is_ascii_whitespace) {
            if data.starts_with(b"\r\n\r\n") {
                let _ = tx.try_send(Bytes::from_static(sip::message::KEEPALIVE_PONG));
            }
            continue;
        }
        match deliver(data, source, local_ip, &to_core, &tx).await {
            Delivered::Parsed => seen_message = true,
            Delivered::Rejected => {}
            Delivered::CoreGone => break,
        }
    }
    conns.remove(source, &tx);
    drop(tx);
    writer.abort();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(protocol: Option<&str>) -> Request {
        let mut builder = Request::builder()
            .uri("/")
            .header(header::HOST, "switch.example")
            .header(header::UPGRADE, "websocket");
        if let Some(p) = protocol {
            builder = builder.header(header::SEC_WEBSOCKET_PROTOCOL, p);
        }
        builder.body(()).expect("request")
    }

    #[test]
    fn the_sip_subprotocol_is_selected_among_others() {
        let response = select_sip(&request(Some("chat, sip")), Response::new(())).expect("sip");
        assert_eq!(
            response
                .headers()
                .get(header::SEC_WEBSOCKET_PROTOCOL)
                .map(|v| v.as_bytes()),
            Some(&b"sip"[..])
        );
    }

    #[test]
    fn a_handshake_without_the_sip_subprotocol_is_refused() {
        for offered in [None, Some("chat"), Some("sips")] {
            let refusal = select_sip(&request(offered), Response::new(())).expect_err("refused");
            assert_eq!(refusal.status(), StatusCode::BAD_REQUEST, "{offered:?}");
        }
    }
}
