//! Key specs and key usages: which usages a spec admits and which algorithms a key of a spec
//! and usage lists in its metadata.

use crate::errors;
use rampart_crypto::kms::{AsymmetricSpec, KemSpec, MacSpec};
use rampart_protocol::AwsError;

/// Every `KeySpec` of the model.
const MODEL_SPECS: &[&str] = &[
    "SYMMETRIC_DEFAULT",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "ECC_NIST_EDWARDS25519",
    "HMAC_224",
    "HMAC_256",
    "HMAC_384",
    "HMAC_512",
    "SM2",
    "ML_DSA_44",
    "ML_DSA_65",
    "ML_DSA_87",
    "ML_KEM_512",
    "ML_KEM_768",
    "ML_KEM_1024",
];

/// Every `KeyUsage` of the model.
const MODEL_USAGES: &[&str] = &[
    "ENCRYPT_DECRYPT",
    "SIGN_VERIFY",
    "GENERATE_VERIFY_MAC",
    "KEY_AGREEMENT",
    "ENCAPSULATE_DECAPSULATE",
];

/// What backs a key of a spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Symmetric,
    Asymmetric(AsymmetricSpec),
    Kem(KemSpec),
    Mac(MacSpec),
}

/// The kind of key `spec` names, if this server implements it.
pub(crate) fn kind(spec: &str) -> Option<Kind> {
    if spec == "SYMMETRIC_DEFAULT" {
        return Some(Kind::Symmetric);
    }
    AsymmetricSpec::from_name(spec)
        .map(Kind::Asymmetric)
        .or_else(|| KemSpec::from_name(spec).map(Kind::Kem))
        .or_else(|| MacSpec::from_name(spec).map(Kind::Mac))
}

/// The usages a key of `kind` may have; the first is CreateKey's default.
fn usages(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Symmetric => &["ENCRYPT_DECRYPT"],
        Kind::Mac(_) => &["GENERATE_VERIFY_MAC"],
        Kind::Kem(_) => &["ENCAPSULATE_DECAPSULATE"],
        Kind::Asymmetric(a) if a.is_rsa() => &["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
        Kind::Asymmetric(a) if a.supports_key_agreement() => &["SIGN_VERIFY", "KEY_AGREEMENT"],
        Kind::Asymmetric(_) => &["SIGN_VERIFY"],
    }
}

/// Checks CreateKey's `KeySpec` and `KeyUsage`; returns the kind and the usage (defaulted).
pub(crate) fn check(spec: &str, usage: Option<&str>) -> Result<(Kind, String), AwsError> {
    if !MODEL_SPECS.contains(&spec) {
        return Err(errors::validation(format!(
            "1 validation error detected: Value '{spec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            MODEL_SPECS.join(", ")
        )));
    }
    if let Some(usage) = usage
        && !MODEL_USAGES.contains(&usage)
    {
        return Err(errors::validation(format!(
            "1 validation error detected: Value '{usage}' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            MODEL_USAGES.join(", ")
        )));
    }
    let kind = kind(spec).ok_or_else(|| {
        errors::unsupported(format!("KeySpec {spec} is not supported by this server."))
    })?;
    let allowed = usages(kind);
    let usage = match usage {
        None if matches!(kind, Kind::Asymmetric(_)) => {
            // AWS requires the usage of an asymmetric key.
            return Err(errors::validation(format!(
                "KeyUsage must be specified for KeySpec {spec}"
            )));
        }
        None => allowed[0],
        Some(u) if allowed.contains(&u) => u,
        Some(u) => {
            return Err(errors::validation(format!(
                "KeyUsage {u} is not compatible with KeySpec {spec}"
            )));
        }
    };
    Ok((kind, usage.to_owned()))
}

/// The algorithm lists a key's metadata carries: (member, algorithms).
pub(crate) fn algorithms(spec: &str, usage: &str) -> Vec<(&'static str, Vec<&'static str>)> {
    match (kind(spec), usage) {
        (Some(Kind::Symmetric), _) => vec![("EncryptionAlgorithms", vec!["SYMMETRIC_DEFAULT"])],
        (Some(Kind::Mac(m)), _) => vec![("MacAlgorithms", vec![m.algorithm()])],
        (Some(Kind::Kem(_)), _) => vec![("EncapsulationAlgorithms", vec!["ML_KEM"])],
        (Some(Kind::Asymmetric(_)), "ENCRYPT_DECRYPT") => vec![(
            "EncryptionAlgorithms",
            vec!["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"],
        )],
        (Some(Kind::Asymmetric(_)), "KEY_AGREEMENT") => {
            vec![("KeyAgreementAlgorithms", vec!["ECDH"])]
        }
        (Some(Kind::Asymmetric(a)), _) => vec![(
            "SigningAlgorithms",
            a.signing_algorithms().iter().map(|s| s.name()).collect(),
        )],
        (None, _) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usages_follow_the_spec() {
        assert_eq!(
            check("SYMMETRIC_DEFAULT", None).unwrap().1,
            "ENCRYPT_DECRYPT"
        );
        assert_eq!(check("HMAC_384", None).unwrap().1, "GENERATE_VERIFY_MAC");
        assert_eq!(
            check("RSA_2048", Some("SIGN_VERIFY")).unwrap().1,
            "SIGN_VERIFY"
        );
        assert_eq!(
            check("RSA_2048", None).unwrap_err().code,
            "ValidationException"
        );
        assert_eq!(
            check("RSA_2048", Some("KEY_AGREEMENT")).unwrap_err().code,
            "ValidationException"
        );
        assert!(check("ECC_NIST_P384", Some("KEY_AGREEMENT")).is_ok());
        assert!(check("ECC_SECG_P256K1", Some("KEY_AGREEMENT")).is_err());
        assert_eq!(
            check("SM2", Some("SIGN_VERIFY")).unwrap_err().code,
            "UnsupportedOperationException"
        );
        assert_eq!(check("NOPE", None).unwrap_err().code, "ValidationException");
    }

    #[test]
    fn metadata_lists_the_algorithms() {
        assert_eq!(
            algorithms("ECC_NIST_P521", "SIGN_VERIFY"),
            vec![("SigningAlgorithms", vec!["ECDSA_SHA_512"])]
        );
        assert_eq!(
            algorithms("HMAC_224", "GENERATE_VERIFY_MAC"),
            vec![("MacAlgorithms", vec!["HMAC_SHA_224"])]
        );
        assert_eq!(algorithms("RSA_4096", "SIGN_VERIFY")[0].1.len(), 6);
        assert_eq!(
            check("ML_KEM_768", None).unwrap().1,
            "ENCAPSULATE_DECAPSULATE"
        );
        assert_eq!(
            algorithms("ML_KEM_1024", "ENCAPSULATE_DECAPSULATE"),
            vec![("EncapsulationAlgorithms", vec!["ML_KEM"])]
        );
    }
}
