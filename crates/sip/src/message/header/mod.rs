//! Typed views of the headers the signalling layers act on (RFC 3261 §20), one per file.
//! Each parses from a raw header value (one element of a comma-joined list) and prints the
//! value back with `Display`.

mod contact;
mod cseq;
mod name_addr;
mod via;

pub use contact::Contact;
pub use cseq::CSeq;
pub use name_addr::NameAddr;
pub use via::Via;
