//! The Shield-managed rule group on a protected resource's web ACL, kept through WAFv2's own
//! operations (the same validation, capacity checks and lock tokens a caller gets), called as
//! the resource owner's root on Shield's authority, as AWS's Shield acts through its service
//! role. The group is named as AWS names it, `ShieldMitigationRuleGroup_<account>_<web ACL
//! id>_<uuid>`, and referenced by the web ACL's rule of the same name at priority 10,000,000
//! (last); it is empty but during an attack, when it holds one rate-based rule.

use crate::errors;
use crate::records::MitigationGroup;
use rampart_protocol::AwsError;
use rampart_service::{Call, Env, Principal, PrincipalKind, Registry, ServiceAuthority};
use rampart_types::{AccountId, Region};
use serde_json::{Value, json};
use std::net::IpAddr;
use std::sync::OnceLock;

/// The priority of the rule referencing the mitigation group in the web ACL.
const GROUP_PRIORITY: u64 = 10_000_000;
/// The WCU capacity of the mitigation group.
const GROUP_CAPACITY: u64 = 150;
/// The request limit of a mitigation rule, per source address and 60-second window.
pub(crate) const MITIGATION_LIMIT: u64 = 100;

fn operations() -> &'static Registry {
    static OPS: OnceLock<Registry> = OnceLock::new();
    OPS.get_or_init(|| {
        let mut r = Registry::new();
        rampart_svc_waf::register(&mut r);
        r
    })
}

fn visibility(name: &str) -> Value {
    let metric: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(128)
        .collect();
    json!({"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": metric})
}

/// Calls WAFv2's `operation` as `account`'s root in `region` on Shield's authority.
fn op(
    env: &Env,
    account: &str,
    region: &str,
    operation: &str,
    input: Value,
) -> Result<Value, AwsError> {
    let account: AccountId = account.parse().map_err(|_| errors::internal())?;
    let region: Region = region.parse().map_err(|_| errors::internal())?;
    let principal = Principal {
        account: account.clone(),
        partition: env.partition,
        kind: PrincipalKind::Root,
        principal_id: account.to_string(),
        access_key_id: String::new(),
        session: None,
    };
    let call = Call {
        request_id: "shield",
        principal: &principal,
        region: &region,
        source_ip: IpAddr::from([127, 0, 0, 1]),
        user_agent: "shield.amazonaws.com",
        env,
        guard: &ServiceAuthority,
    };
    let entry = operations()
        .get("wafv2", operation)
        .ok_or_else(errors::internal)?;
    (entry.handler)(&call, input)
}

/// The account and region of an application load balancer ARN.
pub(crate) fn owner(resource_arn: &str) -> Option<(&str, &str)> {
    let mut parts = resource_arn.split(':');
    let region = parts.nth(3)?;
    let account = parts.next()?;
    Some((account, region))
}

fn text(v: &Value, member: &str) -> Result<String, AwsError> {
    v[member]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(errors::internal)
}

/// The ARN of the web ACL protecting `resource_arn` now, if any.
pub(crate) fn web_acl_of(env: &Env, resource_arn: &str) -> Result<Option<String>, AwsError> {
    let (account, region) = owner(resource_arn).ok_or_else(errors::internal)?;
    let current = op(
        env,
        account,
        region,
        "GetWebACLForResource",
        json!({"ResourceArn": resource_arn}),
    )?;
    Ok(current["WebACL"]["ARN"].as_str().map(str::to_owned))
}

/// Creates the mitigation group and adds it to the web ACL protecting `resource_arn`.
pub(crate) fn install(env: &Env, resource_arn: &str) -> Result<MitigationGroup, AwsError> {
    let (account, region) = owner(resource_arn).ok_or_else(errors::internal)?;
    let current = op(
        env,
        account,
        region,
        "GetWebACLForResource",
        json!({"ResourceArn": resource_arn}),
    )?;
    let Some(acl_arn) = current["WebACL"]["ARN"].as_str().map(str::to_owned) else {
        return Err(errors::invalid_operation(
            "The resource must be associated with a web ACL before automatic application layer DDoS mitigation can be enabled.",
        ));
    };
    let acl_id = text(&current["WebACL"], "Id")?;
    let uuid = crate::ids::uuid()?;
    let name = format!("ShieldMitigationRuleGroup_{account}_{acl_id}_{uuid}");
    let created = op(
        env,
        account,
        region,
        "CreateRuleGroup",
        json!({"Name": name, "Scope": "REGIONAL", "Capacity": GROUP_CAPACITY, "Rules": [],
               "Description": "Managed by AWS Shield Advanced",
               "VisibilityConfig": visibility(&name)}),
    )?;
    let group = MitigationGroup {
        id: text(&created["Summary"], "Id")?,
        arn: text(&created["Summary"], "ARN")?,
        name,
        web_acl_arn: acl_arn,
    };
    edit_web_acl(env, account, region, &group, true)?;
    Ok(group)
}

