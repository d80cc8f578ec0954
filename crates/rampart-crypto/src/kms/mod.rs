//! KMS cryptography: symmetric key material and the ciphertext blob format, asymmetric keys
//! ([`PrivateKey`]: RSA, ECDSA/ECDH, ML-DSA), ML-KEM keys ([`KemKey`]), HMAC keys ([`MacKey`])
//! and the wrapping of imported key material.
//!
//! A KMS key's backing material is a 256-bit AES key ([`KeyMaterial`]). [`encrypt`] seals a
//! plaintext under it into a self-describing blob that names the key and the backing-key
//! version (so `Decrypt` needs no `KeyId` and old blobs keep opening after rotation), and binds
//! the encryption context as associated data. Every failure to open a blob is the same opaque
//! [`CiphertextError`].

mod asymmetric;
mod blob;
mod context;
mod import;
mod kem;
mod mac;
mod material;

pub use asymmetric::{
    AsymmetricError, AsymmetricSpec, Message, OaepHash, PrivateKey, SigningAlgorithm,
};
pub use blob::{BLOB_OVERHEAD, BlobHeader, decrypt, encrypt, parse_blob};
pub use context::canonical_context;
pub use import::{WrappingAlgorithm, material_fingerprint, unwrap_material, wrap_material};
pub use kem::{KemKey, KemSpec};
pub use mac::{MacKey, MacSpec};
pub use material::{KeyMaterial, random_vec};

use std::fmt;

/// Why a blob could not be made or opened. Deliberately carries nothing: no hint about which
/// check failed, and never any plaintext or key byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CiphertextError;

impl fmt::Display for CiphertextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the ciphertext could not be processed")
    }
}

impl std::error::Error for CiphertextError {}
