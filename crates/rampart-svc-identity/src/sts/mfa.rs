//! Proof of MFA for GetSessionToken and AssumeRole: a TOTP code of the caller's MFA device.

use rampart_protocol::AwsError;
use rampart_service::Call;

/// Checks `code` against the virtual MFA device `serial`; the time of the proof on success.
/// Until IAM's virtual MFA devices land no device exists, so every code fails as AWS fails an
/// unknown device.
pub(crate) fn verify(call: &Call<'_>, serial: &str, code: &str) -> Result<i64, AwsError> {
    let _ = (serial, code);
    let _ = call;
    Err(AwsError::new(
        "AccessDenied",
        403,
        "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
    ))
}
