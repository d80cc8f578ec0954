//! Access keys: minting, sealed storage, and the lookup the pipeline authenticates with.

use base64::Engine;
use rampart_crypto::random_token;
use rampart_service::{Env, Principal, PrincipalKind};
use rampart_store::{Batch, Expect, Key, StoreError};
use rampart_types::AccountId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use zeroize::Zeroizing;

const SPACE: &str = "global";
const TABLE: &str = "iam.access-key";
const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Who an access key belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum AccessKeyOwner {
    /// The account's root user.
    Root,
    /// An IAM user of the key's account.
    User {
        /// The user's name (rewritten when the user is renamed).
        name: String,
        /// The user's unique id (`AIDA...`): a key never passes to a new user of the same name.
        user_id: String,
    },
}

/// The stored form of an access key; the secret only ever sealed.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct StoredKey {
    pub account: AccountId,
    pub owner: AccessKeyOwner,
    /// `Active` or `Inactive`.
    pub status: String,
    pub secret_sealed: String,
    /// When the key was created (epoch seconds); absent in records older than IAM users.
    #[serde(default)]
    pub create_date: f64,
}

impl StoredKey {
    /// The encoded record.
    pub(crate) fn encode(&self) -> Result<Vec<u8>, StoreError> {
        serde_json::to_vec(self)
            .map_err(|e| StoreError::Corrupt(format!("access key encoding: {e}")))
    }
}

/// A resolved, active access key: the secret to verify the signature with, and the caller it names.
pub struct Credential {
    /// The secret access key, zeroized on drop.
    pub secret: Zeroizing<String>,
    /// The identity that signs with this key.
    pub principal: Principal,
}

/// A new long-term access key id (`AKIA` and 16 base32 characters, as AWS mints them).
pub fn mint_access_key_id() -> Option<String> {
    Some(format!("AKIA{}", random_token(BASE32, 16)?))
}

/// A new 40-character secret access key.
pub fn mint_secret_access_key() -> Option<Zeroizing<String>> {
    random_token(SECRET_ALPHABET, 40).map(Zeroizing::new)
}

fn seal_context(access_key_id: &str) -> Vec<u8> {
    format!("{TABLE}/{access_key_id}").into_bytes()
}

/// Every key record of `account`'s root user, with its id.
pub(crate) fn root_keys(
    env: &Env,
    account: &AccountId,
) -> Result<Vec<(String, StoredKey)>, StoreError> {
    let mut found = Vec::new();
    for item in env.store.scan(SPACE, TABLE, &rampart_store::Scan::all())? {
        let stored: StoredKey = serde_json::from_slice(&item.value)
            .map_err(|e| StoreError::Corrupt(format!("access key record: {e}")))?;
        if stored.owner == AccessKeyOwner::Root && &stored.account == account {
            found.push((item.key.id, stored));
        }
    }
    Ok(found)
}

/// The store key of an access key's record.
pub(crate) fn access_key_key(access_key_id: &str) -> Key {
    Key::new(SPACE, TABLE, access_key_id)
}

/// A new, active key record with its secret sealed under the master key.
pub(crate) fn new_key_record(
    env: &Env,
    account: &AccountId,
    owner: AccessKeyOwner,
    access_key_id: &str,
    secret: &str,
) -> Result<StoredKey, StoreError> {
    let sealed = env
        .master_key
        .seal(&seal_context(access_key_id), secret.as_bytes())
        .map_err(|_| StoreError::Unavailable("could not seal the access key".into()))?;
    Ok(StoredKey {
        account: account.clone(),
        owner,
        status: "Active".into(),
        secret_sealed: base64::engine::general_purpose::STANDARD.encode(sealed),
        create_date: rampart_service::epoch_seconds(env.clock.now()),
    })
}

/// Reads an access key's record and its version, whatever its status.
pub(crate) fn read_key(
    env: &Env,
    access_key_id: &str,
) -> Result<Option<(StoredKey, u64)>, StoreError> {
    let Some(item) = env.store.get(&access_key_key(access_key_id))? else {
        return Ok(None);
    };
    let stored: StoredKey = serde_json::from_slice(&item.value)
        .map_err(|e| StoreError::Corrupt(format!("access key record: {e}")))?;
    Ok(Some((stored, item.version)))
}

/// Stores a new access key, refusing to overwrite an existing one (`Conflict`).
pub fn store_access_key(
    env: &Env,
    account: &AccountId,
    owner: AccessKeyOwner,
    access_key_id: &str,
    secret: &str,
) -> Result<(), StoreError> {
    let value = new_key_record(env, account, owner, access_key_id, secret)?.encode()?;
    env.store
        .commit(Batch::new().put_if(access_key_key(access_key_id), value, Expect::Absent))?;
    Ok(())
}

