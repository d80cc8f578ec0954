//! Helpers shared by the unit tests: JSON builders, a map resolver, a fixed geo database.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use crate::compile::{CompileOptions, WebAcl};
use crate::geo::{GeoInfo, GeoLookup};
use crate::ipset::IpSet;
use crate::model::{IpSetDef, RuleGroupDef, WebAclDef};
use crate::pattern::RegexPatternSet;
use crate::request::Request;
use crate::resolver::{ResolvedGroup, Resolver, rule_group_namespace};

pub const ACCOUNT: &str = "111122223333";

/// A rule's JSON with the given statement and action (`"Action": {...}` or `"OverrideAction"`).
pub fn rule(name: &str, priority: i64, statement: &str, action: &str) -> String {
    format!(
        r#"{{"Name": "{name}", "Priority": {priority}, "Statement": {statement}, {action},
            "VisibilityConfig": {{"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "{name}"}}}}"#
    )
}

pub fn acl_def(rules: &[String], default: &str) -> WebAclDef {
    let json = format!(
        r#"{{"Name": "acl", "DefaultAction": {default}, "Rules": [{}]}}"#,
        rules.join(",")
    );
    serde_json::from_str(&json).unwrap()
}

pub fn compile(rules: &[String], default: &str) -> WebAcl {
    WebAcl::compile(
        &acl_def(rules, default),
        &MapResolver::default(),
        &options(),
    )
    .unwrap()
}

pub fn account() -> rampart_types::AccountId {
    ACCOUNT.parse().unwrap()
}

pub fn options() -> CompileOptions {
    let mut o = CompileOptions::new(account());
    o.geo = Arc::new(FixedGeo);
    o
}

pub fn get(target: &str) -> Request {
    Request::new("GET", target.as_bytes(), IpAddr::from([192, 0, 2, 1]))
}

pub fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// `192.0.2.0/24` is in the US (California), `198.51.100.0/24` in Germany, others unknown.
pub struct FixedGeo;

impl GeoLookup for FixedGeo {
    fn lookup(&self, ip: IpAddr) -> Option<GeoInfo> {
        match ip {
            IpAddr::V4(v4) if v4.octets()[..3] == [192, 0, 2] => Some(GeoInfo {
                country: "US".into(),
                region: Some("CA".into()),
            }),
            IpAddr::V4(v4) if v4.octets()[..3] == [198, 51, 100] => Some(GeoInfo {
                country: "DE".into(),
                region: None,
            }),
            _ => None,
        }
    }
}

#[derive(Default)]
pub struct MapResolver {
    pub ip_sets: HashMap<String, Arc<IpSet>>,
    pub regex_sets: HashMap<String, Arc<RegexPatternSet>>,
    pub groups: HashMap<String, ResolvedGroup>,
}

impl MapResolver {
    pub fn with_ip_set(mut self, arn: &str, version: &str, addrs: &[&str]) -> Self {
        let def = IpSetDef {
            ip_address_version: version.into(),
            addresses: addrs.iter().map(|s| s.to_string()).collect(),
        };
        self.ip_sets
            .insert(arn.into(), Arc::new(IpSet::compile(&def).unwrap()));
        self
    }

    pub fn with_regex_set(mut self, arn: &str, patterns: &[&str]) -> Self {
        let p: Vec<String> = patterns.iter().map(|s| s.to_string()).collect();
        self.regex_sets
            .insert(arn.into(), Arc::new(RegexPatternSet::compile(&p).unwrap()));
        self
    }

    /// A group by ARN (customer) or by `vendor/name` (managed, with the given namespace).
    pub fn with_group(
        mut self,
        key: &str,
        name: &str,
        rules: &[String],
        namespace: Option<&str>,
    ) -> Self {
        let def: RuleGroupDef = serde_json::from_str(&format!(
            r#"{{"Name": "{name}", "Capacity": 1000, "Rules": [{}]}}"#,
            rules.join(",")
        ))
        .unwrap();
        let label_namespace =
            namespace.map_or_else(|| rule_group_namespace(ACCOUNT, name), str::to_owned);
        self.groups.insert(
            key.into(),
            ResolvedGroup {
                def: Arc::new(def),
                label_namespace,
            },
        );
        self
    }
}

impl Resolver for MapResolver {
    fn ip_set(&self, arn: &str) -> Option<Arc<IpSet>> {
        self.ip_sets.get(arn).cloned()
    }
    fn regex_pattern_set(&self, arn: &str) -> Option<Arc<RegexPatternSet>> {
        self.regex_sets.get(arn).cloned()
    }
    fn rule_group(&self, arn: &str) -> Option<ResolvedGroup> {
        self.groups.get(arn).cloned()
    }
    fn managed_rule_group(
        &self,
        vendor: &str,
        name: &str,
        _version: Option<&str>,
    ) -> Option<ResolvedGroup> {
        self.groups.get(&format!("{vendor}/{name}")).cloned()
    }
}

pub fn compile_with(
    rules: &[String],
    default: &str,
    resolver: &MapResolver,
) -> Result<WebAcl, crate::error::WafError> {
    WebAcl::compile(&acl_def(rules, default), resolver, &options())
}

pub const BLOCK: &str = r#""Action": {"Block": {}}"#;
pub const COUNT: &str = r#""Action": {"Count": {}}"#;
pub const ALLOW: &str = r#""Action": {"Allow": {}}"#;
pub const DEFAULT_ALLOW: &str = r#"{"Allow": {}}"#;

/// A statement inspecting `field` (JSON) with `tts` (e.g. `"URL_DECODE"`).
pub fn byte_match(search: &str, field: &str, position: &str, tts: &[&str]) -> String {
    format!(
        r#"{{"ByteMatchStatement": {{"SearchString": "{}", "FieldToMatch": {field}, "PositionalConstraint": "{position}", "TextTransformations": [{}]}}}}"#,
        b64(search),
        transformations(tts)
    )
}

pub fn transformations(tts: &[&str]) -> String {
    if tts.is_empty() {
        return r#"{"Priority": 0, "Type": "NONE"}"#.into();
    }
    tts.iter()
        .enumerate()
        .map(|(i, t)| format!(r#"{{"Priority": {i}, "Type": "{t}"}}"#))
        .collect::<Vec<_>>()
        .join(",")
}
