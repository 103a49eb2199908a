//! Lexical helpers shared by the header grammars of RFC 3261 §25.1: splitting comma-joined
//! values and `;`-separated parameters while respecting quoted strings and `<...>` URIs, and
//! trimming linear whitespace. They run on every header of every message.

/// The elements of a comma-joined header value (RFC 3261 §7.3.1), trimmed, empty elements
/// skipped, without allocating. Commas inside `"..."` (with backslash escapes) or `<...>` do
/// not split.
pub(crate) fn split_commas(s: &str) -> CommaSplit<'_> {
    CommaSplit { s, pos: 0 }
}

/// Iterator of [`split_commas`].
pub(crate) struct CommaSplit<'a> {
    s: &'a str,
    /// Start of the next element; past the end once exhausted.
    pos: usize,
}

impl<'a> Iterator for CommaSplit<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.s.as_bytes();
        if self.pos == 0 && memchr::memchr(b',', bytes).is_none() {
            // Most values are a single element: no need to walk quotes and brackets.
            self.pos = bytes.len() + 1;
            let whole = trim_lws(self.s);
            return (!whole.is_empty()).then_some(whole);
        }
        while self.pos <= bytes.len() {
            let start = self.pos;
            let mut i = start;
            let mut end = bytes.len();
            while let Some(&b) = bytes.get(i) {
                match b {
                    b',' => {
                        end = i;
                        break;
                    }
                    b'"' => i = skip_quoted(bytes, i + 1),
                    b'<' => {
                        i = bytes
                            .get(i..)
                            .and_then(|r| r.iter().position(|c| *c == b'>'))
                            .map_or(bytes.len(), |gt| i + gt + 1)
                    }
                    _ => i += 1,
                }
            }
            self.pos = end + 1;
            let piece = trim_lws(self.s.get(start..end).unwrap_or(""));
            if !piece.is_empty() {
                return Some(piece);
            }
        }
        None
    }
}

/// The index just after the closing quote of a quoted string whose text starts at `from`
/// (or the end of input if it never closes). Plain loops throughout this file: the values
/// are tens of bytes, shorter than a vectorised search needs to pay off.
fn skip_quoted(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => return i + 1,
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn is_lws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// `s` without leading and trailing linear whitespace (SP, HT, and CRLF of folding).
pub(crate) fn trim_lws(s: &str) -> &str {
    let bytes = s.as_bytes();
    let lead = bytes.iter().take_while(|b| is_lws(**b)).count();
    let trail = bytes
        .get(lead..)
        .map_or(0, |r| r.iter().rev().take_while(|b| is_lws(**b)).count());
    s.get(lead..s.len() - trail).unwrap_or("")
}

/// The first `b` in `s`. Most inputs here are a few dozen bytes, where a plain scan beats
/// the setup of a vectorised search.
pub(crate) fn find_byte(s: &str, b: u8) -> Option<usize> {
    if s.len() < 64 {
        s.bytes().position(|c| c == b)
    } else {
        memchr::memchr(b, s.as_bytes())
    }
}

/// The first space or tab in `s`.
pub(crate) fn find_wsp(s: &str) -> Option<usize> {
    s.bytes().position(|c| c == b' ' || c == b'\t')
}

/// Splits at the first `b`: the text before and after it.
pub(crate) fn split_at_byte(s: &str, b: u8) -> Option<(&str, &str)> {
    let i = find_byte(s, b)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// Splits `s` at every `;` outside quoted strings, without allocating. The first piece is
/// whatever precedes the first `;` (possibly empty).
pub(crate) fn split_semicolons(s: &str) -> SemicolonSplit<'_> {
    SemicolonSplit { s, pos: Some(0) }
}

/// Iterator of [`split_semicolons`].
pub(crate) struct SemicolonSplit<'a> {
    s: &'a str,
    /// Start of the next piece; `None` once the last piece was returned.
    pos: Option<usize>,
}

impl<'a> Iterator for SemicolonSplit<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let start = self.pos?;
        let bytes = self.s.as_bytes();
        let mut i = start;
        while let Some(&b) = bytes.get(i) {
            match b {
                b';' => {
                    self.pos = Some(i + 1);
                    return self.s.get(start..i);
                }
                b'"' => i = skip_quoted(bytes, i + 1),
                _ => i += 1,
            }
        }
        self.pos = None;
        self.s.get(start..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(s: &str) -> Vec<&str> {
        split_commas(s).collect()
    }

    #[test]
    fn commas_inside_quotes_and_angles_do_not_split() {
        assert_eq!(
            parts(r#""Doe, John" <sip:a@b;x=1,2>;q=0.5 , <sip:c@d>"#),
            vec![r#""Doe, John" <sip:a@b;x=1,2>;q=0.5"#, "<sip:c@d>"]
        );
        assert_eq!(parts("INVITE,ACK,,  BYE ,"), vec!["INVITE", "ACK", "BYE"]);
        assert_eq!(parts(r#""a\", b" <sip:x>"#), vec![r#""a\", b" <sip:x>"#]);
    }

    #[test]
    fn trims_linear_whitespace_only() {
        assert_eq!(trim_lws(" \t a b \r\n"), "a b");
        assert_eq!(trim_lws("   "), "");
        assert_eq!(find_byte("a:b", b':'), Some(1));
    }

    #[test]
    fn semicolons_inside_quotes_do_not_split() {
        let pieces: Vec<_> = split_semicolons(r#"x;a="1;2";b"#).collect();
        assert_eq!(pieces, vec!["x", r#"a="1;2""#, "b"]);
        assert_eq!(split_semicolons("").collect::<Vec<_>>(), vec![""]);
        assert_eq!(split_semicolons(";").collect::<Vec<_>>(), vec!["", ""]);
        assert_eq!(split_semicolons(r#"a="x\";y";b"#).count(), 2);
    }
}
