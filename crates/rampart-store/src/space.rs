//! The names of the spaces that partition the store.
//!
//! Regional resources live in `acct/<account>/<region>`, global ones (IAM, Organizations
//! membership...) in `acct/<account>`, and server-wide state in [`SYSTEM`].

use rampart_types::{AccountId, Region};

/// The space of server-wide state (the organization, master-key check value...).
pub const SYSTEM: &str = "system";

/// The space of an account's global resources, such as IAM: `acct/123456789012`.
pub fn account(account: &AccountId) -> String {
    format!("acct/{account}")
}

/// The space of an account's resources in one region: `acct/123456789012/us-east-1`.
pub fn account_region(account: &AccountId, region: &Region) -> String {
    format!("acct/{account}/{region}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let acct: AccountId = "123456789012".parse().unwrap();
        let region: Region = "us-east-1".parse().unwrap();
        assert_eq!(account(&acct), "acct/123456789012");
        assert_eq!(
            account_region(&acct, &region),
            "acct/123456789012/us-east-1"
        );
        assert_eq!(SYSTEM, "system");
    }
}
