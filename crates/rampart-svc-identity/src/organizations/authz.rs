//! Organizations' authorization table (Service Authorization Reference): the action, the
//! resource ARNs (`account/o-x/<id>`, `ou/o-x/ou-...`, `root/o-x/r-...`,
//! `policy/o-x/<type>/p-...`, AWS managed policies `aws:policy/<type>/p-...`) and the
//! condition keys (`organizations:PolicyType`, `organizations:ServicePrincipal`, request and
//! resource tags) of each operation.
//!
//! Before the organization exists every operation asks for its action on `*` (the handler
//! then answers `AWSOrganizationsNotInUseException`). A policy that `CreatePolicy` is about to
//! create is named `policy/o-x/<type>/p-*`. A member account's call that only the
//! organization's delegation policy can allow carries that policy as the resource policy.

use super::common::{Need, need_of, text};
use super::errors::store_error;
use super::model::{Arns, Org};
use super::view::view;
use rampart_policy::Policy;
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, no_rule};
use rampart_types::AccountId;
use serde_json::Value;

/// Operations whose only resource is `*`.
const WILDCARD_ONLY: [&str; 21] = [
    "CreateGovCloudAccount",
    "ListInboundResponsibilityTransfers",
    "ListOutboundResponsibilityTransfers",
    "ListAccountsWithInvalidEffectivePolicy",
    "ListHandshakesForAccount",
    "ListHandshakesForOrganization",
    "EnableAllFeatures",
    "DescribeResourcePolicy",
    "DeleteResourcePolicy",
    "LeaveOrganization",
    "CreateOrganization",
    "DescribeOrganization",
    "DeleteOrganization",
    "ListRoots",
    "ListAccounts",
    "ListCreateAccountStatus",
    "DescribeCreateAccountStatus",
    "ListAWSServiceAccessForOrganization",
    "EnableAWSServiceAccess",
    "DisableAWSServiceAccess",
    "ListDelegatedAdministrators",
];

/// Operations that name resources of the organization.
const WITH_RESOURCES: [&str; 39] = [
    "InviteOrganizationToTransferResponsibility",
    "DescribeResponsibilityTransfer",
    "TerminateResponsibilityTransfer",
    "UpdateResponsibilityTransfer",
    "ListEffectivePolicyValidationErrors",
    "InviteAccountToOrganization",
    "AcceptHandshake",
    "DeclineHandshake",
    "CancelHandshake",
    "DescribeHandshake",
    "PutResourcePolicy",
    "DescribeEffectivePolicy",
    "CreateAccount",
    "EnablePolicyType",
    "DisablePolicyType",
    "CreateOrganizationalUnit",
    "DescribeOrganizationalUnit",
    "UpdateOrganizationalUnit",
    "DeleteOrganizationalUnit",
    "ListChildren",
    "ListOrganizationalUnitsForParent",
    "ListAccountsForParent",
    "ListParents",
    "DescribeAccount",
    "CloseAccount",
    "RemoveAccountFromOrganization",
    "ListDelegatedServicesForAccount",
    "RegisterDelegatedAdministrator",
    "DeregisterDelegatedAdministrator",
    "MoveAccount",
    "CreatePolicy",
    "DescribePolicy",
    "UpdatePolicy",
    "DeletePolicy",
    "ListTargetsForPolicy",
    "AttachPolicy",
    "DetachPolicy",
    "ListPoliciesForTarget",
    "ListPolicies",
];

/// Tagging operations.
const TAGGING: [&str; 3] = ["TagResource", "UntagResource", "ListTagsForResource"];

