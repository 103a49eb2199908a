//! The location service (RFC 3261 §10.3, §16.5): which contacts each user is reachable at, and
//! until when.
//!
//! Each [`Binding`] remembers the `source` the REGISTER came from as well as the Contact URI:
//! phones behind NAT advertise private addresses, so requests to an agent go to the source
//! (RFC 5626 §5.3 "flow", RFC 3581 symmetric response routing). Expiry is data: a sorted index
//! of deadlines, with [`Location::poll_timeout`] the earliest and [`Location::expire`] to apply
//! them.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use crate::message::{Host, Uri};
use crate::transport::Peer;

/// One registered contact of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The user part of the address-of-record.
    pub user: String,
    /// The Contact URI as registered.
    pub contact: Uri,
    /// Where the REGISTER came from: where requests to this contact are sent.
    pub source: Peer,
    /// When the binding lapses unless refreshed.
    pub expires: Instant,
    /// Call-ID and CSeq of the REGISTER that last wrote it (RFC 3261 §10.3 step 7).
    pub call_id: String,
    pub cseq: u32,
    /// The `+sip.instance` URN (RFC 5626 §4.1), without quotes and angle brackets.
    pub instance: Option<String>,
    /// The `reg-id` (RFC 5626 §4.2).
    pub reg_id: Option<u32>,
    id: u64,
}

impl Binding {
    /// A binding not yet stored; the location service gives it its identity on commit.
    pub(crate) fn new(
        user: &str,
        contact: Uri,
        source: Peer,
        expires: Instant,
        call_id: &str,
        cseq: u32,
    ) -> Binding {
        Binding {
            user: user.to_owned(),
            contact,
            source,
            expires,
            call_id: call_id.to_owned(),
            cseq,
            instance: None,
            reg_id: None,
            id: 0,
        }
    }

    /// Whether a new Contact designates this binding: by instance (and reg-id) when both carry
    /// one (RFC 5626 §6: the instance survives a change of address), else by URI equivalence.
    pub(crate) fn designated_by(
        &self,
        contact: &Uri,
        instance: Option<&str>,
        reg_id: Option<u32>,
    ) -> bool {
        match (self.instance.as_deref(), instance) {
            (Some(mine), Some(theirs)) => mine == theirs && self.reg_id == reg_id,
            _ => uri_equivalent(&self.contact, contact),
        }
    }

    /// Whole seconds left at `now`, rounded up so a binding still present never shows 0.
    pub fn remaining_secs(&self, now: Instant) -> u64 {
        let left = self.expires.saturating_duration_since(now);
        left.as_secs() + u64::from(left.subsec_nanos() > 0)
    }
}

/// URI equivalence in the spirit of RFC 3261 §19.1.4: scheme, user, password and port exact,
/// host case-insensitive, and the parameters `transport`, `user`, `ttl`, `method` and `maddr`
/// must match when either side has them; other parameters only when both have them.
pub fn uri_equivalent(a: &Uri, b: &Uri) -> bool {
    let host_eq = match (&a.host, &b.host) {
        (Host::Domain(x), Host::Domain(y)) => x.eq_ignore_ascii_case(y),
        (x, y) => x == y,
    };
    if a.scheme != b.scheme
        || a.user != b.user
        || a.password != b.password
        || !host_eq
        || a.port != b.port
    {
        return false;
    }
    let must_match = ["transport", "user", "ttl", "method", "maddr"];
    let param_eq = |x: Option<Option<&str>>, y: Option<Option<&str>>| match (x, y) {
        (Some(Some(x)), Some(Some(y))) => x.eq_ignore_ascii_case(y),
        (x, y) => x == y,
    };
    if !must_match
        .iter()
        .all(|n| param_eq(a.params.get(n), b.params.get(n)))
    {
        return false;
    }
    a.params
        .iter()
        .all(|(name, value)| match b.params.get(name) {
            Some(other) => param_eq(Some(value), Some(other)),
            None => true,
        })
}

/// What happened to a binding, for the binary to log agents in and out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// A new contact for the user.
    Added,
    /// An existing contact registered again (new expiry, possibly a new source).
    Refreshed,
    /// Removed by the user (Expires 0, `Contact: *`) or displaced by a newer binding.
    Removed,
    /// Lapsed without refresh.
    Expired,
}

/// One change to the location service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingChange {
    pub user: String,
    pub kind: ChangeKind,
    pub contact: Uri,
    pub source: Peer,
}

impl BindingChange {
    pub(crate) fn of(binding: &Binding, kind: ChangeKind) -> BindingChange {
        BindingChange {
            user: binding.user.clone(),
            kind,
            contact: binding.contact.clone(),
            source: binding.source,
        }
    }
}

/// The bindings of every user, with an index of expiry deadlines.
#[derive(Debug, Default)]
pub struct Location {
    by_user: HashMap<String, Vec<Binding>>,
    deadlines: BTreeMap<(Instant, u64), String>,
    next_id: u64,
}

impl Location {
    /// An empty location service.
    pub fn new() -> Location {
        Location::default()
    }

    /// The current bindings of `user` (possibly past expiry if [`Location::expire`] has not run).
    pub fn lookup(&self, user: &str) -> &[Binding] {
        self.by_user.get(user).map_or(&[], Vec::as_slice)
    }

    /// Whether `user` has at least one binding.
    pub fn is_registered(&self, user: &str) -> bool {
        !self.lookup(user).is_empty()
    }

