//! A Firewall Manager policy as stored, and the WAFV2 policy data it carries
//! (`SecurityServicePolicyData.ManagedServiceData`, a JSON document in camelCase):
//! `preProcessRuleGroups`/`postProcessRuleGroups` (each a customer rule group by
//! `ruleGroupArn` or a managed one by `managedRuleGroupIdentifier`, with `overrideAction` and
//! `excludeRules`), `defaultAction` and `overrideCustomerWebACLAssociation`.

use crate::errors;
use rampart_protocol::AwsError;
use rampart_service::LOAD_BALANCER_TYPE;
use rampart_svc_waf::managed_by::{ManagedRule, POST_PREFIX, PRE_PREFIX};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The name prefix of Firewall Manager's web ACLs for WAFV2 policies.
pub(crate) const WEB_ACL_PREFIX: &str = "FMManagedWebACLV2-";

/// A stored policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredPolicy {
    /// The `Policy` shape as AWS answers it (with `PolicyId` and `PolicyUpdateToken`).
    pub policy: Value,
    /// When it was created, in milliseconds since the epoch (names its web ACLs).
    pub created_ms: u64,
    /// Its tags, as (key, value) pairs.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
}

impl StoredPolicy {
    /// A member of the policy as text.
    pub(crate) fn text(&self, member: &str) -> &str {
        self.policy[member].as_str().unwrap_or_default()
    }

    /// A boolean member of the policy.
    pub(crate) fn flag(&self, member: &str) -> bool {
        self.policy[member].as_bool().unwrap_or(false)
    }

    /// The name of the policy's web ACL in every member account:
    /// `FMManagedWebACLV2-<policy name>-<creation time in ms>`, at most 128 characters.
    pub(crate) fn web_acl_name(&self) -> String {
        let suffix = format!("-{}", self.created_ms);
        let room = 128 - WEB_ACL_PREFIX.len() - suffix.len();
        let name: String = waf_safe(self.text("PolicyName"))
            .chars()
            .take(room)
            .collect();
        format!("{WEB_ACL_PREFIX}{name}{suffix}")
    }

    /// The policy's WAFV2 data.
    pub(crate) fn data(&self) -> Result<WafPolicy, AwsError> {
        let text = self.policy["SecurityServicePolicyData"]["ManagedServiceData"]
            .as_str()
            .unwrap_or_default();
        WafPolicy::parse(text)
    }

    /// The rules Firewall Manager puts first and last in each web ACL.
    pub(crate) fn rules(&self) -> Result<(Vec<ManagedRule>, Vec<ManagedRule>), AwsError> {
        let data = self.data()?;
        let name = waf_safe(self.text("PolicyName"));
        let named = |prefix: &str, i: usize| -> String {
            let suffix = format!("-{}", self.created_ms + i as u64);
            let room = 128usize.saturating_sub(prefix.len() + suffix.len());
            format!(
                "{prefix}{}{suffix}",
                name.chars().take(room).collect::<String>()
            )
        };
        let pre = data
            .pre_process_rule_groups
            .iter()
            .enumerate()
            .map(|(i, g)| g.rule(named(PRE_PREFIX, i)))
            .collect();
        let post = data
            .post_process_rule_groups
            .iter()
            .enumerate()
            .map(|(i, g)| g.rule(named(POST_PREFIX, i)))
            .collect();
        Ok((pre, post))
    }
}

/// Only the characters WAF allows in names.
fn waf_safe(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// The WAFV2 policy data.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WafPolicy {
    /// `WAFV2`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Rule groups run first.
    #[serde(default)]
    pub pre_process_rule_groups: Vec<PolicyGroup>,
    /// Rule groups run last.
    #[serde(default)]
    pub post_process_rule_groups: Vec<PolicyGroup>,
    /// `{"type": "ALLOW" | "BLOCK"}`.
    pub default_action: TypeOnly,
    /// Replace web ACLs the accounts associated themselves.
    #[serde(default, rename = "overrideCustomerWebACLAssociation")]
    pub override_customer_web_acl_association: bool,
}

/// `{"type": "..."}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TypeOnly {
    /// The type.
    #[serde(rename = "type")]
    pub kind: String,
}

