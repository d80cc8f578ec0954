//! Which IP sets, regex pattern sets and rule groups rules refer to, so that a referenced
//! entity cannot be deleted (`WAFAssociatedItemException`).

use crate::entity;
use crate::errors;
use crate::rule_groups::RuleGroupBody;
use crate::scope::Kind;
use crate::web_acls::WebAclBody;
use rampart_protocol::AwsError;
use rampart_service::Call;
use rampart_waf::model::{Rule, Statement};

/// The ARNs `rules` refer to, sorted and deduplicated.
pub(crate) fn of_rules(rules: &[Rule]) -> Vec<String> {
    let mut out = Vec::new();
    for r in rules {
        walk(&r.statement, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn walk(s: &Statement, out: &mut Vec<String>) {
    match s {
        Statement::IpSetReferenceStatement(r) => out.push(r.arn.clone()),
        Statement::RegexPatternSetReferenceStatement(r) => out.push(r.arn.clone()),
        Statement::RuleGroupReferenceStatement(r) => out.push(r.arn.clone()),
        Statement::AndStatement(l) | Statement::OrStatement(l) => {
            l.statements.iter().for_each(|c| walk(c, out))
        }
        Statement::NotStatement(n) => walk(&n.statement, out),
        Statement::RateBasedStatement(r) => {
            if let Some(sd) = &r.scope_down_statement {
                walk(sd, out);
            }
        }
        Statement::ManagedRuleGroupStatement(m) => {
            if let Some(sd) = &m.scope_down_statement {
                walk(sd, out);
            }
        }
        _ => {}
    }
}

/// `WAFAssociatedItemException` when a web ACL or rule group of the caller refers to `arn`.
pub(crate) fn require_unreferenced(call: &Call<'_>, arn: &str) -> Result<(), AwsError> {
    let in_acls = entity::all::<WebAclBody>(call, Kind::WebAcl)?
        .iter()
        .any(|e| e.body.references.iter().any(|r| r == arn));
    let in_groups = entity::all::<RuleGroupBody>(call, Kind::RuleGroup)?
        .iter()
        .any(|e| e.body.references.iter().any(|r| r == arn));
    if in_acls || in_groups {
        return Err(errors::associated());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_references_are_found() {
        let rules: Vec<Rule> = serde_json::from_value(json!([{
            "Name": "r", "Priority": 0, "Action": {"Block": {}},
            "Statement": {"AndStatement": {"Statements": [
                {"IPSetReferenceStatement": {"ARN": "arn:ip"}},
                {"NotStatement": {"Statement": {"RegexPatternSetReferenceStatement": {
                    "ARN": "arn:rx", "FieldToMatch": {"UriPath": {}},
                    "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}}}
            ]}}
        }, {
            "Name": "rate", "Priority": 1, "Action": {"Block": {}},
            "Statement": {"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "IP",
                "ScopeDownStatement": {"IPSetReferenceStatement": {"ARN": "arn:ip"}}}}
        }]))
        .unwrap();
        assert_eq!(of_rules(&rules), ["arn:ip", "arn:rx"]);
    }
}
