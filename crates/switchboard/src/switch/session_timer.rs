//! Session timers (RFC 4028) on each leg: a dialog whose other end died without a BYE is
//! found and ended. On the caller leg we are UAS of the initial INVITE and the caller refreshes
//! when it supports timers (`refresher=uac`), else we do (`refresher=uas`); on the agent leg we
//! ask for `refresher=uac` and refresh ourselves unless the agent's 2xx says otherwise.
//!
//! The refresher sends a re-INVITE at half the interval; the other side ends the session when
//! no refresh came by the interval minus min(32 s, interval / 3) (§10). Any re-INVITE or UPDATE
//! that succeeds counts as a refresh.

use std::time::{Duration, Instant};

use sip::{HeaderName, Request, Response};

/// Who refreshes a leg's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refresher {
    /// We send the refreshes.
    Us,
    /// The party on that leg does.
    Peer,
}

/// The session timer of one leg.
#[derive(Debug, Clone, Copy)]
pub(super) struct SessionTimer {
    pub interval: Duration,
    pub refresher: Refresher,
    /// When to refresh (we refresh) or when the session has expired (the peer refreshes).
    pub due: Instant,
}

impl SessionTimer {
    pub fn start(interval: Duration, refresher: Refresher, now: Instant) -> SessionTimer {
        let mut t = SessionTimer {
            interval,
            refresher,
            due: now,
        };
        t.refreshed(now);
        t
    }

    /// A refresh (ours or the peer's) succeeded at `now`.
    pub fn refreshed(&mut self, now: Instant) {
        self.due = match self.refresher {
            Refresher::Us => now + self.interval / 2,
            Refresher::Peer => {
                now + self.interval - (self.interval / 3).min(Duration::from_secs(32))
            }
        };
    }

    /// The `Session-Expires` value for a response to a request the peer sent.
    pub fn in_response(&self) -> String {
        let role = match self.refresher {
            Refresher::Peer => "uac",
            Refresher::Us => "uas",
        };
        format!("{};refresher={role}", self.interval.as_secs())
    }

    /// The `Session-Expires` value for a request we send.
    pub fn in_request(&self) -> String {
        let role = match self.refresher {
            Refresher::Us => "uac",
            Refresher::Peer => "uas",
        };
        format!("{};refresher={role}", self.interval.as_secs())
    }
}

pub(super) fn session_expires_name() -> HeaderName {
    HeaderName::Other("Session-Expires".into())
}

pub(super) fn min_se_name() -> HeaderName {
    HeaderName::Other("Min-SE".into())
}

/// `Session-Expires: delta-seconds [;refresher=uac|uas]` (RFC 4028 §4).
pub(super) fn parse_session_expires(value: &str) -> Option<(u64, Option<&str>)> {
    let mut parts = value.split(';');
    let seconds = parts.next()?.trim().parse::<u64>().ok()?;
    let refresher = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("refresher"))
        .map(|(_, v)| v.trim());
    Some((seconds, refresher))
}

fn supports_timer(req: &Request) -> bool {
    req.headers
        .get_all(&HeaderName::Supported)
        .chain(req.headers.get_all(&HeaderName::Require))
        .any(|o| o.trim().eq_ignore_ascii_case("timer"))
}

/// What an initial INVITE from a caller leads to.
pub(super) enum Grant {
    /// No session timer on this leg.
    None,
    /// A session timer; `require` when the caller refreshes (it then must know the extension).
    Timer { timer: SessionTimer, require: bool },
}

/// Decides the session timer for the caller's initial INVITE (RFC 4028 §9), or returns the
/// 422 to send when the caller's interval is below our minimum.
pub(super) fn grant(
    req: &Request,
    ours: Option<Duration>,
    min_se: Duration,
    now: Instant,
) -> Result<Grant, Response> {
    let asked = req
        .headers
        .get(&session_expires_name())
        .and_then(parse_session_expires);
    if let Some((seconds, _)) = asked {
        if Duration::from_secs(seconds) < min_se {
            let mut r = Response::for_request(req, 422);
            r.headers.push(min_se_name(), min_se.as_secs().to_string());
            return Err(r);
        }
    }
    let Some(ours) = ours else {
        return Ok(Grant::None);
    };
    // The caller's interval when it asked for one (it may be shorter than ours), else ours.
    let interval = asked.map_or(ours, |(s, _)| Duration::from_secs(s).min(ours).max(min_se));
    let caller_refreshes = supports_timer(req) && asked.and_then(|(_, r)| r) != Some("uas");
    let refresher = if caller_refreshes {
        Refresher::Peer
    } else {
        Refresher::Us
    };
    Ok(Grant::Timer {
        timer: SessionTimer::start(interval, refresher, now),
        require: caller_refreshes,
    })
}

/// Reads the agent's 2xx to our INVITE (RFC 4028 §7.2): no Session-Expires means no timer.
pub(super) fn from_answer(resp: &Response, now: Instant) -> Option<SessionTimer> {
    let (seconds, refresher) = resp
        .headers
        .get(&session_expires_name())
        .and_then(parse_session_expires)?;
    let refresher = match refresher {
        Some(r) if r.eq_ignore_ascii_case("uas") => Refresher::Peer,
        _ => Refresher::Us,
    };
    Some(SessionTimer::start(
        Duration::from_secs(seconds.max(90)),
        refresher,
        now,
    ))
}

/// A refresh request from the peer may change the interval (it is the UAC of that request).
pub(super) fn on_peer_request(
    timer: &mut SessionTimer,
    req: &Request,
    min_se: Duration,
    now: Instant,
) {
    if let Some((seconds, refresher)) = req
        .headers
        .get(&session_expires_name())
        .and_then(parse_session_expires)
    {
        timer.interval = Duration::from_secs(seconds).max(min_se);
        timer.refresher = match refresher {
            Some(r) if r.eq_ignore_ascii_case("uas") => Refresher::Us,
            Some(_) => Refresher::Peer,
            None => timer.refresher,
        };
    }
    timer.refreshed(now);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_expires_values_parse() {
        assert_eq!(
            parse_session_expires("1800;refresher=uac"),
            Some((1800, Some("uac")))
        );
        assert_eq!(
            parse_session_expires(" 90 ; Refresher = uas "),
            Some((90, Some("uas")))
        );
        assert_eq!(parse_session_expires("600"), Some((600, None)));
        assert_eq!(parse_session_expires("soon"), None);
    }

    #[test]
    fn the_refresher_refreshes_at_half_and_the_other_side_expires_before_the_end() {
        let t0 = Instant::now();
        let us = SessionTimer::start(Duration::from_secs(1800), Refresher::Us, t0);
        assert_eq!(us.due, t0 + Duration::from_secs(900));
        let peer = SessionTimer::start(Duration::from_secs(1800), Refresher::Peer, t0);
        assert_eq!(peer.due, t0 + Duration::from_secs(1800 - 32));
        let short = SessionTimer::start(Duration::from_secs(90), Refresher::Peer, t0);
        assert_eq!(short.due, t0 + Duration::from_secs(60));
    }
}
