//! The one error type of the `sip` crate.

/// Everything that can go wrong in the `sip` crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    // --- message parsing (message/) ---

    // --- transactions (transaction/) ---

    // --- dialogs, digest authentication, registrar (dialog.rs, auth/, registrar.rs) ---
}
