//! Shield's authorization table (Service Authorization Reference): `shield:<Op>` on the
//! protection the request names (`arn:<partition>:shield::<account>:protection/<id>`, `*` for
//! the id when the request names the resource instead), the protection group, the attack for
//! DescribeAttack, and on `*` for the operations the reference lists without a resource type.
//! CreateProtection and TagResource add `aws:RequestTag`/`aws:TagKeys`.

use rampart_protocol::AwsError;
use rampart_service::{Access, Call, no_rule};
use serde_json::Value;

fn text<'a>(input: &'a Value, member: &str) -> &'a str {
    input
        .get(member)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn arn(call: &Call<'_>, kind: &str, id: &str) -> String {
    let id = if id.is_empty() { "*" } else { id };
    format!(
        "arn:{}:shield::{}:{kind}/{id}",
        call.env.partition, call.principal.account
    )
}

fn tags(input: &Value) -> Vec<(String, String)> {
    input
        .get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            Some((
                t.get("Key")?.as_str()?.to_owned(),
                t.get("Value")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            ))
        })
        .collect()
}

/// The accesses `operation` with `input` needs.
pub(crate) fn table(
    call: &Call<'_>,
    operation: &str,
    input: &Value,
) -> Result<Vec<Access>, AwsError> {
    let action = format!("shield:{operation}");
    let access = match operation {
        "CreateProtection" => {
            let t = tags(input);
            Access::new(action, "*")
                .with_request_tags(t.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        }
        "DeleteProtection"
        | "DescribeProtection"
        | "AssociateHealthCheck"
        | "DisassociateHealthCheck" => {
            Access::new(action, arn(call, "protection", text(input, "ProtectionId")))
        }
        "DescribeProtectionGroup"
        | "UpdateProtectionGroup"
        | "DeleteProtectionGroup"
        | "ListResourcesInProtectionGroup" => Access::new(
            action,
            arn(call, "protection-group", text(input, "ProtectionGroupId")),
        ),
        "DescribeAttack" => Access::new(action, arn(call, "attack", text(input, "AttackId"))),
        "TagResource" => {
            let t = tags(input);
            Access::new(action, text(input, "ResourceARN"))
                .with_request_tags(t.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        }
        "UntagResource" | "ListTagsForResource" => {
            let resource = text(input, "ResourceARN");
            Access::new(action, if resource.is_empty() { "*" } else { resource })
        }
        "CreateSubscription"
        | "DescribeSubscription"
        | "GetSubscriptionState"
        | "UpdateSubscription"
        | "DeleteSubscription"
        | "ListProtections"
        | "ListAttacks"
        | "DescribeAttackStatistics"
        | "EnableApplicationLayerAutomaticResponse"
        | "UpdateApplicationLayerAutomaticResponse"
        | "DisableApplicationLayerAutomaticResponse"
        | "DescribeEmergencyContactSettings"
        | "UpdateEmergencyContactSettings"
        | "DescribeDRTAccess"
        | "AssociateDRTRole"
        | "DisassociateDRTRole"
        | "AssociateDRTLogBucket"
        | "DisassociateDRTLogBucket"
        | "AssociateProactiveEngagementDetails"
        | "EnableProactiveEngagement"
        | "DisableProactiveEngagement"
        | "CreateProtectionGroup"
        | "ListProtectionGroups" => Access::new(action, "*"),
        _ => return Err(no_rule("shield", operation)),
    };
    Ok(vec![access])
}
