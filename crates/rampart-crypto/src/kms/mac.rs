//! HMAC KMS keys (`HMAC_224/256/384/512`): GenerateMac and VerifyMac.

use aws_lc_rs::hmac;
use std::fmt;
use zeroize::Zeroizing;

/// An HMAC key spec, with its one algorithm (`MacAlgorithmSpec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacSpec {
    /// `HMAC_224`: `HMAC_SHA_224`, 28-byte key.
    Hmac224,
    /// `HMAC_256`: `HMAC_SHA_256`, 32-byte key.
    Hmac256,
    /// `HMAC_384`: `HMAC_SHA_384`, 48-byte key.
    Hmac384,
    /// `HMAC_512`: `HMAC_SHA_512`, 64-byte key.
    Hmac512,
}

const SPECS: [(MacSpec, &str, &str, usize); 4] = [
    (MacSpec::Hmac224, "HMAC_224", "HMAC_SHA_224", 28),
    (MacSpec::Hmac256, "HMAC_256", "HMAC_SHA_256", 32),
    (MacSpec::Hmac384, "HMAC_384", "HMAC_SHA_384", 48),
    (MacSpec::Hmac512, "HMAC_512", "HMAC_SHA_512", 64),
];

impl MacSpec {
    /// The key spec KMS calls `name`.
    pub fn from_name(name: &str) -> Option<MacSpec> {
        SPECS.iter().find(|s| s.1 == name).map(|s| s.0)
    }

    fn row(self) -> (MacSpec, &'static str, &'static str, usize) {
        SPECS
            .iter()
            .copied()
            .find(|s| s.0 == self)
            .unwrap_or(SPECS[1])
    }

    /// KMS's name of the key spec.
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// The spec's MAC algorithm name (`HMAC_SHA_256`).
    pub fn algorithm(self) -> &'static str {
        self.row().2
    }

    /// The key length in bytes.
    pub fn key_len(self) -> usize {
        self.row().3
    }

    fn hmac(self) -> hmac::Algorithm {
        match self {
            MacSpec::Hmac224 => hmac::HMAC_SHA224,
            MacSpec::Hmac256 => hmac::HMAC_SHA256,
            MacSpec::Hmac384 => hmac::HMAC_SHA384,
            MacSpec::Hmac512 => hmac::HMAC_SHA512,
        }
    }
}

/// An HMAC key: its bytes are zeroized on drop and never shown.
pub struct MacKey {
    spec: MacSpec,
    bytes: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for MacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MacKey({}, ..)", self.spec.name())
    }
}

impl MacKey {
    /// A fresh random key; `None` if the system random generator fails.
    pub fn generate(spec: MacSpec) -> Option<MacKey> {
        let bytes = super::random_vec(spec.key_len())?;
        Some(MacKey { spec, bytes })
    }

    /// A key from its bytes (just opened from the store); `None` for the wrong length.
    pub fn from_bytes(spec: MacSpec, bytes: &[u8]) -> Option<MacKey> {
        (bytes.len() == spec.key_len()).then(|| MacKey {
            spec,
            bytes: Zeroizing::new(bytes.to_vec()),
        })
    }

    /// The raw bytes, only to seal them under the master key.
    pub fn expose(&self) -> &[u8] {
        &self.bytes
    }

    /// The MAC of `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let key = hmac::Key::new(self.spec.hmac(), &self.bytes);
        hmac::sign(&key, message).as_ref().to_vec()
    }

    /// Whether `tag` is the MAC of `message` (compared in constant time).
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        let key = hmac::Key::new(self.spec.hmac(), &self.bytes);
        hmac::verify(&key, message, tag).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case_2() {
        // RFC 4231 test case 2 ("Jefe" / "what do ya want for nothing?"), truncated to the
        // key length KMS requires by padding the key with zeros (HMAC pads short keys so).
        let mut key = b"Jefe".to_vec();
        key.resize(32, 0);
        let k = MacKey::from_bytes(MacSpec::Hmac256, &key).unwrap();
        assert_eq!(
            hex(&k.sign(b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn every_spec_signs_and_verifies() {
        for (spec, name, alg, len) in SPECS {
            assert_eq!(MacSpec::from_name(name), Some(spec));
            assert_eq!(spec.algorithm(), alg);
            let k = MacKey::generate(spec).unwrap();
            assert_eq!(k.expose().len(), len);
            let tag = k.sign(b"m");
            assert_eq!(tag.len(), len);
            assert!(k.verify(b"m", &tag));
            assert!(!k.verify(b"n", &tag));
            assert!(!k.verify(b"m", &tag[1..]));
        }
        assert!(MacKey::from_bytes(MacSpec::Hmac512, &[0; 32]).is_none());
        assert_eq!(
            format!("{:?}", MacKey::generate(MacSpec::Hmac224).unwrap()),
            "MacKey(HMAC_224, ..)"
        );
    }
}
