//! Proof of MFA for GetSessionToken and AssumeRole: a current TOTP code of a virtual MFA device
//! assigned to the caller.

use super::input::{access_denied, now_seconds};
use crate::iam::{MfaOwner, mfa_device_owner, verify_totp};
use rampart_protocol::AwsError;
use rampart_service::{Call, PrincipalKind};

/// The time of the MFA proof a request gives (`SerialNumber` and `TokenCode`), `None` when it
/// gives neither; AccessDenied when it gives only one, or a code that fails.
pub(crate) fn proof(
    call: &Call<'_>,
    serial: Option<&str>,
    code: Option<&str>,
) -> Result<Option<i64>, AwsError> {
    match (serial, code) {
        (Some(serial), Some(code)) => verify(call, serial, code).map(Some),
        (None, None) => Ok(None),
        _ => Err(access_denied(
            "MultiFactorAuthentication failed, both SerialNumber and TokenCode are required.",
        )),
    }
}

/// Checks `code` against the caller's MFA device `serial`; the time of the proof on success.
pub(crate) fn verify(call: &Call<'_>, serial: &str, code: &str) -> Result<i64, AwsError> {
    let principal = call.principal;
    let owner = mfa_device_owner(call.env, &principal.account, serial)?;
    let owned = match (&owner, &principal.kind) {
        (Some(MfaOwner::Root), PrincipalKind::Root) => true,
        (Some(MfaOwner::User { user_id, .. }), PrincipalKind::User { .. }) => {
            *user_id == principal.principal_id
        }
        _ => false,
    };
    if !owned {
        return Err(access_denied(
            "MultiFactorAuthentication failed, unable to validate MFA code.",
        ));
    }
    match verify_totp(call.env, &principal.account, serial, code)? {
        true => Ok(now_seconds(call.env)),
        false => Err(access_denied(
            "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        )),
    }
}
