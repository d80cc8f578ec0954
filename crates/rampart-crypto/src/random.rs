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
pub fn random_uuid() -> Option<String> {
    random_bytes::<16>().map(uuid_from_bytes)
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
    fn random_bytes_differ() {
        assert_ne!(random_bytes::<16>().unwrap(), random_bytes::<16>().unwrap());
    }
}
