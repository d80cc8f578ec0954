//! Digest files: the hourly, signed, chained summaries that make log-file tampering
//! detectable, laid out and signed as AWS does.
//!
//! AWS keeps each digest's signature in the S3 object's metadata; rampart keeps it beside
//! the digest (see [`signature_key`]) so a trail's folder is self-contained.

use crate::event::Event;
use crate::logfile::{key_prefix, log_file_json};
use crate::{gzip, timefmt};
use aws_lc_rs::digest;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, KeyPair, RsaKeyPair, UnparsedPublicKey};
use rampart_types::{AccountId, Region};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// The `digestSignatureAlgorithm` AWS writes.
pub const SIGNATURE_ALGORITHM: &str = "SHA256withRSA";
/// The `hashAlgorithm` / `previousDigestHashAlgorithm` AWS writes.
pub const HASH_ALGORITHM: &str = "SHA-256";

/// Why a signing key could not be made, loaded or used. Says nothing about the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestError {
    /// The PKCS#8 document is not an RSA key of at least 2048 bits.
    BadKey,
    /// Key generation or signing failed.
    Crypto,
}

impl fmt::Display for DigestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DigestError::BadKey => f.write_str("the digest signing key is not a usable RSA key"),
            DigestError::Crypto => f.write_str("digest signing failed"),
        }
    }
}

impl std::error::Error for DigestError {}

/// A trail region's digest signing key (RSA-2048, SHA-256 PKCS#1 v1.5).
///
/// Its `Debug` shows only the public fingerprint; the private key never leaves except
/// through [`DigestSigner::generate`]'s zeroizing PKCS#8 output, for the caller to seal.
pub struct DigestSigner {
    key: RsaKeyPair,
    public: PublicKey,
}

impl fmt::Debug for DigestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestSigner")
            .field("fingerprint", &self.public.fingerprint)
            .finish_non_exhaustive()
    }
}

impl DigestSigner {
    /// A new random RSA-2048 key, with its PKCS#8 DER for the caller to store sealed.
    pub fn generate() -> Result<(Self, Zeroizing<Vec<u8>>), DigestError> {
        let key = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| DigestError::Crypto)?;
        let pkcs8 = key.as_der().map_err(|_| DigestError::Crypto)?;
        let pkcs8 = Zeroizing::new(pkcs8.as_ref().to_vec());
        Ok((Self::from_key(key), pkcs8))
    }

    /// Loads a key from PKCS#8 DER.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, DigestError> {
        let key = RsaKeyPair::from_pkcs8(der).map_err(|_| DigestError::BadKey)?;
        if key.public_modulus_len() < 256 {
            return Err(DigestError::BadKey);
        }
        Ok(Self::from_key(key))
    }

    fn from_key(key: RsaKeyPair) -> Self {
        let public = PublicKey::from_der(key.public_key().as_ref().to_vec());
        DigestSigner { key, public }
    }

    /// The public key as PKCS#1 `RSAPublicKey` DER, as `ListPublicKeys` returns it.
    pub fn public_key_der(&self) -> &[u8] {
        &self.public.der
    }

    /// The public key's fingerprint, as written in `digestPublicKeyFingerprint`.
    pub fn fingerprint(&self) -> &str {
        &self.public.fingerprint
    }

    /// The public key with its fingerprint, for validators and `ListPublicKeys`.
    pub fn public_key(&self) -> PublicKey {
        self.public.clone()
    }

    /// RSA SHA-256 PKCS#1 v1.5 signature of `message`, hex-encoded.
    fn sign_hex(&self, message: &[u8]) -> Result<String, DigestError> {
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut sig,
            )
            .map_err(|_| DigestError::Crypto)?;
        Ok(hex::encode(sig))
    }
}

/// A digest-verifying public key, as `ListPublicKeys` describes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// PKCS#1 `RSAPublicKey` DER.
    pub der: Vec<u8>,
    /// See [`fingerprint_of`].
    pub fingerprint: String,
}

