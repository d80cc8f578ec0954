//! The engine through its public API only, the way the control and data planes use it: the
//! issue's "done means" scenarios (IP set block, SQLi, geo, rate limit and recovery, a managed
//! group overridden to Count whose label a later rule uses, log records).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use rampart_waf::model::{self, IpSetDef, WebAclDef};
use rampart_waf::{
    ActionKind, CompileOptions, ErrorCode, GeoInfo, GeoLookup, IpSet, LogContext, RateRuleId,
    RateTracker, RegexPatternSet, Request, ResolvedGroup, Resolver, WebAcl, evaluate, log_record,
    managed,
};

const BLOCKED_SET: &str = "arn:aws:wafv2:us-east-1:111122223333:regional/ipset/blocked/a1b2";

struct Store {
    ip_sets: HashMap<String, Arc<IpSet>>,
}

impl Resolver for Store {
    fn ip_set(&self, arn: &str) -> Option<Arc<IpSet>> {
        self.ip_sets.get(arn).cloned().or_else(|| {
            // The managed IP-list groups' feeds: empty here.
            arn.contains("managed-ipset")
                .then(|| Arc::new(IpSet::default()))
        })
    }
    fn regex_pattern_set(&self, _arn: &str) -> Option<Arc<RegexPatternSet>> {
        None
    }
    fn rule_group(&self, _arn: &str) -> Option<ResolvedGroup> {
        None
    }
    fn managed_rule_group(
        &self,
        vendor: &str,
        name: &str,
        version: Option<&str>,
    ) -> Option<ResolvedGroup> {
        managed::managed_group(vendor, name, version)
    }
}

struct Geo;

impl GeoLookup for Geo {
    fn lookup(&self, ip: IpAddr) -> Option<GeoInfo> {
        match ip {
            IpAddr::V4(v4) if v4.octets()[0] == 203 => Some(GeoInfo {
                country: "KP".into(),
                region: None,
            }),
            _ => Some(GeoInfo {
                country: "US".into(),
                region: None,
            }),
        }
    }
}

fn store() -> Store {
    let set = IpSet::compile(&IpSetDef {
        ip_address_version: "IPV4".into(),
        addresses: vec!["198.51.100.0/24".into(), "192.0.2.66/32".into()],
    })
    .unwrap();
    Store {
        ip_sets: HashMap::from([(BLOCKED_SET.to_string(), Arc::new(set))]),
    }
}

