//! Which IP sets, regex pattern sets and rule groups rules refer to, so that a referenced
//! entity cannot be deleted (`WAFAssociatedItemException`).

use crate::entity;
use crate::errors;
use crate::rule_groups::RuleGroupBody;
use crate::scope::Kind;
use crate::web_acls::WebAclBody;
use rampart_protocol::AwsError;
use rampart_service::Call;
use rampart_store::Batch;
use rampart_waf::model::{Rule, Statement};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

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

/// `WAFAssociatedItemException` when a web ACL or rule group of any account in the caller's
/// region refers to `arn` (another account's web ACL may use a shared or Firewall Manager
/// rule group by ARN).
///
/// Deletes are rare, so this reads every account's web ACL and rule group tables of the
/// region (`Store::tables`) instead of keeping a reverse index to maintain on every write.
/// It does not race with a new reference: whatever commits a reference also rewrites the
/// referenced entity at the version it read ([`entity::touching`], in any account), and the
/// delete expects the version it read before calling this, so one of the two commits fails.
pub(crate) fn require_unreferenced(call: &Call<'_>, arn: &str) -> Result<(), AwsError> {
    let region = call.region.as_str();
    let tables = call.env.store.tables().map_err(errors::store)?;
    for (space, table) in &tables {
        if !in_region(space, region) {
            continue;
        }
        let referring = if table == Kind::WebAcl.table() {
            entity::all_in::<WebAclBody>(call.env.store.as_ref(), space, Kind::WebAcl)?
                .iter()
                .any(|e| e.body.references.iter().any(|r| r == arn))
        } else if table == Kind::RuleGroup.table() {
            entity::all_in::<RuleGroupBody>(call.env.store.as_ref(), space, Kind::RuleGroup)?
                .iter()
                .any(|e| e.body.references.iter().any(|r| r == arn))
        } else {
            false
        };
        if referring {
            return Err(errors::associated());
        }
    }
    Ok(())
}

/// A Delete* operation of `kind`: the entity `input` names goes, unless something refers to
/// it, with `extra` (given the entity) in the same commit.
pub(crate) fn delete_unused<T: DeserializeOwned>(
    call: &Call<'_>,
    kind: Kind,
    input: Value,
    extra: impl FnOnce(&entity::Loaded<T>) -> Batch,
) -> Result<Value, AwsError> {
    let (l, token) = entity::load_for_delete::<T>(call, kind, input)?;
    require_unreferenced(call, &l.entity.arn)?;
    entity::delete(call, &l, &token, extra(&l))?;
    Ok(json!({}))
}

/// Whether `space` is an account's space in `region` (`acct/<account>/<region>`).
fn in_region(space: &str, region: &str) -> bool {
    let mut parts = space.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("acct"), Some(_), Some(r), None) if r == region
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_account_spaces_of_the_region_are_read() {
        assert!(in_region("acct/123456789012/us-east-1", "us-east-1"));
        assert!(!in_region("acct/123456789012/us-east-2", "us-east-1"));
        assert!(!in_region("acct/123456789012", "us-east-1"));
        assert!(!in_region("system", "us-east-1"));
        assert!(!in_region("acct/123456789012/us-east-1/x", "us-east-1"));
    }

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
