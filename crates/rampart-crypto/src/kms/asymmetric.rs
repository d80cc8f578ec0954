//! Asymmetric KMS keys: RSA (OAEP encryption, PKCS #1 v1.5 and PSS signatures), ECDSA and ECDH
//! on the NIST curves and secp256k1, Ed25519, and ML-DSA, all over aws-lc-rs.
//!
//! A private key is kept as its PKCS #8 DER (zeroized on drop) and parsed for each use; its
//! public half is published as a DER SubjectPublicKeyInfo, as `GetPublicKey` answers.

use super::CiphertextError;
use aws_lc_rs::agreement;
use aws_lc_rs::digest::{self, Digest};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{
    KeySize, OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepAlgorithm, OaepPrivateDecryptingKey,
    OaepPublicEncryptingKey, PrivateDecryptingKey,
};
use aws_lc_rs::signature::{self as sig, KeyPair, UnparsedPublicKey, VerificationAlgorithm};
use std::fmt;
use zeroize::Zeroizing;

/// The asymmetric key specs (`KeySpec`, `KeyPairSpec`) this module implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsymmetricSpec {
    /// `RSA_2048`.
    Rsa2048,
    /// `RSA_3072`.
    Rsa3072,
    /// `RSA_4096`.
    Rsa4096,
    /// `ECC_NIST_P256` (secp256r1).
    EccNistP256,
    /// `ECC_NIST_P384` (secp384r1).
    EccNistP384,
    /// `ECC_NIST_P521` (secp521r1).
    EccNistP521,
    /// `ECC_SECG_P256K1` (secp256k1).
    EccSecgP256k1,
    /// `ECC_NIST_EDWARDS25519` (Ed25519), signing only.
    EccNistEdwards25519,
    /// `ML_DSA_44`.
    MlDsa44,
    /// `ML_DSA_65`.
    MlDsa65,
    /// `ML_DSA_87`.
    MlDsa87,
}

