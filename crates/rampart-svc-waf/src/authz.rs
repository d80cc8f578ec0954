//! WAFv2's authorization table (Service Authorization Reference): the action `wafv2:<Op>` on
//! the entity the request names (its ARN, or one built from `Name`, `Scope` and `Id`), on
//! the entities a web ACL or rule group refers to (the SAR's optional resource types of
//! Create/Update; another account's rule group under its owner's permission policy), with
//! `aws:RequestTag`, `aws:TagKeys` and `aws:ResourceTag` keys. Associating a web ACL with a
//! load balancer also needs `elasticloadbalancing:SetWebAcl` (wildcard-only in the SAR), as
//! AWS documents for application load balancers. Logging destinations' own permissions
//! (CloudWatch Logs, S3, Firehose) are not asked: rampart has no such services yet.

use crate::entity;
use crate::scope::{Kind, Location};
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, no_rule};
use serde::de::IgnoredAny;
use serde_json::Value;

/// The accesses wafv2 `operation` with `input` needs.
pub(crate) fn table(
    call: &Call<'_>,
    operation: &str,
    input: &Value,
) -> Result<Vec<Access>, AwsError> {
    let action = format!("wafv2:{operation}");
    let accesses = match operation {
        "CheckCapacity"
        | "CreateAPIKey"
        | "DeleteAPIKey"
        | "DescribeAllManagedProducts"
        | "DescribeManagedProductsByVendor"
        | "DescribeManagedRuleGroup"
        | "GenerateMobileSdkReleaseUrl"
        | "GetDecryptedAPIKey"
        | "GetMobileSdkRelease"
        | "GetRevenueStatistics"
        | "GetRevenueStatisticsSummary"
        | "GetRevenueStatisticsTimeSeries"
        | "ListAPIKeys"
        | "ListAvailableManagedRuleGroupVersions"
        | "ListAvailableManagedRuleGroups"
        | "ListIPSets"
        | "ListManagedRuleSets"
        | "ListMobileSdkReleases"
        | "ListRegexPatternSets"
        | "ListRuleGroups"
        | "ListSettlementRecords"
        | "ListWebACLs" => vec![Access::new(action, "*")],
        "ListLoggingConfigurations" => vec![log_scope(Access::new(action, "*"), input)],
        "CreateIPSet" => vec![create(call, &action, Kind::IpSet, input)],
        "CreateRegexPatternSet" => vec![create(call, &action, Kind::RegexPatternSet, input)],
        "CreateRuleGroup" | "CreateWebACL" => {
            let kind = if operation == "CreateWebACL" {
                Kind::WebAcl
            } else {
                Kind::RuleGroup
            };
            let mut out = vec![create(call, &action, kind, input)];
            out.extend(referenced(call, &action, input)?);
            out
        }
        "GetIPSet" | "UpdateIPSet" | "DeleteIPSet" => {
            vec![named(call, &action, Kind::IpSet, input)?]
        }
        "GetRegexPatternSet" | "UpdateRegexPatternSet" | "DeleteRegexPatternSet" => {
            vec![named(call, &action, Kind::RegexPatternSet, input)?]
        }
        "GetRuleGroup" => match shared_group(call, &action, text(input, "ARN"))? {
            Some(shared) => vec![shared],
            None => vec![named(call, &action, Kind::RuleGroup, input)?],
        },
        "DeleteRuleGroup" => vec![named(call, &action, Kind::RuleGroup, input)?],
        "GetWebACL" | "DeleteWebACL" => vec![named(call, &action, Kind::WebAcl, input)?],
        "UpdateRuleGroup" | "UpdateWebACL" => {
            let kind = if operation == "UpdateWebACL" {
                Kind::WebAcl
            } else {
                Kind::RuleGroup
            };
            let mut out = vec![named(call, &action, kind, input)?];
            out.extend(referenced(call, &action, input)?);
            out
        }
        "PutPermissionPolicy" | "GetPermissionPolicy" | "DeletePermissionPolicy" => {
            vec![on_arn(call, &action, text(input, "ResourceArn"))?]
        }
        "TagResource" => {
            vec![on_arn(call, &action, text(input, "ResourceARN"))?.with_request_tags(tags(input))]
        }
        "UntagResource" => {
            let keys: Vec<String> = input
                .get("TagKeys")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default();
            vec![on_arn(call, &action, text(input, "ResourceARN"))?.with_multi("aws:TagKeys", keys)]
        }
        "ListTagsForResource" => vec![on_arn(call, &action, text(input, "ResourceARN"))?],
        "AssociateWebACL" => {
            let mut out = vec![on_arn(call, &action, text(input, "WebACLArn"))?];
            out.extend(protected(&action, input));
            out
        }
        "DisassociateWebACL" => protected(&action, input),
        "GetWebACLForResource" => {
            let resource = text(input, "ResourceArn");
            let mut out: Vec<Access> = protected(&action, input)
                .into_iter()
                .filter(|a| a.action == action)
                .collect();
            let space = crate::scope::caller_space(call);
            if crate::associations::protected_resource(resource).is_some()
                && let Some(acl) =
                    crate::associations::web_acl_of(call.env.store.as_ref(), &space, resource)?
            {
                out.push(on_arn(call, &action, &acl)?);
            }
            out
        }
        "ListResourcesForWebACL"
        | "GetSampledRequests"
        | "GetTopPathStatisticsByTraffic"
        | "DeleteFirewallManagerRuleGroups" => {
            let arn = ["WebACLArn", "WebAclArn"]
                .iter()
                .map(|m| text(input, m))
                .find(|t| !t.is_empty())
                .unwrap_or_default();
            vec![on_arn(call, &action, arn)?]
        }
        "PutLoggingConfiguration" => {
            let config = input.get("LoggingConfiguration").unwrap_or(&Value::Null);
            let mut access = log_scope(on_arn(call, &action, text(config, "ResourceArn"))?, config);
            if let Some(Value::String(dest)) =
                config.get("LogDestinationConfigs").and_then(|d| d.get(0))
            {
                access = access.with("wafv2:LogDestinationResource", dest.clone());
            }
            vec![access]
        }
        "GetLoggingConfiguration" | "DeleteLoggingConfiguration" => {
            vec![log_scope(
                on_arn(call, &action, text(input, "ResourceArn"))?,
                input,
            )]
        }
        "GetRateBasedStatementManagedKeys" => {
            let arn = arn_of(
                call,
                "webacl",
                text(input, "Scope"),
                text(input, "WebACLName"),
                text(input, "WebACLId"),
            );
            vec![on_arn(call, &action, &arn)?]
        }
        "GetManagedRuleSet"
        | "PutManagedRuleSetVersions"
        | "UpdateManagedRuleSetVersionExpiryDate" => {
            let arn = arn_of(
                call,
                "managedruleset",
                text(input, "Scope"),
                text(input, "Name"),
                text(input, "Id"),
            );
            vec![Access::new(action, arn)]
        }
        _ => return Err(no_rule("wafv2", operation)),
    };
    Ok(accesses)
}

