//! The ordered header list of a message (RFC 3261 §7.3).
//!
//! Parsed values are ranges into the received header section (one shared, UTF-8 checked
//! `ByteString`), so parsing copies no header text; values added later are owned strings.
//! Values are stored unfolded and trimmed, one entry per received line; comma-joined list
//! headers are split into elements when read. Typed views (Via, From, CSeq, ...) are parsed on
//! demand by the accessors in `accessors.rs`.

use std::fmt;

use bytestring::ByteString;

use super::header_name::HeaderName;
use super::split::split_commas;

/// Where a header value lives.
#[derive(Clone)]
enum Value {
    /// `start..end` into `Headers::source`.
    Slice(u32, u32),
    /// Built locally, or unfolded from a folded line.
    Owned(String),
}

/// An ordered list of headers; see the module docs.
#[derive(Clone, Default)]
pub struct Headers {
    source: ByteString,
    entries: Vec<(HeaderName, Value)>,
}

impl Headers {
    /// An empty list.
    pub fn new() -> Headers {
        Headers::default()
    }

    /// A list whose slice values refer into `source`.
    pub(crate) fn with_source(source: ByteString, capacity: usize) -> Headers {
        Headers {
            source,
            entries: Vec::with_capacity(capacity),
        }
    }

    /// Sets the text that slice values refer into, for a list filled before its source was
    /// known to be UTF-8.
    pub(crate) fn set_source(&mut self, source: ByteString) {
        self.source = source;
    }

    /// Appends a value that is `start..end` of the source (the parser guarantees the range
    /// lies on character boundaries of the source).
    #[inline(always)]
    pub(crate) fn push_slice(&mut self, name: HeaderName, start: usize, end: usize) {
        let value = match (u32::try_from(start), u32::try_from(end)) {
            (Ok(s), Ok(e)) => Value::Slice(s, e),
            _ => Value::Owned(self.source.get(start..end).unwrap_or("").to_owned()),
        };
        self.entries.push((name, value));
    }

    /// Appends a value that was built during parsing (unfolded lines).
    pub(crate) fn push_owned(&mut self, name: HeaderName, value: String) {
        self.entries.push((name, Value::Owned(value)));
    }

    fn text<'a>(&'a self, v: &'a Value) -> &'a str {
        match v {
            Value::Slice(s, e) => self.source.get(*s as usize..*e as usize).unwrap_or(""),
            Value::Owned(o) => o,
        }
    }

    /// The first value. For list headers (Via, Contact, Route, Record-Route, Allow,
    /// Supported, Require, Unsupported) that is the first comma-separated element.
    pub fn get(&self, name: &HeaderName) -> Option<&str> {
        let split = name.is_list();
        self.entries
            .iter()
            .filter(|(n, _)| n == name)
            .find_map(|(_, v)| {
                let text = self.text(v);
                if split {
                    split_commas(text).next()
                } else {
                    Some(text)
                }
            })
    }

