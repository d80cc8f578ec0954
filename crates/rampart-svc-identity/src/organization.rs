//! First start: the organization's management account and its root access key.

use crate::access_keys::{
    AccessKeyOwner, mint_access_key_id, mint_secret_access_key, store_access_key,
};
use rampart_crypto::random_token;
use rampart_service::Env;
use rampart_store::{Batch, Expect, Key, StoreError};
use rampart_types::AccountId;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

const SPACE: &str = "system";
const TABLE: &str = "organization";
const ID: &str = "management-account";

#[derive(Serialize, Deserialize)]
struct Management {
    account: AccountId,
}

/// A root access key to install at first start (from `RAMPART_ROOT_ACCESS_KEY_ID` and
/// `RAMPART_ROOT_SECRET_ACCESS_KEY`).
pub struct RootKey {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Zeroizing<String>,
}

/// What the bootstrap found or made.
pub enum Bootstrap {
    /// The store already held an organization.
    Existing {
        /// Its management account.
        account: AccountId,
    },
    /// A new organization was created with this root key, to be shown to the operator once.
    Created {
        /// The new management account.
        account: AccountId,
        /// Its root key.
        root_key: RootKey,
    },
}

/// The management account, if the store has been bootstrapped.
pub fn management_account(
    store: &dyn rampart_store::Store,
) -> Result<Option<AccountId>, StoreError> {
    let Some(item) = store.get(&Key::new(SPACE, TABLE, ID))? else {
        return Ok(None);
    };
    let m: Management = serde_json::from_slice(&item.value)
        .map_err(|e| StoreError::Corrupt(format!("organization record: {e}")))?;
    Ok(Some(m.account))
}

/// Creates the management account and its root key on an empty store; a store that already has
/// one is left as it is (the `given` key is then ignored: it only applies at first start).
pub fn bootstrap(
    store: &dyn rampart_store::Store,
    make_env: impl FnOnce(AccountId) -> Env,
    given: Option<RootKey>,
) -> Result<Bootstrap, StoreError> {
    if let Some(account) = management_account(store)? {
        return Ok(Bootstrap::Existing { account });
    }
    let account = new_account_id()?;
    let env = make_env(account.clone());
    let root_key = match given {
        Some(key) => key,
        None => RootKey {
            access_key_id: mint_access_key_id().ok_or_else(no_randomness)?,
            secret_access_key: mint_secret_access_key().ok_or_else(no_randomness)?,
        },
    };
    store_access_key(
        &env,
        &account,
        AccessKeyOwner::Root,
        &root_key.access_key_id,
        &root_key.secret_access_key,
    )?;
    let record = serde_json::to_vec(&Management {
        account: account.clone(),
    })
    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    store.commit(Batch::new().put_if(Key::new(SPACE, TABLE, ID), record, Expect::Absent))?;
    Ok(Bootstrap::Created { account, root_key })
}

fn new_account_id() -> Result<AccountId, StoreError> {
    let first = random_token(b"123456789", 1).ok_or_else(no_randomness)?;
    let rest = random_token(b"0123456789", 11).ok_or_else(no_randomness)?;
    format!("{first}{rest}")
        .parse()
        .map_err(|_| StoreError::Corrupt("minted an invalid account id".into()))
}

fn no_randomness() -> StoreError {
    StoreError::Unavailable("the system random generator failed".into())
}
