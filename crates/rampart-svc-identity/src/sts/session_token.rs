//! GetSessionToken: temporary credentials for an IAM user or the root user, with their own
//! permissions, optionally proven with MFA.

use super::input::{access_denied, check_duration, credentials, now_seconds};
use crate::sessions::mint;
use rampart_protocol::AwsError;
use rampart_service::{Call, PrincipalKind, Session, from_input, internal_error};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    duration_seconds: Option<i64>,
    serial_number: Option<String>,
    token_code: Option<String>,
}

/// Default and longest sessions: 12 and 36 hours for users, 1 hour for the root user.
const USER_DEFAULT: i64 = 43_200;
const USER_MAX: i64 = 129_600;
const ROOT_MAX: i64 = 3_600;

pub(crate) fn get_session_token(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: Input = from_input(input, "ValidationError")?;
    let principal = call.principal;
    if principal.session.is_some() {
        return Err(access_denied(
            "Cannot call GetSessionToken with session credentials",
        ));
    }
    let (default, max) = match principal.kind {
        PrincipalKind::Root => (ROOT_MAX, ROOT_MAX),
        _ => (USER_DEFAULT, USER_MAX),
    };
    let requested = check_duration(input.duration_seconds.unwrap_or(default), 900, USER_MAX)?;
    let duration = requested.min(max);
    let mfa_authenticated_at = super::mfa::proof(
        call,
        input.serial_number.as_deref(),
        input.token_code.as_deref(),
    )?;
    let issued_at = now_seconds(call.env);
    let session = Session {
        issued_at,
        expires_at: issued_at + duration,
        mfa_authenticated_at,
        ..Session::default()
    };
    let expires_at = session.expires_at;
    let minted = mint(
        call.env,
        &principal.account,
        principal.kind.clone(),
        principal.principal_id.clone(),
        session,
    )
    .ok_or_else(internal_error)?;
    Ok(json!({ "Credentials": credentials(&minted, expires_at) }))
}
