//! Dialogs (RFC 3261 §12) for one leg of the B2BUA: the state both ends share, how it is
//! created on each side, and how requests inside it are built and checked.
//!
//! ```text
//!                 1xx with To tag            2xx
//!   (INVITE) ──────────────────────▶ Early ──────────▶ Confirmed
//!       │                                                  ▲
//!       └──────────────────── 2xx ─────────────────────────┘
//! ```
//!
//! A dialog is identified by Call-ID, local tag and remote tag (§12). It keeps the local and
//! remote CSeq numbers (§12.2.1.1, §12.2.2), the local and remote URIs (From/To with tags), the
//! remote target (the peer's Contact, replaced by target-refresh requests and their 2xx), the
//! route set (Record-Route: in order at the UAS, reversed at the UAC, §12.1.1/§12.1.2) and
//! whether it is secure (SIPS Request-URI). Termination (BYE, final non-2xx of the INVITE)
//! belongs to the call layer, which drops the `Dialog`.
//!
//! Routing of in-dialog requests follows §12.2.1.1: with a loose router first in the route set
//! (`;lr`), the Request-URI is the remote target and the Route header carries the route set; with
//! a strict router first, the Request-URI is that router's URI and the remote target travels as
//! the last Route. Strict routing is kept minimal: the URI is used as recorded, without removing
//! parameters that a Request-URI may not carry.

use std::fmt;

use crate::Error;
use crate::message::header::{CSeq, NameAddr, Via};
use crate::message::{HeaderName, Method, Request, Response, Scheme, Uri};

/// The Max-Forwards value for requests we originate (RFC 3261 §8.1.1.6).
pub const MAX_FORWARDS: u32 = 70;

/// Call-ID, local tag and remote tag: the key of a dialog from our side (RFC 3261 §12).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DialogId {
    pub call_id: String,
    pub local_tag: String,
    pub remote_tag: String,
}

impl DialogId {
    /// The id of the dialog an incoming request belongs to: our tag is in To, the peer's in From.
    /// `None` outside a dialog (no To tag) or without a From tag.
    pub fn for_incoming_request(req: &Request) -> Option<DialogId> {
        Some(DialogId {
            call_id: req.call_id().ok()?.to_owned(),
            local_tag: req.to().ok()?.tag()?.to_owned(),
            remote_tag: req.from().ok()?.tag()?.to_owned(),
        })
    }

    /// The id of the dialog a response to our request belongs to: our tag is in From.
    pub fn for_incoming_response(resp: &Response) -> Option<DialogId> {
        Some(DialogId {
            call_id: resp.call_id().ok()?.to_owned(),
            local_tag: resp.from().ok()?.tag()?.to_owned(),
            remote_tag: resp.to().ok()?.tag()?.to_owned(),
        })
    }
}

impl fmt::Display for DialogId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{};l={};r={}",
            self.call_id, self.local_tag, self.remote_tag
        )
    }
}

/// Early (after a provisional response with a To tag) or confirmed (after a 2xx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogState {
    Early,
    Confirmed,
}

/// Which side of the dialog-creating request we were.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Uac,
    Uas,
}

/// One dialog; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    id: DialogId,
    role: Role,
    state: DialogState,
    /// The CSeq of our last request in the dialog; 0 before the first (UAS side).
    local_seq: u32,
    /// The CSeq of the peer's last request; `None` until it sends one (UAC side).
    remote_seq: Option<u32>,
    local_uri: NameAddr,
    remote_uri: NameAddr,
    remote_target: Uri,
    route_set: Vec<NameAddr>,
    secure: bool,
}

