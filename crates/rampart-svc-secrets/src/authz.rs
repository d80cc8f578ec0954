//! Secrets Manager's authorization table (Service Authorization Reference): the action, the
//! secret's ARN, the secret's tags (`aws:ResourceTag/*` and `secretsmanager:ResourceTag/*`),
//! `secretsmanager:SecretId`, `secretsmanager:SecretPrimaryRegion`,
//! `secretsmanager:resource/AllowRotationLambdaArn`, each operation's own condition keys, and
//! the secret's resource policy (which need not allow by itself: a same-account identity
//! policy suffices, as in AWS). A secret that does not exist is asked on its partial ARN, so a
//! caller without permission learns nothing about its existence. Using the secret's KMS key is
//! a further access KMS asks on the caller's behalf (`kms:ViaService`).

use crate::input::{flag, strings, text};
use crate::model::Secret;
use crate::resolve::{find, partial_arn};
use rampart_policy::{Policy, PolicyKind};
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, no_rule};
use serde_json::Value;

/// The access to `action` on `secret`, with the secret's condition keys and policy.
pub(crate) fn secret_access(action: &str, secret: &Secret) -> Access {
    let mut access = Access::new(action, &secret.arn)
        .with("secretsmanager:SecretId", &secret.arn)
        .with("secretsmanager:SecretPrimaryRegion", &secret.primary_region)
        .with_resource_tags(secret.tag_pairs());
    for (key, value) in secret.tag_pairs() {
        access = access.with(&format!("secretsmanager:ResourceTag/{key}"), value);
    }
    if let Some(lambda) = &secret.rotation.lambda_arn {
        access = access.with("secretsmanager:resource/AllowRotationLambdaArn", lambda);
    }
    if let Some(kind) = &secret.secret_type {
        access = access.with("secretsmanager:resource/Type", kind);
    }
    match secret
        .policy
        .as_deref()
        .map(|p| Policy::parse_stored(p, PolicyKind::Resource))
    {
        Some(Ok(policy)) => access.with_resource_policy(policy, false),
        _ => access,
    }
}

/// The access to `action` on the secret `secret_id` names (its partial ARN when absent).
fn on_secret(call: &Call<'_>, action: &str, secret_id: &str) -> Result<Access, AwsError> {
    Ok(match find(call, secret_id)? {
        Some(found) => secret_access(action, found.secret()),
        None => {
            let arn = partial_arn(call, secret_id);
            Access::new(action, &arn).with("secretsmanager:SecretId", arn)
        }
    })
}

fn with_text(access: Access, key: &str, input: &Value, member: &str) -> Access {
    match text(input, member) {
        Some(v) => access.with(key, v),
        None => access,
    }
}

fn with_flag(access: Access, key: &str, input: &Value, member: &str) -> Access {
    match flag(input, member) {
        Some(v) => access.with(key, v.to_string()),
        None => access,
    }
}