    /// Every user with at least one binding.
    pub fn users(&self) -> impl Iterator<Item = &str> {
        self.by_user.keys().map(String::as_str)
    }

    /// The number of bindings over all users.
    pub fn len(&self) -> usize {
        self.deadlines.len()
    }

    /// Whether no binding is stored.
    pub fn is_empty(&self) -> bool {
        self.deadlines.is_empty()
    }

    /// The earliest expiry, when the driver should call [`Location::expire`].
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadlines.keys().next().map(|(at, _)| *at)
    }

    /// Removes every binding whose expiry is at or before `now`.
    pub fn expire(&mut self, now: Instant) -> Vec<BindingChange> {
        let mut changes = Vec::new();
        while let Some(entry) = self.deadlines.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (_, id) = *entry.key();
            let user = entry.remove();
            if let Some(list) = self.by_user.get_mut(&user) {
                if let Some(pos) = list.iter().position(|b| b.id == id) {
                    let gone = list.remove(pos);
                    changes.push(BindingChange::of(&gone, ChangeKind::Expired));
                }
                if list.is_empty() {
                    self.by_user.remove(&user);
                }
            }
        }
        changes
    }

    /// Removes every binding of `user` (e.g. the account was deleted).
    pub fn remove_user(&mut self, user: &str) -> Vec<BindingChange> {
        let old = self.replace(user, Vec::new());
        old.iter()
            .map(|b| BindingChange::of(b, ChangeKind::Removed))
            .collect()
    }

    /// Replaces the bindings of `user` with `bindings` in one step (RFC 3261 §10.3 step 8: all
    /// updates of a REGISTER become visible together). New bindings get an identity here.
    pub(crate) fn replace(&mut self, user: &str, mut bindings: Vec<Binding>) -> Vec<Binding> {
        let old = self.by_user.remove(user).unwrap_or_default();
        for b in &old {
            self.deadlines.remove(&(b.expires, b.id));
        }
        for b in &mut bindings {
            if b.id == 0 {
                self.next_id += 1;
                b.id = self.next_id;
            }
            self.deadlines.insert((b.expires, b.id), user.to_owned());
        }
        if !bindings.is_empty() {
            self.by_user.insert(user.to_owned(), bindings);
        }
        old
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Transport;
    use std::time::Duration;

    fn uri(s: &str) -> Uri {
        Uri::parse(s).expect("valid uri")
    }

    fn peer() -> Peer {
        Peer::new(
            Transport::Udp,
            "192.0.2.10:5060".parse().expect("valid address"),
        )
    }

    #[test]
    fn uri_equivalence_follows_the_comparison_rules() {
        assert!(uri_equivalent(
            &uri("sip:1001@PC.example.com:5060"),
            &uri("sip:1001@pc.example.com:5060")
        ));
        assert!(!uri_equivalent(
            &uri("sip:1001@pc.example.com"),
            &uri("sip:1001@pc.example.com:5060")
        ));
        assert!(!uri_equivalent(
            &uri("sip:1001@10.0.0.1"),
            &uri("sip:1002@10.0.0.1")
        ));
        assert!(!uri_equivalent(
            &uri("sip:a@h;transport=tcp"),
            &uri("sip:a@h")
        ));
        assert!(uri_equivalent(
            &uri("sip:a@h;transport=TCP"),
            &uri("sip:a@h;transport=tcp")
        ));
        assert!(uri_equivalent(&uri("sip:a@h;ob"), &uri("sip:a@h")));
        assert!(!uri_equivalent(&uri("sip:a@h;x=1"), &uri("sip:a@h;x=2")));
        assert!(!uri_equivalent(&uri("sips:a@h"), &uri("sip:a@h")));
    }

    #[test]
    fn expire_removes_due_bindings_and_poll_timeout_names_the_next() {
        let t0 = Instant::now();
        let mut loc = Location::new();
        let a = Binding::new(
            "1001",
            uri("sip:1001@10.0.0.1"),
            peer(),
            t0 + Duration::from_secs(60),
            "c",
            1,
        );
        let b = Binding::new(
            "1001",
            uri("sip:1001@10.0.0.2"),
            peer(),
            t0 + Duration::from_secs(120),
            "c",
            1,
        );
        loc.replace("1001", vec![a, b]);
        assert_eq!(loc.len(), 2);
        assert_eq!(loc.poll_timeout(), Some(t0 + Duration::from_secs(60)));
        assert!(loc.expire(t0 + Duration::from_secs(59)).is_empty());
        let gone = loc.expire(t0 + Duration::from_secs(60));
        assert_eq!(gone.len(), 1);
        assert_eq!(
            (gone[0].kind, gone[0].contact.to_string().as_str()),
            (ChangeKind::Expired, "sip:1001@10.0.0.1")
        );
        assert_eq!(loc.poll_timeout(), Some(t0 + Duration::from_secs(120)));
        assert_eq!(loc.expire(t0 + Duration::from_secs(500)).len(), 1);
        assert!(!loc.is_registered("1001"));
        assert_eq!(loc.poll_timeout(), None);
        assert_eq!(loc.users().count(), 0);
    }

    #[test]
    fn remaining_seconds_round_up() {
        let t0 = Instant::now();
        let b = Binding::new(
            "u",
            uri("sip:u@h"),
            peer(),
            t0 + Duration::from_millis(1500),
            "c",
            1,
        );
        assert_eq!(b.remaining_secs(t0), 2);
        assert_eq!(b.remaining_secs(t0 + Duration::from_secs(2)), 0);
    }
}