impl Dialog {
    /// The dialog we create as UAS by answering `req` (an INVITE) with a 1xx or 2xx carrying
    /// `local_tag` in To (RFC 3261 §12.1.1). It starts early; call [`Dialog::confirm`] when the
    /// 2xx is sent.
    pub fn new_uas(req: &Request, local_tag: &str) -> Result<Dialog, Error> {
        let from = req.from()?;
        let remote_tag = from
            .tag()
            .ok_or(Error::DialogMissingTag("From"))?
            .to_owned();
        let mut local_uri = req.to()?;
        local_uri.set_tag(local_tag);
        let remote_target = first_contact(req.contacts()?)?;
        Ok(Dialog {
            id: DialogId {
                call_id: req.call_id()?.to_owned(),
                local_tag: local_tag.to_owned(),
                remote_tag,
            },
            role: Role::Uas,
            state: DialogState::Early,
            local_seq: 0,
            remote_seq: Some(req.cseq()?.seq),
            local_uri,
            remote_uri: from,
            remote_target,
            route_set: req.record_routes()?,
            secure: req.uri.scheme == Scheme::Sips,
        })
    }

    /// The dialog our INVITE `req` created at the peer, from its response `resp`: a 101–199
    /// with a To tag gives an early dialog, a 2xx a confirmed one (RFC 3261 §12.1.2).
    pub fn new_uac(req: &Request, resp: &Response) -> Result<Dialog, Error> {
        if !(101..300).contains(&resp.status) {
            return Err(Error::DialogNotEstablishing(resp.status));
        }
        let remote_uri = resp.to()?;
        let remote_tag = remote_uri
            .tag()
            .ok_or(Error::DialogMissingTag("To"))?
            .to_owned();
        let local_uri = req.from()?;
        let local_tag = local_uri
            .tag()
            .ok_or(Error::DialogMissingTag("From"))?
            .to_owned();
        let mut route_set = resp.record_routes()?;
        route_set.reverse();
        Ok(Dialog {
            id: DialogId {
                call_id: req.call_id()?.to_owned(),
                local_tag,
                remote_tag,
            },
            role: Role::Uac,
            state: if resp.is_success() {
                DialogState::Confirmed
            } else {
                DialogState::Early
            },
            local_seq: req.cseq()?.seq,
            remote_seq: None,
            local_uri,
            remote_uri,
            remote_target: first_contact(resp.contacts()?)?,
            route_set,
            secure: req.uri.scheme == Scheme::Sips,
        })
    }

    /// The dialog's id.
    pub fn id(&self) -> &DialogId {
        &self.id
    }

    /// Early or confirmed.
    pub fn state(&self) -> DialogState {
        self.state
    }

    /// The CSeq of our last request (0 before the first one at the UAS).
    pub fn local_seq(&self) -> u32 {
        self.local_seq
    }

    /// The CSeq of the peer's last request, once it sent one.
    pub fn remote_seq(&self) -> Option<u32> {
        self.remote_seq
    }

    /// Our From in requests we send (with our tag).
    pub fn local_uri(&self) -> &NameAddr {
        &self.local_uri
    }

    /// The peer's address (with its tag): To in requests we send.
    pub fn remote_uri(&self) -> &NameAddr {
        &self.remote_uri
    }

    /// Where requests are ultimately addressed: the peer's Contact.
    pub fn remote_target(&self) -> &Uri {
        &self.remote_target
    }

    /// The route set, in the order requests traverse it.
    pub fn route_set(&self) -> &[NameAddr] {
        &self.route_set
    }

    /// Whether the dialog was established with a SIPS Request-URI.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// Marks an early UAS dialog confirmed once its 2xx is sent.
    pub fn confirm(&mut self) {
        self.state = DialogState::Confirmed;
    }

    /// Replaces the remote target after a target refresh (RFC 3261 §12.2).
    pub fn update_remote_target(&mut self, contact: Uri) {
        self.remote_target = contact;
    }

    /// Where to send the next request: the first Route, or the remote target without one.
    pub fn next_hop(&self) -> &Uri {
        self.route_set
            .first()
            .map_or(&self.remote_target, |r| &r.uri)
    }

