//! GetCallerIdentity and GetAccessKeyInfo: who is calling, and whose is a key.

use crate::access_keys::read_key;
use crate::sessions::account_of_key_id;
use rampart_protocol::AwsError;
use rampart_service::{Call, from_input, internal_error};
use serde::Deserialize;
use serde_json::{Value, json};

/// `GetCallerIdentity`: the caller's unique id, account and ARN.
pub(crate) fn get_caller_identity(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let principal = call.principal;
    let user_id = match &principal.kind {
        rampart_service::PrincipalKind::FederatedUser { name, .. } => {
            format!("{}:{name}", principal.account)
        }
        _ => principal.user_id(),
    };
    Ok(json!({
        "UserId": user_id,
        "Account": principal.account.to_string(),
        "Arn": principal.arn(),
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccessKeyInfoInput {
    access_key_id: String,
}

/// `GetAccessKeyInfo`: the account of a long-term key rampart stores, else the account the key
/// id encodes (every session key id does; AWS answers for any well-formed key id the same way).
pub(crate) fn get_access_key_info(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: AccessKeyInfoInput = from_input(input, "ValidationError")?;
    let stored = read_key(call.env, &input.access_key_id).map_err(|e| {
        tracing::error!(error = %e, "cannot read an access key record");
        internal_error()
    })?;
    let account = match stored {
        Some((key, _)) => Some(key.account.to_string()),
        None => account_of_key_id(&input.access_key_id),
    };
    let account = account.ok_or_else(|| {
        super::input::validation(format!(
            "1 validation error detected: Value '{}' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]*",
            input.access_key_id
        ))
    })?;
    Ok(json!({ "Account": account }))
}
