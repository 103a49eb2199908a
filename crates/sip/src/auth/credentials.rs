//! Typed views of the two digest headers: [`Challenge`] (`WWW-Authenticate` /
//! `Proxy-Authenticate`, RFC 7616 §3.3, RFC 3261 §22.1) and [`Credentials`] (`Authorization` /
//! `Proxy-Authorization`, RFC 7616 §3.4, RFC 3261 §22.2), each parsed from and printed to the raw
//! header value, plus [`client_response`] for answering a challenge ourselves.

use std::fmt;

use super::digest::{self, Algorithm, DigestRequest, Qop, QopParams};
use super::params::{DigestParams, Quoted};
use crate::Error;

/// A digest challenge, printed as a `WWW-Authenticate`/`Proxy-Authenticate` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub algorithm: Algorithm,
    /// The protections offered; empty means the RFC 2069 form without `qop`.
    pub qop: Vec<Qop>,
    /// The credentials were right but the nonce too old: answer again without asking anyone.
    pub stale: bool,
    pub opaque: Option<String>,
}

impl Challenge {
    /// Parses a challenge value. Unknown directives (`domain`, `charset`, ...) and unknown qop
    /// tokens are skipped; an unsupported algorithm is an error so that a client can move on to
    /// the next challenge of the response.
    pub fn parse(value: &str) -> Result<Challenge, Error> {
        let p = DigestParams::parse(value)?;
        let algorithm = p
            .get("algorithm")
            .map_or(Ok(Algorithm::Md5), Algorithm::parse)?;
        let qop = p
            .get("qop")
            .map(|list| list.split(',').filter_map(Qop::parse).collect())
            .unwrap_or_default();
        Ok(Challenge {
            realm: p.required("realm")?.to_owned(),
            nonce: p.required("nonce")?.to_owned(),
            algorithm,
            qop,
            stale: p
                .get("stale")
                .is_some_and(|s| s.eq_ignore_ascii_case("true")),
            opaque: p.get("opaque").map(str::to_owned),
        })
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Digest realm={}, nonce={}",
            Quoted(&self.realm),
            Quoted(&self.nonce)
        )?;
        if let Some(opaque) = &self.opaque {
            write!(f, ", opaque={}", Quoted(opaque))?;
        }
        write!(f, ", algorithm={}", self.algorithm)?;
        if !self.qop.is_empty() {
            let list: Vec<&str> = self.qop.iter().map(|q| q.as_str()).collect();
            write!(f, ", qop={}", Quoted(&list.join(",")))?;
        }
        if self.stale {
            f.write_str(", stale=true")?;
        }
        Ok(())
    }
}

/// Digest credentials, parsed from or printed to an `Authorization`/`Proxy-Authorization` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    /// The `uri` directive: must name the Request-URI (RFC 7616 §3.4.6).
    pub uri: String,
    /// The client's digest, lowercase hex as sent.
    pub response: String,
    /// `MD5` when absent (RFC 7616 §3.3).
    pub algorithm: Algorithm,
    pub cnonce: Option<String>,
    /// The nonce count, sent as 8 hex digits.
    pub nc: Option<u32>,
    pub qop: Option<Qop>,
    pub opaque: Option<String>,
}

impl Credentials {
    /// Parses credentials. With `qop` both `cnonce` and `nc` are required (RFC 7616 §3.4);
    /// `userhash=true` is refused because we keep no hashed user names to look it up by.
    pub fn parse(value: &str) -> Result<Credentials, Error> {
        let p = DigestParams::parse(value)?;
        let algorithm = p
            .get("algorithm")
            .map_or(Ok(Algorithm::Md5), Algorithm::parse)?;
        let qop = match p.get("qop") {
            Some(q) => Some(Qop::parse(q).ok_or_else(|| Error::DigestUnsupportedQop(q.into()))?),
            None => None,
        };
        let nc = match p.get("nc") {
            Some(nc) => Some(parse_nc(nc)?),
            None => None,
        };
        let cnonce = p.get("cnonce").map(str::to_owned);
        if qop.is_some() && cnonce.is_none() {
            return Err(Error::DigestMissingParam("cnonce"));
        }
        if qop.is_some() && nc.is_none() {
            return Err(Error::DigestMissingParam("nc"));
        }
        // RFC 7616 §3.4.2 derives the session HA1 from the cnonce, which only travels with qop.
        if algorithm.is_sess() && qop.is_none() {
            return Err(Error::DigestMissingParam("qop"));
        }
        if p.get("userhash")
            .is_some_and(|u| u.eq_ignore_ascii_case("true"))
        {
            return Err(Error::DigestUserHashUnsupported);
        }
        Ok(Credentials {
            username: p.required("username")?.to_owned(),
            realm: p.required("realm")?.to_owned(),
            nonce: p.required("nonce")?.to_owned(),
            uri: p.required("uri")?.to_owned(),
            response: p.required("response")?.to_owned(),
            algorithm,
            cnonce,
            nc,
            qop,
            opaque: p.get("opaque").map(str::to_owned),
        })
    }

