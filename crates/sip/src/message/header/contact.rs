//! The Contact header (RFC 3261 §20.10), including the `*` form used to remove all bindings
//! in a REGISTER (§10.2.2) and the GRUU/outbound `+sip.instance` parameter (RFC 5626 §4.1).

use std::fmt;

use super::name_addr::NameAddr;
use crate::Error;

/// One Contact element; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    /// `Contact: *`.
    Star,
    Addr {
        addr: NameAddr,
    },
}

impl Contact {
    /// Parses one Contact element (not a comma-joined list).
    pub fn parse(s: &str) -> Result<Contact, Error> {
        if s.trim() == "*" {
            return Ok(Contact::Star);
        }
        NameAddr::parse(s).map(|addr| Contact::Addr { addr })
    }

    /// The `expires` parameter in seconds, if present and numeric.
    pub fn expires(&self) -> Option<u32> {
        self.addr()?.params.value("expires")?.parse().ok()
    }

    /// The name-address, unless this is `*`.
    pub fn addr(&self) -> Option<&NameAddr> {
        match self {
            Contact::Star => None,
            Contact::Addr { addr } => Some(addr),
        }
    }

    /// The `+sip.instance` value without its quotes and angle brackets (RFC 5626 §4.1).
    pub fn instance(&self) -> Option<&str> {
        let v = self.addr()?.params.value("+sip.instance")?;
        Some(
            v.trim_matches('"')
                .trim_start_matches('<')
                .trim_end_matches('>'),
        )
    }
}

impl fmt::Display for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Contact::Star => f.write_str("*"),
            Contact::Addr { addr } => write!(f, "{addr}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star() {
        assert_eq!(Contact::parse(" * "), Ok(Contact::Star));
        assert_eq!(Contact::Star.to_string(), "*");
        assert_eq!(Contact::Star.expires(), None);
    }

    #[test]
    fn softphone_contact_with_instance_and_quoted_params() {
        let raw = r#"<sip:1001@192.168.1.20:52341;transport=tcp;ob>;reg-id=1;+sip.instance="<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>";expires=3600;+sip.ice"#;
        let c = Contact::parse(raw).expect("valid contact");
        assert_eq!(c.expires(), Some(3600));
        assert_eq!(
            c.instance(),
            Some("urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF")
        );
        assert!(c.addr().is_some_and(|a| a.uri.params.contains("ob")));
        assert_eq!(c.to_string(), raw);
    }

    #[test]
    fn bad_contact_is_an_error() {
        assert!(Contact::parse("<sip:a@b").is_err());
        assert!(Contact::parse("**").is_err());
    }
}