/// `action` on the protected resource (when its ARN is one rampart protects; the handler
/// refuses others), and the load balancer's own `elasticloadbalancing:SetWebAcl`.
fn protected(action: &str, input: &Value) -> Vec<Access> {
    let resource = text(input, "ResourceArn");
    if crate::associations::protected_resource(resource).is_none() {
        return Vec::new();
    }
    vec![
        Access::new(action, resource),
        Access::new("elasticloadbalancing:SetWebAcl", "*"),
    ]
}

fn text<'a>(input: &'a Value, member: &str) -> &'a str {
    input
        .get(member)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn tags(input: &Value) -> Vec<(&str, &str)> {
    input
        .get("Tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .map(|t| (text(t, "Key"), text(t, "Value")))
                .collect()
        })
        .unwrap_or_default()
}

fn log_scope(access: Access, input: &Value) -> Access {
    let scope = match text(input, "LogScope") {
        "" => "CUSTOMER",
        s => s,
    };
    access.with("wafv2:LogScope", scope)
}

/// The ARN of the caller's entity `kind` (`webacl`, ...) with `name` and `id` in `scope`
/// (`*` for what the request does not say).
fn arn_of(call: &Call<'_>, kind: &str, scope: &str, name: &str, id: &str) -> String {
    let scope = if scope == "CLOUDFRONT" {
        "global"
    } else {
        "regional"
    };
    let or_any = |s: &str| {
        if s.is_empty() {
            "*".to_owned()
        } else {
            s.to_owned()
        }
    };
    format!(
        "arn:{}:wafv2:{}:{}:{scope}/{kind}/{}/{}",
        call.env.partition,
        call.region,
        call.principal.account,
        or_any(name),
        or_any(id)
    )
}

