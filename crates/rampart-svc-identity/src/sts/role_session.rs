//! What the operations that start a role session share: finding the role an ARN names, its
//! trust policy, the trust decision for a federated caller, and issuing the session.

use super::input::{access_denied, credentials, now_seconds};
use crate::iam::{StoredRole, get_role, note_role_used};
use crate::sessions::mint;
use rampart_policy::{Context, Policy, PolicyKind, PolicySet, Request, evaluate};
use rampart_protocol::AwsError;
use rampart_service::{Call, PrincipalKind, Session, internal_error};
use rampart_types::AccountId;
use serde_json::{Value, json};

/// The role an ARN names: its account, path and name (`None` for anything else).
pub(crate) fn parse_role_arn(arn: &str) -> Option<(AccountId, String, String)> {
    let mut parts = arn.splitn(6, ':');
    let (_arn, _partition, service, _region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if service != "iam" {
        return None;
    }
    let rest = resource.strip_prefix("role/")?;
    let (path, name) = match rest.rsplit_once('/') {
        Some((path, name)) => (format!("/{path}/"), name.to_owned()),
        None => ("/".to_owned(), rest.to_owned()),
    };
    Some((account.parse().ok()?, path, name))
}

/// The role `arn` names, if it exists with that path.
pub(crate) fn find_role(
    call: &Call<'_>,
    arn: &str,
) -> Result<Option<(AccountId, StoredRole)>, AwsError> {
    let Some((account, path, name)) = parse_role_arn(arn) else {
        return Ok(None);
    };
    let found = get_role(call.env.store.as_ref(), &account, &name).map_err(|e| {
        tracing::error!(error = %e, "cannot read a role");
        internal_error()
    })?;
    Ok(found
        .filter(|(role, _)| role.path == path && role.name == name)
        .map(|(role, _)| (account, role)))
}

/// The role's trust policy, compiled.
pub(crate) fn trust_policy(role: &StoredRole) -> Result<Policy, AwsError> {
    Policy::parse_stored(&role.trust_policy, PolicyKind::Trust).map_err(|e| {
        tracing::error!(error = %e, "a stored trust policy no longer parses");
        internal_error()
    })
}

/// Whether the role's trust policy lets the federated caller of `provider_arn` perform
/// `action` (`sts:AssumeRoleWithWebIdentity`, `sts:AssumeRoleWithSAML`) with the provider's
/// condition keys in `context`. No identity policy is involved: the caller is not an IAM
/// principal. Refused with AWS's `Not authorized to perform <action>`.
pub(crate) fn federated_trust(
    call: &Call<'_>,
    account: &AccountId,
    role: &StoredRole,
    role_arn: &str,
    provider_arn: &str,
    action: &str,
    mut context: Context,
) -> Result<(), AwsError> {
    context.set("aws:FederatedProvider", provider_arn);
    context.set("aws:SourceIp", call.source_ip.to_string());
    context.set("aws:RequestedRegion", call.region.as_str());
    context.set_request_time(now_seconds(call.env));
    let principal = rampart_policy::Principal::WebIdentity {
        provider: provider_arn.to_owned(),
    };
    let mut request = Request::new(principal, action, role_arn)
        .with_resource_account(account.to_string())
        .with_context(context);
    request.derive_context();
    let set = PolicySet {
        resource: Some(trust_policy(role)?),
        resource_policy_required: true,
        ..PolicySet::default()
    };
    match evaluate(&request, &set).is_allowed() {
        true => Ok(()),
        false => Err(access_denied(format!("Not authorized to perform {action}"))),
    }
}

/// Issues the session `session_name` of `role`, notes the role's use, and answers with the
/// `Credentials` and `AssumedRoleUser` every AssumeRole* response carries.
pub(crate) fn issue(
    call: &Call<'_>,
    account: &AccountId,
    role: &StoredRole,
    session_name: &str,
    session: Session,
) -> Result<Value, AwsError> {
    let expires_at = session.expires_at;
    let kind = PrincipalKind::AssumedRole {
        role_name: role.name.clone(),
        role_path: role.path.clone(),
        session_name: session_name.to_owned(),
    };
    let minted =
        mint(call.env, account, kind, role.role_id.clone(), session).ok_or_else(internal_error)?;
    note_role_used(call.env, account, role, call.region.as_str())?;
    Ok(json!({
        "Credentials": credentials(&minted, expires_at),
        "AssumedRoleUser": {
            "AssumedRoleId": format!("{}:{session_name}", role.role_id),
            "Arn": format!(
                "arn:{}:sts::{account}:assumed-role/{}/{session_name}",
                call.env.partition, role.name
            ),
        },
    }))
}
