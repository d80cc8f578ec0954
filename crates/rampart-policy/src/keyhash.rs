//! Pre-hashed, lower-cased lookup keys: condition keys, variable names and service
//! prefixes are hashed once when a policy is compiled, so evaluation compares integers.

/// Hashes `s` as if it were ASCII-lower-cased (FNV-1a).
pub(crate) fn hash_lower(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A lower-cased key with its hash. Equality compares the hash first, then the bytes.
#[derive(Debug, Clone, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    hash: u64,
    text: Box<str>,
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.hash == other.hash && crate::glob::eq(self.text.as_bytes(), other.text.as_bytes())
    }
}

impl Key {
    /// Lower-cases and hashes `text`.
    pub(crate) fn new(text: &str) -> Key {
        Key {
            hash: hash_lower(text),
            text: text.to_ascii_lowercase().into_boxed_str(),
        }
    }

    /// The lower-cased text.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The hash of the lower-cased text.
    pub(crate) fn hash(&self) -> u64 {
        self.hash
    }

    /// True when `other` (any case) is this key.
    pub(crate) fn is(&self, hash: u64, other: &str) -> bool {
        self.hash == hash && self.text.eq_ignore_ascii_case(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_hash() {
        assert_eq!(hash_lower("aws:SourceIp"), hash_lower("AWS:sourceip"));
        assert_ne!(hash_lower("aws:SourceIp"), hash_lower("aws:SourceVpc"));
        let k = Key::new("aws:SourceIp");
        assert!(k.is(hash_lower("AWS:SOURCEIP"), "AWS:SOURCEIP"));
        assert_eq!(k.as_str(), "aws:sourceip");
    }
}
