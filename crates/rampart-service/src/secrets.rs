//! Secrets Manager as the other services use it: Parameter Store serves
//! `/aws/reference/secretsmanager/<secret-id>` by reading the secret through this port. The
//! read is made for the request's caller, as AWS does (a forward access): the caller needs
//! `secretsmanager:GetSecretValue` on the secret (its resource policy and the KMS key's
//! permissions included), each access checked through the request's [`Guard`](crate::Guard).

use crate::Call;
use rampart_protocol::AwsError;
use serde_json::Value;
use std::fmt;

/// Which version of a secret to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretVersion<'a> {
    /// The version labelled `AWSCURRENT`.
    Current,
    /// The version with this id.
    Id(&'a str),
    /// The version with this staging label.
    Stage(&'a str),
}

/// One secret as read: GetSecretValue's and DescribeSecret's answers.
pub struct SecretReading {
    /// GetSecretValue's answer (`ARN`, `Name`, `VersionId`, `SecretString` or
    /// `SecretBinary`, `VersionStages`, `CreatedDate`): it holds the secret, never print it.
    pub value: Value,
    /// DescribeSecret's answer.
    pub description: Value,
}

impl fmt::Debug for SecretReading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretReading")
            .field("value", &"<redacted>")
            .field("description", &self.description)
            .finish()
    }
}

/// Secrets Manager's reads for other services. Errors are Secrets Manager's own
/// (`ResourceNotFoundException`, `InvalidRequestException`, `AccessDeniedException`, ...).
pub trait SecretReader: Send + Sync {
    /// Reads `version` of the secret `secret_id` (a name or ARN) for `call`'s caller.
    fn read(
        &self,
        call: &Call<'_>,
        secret_id: &str,
        version: SecretVersion<'_>,
    ) -> Result<SecretReading, AwsError>;
}

/// A [`SecretReader`] for worlds without Secrets Manager: no secret exists.
pub struct NoSecrets;

impl SecretReader for NoSecrets {
    fn read(
        &self,
        _call: &Call<'_>,
        _secret_id: &str,
        _version: SecretVersion<'_>,
    ) -> Result<SecretReading, AwsError> {
        Err(AwsError::new(
            "ResourceNotFoundException",
            400,
            "Secrets Manager can't find the specified secret.",
        ))
    }
}