impl PublicKey {
    /// A public key from its PKCS#1 DER, with its fingerprint computed.
    pub fn from_der(der: Vec<u8>) -> Self {
        let fingerprint = fingerprint_of(&der);
        PublicKey { der, fingerprint }
    }

    /// Whether `signature_hex` is this key's SHA256withRSA signature of `message`.
    pub fn verify(&self, message: &[u8], signature_hex: &str) -> bool {
        let Ok(sig) = hex::decode(signature_hex) else {
            return false;
        };
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.der)
            .verify(message, &sig)
            .is_ok()
    }
}

/// A key's fingerprint as CloudTrail writes it: the hex MD5 of its PKCS#1 DER.
pub fn fingerprint_of(der: &[u8]) -> String {
    hex::encode(crate::md5::md5(der))
}

/// Hex SHA-256, as digests write every hash.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, data).as_ref())
}

/// One element of a digest's `logFiles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogFileEntry {
    /// The bucket holding the log file.
    pub s3_bucket: String,
    /// The log file's key.
    pub s3_object: String,
    /// Hex SHA-256 of the log file's uncompressed content.
    pub hash_value: String,
    /// [`HASH_ALGORITHM`].
    pub hash_algorithm: String,
    /// The newest event time in the file.
    #[serde(with = "crate::timefmt::seconds")]
    pub newest_event_time: OffsetDateTime,
    /// The oldest event time in the file.
    #[serde(with = "crate::timefmt::seconds")]
    pub oldest_event_time: OffsetDateTime,
}

/// Builds a log file and its digest entry in one go: `(gzip bytes, entry)`.
/// `None` for an empty event list (CloudTrail delivers no empty log files).
pub fn build_log_file_with_entry(
    bucket: &str,
    key: &str,
    events: &[Event],
) -> Option<(Vec<u8>, LogFileEntry)> {
    let newest = events.iter().map(|e| e.event_time).max()?;
    let oldest = events.iter().map(|e| e.event_time).min()?;
    let json = log_file_json(events);
    let entry = LogFileEntry {
        s3_bucket: bucket.to_owned(),
        s3_object: key.to_owned(),
        hash_value: sha256_hex(&json),
        hash_algorithm: HASH_ALGORITHM.to_owned(),
        newest_event_time: newest,
        oldest_event_time: oldest,
    };
    Some((gzip::compress(&json), entry))
}

/// A digest file's JSON, field for field (and in order) as AWS writes it. The `previous…`
/// fields are `null` in the first digest of a chain; the event times are `null` when the
/// hour delivered no log files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DigestFile {
    /// The trail's account.
    pub aws_account_id: String,
    /// Start of the covered period.
    pub digest_start_time: String,
    /// End of the covered period (part of the signed string).
    pub digest_end_time: String,
    /// The bucket holding this digest.
    pub digest_s3_bucket: String,
    /// This digest's own key.
    pub digest_s3_object: String,
    /// Fingerprint of the verifying public key.
    pub digest_public_key_fingerprint: String,
    /// [`SIGNATURE_ALGORITHM`].
    pub digest_signature_algorithm: String,
    /// Newest event time across the listed log files.
    pub newest_event_time: Option<String>,
    /// Oldest event time across the listed log files.
    pub oldest_event_time: Option<String>,
    /// The previous digest's bucket.
    pub previous_digest_s3_bucket: Option<String>,
    /// The previous digest's key.
    pub previous_digest_s3_object: Option<String>,
    /// Hex SHA-256 of the previous digest's uncompressed content.
    pub previous_digest_hash_value: Option<String>,
    /// [`HASH_ALGORITHM`] when there is a previous digest.
    pub previous_digest_hash_algorithm: Option<String>,
    /// The previous digest's hex signature.
    pub previous_digest_signature: Option<String>,
    /// The log files delivered in the period.
    pub log_files: Vec<LogFileEntry>,
}

impl DigestFile {
    /// Reads a delivered (gzipped) digest file; `None` if it is not one.
    pub fn from_gz(gz: &[u8]) -> Option<Self> {
        serde_json::from_slice(&gzip::decompress(gz)?).ok()
    }
}

