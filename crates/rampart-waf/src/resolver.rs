//! What the engine asks its caller for while compiling: referenced IP sets, regex pattern
//! sets and rule groups (the control plane looks them up in its store).

use std::sync::Arc;

use crate::ipset::IpSet;
use crate::model::RuleGroupDef;
use crate::pattern::RegexPatternSet;

/// A rule group found by a resolver.
#[derive(Debug, Clone)]
pub struct ResolvedGroup {
    /// The definition.
    pub def: Arc<RuleGroupDef>,
    /// The prefix of its labels, e.g. `awswaf:111122223333:rulegroup:my-group:` or
    /// `awswaf:managed:aws:core-rule-set:`.
    pub label_namespace: String,
}

/// Looks up referenced entities; `None` means it does not exist (`WAFNonexistentItemException`).
pub trait Resolver {
    /// The IP set with this ARN.
    fn ip_set(&self, arn: &str) -> Option<Arc<IpSet>>;
    /// The regex pattern set with this ARN.
    fn regex_pattern_set(&self, arn: &str) -> Option<Arc<RegexPatternSet>>;
    /// The customer rule group with this ARN.
    fn rule_group(&self, arn: &str) -> Option<ResolvedGroup>;
    /// The managed rule group (a pinned `version`, or the default one).
    fn managed_rule_group(
        &self,
        vendor: &str,
        name: &str,
        version: Option<&str>,
    ) -> Option<ResolvedGroup>;
}

/// A resolver that knows nothing (for ACLs without references).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoReferences;

impl Resolver for NoReferences {
    fn ip_set(&self, _arn: &str) -> Option<Arc<IpSet>> {
        None
    }
    fn regex_pattern_set(&self, _arn: &str) -> Option<Arc<RegexPatternSet>> {
        None
    }
    fn rule_group(&self, _arn: &str) -> Option<ResolvedGroup> {
        None
    }
    fn managed_rule_group(
        &self,
        _vendor: &str,
        _name: &str,
        _version: Option<&str>,
    ) -> Option<ResolvedGroup> {
        None
    }
}

/// The label namespace of a customer rule group: `awswaf:<account>:rulegroup:<name>:`.
pub fn rule_group_namespace(account: &str, name: &str) -> String {
    format!("awswaf:{account}:rulegroup:{name}:")
}

/// The label namespace of a web ACL: `awswaf:<account>:webacl:<name>:`.
pub fn web_acl_namespace(account: &str, name: &str) -> String {
    format!("awswaf:{account}:webacl:{name}:")
}
