//! ML-KEM KMS keys (FIPS 203): Encapsulate and Decapsulate, over aws-lc-rs.
//!
//! A key is stored as its raw decapsulation key followed by its raw encapsulation key (aws-lc-rs
//! cannot derive the latter from the former once serialised); the public key is published as a
//! DER SubjectPublicKeyInfo with the ML-KEM algorithm identifiers (no parameters).

use super::AsymmetricError;
use aws_lc_rs::kem::{
    AlgorithmId, Ciphertext, DecapsulationKey, EncapsulationKey, ML_KEM_512, ML_KEM_768,
    ML_KEM_1024,
};
use std::fmt;
use zeroize::Zeroizing;

/// An ML-KEM key spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KemSpec {
    /// `ML_KEM_512`.
    MlKem512,
    /// `ML_KEM_768`.
    MlKem768,
    /// `ML_KEM_1024`.
    MlKem1024,
}

/// (spec, KMS name, last arc of the algorithm OID 2.16.840.1.101.3.4.4.n).
const SPECS: [(KemSpec, &str, u8); 3] = [
    (KemSpec::MlKem512, "ML_KEM_512", 1),
    (KemSpec::MlKem768, "ML_KEM_768", 2),
    (KemSpec::MlKem1024, "ML_KEM_1024", 3),
];

impl KemSpec {
    /// The spec KMS calls `name`.
    pub fn from_name(name: &str) -> Option<KemSpec> {
        SPECS.iter().find(|s| s.1 == name).map(|s| s.0)
    }

    /// KMS's name of the spec.
    pub fn name(self) -> &'static str {
        SPECS.iter().find(|s| s.0 == self).map_or("", |s| s.1)
    }

    fn oid_arc(self) -> u8 {
        SPECS.iter().find(|s| s.0 == self).map_or(0, |s| s.2)
    }

    fn algorithm(self) -> &'static aws_lc_rs::kem::Algorithm<AlgorithmId> {
        match self {
            KemSpec::MlKem512 => &ML_KEM_512,
            KemSpec::MlKem768 => &ML_KEM_768,
            KemSpec::MlKem1024 => &ML_KEM_1024,
        }
    }

    /// The lengths of this spec's raw decapsulation and encapsulation keys (FIPS 203).
    fn key_lens(self) -> (usize, usize) {
        match self {
            KemSpec::MlKem512 => (1632, 800),
            KemSpec::MlKem768 => (2400, 1184),
            KemSpec::MlKem1024 => (3168, 1568),
        }
    }

    /// The length of this spec's ciphertexts.
    pub fn ciphertext_len(self) -> usize {
        match self {
            KemSpec::MlKem512 => 768,
            KemSpec::MlKem768 => 1088,
            KemSpec::MlKem1024 => 1568,
        }
    }
}

/// An ML-KEM key pair; its bytes are zeroized on drop and never shown.
pub struct KemKey {
    spec: KemSpec,
    /// Decapsulation key ‖ encapsulation key, raw.
    bytes: Zeroizing<Vec<u8>>,
    decapsulation: DecapsulationKey<AlgorithmId>,
    encapsulation: EncapsulationKey<AlgorithmId>,
}

impl fmt::Debug for KemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KemKey({}, ..)", self.spec.name())
    }
}

impl KemKey {
    /// A fresh key pair of `spec`.
    pub fn generate(spec: KemSpec) -> Result<KemKey, AsymmetricError> {
        let key = |_| AsymmetricError::Key;
        let decapsulation = DecapsulationKey::generate(spec.algorithm()).map_err(key)?;
        let encapsulation = decapsulation.encapsulation_key().map_err(key)?;
        let mut bytes = Zeroizing::new(decapsulation.key_bytes().map_err(key)?.as_ref().to_vec());
        bytes.extend_from_slice(encapsulation.key_bytes().map_err(key)?.as_ref());
        KemKey::from_bytes(spec, &bytes)
    }

    /// A key from its stored bytes (just opened from the store).
    pub fn from_bytes(spec: KemSpec, bytes: &[u8]) -> Result<KemKey, AsymmetricError> {
        let algorithm = spec.algorithm();
        let (split, public_len) = spec.key_lens();
        if bytes.len() != split + public_len {
            return Err(AsymmetricError::Key);
        }
        let (private, public) = bytes.split_at(split);
        Ok(KemKey {
            spec,
            bytes: Zeroizing::new(bytes.to_vec()),
            decapsulation: DecapsulationKey::new(algorithm, private)
                .map_err(|_| AsymmetricError::Key)?,
            encapsulation: EncapsulationKey::new(algorithm, public)
                .map_err(|_| AsymmetricError::Key)?,
        })
    }

