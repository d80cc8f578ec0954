//! AssumeRoot: a privileged session as the root user of a member account, for up to 15
//! minutes, scoped by one of AWS's root task policies (`arn:aws:iam::aws:policy/root-task/...`).
//!
//! The caller is an IAM principal (never a root user) of the management account or of IAM's
//! delegated administrator, in an organization with root sessions enabled
//! (`crate::organizations::root_session_target`). The session is the member account's root
//! with the task policy as its session policy; the enforcer applies it (see `enforce`).

use super::input::{access_denied, check_duration, credentials, now_seconds, validation};
use crate::organizations::root_session_target;
use crate::sessions::mint;
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, PrincipalKind, Session, from_input, internal_error};
use rampart_types::Partition;
use serde::Deserialize;
use serde_json::{Value, json};

/// The root task policies AWS offers, by name under `policy/root-task/`.
pub(crate) const TASK_POLICIES: [&str; 5] = [
    "IAMAuditRootUserCredentials",
    "IAMCreateRootUserPassword",
    "IAMDeleteRootUserCredentials",
    "S3UnlockBucketPolicy",
    "SQSUnlockQueuePolicy",
];

/// The longest (and default) privileged session.
const MAX_DURATION: i64 = 900;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    target_principal: String,
    task_policy_arn: TaskPolicy,
    duration_seconds: Option<i64>,
}

#[derive(Deserialize)]
struct TaskPolicy {
    arn: Option<String>,
}

/// Whether `arn` names one of AWS's root task policies in `partition`.
pub(crate) fn is_task_policy(partition: Partition, arn: &str) -> bool {
    let prefix = format!("arn:{partition}:iam::aws:policy/root-task/");
    arn.strip_prefix(&prefix)
        .is_some_and(|name| TASK_POLICIES.contains(&name))
}

/// The member account `TargetPrincipal` names (an account id or an ARN in it).
fn target_account(target: &str) -> &str {
    match target.strip_prefix("arn:") {
        Some(rest) => rest.split(':').nth(3).unwrap_or_default(),
        None => target,
    }
}

/// `sts:AssumeRoot` on the target account's root user, with `sts:TaskPolicyArn`. The decision
/// is the caller's own account's (no policy of the member account is involved).
pub(crate) fn accesses(call: &Call<'_>, input: &Value) -> Result<Vec<Access>, AwsError> {
    let target = input
        .get("TargetPrincipal")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let task = input
        .get("TaskPolicyArn")
        .and_then(|t| t.get("arn"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let resource = format!(
        "arn:{}:iam::{}:root",
        call.env.partition,
        target_account(target)
    );
    Ok(vec![
        Access::new("sts:AssumeRoot", resource)
            .with("sts:TaskPolicyArn", task)
            .with_resource_account(call.principal.account.clone()),
    ])
}

pub(crate) fn assume_root(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: Input = from_input(input, "ValidationError")?;
    if !(12..=2048).contains(&input.target_principal.len()) {
        return Err(validation(format!(
            "1 validation error detected: Value '{}' at 'targetPrincipal' failed to satisfy constraint: Member must have length between 12 and 2048",
            input.target_principal
        )));
    }
    let duration = check_duration(
        input.duration_seconds.unwrap_or(MAX_DURATION),
        0,
        MAX_DURATION,
    )?;
    let task = input.task_policy_arn.arn.unwrap_or_default();
    if !is_task_policy(call.env.partition, &task) {
        return Err(validation(format!(
            "The TaskPolicyArn {task} is not a valid root task policy."
        )));
    }
    if call.principal.kind == PrincipalKind::Root {
        return Err(access_denied(
            "Root user credentials cannot call AssumeRoot.",
        ));
    }
    let account = root_session_target(call, target_account(&input.target_principal))?;
    let issued_at = now_seconds(call.env);
    let source_identity = call
        .principal
        .session
        .as_deref()
        .and_then(|s| s.source_identity.clone());
    let session = Session {
        issued_at,
        expires_at: issued_at + duration,
        policy_arns: vec![task],
        source_identity: source_identity.clone(),
        ..Session::default()
    };
    let minted = mint(
        call.env,
        &account,
        PrincipalKind::Root,
        account.to_string(),
        session,
    )
    .ok_or_else(internal_error)?;
    let mut out = json!({ "Credentials": credentials(&minted, issued_at + duration) });
    if let Some(source) = source_identity {
        out["SourceIdentity"] = json!(source);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_aws_root_task_policies_scope_a_root_session() {
        for name in TASK_POLICIES {
            let arn = format!("arn:aws:iam::aws:policy/root-task/{name}");
            assert!(is_task_policy(Partition::Aws, &arn), "{arn}");
            assert!(!is_task_policy(Partition::AwsCn, &arn), "{arn}");
        }
        for bad in [
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "arn:aws:iam::123456789012:policy/root-task/IAMAuditRootUserCredentials",
            "arn:aws:iam::aws:policy/root-task/Other",
        ] {
            assert!(!is_task_policy(Partition::Aws, bad), "{bad}");
        }
    }

    #[test]
    fn the_target_is_an_account_id_or_an_arn_in_it() {
        assert_eq!(target_account("111122223333"), "111122223333");
        assert_eq!(
            target_account("arn:aws:iam::111122223333:root"),
            "111122223333"
        );
    }
}