/// One rule group of a policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PolicyGroup {
    /// A customer rule group's ARN (in the administrator's account).
    #[serde(default)]
    pub rule_group_arn: Option<String>,
    /// A managed rule group.
    #[serde(default)]
    pub managed_rule_group_identifier: Option<ManagedId>,
    /// `{"type": "NONE" | "COUNT"}`.
    pub override_action: TypeOnly,
    /// Rules of the group set to Count.
    #[serde(default)]
    pub exclude_rules: Vec<Excluded>,
}

/// A managed rule group's identity.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ManagedId {
    /// `AWS`.
    pub vendor_name: String,
    /// `AWSManagedRulesCommonRuleSet`, ...
    pub managed_rule_group_name: String,
    /// A pinned version.
    #[serde(default)]
    pub version: Option<String>,
}

/// A rule set to Count.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Excluded {
    /// The rule's name.
    pub name: String,
}

impl WafPolicy {
    /// Parses and checks `ManagedServiceData`.
    pub(crate) fn parse(text: &str) -> Result<WafPolicy, AwsError> {
        let p: WafPolicy = serde_json::from_str(text).map_err(|e| {
            errors::invalid_input(format!(
                "ManagedServiceData is not valid WAFV2 policy data: {e}"
            ))
        })?;
        if p.kind != "WAFV2" {
            return Err(errors::invalid_input(format!(
                "ManagedServiceData has type {}; rampart's Firewall Manager supports WAFV2 policies only.",
                p.kind
            )));
        }
        if !matches!(p.default_action.kind.as_str(), "ALLOW" | "BLOCK") {
            return Err(errors::invalid_input(
                "defaultAction.type must be ALLOW or BLOCK.",
            ));
        }
        for g in p
            .pre_process_rule_groups
            .iter()
            .chain(&p.post_process_rule_groups)
        {
            g.check()?;
        }
        Ok(p)
    }

    /// The web ACL's default action.
    pub(crate) fn default_action(&self) -> Value {
        if self.default_action.kind == "BLOCK" {
            json!({"Block": {}})
        } else {
            json!({"Allow": {}})
        }
    }
}

impl PolicyGroup {
    fn check(&self) -> Result<(), AwsError> {
        if !matches!(self.override_action.kind.as_str(), "NONE" | "COUNT") {
            return Err(errors::invalid_input(
                "overrideAction.type must be NONE or COUNT.",
            ));
        }
        match (&self.rule_group_arn, &self.managed_rule_group_identifier) {
            (Some(arn), None) if arn.starts_with("arn:") && arn.contains(":wafv2:") => Ok(()),
            (None, Some(_)) => Ok(()),
            _ => Err(errors::invalid_input(
                "Each rule group needs either a ruleGroupArn or a managedRuleGroupIdentifier.",
            )),
        }
    }

    /// The web ACL rule for this group.
    fn rule(&self, name: String) -> ManagedRule {
        let excluded: Vec<Value> = self
            .exclude_rules
            .iter()
            .map(|e| json!({"Name": e.name}))
            .collect();
        let mut statement = match (&self.rule_group_arn, &self.managed_rule_group_identifier) {
            (_, Some(m)) => {
                let mut s = json!({"VendorName": m.vendor_name, "Name": m.managed_rule_group_name});
                if let Some(v) = &m.version {
                    s["Version"] = json!(v);
                }
                json!({ "ManagedRuleGroupStatement": s })
            }
            (arn, None) => json!({"RuleGroupReferenceStatement": {"ARN": arn}}),
        };
        if !excluded.is_empty()
            && let Some(inner) = statement
                .as_object_mut()
                .and_then(|o| o.values_mut().next())
        {
            inner["ExcludedRules"] = Value::Array(excluded);
        }
        let override_action = if self.override_action.kind == "COUNT" {
            json!({"Count": {}})
        } else {
            json!({"None": {}})
        };
        ManagedRule {
            name,
            statement,
            override_action,
        }
    }
}

