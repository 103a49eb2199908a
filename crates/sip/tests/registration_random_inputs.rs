//! Whatever responses, timeouts, unregisters and clock jumps reach a registration, it never
//! panics, never has more than one REGISTER outstanding, never asks to be woken in the past, and
//! never sends in a tight loop, even against a carrier that answers at random.

mod registrar_support;
mod registration_support;

use std::time::{Duration, Instant};

use proptest::prelude::*;
use registrar_support::REALM;
use registration_support::*;
use sip::auth::Algorithm;
use sip::registrar::RegistrarConfig;
use sip::registration::{MAX_IMMEDIATE_RESENDS, RESPONSE_GUARD, Registration, RegistrationState};
use sip::{HeaderName, Message, Request, Response};

const STATUSES: [u16; 16] = [
    100, 180, 200, 202, 302, 401, 401, 403, 404, 407, 423, 480, 500, 503, 600, 603,
];

#[derive(Debug, Clone)]
enum Op {
    /// The driver asks for requests.
    Poll,
    /// A response to the outstanding request (or, with `foreign`, to another CSeq).
    Respond {
        status: u16,
        /// Challenge: algorithm index (0 MD5, 1 SHA-256, 2 unsupported), nonce index, stale.
        challenge: Option<(usize, usize, bool)>,
        header: Option<u32>,
        contact_expires: Option<u32>,
        foreign: bool,
    },
    /// The outstanding transaction timed out.
    Timeout,
    /// The clock moves on by this many milliseconds.
    Wait(u64),
    Unregister,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Poll),
        6 => (
            prop::sample::select(STATUSES.to_vec()),
            proptest::option::of((0..3usize, 0..3usize, any::<bool>())),
            proptest::option::of(prop_oneof![Just(0u32), 0..5000u32, Just(u32::MAX)]),
            proptest::option::of(0..4000u32),
            prop::bool::weighted(0.1),
        )
            .prop_map(|(status, challenge, header, contact_expires, foreign)| {
                Op::Respond {
                    status,
                    challenge,
                    header,
                    contact_expires,
                    foreign,
                }
            }),
        2 => Just(Op::Timeout),
        4 => (0..4_000_000u64).prop_map(Op::Wait),
        1 => Just(Op::Unregister),
    ]
}

fn response(req: &Request, op: &Op) -> Option<Response> {
    let Op::Respond {
        status,
        challenge: ch,
        header,
        contact_expires,
        foreign,
    } = op
    else {
        return None;
    };
    let mut r = Response::for_request(req, *status);
    if *foreign {
        let seq = req.cseq().ok()?.seq.wrapping_add(7);
        r.headers.set(HeaderName::CSeq, format!("{seq} REGISTER"));
    }
    if let Some((alg, nonce, stale)) = ch {
        let name = if *status == 407 {
            HeaderName::ProxyAuthenticate
        } else {
            HeaderName::WwwAuthenticate
        };
        let value = match alg {
            0 => challenge(Algorithm::Md5, &format!("n{nonce}"), *stale),
            1 => challenge(Algorithm::Sha256, &format!("n{nonce}"), *stale),
            _ => format!("Digest realm=\"r\", nonce=\"n{nonce}\", algorithm=AKAv1-MD5"),
        };
        r.headers.push(name, value);
    }
    if let Some(h) = header {
        let name = match status {
            423 => HeaderName::MinExpires,
            503 => HeaderName::Other("Retry-After".into()),
            _ => HeaderName::Expires,
        };
        r.headers.push(name, h.to_string());
    }
    if let Some(e) = contact_expires {
        r.headers.push(
            HeaderName::Contact,
            format!("<sip:1001@{OUR_ADDR}>;expires={e}"),
        );
    }
    // Through the wire, as the transaction layer would deliver it.
    match Message::parse(r.encode()) {
        Ok(Message::Response(r)) => Some(r),
        _ => None,
    }
}

struct Driver {
    reg: Registration,
    now: Instant,
    outstanding: Option<(Request, Instant)>,
    last_cseq: u32,
}

