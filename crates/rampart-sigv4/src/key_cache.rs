//! [`SigningKeyCache`]: derived signing keys kept for reuse. A client signs every request of a
//! day, region and service with the same derived key, and deriving it costs four HMACs.

use crate::key::{CredentialScope, SigningKey};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::{Arc, Mutex, PoisonError};
use zeroize::Zeroizing;

/// Keys kept at most; the cache starts over when full (a day's keys are re-derived once).
const CAPACITY: usize = 4096;

/// A bounded map from (secret, scope) to the derived [`SigningKey`]. Secrets and keys it
/// holds are zeroized when dropped; it never prints them.
#[derive(Default)]
pub struct SigningKeyCache {
    keyed: RandomState,
    entries: Mutex<HashMap<u64, Entry>>,
}

struct Entry {
    secret: Zeroizing<String>,
    key: Arc<SigningKey>,
}

impl std::fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyCache").finish_non_exhaustive()
    }
}

impl SigningKeyCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The signing key of `secret_access_key` for `scope`, derived at most once while cached.
    pub fn key(&self, secret_access_key: &str, scope: &CredentialScope) -> Arc<SigningKey> {
        let mut hasher = self.keyed.build_hasher();
        secret_access_key.hash(&mut hasher);
        scope.hash(&mut hasher);
        let slot = hasher.finish();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        // Both secrets are the server's own (the stored one and its cached copy), so an
        // ordinary comparison leaks nothing a caller controls.
        if let Some(entry) = entries.get(&slot)
            && entry.secret.as_str() == secret_access_key
            && entry.key.scope() == scope
        {
            return entry.key.clone();
        }
        let key = Arc::new(SigningKey::derive(secret_access_key, scope));
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(
            slot,
            Entry {
                secret: Zeroizing::new(secret_access_key.to_owned()),
                key: key.clone(),
            },
        );
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(day: &str) -> CredentialScope {
        CredentialScope::new(day, "us-east-1", "sts")
    }

    #[test]
    fn a_cached_key_is_the_derived_key() {
        let cache = SigningKeyCache::new();
        let first = cache.key("secret", &scope("20261123"));
        let again = cache.key("secret", &scope("20261123"));
        assert!(Arc::ptr_eq(&first, &again));
        let derived = SigningKey::derive("secret", &scope("20261123"));
        assert_eq!(first.sign_hex(b"message"), derived.sign_hex(b"message"));
    }

    #[test]
    fn another_secret_or_scope_gets_its_own_key() {
        let cache = SigningKeyCache::new();
        let key = cache.key("secret", &scope("20261123"));
        let other_secret = cache.key("other", &scope("20261123"));
        let other_day = cache.key("secret", &scope("20261124"));
        assert_ne!(key.sign_hex(b"m"), other_secret.sign_hex(b"m"));
        assert_ne!(key.sign_hex(b"m"), other_day.sign_hex(b"m"));
        assert_eq!(
            other_day.sign_hex(b"m"),
            SigningKey::derive("secret", &scope("20261124")).sign_hex(b"m")
        );
    }

    #[test]
    fn a_full_cache_starts_over_and_stays_correct() {
        let cache = SigningKeyCache::new();
        for n in 0..CAPACITY + 10 {
            let secret = format!("secret-{n}");
            let key = cache.key(&secret, &scope("20261123"));
            assert_eq!(
                key.sign_hex(b"m"),
                SigningKey::derive(&secret, &scope("20261123")).sign_hex(b"m")
            );
        }
        assert!(cache.entries.lock().unwrap().len() <= CAPACITY);
    }
}
