//! Shield through the registry, as the pipeline calls the handlers, with WAFv2 beside it.

use crate::Monitor;
use rampart_protocol::Models;
use rampart_service::testkit::World;
use serde_json::{Value, json};
use std::net::IpAddr;
use std::time::Duration;

const ALB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";

fn world() -> World {
    World::new(|r| {
        crate::register(r);
        rampart_svc_waf::register(r);
    })
}

fn call(w: &World, op: &str, input: Value) -> Result<Value, rampart_protocol::AwsError> {
    let service =
        if op.ends_with("WebACL") || op.ends_with("RuleGroup") || op == "GetWebACLForResource" {
            "wafv2"
        } else {
            "shield"
        };
    w.call_as(&w.root(), service, op, input)
}

fn ok(w: &World, op: &str, input: Value) -> Value {
    call(w, op, input).unwrap_or_else(|e| panic!("{op}: {} {}", e.code, e.message))
}

fn code(w: &World, op: &str, input: Value) -> String {
    call(w, op, input).expect_err(op).code.into_owned()
}

fn visibility(name: &str) -> Value {
    json!({"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": name})
}

#[test]
fn every_model_operation_is_registered_with_a_rule() {
    let w = world();
    let model = Models::get().service("shield").unwrap();
    let missing: Vec<&String> = model
        .operations
        .keys()
        .filter(|op| w.registry.get("shield", op).is_none())
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
    assert!(w.operations_without_rules().is_empty());
}

#[test]
fn subscription_and_protections() {
    let w = world();
    assert_eq!(
        ok(&w, "GetSubscriptionState", json!({}))["SubscriptionState"],
        "INACTIVE"
    );
    assert_eq!(
        code(
            &w,
            "CreateProtection",
            json!({"Name": "web", "ResourceArn": ALB})
        ),
        "ResourceNotFoundException"
    );
    ok(&w, "CreateSubscription", json!({}));
    assert_eq!(
        code(&w, "CreateSubscription", json!({})),
        "ResourceAlreadyExistsException"
    );
    assert_eq!(
        ok(&w, "GetSubscriptionState", json!({}))["SubscriptionState"],
        "ACTIVE"
    );
    let s = ok(&w, "DescribeSubscription", json!({}))["Subscription"].clone();
    assert_eq!(s["TimeCommitmentInSeconds"], 31_536_000);
    assert_eq!(
        code(&w, "DeleteSubscription", json!({})),
        "LockedSubscriptionException"
    );

    let id = ok(
        &w,
        "CreateProtection",
        json!({"Name": "web", "ResourceArn": ALB,
        "Tags": [{"Key": "team", "Value": "edge"}]}),
    )["ProtectionId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        code(
            &w,
            "CreateProtection",
            json!({"Name": "again", "ResourceArn": ALB})
        ),
        "ResourceAlreadyExistsException"
    );
    let other = ALB.replace("123456789012", "210987654321");
    assert_eq!(
        code(
            &w,
            "CreateProtection",
            json!({"Name": "x", "ResourceArn": other})
        ),
        "InvalidResourceException"
    );
    let p = ok(&w, "DescribeProtection", json!({"ResourceArn": ALB}))["Protection"].clone();
    assert_eq!(p["Id"], id.as_str());
    assert_eq!(
        p["ProtectionArn"],
        format!("arn:aws:shield::123456789012:protection/{id}")
    );
    let tags = ok(
        &w,
        "ListTagsForResource",
        json!({"ResourceARN": p["ProtectionArn"]}),
    );
    assert_eq!(tags["Tags"], json!([{"Key": "team", "Value": "edge"}]));
    assert_eq!(
        ok(&w, "ListProtections", json!({}))["Protections"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Automatic response needs a web ACL on the resource.
    assert_eq!(
        code(
            &w,
            "EnableApplicationLayerAutomaticResponse",
            json!({"ResourceArn": ALB, "Action": {"Block": {}}})
        ),
        "InvalidOperationException"
    );
    ok(&w, "DeleteProtection", json!({"ProtectionId": id}));
    assert_eq!(
        code(&w, "DescribeProtection", json!({"ProtectionId": id})),
        "ResourceNotFoundException"
    );
}

fn protected_with_web_acl(w: &World) -> String {
    ok(w, "CreateSubscription", json!({}));
    let acl = ok(
        w,
        "CreateWebACL",
        json!({"Name": "edge", "Scope": "REGIONAL",
        "DefaultAction": {"Allow": {}}, "VisibilityConfig": visibility("edge")}),
    )["Summary"]["ARN"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        w,
        "AssociateWebACL",
        json!({"WebACLArn": acl, "ResourceArn": ALB}),
    );
    ok(
        w,
        "CreateProtection",
        json!({"Name": "web", "ResourceArn": ALB}),
    );
    ok(
        w,
        "EnableApplicationLayerAutomaticResponse",
        json!({"ResourceArn": ALB, "Action": {"Block": {}}}),
    );
    acl
}

fn group_rules(w: &World, acl: &str) -> (String, Value) {
    let got = ok(w, "GetWebACL", json!({"ARN": acl}));
    let rule = got["WebACL"]["Rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["Name"]
                .as_str()
                .unwrap()
                .starts_with("ShieldMitigationRuleGroup_123456789012_")
        })
        .cloned()
        .expect("the mitigation group's rule");
    assert_eq!(rule["Priority"], 10_000_000);
    let arn = rule["Statement"]["RuleGroupReferenceStatement"]["ARN"]
        .as_str()
        .unwrap()
        .to_owned();
    let group = ok(w, "GetRuleGroup", json!({"ARN": arn}));
    (arn, group["RuleGroup"]["Rules"].clone())
}