impl Driver {
    fn poll(&mut self) -> Result<(), TestCaseError> {
        while let Some(req) = self.reg.poll_request(self.now) {
            if let Some((_, at)) = &self.outstanding {
                prop_assert!(
                    self.now - *at >= RESPONSE_GUARD,
                    "a second request while one is outstanding"
                );
            }
            let parsed = match Message::parse(req.encode()) {
                Ok(Message::Request(r)) => r,
                other => return Err(TestCaseError::fail(format!("{other:?}"))),
            };
            prop_assert_eq!(parsed.call_id(), Ok(CALL_ID));
            let cseq = parsed
                .cseq()
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(cseq.seq > self.last_cseq);
            self.last_cseq = cseq.seq;
            let expires = parsed.expires().ok().flatten();
            let unregistering = self.reg.state() == RegistrationState::Unregistering;
            prop_assert_eq!(expires == Some(0), unregistering);
            self.outstanding = Some((parsed, self.now));
        }
        Ok(())
    }

    fn check_deadline(&self) -> Result<(), TestCaseError> {
        if let Some(t) = self.reg.poll_timeout() {
            prop_assert!(
                t > self.now,
                "woken in the past after all due work was done"
            );
        }
        if self.reg.state() == RegistrationState::Unregistered {
            prop_assert_eq!(self.reg.poll_timeout(), None);
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_input_sequence_keeps_one_request_at_a_time(ops in prop::collection::vec(op(), 1..80)) {
        let start = Instant::now();
        let mut d = Driver {
            reg: Registration::new(config("pass1001", 600), start),
            now: start,
            outstanding: None,
            last_cseq: 0,
        };
        for op in &ops {
            match op {
                Op::Poll => d.poll()?,
                Op::Respond { status, foreign, .. } => {
                    let Some((req, _)) = d.outstanding.clone() else { continue };
                    if let Some(resp) = response(&req, op) {
                        d.reg.handle_response(&resp, d.now);
                        if *status >= 200 && !foreign {
                            d.outstanding = None;
                        }
                    }
                }
                Op::Timeout => {
                    d.reg.handle_transaction_timeout(d.now);
                    d.outstanding = None;
                }
                Op::Wait(ms) => {
                    d.now += Duration::from_millis(*ms);
                    d.reg.handle_timeout(d.now);
                    d.poll()?;
                    d.check_deadline()?;
                }
                Op::Unregister => d.reg.unregister(d.now),
            }
            if d.reg.state() == RegistrationState::Unregistered {
                prop_assert!(d.reg.poll_request(d.now).is_none());
            }
        }
    }

    #[test]
    fn a_random_carrier_never_gets_a_flood(choices in prop::collection::vec(0..12u8, 64), seed in any::<u64>()) {
        let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
        let mut rng = fastrand_like(seed);
        sim.carrier.rule = Some(Box::new(move |_, seen| {
            let pick = choices[(seen as usize) % choices.len()];
            let n = rng();
            let www = |stale| vec![(HeaderName::WwwAuthenticate, challenge(Algorithm::Md5, &format!("x{n}"), stale))];
            Some(match pick {
                0 => Answer::Registrar,
                1 => Answer::Status(401, www(false)),
                2 => Answer::Status(401, www(true)),
                3 => Answer::Status(407, vec![(HeaderName::ProxyAuthenticate, challenge(Algorithm::Sha256, &format!("p{n}"), false))]),
                4 => Answer::Status(423, vec![(HeaderName::MinExpires, (n % 2000).to_string())]),
                5 => Answer::Status(500, vec![]),
                6 => Answer::Status(503, vec![(HeaderName::Other("Retry-After".into()), (n % 200).to_string())]),
                7 => Answer::Status(200, vec![(HeaderName::Expires, (n % 700).to_string())]),
                8 => Answer::Drop,
                9 => Answer::Status(403, vec![]),
                10 => Answer::Status(200, vec![]),
                _ => Answer::Registrar,
            })
        }));
        sim.run_until(3600);
        let burst = 1 + MAX_IMMEDIATE_RESENDS as usize;
        for (i, s) in sim.sent.iter().enumerate() {
            let window = sim.sent[i..].iter().take_while(|t| t.at - s.at < Duration::from_secs(20)).count();
            prop_assert!(window <= burst, "{} requests within 20 s of {:?}", window, s.at);
        }
        prop_assert!(sim.sent.len() <= 3600 / 20 * burst);
    }
}

/// A small deterministic generator for the carrier's random numbers.
fn fastrand_like(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed | 1;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % 1_000_000
    }
}
