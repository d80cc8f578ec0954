//! rampart's symmetric ciphertext blob, format version 1:
//!
//! ```text
//! 0x01 ‖ key id (16 bytes, the key's UUID) ‖ backing-key version (u32 big-endian)
//!      ‖ nonce (12) ‖ AES-256-GCM ciphertext ‖ tag (16)
//! ```
//!
//! The associated data is the 21-byte header (version, key id, backing version) followed by the
//! canonical encryption context, so neither the header nor the context can change without the
//! blob failing to open. The key id is the bare UUID, not the ARN: the blob does not spell out
//! the account or region, and a multi-Region replica (same id) can open it.

use super::context::{canonical_len, write_canonical};
use super::{CiphertextError, KeyMaterial};
use aws_lc_rs::aead::{Aad, NONCE_LEN, Nonce};
use std::collections::BTreeMap;
use zeroize::Zeroizing;

const FORMAT_V1: u8 = 1;
const KEY_ID_LEN: usize = 16;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + 4;
const TAG_LEN: usize = 16;

/// How many bytes a blob adds to its plaintext (header, nonce and tag): 49.
pub const BLOB_OVERHEAD: usize = HEADER_LEN + NONCE_LEN + TAG_LEN;

/// What a blob says about itself, readable without any key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobHeader {
    /// The KMS key's id (its UUID as 16 bytes).
    pub key_id: [u8; 16],
    /// Which backing-key version sealed it.
    pub backing_version: u32,
}

impl BlobHeader {
    fn write(&self, out: &mut Vec<u8>) {
        out.push(FORMAT_V1);
        out.extend_from_slice(&self.key_id);
        out.extend_from_slice(&self.backing_version.to_be_bytes());
    }
}

/// Encrypts `plaintext` under `material`, naming `key_id` and `backing_version` in the blob
/// and binding `context`.
pub fn encrypt(
    material: &KeyMaterial,
    key_id: &[u8; 16],
    backing_version: u32,
    plaintext: &[u8],
    context: &BTreeMap<String, String>,
) -> Result<Vec<u8>, CiphertextError> {
    let header = BlobHeader {
        key_id: *key_id,
        backing_version,
    };
    let nonce = crate::random_bytes::<NONCE_LEN>().ok_or(CiphertextError)?;
    let mut out = Vec::with_capacity(BLOB_OVERHEAD + plaintext.len());
    header.write(&mut out);
    let aad = associated_data(&out, context);
    out.extend_from_slice(&nonce);
    let body_start = out.len();
    out.extend_from_slice(plaintext);
    let tag = material
        .aead
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad.as_slice()),
            &mut out[body_start..],
        )
        .map_err(|_| CiphertextError)?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// Reads a blob's header: which key and backing version it needs. Checks the version byte
/// and the minimum length only; authenticity is established by [`decrypt`].
pub fn parse_blob(blob: &[u8]) -> Result<BlobHeader, CiphertextError> {
    if blob.len() < BLOB_OVERHEAD || blob[0] != FORMAT_V1 {
        return Err(CiphertextError);
    }
    let key_id: [u8; 16] = blob[1..1 + KEY_ID_LEN]
        .try_into()
        .map_err(|_| CiphertextError)?;
    let version: [u8; 4] = blob[1 + KEY_ID_LEN..HEADER_LEN]
        .try_into()
        .map_err(|_| CiphertextError)?;
    Ok(BlobHeader {
        key_id,
        backing_version: u32::from_be_bytes(version),
    })
}

/// Opens a blob made by [`encrypt`] with the same material and context.
pub fn decrypt(
    material: &KeyMaterial,
    blob: &[u8],
    context: &BTreeMap<String, String>,
) -> Result<Zeroizing<Vec<u8>>, CiphertextError> {
    parse_blob(blob)?;
    let (header, rest) = blob.split_at(HEADER_LEN);
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CiphertextError)?;
    let aad = associated_data(header, context);
    let mut buf = Zeroizing::new(sealed.to_vec());
    let len = material
        .aead
        .open_in_place(nonce, Aad::from(aad.as_slice()), &mut buf)
        .map_err(|_| CiphertextError)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

