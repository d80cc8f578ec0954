//! GetFederationToken: a federated user session of an IAM user (or of the root user, whose
//! unique id, the account id, then names the parent), limited to the intersection of the
//! parent's permissions and the session policies passed (none passed: no permissions).

use super::input::{
    PolicyArn, Tag, access_denied, check_duration, check_name, check_session_policies, check_tags,
    credentials, now_seconds, packed_size,
};
use crate::sessions::mint;
use rampart_protocol::AwsError;
use rampart_service::{Call, PrincipalKind, Session, from_input, internal_error};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    name: String,
    policy: Option<String>,
    #[serde(default)]
    policy_arns: Vec<PolicyArn>,
    duration_seconds: Option<i64>,
    #[serde(default)]
    tags: Vec<Tag>,
}

/// Default and longest federation sessions.
const DEFAULT: i64 = 43_200;
const MAX: i64 = 129_600;

/// The federated user's ARN for `name` in the caller's account.
pub(crate) fn federated_user_arn(call: &Call<'_>, name: &str) -> String {
    format!(
        "arn:{}:sts::{}:federated-user/{name}",
        call.env.partition, call.principal.account
    )
}

pub(crate) fn get_federation_token(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: Input = from_input(input, "ValidationError")?;
    check_name(&input.name, "name", 2, 32)?;
    let duration = check_duration(input.duration_seconds.unwrap_or(DEFAULT), 900, MAX)?;
    let principal = call.principal;
    if principal.session.is_some() {
        return Err(access_denied(
            "Cannot call GetFederationToken with session credentials",
        ));
    }
    // The parent: an IAM user, or the root user (named by its account id as its unique id).
    let parent = match &principal.kind {
        PrincipalKind::User { name, .. } => name.clone(),
        PrincipalKind::Root => String::new(),
        _ => {
            return Err(access_denied(
                "Cannot call GetFederationToken with these credentials",
            ));
        }
    };
    let arns = check_session_policies(input.policy.as_deref(), &input.policy_arns)?;
    let tags = check_tags(&input.tags)?;
    let packed = packed_size(input.policy.as_deref(), &arns, &tags)?;
    let issued_at = now_seconds(call.env);
    let session = Session {
        issued_at,
        expires_at: issued_at + duration,
        policy: input.policy.clone(),
        policy_arns: arns,
        tags,
        ..Session::default()
    };
    let expires_at = session.expires_at;
    let kind = PrincipalKind::FederatedUser {
        name: input.name.clone(),
        parent_name: parent,
        parent_id: principal.principal_id.clone(),
    };
    let principal_id = format!("{}:{}", principal.account, input.name);
    let minted = mint(
        call.env,
        &principal.account,
        kind,
        principal_id.clone(),
        session,
    )
    .ok_or_else(internal_error)?;
    let mut out = json!({
        "Credentials": credentials(&minted, expires_at),
        "FederatedUser": {
            "FederatedUserId": principal_id,
            "Arn": federated_user_arn(call, &input.name),
        },
    });
    if let Some(packed) = packed {
        out["PackedPolicySize"] = json!(packed);
    }
    Ok(out)
}