fn web_acl() -> WebAcl {
    let body = serde_json::json!({
        "Name": "app-acl",
        "Scope": "REGIONAL",
        "DefaultAction": {"Allow": {}},
        "VisibilityConfig": {"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "app-acl"},
        "Rules": [
            {"Name": "blocked-ips", "Priority": 0, "Action": {"Block": {}},
             "Statement": {"IPSetReferenceStatement": {"ARN": BLOCKED_SET}},
             "VisibilityConfig": {"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "blocked-ips"}},
            {"Name": "geo", "Priority": 1, "Action": {"Block": {}},
             "Statement": {"GeoMatchStatement": {"CountryCodes": ["KP"]}},
             "VisibilityConfig": {"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "geo"}},
            {"Name": "sqli-db", "Priority": 2, "OverrideAction": {"Count": {}},
             "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesSQLiRuleSet"}},
             "VisibilityConfig": {"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "sqli-db"}},
            {"Name": "block-sqli-label", "Priority": 3, "Action": {"Block": {}},
             "Statement": {"LabelMatchStatement": {"Scope": "NAMESPACE", "Key": "awswaf:managed:aws:sql-database:"}},
             "VisibilityConfig": {"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "block-sqli-label"}},
            {"Name": "login-rate", "Priority": 4, "Action": {"Block": {}},
             "Statement": {"RateBasedStatement": {"Limit": 10, "EvaluationWindowSec": 60, "AggregateKeyType": "IP",
                 "ScopeDownStatement": {"ByteMatchStatement": {"SearchString": "L2xvZ2lu", "FieldToMatch": {"UriPath": {}},
                     "PositionalConstraint": "STARTS_WITH", "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}}},
             "VisibilityConfig": {"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "login-rate"}}
        ]
    });
    let def: WebAclDef = model::parse(&body, "WEB_ACL").unwrap();
    let mut opts = CompileOptions::new("111122223333".parse().unwrap());
    opts.geo = Arc::new(Geo);
    WebAcl::compile(&def, &store(), &opts).unwrap()
}

fn get(target: &str, ip: [u8; 4]) -> Request {
    Request::new("GET", target.as_bytes(), IpAddr::from(ip))
        .with_header("Host", "app.example")
        .with_header("User-Agent", "curl/8")
}

#[test]
fn ip_set_geo_and_benign_traffic() {
    let acl = web_acl();
    let mut t = RateTracker::default();
    assert_eq!(
        evaluate(&acl, &get("/", [192, 0, 2, 1]), &mut t, 0).action,
        ActionKind::Allow
    );
    let v = evaluate(&acl, &get("/", [198, 51, 100, 7]), &mut t, 0);
    assert_eq!((v.action, v.status()), (ActionKind::Block, Some(403)));
    assert_eq!(v.terminating_rule.unwrap().rule, "blocked-ips");
    let v = evaluate(&acl, &get("/", [203, 0, 113, 1]), &mut t, 0);
    assert_eq!(v.terminating_rule.unwrap().rule, "geo");
    assert!(
        v.labels
            .contains(&"awswaf:clientip:geo:country:KP".to_string())
    );
}

#[test]
fn sqli_counted_by_the_managed_group_is_blocked_by_its_label() {
    let acl = web_acl();
    let v = evaluate(
        &acl,
        &get("/items?id=%27%20OR%201=1--", [192, 0, 2, 1]),
        &mut RateTracker::default(),
        0,
    );
    assert_eq!(v.action, ActionKind::Block);
    assert_eq!(
        v.terminating_rule.as_ref().unwrap().rule,
        "block-sqli-label"
    );
    assert_eq!(
        v.labels,
        vec![
            "awswaf:clientip:geo:country:US",
            "awswaf:managed:aws:sql-database:SQLi_QueryArguments"
        ]
    );
    let counted = &v.matched_rules[0];
    assert_eq!(
        (
            counted.rule.as_str(),
            counted.rule_within_group.as_deref(),
            counted.overridden_to_count
        ),
        ("sqli-db", Some("SQLi_QUERYARGUMENTS"), true)
    );
    let log = log_record(
        &acl,
        &v,
        &get("/items?id=%27%20OR%201=1--", [192, 0, 2, 1]),
        &LogContext::default(),
    );
    assert_eq!(log["terminatingRuleId"], "block-sqli-label");
    assert_eq!(
        log["ruleGroupList"][0]["ruleGroupId"],
        "AWS#AWSManagedRulesSQLiRuleSet"
    );
    assert_eq!(
        log["ruleGroupList"][0]["terminatingRule"]["overriddenAction"],
        "COUNT"
    );
}

#[test]
fn rate_limit_blocks_after_the_limit_and_lets_back_later() {
    let acl = web_acl();
    let mut t = RateTracker::default();
    for second in 0..10 {
        assert_eq!(
            evaluate(&acl, &get("/login", [192, 0, 2, 9]), &mut t, 1_000 + second).action,
            ActionKind::Allow
        );
    }
    assert_eq!(
        evaluate(&acl, &get("/login", [192, 0, 2, 9]), &mut t, 1_010).action,
        ActionKind::Block
    );
    assert_eq!(
        evaluate(&acl, &get("/", [192, 0, 2, 9]), &mut t, 1_010).action,
        ActionKind::Allow,
        "out of scope"
    );
    let id = RateRuleId::new("app-acl", None, "login-rate");
    assert_eq!(
        t.limited_keys(&id, 1_010),
        vec![vec!["192.0.2.9".to_string()]]
    );
    assert_eq!(
        evaluate(&acl, &get("/login", [192, 0, 2, 9]), &mut t, 1_200).action,
        ActionKind::Allow
    );
    assert!(t.limited_keys(&id, 1_200).is_empty());
}

#[test]
fn bad_input_gets_aws_errors() {
    let bad: serde_json::Value =
        serde_json::json!({"Name": "x", "DefaultAction": {"Allow": {}, "Block": {}}});
    assert_eq!(
        model::parse::<WebAclDef>(&bad, "WEB_ACL").unwrap_err().code,
        ErrorCode::InvalidParameter
    );
    let unknown = serde_json::json!({"Name": "x", "DefaultAction": {"Allow": {}}, "Rules": [
        {"Name": "r", "Priority": 0, "Action": {"Block": {}},
         "Statement": {"IPSetReferenceStatement": {"ARN": "arn:aws:wafv2:us-east-1:111122223333:regional/ipset/none/1"}},
         "VisibilityConfig": {"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "r"}}]});
    let def: WebAclDef = model::parse(&unknown, "WEB_ACL").unwrap();
    let err = WebAcl::compile(
        &def,
        &store(),
        &CompileOptions::new("111122223333".parse().unwrap()),
    )
    .unwrap_err();
    assert_eq!(err.code.as_str(), "WAFNonexistentItemException");
}
