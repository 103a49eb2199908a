//! The one error type of the `sip` crate.

/// Everything that can go wrong in the `sip` crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    // --- message parsing (message/) ---
    /// The message is larger than the size limit for one SIP message.
    #[error("message of {len} bytes exceeds the {limit}-byte limit")]
    MessageTooLarge { len: usize, limit: usize },
    /// The header section (start line and headers) is larger than its size limit.
    #[error("header section exceeds the {limit}-byte limit")]
    HeaderSectionTooLarge { limit: usize },
    /// One header line (with its folded continuations) is larger than its size limit.
    #[error("a header line exceeds the {limit}-byte limit")]
    HeaderTooLarge { limit: usize },
    /// The message has more header lines than allowed.
    #[error("more than {limit} headers")]
    TooManyHeaders { limit: usize },
    /// The empty line that ends the header section never came: the message is truncated.
    #[error("header section not terminated by an empty line")]
    IncompleteHeaders,
    /// The first line is neither a request line nor a status line.
    #[error("malformed start line")]
    BadStartLine,
    /// The protocol version is not `SIP/2.0`.
    #[error("unsupported SIP version")]
    BadVersion,
    /// The method token of a request line contains characters outside RFC 3261 `token`.
    #[error("malformed method token")]
    BadMethod,
    /// The status code is not three digits in 100..=699.
    #[error("status code not in 100..=699")]
    BadStatusCode,
    /// The URI scheme is not `sip`, `sips` or `tel`.
    #[error("unsupported URI scheme")]
    UnsupportedScheme,
    /// A URI is malformed (structure, user part or parameters).
    #[error("malformed URI")]
    BadUri,
    /// The host part of a URI or Via is not a domain name, IPv4 address or `[IPv6]` reference.
    #[error("malformed host")]
    BadHost,
    /// A port is not a decimal number in 0..=65535.
    #[error("malformed port")]
    BadPort,
    /// A CR or LF that is not part of a CRLF line break (header injection attempt).
    #[error("bare CR or LF in the header section")]
    BareLineBreak,
    /// The header section is not valid UTF-8.
    #[error("header section is not UTF-8")]
    NonUtf8Header,
    /// A header line has no colon or an invalid header name.
    #[error("malformed header line")]
    BadHeaderLine,
    /// A mandatory header is absent.
    #[error("missing {0} header")]
    MissingHeader(crate::message::HeaderName),
    /// A header value does not match that header's grammar.
    #[error("malformed {0} header")]
    BadHeader(crate::message::HeaderName),
    /// The CSeq header is absent, malformed or its number out of range.
    #[error("malformed CSeq header")]
    BadCSeq,
    /// The CSeq method differs from the request method (RFC 3261 §8.1.1.5).
    #[error("CSeq method {cseq} does not match request method {request}")]
    CSeqMethodMismatch {
        request: crate::message::Method,
        cseq: crate::message::Method,
    },
    /// Content-Length is not a number, or appears twice with different values.
    #[error("malformed Content-Length")]
    BadContentLength,
    /// A message on a stream transport has no Content-Length, so it cannot be framed (RFC 3261 §18.3).
    #[error("missing Content-Length on a stream transport")]
    MissingContentLength,
    /// The body is shorter than Content-Length: the datagram was truncated.
    #[error("body truncated: Content-Length {expected}, got {actual} bytes")]
    BodyTruncated { expected: usize, actual: usize },

    // --- transactions (transaction/) ---
    /// The TU answered a transaction that does not exist (never created, a client transaction, or
    /// already terminated).
    #[error("no server transaction {0}")]
    UnknownTransaction(crate::transaction::TxId),
    /// The server transaction cannot send this response in its current state (e.g. a second final
    /// response, or a provisional after the final one).
    #[error("transaction in state {state} cannot send a {status} response")]
    ResponseNotAllowed { status: u16, state: &'static str },
    /// A request handed to the transaction layer carries no branch on its top Via.
    #[error("request has no Via branch")]
    MissingBranch,
    /// ACK is not sent through a client transaction: the INVITE transaction or the dialog sends it.
    #[error("ACK cannot start a client transaction")]
    AckNotATransaction,
    /// A live client transaction already uses this branch and method.
    #[error("branch {0} is already in use by a client transaction")]
    DuplicateBranch(String),
    /// The layer already holds its maximum number of live transactions.
    #[error("transaction limit of {limit} reached")]
    TooManyTransactions { limit: usize },

    // --- dialogs, digest authentication, registrar (dialog.rs, auth/, registrar/) ---
    /// An authorization header uses a scheme other than `Digest` (RFC 3261 §22.4).
    #[error("authorization scheme is not Digest")]
    AuthSchemeNotDigest,
    /// A digest parameter list is malformed at this byte offset (RFC 7616 §3.4).
    #[error("malformed digest parameters at byte {offset}")]
    DigestSyntax { offset: usize },
    /// A digest directive appears twice, leaving its meaning ambiguous.
    #[error("digest directive {0} appears twice")]
    DigestDuplicateParam(String),
    /// A required digest directive is absent.
    #[error("digest directive {0} is missing")]
    DigestMissingParam(&'static str),
    /// The digest algorithm is neither MD5 nor SHA-256 (nor their -sess forms).
    #[error("unsupported digest algorithm {0}")]
    DigestUnsupportedAlgorithm(String),
    /// The qop value is neither `auth` nor `auth-int`.
    #[error("unsupported digest qop {0}")]
    DigestUnsupportedQop(String),
    /// The `nc` directive is not 1 to 8 hex digits.
    #[error("malformed digest nonce count")]
    DigestBadNonceCount,
    /// The credentials use `userhash=true` (RFC 7616 §3.4.4), which is not supported.
    #[error("digest userhash is not supported")]
    DigestUserHashUnsupported,
    /// A request or response that should create a dialog lacks the tag of the named header.
    #[error("no tag in {0}: cannot form a dialog")]
    DialogMissingTag(&'static str),
    /// A dialog-creating request or response has no Contact to use as remote target.
    #[error("no Contact: cannot form a dialog")]
    DialogMissingContact,
    /// A response with this status cannot create a dialog (only 101–299 can).
    #[error("a {0} response does not create a dialog")]
    DialogNotEstablishing(u16),
    /// The message's Call-ID or tags are not this dialog's.
    #[error("message does not belong to this dialog")]
    DialogMismatch,
    /// The peer's in-dialog request has a CSeq not above its last one (answer 500).
    #[error("in-dialog CSeq {received} is not above the last {last}")]
    DialogCSeqOutOfOrder { received: u32, last: u32 },
    /// The operating system's random source failed, so no secret key could be made.
    #[error("operating system random source unavailable")]
    RandomUnavailable,
}
