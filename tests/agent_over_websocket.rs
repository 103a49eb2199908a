//! An agent's phone speaking SIP over WebSocket (RFC 7118), like a browser softphone, registers
//! as 1002 with digest, is rung over its WebSocket when a caller (sipp over UDP) presses 2,
//! answers with SDP pointing at the test's RTP endpoint, and audio flows both ways through the
//! relay; the caller's hang-up reaches the phone as a BYE on the same WebSocket. The same over
//! secure WebSocket (WSS, a self-signed certificate the phone trusts) with `sips:` URIs
//! throughout. A client that does not offer the `sip` subprotocol is refused at the handshake.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use sip::auth::{Challenge, DigestRequest, client_response};
use sip::{HeaderName, Message, Method, Request, Response};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConnection, StreamOwned};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message as Frame, WebSocket};

use common::{CallerPhone, Markers, RtpPeer, Switchboard, TestDir, free_sip_port, wait_until};

/// The host a browser-like client puts in its Via and Contact: it cannot be reached except
/// over the WebSocket it opened (RFC 7118 §5.2).
const HOST: &str = "k3v9q2.invalid";

/// A SIP user agent over one WebSocket: just enough of one to register and take a call.
struct WsPhone<S: Socket> {
    ws: WebSocket<S>,
    user: String,
    cseq: u32,
}

/// A WebSocket's byte stream: plain TCP, or TLS over TCP.
trait Socket: Read + Write {
    const IS_TLS: bool;
    fn tcp(&self) -> &TcpStream;
}

impl Socket for TcpStream {
    const IS_TLS: bool = false;
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Socket for StreamOwned<ClientConnection, TcpStream> {
    const IS_TLS: bool = true;
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }
}

/// The WebSocket request to the switch at `addr`, offering `protocol` if any.
fn upgrade_request(
    addr: SocketAddr,
    protocol: Option<&'static str>,
) -> tungstenite::handshake::client::Request {
    upgrade_request_to(&format!("ws://{addr}/"), protocol)
}

fn upgrade_request_to(
    url: &str,
    protocol: Option<&'static str>,
) -> tungstenite::handshake::client::Request {
    let mut req = url.into_client_request().expect("request");
    if let Some(p) = protocol {
        req.headers_mut()
            .insert("Sec-WebSocket-Protocol", HeaderValue::from_static(p));
    }
    req
}

impl WsPhone<TcpStream> {
    /// Connects to `sip.ws_listen`.
    fn connect(addr: SocketAddr, user: &str) -> WsPhone<TcpStream> {
        let stream = TcpStream::connect(addr).expect("connect to ws_listen");
        WsPhone::handshake(upgrade_request(addr, Some("sip")), stream, user)
    }
}

impl WsPhone<StreamOwned<ClientConnection, TcpStream>> {
    /// Connects to `sip.wss_listen`, trusting the certificate in `cafile` alone.
    fn connect_secure(
        addr: SocketAddr,
        user: &str,
        cafile: &Path,
    ) -> WsPhone<StreamOwned<ClientConnection, TcpStream>> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_file(cafile).expect("test certificate"))
            .expect("trust the test certificate");
        // The switch's provider (see driver/tls.rs).
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = ServerName::try_from("127.0.0.1").expect("server name");
        let conn = ClientConnection::new(Arc::new(config), name).expect("TLS client");
        let tcp = TcpStream::connect(addr).expect("connect to wss_listen");
        let url = format!("wss://{addr}/");
        WsPhone::handshake(
            upgrade_request_to(&url, Some("sip")),
            StreamOwned::new(conn, tcp),
            user,
        )
    }
}

impl<S: Socket> WsPhone<S> {
    fn handshake(
        request: tungstenite::handshake::client::Request,
        stream: S,
        user: &str,
    ) -> WsPhone<S> {
        let (ws, response) = tungstenite::client(request, stream).expect("handshake");
        assert_eq!(
            response
                .headers()
                .get("Sec-WebSocket-Protocol")
                .map(|v| v.as_bytes()),
            Some(&b"sip"[..]),
            "the switch selects the sip subprotocol"
        );
        ws.get_ref()
            .tcp()
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("read timeout");
        WsPhone {
            ws,
            user: user.to_string(),
            cseq: 0,
        }
    }

    fn send(&mut self, data: Bytes) {
        let text = String::from_utf8(data.to_vec()).expect("SIP text");
        self.ws.send(Frame::text(text)).expect("send frame");
    }