/// The string a digest's signature covers, as AWS builds it: end time, `bucket/key`,
/// hex SHA-256 of the uncompressed digest, previous signature (`null` for the first),
/// joined by newlines.
pub fn string_to_sign(digest: &DigestFile, uncompressed: &[u8]) -> String {
    format!(
        "{}\n{}/{}\n{}\n{}",
        digest.digest_end_time,
        digest.digest_s3_bucket,
        digest.digest_s3_object,
        sha256_hex(uncompressed),
        digest
            .previous_digest_signature
            .as_deref()
            .unwrap_or("null")
    )
}

/// The key of a digest file:
/// `[prefix/]AWSLogs/<account>/CloudTrail-Digest/<region>/<YYYY>/<MM>/<DD>/<account>_CloudTrail-Digest_<region>_<trail>_<region>_<YYYYMMDDTHHmmssZ>.json.gz`.
pub fn digest_file_key(
    prefix: Option<&str>,
    account: &AccountId,
    region: &Region,
    trail_name: &str,
    end_time: OffsetDateTime,
) -> String {
    format!(
        "{}AWSLogs/{account}/CloudTrail-Digest/{region}/{}/{account}_CloudTrail-Digest_{region}_{trail_name}_{region}_{}.json.gz",
        key_prefix(prefix),
        timefmt::date_folders(end_time),
        timefmt::compact_seconds(end_time),
    )
}

/// Where rampart keeps a digest's hex signature (AWS's `x-amz-meta-signature`).
pub fn signature_key(digest_key: &str) -> String {
    format!("{digest_key}.signature")
}

/// The chain state a server keeps between digests of one trail and region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DigestChain {
    /// The last digest delivered, if any.
    pub previous: Option<PreviousDigest>,
}

/// What the next digest must say about the last one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviousDigest {
    /// Its bucket.
    pub bucket: String,
    /// Its key.
    pub key: String,
    /// Hex SHA-256 of its uncompressed content.
    pub hash_hex: String,
    /// Its hex signature.
    pub signature_hex: String,
    /// Its end time: the next digest's start time.
    #[serde(with = "crate::timefmt::seconds")]
    pub end_time: OffsetDateTime,
}

/// Where and for what a digest is being written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestTarget<'a> {
    /// The trail's bucket.
    pub bucket: &'a str,
    /// The trail's `S3KeyPrefix`.
    pub prefix: Option<&'a str>,
    /// The trail's account.
    pub account: &'a AccountId,
    /// The region whose logs are digested.
    pub region: &'a Region,
    /// The trail's name.
    pub trail_name: &'a str,
}

/// A built digest, ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltDigest {
    /// Where to write it ([`digest_file_key`]).
    pub key: String,
    /// The gzip bytes to write there.
    pub gz: Vec<u8>,
    /// The hex signature, to write at [`signature_key`].
    pub signature_hex: String,
}