    /// Every value, in order. List headers yield one item per comma-separated element, across
    /// all their lines (RFC 3261 §7.3.1: both forms are equivalent).
    pub fn get_all<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        let split = name.is_list();
        self.entries
            .iter()
            .filter(move |(n, _)| n == name)
            .flat_map(move |(_, v)| {
                let text = self.text(v);
                let whole = (!split).then_some(text);
                whole
                    .into_iter()
                    .chain(split_commas(if split { text } else { "" }))
            })
    }

    /// Appends a header. CR and LF in `value` are replaced by spaces so that a value taken
    /// from elsewhere can never inject a header line.
    pub fn push(&mut self, name: HeaderName, value: impl Into<String>) {
        self.entries
            .push((name, Value::Owned(sanitize(value.into()))));
    }

    /// Inserts a header before all others (e.g. a new top Via).
    pub fn push_front(&mut self, name: HeaderName, value: impl Into<String>) {
        self.entries
            .insert(0, (name, Value::Owned(sanitize(value.into()))));
    }

    /// Replaces every occurrence by one value, at the position of the first; appends if absent.
    pub fn set(&mut self, name: HeaderName, value: impl Into<String>) {
        let value = Value::Owned(sanitize(value.into()));
        match self.entries.iter().position(|(n, _)| *n == name) {
            Some(first) => {
                let mut i = 0;
                self.entries.retain(|(n, _)| {
                    let keep = i <= first || *n != name;
                    i += 1;
                    keep
                });
                if let Some(slot) = self.entries.get_mut(first) {
                    slot.1 = value;
                }
            }
            None => self.entries.push((name, value)),
        }
    }

    /// Removes every occurrence.
    pub fn remove(&mut self, name: &HeaderName) {
        self.entries.retain(|(n, _)| n != name);
    }

    /// Every header in order.
    pub fn iter(&self) -> impl Iterator<Item = (&HeaderName, &str)> {
        self.entries.iter().map(|(n, v)| (n, self.text(v)))
    }

    /// Every header name in order (with [`Headers::value_at`], for a pass that reads few
    /// values).
    pub(crate) fn names(&self) -> impl Iterator<Item = &HeaderName> {
        self.entries.iter().map(|(n, _)| n)
    }

    /// The value of the `i`th header, `""` past the end.
    pub(crate) fn value_at(&self, i: usize) -> &str {
        self.entries.get(i).map_or("", |(_, v)| self.text(v))
    }

    /// The number of header entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// A copy of the entries named `name`, sharing this list's source (no text copied).
    pub(crate) fn copy_into(&self, name: &HeaderName, dst: &mut Headers) {
        for (n, v) in self.entries.iter().filter(|(n, _)| n == name) {
            let v = match v {
                Value::Slice(..)
                    if dst.source.is_empty() || same_text(&dst.source, &self.source) =>
                {
                    dst.source = self.source.clone();
                    v.clone()
                }
                _ => Value::Owned(self.text(v).to_owned()),
            };
            dst.entries.push((n.clone(), v));
        }
    }
}

/// Whether two sources are the same buffer (not merely equal text).
fn same_text(a: &ByteString, b: &ByteString) -> bool {
    a.as_ptr() == b.as_ptr() && a.len() == b.len()
}

fn sanitize(mut s: String) -> String {
    if s.contains(['\r', '\n']) {
        s = s.replace(['\r', '\n'], " ");
    }
    s
}

impl PartialEq for Headers {
    fn eq(&self, other: &Headers) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Headers {}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_front_set_and_remove_keep_order() {
        let mut h = Headers::new();
        h.push(HeaderName::Via, "SIP/2.0/UDP a");
        h.push(HeaderName::To, "<sip:x@y>");
        h.push(HeaderName::Via, "SIP/2.0/UDP b");
        h.push_front(HeaderName::Via, "SIP/2.0/UDP top");
        let vias: Vec<_> = h.get_all(&HeaderName::Via).collect();
        assert_eq!(vias, ["SIP/2.0/UDP top", "SIP/2.0/UDP a", "SIP/2.0/UDP b"]);
        h.set(HeaderName::Via, "SIP/2.0/TCP only");
        let names: Vec<_> = h.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        assert_eq!(names, ["Via: SIP/2.0/TCP only", "To: <sip:x@y>"]);
        h.remove(&HeaderName::To);
        assert_eq!(h.get(&HeaderName::To), None);
        h.set(HeaderName::Expires, "60");
        assert_eq!(h.get(&HeaderName::Expires), Some("60"));
    }

    #[test]
    fn values_cannot_inject_lines() {
        let mut h = Headers::new();
        h.push(HeaderName::Other("X-A".into()), "1\r\nVia: evil");
        assert_eq!(
            h.get(&HeaderName::Other("x-a".into())),
            Some("1  Via: evil")
        );
    }

    #[test]
    fn slices_refer_into_the_source() {
        let mut h = Headers::with_source(ByteString::from_static("To: <sip:a@b>"), 1);
        h.push_slice(HeaderName::To, 4, 13);
        assert_eq!(h.get(&HeaderName::To), Some("<sip:a@b>"));
        let mut copy = Headers::new();
        h.copy_into(&HeaderName::To, &mut copy);
        assert_eq!(copy, h);
    }
}