#[test]
fn a_flood_records_an_attack_and_mitigates_it_until_it_ends() {
    let w = world();
    let acl = protected_with_web_acl(&w);
    let p = ok(&w, "DescribeProtection", json!({"ResourceArn": ALB}))["Protection"].clone();
    assert_eq!(
        p["ApplicationLayerAutomaticResponseConfiguration"],
        json!({"Status": "ENABLED", "Action": {"Block": {}}})
    );
    let (_, rules) = group_rules(&w, &acl);
    assert_eq!(rules, json!([]));

    let monitor = Monitor::new();
    monitor.flush(&w.env);
    let flooder: IpAddr = "198.51.100.7".parse().unwrap();
    let other: IpAddr = "198.51.100.8".parse().unwrap();
    for i in 0..600 {
        monitor.record(&w.env, ALB, if i % 10 == 0 { other } else { flooder });
    }
    // The window closes: an attack, and a Block rate-based rule in the group.
    w.clock.advance(Duration::from_secs(10));
    monitor.flush(&w.env);
    let attacks = ok(&w, "ListAttacks", json!({}))["AttackSummaries"].clone();
    assert_eq!(attacks.as_array().unwrap().len(), 1);
    assert_eq!(attacks[0]["ResourceArn"], ALB);
    assert_eq!(
        attacks[0]["AttackVectors"],
        json!([{"VectorType": "REQUEST_FLOOD"}])
    );
    assert!(attacks[0].get("EndTime").is_none());
    let id = attacks[0]["AttackId"].as_str().unwrap().to_owned();
    let (_, rules) = group_rules(&w, &acl);
    assert_eq!(rules[0]["Action"], json!({"Block": {}}));
    assert_eq!(
        rules[0]["Statement"]["RateBasedStatement"]["AggregateKeyType"],
        "IP"
    );
    // Switching to Count during the attack changes the rule in place, and back.
    ok(
        &w,
        "UpdateApplicationLayerAutomaticResponse",
        json!({"ResourceArn": ALB, "Action": {"Count": {}}}),
    );
    assert_eq!(group_rules(&w, &acl).1[0]["Action"], json!({"Count": {}}));
    ok(
        &w,
        "UpdateApplicationLayerAutomaticResponse",
        json!({"ResourceArn": ALB, "Action": {"Block": {}}}),
    );
    assert_eq!(group_rules(&w, &acl).1[0]["Action"], json!({"Block": {}}));
    let detail = ok(&w, "DescribeAttack", json!({"AttackId": id}))["Attack"].clone();
    let top = &detail["AttackProperties"][0]["TopContributors"];
    assert_eq!(top[0], json!({"Name": "198.51.100.7", "Value": 540}));
    assert_eq!(detail["Mitigations"][0]["MitigationName"], rules[0]["Name"]);

    // The flood stops; time moves on: the attack ends and the rule is gone.
    w.clock.advance(Duration::from_secs(60));
    monitor.flush(&w.env);
    let (_, rules) = group_rules(&w, &acl);
    assert_eq!(rules, json!([]));
    let detail = ok(&w, "DescribeAttack", json!({"AttackId": id}))["Attack"].clone();
    assert!(detail["EndTime"].as_f64().unwrap() > detail["StartTime"].as_f64().unwrap());
    let ended = ok(&w, "ListAttacks", json!({"EndTime": {"FromInclusive": 0}}));
    assert_eq!(ended["AttackSummaries"].as_array().unwrap().len(), 1);

    // Count instead of Block; disabling removes the group from the web ACL.
    ok(
        &w,
        "UpdateApplicationLayerAutomaticResponse",
        json!({"ResourceArn": ALB, "Action": {"Count": {}}}),
    );
    let p = ok(&w, "DescribeProtection", json!({"ResourceArn": ALB}))["Protection"].clone();
    assert_eq!(
        p["ApplicationLayerAutomaticResponseConfiguration"]["Action"],
        json!({"Count": {}})
    );
    ok(
        &w,
        "DisableApplicationLayerAutomaticResponse",
        json!({"ResourceArn": ALB}),
    );
    let got = ok(&w, "GetWebACL", json!({"ARN": acl}));
    assert_eq!(got["WebACL"]["Rules"], json!([]));
    assert_eq!(
        code(
            &w,
            "DisableApplicationLayerAutomaticResponse",
            json!({"ResourceArn": ALB})
        ),
        "InvalidOperationException"
    );
}

