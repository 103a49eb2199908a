//! The digest computation itself: RFC 7616 §3.4.1–§3.4.3 (HA1, HA2, `response`), with MD5 and
//! SHA-256 as RFC 8760 brings them to SIP, and the RFC 2069 form without `qop` that RFC 3261
//! §22.4 still allows.

use std::fmt;
use std::fmt::Write as _;

use md5::Md5;
use sha2::Sha256;

use crate::Error;

/// A digest algorithm token (RFC 7616 §3.3, RFC 8760 §2). The `-sess` variants derive a
/// per-session HA1 from the stored one, the nonce and the client nonce (§3.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Md5,
    Md5Sess,
    Sha256,
    Sha256Sess,
}

impl Algorithm {
    /// The token as written in challenges and credentials.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    /// Parses an algorithm token, any case. Other algorithms (SHA-512-256, AKAv1-MD5, ...) are
    /// refused with [`Error::DigestUnsupportedAlgorithm`] so the peer can pick another challenge.
    pub fn parse(token: &str) -> Result<Algorithm, Error> {
        let t = token.trim();
        [
            Algorithm::Md5,
            Algorithm::Md5Sess,
            Algorithm::Sha256,
            Algorithm::Sha256Sess,
        ]
        .into_iter()
        .find(|a| a.as_str().eq_ignore_ascii_case(t))
        .ok_or_else(|| Error::DigestUnsupportedAlgorithm(t.to_owned()))
    }

    /// Whether HA1 is re-derived per nonce/cnonce (RFC 7616 §3.4.2).
    pub fn is_sess(self) -> bool {
        matches!(self, Algorithm::Md5Sess | Algorithm::Sha256Sess)
    }

    /// The plain algorithm whose stored HA1 this one starts from.
    pub fn base(self) -> Algorithm {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => Algorithm::Md5,
            Algorithm::Sha256 | Algorithm::Sha256Sess => Algorithm::Sha256,
        }
    }

    /// `H(p1 ":" p2 ":" ...)` as lowercase hex.
    fn hash(self, parts: &[&[u8]]) -> String {
        match self.base() {
            Algorithm::Sha256 => hex(&hash_joined::<Sha256>(parts)),
            _ => hex(&hash_joined::<Md5>(parts)),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn hash_joined<D: sha2::Digest>(parts: &[&[u8]]) -> Vec<u8> {
    let mut d = D::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            d.update(b":");
        }
        d.update(part);
    }
    d.finalize().to_vec()
}

/// Lowercase hex of `bytes` (the `LHEX` of RFC 7616).
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Quality of protection (RFC 7616 §3.3): `auth` covers method and URI, `auth-int` the body too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Qop {
    Auth,
    AuthInt,
}

impl Qop {
    /// The token as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Qop::Auth => "auth",
            Qop::AuthInt => "auth-int",
        }
    }

    /// Parses a qop token, any case.
    pub fn parse(token: &str) -> Option<Qop> {
        let t = token.trim();
        [Qop::Auth, Qop::AuthInt]
            .into_iter()
            .find(|q| q.as_str().eq_ignore_ascii_case(t))
    }
}

impl fmt::Display for Qop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `HA1 = H(username ":" realm ":" password)` (RFC 7616 §3.4.2) as lowercase hex: what the
/// registrar stores instead of the password. For a `-sess` algorithm this is the stored base
/// value; the per-session derivation happens in [`response`].
pub fn ha1(alg: Algorithm, user: &str, realm: &str, password: &str) -> String {
    alg.base()
        .hash(&[user.as_bytes(), realm.as_bytes(), password.as_bytes()])
}

/// The request side of a digest: the method, the `uri` directive and (for `auth-int`) the body.
#[derive(Debug, Clone, Copy)]
pub struct DigestRequest<'a> {
    pub method: &'a str,
    pub uri: &'a str,
    pub body: &'a [u8],
}

/// The `qop` part of a digest: the protection, the client nonce and the nonce count.
#[derive(Debug, Clone, Copy)]
pub struct QopParams<'a> {
    pub qop: Qop,
    pub cnonce: &'a str,
    pub nc: u32,
}

/// The `response` directive (RFC 7616 §3.4.1) for a stored `ha1` (as from [`ha1`]).
///
/// With `qop`: `H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)`; without it (RFC 2069, still
/// legal in RFC 3261): `H(HA1 ":" nonce ":" HA2)`. A `-sess` algorithm without a client nonce
/// uses an empty one, which can never match a correct client and so fails closed.
pub fn response(
    alg: Algorithm,
    ha1: &str,
    nonce: &str,
    qop: Option<QopParams<'_>>,
    req: &DigestRequest<'_>,
) -> String {
    let ha1 = if alg.is_sess() {
        let cnonce = qop.map_or("", |q| q.cnonce);
        alg.hash(&[ha1.as_bytes(), nonce.as_bytes(), cnonce.as_bytes()])
    } else {
        ha1.to_owned()
    };
    let ha2 = match qop {
        Some(QopParams {
            qop: Qop::AuthInt, ..
        }) => {
            let body = alg.hash(&[req.body]);
            alg.hash(&[req.method.as_bytes(), req.uri.as_bytes(), body.as_bytes()])
        }
        _ => alg.hash(&[req.method.as_bytes(), req.uri.as_bytes()]),
    };
    match qop {
        Some(q) => {
            let nc = format!("{:08x}", q.nc);
            alg.hash(&[
                ha1.as_bytes(),
                nonce.as_bytes(),
                nc.as_bytes(),
                q.cnonce.as_bytes(),
                q.qop.as_str().as_bytes(),
                ha2.as_bytes(),
            ])
        }
        None => alg.hash(&[ha1.as_bytes(), nonce.as_bytes(), ha2.as_bytes()]),
    }
}

