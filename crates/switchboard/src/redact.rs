//! Redaction of personal data in logs. Caller numbers and callers' network addresses reach a
//! log line only through these wrappers, whose `Display`/`Debug` never print the value itself.
//! Records keep caller numbers only as keyed hashes (see DESIGN.md, Privacy).

use std::fmt;

/// A caller's number or SIP user part: printed as its last two characters, the rest masked
/// (`***42`), enough to tell two calls apart in a log without identifying the caller.
pub struct CallerNumber<'a>(pub &'a str);

impl fmt::Display for CallerNumber<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tail: String = {
            let chars: Vec<char> = self
                .0
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            chars[chars.len().saturating_sub(2)..].iter().collect()
        };
        write!(f, "***{tail}")
    }
}

impl fmt::Debug for CallerNumber<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Any other personal value (a caller's address, a display name): printed as `[redacted]`.
pub struct Pii<T>(pub T);

impl<T> fmt::Display for Pii<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> fmt::Debug for Pii<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_only_the_last_two_digits() {
        assert_eq!(CallerNumber("+1 202 555 0142").to_string(), "***42");
        assert_eq!(CallerNumber("7").to_string(), "***7");
        assert_eq!(CallerNumber("").to_string(), "***");
        assert_eq!(format!("{:?}", CallerNumber("5550199")), "***99");
    }

    #[test]
    fn pii_never_prints_its_value() {
        let addr: std::net::SocketAddr = "192.0.2.7:5060".parse().expect("addr");
        assert_eq!(Pii(addr).to_string(), "[redacted]");
        assert!(!format!("{:?}", Pii("Jane Doe")).contains("Jane"));
    }
}