/// Builds, signs and chains the digest for the period ending at `end_time`, listing
/// `log_files`, and advances `chain`. The period starts where the previous digest ended
/// (or at `first_start` for the first digest of a chain).
pub fn build_digest(
    signer: &DigestSigner,
    chain: &mut DigestChain,
    target: &DigestTarget<'_>,
    first_start: OffsetDateTime,
    end_time: OffsetDateTime,
    log_files: Vec<LogFileEntry>,
) -> Result<BuiltDigest, DigestError> {
    let key = digest_file_key(
        target.prefix,
        target.account,
        target.region,
        target.trail_name,
        end_time,
    );
    let start = chain.previous.as_ref().map_or(first_start, |p| p.end_time);
    let prev = chain.previous.as_ref();
    let newest = log_files.iter().map(|l| l.newest_event_time).max();
    let oldest = log_files.iter().map(|l| l.oldest_event_time).min();
    let file = DigestFile {
        aws_account_id: target.account.to_string(),
        digest_start_time: timefmt::iso_seconds(start),
        digest_end_time: timefmt::iso_seconds(end_time),
        digest_s3_bucket: target.bucket.to_owned(),
        digest_s3_object: key.clone(),
        digest_public_key_fingerprint: signer.fingerprint().to_owned(),
        digest_signature_algorithm: SIGNATURE_ALGORITHM.to_owned(),
        newest_event_time: newest.map(timefmt::iso_seconds),
        oldest_event_time: oldest.map(timefmt::iso_seconds),
        previous_digest_s3_bucket: prev.map(|p| p.bucket.clone()),
        previous_digest_s3_object: prev.map(|p| p.key.clone()),
        previous_digest_hash_value: prev.map(|p| p.hash_hex.clone()),
        previous_digest_hash_algorithm: prev.map(|_| HASH_ALGORITHM.to_owned()),
        previous_digest_signature: prev.map(|p| p.signature_hex.clone()),
        log_files,
    };
    let json = serde_json::to_vec(&file).map_err(|_| DigestError::Crypto)?;
    let signature_hex = signer.sign_hex(string_to_sign(&file, &json).as_bytes())?;
    chain.previous = Some(PreviousDigest {
        bucket: target.bucket.to_owned(),
        key: key.clone(),
        hash_hex: sha256_hex(&json),
        signature_hex: signature_hex.clone(),
        end_time,
    });
    Ok(BuiltDigest {
        key,
        gz: gzip::compress(&json),
        signature_hex,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::UserIdentity;
    use serde_json::Value;
    use std::sync::OnceLock;
    use time::macros::datetime;

    /// One key for all tests: RSA generation is slow in debug builds.
    pub(crate) fn signer() -> &'static DigestSigner {
        static SIGNER: OnceLock<DigestSigner> = OnceLock::new();
        SIGNER.get_or_init(|| DigestSigner::generate().unwrap().0)
    }

    fn ids() -> (AccountId, Region) {
        (
            "123456789012".parse().unwrap(),
            "us-east-1".parse().unwrap(),
        )
    }

    /// The key and fingerprint shown in the AWS CLI's `list-public-keys` example.
    #[test]
    fn fingerprint_is_md5_of_the_pkcs1_der() {
        use base64::Engine;
        let value = "MIIBCgKCAQEAlSS3cl92HDycr/MTj0moOhas8habjrraXw+KzlWF0axSI2tcF+3iJ9BKQAVSKxGwxwu3m0wG3J+kUl1xboEcEPHYoIYMbgfSw7KGnuDKwkLzsQWhUJ0cIbOHASox1vv/5fNXkrHhGbDCHeVXm804c83nvHUEFYThr1PfyP/8HwrCtR3FX5OANtQCP61C1nJtSSkC8JSQUOrIP4CuwJjc+4WGDk+BGH5m9iuiAKkipEHWmUl8/P7XpfpWQuk4h8g3pXZOrNXr08lbh4d39svj7UqdhvOXoBISp9t/EXYuePGEtBdrKD9Dz+VHwyUPtBQvYr9BnkF88qBnaPNhS44rzwIDAQAB";
        let der = base64::engine::general_purpose::STANDARD
            .decode(value)
            .unwrap();
        assert_eq!(fingerprint_of(&der), "7f3f401420072e50a65a141430817ab3");
    }

    #[test]
    fn digest_key_follows_aws_layout() {
        let (account, region) = ids();
        assert_eq!(
            digest_file_key(
                None,
                &account,
                &region,
                "main",
                datetime!(2026-11-22 21:00:31 UTC)
            ),
            "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/11/22/123456789012_CloudTrail-Digest_us-east-1_main_us-east-1_20261122T210031Z.json.gz"
        );
    }

    #[test]
    fn keys_round_trip_through_pkcs8_and_never_print() {
        let (s, pkcs8) = DigestSigner::generate().unwrap();
        let again = DigestSigner::from_pkcs8(&pkcs8).unwrap();
        assert_eq!(again.fingerprint(), s.fingerprint());
        assert_eq!(again.public_key_der(), s.public_key_der());
        assert_eq!(s.fingerprint().len(), 32);
        let shown = format!("{s:?}");
        assert!(shown.contains(s.fingerprint()));
        assert!(!shown.contains(&hex::encode(&pkcs8[..40])));
        assert_eq!(
            DigestSigner::from_pkcs8(b"not a key").unwrap_err(),
            DigestError::BadKey
        );
    }

    #[test]
    fn the_signing_string_has_aws_form() {
        let file = DigestFile {
            aws_account_id: "1".into(),
            digest_start_time: "2026-11-22T20:00:00Z".into(),
            digest_end_time: "2026-11-22T21:00:00Z".into(),
            digest_s3_bucket: "b".into(),
            digest_s3_object: "k.json.gz".into(),
            digest_public_key_fingerprint: "f".into(),
            digest_signature_algorithm: SIGNATURE_ALGORITHM.into(),
            newest_event_time: None,
            oldest_event_time: None,
            previous_digest_s3_bucket: None,
            previous_digest_s3_object: None,
            previous_digest_hash_value: None,
            previous_digest_hash_algorithm: None,
            previous_digest_signature: None,
            log_files: vec![],
        };
        assert_eq!(
            string_to_sign(&file, b"abc"),
            "2026-11-22T21:00:00Z\nb/k.json.gz\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nnull"
        );
    }

    #[test]
    fn digests_chain_and_verify() {
        let (account, region) = ids();
        let target = DigestTarget {
            bucket: "trail-bucket",
            prefix: None,
            account: &account,
            region: &region,
            trail_name: "main",
        };
        let e = Event::api_call(
            UserIdentity::anonymous(),
            datetime!(2026-11-22 20:10:00 UTC),
            "s3.amazonaws.com",
            "GetObject",
            "us-east-1",
            "192.0.2.1",
            "123456789012",
        );
        let (gz, entry) = build_log_file_with_entry(
            "trail-bucket",
            "AWSLogs/x.json.gz",
            std::slice::from_ref(&e),
        )
        .unwrap();
        assert_eq!(
            entry.hash_value,
            sha256_hex(&gzip::decompress(&gz).unwrap())
        );
        let mut chain = DigestChain::default();
        let first = build_digest(
            signer(),
            &mut chain,
            &target,
            datetime!(2026-11-22 20:00:00 UTC),
            datetime!(2026-11-22 21:00:00 UTC),
            vec![entry],
        )
        .unwrap();
        let json = gzip::decompress(&first.gz).unwrap();
        let v: Value = serde_json::from_slice(&json).unwrap();
        assert!(v["previousDigestSignature"].is_null());
        assert!(v.get("previousDigestS3Object").is_some());
        assert_eq!(v["digestSignatureAlgorithm"], "SHA256withRSA");
        assert_eq!(v["newestEventTime"], "2026-11-22T20:10:00Z");
        assert_eq!(v["logFiles"][0]["hashAlgorithm"], "SHA-256");
        let file: DigestFile = serde_json::from_slice(&json).unwrap();
        assert_eq!(DigestFile::from_gz(&first.gz).as_ref(), Some(&file));
        assert_eq!(DigestFile::from_gz(b"junk"), None);
        assert!(signer().public_key().verify(
            string_to_sign(&file, &json).as_bytes(),
            &first.signature_hex
        ));
        assert!(!signer().public_key().verify(b"other", &first.signature_hex));

        let second = build_digest(
            signer(),
            &mut chain,
            &target,
            datetime!(2026-11-22 20:00:00 UTC),
            datetime!(2026-11-22 22:00:00 UTC),
            vec![],
        )
        .unwrap();
        let json2 = gzip::decompress(&second.gz).unwrap();
        let file2: DigestFile = serde_json::from_slice(&json2).unwrap();
        assert_eq!(file2.digest_start_time, "2026-11-22T21:00:00Z");
        assert_eq!(
            file2.previous_digest_s3_object.as_deref(),
            Some(first.key.as_str())
        );
        assert_eq!(
            file2.previous_digest_signature.as_deref(),
            Some(first.signature_hex.as_str())
        );
        assert_eq!(file2.previous_digest_hash_value, Some(sha256_hex(&json)));
        assert_eq!(file2.newest_event_time, None);
    }
}