    /// The next SIP message, one per frame; OPTIONS (qualify) are answered on the way.
    fn recv(&mut self, within: Duration) -> Option<Message> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            let frame = match self.ws.read() {
                Ok(f) => f,
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    continue;
                }
                Err(e) => panic!("WebSocket read: {e}"),
            };
            let data = match frame {
                Frame::Text(t) => Bytes::from(t),
                Frame::Binary(b) => b,
                _ => continue,
            };
            let msg = Message::parse(data).expect("the switch sends well-formed SIP");
            if let Message::Request(req) = &msg {
                if req.method == Method::Options {
                    let ok = Response::for_request(req, 200).encode();
                    self.send(ok);
                    continue;
                }
            }
            return Some(msg);
        }
        None
    }

    fn expect_response(&mut self, within: Duration) -> Response {
        match self.recv(within) {
            Some(Message::Response(r)) => r,
            other => panic!("expected a response, got {other:?}"),
        }
    }

    fn expect_request(&mut self, method: Method, within: Duration) -> Request {
        match self.recv(within) {
            Some(Message::Request(r)) if r.method == method => r,
            other => panic!("expected {method:?}, got {other:?}"),
        }
    }

    fn register_request(&mut self, registrar: &str, authorization: Option<String>) -> Bytes {
        self.cseq += 1;
        let user = &self.user;
        // RFC 7118 §5.2: the Via says WS or WSS, the Contact's transport is `ws` for both;
        // over WSS the URIs are SIPS.
        let (via, scheme) = if S::IS_TLS {
            ("WSS", "sips")
        } else {
            ("WS", "sip")
        };
        let mut text = format!(
            "REGISTER {registrar} SIP/2.0\r\n\
             Via: SIP/2.0/{via} {HOST};branch=z9hG4bK-ws-{cseq}\r\n\
             Max-Forwards: 70\r\n\
             From: <{scheme}:{user}@127.0.0.1>;tag=ws{user}\r\n\
             To: <{scheme}:{user}@127.0.0.1>\r\n\
             Call-ID: ws-register-{user}\r\n\
             CSeq: {cseq} REGISTER\r\n\
             Contact: <{scheme}:{user}@{HOST};transport=ws>\r\n\
             Expires: 300\r\n",
            cseq = self.cseq
        );
        if let Some(a) = authorization {
            text.push_str(&format!("Authorization: {a}\r\n"));
        }
        text.push_str("Content-Length: 0\r\n\r\n");
        Bytes::from(text)
    }

    /// REGISTER, answer the digest challenge with the password, expect 200.
    fn register(&mut self, password: &str) {
        // Over WSS the phone uses SIPS URIs throughout, as a secure-only client would.
        let registrar = if S::IS_TLS {
            "sips:127.0.0.1"
        } else {
            "sip:127.0.0.1"
        };
        let first = self.register_request(registrar, None);
        self.send(first);
        let challenge = self.expect_response(Duration::from_secs(5));
        assert_eq!(challenge.status, 401, "{challenge:?}");
        let www = challenge
            .headers
            .get(&HeaderName::WwwAuthenticate)
            .expect("WWW-Authenticate");
        let challenge = Challenge::parse(www).expect("digest challenge");
        let req = DigestRequest {
            method: "REGISTER",
            uri: registrar,
            body: b"",
        };
        let credentials = client_response(&challenge, &self.user, password, &req, "0a4f113b", 1);
        let second = self.register_request(registrar, Some(credentials.to_string()));
        self.send(second);
        let ok = self.expect_response(Duration::from_secs(5));
        assert_eq!(ok.status, 200, "{ok:?}");
    }

    /// 200 OK to an INVITE with an SDP answer (PCMU, telephone-event) at `rtp_port`.
    fn answer(&mut self, invite: &Request, rtp_port: u16) {
        let sdp = format!(
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
             m=audio {rtp_port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n\
             a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n"
        );
        let mut ok = Response::for_request(invite, 200);
        let to = invite.headers.get(&HeaderName::To).expect("To");
        ok.headers
            .set(HeaderName::To, format!("{to};tag=ws-answer-{}", self.user));
        ok.headers.push(
            HeaderName::Contact,
            format!("<sip:{}@{HOST};transport=ws>", self.user),
        );
        ok.headers.push(HeaderName::ContentType, "application/sdp");
        ok.body = Bytes::from(sdp);
        self.send(ok.encode());
    }
}