/// The value KMS's `name` stands for in a table of (value, name).
fn by_name<T: Copy>(table: &[(T, &'static str)], name: &str) -> Option<T> {
    table.iter().find(|(_, n)| *n == name).map(|(v, _)| *v)
}

/// KMS's name of `value` in a table of (value, name); empty if the table lacks it.
fn name_in<T: PartialEq>(table: &[(T, &'static str)], value: T) -> &'static str {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map_or("", |(_, n)| n)
}

const SPECS: [(AsymmetricSpec, &str); 11] = [
    (AsymmetricSpec::Rsa2048, "RSA_2048"),
    (AsymmetricSpec::Rsa3072, "RSA_3072"),
    (AsymmetricSpec::Rsa4096, "RSA_4096"),
    (AsymmetricSpec::EccNistP256, "ECC_NIST_P256"),
    (AsymmetricSpec::EccNistP384, "ECC_NIST_P384"),
    (AsymmetricSpec::EccNistP521, "ECC_NIST_P521"),
    (AsymmetricSpec::EccSecgP256k1, "ECC_SECG_P256K1"),
    (AsymmetricSpec::EccNistEdwards25519, "ECC_NIST_EDWARDS25519"),
    (AsymmetricSpec::MlDsa44, "ML_DSA_44"),
    (AsymmetricSpec::MlDsa65, "ML_DSA_65"),
    (AsymmetricSpec::MlDsa87, "ML_DSA_87"),
];

impl AsymmetricSpec {
    /// The spec KMS calls `name`, if this module implements it.
    pub fn from_name(name: &str) -> Option<AsymmetricSpec> {
        by_name(&SPECS, name)
    }

    /// KMS's name of the spec.
    pub fn name(self) -> &'static str {
        name_in(&SPECS, self)
    }

    /// Whether this is an RSA spec.
    pub fn is_rsa(self) -> bool {
        matches!(
            self,
            AsymmetricSpec::Rsa2048 | AsymmetricSpec::Rsa3072 | AsymmetricSpec::Rsa4096
        )
    }

    /// Whether this is an elliptic-curve spec.
    pub fn is_ecc(self) -> bool {
        self.ecdsa().is_some() || self == AsymmetricSpec::EccNistEdwards25519
    }

    /// The signing algorithms keys of this spec support.
    pub fn signing_algorithms(self) -> &'static [SigningAlgorithm] {
        use SigningAlgorithm::*;
        match self {
            AsymmetricSpec::Rsa2048 | AsymmetricSpec::Rsa3072 | AsymmetricSpec::Rsa4096 => &[
                RsaPkcs1Sha256,
                RsaPkcs1Sha384,
                RsaPkcs1Sha512,
                RsaPssSha256,
                RsaPssSha384,
                RsaPssSha512,
            ],
            AsymmetricSpec::EccNistP256 | AsymmetricSpec::EccSecgP256k1 => &[EcdsaSha256],
            AsymmetricSpec::EccNistP384 => &[EcdsaSha384],
            AsymmetricSpec::EccNistP521 => &[EcdsaSha512],
            AsymmetricSpec::EccNistEdwards25519 => &[Ed25519Sha512, Ed25519PhSha512],
            AsymmetricSpec::MlDsa44 | AsymmetricSpec::MlDsa65 | AsymmetricSpec::MlDsa87 => {
                &[MlDsaShake256]
            }
        }
    }

    fn rsa_size(self) -> Option<KeySize> {
        match self {
            AsymmetricSpec::Rsa2048 => Some(KeySize::Rsa2048),
            AsymmetricSpec::Rsa3072 => Some(KeySize::Rsa3072),
            AsymmetricSpec::Rsa4096 => Some(KeySize::Rsa4096),
            _ => None,
        }
    }

    /// The ECDSA signing and verification algorithms of an elliptic-curve spec (DER signatures).
    fn ecdsa(
        self,
    ) -> Option<(
        &'static sig::EcdsaSigningAlgorithm,
        &'static sig::EcdsaVerificationAlgorithm,
    )> {
        match self {
            AsymmetricSpec::EccNistP256 => Some((
                &sig::ECDSA_P256_SHA256_ASN1_SIGNING,
                &sig::ECDSA_P256_SHA256_ASN1,
            )),
            AsymmetricSpec::EccNistP384 => Some((
                &sig::ECDSA_P384_SHA384_ASN1_SIGNING,
                &sig::ECDSA_P384_SHA384_ASN1,
            )),
            AsymmetricSpec::EccNistP521 => Some((
                &sig::ECDSA_P521_SHA512_ASN1_SIGNING,
                &sig::ECDSA_P521_SHA512_ASN1,
            )),
            AsymmetricSpec::EccSecgP256k1 => Some((
                &sig::ECDSA_P256K1_SHA256_ASN1_SIGNING,
                &sig::ECDSA_P256K1_SHA256_ASN1,
            )),
            _ => None,
        }
    }

    /// The ECDH algorithm of a NIST curve (secp256k1 has none in KMS).
    fn ecdh(self) -> Option<&'static agreement::Algorithm> {
        match self {
            AsymmetricSpec::EccNistP256 => Some(&agreement::ECDH_P256),
            AsymmetricSpec::EccNistP384 => Some(&agreement::ECDH_P384),
            AsymmetricSpec::EccNistP521 => Some(&agreement::ECDH_P521),
            _ => None,
        }
    }

    /// Whether keys of this spec can agree on a shared secret (ECDH).
    pub fn supports_key_agreement(self) -> bool {
        self.ecdh().is_some()
    }

    fn ml_dsa(
        self,
    ) -> Option<(
        &'static sig::PqdsaSigningAlgorithm,
        &'static sig::PqdsaVerificationAlgorithm,
    )> {
        match self {
            AsymmetricSpec::MlDsa44 => Some((&sig::ML_DSA_44_SIGNING, &sig::ML_DSA_44)),
            AsymmetricSpec::MlDsa65 => Some((&sig::ML_DSA_65_SIGNING, &sig::ML_DSA_65)),
            AsymmetricSpec::MlDsa87 => Some((&sig::ML_DSA_87_SIGNING, &sig::ML_DSA_87)),
            _ => None,
        }
    }
}

/// A signing algorithm (`SigningAlgorithmSpec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningAlgorithm {
    /// `RSASSA_PKCS1_V1_5_SHA_256`.
    RsaPkcs1Sha256,
    /// `RSASSA_PKCS1_V1_5_SHA_384`.
    RsaPkcs1Sha384,
    /// `RSASSA_PKCS1_V1_5_SHA_512`.
    RsaPkcs1Sha512,
    /// `RSASSA_PSS_SHA_256` (salt length 32).
    RsaPssSha256,
    /// `RSASSA_PSS_SHA_384` (salt length 48).
    RsaPssSha384,
    /// `RSASSA_PSS_SHA_512` (salt length 64).
    RsaPssSha512,
    /// `ECDSA_SHA_256`.
    EcdsaSha256,
    /// `ECDSA_SHA_384`.
    EcdsaSha384,
    /// `ECDSA_SHA_512`.
    EcdsaSha512,
    /// `ML_DSA_SHAKE_256`.
    MlDsaShake256,
    /// `ED25519_SHA_512`: Ed25519 (RFC 8032) over the message itself (`MessageType=RAW` only).
    Ed25519Sha512,
    /// `ED25519_PH_SHA_512`: Ed25519ph over a SHA-512 digest (`MessageType=DIGEST` only). Known
    /// by name; aws-lc-rs offers no Ed25519ph, so signing and verifying with it are refused.
    Ed25519PhSha512,
}

const SIGNING: [(SigningAlgorithm, &str); 12] = [
    (
        SigningAlgorithm::RsaPkcs1Sha256,
        "RSASSA_PKCS1_V1_5_SHA_256",
    ),
    (
        SigningAlgorithm::RsaPkcs1Sha384,
        "RSASSA_PKCS1_V1_5_SHA_384",
    ),
    (
        SigningAlgorithm::RsaPkcs1Sha512,
        "RSASSA_PKCS1_V1_5_SHA_512",
    ),
    (SigningAlgorithm::RsaPssSha256, "RSASSA_PSS_SHA_256"),
    (SigningAlgorithm::RsaPssSha384, "RSASSA_PSS_SHA_384"),
    (SigningAlgorithm::RsaPssSha512, "RSASSA_PSS_SHA_512"),
    (SigningAlgorithm::EcdsaSha256, "ECDSA_SHA_256"),
    (SigningAlgorithm::EcdsaSha384, "ECDSA_SHA_384"),
    (SigningAlgorithm::EcdsaSha512, "ECDSA_SHA_512"),
    (SigningAlgorithm::MlDsaShake256, "ML_DSA_SHAKE_256"),
    (SigningAlgorithm::Ed25519Sha512, "ED25519_SHA_512"),
    (SigningAlgorithm::Ed25519PhSha512, "ED25519_PH_SHA_512"),
];

impl SigningAlgorithm {
    /// The algorithm KMS calls `name`.
    pub fn from_name(name: &str) -> Option<SigningAlgorithm> {
        by_name(&SIGNING, name)
    }

    /// KMS's name of the algorithm.
    pub fn name(self) -> &'static str {
        name_in(&SIGNING, self)
    }

    /// The message digest the algorithm signs; `None` for ML-DSA and Ed25519, which sign the
    /// message.
    pub fn digest(self) -> Option<&'static digest::Algorithm> {
        use SigningAlgorithm::*;
        match self {
            RsaPkcs1Sha256 | RsaPssSha256 | EcdsaSha256 => Some(&digest::SHA256),
            RsaPkcs1Sha384 | RsaPssSha384 | EcdsaSha384 => Some(&digest::SHA384),
            RsaPkcs1Sha512 | RsaPssSha512 | EcdsaSha512 => Some(&digest::SHA512),
            MlDsaShake256 | Ed25519Sha512 | Ed25519PhSha512 => None,
        }
    }

    fn rsa(
        self,
    ) -> Option<(
        &'static sig::RsaSignatureEncoding,
        &'static sig::RsaParameters,
    )> {
        use SigningAlgorithm::*;
        match self {
            RsaPkcs1Sha256 => Some((&sig::RSA_PKCS1_SHA256, &sig::RSA_PKCS1_2048_8192_SHA256)),
            RsaPkcs1Sha384 => Some((&sig::RSA_PKCS1_SHA384, &sig::RSA_PKCS1_2048_8192_SHA384)),
            RsaPkcs1Sha512 => Some((&sig::RSA_PKCS1_SHA512, &sig::RSA_PKCS1_2048_8192_SHA512)),
            RsaPssSha256 => Some((&sig::RSA_PSS_SHA256, &sig::RSA_PSS_2048_8192_SHA256)),
            RsaPssSha384 => Some((&sig::RSA_PSS_SHA384, &sig::RSA_PSS_2048_8192_SHA384)),
            RsaPssSha512 => Some((&sig::RSA_PSS_SHA512, &sig::RSA_PSS_2048_8192_SHA512)),
            _ => None,
        }
    }
}

