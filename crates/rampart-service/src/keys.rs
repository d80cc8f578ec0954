//! KMS as the other services use it: their data at rest encrypted under a KMS key on the
//! caller's behalf, as AWS services do. This is a forward access: the caller needs the KMS
//! permissions itself (key policy included), asked with `kms:ViaService` naming the service
//! that called KMS, and each use is checked through the request's [`Guard`](crate::Guard).

use crate::Call;
use rampart_protocol::AwsError;
use std::collections::BTreeMap;
use std::fmt;
use zeroize::Zeroizing;

/// An encryption context: the pairs a ciphertext is bound to as additional authenticated data.
pub type EncryptionContext = BTreeMap<String, String>;

/// What a service asks of KMS for its caller.
#[derive(Debug, Clone, Copy)]
pub struct OnBehalf<'a> {
    /// The asking service's endpoint prefix (`secretsmanager`, `ssm`); `kms:ViaService` is
    /// `<prefix>.<region>.amazonaws.com` and the AWS managed key is `alias/aws/<prefix>`.
    pub service: &'a str,
    /// The KMS key: key id, key ARN, alias name or alias ARN; `None` for the service's AWS
    /// managed key, which KMS creates on first use as AWS does.
    pub key_id: Option<&'a str>,
    /// The encryption context bound to the ciphertext.
    pub context: &'a EncryptionContext,
}

/// A 256-bit data key: its plaintext, to use and forget, and the same key encrypted under the
/// KMS key, to store beside the data.
pub struct DataKey {
    /// The plaintext key, wiped when dropped.
    pub plaintext: Zeroizing<Vec<u8>>,
    /// The KMS ciphertext blob of the key.
    pub ciphertext_blob: Vec<u8>,
    /// The ARN of the KMS key that encrypted it.
    pub key_arn: String,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey")
            .field("plaintext", &"<redacted>")
            .field("key_arn", &self.key_arn)
            .finish_non_exhaustive()
    }
}

/// KMS's operations for other services. Errors are KMS's own (`NotFoundException`,
/// `DisabledException`, `KMSInvalidStateException`, `InvalidCiphertextException`,
/// `AccessDeniedException`); the calling service maps them to its own vocabulary.
pub trait KeyService: Send + Sync {
    /// The ARN of the key `request` names (creating the AWS managed key when it names none),
    /// without using it: for services that record the key when a resource is created.
    fn key_arn(&self, call: &Call<'_>, request: &OnBehalf<'_>) -> Result<String, AwsError>;

    /// GenerateDataKey (AES_256) under the key `request` names.
    fn generate_data_key(
        &self,
        call: &Call<'_>,
        request: &OnBehalf<'_>,
    ) -> Result<DataKey, AwsError>;

    /// Encrypt: `plaintext` (at most 4096 bytes) under the key `request` names; the ciphertext
    /// blob.
    fn encrypt(
        &self,
        call: &Call<'_>,
        request: &OnBehalf<'_>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, AwsError>;

    /// Decrypt: the plaintext of `blob`, which must have been made under `request`'s key when
    /// it names one, with `request`'s encryption context.
    fn decrypt(
        &self,
        call: &Call<'_>,
        request: &OnBehalf<'_>,
        blob: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AwsError>;
}

/// A [`KeyService`] for worlds without KMS: every use fails with an internal error.
pub struct NoKeys;

impl NoKeys {
    fn refuse<T>() -> Result<T, AwsError> {
        Err(crate::internal_error())
    }
}

impl KeyService for NoKeys {
    fn key_arn(&self, _: &Call<'_>, _: &OnBehalf<'_>) -> Result<String, AwsError> {
        NoKeys::refuse()
    }

    fn generate_data_key(&self, _: &Call<'_>, _: &OnBehalf<'_>) -> Result<DataKey, AwsError> {
        NoKeys::refuse()
    }

    fn encrypt(&self, _: &Call<'_>, _: &OnBehalf<'_>, _: &[u8]) -> Result<Vec<u8>, AwsError> {
        NoKeys::refuse()
    }

    fn decrypt(
        &self,
        _: &Call<'_>,
        _: &OnBehalf<'_>,
        _: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AwsError> {
        NoKeys::refuse()
    }
}
