//! Applying a REGISTER's Contacts to the location service (RFC 3261 §10.3 steps 5–8, with
//! RFC 5626 instance matching), all or nothing.

use std::time::{Duration, Instant};

use super::location::{Binding, BindingChange, ChangeKind, Location};
use super::{RegistrarConfig, Reject};
use crate::message::header::Contact;
use crate::transport::Peer;

/// The parts of an authenticated REGISTER the binding update needs.
pub(crate) struct Update<'a> {
    pub user: &'a str,
    pub call_id: &'a str,
    pub cseq: u32,
    pub header_expires: Option<u32>,
    pub contacts: Vec<Contact>,
    pub source: Peer,
    pub now: Instant,
}

/// Computes the user's new binding set and commits it, or changes nothing and says why.
pub(crate) fn apply(
    location: &mut Location,
    cfg: &RegistrarConfig,
    up: &Update<'_>,
) -> Result<Vec<BindingChange>, Reject> {
    if up.contacts.is_empty() {
        return Ok(Vec::new()); // a query
    }
    // Each working entry: the binding and whether this request already wrote it.
    let mut work: Vec<(Binding, bool)> = location
        .lookup(up.user)
        .iter()
        .cloned()
        .map(|b| (b, false))
        .collect();
    let mut changes = Vec::new();

    if up.contacts.iter().any(|c| matches!(c, Contact::Star)) {
        if up.contacts.len() != 1 || up.header_expires != Some(0) {
            return Err(Reject::Status(400));
        }
        for (b, _) in &work {
            check_order(b, up)?;
        }
        changes.extend(
            work.iter()
                .map(|(b, _)| BindingChange::of(b, ChangeKind::Removed)),
        );
        location.replace(up.user, Vec::new());
        return Ok(changes);
    }

    for contact in &up.contacts {
        let Some(addr) = contact.addr() else { continue };
        let requested = contact_expires(addr.params.value("expires"))
            .or(up.header_expires)
            .unwrap_or(cfg.default_expires);
        if requested != 0 && requested < cfg.min_expires {
            return Err(Reject::IntervalTooBrief);
        }
        let secs = requested.min(cfg.max_expires);
        let instance = contact.instance().map(str::to_owned);
        let reg_id = addr.params.value("reg-id").and_then(|v| v.parse().ok());
        let found = work
            .iter()
            .position(|(b, _)| b.designated_by(&addr.uri, instance.as_deref(), reg_id));
        match found {
            Some(i) => {
                let Some((b, written)) = work.get_mut(i) else {
                    continue;
                };
                if !*written {
                    check_order(b, up)?;
                }
                if secs == 0 {
                    changes.push(BindingChange::of(b, ChangeKind::Removed));
                    work.remove(i);
                } else {
                    b.contact = addr.uri.clone();
                    b.source = up.source;
                    b.expires = up.now + Duration::from_secs(u64::from(secs));
                    b.call_id = up.call_id.to_owned();
                    b.cseq = up.cseq;
                    b.instance = instance;
                    b.reg_id = reg_id;
                    *written = true;
                    changes.push(BindingChange::of(b, ChangeKind::Refreshed));
                }
            }
            None if secs == 0 => {} // removing what is not there
            None => {
                let expires = up.now + Duration::from_secs(u64::from(secs));
                let mut b = Binding::new(
                    up.user,
                    addr.uri.clone(),
                    up.source,
                    expires,
                    up.call_id,
                    up.cseq,
                );
                b.instance = instance;
                b.reg_id = reg_id;
                changes.push(BindingChange::of(&b, ChangeKind::Added));
                work.push((b, true));
            }
        }
    }

    // Bounded memory per user: drop the bindings closest to expiry, older ones first.
    while work.len() > cfg.max_bindings_per_user.max(1) {
        let victim = work
            .iter()
            .enumerate()
            .min_by_key(|(_, (b, written))| (*written, b.expires))
            .map(|(i, _)| i);
        let Some(i) = victim else { break };
        let (b, _) = work.remove(i);
        changes.push(BindingChange::of(&b, ChangeKind::Removed));
    }

    location.replace(up.user, work.into_iter().map(|(b, _)| b).collect());
    Ok(changes)
}

/// RFC 3261 §10.3 step 7: a REGISTER from the same Call-ID must carry a higher CSeq, or it is
/// an old request arriving late and must not undo a newer one.
fn check_order(b: &Binding, up: &Update<'_>) -> Result<(), Reject> {
    if b.call_id == up.call_id && up.cseq <= b.cseq {
        return Err(Reject::Status(500));
    }
    Ok(())
}

/// The `expires` Contact parameter as delta-seconds; huge values saturate ("a long time",
/// RFC 3261 §20.19) rather than fall back to the default, and non-numbers are ignored.
fn contact_expires(value: Option<&str>) -> Option<u32> {
    let v = value?.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(v.parse().unwrap_or(u32::MAX))
}

/// A Contact value for a 200 to REGISTER: the URI with its remaining expiry and, for RFC 5626
/// clients, the instance and reg-id they registered with.
pub(crate) fn contact_value(b: &Binding, now: Instant) -> String {
    let mut v = format!("<{}>;expires={}", b.contact, b.remaining_secs(now));
    if let Some(instance) = &b.instance {
        v.push_str(&format!(";+sip.instance=\"<{instance}>\""));
    }
    if let Some(reg_id) = b.reg_id {
        v.push_str(&format!(";reg-id={reg_id}"));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Uri;
    use crate::transport::Transport;

    #[test]
    fn contact_expires_saturates_and_ignores_junk() {
        assert_eq!(contact_expires(Some("120")), Some(120));
        assert_eq!(contact_expires(Some("99999999999999")), Some(u32::MAX));
        assert_eq!(contact_expires(Some("soon")), None);
        assert_eq!(contact_expires(Some("")), None);
        assert_eq!(contact_expires(None), None);
    }

    #[test]
    fn contact_value_echoes_instance_and_reg_id() {
        let now = Instant::now();
        let source = Peer::new(Transport::Tcp, "192.0.2.1:5060".parse().expect("address"));
        let uri = Uri::parse("sip:1001@10.0.0.7;transport=tcp").expect("uri");
        let mut b = Binding::new("1001", uri, source, now + Duration::from_secs(90), "c", 1);
        assert_eq!(
            contact_value(&b, now),
            "<sip:1001@10.0.0.7;transport=tcp>;expires=90"
        );
        b.instance = Some("urn:uuid:1".into());
        b.reg_id = Some(2);
        assert_eq!(
            contact_value(&b, now),
            "<sip:1001@10.0.0.7;transport=tcp>;expires=90;+sip.instance=\"<urn:uuid:1>\";reg-id=2"
        );
    }
}