/// An RSA encryption algorithm (`EncryptionAlgorithmSpec`): OAEP with the same hash for the
/// padding and MGF1, and an empty label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OaepHash {
    /// `RSAES_OAEP_SHA_1`.
    Sha1,
    /// `RSAES_OAEP_SHA_256`.
    Sha256,
}

impl OaepHash {
    /// The algorithm KMS calls `name`.
    pub fn from_name(name: &str) -> Option<OaepHash> {
        match name {
            "RSAES_OAEP_SHA_1" => Some(OaepHash::Sha1),
            "RSAES_OAEP_SHA_256" => Some(OaepHash::Sha256),
            _ => None,
        }
    }

    /// KMS's name of the algorithm.
    pub fn name(self) -> &'static str {
        match self {
            OaepHash::Sha1 => "RSAES_OAEP_SHA_1",
            OaepHash::Sha256 => "RSAES_OAEP_SHA_256",
        }
    }

    fn algorithm(self) -> &'static OaepAlgorithm {
        match self {
            OaepHash::Sha1 => &OAEP_SHA1_MGF1SHA1,
            OaepHash::Sha256 => &OAEP_SHA256_MGF1SHA256,
        }
    }
}

/// What `Sign` and `Verify` are given: the message itself, or its digest.
#[derive(Debug, Clone, Copy)]
pub enum Message<'a> {
    /// `MessageType=RAW`: the message, hashed here.
    Raw(&'a [u8]),
    /// `MessageType=DIGEST`: the caller's digest, of the algorithm's hash length.
    Digest(&'a [u8]),
}

/// Why an asymmetric operation failed. Carries nothing: no key byte, no plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsymmetricError {
    /// The algorithm does not belong to the key's spec, or a digest has the wrong length.
    WrongAlgorithm,
    /// The input does not fit (plaintext too long, a malformed peer public key).
    BadInput,
    /// The ciphertext did not decrypt.
    Ciphertext,
    /// Key generation or parsing failed.
    Key,
    /// The algorithm is known but not implemented (Ed25519ph).
    Unsupported,
}

