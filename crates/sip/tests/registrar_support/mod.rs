//! A scripted phone and message builders shared by the registrar tests.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use sip::auth::{Challenge, DigestRequest, client_response};
use sip::registrar::{Account, RegisterOutcome, Registrar, RegistrarConfig};
use sip::transport::{Peer, Transport};
use sip::{HeaderName, Message, Request, Response};

pub const REALM: &str = "switchboard.example";
pub const UNIX0: u64 = 1_780_000_000;

/// A registrar with the demo accounts 1001 and 1002 and a fixed nonce key.
pub fn registrar() -> Registrar {
    registrar_with(RegistrarConfig::new(REALM))
}

pub fn registrar_with(config: RegistrarConfig) -> Registrar {
    let mut r = Registrar::with_nonce_key(config, [42; 32]);
    r.add_account(Account::from_password("1001", REALM, "pass1001"));
    r.add_account(Account::from_password("1002", REALM, "pass1002"));
    r
}

pub fn peer(addr: &str) -> Peer {
    Peer::new(Transport::Udp, addr.parse().expect("socket address"))
}

/// A clock: a fixed start Instant and the unix time it stands for.
#[derive(Clone, Copy)]
pub struct Clock {
    pub start: Instant,
    pub secs: u64,
}

impl Clock {
    pub fn new() -> Clock {
        Clock {
            start: Instant::now(),
            secs: 0,
        }
    }
    pub fn now(&self) -> Instant {
        self.start + Duration::from_secs(self.secs)
    }
    pub fn unix(&self) -> u64 {
        UNIX0 + self.secs
    }
    pub fn advance(&mut self, secs: u64) {
        self.secs += secs;
    }
}

pub fn parse_request(text: &str) -> Request {
    match Message::parse(Bytes::from(text.replace('\n', "\r\n"))) {
        Ok(Message::Request(r)) => r,
        other => panic!("not a request: {other:?}"),
    }
}

/// A phone registering as `user`: keeps its Call-ID, CSeq and the last challenge, like a real
/// one does between registrations.
pub struct Phone {
    pub user: String,
    pub password: String,
    pub call_id: String,
    pub cseq: u32,
    pub source: Peer,
    pub nc: u32,
    pub challenge: Option<Challenge>,
    /// Prefer MD5 even when SHA-256 is offered (an old phone).
    pub md5_only: bool,
    pub forced_algorithm: Option<sip::auth::Algorithm>,
}

impl Phone {
    pub fn new(user: &str, password: &str) -> Phone {
        Phone {
            user: user.into(),
            password: password.into(),
            call_id: format!("reg-{user}@192.0.2.10"),
            cseq: 0,
            source: peer("192.0.2.10:5060"),
            nc: 0,
            challenge: None,
            md5_only: false,
            forced_algorithm: None,
        }
    }

    /// A REGISTER with the next CSeq, the given Contact values and Expires header.
    pub fn request(&mut self, contacts: &[&str], expires: Option<u32>) -> Request {
        self.cseq += 1;
        let mut text = format!(
            "REGISTER sip:{REALM} SIP/2.0\n\
             Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-{cseq}-{user}\n\
             Max-Forwards: 70\n\
             From: <sip:{user}@{REALM}>;tag=ph{user}\n\
             To: <sip:{user}@{REALM}>\n\
             Call-ID: {call_id}\n\
             CSeq: {cseq} REGISTER\n",
            cseq = self.cseq,
            user = self.user,
            call_id = self.call_id,
        );
        for c in contacts {
            text.push_str(&format!("Contact: {c}\n"));
        }
        if let Some(e) = expires {
            text.push_str(&format!("Expires: {e}\n"));
        }
        text.push_str("Content-Length: 0\n\n");
        parse_request(&text)
    }

    /// Adds credentials for the last challenge, with the next nonce count.
    pub fn authorize(&mut self, req: &mut Request) {
        let Some(ch) = &self.challenge else { return };
        self.nc += 1;
        let uri = req.uri.to_string();
        let d = DigestRequest {
            method: "REGISTER",
            uri: &uri,
            body: b"",
        };
        let creds = client_response(ch, &self.user, &self.password, &d, "0a4f113b", self.nc);
        req.headers
            .push(HeaderName::Authorization, creds.to_string());
    }

    /// Answers every challenge with `alg`, whatever it offered (a misbehaving client).
    pub fn force_algorithm(&mut self, alg: sip::auth::Algorithm) {
        self.forced_algorithm = Some(alg);
    }

    /// Takes the challenge of a 401: the first one whose algorithm we take.
    pub fn learn(&mut self, resp: &Response) {
        let challenges: Vec<Challenge> = resp
            .headers
            .get_all(&HeaderName::WwwAuthenticate)
            .filter_map(|v| Challenge::parse(v).ok())
            .collect();
        let pick = if self.md5_only {
            challenges
                .into_iter()
                .find(|c| c.algorithm == sip::auth::Algorithm::Md5)
        } else {
            challenges.into_iter().next()
        };
        let pick = pick.map(|mut c| {
            if let Some(alg) = self.forced_algorithm {
                c.algorithm = alg;
            }
            c
        });
        if pick.is_some() {
            self.challenge = pick;
            self.nc = 0;
        }
    }

    /// Registers like a phone: sends with the credentials it has, and on 401 learns the
    /// challenge and sends once more.
    pub fn register(
        &mut self,
        reg: &mut Registrar,
        contacts: &[&str],
        expires: Option<u32>,
        clock: &Clock,
    ) -> RegisterOutcome {
        let mut req = self.request(contacts, expires);
        self.authorize(&mut req);
        let out = reg.handle_register(&req, self.source, clock.now(), clock.unix());
        if out.response.status != 401 {
            return out;
        }
        self.learn(&out.response);
        let mut req = self.request(contacts, expires);
        self.authorize(&mut req);
        reg.handle_register(&req, self.source, clock.now(), clock.unix())
    }
}

/// The Contact values of a response.
pub fn contacts(resp: &Response) -> Vec<String> {
    resp.headers
        .get_all(&HeaderName::Contact)
        .map(str::to_owned)
        .collect()
}
