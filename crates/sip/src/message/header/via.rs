//! The Via header (RFC 3261 §20.42, §18.2.1; `rport` from RFC 3581; IPv6 per RFC 5118).
//!
//! `SIP/2.0/UDP host:port;branch=z9hG4bK...;rport;received=192.0.2.1`. Whitespace is allowed
//! around `/`, `;` and `=`. The `received` parameter carries a bare address (no brackets for
//! IPv6, RFC 5118 §4.5).

use std::fmt;
use std::net::IpAddr;

use crate::Error;
use crate::message::HeaderName;
use crate::message::params::{Params, ParamsRef};
use crate::message::split::{find_byte, find_wsp, split_at_byte, trim_lws};
use crate::message::uri::{Host, HostRef, parse_host_port};
use crate::transport::Transport;

/// One Via entry; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    pub transport: Transport,
    pub host: Host,
    pub port: Option<u16>,
    pub params: Params,
}

impl Via {
    /// A Via for `transport` and sent-by `host:port` with a `branch` parameter.
    pub fn new(transport: Transport, host: Host, port: Option<u16>, branch: &str) -> Via {
        let mut params = Params::new();
        params.set("branch", Some(branch));
        Via {
            transport,
            host,
            port,
            params,
        }
    }

    /// The `branch` parameter (RFC 3261 §8.1.1.7).
    pub fn branch(&self) -> Option<&str> {
        self.params.value("branch")
    }

    /// The `received` parameter as an address; `None` if absent or not an address.
    pub fn received(&self) -> Option<IpAddr> {
        self.params
            .value("received")
            .and_then(|v| v.trim_matches(['[', ']']).parse().ok())
    }

    /// `None` if there is no `rport`, `Some(None)` for a bare `;rport` request, `Some(Some(p))`
    /// once filled in (RFC 3581 §4).
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params
            .get("rport")
            .map(|v| v.and_then(|p| p.parse().ok()))
    }

    /// Sets `received` to the source address of the request (RFC 3261 §18.2.1).
    pub fn set_received(&mut self, addr: IpAddr) {
        self.params.set("received", Some(&addr.to_string()));
    }

    /// Fills in `rport` with the source port (RFC 3581 §4).
    pub fn set_rport(&mut self, port: u16) {
        self.params.set("rport", Some(&port.to_string()));
    }

    /// Parses one Via element (not a comma-joined list).
    pub fn parse(s: &str) -> Result<Via, Error> {
        let (transport, host, port, params) = Via::parse_parts(s)?;
        Ok(Via {
            transport,
            host: host.into_host(),
            port,
            params: params.into_params(),
        })
    }

    /// Checks one Via element without allocating.
    pub(crate) fn check(s: &str) -> Result<(), Error> {
        Via::parse_parts(s).map(|_| ())
    }

    #[allow(clippy::type_complexity)]
    fn parse_parts(s: &str) -> Result<(Transport, HostRef<'_>, Option<u16>, ParamsRef<'_>), Error> {
        let bad = || Error::BadHeader(HeaderName::Via);
        let Some((name, rest)) = split_at_byte(trim_lws(s), b'/') else {
            return Err(bad());
        };
        let Some((version, rest)) = split_at_byte(rest, b'/') else {
            return Err(bad());
        };
        if !trim_lws(name).eq_ignore_ascii_case("SIP") || trim_lws(version) != "2.0" {
            return Err(bad());
        }
        let rest = rest.trim_start();
        let end = find_wsp(rest).ok_or_else(bad)?;
        let transport = Transport::parse(&rest[..end]).ok_or_else(bad)?;
        let rest = rest[end..].trim_start();
        let (sent_by, params) = match find_byte(rest, b';') {
            Some(i) => (trim_lws(&rest[..i]), &rest[i..]),
            None => (trim_lws(rest), ""),
        };
        let (host, port) = parse_host_port(sent_by).map_err(|_| bad())?;
        let params = ParamsRef::parse(params).ok_or_else(bad)?;
        Ok((transport, host, port, params))
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIP/2.0/{} {}", self.transport, self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        write!(f, "{}", self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn via(s: &str) -> Via {
        Via::parse(s).expect("valid via")
    }

    #[test]
    fn typical_udp_via() {
        let v = via("SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;rport");
        assert_eq!(v.transport, Transport::Udp);
        assert_eq!(v.host, Host::Domain("pc33.atlanta.com".into()));
        assert_eq!(v.port, Some(5066));
        assert_eq!(v.branch(), Some("z9hG4bK776asdhds"));
        assert_eq!(v.rport(), Some(None));
        assert_eq!(
            v.to_string(),
            "SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;rport"
        );
    }

    #[test]
    fn whitespace_around_separators() {
        let v = via("SIP / 2.0 / tcp  host ; branch = x1 ;received=10.0.0.1");
        assert_eq!(v.transport, Transport::Tcp);
        assert_eq!(v.branch(), Some("x1"));
        assert_eq!(v.received(), Some("10.0.0.1".parse().expect("ip")));
    }

    #[test]
    fn ipv6_sent_by_and_received() {
        let mut v = via("SIP/2.0/TLS [2001:db8::9]:5061;branch=z9hG4bKa");
        assert_eq!(v.host, Host::Ipv6("2001:db8::9".parse().expect("v6")));
        v.set_received("2001:db8::10".parse().expect("v6"));
        v.set_rport(40000);
        assert_eq!(v.rport(), Some(Some(40000)));
        assert_eq!(
            v.to_string(),
            "SIP/2.0/TLS [2001:db8::9]:5061;branch=z9hG4bKa;received=2001:db8::10;rport=40000"
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "SIP/2.0/UDP",
            "SIP/3.0/UDP h",
            "SIP/2.0/SCTP h",
            "SIP/2.0/UDP h:x",
            "SIP/2.0/UDP h;=1",
        ] {
            assert_eq!(
                Via::parse(bad),
                Err(Error::BadHeader(HeaderName::Via)),
                "{bad:?}"
            );
        }
    }

    fn arb_via() -> impl Strategy<Value = Via> {
        (
            prop_oneof![
                Just(Transport::Udp),
                Just(Transport::Tcp),
                Just(Transport::Tls),
                Just(Transport::Ws),
                Just(Transport::Wss)
            ],
            crate::message::uri::tests::arb_host(),
            proptest::option::of(any::<u16>()),
            crate::message::uri::tests::arb_params(),
        )
            .prop_map(|(transport, host, port, params)| Via {
                transport,
                host,
                port,
                params,
            })
    }

    proptest! {
        #[test]
        fn print_then_parse_round_trips(v in arb_via()) {
            prop_assert_eq!(Via::parse(&v.to_string()), Ok(v));
        }
    }
}