impl fmt::Display for AsymmetricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AsymmetricError::WrongAlgorithm => "the algorithm does not fit the key",
            AsymmetricError::BadInput => "the input does not fit the key",
            AsymmetricError::Ciphertext => "the ciphertext could not be decrypted",
            AsymmetricError::Key => "the key could not be made or read",
            AsymmetricError::Unsupported => "the algorithm is not implemented",
        })
    }
}

impl std::error::Error for AsymmetricError {}

impl From<CiphertextError> for AsymmetricError {
    fn from(_: CiphertextError) -> Self {
        AsymmetricError::Ciphertext
    }
}

/// The key pair parsed from the PKCS #8 DER.
enum Parsed {
    Rsa(sig::RsaKeyPair),
    Ecdsa(sig::EcdsaKeyPair),
    MlDsa(sig::PqdsaKeyPair),
    Ed25519(sig::Ed25519KeyPair),
}

/// An asymmetric private key: its PKCS #8 DER, zeroized on drop, and the key pair parsed once
/// from it. Neither is ever shown.
pub struct PrivateKey {
    spec: AsymmetricSpec,
    pkcs8: Zeroizing<Vec<u8>>,
    parsed: Parsed,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({}, ..)", self.spec.name())
    }
}

impl PrivateKey {
    /// A fresh key pair of `spec`.
    pub fn generate(spec: AsymmetricSpec) -> Result<PrivateKey, AsymmetricError> {
        let key = |_| AsymmetricError::Key;
        let der = if let Some(size) = spec.rsa_size() {
            let pair = sig::RsaKeyPair::generate(size).map_err(key)?;
            Zeroizing::new(pair.as_der().map_err(key)?.as_ref().to_vec())
        } else if let Some((signing, _)) = spec.ecdsa() {
            let pair = sig::EcdsaKeyPair::generate(signing).map_err(key)?;
            Zeroizing::new(pair.to_pkcs8v1().map_err(key)?.as_ref().to_vec())
        } else if let Some((signing, _)) = spec.ml_dsa() {
            let pair = sig::PqdsaKeyPair::generate(signing).map_err(key)?;
            Zeroizing::new(pair.to_pkcs8v1().map_err(key)?.as_ref().to_vec())
        } else if spec == AsymmetricSpec::EccNistEdwards25519 {
            let pair = sig::Ed25519KeyPair::generate().map_err(key)?;
            Zeroizing::new(pair.to_pkcs8v1().map_err(key)?.as_ref().to_vec())
        } else {
            return Err(AsymmetricError::Key);
        };
        PrivateKey::from_pkcs8(spec, &der)
    }