/// Adds (or removes) the rule referencing `group` in its web ACL.
fn edit_web_acl(
    env: &Env,
    account: &str,
    region: &str,
    group: &MitigationGroup,
    add: bool,
) -> Result<(), AwsError> {
    let got = match op(
        env,
        account,
        region,
        "GetWebACL",
        json!({"ARN": group.web_acl_arn}),
    ) {
        Ok(got) => got,
        // The web ACL is gone: nothing refers to the group any more.
        Err(e) if !add && e.code == "WAFNonexistentItemException" => return Ok(()),
        Err(e) => return Err(e),
    };
    let acl = &got["WebACL"];
    let mut rules: Vec<Value> = acl["Rules"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r["Name"] != group.name.as_str())
        .collect();
    if add {
        rules.push(json!({
            "Name": group.name,
            "Priority": GROUP_PRIORITY,
            "Statement": {"RuleGroupReferenceStatement": {"ARN": group.arn}},
            "OverrideAction": {"None": {}},
            "VisibilityConfig": visibility(&group.name),
        }));
    }
    let mut input = json!({
        "Name": acl["Name"], "Scope": "REGIONAL", "Id": acl["Id"], "LockToken": got["LockToken"],
        "DefaultAction": acl["DefaultAction"], "Rules": rules,
        "VisibilityConfig": acl["VisibilityConfig"],
    });
    for keep in [
        "Description",
        "CustomResponseBodies",
        "CaptchaConfig",
        "ChallengeConfig",
        "TokenDomains",
        "AssociationConfig",
    ] {
        if let Some(v) = acl.get(keep) {
            input[keep] = v.clone();
        }
    }
    op(env, account, region, "UpdateWebACL", input)?;
    Ok(())
}

/// Removes the group from its web ACL and deletes it.
pub(crate) fn uninstall(
    env: &Env,
    resource_arn: &str,
    group: &MitigationGroup,
) -> Result<(), AwsError> {
    let (account, region) = owner(resource_arn).ok_or_else(errors::internal)?;
    edit_web_acl(env, account, region, group, false)?;
    let got = op(
        env,
        account,
        region,
        "GetRuleGroup",
        json!({"ARN": group.arn}),
    );
    if let Ok(got) = got {
        op(
            env,
            account,
            region,
            "DeleteRuleGroup",
            json!({"Name": group.name, "Scope": "REGIONAL", "Id": group.id, "LockToken": got["LockToken"]}),
        )?;
    }
    Ok(())
}

/// The mitigation rule `name` with `action` (`Block` or `Count`).
pub(crate) fn mitigation_rule(name: &str, action: &str) -> Value {
    json!({
        "Name": name,
        "Priority": 0,
        "Action": {action: {}},
        "Statement": {"RateBasedStatement": {"Limit": MITIGATION_LIMIT, "EvaluationWindowSec": 60,
                                             "AggregateKeyType": "IP"}},
        "VisibilityConfig": visibility(name),
    })
}

/// Replaces the rules of the mitigation group.
pub(crate) fn set_rules(
    env: &Env,
    resource_arn: &str,
    group: &MitigationGroup,
    rules: Vec<Value>,
) -> Result<(), AwsError> {
    let (account, region) = owner(resource_arn).ok_or_else(errors::internal)?;
    let got = op(
        env,
        account,
        region,
        "GetRuleGroup",
        json!({"ARN": group.arn}),
    )?;
    op(
        env,
        account,
        region,
        "UpdateRuleGroup",
        json!({"Name": group.name, "Scope": "REGIONAL", "Id": group.id, "LockToken": got["LockToken"],
               "Rules": rules, "VisibilityConfig": got["RuleGroup"]["VisibilityConfig"]}),
    )?;
    Ok(())
}

/// Gives every rule of the mitigation group (one while an attack lasts) `action`.
pub(crate) fn set_action(
    env: &Env,
    resource_arn: &str,
    group: &MitigationGroup,
    action: &str,
) -> Result<(), AwsError> {
    let (account, region) = owner(resource_arn).ok_or_else(errors::internal)?;
    let got = op(
        env,
        account,
        region,
        "GetRuleGroup",
        json!({"ARN": group.arn}),
    )?;
    let rules: Vec<Value> = got["RuleGroup"]["Rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if rules.is_empty() {
        return Ok(());
    }
    let rules = rules
        .into_iter()
        .map(|mut r| {
            r["Action"] = json!({action: {}});
            r
        })
        .collect();
    set_rules(env, resource_arn, group, rules)
}