    /// Takes a response to one of our requests in this dialog. A 2xx to the INVITE confirms an
    /// early dialog and recomputes its route set from the 2xx (RFC 3261 §13.2.2.4); a 2xx to a
    /// target refresh (INVITE, UPDATE) replaces the remote target (§12.2.1.2).
    pub fn handle_response(&mut self, resp: &Response) -> Result<(), Error> {
        if DialogId::for_incoming_response(resp).as_ref() != Some(&self.id) {
            return Err(Error::DialogMismatch);
        }
        if !resp.is_success() {
            return Ok(());
        }
        let method = resp.cseq()?.method;
        if self.state == DialogState::Early && method == Method::Invite {
            self.state = DialogState::Confirmed;
            if self.role == Role::Uac {
                let mut route_set = resp.record_routes()?;
                route_set.reverse();
                self.route_set = route_set;
            }
        }
        if is_target_refresh(&method) {
            if let Some(target) = resp
                .contacts()?
                .into_iter()
                .find_map(|c| c.addr().map(|a| a.uri.clone()))
            {
                self.remote_target = target;
            }
        }
        Ok(())
    }

    /// Takes a request the peer sent in this dialog (RFC 3261 §12.2.2): its CSeq must be above
    /// the last one (ACK and CANCEL reuse their request's number); a lower or equal one is
    /// [`Error::DialogCSeqOutOfOrder`], which the caller answers with 500. A target refresh
    /// with a Contact replaces the remote target.
    pub fn handle_request(&mut self, req: &Request) -> Result<(), Error> {
        if DialogId::for_incoming_request(req).as_ref() != Some(&self.id) {
            return Err(Error::DialogMismatch);
        }
        let cseq = req.cseq()?;
        if !matches!(req.method, Method::Ack | Method::Cancel) {
            if let Some(last) = self.remote_seq {
                if cseq.seq <= last {
                    return Err(Error::DialogCSeqOutOfOrder {
                        received: cseq.seq,
                        last,
                    });
                }
            }
            self.remote_seq = Some(cseq.seq);
        }
        if is_target_refresh(&req.method) {
            if let Some(target) = req
                .contacts()?
                .into_iter()
                .find_map(|c| c.addr().map(|a| a.uri.clone()))
            {
                self.remote_target = target;
            }
        }
        Ok(())
    }

    /// A new request in the dialog (RFC 3261 §12.2.1.1) with the next CSeq, our `via` on top,
    /// From/To with tags, Call-ID, Max-Forwards 70, and Request-URI and Route from the route
    /// set. A target refresh also needs our Contact, and a body its Content-Type: the caller
    /// adds them.
    pub fn new_request(&mut self, method: Method, via: Via) -> Request {
        self.local_seq = self.local_seq.saturating_add(1);
        let seq = self.local_seq;
        self.build(method, seq, via)
    }

    /// The ACK for a 2xx to our INVITE (RFC 3261 §13.2.2.4): built like an in-dialog request but
    /// with the INVITE's CSeq number, and the INVITE's credentials. `via` needs a fresh branch.
    pub fn ack_for_2xx(&self, invite: &Request, resp: &Response, via: Via) -> Request {
        let seq = resp
            .cseq()
            .or_else(|_| invite.cseq())
            .map_or(self.local_seq, |c| c.seq);
        let mut ack = self.build(Method::Ack, seq, via);
        for name in [HeaderName::Authorization, HeaderName::ProxyAuthorization] {
            for value in invite.headers.get_all(&name) {
                ack.headers.push(name.clone(), value);
            }
        }
        ack
    }

    fn build(&self, method: Method, seq: u32, via: Via) -> Request {
        let (request_uri, routes) = match self.route_set.first() {
            Some(first) if !first.uri.params.contains("lr") => {
                // Strict router: it takes the Request-URI; the remote target rides last.
                let mut routes: Vec<NameAddr> = self.route_set.iter().skip(1).cloned().collect();
                routes.push(NameAddr::new(self.remote_target.clone()));
                (first.uri.clone(), routes)
            }
            _ => (self.remote_target.clone(), self.route_set.clone()),
        };
        let mut req = Request::new(method.clone(), request_uri);
        req.headers.push(HeaderName::Via, via.to_string());
        req.headers
            .push(HeaderName::MaxForwards, MAX_FORWARDS.to_string());
        for route in routes {
            req.headers.push(HeaderName::Route, route.to_string());
        }
        req.headers
            .push(HeaderName::From, self.local_uri.to_string());
        req.headers
            .push(HeaderName::To, self.remote_uri.to_string());
        req.headers
            .push(HeaderName::CallId, self.id.call_id.clone());
        req.headers
            .push(HeaderName::CSeq, CSeq::new(seq, method).to_string());
        req
    }
}