    /// A key of `spec` from its PKCS #8 DER (just opened from the store), parsed here once.
    pub fn from_pkcs8(spec: AsymmetricSpec, pkcs8: &[u8]) -> Result<PrivateKey, AsymmetricError> {
        let rejected = |_| AsymmetricError::Key;
        let parsed = if spec.is_rsa() {
            Parsed::Rsa(sig::RsaKeyPair::from_pkcs8(pkcs8).map_err(rejected)?)
        } else if let Some((signing, _)) = spec.ecdsa() {
            Parsed::Ecdsa(sig::EcdsaKeyPair::from_pkcs8(signing, pkcs8).map_err(rejected)?)
        } else if let Some((signing, _)) = spec.ml_dsa() {
            Parsed::MlDsa(sig::PqdsaKeyPair::from_pkcs8(signing, pkcs8).map_err(rejected)?)
        } else if spec == AsymmetricSpec::EccNistEdwards25519 {
            Parsed::Ed25519(sig::Ed25519KeyPair::from_pkcs8(pkcs8).map_err(rejected)?)
        } else {
            return Err(AsymmetricError::Key);
        };
        Ok(PrivateKey {
            spec,
            pkcs8: Zeroizing::new(pkcs8.to_vec()),
            parsed,
        })
    }

    /// The key's spec.
    pub fn spec(&self) -> AsymmetricSpec {
        self.spec
    }

    /// The PKCS #8 DER, only to seal it under the master key or to hand a data key pair to
    /// the caller who asked for it.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public key as DER SubjectPublicKeyInfo.
    pub fn public_key_der(&self) -> Result<Vec<u8>, AsymmetricError> {
        let der = match &self.parsed {
            Parsed::Rsa(pair) => pair.public_key().as_der().map(|d| d.as_ref().to_vec()),
            Parsed::Ecdsa(pair) => pair.public_key().as_der().map(|d| d.as_ref().to_vec()),
            Parsed::MlDsa(pair) => pair.public_key().as_der().map(|d| d.as_ref().to_vec()),
            Parsed::Ed25519(pair) => pair.public_key().as_der().map(|d| d.as_ref().to_vec()),
        };
        der.map_err(|_| AsymmetricError::Key)
    }

    /// The RSA modulus length in bytes (the length of its ciphertexts and signatures).
    pub fn modulus_len(&self) -> Option<usize> {
        match &self.parsed {
            Parsed::Rsa(pair) => Some(pair.public_modulus_len()),
            _ => None,
        }
    }

    /// The raw public key the verification algorithms take.
    fn public_bytes(&self) -> &[u8] {
        match &self.parsed {
            Parsed::Rsa(pair) => pair.public_key().as_ref(),
            Parsed::Ecdsa(pair) => pair.public_key().as_ref(),
            Parsed::MlDsa(pair) => pair.public_key().as_ref(),
            Parsed::Ed25519(pair) => pair.public_key().as_ref(),
        }
    }

    fn check_algorithm(&self, algorithm: SigningAlgorithm) -> Result<(), AsymmetricError> {
        if !self.spec.signing_algorithms().contains(&algorithm) {
            Err(AsymmetricError::WrongAlgorithm)
        } else if algorithm == SigningAlgorithm::Ed25519PhSha512 {
            Err(AsymmetricError::Unsupported)
        } else {
            Ok(())
        }
    }