/// A create: the new entity's ARN (its id is not known yet), with the request's tags.
fn create(call: &Call<'_>, action: &str, kind: Kind, input: &Value) -> Access {
    let arn = arn_of(
        call,
        kind.arn_part(),
        text(input, "Scope"),
        text(input, "Name"),
        "*",
    );
    Access::new(action, arn).with_request_tags(tags(input))
}

/// The entity a request names by `ARN` or by `Name`, `Scope` and `Id`, with its tags.
fn named(call: &Call<'_>, action: &str, kind: Kind, input: &Value) -> Result<Access, AwsError> {
    let arn = match text(input, "ARN") {
        "" => arn_of(
            call,
            kind.arn_part(),
            text(input, "Scope"),
            text(input, "Name"),
            text(input, "Id"),
        ),
        arn => arn.to_owned(),
    };
    on_arn(call, action, &arn)
}

/// `action` on the rule group `arn` of another account, under its owner's permission policy
/// (the pipeline lets the caller use it only when that policy and the caller's own allow).
fn shared_group(call: &Call<'_>, action: &str, arn: &str) -> Result<Option<Access>, AwsError> {
    let Some(loc) = Location::parse_arn(arn)
        .filter(|l| l.kind == Kind::RuleGroup && l.account != call.principal.account.as_str())
    else {
        return Ok(None);
    };
    let access = Access::new(action, arn);
    Ok(Some(
        match crate::policies::resource_policy(call.env.store.as_ref(), &loc, arn)? {
            Some(policy) => access.with_resource_policy(policy, false),
            None => access,
        },
    ))
}

/// `action` on the entity `arn`, with `aws:ResourceTag` keys when it is the caller's.
fn on_arn(call: &Call<'_>, action: &str, arn: &str) -> Result<Access, AwsError> {
    let access = Access::new(action, if arn.is_empty() { "*" } else { arn });
    let Some(loc) = Location::parse_arn(arn).filter(|l| l.require_caller(call).is_ok()) else {
        return Ok(access);
    };
    let tags = entity::read::<IgnoredAny>(call.env.store.as_ref(), &loc)?
        .map(|(e, _)| e.tags)
        .unwrap_or_default();
    Ok(access.with_resource_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
}

/// `action` on each entity the request's rules refer to (IP sets, regex pattern sets, rule
/// groups: the SAR's optional resource types of Create/Update).
fn referenced(call: &Call<'_>, action: &str, input: &Value) -> Result<Vec<Access>, AwsError> {
    let Some(rules) = input.get("Rules") else {
        return Ok(Vec::new());
    };
    let mut arns = Vec::new();
    collect_arns(rules, &mut arns);
    arns.sort();
    arns.dedup();
    let mut out = Vec::new();
    for arn in arns.iter().filter(|a| Location::parse_arn(a).is_some()) {
        match shared_group(call, action, arn)? {
            Some(access) => out.push(access),
            None => out.push(Access::new(action, arn)),
        }
    }
    Ok(out)
}

fn collect_arns(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                match (k.as_str(), child) {
                    ("ARN", Value::String(s)) => out.push(s.clone()),
                    _ => collect_arns(child, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|c| collect_arns(c, out)),
        _ => {}
    }
}
