//! The accounts a registrar authenticates: user name, realm and the two HA1 values
//! (RFC 7616 §3.4.2), never the password itself, so a leaked account store does not give away
//! passwords that may be reused elsewhere.

use std::fmt;

use crate::auth::{Algorithm, ha1};

/// One user allowed to register.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub user: String,
    pub realm: String,
    ha1_md5: String,
    ha1_sha256: String,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // An HA1 is password-equivalent for this realm: keep it out of logs.
        f.debug_struct("Account")
            .field("user", &self.user)
            .field("realm", &self.realm)
            .finish_non_exhaustive()
    }
}

impl Account {
    /// Computes both HA1 values from a password, which is not kept.
    pub fn from_password(user: &str, realm: &str, password: &str) -> Account {
        Account {
            user: user.to_owned(),
            realm: realm.to_owned(),
            ha1_md5: ha1(Algorithm::Md5, user, realm, password),
            ha1_sha256: ha1(Algorithm::Sha256, user, realm, password),
        }
    }

    /// An account from stored HA1 values (lowercase hex, as [`ha1`] computes them).
    pub fn from_ha1(user: &str, realm: &str, ha1_md5: &str, ha1_sha256: &str) -> Account {
        Account {
            user: user.to_owned(),
            realm: realm.to_owned(),
            ha1_md5: ha1_md5.to_ascii_lowercase(),
            ha1_sha256: ha1_sha256.to_ascii_lowercase(),
        }
    }

    /// The stored HA1 an algorithm starts from.
    pub fn ha1(&self, alg: Algorithm) -> &str {
        match alg.base() {
            Algorithm::Sha256 => &self.ha1_sha256,
            _ => &self.ha1_md5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_password_stores_both_hashes_and_debug_hides_them() {
        let a = Account::from_password("1001", "switchboard", "pass1001");
        assert_eq!(
            a.ha1(Algorithm::Md5),
            ha1(Algorithm::Md5, "1001", "switchboard", "pass1001")
        );
        assert_eq!(
            a.ha1(Algorithm::Sha256Sess),
            ha1(Algorithm::Sha256, "1001", "switchboard", "pass1001")
        );
        assert_eq!(a.ha1(Algorithm::Md5).len(), 32);
        assert_eq!(a.ha1(Algorithm::Sha256).len(), 64);
        let shown = format!("{a:?}");
        assert!(!shown.contains(a.ha1(Algorithm::Md5)) && !shown.contains("pass"));
        let b = Account::from_ha1(
            "1001",
            "switchboard",
            &a.ha1(Algorithm::Md5).to_uppercase(),
            a.ha1(Algorithm::Sha256),
        );
        assert_eq!(a, b);
    }
}