/// Checks a policy's resource types: rampart protects application load balancers.
pub(crate) fn check_resource_types(policy: &Value) -> Result<(), AwsError> {
    let mut types: Vec<&str> = vec![policy["ResourceType"].as_str().unwrap_or_default()];
    types.extend(
        policy["ResourceTypeList"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str),
    );
    let listed = |t: &&str| *t == "ResourceTypeList" || t.is_empty();
    for t in types.iter().filter(|t| !listed(t)) {
        if *t != LOAD_BALANCER_TYPE {
            return Err(errors::invalid_input(format!(
                "Resource type {t} is not supported: rampart's WAFV2 policies protect {LOAD_BALANCER_TYPE}."
            )));
        }
    }
    if types.iter().all(listed) {
        return Err(errors::invalid_input(format!(
            "The policy names no resource type; rampart's WAFV2 policies protect {LOAD_BALANCER_TYPE}."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_waf_policy_data_and_builds_the_rules() {
        let p = StoredPolicy {
            policy: json!({
                "PolicyName": "org waf",
                "SecurityServicePolicyData": {"Type": "WAFV2", "ManagedServiceData": json!({
                    "type": "WAFV2",
                    "preProcessRuleGroups": [{"ruleGroupArn": "arn:aws:wafv2:us-east-1:111111111111:regional/rulegroup/g/0123", "overrideAction": {"type": "NONE"}, "ruleGroupType": "RuleGroup", "excludeRules": []}],
                    "postProcessRuleGroups": [{"managedRuleGroupIdentifier": {"vendorName": "AWS", "managedRuleGroupName": "AWSManagedRulesSQLiRuleSet", "version": null}, "overrideAction": {"type": "COUNT"}, "ruleGroupType": "ManagedRuleGroup", "excludeRules": [{"name": "SQLi_BODY"}]}],
                    "defaultAction": {"type": "BLOCK"},
                    "overrideCustomerWebACLAssociation": true
                }).to_string()}
            }),
            created_ms: 1_700_000_000_123,
            tags: vec![],
        };
        assert_eq!(p.web_acl_name(), "FMManagedWebACLV2-orgwaf-1700000000123");
        let data = p.data().unwrap();
        assert!(data.override_customer_web_acl_association);
        assert_eq!(data.default_action(), json!({"Block": {}}));
        let (pre, post) = p.rules().unwrap();
        assert_eq!(pre[0].name, "PREFMManaged-orgwaf-1700000000123");
        assert_eq!(
            pre[0].statement["RuleGroupReferenceStatement"]["ARN"],
            "arn:aws:wafv2:us-east-1:111111111111:regional/rulegroup/g/0123"
        );
        assert_eq!(pre[0].override_action, json!({"None": {}}));
        assert_eq!(post[0].name, "POSTFMManaged-orgwaf-1700000000123");
        assert_eq!(
            post[0].statement,
            json!({"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesSQLiRuleSet", "ExcludedRules": [{"Name": "SQLi_BODY"}]}})
        );
        assert_eq!(post[0].override_action, json!({"Count": {}}));
    }

    #[test]
    fn refuses_other_types_and_bad_data() {
        for bad in [
            r#"{"type": "SHIELD_ADVANCED", "defaultAction": {"type": "ALLOW"}}"#,
            r#"{"type": "WAFV2", "defaultAction": {"type": "COUNT"}}"#,
            r#"{"type": "WAFV2", "defaultAction": {"type": "ALLOW"}, "preProcessRuleGroups": [{"overrideAction": {"type": "NONE"}}]}"#,
            "not json",
        ] {
            let e = WafPolicy::parse(bad).unwrap_err();
            assert_eq!(e.code, "InvalidInputException", "{bad}");
        }
    }

    #[test]
    fn resource_types() {
        assert!(check_resource_types(&json!({"ResourceType": LOAD_BALANCER_TYPE})).is_ok());
        assert!(
            check_resource_types(&json!({"ResourceType": "ResourceTypeList", "ResourceTypeList": [LOAD_BALANCER_TYPE]}))
                .is_ok()
        );
        for bad in [
            json!({"ResourceType": "AWS::CloudFront::Distribution"}),
            json!({"ResourceType": "ResourceTypeList", "ResourceTypeList": []}),
            json!({}),
        ] {
            assert_eq!(
                check_resource_types(&bad).unwrap_err().code,
                "InvalidInputException"
            );
        }
    }
}