    /// The `qop`, `cnonce` and `nc` directives together, when the credentials use `qop`.
    fn qop_params(&self) -> Option<QopParams<'_>> {
        match (self.qop, &self.cnonce, self.nc) {
            (Some(qop), Some(cnonce), Some(nc)) => Some(QopParams { qop, cnonce, nc }),
            _ => None,
        }
    }

    /// The digest these credentials should carry for the stored `ha1` of their algorithm's base.
    pub fn expected_response(&self, ha1: &str, method: &str, body: &[u8]) -> String {
        let req = DigestRequest {
            method,
            uri: &self.uri,
            body,
        };
        digest::response(self.algorithm, ha1, &self.nonce, self.qop_params(), &req)
    }

    /// Whether the `response` directive is right for `ha1`, compared in constant time.
    pub fn verify(&self, ha1: &str, method: &str, body: &[u8]) -> bool {
        digest::digests_equal(&self.expected_response(ha1, method, body), &self.response)
    }
}

fn parse_nc(nc: &str) -> Result<u32, Error> {
    // RFC 7616: exactly 8 hex digits. Accept 1..=8 so a sloppy client still parses, never more.
    if nc.is_empty() || nc.len() > 8 || !nc.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::DigestBadNonceCount);
    }
    u32::from_str_radix(nc, 16).map_err(|_| Error::DigestBadNonceCount)
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Digest username={}, realm={}, nonce={}, uri={}, response={}, algorithm={}",
            Quoted(&self.username),
            Quoted(&self.realm),
            Quoted(&self.nonce),
            Quoted(&self.uri),
            Quoted(&self.response),
            self.algorithm
        )?;
        if let Some(cnonce) = &self.cnonce {
            write!(f, ", cnonce={}", Quoted(cnonce))?;
        }
        if let Some(opaque) = &self.opaque {
            write!(f, ", opaque={}", Quoted(opaque))?;
        }
        if let Some(qop) = self.qop {
            write!(f, ", qop={qop}")?;
        }
        if let Some(nc) = self.nc {
            write!(f, ", nc={nc:08x}")?;
        }
        Ok(())
    }
}

