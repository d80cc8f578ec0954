//! Symmetric key material: 256 bits that never show in `Debug` and are zeroized on drop.

use super::CiphertextError;
use aws_lc_rs::aead::{AES_256_GCM, LessSafeKey, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use std::fmt;
use zeroize::Zeroizing;

/// Length of a symmetric KMS key's material in bytes (AES-256).
const MATERIAL_LEN: usize = 32;

/// The backing material of a symmetric KMS key, ready to encrypt: the raw bytes (for sealing
/// at rest) and the expanded AES-256-GCM key.
pub struct KeyMaterial {
    bytes: Zeroizing<[u8; MATERIAL_LEN]>,
    pub(super) aead: LessSafeKey,
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyMaterial(..)")
    }
}

impl KeyMaterial {
    /// Fresh random material; `None` if the system random generator fails.
    pub fn generate() -> Option<KeyMaterial> {
        let bytes = Zeroizing::new(crate::random_bytes::<MATERIAL_LEN>()?);
        KeyMaterial::from_bytes(bytes.as_slice()).ok()
    }

    /// Material from exactly 32 bytes (for example just opened from the store).
    pub fn from_bytes(bytes: &[u8]) -> Result<KeyMaterial, CiphertextError> {
        let array: [u8; MATERIAL_LEN] = bytes.try_into().map_err(|_| CiphertextError)?;
        let array = Zeroizing::new(array);
        let unbound =
            UnboundKey::new(&AES_256_GCM, array.as_slice()).map_err(|_| CiphertextError)?;
        Ok(KeyMaterial {
            bytes: array,
            aead: LessSafeKey::new(unbound),
        })
    }

    /// The raw bytes, only to seal them under the master key.
    pub fn expose(&self) -> &[u8] {
        self.bytes.as_slice()
    }
}

/// `len` random bytes (GenerateRandom, data keys), zeroized on drop; `None` if the system
/// random generator fails.
pub fn random_vec(len: usize) -> Option<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(vec![0u8; len]);
    SystemRandom::new().fill(out.as_mut_slice()).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_bytes() {
        let m = KeyMaterial::from_bytes(&[0x41; 32]).unwrap();
        assert_eq!(format!("{m:?}"), "KeyMaterial(..)");
    }

    #[test]
    fn only_32_bytes_make_material() {
        assert!(KeyMaterial::from_bytes(&[0; 16]).is_err());
        assert!(KeyMaterial::from_bytes(&[0; 33]).is_err());
        assert_eq!(
            KeyMaterial::from_bytes(&[7; 32]).unwrap().expose(),
            &[7; 32]
        );
    }

    #[test]
    fn generated_material_differs() {
        let a = KeyMaterial::generate().unwrap();
        let b = KeyMaterial::generate().unwrap();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(random_vec(1024).unwrap().len(), 1024);
    }
}
