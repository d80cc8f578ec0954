//! Control plane tests through the registry, as the pipeline calls the handlers.

use rampart_service::testkit::{World, sar_violation};
use serde_json::{Value, json};

/// A well-formed listener rule ARN.
const RULE: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/x/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee";

fn world() -> World {
    World::new(crate::register)
}

fn call(w: &World, op: &str, input: Value) -> Result<Value, rampart_protocol::AwsError> {
    w.call_as(&w.root(), "elbv2", op, input)
}

fn ok(w: &World, op: &str, input: Value) -> Value {
    call(w, op, input).unwrap_or_else(|e| panic!("{op}: {} {}", e.code, e.message))
}

fn code(w: &World, op: &str, input: Value) -> String {
    call(w, op, input).expect_err(op).code.into_owned()
}

fn lb(w: &World, name: &str) -> String {
    let out = ok(
        w,
        "CreateLoadBalancer",
        json!({"Name": name, "Subnets": ["subnet-1", "subnet-2"]}),
    );
    out["LoadBalancers"][0]["LoadBalancerArn"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn tg(w: &World, name: &str) -> String {
    let out = ok(
        w,
        "CreateTargetGroup",
        json!({"Name": name, "Protocol": "HTTP", "Port": 8080, "TargetType": "ip",
               "HealthCheckIntervalSeconds": 5, "HealthCheckTimeoutSeconds": 2}),
    );
    out["TargetGroups"][0]["TargetGroupArn"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn listener(w: &World, lb: &str, tg: &str, port: u16) -> Result<Value, rampart_protocol::AwsError> {
    call(
        w,
        "CreateListener",
        json!({"LoadBalancerArn": lb, "Protocol": "HTTP", "Port": port,
               "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg}]}),
    )
}

#[test]
fn every_operation_has_a_rule() {
    assert!(world().operations_without_rules().is_empty());
}

#[test]
fn load_balancers_look_like_aws() {
    let w = world();
    let out = ok(
        &w,
        "CreateLoadBalancer",
        json!({"Name": "my-lb", "Subnets": ["subnet-a", "subnet-b"], "SecurityGroups": ["sg-1"], "Type": "application"}),
    );
    let lb = &out["LoadBalancers"][0];
    let arn = lb["LoadBalancerArn"].as_str().unwrap();
    assert!(arn.starts_with(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-lb/"
    ));
    assert!(crate::names::Name::parse(arn).is_some());
    assert_eq!(lb["State"]["Code"], "active");
    assert_eq!(lb["Type"], "application");
    assert_eq!(lb["Scheme"], "internet-facing");
    assert!(
        lb["DNSName"]
            .as_str()
            .unwrap()
            .ends_with(".us-east-1.elb.amazonaws.com")
    );
    assert_eq!(lb["AvailabilityZones"][1]["SubnetId"], "subnet-b");
    // The same request again is idempotent; a different one with the name is a duplicate.
    let again = ok(
        &w,
        "CreateLoadBalancer",
        json!({"Name": "my-lb", "Subnets": ["subnet-a", "subnet-b"]}),
    );
    assert_eq!(again["LoadBalancers"][0]["LoadBalancerArn"], arn);
    assert_eq!(
        code(
            &w,
            "CreateLoadBalancer",
            json!({"Name": "my-lb", "Subnets": ["subnet-c"]})
        ),
        "DuplicateLoadBalancerName"
    );
    assert_eq!(
        code(&w, "CreateLoadBalancer", json!({"Name": "bad_name"})),
        "ValidationError"
    );
    assert_eq!(
        code(
            &w,
            "CreateLoadBalancer",
            json!({"Name": "n", "Type": "network"})
        ),
        "InvalidConfigurationRequest"
    );
    let d = ok(&w, "DescribeLoadBalancers", json!({"Names": ["my-lb"]}));
    assert_eq!(d["LoadBalancers"][0]["LoadBalancerArn"], arn);
    assert_eq!(
        code(&w, "DescribeLoadBalancers", json!({"Names": ["nope"]})),
        "LoadBalancerNotFound"
    );
    ok(&w, "DeleteLoadBalancer", json!({"LoadBalancerArn": arn}));
    assert_eq!(
        code(
            &w,
            "DescribeLoadBalancers",
            json!({"LoadBalancerArns": [arn]})
        ),
        "LoadBalancerNotFound"
    );
    // Deleting again succeeds, as in AWS.
    ok(&w, "DeleteLoadBalancer", json!({"LoadBalancerArn": arn}));
}

#[test]
fn target_groups_and_targets() {
    let w = world();
    let arn = tg(&w, "app");
    let d = ok(
        &w,
        "DescribeTargetGroups",
        json!({"TargetGroupArns": [arn]}),
    );
    let g = &d["TargetGroups"][0];
    assert_eq!(
        (
            g["Protocol"].as_str(),
            g["Port"].as_u64(),
            g["TargetType"].as_str()
        ),
        (Some("HTTP"), Some(8080), Some("ip"))
    );
    assert_eq!(g["HealthCheckPath"], "/");
    assert_eq!(g["Matcher"]["HttpCode"], "200");
    assert_eq!(
        code(
            &w,
            "CreateTargetGroup",
            json!({"Name": "app", "Protocol": "HTTP", "Port": 9, "TargetType": "ip"})
        ),
        "DuplicateTargetGroupName"
    );
    assert_eq!(
        code(
            &w,
            "CreateTargetGroup",
            json!({"Name": "x", "Protocol": "HTTP", "Port": 9, "TargetType": "ip", "HealthCheckTimeoutSeconds": 30})
        ),
        "ValidationError"
    );
    ok(
        &w,
        "RegisterTargets",
        json!({"TargetGroupArn": arn, "Targets": [{"Id": "127.0.0.1", "Port": 9001}, {"Id": "127.0.0.1"}]}),
    );
    assert_eq!(
        code(
            &w,
            "RegisterTargets",
            json!({"TargetGroupArn": arn, "Targets": [{"Id": "i-123"}]})
        ),
        "InvalidTarget"
    );
    let h = ok(&w, "DescribeTargetHealth", json!({"TargetGroupArn": arn}));
    let th = h["TargetHealthDescriptions"].as_array().unwrap();
    assert_eq!(th.len(), 2);
    assert_eq!(th[0]["Target"], json!({"Id": "127.0.0.1", "Port": 9001}));
    // Not used by any listener yet.
    assert_eq!(th[0]["TargetHealth"]["Reason"], "Target.NotInUse");
    ok(
        &w,
        "DeregisterTargets",
        json!({"TargetGroupArn": arn, "Targets": [{"Id": "127.0.0.1", "Port": 9001}]}),
    );
    assert_eq!(
        code(
            &w,
            "DeregisterTargets",
            json!({"TargetGroupArn": arn, "Targets": [{"Id": "127.0.0.1", "Port": 9001}]})
        ),
        "InvalidTarget"
    );
    let bogus = arn.replace("/app/", "/other/");
    assert_eq!(
        code(
            &w,
            "RegisterTargets",
            json!({"TargetGroupArn": bogus, "Targets": [{"Id": "127.0.0.1"}]})
        ),
        "TargetGroupNotFound"
    );
    ok(&w, "DeleteTargetGroup", json!({"TargetGroupArn": arn}));
    assert_eq!(
        code(
            &w,
            "DescribeTargetGroups",
            json!({"TargetGroupArns": [arn]})
        ),
        "TargetGroupNotFound"
    );
}

#[test]
fn listeners_forward_to_their_target_groups() {
    let w = world();
    let (lb, tg) = (lb(&w, "web"), tg(&w, "app"));
    let out = listener(&w, &lb, &tg, 18080).unwrap();
    let l = &out["Listeners"][0];
    let larn = l["ListenerArn"].as_str().unwrap().to_owned();
    assert!(larn.contains(":listener/app/web/"));
    assert_eq!(l["DefaultActions"][0]["TargetGroupArn"], tg.as_str());
    // Same port, other action: DuplicateListener.
    let tg2 = tg_named(&w, "app2");
    assert_eq!(
        listener(&w, &lb, &tg2, 18080).unwrap_err().code,
        "DuplicateListener"
    );
    // Another load balancer cannot take the port on the shared data plane address.
    let lb2 = lb_named(&w, "web2");
    assert_eq!(
        listener(&w, &lb2, &tg, 18080).unwrap_err().code,
        "InvalidConfigurationRequest"
    );
    assert_eq!(
        listener(
            &w,
            &lb,
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/zz/0123456789abcdef",
            1
        )
        .unwrap_err()
        .code,
        "TargetGroupNotFound"
    );
    assert_eq!(
        code(
            &w,
            "CreateListener",
            json!({"LoadBalancerArn": lb, "Protocol": "HTTPS", "Port": 443, "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg}]})
        ),
        "CertificateNotFound"
    );
    // The target group is now in use.
    let d = ok(&w, "DescribeTargetGroups", json!({"LoadBalancerArn": lb}));
    assert_eq!(d["TargetGroups"][0]["LoadBalancerArns"], json!([lb]));
    assert_eq!(
        code(&w, "DeleteTargetGroup", json!({"TargetGroupArn": tg})),
        "ResourceInUse"
    );
    ok(
        &w,
        "RegisterTargets",
        json!({"TargetGroupArn": tg, "Targets": [{"Id": "127.0.0.1", "Port": 9001}]}),
    );
    let h = ok(&w, "DescribeTargetHealth", json!({"TargetGroupArn": tg}));
    assert_eq!(
        h["TargetHealthDescriptions"][0]["TargetHealth"]["State"],
        "initial"
    );
    let m = ok(
        &w,
        "ModifyListener",
        json!({"ListenerArn": larn, "Port": 18081}),
    );
    assert_eq!(m["Listeners"][0]["Port"], 18081);
    let d = ok(&w, "DescribeListeners", json!({"LoadBalancerArn": lb}));
    assert_eq!(d["Listeners"].as_array().unwrap().len(), 1);
    ok(&w, "DeleteListener", json!({"ListenerArn": larn}));
    assert_eq!(
        code(&w, "DescribeListeners", json!({"ListenerArns": [larn]})),
        "ListenerNotFound"
    );
    ok(&w, "DeleteTargetGroup", json!({"TargetGroupArn": tg}));
}

fn tg_named(w: &World, n: &str) -> String {
    tg(w, n)
}

fn lb_named(w: &World, n: &str) -> String {
    lb(w, n)
}

#[test]
fn deleting_a_load_balancer_removes_its_listeners() {
    let w = world();
    let (lb, tg) = (lb(&w, "web"), tg(&w, "app"));
    listener(&w, &lb, &tg, 18090).unwrap();
    ok(&w, "DeleteLoadBalancer", json!({"LoadBalancerArn": lb}));
    let index = w
        .env
        .store
        .scan(
            "system",
            crate::records::LISTENER_INDEX,
            &rampart_store::Scan::all(),
        )
        .unwrap();
    assert!(index.is_empty());
    ok(&w, "DeleteTargetGroup", json!({"TargetGroupArn": tg}));
}

#[test]
fn tags_round_trip() {
    let w = world();
    let lb = lb(&w, "web");
    ok(
        &w,
        "AddTags",
        json!({"ResourceArns": [lb], "Tags": [{"Key": "team", "Value": "a"}]}),
    );
    let d = ok(&w, "DescribeTags", json!({"ResourceArns": [lb]}));
    assert_eq!(
        d["TagDescriptions"][0]["Tags"],
        json!([{"Key": "team", "Value": "a"}])
    );
    ok(
        &w,
        "RemoveTags",
        json!({"ResourceArns": [lb], "TagKeys": ["team"]}),
    );
    let d = ok(&w, "DescribeTags", json!({"ResourceArns": [lb]}));
    assert_eq!(d["TagDescriptions"][0]["Tags"], json!([]));
    let gone = lb.replace("/web/", "/gone/");
    assert_eq!(
        code(
            &w,
            "AddTags",
            json!({"ResourceArns": [gone], "Tags": [{"Key": "k"}]})
        ),
        "LoadBalancerNotFound"
    );
}

#[test]
fn accesses_agree_with_the_sar() {
    let w = world();
    let (lb, tg) = (lb(&w, "web"), tg(&w, "app"));
    let l = listener(&w, &lb, &tg, 18100).unwrap();
    let larn = l["Listeners"][0]["ListenerArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let tags = json!([{"Key": "k", "Value": "v"}]);
    let cases = [
        ("CreateLoadBalancer", json!({"Name": "x", "Tags": tags})),
        ("CreateTargetGroup", json!({"Name": "x"})),
        ("CreateListener", json!({"LoadBalancerArn": lb})),
        ("DescribeLoadBalancers", json!({})),
        ("DescribeTargetGroups", json!({})),
        ("DescribeListeners", json!({})),
        ("DescribeTargetHealth", json!({"TargetGroupArn": tg})),
        ("DescribeTags", json!({})),
        ("DeleteLoadBalancer", json!({"LoadBalancerArn": lb})),
        ("DeleteTargetGroup", json!({"TargetGroupArn": tg})),
        ("RegisterTargets", json!({"TargetGroupArn": tg})),
        ("DeregisterTargets", json!({"TargetGroupArn": "junk"})),
        ("ModifyListener", json!({"ListenerArn": larn})),
        ("DeleteListener", json!({"ListenerArn": "junk"})),
        ("CreateRule", json!({"ListenerArn": larn})),
        ("CreateRule", json!({"ListenerArn": "junk"})),
        ("ModifyRule", json!({"RuleArn": RULE})),
        ("ModifyRule", json!({"RuleArn": "junk"})),
        ("DeleteRule", json!({"RuleArn": RULE})),
        (
            "SetRulePriorities",
            json!({"RulePriorities": [{"RuleArn": RULE, "Priority": 1}]}),
        ),
        ("SetRulePriorities", json!({})),
        ("DescribeRules", json!({})),
        ("DescribeSSLPolicies", json!({})),
        ("DescribeListenerCertificates", json!({"ListenerArn": larn})),
        ("AddListenerCertificates", json!({"ListenerArn": larn})),
        ("RemoveListenerCertificates", json!({"ListenerArn": "junk"})),
        // The catalog keeps ELB classic's resource types for AddTags/RemoveTags (both
        // versions share the prefix), so only load balancer ARNs are checked here; target
        // groups and listeners are tagged under their own ARNs, as the v2 SAR lists.
        ("AddTags", json!({"ResourceArns": [lb], "Tags": tags})),
        (
            "RemoveTags",
            json!({"ResourceArns": [lb], "TagKeys": ["k"]}),
        ),
    ];
    for (op, input) in cases {
        let accesses = w.accesses(&w.root(), "elbv2", op, &input).unwrap();
        assert!(!accesses.is_empty(), "{op}");
        for a in &accesses {
            assert_eq!(sar_violation(a), None, "{op}");
        }
    }
    let create = w
        .accesses(
            &w.root(),
            "elbv2",
            "CreateLoadBalancer",
            &json!({"Name": "x", "Tags": tags}),
        )
        .unwrap();
    assert_eq!(create[1].action, "elasticloadbalancing:AddTags");
}

#[test]
fn deleting_a_load_balancer_removes_its_web_acl_association() {
    let w = World::new(|r| {
        crate::register(r);
        rampart_svc_waf::register(r);
    });
    let arn = lb(&w, "guarded");
    let vis = json!({"SampledRequestsEnabled": false, "CloudWatchMetricsEnabled": false, "MetricName": "acl"});
    let acl = w
        .call_as(
            &w.root(),
            "wafv2",
            "CreateWebACL",
            json!({"Name": "acl", "Scope": "REGIONAL", "DefaultAction": {"Allow": {}}, "VisibilityConfig": vis}),
        )
        .unwrap()["Summary"]["ARN"]
        .as_str()
        .unwrap()
        .to_owned();
    let waf = |op: &str, input: Value| w.call_as(&w.root(), "wafv2", op, input).unwrap();
    waf(
        "AssociateWebACL",
        json!({"WebACLArn": acl, "ResourceArn": arn}),
    );
    let got = waf("GetWebACLForResource", json!({"ResourceArn": arn}));
    assert_eq!(got["WebACL"]["ARN"], acl.as_str());
    ok(&w, "DeleteLoadBalancer", json!({"LoadBalancerArn": arn}));
    assert_eq!(
        waf("GetWebACLForResource", json!({"ResourceArn": arn})),
        json!({})
    );
    let listed = waf("ListResourcesForWebACL", json!({"WebACLArn": acl}));
    assert_eq!(listed["ResourceArns"], json!([]));
}

#[test]
fn listener_rules_lifecycle() {
    let w = world();
    let lb = lb(&w, "rules");
    let tg = tg(&w, "rules-tg");
    let l = listener(&w, &lb, &tg, 8081).unwrap()["Listeners"][0]["ListenerArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let fixed = json!([{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "418"}}]);
    let path = |p: &str| json!([{"Field": "path-pattern", "Values": [p]}]);
    let create = |prio: i64, p: &str| {
        call(
            &w,
            "CreateRule",
            json!({"ListenerArn": l, "Priority": prio, "Conditions": path(p), "Actions": fixed}),
        )
    };
    let r10 = create(10, "/tea/*").unwrap()["Rules"][0].clone();
    assert_eq!(r10["Priority"], "10");
    assert_eq!(r10["IsDefault"], false);
    assert_eq!(
        r10["Conditions"][0]["PathPatternConfig"]["Values"][0],
        "/tea/*"
    );
    let arn10 = r10["RuleArn"].as_str().unwrap().to_owned();
    assert!(arn10.contains(":listener-rule/app/rules/"));
    assert_eq!(create(10, "/x").unwrap_err().code, "PriorityInUse");
    assert_eq!(create(0, "/x").unwrap_err().code, "ValidationError");
    assert_eq!(create(50001, "/x").unwrap_err().code, "ValidationError");
    let r20 = create(20, "/coffee").unwrap()["Rules"][0]["RuleArn"]
        .as_str()
        .unwrap()
        .to_owned();
    // A forward action to a group that does not exist; a redirect to itself.
    let bad_tg = call(
        &w,
        "CreateRule",
        json!({"ListenerArn": l, "Priority": 30, "Conditions": path("/a"),
        "Actions": [{"Type": "forward", "TargetGroupArn": tg.replace("rules-tg", "nope")}]}),
    );
    assert_eq!(bad_tg.unwrap_err().code, "TargetGroupNotFound");
    let loop_ = call(
        &w,
        "CreateRule",
        json!({"ListenerArn": l, "Priority": 30, "Conditions": path("/a"),
        "Actions": [{"Type": "redirect", "RedirectConfig": {"StatusCode": "HTTP_301"}}]}),
    );
    assert_eq!(loop_.unwrap_err().code, "InvalidLoadBalancerAction");
    let redirect = ok(
        &w,
        "CreateRule",
        json!({"ListenerArn": l, "Priority": 30, "Conditions": path("/old"),
        "Actions": [{"Type": "redirect", "RedirectConfig": {"Path": "/new", "StatusCode": "HTTP_302"}}]}),
    );
    assert_eq!(
        redirect["Rules"][0]["Actions"][0]["RedirectConfig"]["Host"],
        "#{host}"
    );

    let all = ok(&w, "DescribeRules", json!({"ListenerArn": l}))["Rules"].clone();
    let prios: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Priority"].as_str().unwrap())
        .collect();
    assert_eq!(prios, ["10", "20", "30", "default"]);
    let default_arn = all[3]["RuleArn"].as_str().unwrap().to_owned();
    assert_eq!(all[3]["IsDefault"], true);
    assert_eq!(
        code(&w, "DeleteRule", json!({"RuleArn": default_arn})),
        "OperationNotPermitted"
    );
    // The default rule's actions can change; it cannot get conditions.
    ok(
        &w,
        "ModifyRule",
        json!({"RuleArn": default_arn, "Actions": fixed}),
    );
    let l_now = ok(&w, "DescribeListeners", json!({"ListenerArns": [l]}));
    assert_eq!(
        l_now["Listeners"][0]["DefaultActions"][0]["Type"],
        "fixed-response"
    );
    assert_eq!(
        code(
            &w,
            "ModifyRule",
            json!({"RuleArn": default_arn, "Conditions": path("/x")})
        ),
        "OperationNotPermitted"
    );
    let m = ok(
        &w,
        "ModifyRule",
        json!({"RuleArn": arn10, "Conditions": path("/green-tea")}),
    );
    assert_eq!(m["Rules"][0]["Conditions"][0]["Values"][0], "/green-tea");

    // Swapping priorities in one call is fine; colliding with a third rule is not.
    let swapped = ok(
        &w,
        "SetRulePriorities",
        json!({"RulePriorities": [
        {"RuleArn": arn10, "Priority": 20}, {"RuleArn": r20, "Priority": 10}]}),
    );
    assert_eq!(swapped["Rules"].as_array().unwrap().len(), 2);
    assert_eq!(
        code(
            &w,
            "SetRulePriorities",
            json!({"RulePriorities": [{"RuleArn": arn10, "Priority": 30}]})
        ),
        "PriorityInUse"
    );
    assert_eq!(
        code(
            &w,
            "SetRulePriorities",
            json!({"RulePriorities": [{"RuleArn": default_arn, "Priority": 5}]})
        ),
        "OperationNotPermitted"
    );
    let one = ok(&w, "DescribeRules", json!({"RuleArns": [r20]}));
    assert_eq!(one["Rules"][0]["Priority"], "10");
    ok(&w, "DeleteRule", json!({"RuleArn": r20}));
    assert_eq!(
        code(&w, "DescribeRules", json!({"RuleArns": [r20]})),
        "RuleNotFound"
    );
    assert_eq!(
        code(&w, "DeleteRule", json!({"RuleArn": r20})),
        "RuleNotFound"
    );
}

#[test]
fn too_many_rules_per_load_balancer() {
    let w = world();
    let lb = lb(&w, "many");
    let tg = tg(&w, "many-tg");
    let l = listener(&w, &lb, &tg, 8082).unwrap()["Listeners"][0]["ListenerArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let mk = |p: i64| {
        call(
            &w,
            "CreateRule",
            json!({"ListenerArn": l, "Priority": p,
            "Conditions": [{"Field": "path-pattern", "Values": [format!("/{p}")]}],
            "Actions": [{"Type": "forward", "TargetGroupArn": tg}]}),
        )
    };
    for p in 1..=100 {
        mk(p).unwrap();
    }
    assert_eq!(mk(101).unwrap_err().code, "TooManyRules");
    // A target group a rule forwards to is in use.
    assert_eq!(
        code(&w, "DeleteTargetGroup", json!({"TargetGroupArn": tg})),
        "ResourceInUse"
    );
}

/// Knows one IAM server certificate (no real key: the control plane only asks whether it exists).
struct OneCertificate;

const CERT_ARN: &str = "arn:aws:iam::123456789012:server-certificate/web";
const OTHER_CERT_ARN: &str = "arn:aws:iam::123456789012:server-certificate/web-2";

impl rampart_service::ServerCertificates for OneCertificate {
    fn server_certificate(&self, arn: &str) -> Option<rampart_service::ServerCertificate> {
        [CERT_ARN, OTHER_CERT_ARN]
            .contains(&arn)
            .then(|| rampart_service::ServerCertificate {
                chain_pem: String::new(),
                private_key_pem: zeroize::Zeroizing::new(String::new()),
            })
    }
}

#[test]
fn https_listeners_take_iam_certificates_and_known_policies() {
    let mut w = world();
    w.env.certificates = std::sync::Arc::new(OneCertificate);
    let lb = lb(&w, "secure");
    let tg = tg(&w, "secure-tg");
    let https = |cert: &str, policy: Option<&str>| {
        let mut input = json!({"LoadBalancerArn": lb, "Protocol": "HTTPS", "Port": 8443,
            "Certificates": [{"CertificateArn": cert}],
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg}]});
        if let Some(p) = policy {
            input["SslPolicy"] = json!(p);
        }
        call(&w, "CreateListener", input)
    };
    let acm = https(
        "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-0000-0000-000000000000",
        None,
    )
    .unwrap_err();
    assert_eq!(acm.code, "CertificateNotFound");
    assert!(acm.message.contains("ACM"));
    assert_eq!(
        https("arn:aws:iam::123456789012:server-certificate/nope", None)
            .unwrap_err()
            .code,
        "CertificateNotFound"
    );
    assert_eq!(
        https(CERT_ARN, Some("ELBSecurityPolicy-Nope"))
            .unwrap_err()
            .code,
        "SSLPolicyNotFound"
    );
    let l = https(CERT_ARN, None).unwrap()["Listeners"][0].clone();
    assert_eq!(l["Protocol"], "HTTPS");
    assert_eq!(l["SslPolicy"], "ELBSecurityPolicy-TLS13-1-2-2021-06");
    assert_eq!(l["Certificates"], json!([{"CertificateArn": CERT_ARN}]));
    let arn = l["ListenerArn"].as_str().unwrap().to_owned();

    let added = ok(
        &w,
        "AddListenerCertificates",
        json!({"ListenerArn": arn, "Certificates": [{"CertificateArn": OTHER_CERT_ARN}]}),
    );
    assert_eq!(added["Certificates"][0]["IsDefault"], false);
    let listed = ok(
        &w,
        "DescribeListenerCertificates",
        json!({"ListenerArn": arn}),
    );
    assert_eq!(
        listed["Certificates"],
        json!([{"CertificateArn": CERT_ARN, "IsDefault": true},
               {"CertificateArn": OTHER_CERT_ARN, "IsDefault": false}])
    );
    assert_eq!(
        code(
            &w,
            "RemoveListenerCertificates",
            json!({"ListenerArn": arn, "Certificates": [{"CertificateArn": CERT_ARN}]})
        ),
        "OperationNotPermitted"
    );
    ok(
        &w,
        "RemoveListenerCertificates",
        json!({"ListenerArn": arn, "Certificates": [{"CertificateArn": OTHER_CERT_ARN}]}),
    );
    // ModifyListener swaps the default certificate and the policy.
    let m = ok(
        &w,
        "ModifyListener",
        json!({"ListenerArn": arn, "Certificates": [{"CertificateArn": OTHER_CERT_ARN}],
               "SslPolicy": "ELBSecurityPolicy-TLS13-1-3-2021-06"}),
    );
    assert_eq!(
        m["Listeners"][0]["Certificates"][0]["CertificateArn"],
        OTHER_CERT_ARN
    );
    assert_eq!(
        m["Listeners"][0]["SslPolicy"],
        "ELBSecurityPolicy-TLS13-1-3-2021-06"
    );
    // Back to HTTP: no certificates, no policy.
    let m = ok(
        &w,
        "ModifyListener",
        json!({"ListenerArn": arn, "Protocol": "HTTP"}),
    );
    assert!(m["Listeners"][0].get("Certificates").is_none());
    assert!(m["Listeners"][0].get("SslPolicy").is_none());
    let policies = ok(
        &w,
        "DescribeSSLPolicies",
        json!({"Names": ["ELBSecurityPolicy-2016-08"]}),
    );
    assert_eq!(
        policies["SslPolicies"][0]["SslProtocols"],
        json!(["TLSv1", "TLSv1.1", "TLSv1.2"])
    );
    assert_eq!(
        code(&w, "DescribeSSLPolicies", json!({"Names": ["x"]})),
        "SSLPolicyNotFound"
    );
}

#[test]
fn listener_rules_carry_tags() {
    let w = world();
    let lb = lb(&w, "tagged");
    let tg = tg(&w, "tagged-tg");
    let l = listener(&w, &lb, &tg, 8083).unwrap()["Listeners"][0]["ListenerArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let rule = |p: i64| {
        ok(
            &w,
            "CreateRule",
            json!({"ListenerArn": l, "Priority": p,
            "Conditions": [{"Field": "path-pattern", "Values": [format!("/{p}")]}],
            "Actions": [{"Type": "forward", "TargetGroupArn": tg}],
            "Tags": [{"Key": "team", "Value": "web"}]}),
        )["Rules"][0]["RuleArn"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (a, b) = (rule(1), rule(2));
    ok(
        &w,
        "AddTags",
        json!({"ResourceArns": [a, b], "Tags": [{"Key": "env", "Value": "prod"}]}),
    );
    ok(
        &w,
        "RemoveTags",
        json!({"ResourceArns": [b], "TagKeys": ["team"]}),
    );
    let d = ok(&w, "DescribeTags", json!({"ResourceArns": [a, b, l]}));
    let tags = |i: usize| d["TagDescriptions"][i]["Tags"].clone();
    assert_eq!(
        tags(0),
        json!([{"Key": "team", "Value": "web"}, {"Key": "env", "Value": "prod"}])
    );
    assert_eq!(tags(1), json!([{"Key": "env", "Value": "prod"}]));
    assert_eq!(tags(2), json!([]));
    let gone = a.replace(&a[a.len() - 16..], "0000000000000000");
    assert_eq!(
        code(&w, "DescribeTags", json!({"ResourceArns": [gone]})),
        "RuleNotFound"
    );
}