/// Answers `challenge` as a client would: picks `auth` when offered (else `auth-int`, else the
/// RFC 2069 form) and computes the credentials for `req` with `cnonce` and nonce count `nc`.
/// Used by the tests and by outbound trunk registration.
pub fn client_response(
    challenge: &Challenge,
    username: &str,
    password: &str,
    req: &DigestRequest<'_>,
    cnonce: &str,
    nc: u32,
) -> Credentials {
    let qop = if challenge.qop.contains(&Qop::Auth) {
        Some(Qop::Auth)
    } else {
        challenge.qop.first().copied()
    };
    let ha1 = digest::ha1(challenge.algorithm, username, &challenge.realm, password);
    let mut credentials = Credentials {
        username: username.to_owned(),
        realm: challenge.realm.clone(),
        nonce: challenge.nonce.clone(),
        uri: req.uri.to_owned(),
        response: String::new(),
        algorithm: challenge.algorithm,
        cnonce: qop.map(|_| cnonce.to_owned()),
        nc: qop.map(|_| nc),
        qop,
        opaque: challenge.opaque.clone(),
    };
    credentials.response = credentials.expected_response(&ha1, req.method, req.body);
    credentials
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The RFC 7616 §3.9.1 SHA-256 Authorization header.
    const RFC7616_SHA256: &str = r#"Digest username="Mufasa",
       realm="http-auth@example.org",
       uri="/dir/index.html",
       algorithm=SHA-256,
       nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
       nc=00000001,
       cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
       qop=auth,
       response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
       opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;

    #[test]
    fn parses_and_verifies_the_rfc7616_sha256_example() {
        let c = Credentials::parse(RFC7616_SHA256).expect("RFC example parses");
        assert_eq!(c.username, "Mufasa");
        assert_eq!(c.algorithm, Algorithm::Sha256);
        assert_eq!(c.nc, Some(1));
        assert_eq!(c.qop, Some(Qop::Auth));
        let ha1 = digest::ha1(
            Algorithm::Sha256,
            "Mufasa",
            "http-auth@example.org",
            "Circle of Life",
        );
        assert!(c.verify(&ha1, "GET", b""));
        assert!(!c.verify(&ha1, "POST", b""));
        let wrong = digest::ha1(
            Algorithm::Sha256,
            "Mufasa",
            "http-auth@example.org",
            "circle of life",
        );
        assert!(!c.verify(&wrong, "GET", b""));
    }

    #[test]
    fn a_typical_phone_header_parses() {
        let c = Credentials::parse(
            "Digest username=\"1001\",realm=\"switchboard\",nonce=\"abc\",uri=\"sip:10.0.0.1\",\
             response=\"0123\",cnonce=\"xyz\",nc=0000000a,qop=auth,algorithm=MD5",
        )
        .expect("phone header parses");
        assert_eq!(
            (c.nc, c.algorithm, c.opaque),
            (Some(10), Algorithm::Md5, None)
        );
    }

    #[test]
    fn missing_and_malformed_directives_are_typed_errors() {
        let base = "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"x\"";
        assert!(Credentials::parse(base).is_ok());
        assert_eq!(
            Credentials::parse("Digest realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\""),
            Err(Error::DigestMissingParam("username"))
        );
        assert_eq!(
            Credentials::parse(&format!("{base}, qop=auth, nc=00000001")),
            Err(Error::DigestMissingParam("cnonce"))
        );
        assert_eq!(
            Credentials::parse(&format!("{base}, qop=auth, cnonce=\"c\", nc=0x01")),
            Err(Error::DigestBadNonceCount)
        );
        assert_eq!(
            Credentials::parse(&format!("{base}, qop=auth, cnonce=\"c\", nc=123456789")),
            Err(Error::DigestBadNonceCount)
        );
        assert_eq!(
            Credentials::parse(&format!("{base}, qop=auth-conf, cnonce=\"c\", nc=1")),
            Err(Error::DigestUnsupportedQop("auth-conf".into()))
        );
        assert_eq!(
            Credentials::parse(&format!("{base}, userhash=true")),
            Err(Error::DigestUserHashUnsupported)
        );
        assert_eq!(
            Credentials::parse(&format!("{base}, algorithm=MD5-sess")),
            Err(Error::DigestMissingParam("qop"))
        );
    }

    #[test]
    fn challenge_prints_as_a_www_authenticate_value() {
        let c = Challenge {
            realm: "switchboard".into(),
            nonce: "n1".into(),
            algorithm: Algorithm::Sha256,
            qop: vec![Qop::Auth],
            stale: true,
            opaque: None,
        };
        assert_eq!(
            c.to_string(),
            "Digest realm=\"switchboard\", nonce=\"n1\", algorithm=SHA-256, qop=\"auth\", stale=true"
        );
        assert_eq!(Challenge::parse(&c.to_string()), Ok(c));
    }

    #[test]
    fn challenge_parse_skips_unknown_qops_and_defaults_to_md5() {
        let c = Challenge::parse(
            "Digest realm=\"r\", domain=\"sip:r\", nonce=\"n\", qop=\"auth-int, auth, x\"",
        )
        .expect("challenge parses");
        assert_eq!(c.algorithm, Algorithm::Md5);
        assert_eq!(c.qop, vec![Qop::AuthInt, Qop::Auth]);
        assert!(!c.stale);
    }

    #[test]
    fn client_response_is_accepted_by_verify_for_every_algorithm_and_qop() {
        let algs = [
            Algorithm::Md5,
            Algorithm::Md5Sess,
            Algorithm::Sha256,
            Algorithm::Sha256Sess,
        ];
        let qops = [vec![], vec![Qop::Auth], vec![Qop::AuthInt]];
        for alg in algs {
            for qop in &qops {
                if alg.is_sess() && qop.is_empty() {
                    continue; // refused by parse: the session HA1 needs qop's cnonce
                }
                let ch = Challenge {
                    realm: "r".into(),
                    nonce: "n".into(),
                    algorithm: alg,
                    qop: qop.clone(),
                    stale: false,
                    opaque: Some("o".into()),
                };
                let req = DigestRequest {
                    method: "INVITE",
                    uri: "sip:100@r",
                    body: b"v=0",
                };
                let c = client_response(&ch, "u", "p", &req, "cn", 7);
                let parsed = Credentials::parse(&c.to_string()).expect("own output parses");
                assert_eq!(parsed, c);
                let ha1 = digest::ha1(alg, "u", "r", "p");
                assert!(parsed.verify(&ha1, "INVITE", b"v=0"), "{alg} {qop:?}");
                let tampered = qop.contains(&Qop::AuthInt);
                assert_eq!(
                    parsed.verify(&ha1, "INVITE", b"v=1"),
                    !tampered,
                    "{alg} {qop:?}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn credentials_round_trip(
            username in "[ -~]{1,20}",
            realm in "[ -~]{0,20}",
            nonce in "[!-~]{1,40}",
            nc in proptest::option::of(any::<u32>()),
            sha in any::<bool>(),
        ) {
            let c = Credentials {
                username,
                realm,
                nonce,
                uri: "sip:example.com".into(),
                response: "00ff".into(),
                algorithm: if sha { Algorithm::Sha256 } else { Algorithm::Md5 },
                cnonce: nc.map(|_| "c\"n".to_owned()),
                nc,
                qop: nc.map(|_| Qop::Auth),
                opaque: Some("\\o".into()),
            };
            prop_assert_eq!(Credentials::parse(&c.to_string()), Ok(c));
        }
    }
}