/// The accesses Organizations `operation` with `input` needs.
pub(super) fn table(
    call: &Call<'_>,
    operation: &str,
    input: &Value,
) -> Result<Vec<Access>, AwsError> {
    let known = WILDCARD_ONLY.contains(&operation)
        || WITH_RESOURCES.contains(&operation)
        || TAGGING.contains(&operation);
    if !known {
        return Err(no_rule("organizations", operation));
    }
    let action = format!("organizations:{operation}");
    let service = text(input, "ServicePrincipal");
    let with_service = |access: Access| {
        let access = match text(input, "PolicyType") {
            Some(kind) => access.with("organizations:PolicyType", kind),
            None => access,
        };
        match service {
            Some(s) => access.with("organizations:ServicePrincipal", s),
            None => access,
        }
    };
    let view = view(call.env).map_err(store_error)?;
    let Some(org) = view.org.as_deref() else {
        return Ok(vec![with_service(Access::new(action, "*"))]);
    };
    if WILDCARD_ONLY.contains(&operation) {
        let mut access = with_service(Access::new(action, "*"));
        if operation == "CreateGovCloudAccount" {
            access = access.with_request_tags(request_tags(input));
        }
        if operation.ends_with("ResponsibilityTransfers") {
            let direction = match operation.starts_with("ListInbound") {
                true => "INBOUND",
                false => "OUTBOUND",
            };
            access = access
                .with("organizations:TransferType", "BILLING")
                .with("organizations:TransferDirection", direction);
        }
        return Ok(delegated(
            call,
            operation,
            org,
            view.resource_policy.as_ref(),
            vec![access],
        ));
    }
    let on = On {
        org,
        arns: Arns {
            partition: call.env.partition,
            org,
        },
        action: &action,
    };
    let member = |name: &str| text(input, name).unwrap_or_default();
    let accesses = match operation {
        "CreateAccount" => vec![Access::new(&action, "*").with_request_tags(request_tags(input))],
        "EnablePolicyType" | "DisablePolicyType" => {
            let root = text(input, "RootId").unwrap_or(&org.root);
            vec![
                on.node(root)
                    .with("organizations:PolicyType", member("PolicyType")),
            ]
        }
        "CreateOrganizationalUnit" => {
            vec![
                on.node(member("ParentId"))
                    .with_request_tags(request_tags(input)),
            ]
        }
        "DescribeOrganizationalUnit" | "UpdateOrganizationalUnit" | "DeleteOrganizationalUnit" => {
            vec![on.node(member("OrganizationalUnitId"))]
        }
        "ListChildren" | "ListOrganizationalUnitsForParent" | "ListAccountsForParent" => {
            vec![on.node(member("ParentId"))]
        }
        "ListParents" => vec![on.node(member("ChildId"))],
        "DescribeAccount"
        | "CloseAccount"
        | "RemoveAccountFromOrganization"
        | "ListDelegatedServicesForAccount" => vec![on.node(member("AccountId"))],
        "RegisterDelegatedAdministrator" | "DeregisterDelegatedAdministrator" => {
            vec![with_service(on.node(member("AccountId")))]
        }
        "MoveAccount" => vec![
            on.node(member("AccountId")),
            on.node(member("SourceParentId")),
            on.node(member("DestinationParentId")),
        ],
        "CreatePolicy" => {
            let kind = member("Type");
            let arn = format!(
                "arn:{}:organizations::{}:policy/{}/{}/p-*",
                call.env.partition,
                org.management,
                org.id,
                kind.to_ascii_lowercase()
            );
            vec![
                Access::new(&action, arn)
                    .with("organizations:PolicyType", kind)
                    .with_request_tags(request_tags(input)),
            ]
        }
        "DescribePolicy" | "UpdatePolicy" | "DeletePolicy" | "ListTargetsForPolicy" => {
            vec![on.policy(member("PolicyId"))]
        }
        "AttachPolicy" | "DetachPolicy" => {
            let policy = on.policy(member("PolicyId"));
            let kind = org.policy_kind(member("PolicyId")).unwrap_or_default();
            let target = on
                .node(member("TargetId"))
                .with("organizations:PolicyType", kind);
            vec![policy, target]
        }
        "ListPoliciesForTarget" => vec![
            on.node(member("TargetId"))
                .with("organizations:PolicyType", member("Filter")),
        ],
        "ListEffectivePolicyValidationErrors" => vec![
            on.node(member("AccountId"))
                .with("organizations:PolicyType", member("PolicyType")),
        ],
        "DescribeEffectivePolicy" => {
            let caller = call.principal.account.to_string();
            let target = text(input, "TargetId").unwrap_or(&caller);
            vec![
                on.node(target)
                    .with("organizations:PolicyType", member("PolicyType")),
            ]
        }
        "InviteOrganizationToTransferResponsibility" => {
            // The invitation names the inviting organization's management account.
            let arn = on.arns.account(&org.management);
            vec![
                Access::new(&action, arn)
                    .with("organizations:TransferType", "BILLING")
                    .with("organizations:TransferDirection", "OUTBOUND")
                    .with_request_tags(request_tags(input)),
            ]
        }
        "DescribeResponsibilityTransfer"
        | "TerminateResponsibilityTransfer"
        | "UpdateResponsibilityTransfer" => {
            let arn = format!(
                "arn:{}:organizations::{}:transfer/{}/billing/outbound/{}",
                call.env.partition,
                org.management,
                org.id,
                member("Id")
            );
            vec![
                Access::new(&action, arn)
                    .with("organizations:TransferType", "BILLING")
                    .with("organizations:TransferDirection", "OUTBOUND"),
            ]
        }
        "InviteAccountToOrganization" => {
            let target = input
                .get("Target")
                .map_or("", |t| text(t, "Id").unwrap_or_default());
            let arn = on.arns.account(target);
            vec![Access::new(&action, arn).with_request_tags(request_tags(input))]
        }
        "AcceptHandshake" | "DeclineHandshake" | "CancelHandshake" | "DescribeHandshake" => {
            let id = member("HandshakeId");
            let kind = org
                .handshakes
                .iter()
                .find(|h| h.id == id)
                .map_or("invite", |h| h.action.as_str());
            // The invited account answers within its own account.
            let access = Access::new(&action, on.arns.handshake(id, kind))
                .with_resource_account(call.principal.account.clone());
            vec![access]
        }
        "PutResourcePolicy" => {
            let arn = match &org.resource_policy {
                Some(id) => on.arns.resource_policy(id),
                None => on.arns.resource_policy("rp-*"),
            };
            vec![Access::new(&action, arn).with_request_tags(request_tags(input))]
        }
        "ListPolicies" => {
            vec![Access::new(&action, "*").with("organizations:PolicyType", member("Filter"))]
        }
        _ => {
            // Tagging: a root, OU, account or policy.
            let id = member("ResourceId");
            let access = if org.node(id).is_some() || !id.starts_with("p-") {
                on.node(id)
            } else {
                on.policy(id)
            };
            match operation {
                "TagResource" => vec![access.with_request_tags(request_tags(input))],
                "UntagResource" => {
                    let keys: Vec<&str> = input
                        .get("TagKeys")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    vec![access.with_multi("aws:TagKeys", keys)]
                }
                _ => vec![access],
            }
        }
    };
    Ok(delegated(
        call,
        operation,
        org,
        view.resource_policy.as_ref(),
        accesses,
    ))
}