/// Looks up an active access key. `Ok(None)` means the key id is unknown or inactive, or its
/// user no longer exists; the pipeline answers that with `InvalidClientTokenId` (or its
/// JSON-protocol equivalent).
pub fn resolve_access_key(
    env: &Env,
    access_key_id: &str,
) -> Result<Option<Credential>, StoreError> {
    let Some((stored, _)) = read_key(env, access_key_id)? else {
        return Ok(None);
    };
    if stored.status != "Active" {
        return Ok(None);
    }
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(&stored.secret_sealed)
        .map_err(|_| StoreError::Corrupt("access key record: bad sealed secret".into()))?;
    let plain = env
        .master_key
        .open(&seal_context(access_key_id), &sealed)
        .map_err(|_| {
            StoreError::Corrupt("access key record does not open with the master key".into())
        })?;
    let secret = Zeroizing::new(
        String::from_utf8(plain.to_vec())
            .map_err(|_| StoreError::Corrupt("access key record: secret is not text".into()))?,
    );
    let principal = match stored.owner {
        AccessKeyOwner::Root => Principal {
            principal_id: stored.account.to_string(),
            account: stored.account,
            partition: env.partition,
            kind: PrincipalKind::Root,
            access_key_id: access_key_id.to_owned(),
            session: None,
        },
        AccessKeyOwner::User { name, user_id } => {
            let Some((user, _)) = crate::iam::get_user(env.store.as_ref(), &stored.account, &name)?
            else {
                return Ok(None);
            };
            if user.user_id != user_id {
                return Ok(None);
            }
            Principal {
                principal_id: user.user_id,
                account: stored.account,
                partition: env.partition,
                kind: PrincipalKind::User {
                    name: user.name,
                    path: user.path,
                },
                access_key_id: access_key_id.to_owned(),
                session: None,
            }
        }
    };
    Ok(Some(Credential { secret, principal }))
}

/// The most keys [`CredentialCache`] holds; past it, it starts afresh (a client spraying key ids
/// cannot grow it without bound, and unknown ids are never cached).
const CACHE_CAPACITY: usize = 10_000;

/// Resolved access keys, each kept while the access-key table's store watermark stands still:
/// any change to any key (a new key, a deactivation, a deletion) is seen on the very next request.
/// A user's rename or move rewrites its key records, and a user with keys cannot be deleted, so
/// this one watermark also covers the principal a key names.
#[derive(Default)]
pub struct CredentialCache {
    entries: Mutex<HashMap<String, (u64, Arc<Credential>)>>,
}

impl CredentialCache {
    /// An empty cache.
    pub fn new() -> Self {
        CredentialCache::default()
    }

    /// [`resolve_access_key`], served from the cache when nothing changed since it was read.
    pub fn resolve(
        &self,
        env: &Env,
        access_key_id: &str,
    ) -> Result<Option<Arc<Credential>>, StoreError> {
        let watermark = env.store.watermark(SPACE, TABLE);
        if let Some((seen, credential)) = self.lock().get(access_key_id)
            && *seen == watermark
        {
            return Ok(Some(credential.clone()));
        }
        let Some(credential) = resolve_access_key(env, access_key_id)? else {
            self.lock().remove(access_key_id);
            return Ok(None);
        };
        let credential = Arc::new(credential);
        let mut entries = self.lock();
        if entries.len() >= CACHE_CAPACITY {
            entries.clear();
        }
        entries.insert(access_key_id.to_owned(), (watermark, credential.clone()));
        Ok(Some(credential))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, Arc<Credential>)>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        rampart_service::testkit::World::new(|_| {}).env
    }

    #[test]
    fn stored_keys_resolve_with_their_secret_and_owner() {
        let env = env();
        let account: AccountId = "123456789012".parse().unwrap();
        store_access_key(&env, &account, AccessKeyOwner::Root, "AKIATEST", "s3cret").unwrap();
        let found = resolve_access_key(&env, "AKIATEST").unwrap().unwrap();
        assert_eq!(found.secret.as_str(), "s3cret");
        assert_eq!(found.principal.arn(), "arn:aws:iam::123456789012:root");
        assert!(resolve_access_key(&env, "AKIAOTHER").unwrap().is_none());
        assert!(store_access_key(&env, &account, AccessKeyOwner::Root, "AKIATEST", "x").is_err());
    }

    #[test]
    fn the_cache_sees_a_change_on_the_next_lookup() {
        let env = env();
        let account: AccountId = "123456789012".parse().unwrap();
        let cache = CredentialCache::new();
        let secret = || {
            let credential = cache.resolve(&env, "AKIAONE").unwrap();
            credential.map(|c| c.secret.as_str().to_owned())
        };
        assert_eq!(secret(), None);
        store_access_key(&env, &account, AccessKeyOwner::Root, "AKIAONE", "first").unwrap();
        assert_eq!(secret(), Some("first".to_owned()));
        // Replace the key behind the cache's back, as another operation would.
        env.store
            .commit(Batch::new().delete(access_key_key("AKIAONE")))
            .unwrap();
        assert_eq!(secret(), None);
        store_access_key(&env, &account, AccessKeyOwner::Root, "AKIAONE", "second").unwrap();
        assert_eq!(secret(), Some("second".to_owned()));
    }

    #[test]
    fn minted_ids_and_secrets_have_aws_shapes() {
        let id = mint_access_key_id().unwrap();
        assert!(id.starts_with("AKIA") && id.len() == 20);
        assert_eq!(mint_secret_access_key().unwrap().len(), 40);
    }
}
