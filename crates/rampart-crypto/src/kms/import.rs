//! Imported key material: the wrapping algorithms of GetParametersForImport and
//! ImportKeyMaterial.
//!
//! `RSAES_OAEP_SHA_*` wrap the material with RSA-OAEP directly; `RSA_AES_KEY_WRAP_SHA_*` wrap a
//! fresh AES-256 key with RSA-OAEP and the material with AES Key Wrap with Padding (RFC 5649),
//! the two concatenated.

use super::{AsymmetricError, OaepHash, PrivateKey};
use aws_lc_rs::key_wrap::{AES_256, AesKek, KeyWrapPadded};
use zeroize::Zeroizing;

/// A `WrappingAlgorithm` this module implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrappingAlgorithm {
    /// `RSAES_OAEP_SHA_1`.
    RsaesOaepSha1,
    /// `RSAES_OAEP_SHA_256`.
    RsaesOaepSha256,
    /// `RSA_AES_KEY_WRAP_SHA_1`.
    RsaAesKeyWrapSha1,
    /// `RSA_AES_KEY_WRAP_SHA_256`.
    RsaAesKeyWrapSha256,
}

const NAMES: [(WrappingAlgorithm, &str); 4] = [
    (WrappingAlgorithm::RsaesOaepSha1, "RSAES_OAEP_SHA_1"),
    (WrappingAlgorithm::RsaesOaepSha256, "RSAES_OAEP_SHA_256"),
    (
        WrappingAlgorithm::RsaAesKeyWrapSha1,
        "RSA_AES_KEY_WRAP_SHA_1",
    ),
    (
        WrappingAlgorithm::RsaAesKeyWrapSha256,
        "RSA_AES_KEY_WRAP_SHA_256",
    ),
];

/// Length of the AES key `RSA_AES_KEY_WRAP_*` wraps with RSA.
const AES_KEY_LEN: usize = 32;

impl WrappingAlgorithm {
    /// The algorithm KMS calls `name`, if implemented.
    pub fn from_name(name: &str) -> Option<WrappingAlgorithm> {
        NAMES.iter().find(|(_, n)| *n == name).map(|(a, _)| *a)
    }

    /// KMS's name of the algorithm.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(a, _)| *a == self)
            .map_or("", |(_, n)| n)
    }

    fn hash(self) -> OaepHash {
        match self {
            WrappingAlgorithm::RsaesOaepSha1 | WrappingAlgorithm::RsaAesKeyWrapSha1 => {
                OaepHash::Sha1
            }
            _ => OaepHash::Sha256,
        }
    }

    fn uses_aes(self) -> bool {
        matches!(
            self,
            WrappingAlgorithm::RsaAesKeyWrapSha1 | WrappingAlgorithm::RsaAesKeyWrapSha256
        )
    }
}

/// Unwraps `wrapped` key material with the RSA wrapping key of GetParametersForImport.
pub fn unwrap_material(
    wrapping_key: &PrivateKey,
    algorithm: WrappingAlgorithm,
    wrapped: &[u8],
) -> Result<Zeroizing<Vec<u8>>, AsymmetricError> {
    if !algorithm.uses_aes() {
        return wrapping_key.decrypt(algorithm.hash(), wrapped);
    }
    let modulus = wrapping_key.modulus_len().ok_or(AsymmetricError::Key)?;
    if wrapped.len() <= modulus {
        return Err(AsymmetricError::Ciphertext);
    }
    let (rsa_part, aes_part) = wrapped.split_at(modulus);
    let aes_key = wrapping_key.decrypt(algorithm.hash(), rsa_part)?;
    if aes_key.len() != AES_KEY_LEN {
        return Err(AsymmetricError::Ciphertext);
    }
    let kek = AesKek::new(&AES_256, &aes_key).map_err(|_| AsymmetricError::Ciphertext)?;
    let mut out = Zeroizing::new(vec![0u8; aes_part.len()]);
    let len = kek
        .unwrap_with_padding(aes_part, &mut out)
        .map_err(|_| AsymmetricError::Ciphertext)?
        .len();
    out.truncate(len);
    Ok(out)
}

/// A fingerprint of key material (SHA-256, hex), kept to check that a re-import brings the
/// same material; it reveals nothing usable about 256-bit random material.
pub fn material_fingerprint(material: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, material)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Wraps `material` for import as a caller does with the wrapping public key (the inverse of
/// [`unwrap_material`]); used by tests of the import path.
pub fn wrap_material(
    wrapping_key: &PrivateKey,
    algorithm: WrappingAlgorithm,
    material: &[u8],
) -> Result<Vec<u8>, AsymmetricError> {
    if !algorithm.uses_aes() {
        return wrapping_key.encrypt(algorithm.hash(), material);
    }
    let aes_key = super::random_vec(AES_KEY_LEN).ok_or(AsymmetricError::Key)?;
    let mut out = wrapping_key.encrypt(algorithm.hash(), &aes_key)?;
    let kek = AesKek::new(&AES_256, &aes_key).map_err(|_| AsymmetricError::Key)?;
    let mut wrapped = vec![0u8; material.len() + 16];
    let len = kek
        .wrap_with_padding(material, &mut wrapped)
        .map_err(|_| AsymmetricError::BadInput)?
        .len();
    out.extend_from_slice(&wrapped[..len]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kms::AsymmetricSpec;

    #[test]
    fn every_algorithm_round_trips() {
        let key = PrivateKey::generate(AsymmetricSpec::Rsa2048).unwrap();
        for (algorithm, name) in NAMES {
            assert_eq!(WrappingAlgorithm::from_name(name), Some(algorithm));
            let material = [0x42u8; 32];
            let wrapped = wrap_material(&key, algorithm, &material).unwrap();
            let expected_len = if algorithm.uses_aes() { 256 + 40 } else { 256 };
            assert_eq!(wrapped.len(), expected_len, "{name}");
            assert_eq!(
                unwrap_material(&key, algorithm, &wrapped)
                    .unwrap()
                    .as_slice(),
                &material
            );
            let mut tampered = wrapped.clone();
            let last = tampered.len() - 1;
            tampered[last] ^= 1;
            assert!(unwrap_material(&key, algorithm, &tampered).is_err());
        }
        assert_eq!(WrappingAlgorithm::from_name("RSAES_PKCS1_V1_5"), None);
    }
}