    /// The key's spec.
    pub fn spec(&self) -> KemSpec {
        self.spec
    }

    /// The stored bytes, only to seal them under the master key.
    pub fn expose(&self) -> &[u8] {
        &self.bytes
    }

    /// The public (encapsulation) key as DER SubjectPublicKeyInfo.
    pub fn public_key_der(&self) -> Result<Vec<u8>, AsymmetricError> {
        let public = self
            .encapsulation
            .key_bytes()
            .map_err(|_| AsymmetricError::Key)?;
        let oid = [
            0x06,
            0x09,
            0x60,
            0x86,
            0x48,
            0x01,
            0x65,
            0x03,
            0x04,
            0x04,
            self.spec.oid_arc(),
        ];
        let algorithm = der(0x30, &oid);
        let mut bits = vec![0u8];
        bits.extend_from_slice(public.as_ref());
        let mut body = algorithm;
        body.extend(der(0x03, &bits));
        Ok(der(0x30, &body))
    }

    /// A fresh shared secret and its ciphertext under this key's public half.
    pub fn encapsulate(&self) -> Result<(Vec<u8>, Zeroizing<Vec<u8>>), AsymmetricError> {
        let (ciphertext, secret) = self
            .encapsulation
            .encapsulate()
            .map_err(|_| AsymmetricError::Key)?;
        Ok((
            ciphertext.as_ref().to_vec(),
            Zeroizing::new(secret.as_ref().to_vec()),
        ))
    }

    /// The shared secret of `ciphertext`. Only a ciphertext of the wrong length fails: any
    /// other yields a pseudo-random secret (ML-KEM's implicit rejection).
    pub fn decapsulate(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, AsymmetricError> {
        if ciphertext.len() != self.spec.ciphertext_len() {
            return Err(AsymmetricError::Ciphertext);
        }
        let secret = self
            .decapsulation
            .decapsulate(Ciphertext::from(ciphertext))
            .map_err(|_| AsymmetricError::Ciphertext)?;
        Ok(Zeroizing::new(secret.as_ref().to_vec()))
    }
}

/// A DER element: `tag`, definite length, `content`.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    match len {
        0..=0x7f => out.push(len as u8),
        0x80..=0xff => out.extend_from_slice(&[0x81, len as u8]),
        _ => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
    }
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encapsulated_secrets_decapsulate_and_keys_survive_storage() {
        for (spec, name, _) in SPECS {
            assert_eq!(KemSpec::from_name(name), Some(spec));
            let key = KemKey::generate(spec).unwrap();
            let stored = KemKey::from_bytes(spec, key.expose()).unwrap();
            let (ciphertext, secret) = key.encapsulate().unwrap();
            assert_eq!(ciphertext.len(), spec.ciphertext_len());
            assert_eq!(secret.len(), 32);
            assert_eq!(stored.decapsulate(&ciphertext).unwrap(), secret);
            // Implicit rejection: a changed ciphertext gives another secret, not an error.
            let mut changed = ciphertext.clone();
            changed[0] ^= 1;
            assert_ne!(stored.decapsulate(&changed).unwrap(), secret);
            assert!(stored.decapsulate(&ciphertext[1..]).is_err());
            assert_eq!(format!("{key:?}"), format!("KemKey({name}, ..)"));
        }
        assert!(KemKey::from_bytes(KemSpec::MlKem512, &[0; 10]).is_err());
    }

    #[test]
    fn the_public_key_is_a_der_spki_with_the_ml_kem_oid() {
        let key = KemKey::generate(KemSpec::MlKem768).unwrap();
        let spki = key.public_key_der().unwrap();
        // SEQUENCE(1184 + 22) { SEQUENCE { OID 2.16.840.1.101.3.4.4.2 } BIT STRING(1185) }
        assert_eq!(spki.len(), 4 + 13 + 4 + 1185);
        assert_eq!(&spki[..4], &[0x30, 0x82, 0x04, 0xb2]);
        assert_eq!(
            &spki[4..17],
            &[
                0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, 0x02
            ]
        );
        assert_eq!(&spki[17..22], &[0x03, 0x82, 0x04, 0xa1, 0x00]);
    }
}