    /// Signs `message` with `algorithm` (DER signatures for ECDSA, as KMS answers).
    pub fn sign(
        &self,
        algorithm: SigningAlgorithm,
        message: Message<'_>,
    ) -> Result<Vec<u8>, AsymmetricError> {
        self.check_algorithm(algorithm)?;
        let digest = message_digest(algorithm, message)?;
        let failed = |_| AsymmetricError::Key;
        match (&self.parsed, algorithm.rsa(), digest, message) {
            (Parsed::Rsa(pair), Some((encoding, _)), Some(digest), _) => {
                let mut out = vec![0u8; pair.public_modulus_len()];
                pair.sign_digest(encoding, &digest, &mut out)
                    .map_err(failed)?;
                Ok(out)
            }
            (Parsed::Ecdsa(pair), _, Some(digest), _) => {
                Ok(pair.sign_digest(&digest).map_err(failed)?.as_ref().to_vec())
            }
            (Parsed::MlDsa(pair), _, None, Message::Raw(raw)) => {
                let mut out = vec![0u8; pair.algorithm().signature_len()];
                let len = pair.sign(raw, &mut out).map_err(failed)?;
                out.truncate(len);
                Ok(out)
            }
            (Parsed::Ed25519(pair), _, None, Message::Raw(raw)) => {
                Ok(pair.try_sign(raw).map_err(failed)?.as_ref().to_vec())
            }
            _ => Err(AsymmetricError::WrongAlgorithm),
        }
    }

    /// Whether `signature` is `algorithm`'s signature of `message` by this key.
    pub fn verify(
        &self,
        algorithm: SigningAlgorithm,
        message: Message<'_>,
        signature: &[u8],
    ) -> Result<bool, AsymmetricError> {
        self.check_algorithm(algorithm)?;
        let digest = message_digest(algorithm, message)?;
        let verification: &'static dyn VerificationAlgorithm =
            match (algorithm.rsa(), self.spec.ecdsa(), self.spec.ml_dsa()) {
                (Some((_, parameters)), _, _) => parameters,
                (None, Some((_, ecdsa)), _) => ecdsa,
                (None, None, Some((_, ml_dsa))) => ml_dsa,
                _ if algorithm == SigningAlgorithm::Ed25519Sha512 => &sig::ED25519,
                _ => return Err(AsymmetricError::WrongAlgorithm),
            };
        let key = UnparsedPublicKey::new(verification, self.public_bytes());
        let verdict = match (digest, message) {
            (Some(digest), _) => key.verify_digest(&digest, signature),
            (None, Message::Raw(raw)) => key.verify(raw, signature),
            (None, Message::Digest(_)) => return Err(AsymmetricError::WrongAlgorithm),
        };
        Ok(verdict.is_ok())
    }

    /// The largest plaintext RSA-OAEP with `hash` encrypts under this key.
    pub fn max_plaintext(&self, hash: OaepHash) -> Result<usize, AsymmetricError> {
        Ok(self.oaep_public()?.max_plaintext_size(hash.algorithm()))
    }

    fn oaep_public(&self) -> Result<OaepPublicEncryptingKey, AsymmetricError> {
        let private = PrivateDecryptingKey::from_pkcs8(&self.pkcs8)
            .map_err(|_| AsymmetricError::WrongAlgorithm)?;
        OaepPublicEncryptingKey::new(private.public_key()).map_err(|_| AsymmetricError::Key)
    }

    /// RSA-OAEP encryption of `plaintext` under this key's public half.
    pub fn encrypt(&self, hash: OaepHash, plaintext: &[u8]) -> Result<Vec<u8>, AsymmetricError> {
        let public = self.oaep_public()?;
        if plaintext.len() > public.max_plaintext_size(hash.algorithm()) {
            return Err(AsymmetricError::BadInput);
        }
        let mut out = vec![0u8; public.ciphertext_size()];
        let len = public
            .encrypt(hash.algorithm(), plaintext, &mut out, None)
            .map_err(|_| AsymmetricError::BadInput)?
            .len();
        out.truncate(len);
        Ok(out)
    }