/// An INVITE outside any dialog (RFC 3261 §8.1.1, §13.2.1): `from` must carry our tag, `to`
/// none. Body and Content-Type are the caller's.
pub fn new_invite(
    from: NameAddr,
    to: NameAddr,
    request_uri: Uri,
    call_id: String,
    cseq: u32,
    contact: Uri,
    via: Via,
) -> Request {
    let mut req = Request::new(Method::Invite, request_uri);
    req.headers.push(HeaderName::Via, via.to_string());
    req.headers
        .push(HeaderName::MaxForwards, MAX_FORWARDS.to_string());
    req.headers.push(HeaderName::From, from.to_string());
    req.headers.push(HeaderName::To, to.to_string());
    req.headers.push(HeaderName::CallId, call_id);
    req.headers.push(
        HeaderName::CSeq,
        CSeq::new(cseq, Method::Invite).to_string(),
    );
    req.headers
        .push(HeaderName::Contact, NameAddr::new(contact).to_string());
    req
}

/// Methods that replace the remote target (RFC 3261 §12.2; UPDATE per RFC 3311 §5).
fn is_target_refresh(method: &Method) -> bool {
    matches!(method, Method::Invite | Method::Update)
}

fn first_contact(contacts: Vec<crate::message::header::Contact>) -> Result<Uri, Error> {
    contacts
        .into_iter()
        .find_map(|c| c.addr().map(|a| a.uri.clone()))
        .ok_or(Error::DialogMissingContact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;
    use bytes::Bytes;

    fn parse(text: &str) -> Message {
        Message::parse(Bytes::from(text.replace('\n', "\r\n"))).expect("fixture parses")
    }

    const BYE: &str = "BYE sip:100@sb.example SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\n\
        From: <sip:al@a.example>;tag=remote\nTo: <sip:100@sb.example>;tag=local\nCall-ID: c\n\
        CSeq: 2 BYE\nContent-Length: 0\n\n";

    #[test]
    fn dialog_id_of_an_incoming_request_puts_our_tag_first() {
        let Message::Request(req) = parse(BYE) else {
            panic!("request")
        };
        let id = DialogId::for_incoming_request(&req).expect("in dialog");
        assert_eq!(
            (id.local_tag.as_str(), id.remote_tag.as_str()),
            ("local", "remote")
        );
        assert_eq!(id.to_string(), "c;l=local;r=remote");
    }

    #[test]
    fn dialog_id_of_a_response_to_us_puts_the_from_tag_first() {
        let Message::Request(req) = parse(BYE) else {
            panic!("request")
        };
        let resp = Response::for_request(&req, 200);
        let id = DialogId::for_incoming_response(&resp).expect("tags");
        assert_eq!(
            (id.local_tag.as_str(), id.remote_tag.as_str()),
            ("remote", "local")
        );
    }

    #[test]
    fn out_of_dialog_requests_have_no_dialog_id() {
        let Message::Request(mut req) = parse(BYE) else {
            panic!("request")
        };
        req.headers.set(HeaderName::To, "<sip:100@sb.example>");
        assert_eq!(DialogId::for_incoming_request(&req), None);
    }

    #[test]
    fn target_refreshes_are_invite_and_update() {
        assert!(is_target_refresh(&Method::Invite));
        assert!(is_target_refresh(&Method::Update));
        assert!(!is_target_refresh(&Method::Bye));
        assert!(!is_target_refresh(&Method::Info));
    }
}
