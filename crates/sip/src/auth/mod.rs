//! Digest authentication for SIP (RFC 3261 §22, RFC 7616, RFC 8760): the digest computation,
//! the `Authorization`/`WWW-Authenticate` parameter syntax, stateless HMAC nonces, the
//! nonce-count replay window and the client side used to answer challenges.
//!
//! The registrar is the server-side user of all of this; outbound trunk registration uses
//! [`client_response`].

mod credentials;
mod digest;
mod nonce;
mod params;
mod replay;

pub use credentials::{Challenge, Credentials, client_response};
pub use digest::{Algorithm, DigestRequest, Qop, QopParams, digests_equal, ha1, response};
pub use nonce::{DEFAULT_NONCE_LIFETIME, NonceService, NonceStatus};
pub use replay::{DEFAULT_WINDOW_CAPACITY, NonceCountCheck, NonceCounts};
