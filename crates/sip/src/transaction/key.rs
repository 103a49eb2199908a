//! Matching keys: which transaction owns a message (RFC 3261 §17.1.3 and §17.2.3).
//!
//! A response belongs to the client transaction whose request carried the same top Via branch and
//! whose method equals the response's CSeq method (so the 200 to a CANCEL does not reach the
//! INVITE sharing its branch). A request belongs to the server transaction with the same branch,
//! sent-by and method, where ACK counts as INVITE (the ACK of a non-2xx response is part of the
//! INVITE transaction) and CANCEL is its own transaction.
//!
//! Requests from RFC 2543 implementations carry no `z9hG4bK` cookie, so their branch (if any) is
//! not unique; for them the key also binds the Request-URI, Call-ID, From tag and CSeq number
//! (§17.2.3, simplified: the To tag of the ACK is not compared).

use crate::Error;
use crate::ids::BRANCH_COOKIE;
use crate::message::header::Via;
use crate::message::{Method, Request};

/// The method part of a server key: ACK folds into INVITE.
fn server_method(method: &Method) -> Method {
    match method {
        Method::Ack => Method::Invite,
        other => other.clone(),
    }
}

/// The key of a server transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ServerKey {
    branch: String,
    sent_by: String,
    method: Method,
}

impl ServerKey {
    /// The key of the transaction `request` belongs to (or would create), given its top Via.
    pub fn for_request(request: &Request, via: &Via) -> Result<ServerKey, Error> {
        Self::with_method(request, via, &request.method)
    }

    /// The key of the INVITE transaction a CANCEL (`request`) refers to (RFC 3261 §9.2).
    pub fn cancelled_invite(request: &Request, via: &Via) -> Result<ServerKey, Error> {
        Self::with_method(request, via, &Method::Invite)
    }

    fn with_method(request: &Request, via: &Via, method: &Method) -> Result<ServerKey, Error> {
        let sent_by = match via.port {
            Some(port) => format!("{}:{port}", via.host).to_ascii_lowercase(),
            None => via.host.to_string().to_ascii_lowercase(),
        };
        let branch = match via.branch() {
            Some(b) if b.starts_with(BRANCH_COOKIE) => b.to_owned(),
            legacy => legacy_branch(request, legacy.unwrap_or(""))?,
        };
        Ok(ServerKey {
            branch,
            sent_by,
            method: server_method(method),
        })
    }
}

/// RFC 2543 requests: bind the fields that identify the transaction there.
fn legacy_branch(request: &Request, branch: &str) -> Result<String, Error> {
    let from = request.from()?;
    let cseq = request.cseq()?;
    Ok(format!(
        "2543;{branch};{};{};{};{}",
        request.uri,
        request.call_id()?,
        from.tag().unwrap_or(""),
        cseq.seq
    ))
}

/// The key of a client transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ClientKey {
    branch: String,
    method: Method,
}

impl ClientKey {
    pub fn new(branch: &str, method: Method) -> ClientKey {
        ClientKey {
            branch: branch.to_owned(),
            method,
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::message::Message;

    fn request(method: &str, via: &str, cseq: u32) -> (Request, Via) {
        let text = format!(
            "{method} sip:100@10.0.0.2 SIP/2.0\r\nVia: {via}\r\nFrom: <sip:a@x>;tag=f\r\n\
             To: <sip:100@10.0.0.2>\r\nCall-ID: k\r\nCSeq: {cseq} {method}\r\n\r\n"
        );
        match Message::parse(Bytes::from(text)) {
            Ok(Message::Request(r)) => {
                let via = r.top_via().expect("test Via parses");
                (r, via)
            }
            other => panic!("test request does not parse: {other:?}"),
        }
    }

    fn key(method: &str, via: &str, cseq: u32) -> ServerKey {
        let (r, v) = request(method, via, cseq);
        ServerKey::for_request(&r, &v).expect("key")
    }

    #[test]
    fn ack_shares_the_invite_key_and_cancel_does_not() {
        let via = "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1";
        assert_eq!(key("ACK", via, 1), key("INVITE", via, 1));
        assert_ne!(key("CANCEL", via, 1), key("INVITE", via, 1));
        let (cancel, v) = request("CANCEL", via, 1);
        assert_eq!(
            ServerKey::cancelled_invite(&cancel, &v).expect("key"),
            key("INVITE", via, 1)
        );
    }

    #[test]
    fn sent_by_host_compares_without_case_and_port_counts() {
        assert_eq!(
            key(
                "OPTIONS",
                "SIP/2.0/UDP Host.Example.com:5060;branch=z9hG4bK1",
                1
            ),
            key(
                "OPTIONS",
                "SIP/2.0/UDP host.example.COM:5060;branch=z9hG4bK1",
                1
            )
        );
        assert_ne!(
            key("OPTIONS", "SIP/2.0/UDP host:5060;branch=z9hG4bK1", 1),
            key("OPTIONS", "SIP/2.0/UDP host:5070;branch=z9hG4bK1", 1)
        );
    }

    #[test]
    fn branches_without_the_cookie_also_bind_the_cseq() {
        let via = "SIP/2.0/UDP 10.0.0.1;branch=1";
        assert_eq!(key("INVITE", via, 1), key("INVITE", via, 1));
        assert_ne!(key("INVITE", via, 1), key("INVITE", via, 2));
        assert_eq!(
            key("INVITE", "SIP/2.0/UDP 10.0.0.1", 5),
            key("ACK", "SIP/2.0/UDP 10.0.0.1", 5)
        );
    }

    #[test]
    fn client_keys_differ_by_method() {
        assert_ne!(
            ClientKey::new("z9hG4bK1", Method::Invite),
            ClientKey::new("z9hG4bK1", Method::Cancel)
        );
    }
}