/// Compares two digests without an early exit, so the time taken says nothing about how many
/// leading characters of a guess were right. Hex case is folded first: RFC 7616 asks for
/// lowercase, some clients send uppercase.
pub fn digests_equal(expected: &str, received: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    let received = received.to_ascii_lowercase();
    bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest as _;

    /// RFC 7616 §3.9.1: the same request answered with MD5 and with SHA-256.
    const RFC7616_NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

    fn rfc7616(alg: Algorithm) -> String {
        let ha1 = ha1(alg, "Mufasa", "http-auth@example.org", "Circle of Life");
        let qop = QopParams {
            qop: Qop::Auth,
            cnonce: RFC7616_CNONCE,
            nc: 1,
        };
        let req = DigestRequest {
            method: "GET",
            uri: "/dir/index.html",
            body: b"",
        };
        response(alg, &ha1, RFC7616_NONCE, Some(qop), &req)
    }

    #[test]
    fn rfc7616_md5_vector() {
        assert_eq!(rfc7616(Algorithm::Md5), "8ca523f5e9506fed4657c9700eebdbec");
    }

    #[test]
    fn rfc7616_sha256_vector() {
        assert_eq!(
            rfc7616(Algorithm::Sha256),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    /// RFC 2617 §3.5, the classic MD5 example.
    #[test]
    fn rfc2617_md5_vector() {
        let ha1 = ha1(
            Algorithm::Md5,
            "Mufasa",
            "testrealm@host.com",
            "Circle Of Life",
        );
        let qop = QopParams {
            qop: Qop::Auth,
            cnonce: "0a4f113b",
            nc: 1,
        };
        let req = DigestRequest {
            method: "GET",
            uri: "/dir/index.html",
            body: b"",
        };
        let r = response(
            Algorithm::Md5,
            &ha1,
            "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            Some(qop),
            &req,
        );
        assert_eq!(r, "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn ha1_is_the_hash_of_user_realm_password() {
        // md5("1001:switchboard:pass1001") and sha256 of the same, computed independently.
        assert_eq!(
            hex(&hash_joined::<Md5>(&[b"a", b"b"])),
            hex(&Md5::digest(b"a:b"))
        );
        assert_eq!(
            ha1(Algorithm::Sha256, "1001", "switchboard", "pass1001"),
            hex(&Sha256::digest(b"1001:switchboard:pass1001"))
        );
        assert_eq!(
            ha1(Algorithm::Md5Sess, "u", "r", "p"),
            ha1(Algorithm::Md5, "u", "r", "p")
        );
    }

    #[test]
    fn sess_and_auth_int_follow_the_rfc_formulas() {
        let base = ha1(Algorithm::Sha256, "u", "r", "p");
        let req = DigestRequest {
            method: "REGISTER",
            uri: "sip:r",
            body: b"body",
        };
        let qop = QopParams {
            qop: Qop::AuthInt,
            cnonce: "c",
            nc: 0x1f,
        };
        let h = |s: &str| hex(&Sha256::digest(s.as_bytes()));
        let sess = h(&format!("{base}:n:c"));
        let ha2 = h(&format!("REGISTER:sip:r:{}", h("body")));
        let expected = h(&format!("{sess}:n:0000001f:c:auth-int:{ha2}"));
        assert_eq!(
            response(Algorithm::Sha256Sess, &base, "n", Some(qop), &req),
            expected
        );
    }

    #[test]
    fn rfc2069_form_without_qop() {
        let base = ha1(Algorithm::Md5, "u", "r", "p");
        let req = DigestRequest {
            method: "REGISTER",
            uri: "sip:r",
            body: b"",
        };
        let h = |s: &str| hex(&Md5::digest(s.as_bytes()));
        let expected = h(&format!("{base}:n:{}", h("REGISTER:sip:r")));
        assert_eq!(response(Algorithm::Md5, &base, "n", None, &req), expected);
    }

    #[test]
    fn algorithm_tokens_parse_in_any_case() {
        assert_eq!(Algorithm::parse("sha-256"), Ok(Algorithm::Sha256));
        assert_eq!(Algorithm::parse("MD5-SESS"), Ok(Algorithm::Md5Sess));
        assert_eq!(
            Algorithm::parse("SHA-512-256"),
            Err(Error::DigestUnsupportedAlgorithm("SHA-512-256".into()))
        );
        assert_eq!(Qop::parse("Auth-Int"), Some(Qop::AuthInt));
        assert_eq!(Qop::parse("token"), None);
    }

    #[test]
    fn digest_comparison_folds_case_and_rejects_differences() {
        assert!(digests_equal("abcdef01", "ABCDEF01"));
        assert!(!digests_equal("abcdef01", "abcdef02"));
        assert!(!digests_equal("abcdef01", "abcdef0"));
        assert!(!digests_equal("abcdef01", ""));
    }
}
