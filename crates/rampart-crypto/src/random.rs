//! Cryptographically secure randomness.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// `N` random bytes from the operating system's CSPRNG.
///
/// The system generator does not fail on supported platforms; should it ever, this returns
/// `None` and the caller refuses the operation rather than using weak randomness.
pub fn random_bytes<const N: usize>() -> Option<[u8; N]> {
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out).ok()?;
    Some(out)
}

/// A random string of `len` characters drawn uniformly from `alphabet` (rejection sampling,
/// so there is no modulo bias). Returns `None` if the alphabet is empty or randomness fails.
pub fn random_token(alphabet: &[u8], len: usize) -> Option<String> {
    if alphabet.is_empty() || alphabet.len() > 256 {
        return None;
    }
    let limit = 256 - (256 % alphabet.len());
    let rng = SystemRandom::new();
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        rng.fill(&mut buf).ok()?;
        for &b in &buf {
            if (b as usize) < limit && out.len() < len {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    Some(out)
}

/// A random UUID (version 4), as AWS formats request and event ids.
///
/// Every request and every recorded event takes one, so the bytes come from a per-thread
/// pool filled from the system CSPRNG a few kilobytes at a time (one generator call per 256
/// UUIDs). Identifiers are not secrets; keys and tokens use [`random_bytes`] directly.
pub fn random_uuid() -> Option<String> {
    UUID_POOL.with_borrow_mut(|pool| {
        if pool.used == pool.bytes.len() {
            SystemRandom::new().fill(&mut pool.bytes).ok()?;
            pool.used = 0;
        }
        let mut id = [0u8; 16];
        id.copy_from_slice(&pool.bytes[pool.used..pool.used + 16]);
        pool.bytes[pool.used..pool.used + 16].fill(0);
        pool.used += 16;
        Some(uuid_from_bytes(id))
    })
}

/// Random bytes waiting to become UUIDs; `used` of them are spent (and zeroed).
struct UuidPool {
    bytes: [u8; 4096],
    used: usize,
}

thread_local! {
    static UUID_POOL: std::cell::RefCell<UuidPool> = const {
        std::cell::RefCell::new(UuidPool { bytes: [0; 4096], used: 4096 })
    };
}

/// The version-4 UUID text (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`) of 16 random bytes.
pub fn uuid_from_bytes(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_use_only_the_alphabet() {
        let t = random_token(b"ABC", 100).unwrap();
        assert_eq!(t.len(), 100);
        assert!(t.bytes().all(|b| b"ABC".contains(&b)));
        assert!(random_token(b"", 5).is_none());
    }

    #[test]
    fn uuid_text_sets_version_and_variant() {
        assert_eq!(
            uuid_from_bytes([0xff; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
    }

    #[test]
    fn uuids_are_version_4() {
        let u = random_uuid().unwrap();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn uuids_stay_distinct_across_pool_refills() {
        let ids: std::collections::HashSet<String> =
            (0..1000).map(|_| random_uuid().unwrap()).collect();
        assert_eq!(ids.len(), 1000);
    }

    #[test]
    fn random_bytes_differ() {
        assert_ne!(random_bytes::<16>().unwrap(), random_bytes::<16>().unwrap());
    }
}