    /// RSA-OAEP decryption with this key.
    pub fn decrypt(
        &self,
        hash: OaepHash,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AsymmetricError> {
        let private = PrivateDecryptingKey::from_pkcs8(&self.pkcs8)
            .map_err(|_| AsymmetricError::WrongAlgorithm)?;
        let private = OaepPrivateDecryptingKey::new(private).map_err(|_| AsymmetricError::Key)?;
        let mut out = Zeroizing::new(vec![0u8; private.min_output_size()]);
        let len = private
            .decrypt(hash.algorithm(), ciphertext, &mut out, None)
            .map_err(|_| AsymmetricError::Ciphertext)?
            .len();
        out.truncate(len);
        Ok(out)
    }

    /// The raw ECDH shared secret (the X coordinate) with the peer's DER SubjectPublicKeyInfo.
    pub fn derive_shared_secret(
        &self,
        peer_public_key: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AsymmetricError> {
        let algorithm = self.spec.ecdh().ok_or(AsymmetricError::WrongAlgorithm)?;
        let private = agreement::PrivateKey::from_private_key_der(algorithm, &self.pkcs8)
            .map_err(|_| AsymmetricError::Key)?;
        let peer = agreement::UnparsedPublicKey::new(algorithm, peer_public_key);
        agreement::agree(&private, peer, AsymmetricError::BadInput, |secret| {
            Ok(Zeroizing::new(secret.to_vec()))
        })
    }
}

/// The digest `algorithm` signs for `message`: computed for RAW, imported for DIGEST (which
/// must have the hash's length); `None` for ML-DSA, which signs the message itself.
fn message_digest(
    algorithm: SigningAlgorithm,
    message: Message<'_>,
) -> Result<Option<Digest>, AsymmetricError> {
    let Some(hash) = algorithm.digest() else {
        return Ok(None);
    };
    match message {
        Message::Raw(raw) => Ok(Some(digest::digest(hash, raw))),
        Message::Digest(d) => Digest::import_less_safe(d, hash)
            .map(Some)
            .map_err(|_| AsymmetricError::WrongAlgorithm),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(spec: AsymmetricSpec) -> PrivateKey {
        PrivateKey::generate(spec).unwrap()
    }

    #[test]
    fn names_round_trip() {
        for (spec, name) in SPECS {
            assert_eq!(AsymmetricSpec::from_name(name), Some(spec));
            assert_eq!(spec.name(), name);
        }
        for (alg, name) in SIGNING {
            assert_eq!(SigningAlgorithm::from_name(name), Some(alg));
        }
        assert_eq!(AsymmetricSpec::from_name("SM2"), None);
    }

    #[test]
    fn debug_hides_the_key() {
        let k = key(AsymmetricSpec::EccNistP256);
        assert_eq!(format!("{k:?}"), "PrivateKey(ECC_NIST_P256, ..)");
    }

    #[test]
    fn every_spec_signs_and_verifies_raw_and_digest() {
        for (spec, _) in SPECS {
            if spec == AsymmetricSpec::Rsa4096 || spec == AsymmetricSpec::Rsa3072 {
                continue; // slow to generate; RSA_2048 covers the code path
            }
            let k = key(spec);
            let reloaded = PrivateKey::from_pkcs8(spec, k.pkcs8()).unwrap();
            for &alg in spec.signing_algorithms() {
                if alg == SigningAlgorithm::Ed25519PhSha512 {
                    let refused = k.sign(alg, Message::Digest(&[0; 64]));
                    assert_eq!(refused, Err(AsymmetricError::Unsupported));
                    continue;
                }
                let s = k.sign(alg, Message::Raw(b"hello")).unwrap();
                assert!(reloaded.verify(alg, Message::Raw(b"hello"), &s).unwrap());
                assert!(!reloaded.verify(alg, Message::Raw(b"hellO"), &s).unwrap());
                if let Some(hash) = alg.digest() {
                    let d = digest::digest(hash, b"hello");
                    assert!(k.verify(alg, Message::Digest(d.as_ref()), &s).unwrap());
                    let s2 = k.sign(alg, Message::Digest(d.as_ref())).unwrap();
                    assert!(k.verify(alg, Message::Raw(b"hello"), &s2).unwrap());
                    assert_eq!(
                        k.sign(alg, Message::Digest(&d.as_ref()[1..])),
                        Err(AsymmetricError::WrongAlgorithm)
                    );
                } else {
                    assert!(k.sign(alg, Message::Digest(&[0; 32])).is_err());
                }
            }
            assert!(!k.public_key_der().unwrap().is_empty());
        }
    }

    /// RFC 8032 section 7.1, tests 1 and 2: the key from its seed, the public key and the
    /// signatures of the empty message and of 0x72.
    #[test]
    fn ed25519_matches_rfc_8032() {
        let cases = [
            (
                "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
                "",
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            ),
            (
                "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
                "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
                "72",
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
            ),
        ];
        let unhex = |h: &str| -> Vec<u8> {
            (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                .collect()
        };
        for (seed, public, message, signature) in cases {
            let pair = sig::Ed25519KeyPair::from_seed_unchecked(&unhex(seed)).unwrap();
            let pkcs8 = pair.to_pkcs8v1().unwrap();
            let k = PrivateKey::from_pkcs8(AsymmetricSpec::EccNistEdwards25519, pkcs8.as_ref())
                .unwrap();
            assert_eq!(k.public_bytes(), unhex(public).as_slice());
            let der = k.public_key_der().unwrap();
            assert!(der.ends_with(&unhex(public)));
            let message = unhex(message);
            let signed = k
                .sign(SigningAlgorithm::Ed25519Sha512, Message::Raw(&message))
                .unwrap();
            assert_eq!(signed, unhex(signature));
            assert!(
                k.verify(
                    SigningAlgorithm::Ed25519Sha512,
                    Message::Raw(&message),
                    &signed
                )
                .unwrap()
            );
            assert_eq!(
                k.sign(SigningAlgorithm::Ed25519Sha512, Message::Digest(&[0; 64])),
                Err(AsymmetricError::WrongAlgorithm)
            );
        }
    }

    #[test]
    fn algorithms_of_other_specs_are_refused() {
        let k = key(AsymmetricSpec::EccNistP256);
        assert_eq!(
            k.sign(SigningAlgorithm::EcdsaSha384, Message::Raw(b"x")),
            Err(AsymmetricError::WrongAlgorithm)
        );
        assert_eq!(
            k.encrypt(OaepHash::Sha256, b"x"),
            Err(AsymmetricError::WrongAlgorithm)
        );
    }

    #[test]
    fn rsa_oaep_round_trip_and_limits() {
        let k = key(AsymmetricSpec::Rsa2048);
        // AWS's limits for RSA_2048: 214 bytes with SHA-1, 190 with SHA-256.
        assert_eq!(k.max_plaintext(OaepHash::Sha1).unwrap(), 214);
        assert_eq!(k.max_plaintext(OaepHash::Sha256).unwrap(), 190);
        for hash in [OaepHash::Sha1, OaepHash::Sha256] {
            let c = k.encrypt(hash, b"secret").unwrap();
            assert_eq!(c.len(), 256);
            assert_eq!(k.decrypt(hash, &c).unwrap().as_slice(), b"secret");
        }
        let c = k.encrypt(OaepHash::Sha1, b"secret").unwrap();
        assert_eq!(
            k.decrypt(OaepHash::Sha256, &c),
            Err(AsymmetricError::Ciphertext)
        );
        assert_eq!(
            k.encrypt(OaepHash::Sha256, &[0; 191]),
            Err(AsymmetricError::BadInput)
        );
    }

    #[test]
    fn ecdh_agrees_both_ways() {
        for spec in [
            AsymmetricSpec::EccNistP256,
            AsymmetricSpec::EccNistP384,
            AsymmetricSpec::EccNistP521,
        ] {
            let (a, b) = (key(spec), key(spec));
            let ab = a
                .derive_shared_secret(&b.public_key_der().unwrap())
                .unwrap();
            let ba = b
                .derive_shared_secret(&a.public_key_der().unwrap())
                .unwrap();
            assert_eq!(ab, ba);
            assert!(a.derive_shared_secret(b"not a key").is_err());
        }
        let k1 = key(AsymmetricSpec::EccSecgP256k1);
        assert_eq!(
            k1.derive_shared_secret(&k1.public_key_der().unwrap()),
            Err(AsymmetricError::WrongAlgorithm)
        );
    }
}
