//! The organization as Firewall Manager sees it: its accounts and where each sits among the
//! OUs. Read from the record Organizations keeps in the system space (the port between the two
//! services is that record's documented shape: `organizations.org/organization`, camelCase
//! JSON), so this crate does not depend on the identity crate.

use crate::errors;
use rampart_protocol::AwsError;
use rampart_store::{Key, Store, space};
use serde::Deserialize;
use std::collections::BTreeMap;

const TABLE: &str = "organizations.org";
const ID: &str = "organization";

/// The organization's structure.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Org {
    /// `ALL` or `CONSOLIDATED_BILLING`.
    pub feature_set: String,
    /// The management account's id.
    pub management: String,
    /// OUs by id.
    #[serde(default)]
    pub units: BTreeMap<String, Unit>,
    /// Accounts by id.
    #[serde(default)]
    pub accounts: BTreeMap<String, Member>,
}

/// An OU.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Unit {
    /// The root's or an OU's id.
    pub parent: String,
}

/// An account.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Member {
    /// `ACTIVE` or `SUSPENDED`.
    pub status: String,
    /// The root's or an OU's id.
    pub parent: String,
}

impl Org {
    /// Whether `account` is an active account of the organization.
    pub(crate) fn has(&self, account: &str) -> bool {
        self.accounts
            .get(account)
            .is_some_and(|m| m.status == "ACTIVE")
    }

    /// The active accounts, in id order.
    pub(crate) fn active(&self) -> Vec<String> {
        self.accounts
            .iter()
            .filter(|(_, m)| m.status == "ACTIVE")
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The OUs `account` sits in, from its parent up to the root (exclusive).
    pub(crate) fn units_of(&self, account: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = self.accounts.get(account).map(|m| m.parent.clone());
        while let Some(id) = at {
            match self.units.get(&id) {
                Some(u) if !out.contains(&id) => {
                    out.push(id);
                    at = Some(u.parent.clone());
                }
                _ => break,
            }
        }
        out
    }
}

/// The organization, if the management account created one.
pub(crate) fn read(store: &dyn Store) -> Result<Option<Org>, AwsError> {
    let Some(item) = store
        .get(&Key::new(space::SYSTEM, TABLE, ID))
        .map_err(errors::store)?
    else {
        return Ok(None);
    };
    serde_json::from_slice(&item.value).map(Some).map_err(|e| {
        tracing::error!(error = %e, "unreadable organization record");
        errors::internal()
    })
}