#[test]
fn an_agent_registered_over_websocket_is_rung_over_it_and_audio_flows() {
    let files = TestDir::new("agent-over-websocket");
    let ws_addr = SocketAddr::from(([127, 0, 0, 1], free_sip_port()));
    let config = files.demo_config_with(&format!("ws_listen = \"{ws_addr}\""));
    let sb = Switchboard::start_with_config("agent-over-websocket", &config);

    // Without the sip subprotocol the Upgrade is refused.
    let plain = TcpStream::connect(ws_addr).expect("connect");
    match tungstenite::client(upgrade_request(ws_addr, None), plain) {
        Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(response))) => {
            assert_eq!(response.status().as_u16(), 400)
        }
        Err(e) => panic!("refused, but not with an HTTP status: {e}"),
        Ok(_) => panic!("a WebSocket without Sec-WebSocket-Protocol: sip was accepted"),
    }

    let phone = WsPhone::connect(ws_addr, "1002");
    takes_a_call(sb, phone, ws_addr, "WS", "agent-over-websocket");
}

#[test]
fn an_agent_registered_over_secure_websocket_is_rung_over_it_and_audio_flows() {
    let files = TestDir::new("agent-over-wss");
    let (cert, key) = files.self_signed_cert();
    let wss_addr = SocketAddr::from(([127, 0, 0, 1], free_sip_port()));
    let config = files.demo_config_with(&format!(
        "wss_listen = \"{wss_addr}\"\ntls_cert = {:?}\ntls_key = {:?}",
        cert.to_string_lossy(),
        key.to_string_lossy()
    ));
    let sb = Switchboard::start_with_config("agent-over-wss", &config);
    let phone = WsPhone::connect_secure(wss_addr, "1002", &cert);
    takes_a_call(sb, phone, wss_addr, "WSS", "agent-over-wss");
}

/// Agent 1002 registers over `phone`'s WebSocket (to the switch's listener at `listener`); a
/// caller presses 2 (immigration); the phone is rung over its WebSocket (Via `SIP/2.0/{via}`),
/// answers, and audio flows both ways; the caller's BYE reaches the phone.
fn takes_a_call<S: Socket>(
    sb: Switchboard,
    mut phone: WsPhone<S>,
    listener: SocketAddr,
    via: &str,
    test: &str,
) {
    phone.register("pass1002");
    wait_until(Duration::from_secs(5), "the switch to log 1002 in", || {
        sb.log_text().contains("agent logged in agent=1002")
    });

    let mut agent_rtp = RtpPeer::bind();
    let markers = Markers::new(test);
    let mut caller = CallerPhone::dial(&sb, &markers, "caller.xml", Duration::from_secs(8));
    // 1002 has the green-card skill: immigration (2) reaches it.
    caller.press('2');

    let invite = phone.expect_request(Method::Invite, Duration::from_secs(10));
    let scheme = if S::IS_TLS { "sips" } else { "sip" };
    assert!(
        invite
            .uri
            .to_string()
            .starts_with(&format!("{scheme}:1002@{HOST}")),
        "the INVITE goes to the registered Contact: {}",
        invite.uri
    );
    let top_via = invite.headers.get(&HeaderName::Via).expect("Via");
    assert!(
        top_via.starts_with(&format!("SIP/2.0/{via} 127.0.0.1:{}", listener.port())),
        "the INVITE's Via names the transport and its listener: {top_via}"
    );
    assert!(
        String::from_utf8_lossy(&invite.body).contains("m=audio"),
        "the INVITE offers SDP"
    );
    phone.answer(&invite, agent_rtp.port);
    phone.expect_request(Method::Ack, Duration::from_secs(5));
    wait_until(Duration::from_secs(5), "the switch to bridge", || {
        sb.log_text().contains("agent answered; bridged")
    });

    // Audio both ways: the caller talks for 2 s; the agent answers once it hears the caller.
    let caller_ssrc = caller.rtp.ssrc();
    let to_switch = caller.switch_leg;
    let talker = std::thread::spawn(move || {
        caller.rtp.send_audio(to_switch, 100);
        caller
    });
    let agent_leg = agent_rtp.wait_packets(20, Duration::from_secs(10));
    agent_rtp.send_audio(agent_leg, 50);
    let caller = talker.join().expect("caller audio");
    std::thread::sleep(Duration::from_millis(200));
    let heard_by_agent = agent_rtp.count_from(caller_ssrc);
    let heard_by_caller = caller.rtp.count_from(agent_rtp.ssrc());
    assert!(
        heard_by_agent >= 80,
        "the agent's RTP endpoint heard {heard_by_agent} of the caller's 100 packets"
    );
    assert!(
        heard_by_caller >= 40,
        "the caller heard {heard_by_caller} of the agent's 50 packets"
    );

    // The caller hangs up after its pause; the BYE comes over the WebSocket.
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    let bye = phone.expect_request(Method::Bye, Duration::from_secs(10));
    phone.send(Response::for_request(&bye, 200).encode());
    wait_until(Duration::from_secs(5), "the switch to end the call", || {
        sb.log_text().contains("call ends")
    });
    assert!(sb.stop().success());
}