fn request_tags(input: &Value) -> Vec<(String, String)> {
    input
        .get("Tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .map(|t| {
                    (
                        text(t, "Key").unwrap_or_default().to_owned(),
                        text(t, "Value").unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn replica_regions(input: &Value) -> Vec<String> {
    input
        .get("AddReplicaRegions")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| text(r, "Region").map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The accesses Secrets Manager `operation` with `input` needs.
pub(crate) fn table(
    call: &Call<'_>,
    operation: &str,
    input: &Value,
) -> Result<Vec<Access>, AwsError> {
    let action = format!("secretsmanager:{operation}");
    let id = text(input, "SecretId").unwrap_or_default();
    let accesses = match operation {
        "ListSecrets" | "GetRandomPassword" | "BatchGetSecretValue" => {
            vec![Access::new(action, "*")]
        }
        "CreateSecret" => {
            let name = text(input, "Name").unwrap_or_default();
            let arn = partial_arn(call, name);
            let tags = request_tags(input);
            let mut create = Access::new(&action, &arn)
                .with("secretsmanager:Name", name)
                .with_request_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            create = with_text(create, "secretsmanager:Description", input, "Description");
            create = with_text(create, "secretsmanager:KmsKeyId", input, "KmsKeyId");
            create = with_text(create, "secretsmanager:Type", input, "Type");
            create = with_flag(
                create,
                "secretsmanager:ForceOverwriteReplicaSecret",
                input,
                "ForceOverwriteReplicaSecret",
            );
            let regions = replica_regions(input);
            if !regions.is_empty() {
                create = create.with_multi("secretsmanager:AddReplicaRegions", regions.clone());
            }
            let mut accesses = vec![create];
            if !tags.is_empty() {
                accesses.push(
                    Access::new("secretsmanager:TagResource", &arn)
                        .with("secretsmanager:SecretId", &arn)
                        .with_request_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
                );
            }
            if !regions.is_empty() {
                accesses.push(
                    Access::new("secretsmanager:ReplicateSecretToRegions", &arn)
                        .with("secretsmanager:SecretId", &arn)
                        .with_multi("secretsmanager:AddReplicaRegions", regions),
                );
            }
            accesses
        }
        "UpdateSecret" => {
            let a = on_secret(call, &action, id)?;
            let a = with_text(a, "secretsmanager:Description", input, "Description");
            let a = with_text(a, "secretsmanager:KmsKeyId", input, "KmsKeyId");
            vec![with_text(a, "secretsmanager:Type", input, "Type")]
        }
        "DeleteSecret" => {
            let a = on_secret(call, &action, id)?;
            let a = match input.get("RecoveryWindowInDays").and_then(Value::as_i64) {
                Some(days) => a.with("secretsmanager:RecoveryWindowInDays", days.to_string()),
                None => a,
            };
            vec![with_flag(
                a,
                "secretsmanager:ForceDeleteWithoutRecovery",
                input,
                "ForceDeleteWithoutRecovery",
            )]
        }
        "GetSecretValue" => {
            let a = on_secret(call, &action, id)?;
            let a = with_text(a, "secretsmanager:VersionId", input, "VersionId");
            let stage = match (text(input, "VersionStage"), text(input, "VersionId")) {
                (Some(stage), _) => Some(stage),
                (None, None) => Some(crate::model::CURRENT),
                (None, Some(_)) => None,
            };
            vec![match stage {
                Some(stage) => a.with("secretsmanager:VersionStage", stage),
                None => a,
            }]
        }
        "UpdateSecretVersionStage" => {
            let a = on_secret(call, &action, id)?;
            vec![with_text(
                a,
                "secretsmanager:VersionStage",
                input,
                "VersionStage",
            )]
        }
        "PutResourcePolicy" => {
            let a = on_secret(call, &action, id)?;
            vec![with_flag(
                a,
                "secretsmanager:BlockPublicPolicy",
                input,
                "BlockPublicPolicy",
            )]
        }
        "RotateSecret" => {
            let a = on_secret(call, &action, id)?;
            let a = with_text(
                a,
                "secretsmanager:RotationLambdaARN",
                input,
                "RotationLambdaARN",
            );
            let a = with_flag(
                a,
                "secretsmanager:RotateImmediately",
                input,
                "RotateImmediately",
            );
            vec![a.with(
                "secretsmanager:ModifyRotationRules",
                input.get("RotationRules").is_some().to_string(),
            )]
        }
        "TagResource" => {
            let tags = request_tags(input);
            vec![
                on_secret(call, &action, id)?
                    .with_request_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            ]
        }
        "UntagResource" => {
            let keys = strings(input, "TagKeys");
            let a = on_secret(call, &action, id)?;
            vec![if keys.is_empty() {
                a
            } else {
                a.with_multi("aws:TagKeys", keys)
            }]
        }
        "ReplicateSecretToRegions" => {
            let a = on_secret(call, &action, id)?;
            let a = with_flag(
                a,
                "secretsmanager:ForceOverwriteReplicaSecret",
                input,
                "ForceOverwriteReplicaSecret",
            );
            vec![a.with_multi("secretsmanager:AddReplicaRegions", replica_regions(input))]
        }
        "ValidateResourcePolicy" => match text(input, "SecretId") {
            Some(id) => vec![on_secret(call, &action, id)?],
            None => vec![Access::new(
                action,
                format!(
                    "arn:{}:secretsmanager:{}:{}:secret:*",
                    call.env.partition, call.region, call.principal.account
                ),
            )],
        },
        "DescribeSecret"
        | "PutSecretValue"
        | "ListSecretVersionIds"
        | "RestoreSecret"
        | "CancelRotateSecret"
        | "GetResourcePolicy"
        | "DeleteResourcePolicy"
        | "RemoveRegionsFromReplication"
        | "StopReplicationToReplica"
        | "ListResourcePolicies" => vec![on_secret(call, &action, id)?],
        _ => return Err(no_rule("secretsmanager", operation)),
    };
    Ok(accesses)
}
