//! Recently used keys and their opened material, so that the cryptographic operations skip
//! the store read, the record parse and the master-key unseal while nothing changed.
//!
//! An entry is fresh exactly while the key table's store watermark stands still (any commit
//! to the table moves it), and an entry whose key's deletion came due is dropped, material
//! and all. Material is zeroized when its last holder drops it.

use crate::key::KeyRecord;
use rampart_crypto::kms::{KemKey, KeyMaterial, MacKey, PrivateKey};
use rampart_policy::Policy;
use rampart_store::Key;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// A backing version opened from the store, of whichever kind the key is.
#[derive(Clone)]
pub(crate) enum Opened {
    Symmetric(Arc<KeyMaterial>),
    Private(Arc<PrivateKey>),
    Kem(Arc<KemKey>),
    Mac(Arc<MacKey>),
}

/// Which store a process-wide table entry belongs to (the address of the environment's
/// store), so that environments sharing the process (tests) never see each other's entries.
pub(crate) type StoreId = usize;

/// The [`StoreId`] of `env`'s store.
pub(crate) fn store_id(env: &rampart_service::Env) -> StoreId {
    Arc::as_ptr(&env.store).cast::<()>() as usize
}

/// At most this many keys are cached; a full cache starts over.
const LIMIT: usize = 4096;

struct Entry {
    watermark: u64,
    version: u64,
    record: Arc<KeyRecord>,
    materials: HashMap<u32, Opened>,
    /// The compiled key policy (with the grants) of this record version.
    policy: Option<Policy>,
}

fn entries() -> MutexGuard<'static, HashMap<Key, Entry>> {
    static CACHE: OnceLock<Mutex<HashMap<Key, Entry>>> = OnceLock::new();
    CACHE
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The cached record at `key` with its store version, if taken at `watermark` (shared, not
/// copied).
pub(crate) fn record(key: &Key, watermark: u64) -> Option<(Arc<KeyRecord>, u64)> {
    entries()
        .get(key)
        .filter(|e| e.watermark == watermark)
        .map(|e| (e.record.clone(), e.version))
}

/// Remembers `record` read at `key` (store `version`) while the watermark was `watermark`.
pub(crate) fn remember(key: Key, watermark: u64, record: &Arc<KeyRecord>, version: u64) {
    let mut entries = entries();
    if entries.len() >= LIMIT {
        entries.clear();
    }
    entries.insert(
        key,
        Entry {
            watermark,
            version,
            record: record.clone(),
            materials: HashMap::new(),
            policy: None,
        },
    );
}

/// Drops whatever is cached for `key`.
pub(crate) fn forget(key: &Key) {
    entries().remove(key);
}

/// The opened material of backing `version` of the key at `key` (ARN `arn`), if cached.
pub(crate) fn material(key: &Key, arn: &str, version: u32) -> Option<Opened> {
    entries()
        .get(key)
        .filter(|e| e.record.arn == arn)
        .and_then(|e| e.materials.get(&version).cloned())
}

/// Keeps opened material with the cached record of `key`, if that record is still cached.
pub(crate) fn keep_material(key: &Key, arn: &str, version: u32, material: &Opened) {
    if let Some(entry) = entries().get_mut(key).filter(|e| e.record.arn == arn) {
        entry.materials.insert(version, material.clone());
    }
}

/// The compiled policy of the key at `key` as of store `version`, if cached.
pub(crate) fn policy(key: &Key, version: u64) -> Option<Policy> {
    entries()
        .get(key)
        .filter(|e| e.version == version)
        .and_then(|e| e.policy.clone())
}

/// Keeps the compiled policy of store `version` with the cached record of `key`, if that
/// record is the one cached.
pub(crate) fn keep_policy(key: &Key, version: u64, policy: &Policy) {
    if let Some(entry) = entries().get_mut(key).filter(|e| e.version == version) {
        entry.policy = Some(policy.clone());
    }
}
