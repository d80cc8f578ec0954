//! The credential scope and the derived signing key (kDate → kRegion → kService → kSigning).

use std::fmt;

use aws_lc_rs::{digest, hmac};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The scope a signature is valid for: `date/region/service/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CredentialScope {
    date: String,
    region: String,
    service: String,
}

/// The fixed last element of every SigV4 credential scope.
pub(crate) const TERMINATOR: &str = "aws4_request";

impl CredentialScope {
    /// A scope from its parts; `date` is the `YYYYMMDD` day of the request time.
    pub fn new(
        date: impl Into<String>,
        region: impl Into<String>,
        service: impl Into<String>,
    ) -> Self {
        Self {
            date: date.into(),
            region: region.into(),
            service: service.into(),
        }
    }

    /// The `YYYYMMDD` day.
    pub fn date(&self) -> &str {
        &self.date
    }

    /// The region, e.g. `us-east-1`.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The signing name of the service, e.g. `sts`, `iam`, `s3`.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Appends `date/region/service/aws4_request` to `out`.
    pub(crate) fn write_to(&self, out: &mut String) {
        out.push_str(&self.date);
        out.push('/');
        out.push_str(&self.region);
        out.push('/');
        out.push_str(&self.service);
        out.push('/');
        out.push_str(TERMINATOR);
    }
}

impl fmt::Display for CredentialScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write_to(&mut s);
        f.write_str(&s)
    }
}

/// The derived SigV4 signing key for one [`CredentialScope`]. Cheap to clone and safe to cache
/// per (access key id, date, region, service). Its bytes are zeroized on drop and never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SigningKey {
    bytes: [u8; 32],
    #[zeroize(skip)]
    scope: CredentialScope,
}

impl SigningKey {
    /// Derives the key: HMAC chain over the scope's date, region, service and `aws4_request`,
    /// starting from `"AWS4" + secret_access_key`.
    pub fn derive(secret_access_key: &str, scope: &CredentialScope) -> SigningKey {
        let mut seed = Zeroizing::new(Vec::with_capacity(4 + secret_access_key.len()));
        seed.extend_from_slice(b"AWS4");
        seed.extend_from_slice(secret_access_key.as_bytes());
        let mut k = Zeroizing::new(hmac_bytes(&seed, scope.date.as_bytes()));
        for part in [
            scope.region.as_bytes(),
            scope.service.as_bytes(),
            TERMINATOR.as_bytes(),
        ] {
            *k = hmac_bytes(&k[..], part);
        }
        SigningKey {
            bytes: *k,
            scope: scope.clone(),
        }
    }

    /// The scope this key signs for.
    pub fn scope(&self) -> &CredentialScope {
        &self.scope
    }

    /// `hex(HMAC-SHA256(kSigning, message))`.
    pub(crate) fn sign_hex(&self, message: &[u8]) -> String {
        hex_32(&hmac_bytes(&self.bytes, message))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

fn hmac_bytes(key: &[u8], message: &[u8]) -> [u8; 32] {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), message);
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

/// Lower-case hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    let digest = digest::digest(&digest::SHA256, data);
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(digest.as_ref());
    hex_32(&bytes)
}

/// Lower-case hex of 32 bytes, without the per-character iterator of `hex::encode`.
fn hex_32(bytes: &[u8; 32]) -> String {
    let mut text = [0u8; 64];
    match hex::encode_to_slice(bytes, &mut text) {
        Ok(()) => std::str::from_utf8(&text)
            .map(str::to_owned)
            .unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Compares two signatures in constant time (for equal lengths).
pub(crate) fn signatures_equal(computed: &str, provided: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(computed.as_bytes(), provided.as_bytes())
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_documented_signing_key() {
        // AWS SigV4 documentation: secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
        // scope 20150830/us-east-1/iam gives kSigning c4afb1cc...a4b9.
        let scope = CredentialScope::new("20150830", "us-east-1", "iam");
        let key = SigningKey::derive("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", &scope);
        assert_eq!(
            hex::encode(key.bytes),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
    }

    #[test]
    fn debug_prints_no_bytes() {
        let scope = CredentialScope::new("20150830", "us-east-1", "iam");
        let key = SigningKey::derive("secret", &scope);
        let dbg = format!("{key:?}");
        assert!(!dbg.contains(&hex::encode(key.bytes)));
        assert!(dbg.contains("us-east-1"));
    }

    #[test]
    fn scope_display() {
        let scope = CredentialScope::new("20150830", "us-east-1", "iam");
        assert_eq!(scope.to_string(), "20150830/us-east-1/iam/aws4_request");
    }

    #[test]
    fn empty_sha256() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn constant_time_compare() {
        assert!(signatures_equal("abc", "abc"));
        assert!(!signatures_equal("abc", "abd"));
        assert!(!signatures_equal("abc", "ab"));
    }
}
