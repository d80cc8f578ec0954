//! Firewall Manager's authorization table (Service Authorization Reference): `fms:<Op>` on
//! the policy the request names (`arn:<partition>:fms:<region>:<account>:policy/<id>`, `*` for
//! the id of a new policy), on the applications list, protocols list or resource set it names,
//! and on `*` for the account-level operations. Tags add `aws:RequestTag`/`aws:TagKeys`.

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
        "arn:{}:fms:{}:{}:{kind}/{id}",
        call.env.partition, call.region, call.principal.account
    )
}

fn tags(input: &Value, member: &str) -> Vec<(String, String)> {
    input
        .get(member)
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

/// An ARN of the caller's account naming a taggable resource, else a policy ARN pattern.
fn resource_arn(call: &Call<'_>, input: &Value) -> String {
    let given = text(input, "ResourceArn");
    if given.starts_with("arn:") && given.contains(":fms:") {
        given.to_owned()
    } else {
        arn(call, "policy", "")
    }
}

/// The accesses `operation` with `input` needs.
pub(crate) fn table(
    call: &Call<'_>,
    operation: &str,
    input: &Value,
) -> Result<Vec<Access>, AwsError> {
    let action = format!("fms:{operation}");
    let access = match operation {
        "PutPolicy" => {
            let t = tags(input, "TagList");
            let id = input
                .get("Policy")
                .map(|p| text(p, "PolicyId"))
                .unwrap_or_default();
            Access::new(action, arn(call, "policy", id))
                .with_request_tags(t.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        }
        "GetPolicy"
        | "DeletePolicy"
        | "GetComplianceDetail"
        | "ListComplianceStatus"
        | "GetProtectionStatus"
        | "GetViolationDetails" => {
            Access::new(action, arn(call, "policy", text(input, "PolicyId")))
        }
        "TagResource" => {
            let t = tags(input, "TagList");
            Access::new(action, resource_arn(call, input))
                .with_request_tags(t.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        }
        "UntagResource" => {
            let keys: Vec<&str> = input
                .get("TagKeys")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            Access::new(action, resource_arn(call, input)).with_multi("aws:TagKeys", keys)
        }
        "ListTagsForResource" => Access::new(action, resource_arn(call, input)),
        "GetAppsList" | "DeleteAppsList" => Access::new(
            action,
            arn(call, "applications-list", text(input, "ListId")),
        ),
        "PutAppsList" => {
            let id = input
                .get("AppsList")
                .map(|p| text(p, "ListId"))
                .unwrap_or_default();
            Access::new(action, arn(call, "applications-list", id))
        }
        "GetProtocolsList" | "DeleteProtocolsList" => {
            Access::new(action, arn(call, "protocols-list", text(input, "ListId")))
        }
        "PutProtocolsList" => {
            let id = input
                .get("ProtocolsList")
                .map(|p| text(p, "ListId"))
                .unwrap_or_default();
            Access::new(action, arn(call, "protocols-list", id))
        }
        "GetResourceSet" | "DeleteResourceSet" => {
            Access::new(action, arn(call, "resource-set", text(input, "Identifier")))
        }
        "ListResourceSetResources" => {
            Access::new(action, arn(call, "resource-set", text(input, "Identifier")))
        }
        "BatchAssociateResource" | "BatchDisassociateResource" => Access::new(
            action,
            arn(call, "resource-set", text(input, "ResourceSetIdentifier")),
        ),
        "PutResourceSet" => {
            let id = input
                .get("ResourceSet")
                .map(|p| text(p, "Id"))
                .unwrap_or_default();
            Access::new(action, arn(call, "resource-set", id))
        }
        "AssociateAdminAccount"
        | "PutAdminAccount"
        | "DisassociateAdminAccount"
        | "GetAdminAccount"
        | "GetAdminScope"
        | "ListAdminAccountsForOrganization"
        | "ListAdminsManagingAccount"
        | "ListMemberAccounts"
        | "ListPolicies"
        | "ListAppsLists"
        | "ListProtocolsLists"
        | "ListResourceSets"
        | "ListDiscoveredResources"
        | "PutNotificationChannel"
        | "GetNotificationChannel"
        | "DeleteNotificationChannel"
        | "AssociateThirdPartyFirewall"
        | "DisassociateThirdPartyFirewall"
        | "GetThirdPartyFirewallAssociationStatus"
        | "ListThirdPartyFirewallFirewallPolicies" => Access::new(action, "*"),
        _ => return Err(no_rule("fms", operation)),
    };
    Ok(vec![access])
}
