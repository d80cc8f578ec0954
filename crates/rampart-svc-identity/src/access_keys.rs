//! Access keys: minting, sealed storage, and the lookup the pipeline authenticates with.

use base64::Engine;
use rampart_crypto::random_token;
use rampart_service::{Env, Principal, PrincipalKind};
use rampart_store::{Batch, Expect, Key, StoreError};
use rampart_types::AccountId;
use serde::{Deserialize, Serialize};
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
}

/// The stored form of an access key; the secret only ever sealed.
#[derive(Serialize, Deserialize)]
struct StoredKey {
    account: AccountId,
    owner: AccessKeyOwner,
    status: String,
    secret_sealed: String,
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

/// Stores a new access key, refusing to overwrite an existing one (`Conflict`).
pub fn store_access_key(
    env: &Env,
    account: &AccountId,
    owner: AccessKeyOwner,
    access_key_id: &str,
    secret: &str,
) -> Result<(), StoreError> {
    let sealed = env
        .master_key
        .seal(&seal_context(access_key_id), secret.as_bytes())
        .map_err(|_| StoreError::Unavailable("could not seal the access key".into()))?;
    let stored = StoredKey {
        account: account.clone(),
        owner,
        status: "Active".into(),
        secret_sealed: base64::engine::general_purpose::STANDARD.encode(sealed),
    };
    let value = serde_json::to_vec(&stored)
        .map_err(|e| StoreError::Corrupt(format!("access key encoding: {e}")))?;
    env.store.commit(Batch::new().put_if(
        Key::new(SPACE, TABLE, access_key_id),
        value,
        Expect::Absent,
    ))?;
    Ok(())
}

/// Looks up an active access key. `Ok(None)` means the key id is unknown or inactive; the
/// pipeline answers that with `InvalidClientTokenId` (or its JSON-protocol equivalent).
pub fn resolve_access_key(
    env: &Env,
    access_key_id: &str,
) -> Result<Option<Credential>, StoreError> {
    let Some(item) = env.store.get(&Key::new(SPACE, TABLE, access_key_id))? else {
        return Ok(None);
    };
    let stored: StoredKey = serde_json::from_slice(&item.value)
        .map_err(|e| StoreError::Corrupt(format!("access key record: {e}")))?;
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
        },
    };
    Ok(Some(Credential { secret, principal }))
}
