//! SIP signalling for switchboard: message parsing and printing, stream framing, the RFC 3261
//! transaction layer (with RFC 6026), dialogs, digest authentication and the registrar.
//!
//! Everything here is sans-IO: functions take bytes and `now`, and return bytes to send, events
//! and the next deadline. Sockets and timers belong to the drivers in the `switchboard` binary.

pub mod auth;
pub mod dialog;
pub mod error;
pub mod ids;
pub mod message;
pub mod registrar;
pub mod registration;
pub mod transaction;
pub mod transport;

pub use error::Error;
pub use message::header::{CSeq, Contact, NameAddr, Via};
pub use message::{
    HeaderName, Headers, Host, Message, Method, Params, Request, Response, Scheme, StreamFramer,
    Uri, bad_request_response,
};