/// A member account's call that only the delegation policy can allow: each access carries that
/// policy, owned by the management account, so the engine requires it to allow the caller.
fn delegated(
    call: &Call<'_>,
    operation: &str,
    org: &Org,
    policy: Option<&Policy>,
    accesses: Vec<Access>,
) -> Vec<Access> {
    let caller = call.principal.account.to_string();
    let delegable = match need_of(operation) {
        Need::Delegable => true,
        Need::Read => !org.delegated.contains_key(&caller),
        Need::Management | Need::Member => false,
    };
    let (Some(policy), Ok(management)) = (policy, org.management.parse::<AccountId>()) else {
        return accesses;
    };
    if caller == org.management || !org.accounts.contains_key(&caller) || !delegable {
        return accesses;
    }
    accesses
        .into_iter()
        .map(|a| {
            a.with_resource_policy(policy.clone(), false)
                .with_resource_account(management.clone())
        })
        .collect()
}

/// Accesses to the organization's resources, with their tags.
struct On<'a> {
    org: &'a Org,
    arns: Arns<'a>,
    action: &'a str,
}

impl On<'_> {
    fn tagged(&self, id: &str, arn: String) -> Access {
        let tags = self.org.tags.get(id).into_iter().flatten();
        Access::new(self.action, arn)
            .with_resource_tags(tags.map(|t| (t.key.as_str(), t.value.as_str())))
    }

    /// The root, OU or account `id`.
    fn node(&self, id: &str) -> Access {
        self.tagged(id, self.arns.node(id))
    }

    /// The policy `id`, with its type as `organizations:PolicyType`.
    fn policy(&self, id: &str) -> Access {
        let kind = self.org.policy_kind(id).unwrap_or_default();
        let kind_for_arn = if kind.is_empty() {
            "SERVICE_CONTROL_POLICY"
        } else {
            kind.as_str()
        };
        self.tagged(id, self.arns.policy(id, kind_for_arn))
            .with("organizations:PolicyType", kind)
    }
}

/// The `Tags` member as (key, value) pairs.
fn request_tags(input: &Value) -> impl Iterator<Item = (&str, &str)> {
    input
        .get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| Some((text(t, "Key")?, text(t, "Value").unwrap_or_default())))
}