#[test]
fn unprotected_resources_are_not_counted() {
    let w = world();
    let monitor = Monitor::new();
    monitor.flush(&w.env);
    for _ in 0..1000 {
        monitor.record(&w.env, ALB, "192.0.2.1".parse().unwrap());
    }
    w.clock.advance(Duration::from_secs(20));
    ok(&w, "CreateSubscription", json!({}));
    monitor.flush(&w.env);
    assert_eq!(
        ok(&w, "ListAttacks", json!({}))["AttackSummaries"],
        json!([])
    );
}

#[test]
fn an_attack_open_when_the_server_stopped_ends_at_the_next_start() {
    let w = world();
    let acl = protected_with_web_acl(&w);
    let monitor = Monitor::new();
    monitor.flush(&w.env);
    for _ in 0..600 {
        monitor.record(&w.env, ALB, "198.51.100.7".parse().unwrap());
    }
    w.clock.advance(Duration::from_secs(10));
    monitor.flush(&w.env);
    let (_, rules) = group_rules(&w, &acl);
    assert_eq!(rules.as_array().unwrap().len(), 1);
    drop(monitor);
    // A new monitor (the server restarted) ends it and removes the rule.
    let monitor = Monitor::new();
    monitor.flush(&w.env);
    let (_, rules) = group_rules(&w, &acl);
    assert_eq!(rules, json!([]));
    let attacks = ok(&w, "ListAttacks", json!({}))["AttackSummaries"].clone();
    assert!(attacks[0].get("EndTime").is_some());
}

#[test]
fn accesses_agree_with_the_sar() {
    let w = world();
    let protection = "arn:aws:shield::123456789012:protection/0a1b2c3d-0000-4000-8000-000000000000";
    let model = Models::get().service("shield").unwrap();
    for op in model.operations.keys() {
        let input = match op.as_str() {
            "CreateProtection" => {
                json!({"Name": "x", "ResourceArn": ALB, "Tags": [{"Key": "k", "Value": "v"}]})
            }
            "DeleteProtection" | "DescribeProtection" => {
                json!({"ProtectionId": "0a1b2c3d-0000-4000-8000-000000000000"})
            }
            "DescribeAttack" => json!({"AttackId": "0a1b2c3d-0000-4000-8000-000000000001"}),
            "TagResource" => {
                json!({"ResourceARN": protection, "Tags": [{"Key": "k", "Value": "v"}]})
            }
            "UntagResource" | "ListTagsForResource" => json!({"ResourceARN": protection}),
            _ => json!({}),
        };
        let accesses = w.accesses(&w.root(), "shield", op, &input).unwrap();
        assert!(!accesses.is_empty(), "{op}");
        for a in &accesses {
            assert_eq!(rampart_service::testkit::sar_violation(a), None, "{op}");
        }
    }
}

#[test]
fn the_mitigation_group_follows_the_resource_to_a_new_web_acl() {
    let w = world();
    let old = protected_with_web_acl(&w);
    let new = ok(
        &w,
        "CreateWebACL",
        json!({"Name": "edge-2", "Scope": "REGIONAL",
        "DefaultAction": {"Allow": {}}, "VisibilityConfig": visibility("edge-2")}),
    )["Summary"]["ARN"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &w,
        "AssociateWebACL",
        json!({"WebACLArn": new, "ResourceArn": ALB}),
    );
    let monitor = Monitor::new();
    monitor.flush(&w.env);
    for _ in 0..600 {
        monitor.record(&w.env, ALB, "198.51.100.7".parse().unwrap());
    }
    w.clock.advance(Duration::from_secs(10));
    monitor.flush(&w.env);
    // The old web ACL no longer carries the group; the new one does, with the rule.
    assert_eq!(
        ok(&w, "GetWebACL", json!({"ARN": old}))["WebACL"]["Rules"],
        json!([])
    );
    let (_, rules) = group_rules(&w, &new);
    assert_eq!(rules.as_array().unwrap().len(), 1);
    ok(
        &w,
        "DisableApplicationLayerAutomaticResponse",
        json!({"ResourceArn": ALB}),
    );
    assert_eq!(
        ok(&w, "GetWebACL", json!({"ARN": new}))["WebACL"]["Rules"],
        json!([])
    );
}
