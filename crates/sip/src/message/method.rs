//! SIP request methods (RFC 3261 §7.1 and the extension RFCs).
//!
//! Methods are case-sensitive tokens: `INVITE` is the INVITE method, `invite` is an unknown
//! extension method (`Method::Other`) that the layer above answers with 405 or 501.

use std::fmt;

use super::chars::is_token_char;

/// A SIP request method.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    Invite,
    Ack,
    Bye,
    Cancel,
    Register,
    Options,
    Info,
    Update,
    Prack,
    Subscribe,
    Notify,
    Refer,
    Message,
    Publish,
    /// Any other token, kept exactly as received.
    Other(String),
}

impl Method {
    /// The method token as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Register => "REGISTER",
            Method::Options => "OPTIONS",
            Method::Info => "INFO",
            Method::Update => "UPDATE",
            Method::Prack => "PRACK",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Refer => "REFER",
            Method::Message => "MESSAGE",
            Method::Publish => "PUBLISH",
            Method::Other(s) => s,
        }
    }

    /// Maps a token to a method, case-sensitively (RFC 3261 §7.1). Never fails: unknown tokens
    /// become `Other`. Token syntax is checked by the message parser, not here.
    pub fn parse(token: &str) -> Method {
        match token {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "BYE" => Method::Bye,
            "CANCEL" => Method::Cancel,
            "REGISTER" => Method::Register,
            "OPTIONS" => Method::Options,
            "INFO" => Method::Info,
            "UPDATE" => Method::Update,
            "PRACK" => Method::Prack,
            "SUBSCRIBE" => Method::Subscribe,
            "NOTIFY" => Method::Notify,
            "REFER" => Method::Refer,
            "MESSAGE" => Method::Message,
            "PUBLISH" => Method::Publish,
            other => Method::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// True when `s` is a non-empty RFC 3261 `token`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_methods_round_trip() {
        for m in [
            "INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "INFO", "UPDATE",
        ] {
            assert_eq!(Method::parse(m).as_str(), m);
            assert!(!matches!(Method::parse(m), Method::Other(_)));
        }
    }

    #[test]
    fn methods_are_case_sensitive() {
        assert_eq!(Method::parse("invite"), Method::Other("invite".into()));
        assert_eq!(Method::parse("FOO").to_string(), "FOO");
    }

    #[test]
    fn token_syntax() {
        assert!(is_token("X-Custom.1"));
        assert!(!is_token("A B"));
        assert!(!is_token(""));
    }
}
