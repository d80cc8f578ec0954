//! The master key: AES-256-GCM sealing of secrets at rest.
//!
//! A sealed blob is `version (1 byte) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`. The caller's
//! context (for example the table and id of the record) is bound as associated data, so a blob
//! moved to another record does not open.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use std::fmt;
use zeroize::{Zeroize, Zeroizing};

const FORMAT_V1: u8 = 1;
const CHECK_CONTEXT: &[u8] = b"rampart/master-key-check";
const CHECK_PLAINTEXT: &[u8] = b"rampart master key check value";

/// Why a master key could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MasterKeyError {
    /// The text was not base64 of exactly 32 bytes.
    BadEncoding,
    /// The key does not open the store's check value: it is not the key the store was sealed with.
    WrongKey,
    /// The system random generator failed.
    Randomness,
}

impl fmt::Display for MasterKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MasterKeyError::BadEncoding => "the master key must be 32 bytes, base64-encoded",
            MasterKeyError::WrongKey => {
                "the master key does not open this store's check value: it is not the key this data was sealed with"
            }
            MasterKeyError::Randomness => "the system random generator failed",
        })
    }
}

impl std::error::Error for MasterKeyError {}

/// Why a sealed blob did not open (deliberately uninformative).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealError;

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sealed data could not be opened")
    }
}

impl std::error::Error for SealError {}

/// The 256-bit root of trust. Its bytes never leave this type except through
/// [`MasterKey::to_base64`], which the bootstrap uses once to write the key file.
pub struct MasterKey {
    bytes: Zeroizing<[u8; 32]>,
    aead: LessSafeKey,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// A fresh random key.
    pub fn generate() -> Result<MasterKey, MasterKeyError> {
        let mut bytes = crate::random_bytes::<32>().ok_or(MasterKeyError::Randomness)?;
        let key = MasterKey::from_bytes(&bytes);
        bytes.zeroize();
        key
    }

    /// A key from its base64 text (surrounding white space ignored).
    pub fn from_base64(text: &str) -> Result<MasterKey, MasterKeyError> {
        let decoded = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| MasterKeyError::BadEncoding)?,
        );
        let bytes: [u8; 32] = decoded
            .as_slice()
            .try_into()
            .map_err(|_| MasterKeyError::BadEncoding)?;
        MasterKey::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8; 32]) -> Result<MasterKey, MasterKeyError> {
        let unbound =
            UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| MasterKeyError::BadEncoding)?;
        Ok(MasterKey {
            bytes: Zeroizing::new(*bytes),
            aead: LessSafeKey::new(unbound),
        })
    }

    /// The key as base64 text, for writing the key file at first start.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(*self.bytes))
    }

    /// Seals `plaintext`, binding `context` as associated data.
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let nonce_bytes = crate::random_bytes::<NONCE_LEN>().ok_or(SealError)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + 16);
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce_bytes);
        let mut body = plaintext.to_vec();
        let tag = self
            .aead
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(context),
                &mut body,
            )
            .map_err(|_| SealError)?;
        out.extend_from_slice(&body);
        out.extend_from_slice(tag.as_ref());
        body.zeroize();
        Ok(out)
    }

    /// Opens a blob made by [`MasterKey::seal`] with the same `context`.
    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        let (&version, rest) = sealed.split_first().ok_or(SealError)?;
        if version != FORMAT_V1 || rest.len() < NONCE_LEN + 16 {
            return Err(SealError);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError)?;
        let mut buf = Zeroizing::new(ciphertext.to_vec());
        let len = self
            .aead
            .open_in_place(nonce, Aad::from(context), &mut buf)
            .map_err(|_| SealError)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }

    /// A value sealed under this key that [`MasterKey::verify_check_value`] recognises: stored
    /// once per data store so that a node started with another key refuses to run.
    pub fn check_value(&self) -> Result<Vec<u8>, SealError> {
        self.seal(CHECK_CONTEXT, CHECK_PLAINTEXT)
    }

    /// Whether `stored` is a check value made by this key.
    pub fn verify_check_value(&self, stored: &[u8]) -> Result<(), MasterKeyError> {
        match self.open(CHECK_CONTEXT, stored) {
            Ok(p) if p.as_slice() == CHECK_PLAINTEXT => Ok(()),
            _ => Err(MasterKeyError::WrongKey),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_data_opens_only_with_its_context_and_key() {
        let key = MasterKey::generate().unwrap();
        let blob = key.seal(b"ctx", b"secret").unwrap();
        assert_eq!(key.open(b"ctx", &blob).unwrap().as_slice(), b"secret");
        assert_eq!(key.open(b"other", &blob), Err(SealError));
        let other = MasterKey::generate().unwrap();
        assert_eq!(other.open(b"ctx", &blob), Err(SealError));
    }

    #[test]
    fn any_flipped_bit_is_refused() {
        let key = MasterKey::generate().unwrap();
        let blob = key.seal(b"c", b"hello world").unwrap();
        for i in 0..blob.len() {
            let mut bad = blob.clone();
            bad[i] ^= 1;
            assert!(key.open(b"c", &bad).is_err(), "byte {i}");
        }
        assert!(key.open(b"c", &[]).is_err());
        assert!(key.open(b"c", &blob[..10]).is_err());
    }

    #[test]
    fn base64_round_trip_and_check_value() {
        let key = MasterKey::generate().unwrap();
        let again = MasterKey::from_base64(&key.to_base64()).unwrap();
        let check = key.check_value().unwrap();
        assert_eq!(again.verify_check_value(&check), Ok(()));
        let other = MasterKey::generate().unwrap();
        assert_eq!(
            other.verify_check_value(&check),
            Err(MasterKeyError::WrongKey)
        );
        assert_eq!(
            MasterKey::from_base64("c2hvcnQ=").unwrap_err(),
            MasterKeyError::BadEncoding
        );
    }

    #[test]
    fn debug_prints_no_key_bytes() {
        let key = MasterKey::generate().unwrap();
        assert_eq!(format!("{key:?}"), "MasterKey(..)");
    }
}
