//! Character classes of the RFC 3261 §25.1 grammar as lookup tables: every byte of every
//! header goes through one of these, and a table lookup is cheaper than a chain of compares.

/// Builds a table: ASCII letters and digits (if `alnum`), the bytes in `extra`, and bytes
/// >= 0x80 (if `high`, for UTF-8 text in values).
const fn table(alnum: bool, extra: &[u8], high: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = (alnum && c.is_ascii_alphanumeric()) || (high && c >= 0x80);
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
}

static TOKEN: [bool; 256] = table(true, b"-.!%*_+`'~", false);
static PARAM_NAME: [bool; 256] = table(true, b"-.!%*_+`'~[]/:&$", false);
static PARAM_VALUE: [bool; 256] = table(true, b"-.!%*_+`'~[]/:&$@?=", true);
static USER: [bool; 256] = table(true, b"-_.!~*'()&=+$,;?/%", false);
static DOMAIN: [bool; 256] = table(true, b"-._", false);

/// RFC 3261 `token` characters: alphanumerics and `-.!%*_+`'~`.
pub(crate) fn is_token_char(b: u8) -> bool {
    TOKEN[usize::from(b)]
}

/// Parameter names: `token` plus the URI `paramchar` extras `[]/:&$`.
pub(crate) fn is_param_name_char(b: u8) -> bool {
    PARAM_NAME[usize::from(b)]
}

/// Unquoted parameter values: tokens, hosts (`[v6]`), URI-ish text and UTF-8.
pub(crate) fn is_param_value_char(b: u8) -> bool {
    PARAM_VALUE[usize::from(b)]
}

/// Unescaped characters of a URI user or password part (plus `%` of escapes).
pub(crate) fn is_user_char(b: u8) -> bool {
    USER[usize::from(b)]
}

/// Characters of a domain name (with `_`, seen in the wild).
pub(crate) fn is_domain_char(b: u8) -> bool {
    DOMAIN[usize::from(b)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_match_the_grammar() {
        assert!(is_token_char(b'A') && is_token_char(b'~') && !is_token_char(b' '));
        assert!(!is_token_char(b':') && is_param_name_char(b':'));
        assert!(is_param_value_char(0xc3) && !is_param_value_char(b'"'));
        assert!(is_user_char(b';') && !is_user_char(b'@'));
        assert!(is_domain_char(b'_') && !is_domain_char(b':'));
    }
}