fn associated_data(header: &[u8], context: &BTreeMap<String, String>) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len() + canonical_len(context));
    aad.extend_from_slice(header);
    write_canonical(context, &mut aad);
    aad
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY_ID: [u8; 16] = [0xab; 16];

    fn material() -> KeyMaterial {
        KeyMaterial::from_bytes(&[0x11; 32]).unwrap()
    }

    fn ctx(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn layout_and_header() {
        let blob = encrypt(&material(), &KEY_ID, 7, b"hello", &BTreeMap::new()).unwrap();
        assert_eq!(blob.len(), 5 + BLOB_OVERHEAD);
        assert_eq!(BLOB_OVERHEAD, 49);
        assert_eq!(blob[0], 1);
        assert_eq!(&blob[1..17], &KEY_ID);
        assert_eq!(&blob[17..21], &[0, 0, 0, 7]);
        assert_eq!(
            parse_blob(&blob).unwrap(),
            BlobHeader {
                key_id: KEY_ID,
                backing_version: 7
            }
        );
        // A 4096-byte plaintext fits KMS's 6144-byte CiphertextBlob limit.
        const { assert!(4096 + BLOB_OVERHEAD <= 6144) };
    }

    #[test]
    fn nonces_differ() {
        let a = encrypt(&material(), &KEY_ID, 1, b"x", &BTreeMap::new()).unwrap();
        let b = encrypt(&material(), &KEY_ID, 1, b"x", &BTreeMap::new()).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn short_or_unknown_versions_fail() {
        assert_eq!(parse_blob(&[]), Err(CiphertextError));
        assert_eq!(parse_blob(&[1; BLOB_OVERHEAD - 1]), Err(CiphertextError));
        let mut blob = encrypt(&material(), &KEY_ID, 1, b"x", &BTreeMap::new()).unwrap();
        blob[0] = 2;
        assert_eq!(parse_blob(&blob), Err(CiphertextError));
        assert!(decrypt(&material(), &blob, &BTreeMap::new()).is_err());
    }

    #[test]
    fn other_material_fails() {
        let blob = encrypt(&material(), &KEY_ID, 1, b"x", &BTreeMap::new()).unwrap();
        let other = KeyMaterial::from_bytes(&[0x22; 32]).unwrap();
        assert!(decrypt(&other, &blob, &BTreeMap::new()).is_err());
    }

    #[test]
    fn context_order_is_irrelevant_but_case_matters() {
        let c = ctx(&[("b", "2"), ("a", "1")]);
        let blob = encrypt(&material(), &KEY_ID, 1, b"x", &c).unwrap();
        assert_eq!(
            decrypt(&material(), &blob, &ctx(&[("a", "1"), ("b", "2")]))
                .unwrap()
                .as_slice(),
            b"x"
        );
        assert!(decrypt(&material(), &blob, &ctx(&[("A", "1"), ("b", "2")])).is_err());
        assert!(decrypt(&material(), &blob, &ctx(&[("a", "1")])).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(plaintext in proptest::collection::vec(any::<u8>(), 1..4096),
                      context in proptest::collection::btree_map(".{0,8}", ".{0,8}", 0..4),
                      version in any::<u32>()) {
            let blob = encrypt(&material(), &KEY_ID, version, &plaintext, &context).unwrap();
            prop_assert_eq!(parse_blob(&blob).unwrap().backing_version, version);
            let opened = decrypt(&material(), &blob, &context).unwrap();
            prop_assert_eq!(opened.as_slice(), &plaintext[..]);
        }

        #[test]
        fn any_flipped_bit_fails(plaintext in proptest::collection::vec(any::<u8>(), 1..64),
                                 at in any::<prop::sample::Index>(), bit in 0u8..8) {
            let context = ctx(&[("purpose", "test")]);
            let mut blob = encrypt(&material(), &KEY_ID, 3, &plaintext, &context).unwrap();
            let i = at.index(blob.len());
            blob[i] ^= 1 << bit;
            prop_assert!(decrypt(&material(), &blob, &context).is_err());
        }

        #[test]
        fn wrong_context_fails(a in proptest::collection::btree_map(".{0,6}", ".{0,6}", 0..3),
                               b in proptest::collection::btree_map(".{0,6}", ".{0,6}", 0..3)) {
            prop_assume!(a != b);
            let blob = encrypt(&material(), &KEY_ID, 1, b"secret", &a).unwrap();
            prop_assert!(decrypt(&material(), &blob, &b).is_err());
        }

        #[test]
        fn truncated_or_extended_blobs_fail(cut in 1usize..60) {
            let blob = encrypt(&material(), &KEY_ID, 1, b"some plaintext", &BTreeMap::new()).unwrap();
            let cut = cut.min(blob.len());
            prop_assert!(decrypt(&material(), &blob[..blob.len() - cut], &BTreeMap::new()).is_err());
            let mut longer = blob.clone();
            longer.extend(std::iter::repeat_n(0u8, cut));
            prop_assert!(decrypt(&material(), &longer, &BTreeMap::new()).is_err());
        }
    }
}
