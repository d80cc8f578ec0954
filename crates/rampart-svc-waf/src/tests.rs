//! The control plane through its registered operations, in a test world.

use rampart_protocol::AwsError;
use rampart_service::testkit::{World, sar_violation};
use serde_json::{Value, json};

fn world() -> World {
    World::new(crate::register)
}

fn call(w: &World, op: &str, input: Value) -> Result<Value, AwsError> {
    let root = w.root();
    // Every access the table asks must agree with the Service Authorization Reference.
    for a in w.accesses(&root, "wafv2", op, &input).unwrap() {
        assert_eq!(sar_violation(&a), None, "{op}: {a:?}");
    }
    w.call_as(&root, "wafv2", op, input)
}

fn ok(w: &World, op: &str, input: Value) -> Value {
    call(w, op, input).unwrap_or_else(|e| panic!("{op}: {e:?}"))
}

fn code(w: &World, op: &str, input: Value) -> String {
    call(w, op, input).unwrap_err().code.to_string()
}

fn field(e: &AwsError) -> &Value {
    &e.extra.iter().find(|(k, _)| k == "Field").unwrap().1
}

fn visibility(name: &str) -> Value {
    json!({"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": name})
}

fn ip_set(w: &World, name: &str, addresses: &[&str]) -> Value {
    ok(
        w,
        "CreateIPSet",
        json!({"Name": name, "Scope": "REGIONAL",
        "IPAddressVersion": "IPV4", "Addresses": addresses}),
    )["Summary"]
        .clone()
}

fn ip_rule(name: &str, priority: i64, arn: &Value) -> Value {
    json!({"Name": name, "Priority": priority, "Action": {"Block": {}},
        "VisibilityConfig": visibility(name),
        "Statement": {"IPSetReferenceStatement": {"ARN": arn}}})
}

fn rate_rule(priority: i64) -> Value {
    json!({"Name": "rate", "Priority": priority, "Action": {"Block": {}},
        "VisibilityConfig": visibility("rate"),
        "Statement": {"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "IP"}}})
}

fn managed_rule(priority: i64) -> Value {
    json!({"Name": "sqli", "Priority": priority, "OverrideAction": {"None": {}},
        "VisibilityConfig": visibility("sqli"),
        "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS",
            "Name": "AWSManagedRulesSQLiRuleSet"}}})
}

fn web_acl(w: &World, name: &str, rules: Value) -> Value {
    ok(
        w,
        "CreateWebACL",
        json!({"Name": name, "Scope": "REGIONAL",
        "DefaultAction": {"Allow": {}}, "VisibilityConfig": visibility(name), "Rules": rules}),
    )["Summary"]
        .clone()
}

const ALB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-lb/50dc6c495c0c9188";

#[test]
fn every_operation_has_an_authorization_rule() {
    assert_eq!(world().operations_without_rules(), Vec::<String>::new());
}

#[test]
fn ip_set_lifecycle_with_lock_tokens() {
    let w = world();
    let s = ip_set(&w, "office", &["192.0.2.0/24", "198.51.100.7/32"]);
    let id = s["Id"].as_str().unwrap();
    assert_eq!(
        s["ARN"],
        format!("arn:aws:wafv2:us-east-1:123456789012:regional/ipset/office/{id}")
    );
    crate::input::uuid(id, "ID").unwrap();
    let named = json!({"Name": "office", "Scope": "REGIONAL", "Id": id});
    let got = ok(&w, "GetIPSet", named.clone());
    assert_eq!(
        got["IPSet"]["Addresses"],
        json!(["192.0.2.0/24", "198.51.100.7/32"])
    );
    assert_eq!(got["LockToken"], s["LockToken"]);

    let mut update = named.clone();
    update["Addresses"] = json!(["203.0.113.0/24"]);
    update["LockToken"] = got["LockToken"].clone();
    let next = ok(&w, "UpdateIPSet", update.clone())["NextLockToken"].clone();
    assert_ne!(next, got["LockToken"]);
    // The old token is stale now.
    assert_eq!(
        code(&w, "UpdateIPSet", update.clone()),
        "WAFOptimisticLockException"
    );
    let mut del = named.clone();
    del["LockToken"] = got["LockToken"].clone();
    assert_eq!(
        code(&w, "DeleteIPSet", del.clone()),
        "WAFOptimisticLockException"
    );
    assert_eq!(
        ok(&w, "GetIPSet", named.clone())["IPSet"]["Addresses"],
        json!(["203.0.113.0/24"])
    );
    del["LockToken"] = next;
    ok(&w, "DeleteIPSet", del);
    assert_eq!(code(&w, "GetIPSet", named), "WAFNonexistentItemException");
}

#[test]
fn ip_set_validation() {
    let w = world();
    ip_set(&w, "a", &["10.0.0.0/8"]);
    assert_eq!(
        code(
            &w,
            "CreateIPSet",
            json!({"Name": "a", "Scope": "REGIONAL",
            "IPAddressVersion": "IPV4", "Addresses": []})
        ),
        "WAFDuplicateItemException"
    );
    // Each is WAFInvalidParameterException naming the offending field.
    let invalid = [
        ("b", "REGIONAL", "IPV4", "10.0.0.300/32", "IP_ADDRESS"),
        ("b", "REGIONAL", "IPV6", "10.0.0.0/8", "IP_ADDRESS"),
        ("b c", "REGIONAL", "IPV4", "", "IP_SET"),
        ("b", "GLOBAL", "IPV4", "", "SCOPE_VALUE"),
    ];
    for (name, scope, version, address, wanted) in invalid {
        let addresses: Vec<&str> = [address].into_iter().filter(|a| !a.is_empty()).collect();
        let e = call(
            &w,
            "CreateIPSet",
            json!({"Name": name, "Scope": scope,
            "IPAddressVersion": version, "Addresses": addresses}),
        )
        .unwrap_err();
        assert_eq!(e.code, "WAFInvalidParameterException", "{name} {address}");
        assert_eq!(field(&e), wanted, "{name} {address}");
    }
    let many: Vec<String> = (0..10_001u32)
        .map(|i| format!("10.{}.{}.0/24", i / 256, i % 256))
        .collect();
    // 10,000 addresses are accepted, 10,001 are not.
    ok(
        &w,
        "CreateIPSet",
        json!({"Name": "big", "Scope": "REGIONAL",
        "IPAddressVersion": "IPV4", "Addresses": many[..10_000]}),
    );
    assert_eq!(
        code(
            &w,
            "CreateIPSet",
            json!({"Name": "bigger", "Scope": "REGIONAL",
            "IPAddressVersion": "IPV4", "Addresses": many})
        ),
        "WAFLimitsExceededException"
    );
}

#[test]
fn cloudfront_scope_only_in_us_east_1() {
    let w = world();
    let input = json!({"Name": "cf", "Scope": "CLOUDFRONT", "IPAddressVersion": "IPV4",
        "Addresses": ["192.0.2.0/24"]});
    let s = ok(&w, "CreateIPSet", input.clone());
    assert!(
        s["Summary"]["ARN"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:wafv2:us-east-1:123456789012:global/ipset/cf/")
    );
    let e = w
        .call_in(&w.root(), "us-west-2", "wafv2", "CreateIPSet", input)
        .unwrap_err();
    assert_eq!(field(&e), "SCOPE_VALUE");
    // Regional and CloudFront names do not collide; lists are per scope.
    ip_set(&w, "cf", &["192.0.2.0/24"]);
    let list = ok(&w, "ListIPSets", json!({"Scope": "CLOUDFRONT"}));
    assert_eq!(list["IPSets"].as_array().unwrap().len(), 1);
}

#[test]
fn lists_page_with_markers() {
    let w = world();
    for i in 0..5 {
        ip_set(&w, &format!("s{i}"), &["192.0.2.0/24"]);
    }
    let mut seen = Vec::new();
    let mut marker: Option<Value> = None;
    loop {
        let mut input = json!({"Scope": "REGIONAL", "Limit": 2});
        if let Some(m) = &marker {
            input["NextMarker"] = m.clone();
        }
        let page = ok(&w, "ListIPSets", input);
        for s in page["IPSets"].as_array().unwrap() {
            seen.push(s["Name"].as_str().unwrap().to_owned());
            assert!(s["LockToken"].is_string() && s["ARN"].is_string());
        }
        match page.get("NextMarker") {
            Some(m) => marker = Some(m.clone()),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ["s0", "s1", "s2", "s3", "s4"]);
    assert_eq!(
        code(&w, "ListIPSets", json!({"Scope": "REGIONAL", "Limit": 101})),
        "WAFInvalidParameterException"
    );
}

#[test]
fn regex_pattern_sets() {
    let w = world();
    let s = ok(
        &w,
        "CreateRegexPatternSet",
        json!({"Name": "paths", "Scope": "REGIONAL",
        "Description": "admin paths", "RegularExpressionList": [{"RegexString": "^/admin"}]}),
    )["Summary"]
        .clone();
    assert_eq!(s["Description"], "admin paths");
    let got = ok(
        &w,
        "GetRegexPatternSet",
        json!({"Name": "paths", "Scope": "REGIONAL", "Id": s["Id"]}),
    );
    assert_eq!(
        got["RegexPatternSet"]["RegularExpressionList"],
        json!([{"RegexString": "^/admin"}])
    );
    let e = call(
        &w,
        "CreateRegexPatternSet",
        json!({"Name": "bad", "Scope": "REGIONAL",
        "RegularExpressionList": [{"RegexString": "(a)\\1"}]}),
    )
    .unwrap_err();
    assert_eq!(e.code, "WAFInvalidParameterException");
    assert_eq!(field(&e), "REGEX_PATTERN_SET");
    let eleven: Vec<Value> = (0..11)
        .map(|i| json!({"RegexString": format!("a{i}")}))
        .collect();
    assert_eq!(
        code(
            &w,
            "CreateRegexPatternSet",
            json!({"Name": "many", "Scope": "REGIONAL",
            "RegularExpressionList": eleven})
        ),
        "WAFLimitsExceededException"
    );
    let upd = ok(
        &w,
        "UpdateRegexPatternSet",
        json!({"Name": "paths", "Scope": "REGIONAL",
        "Id": s["Id"], "LockToken": got["LockToken"],
        "RegularExpressionList": [{"RegexString": "^/wp-admin"}]}),
    );
    assert!(upd["NextLockToken"].is_string());
    let list = ok(&w, "ListRegexPatternSets", json!({"Scope": "REGIONAL"}));
    assert_eq!(list["RegexPatternSets"][0]["Name"], "paths");
}

#[test]
fn rule_group_capacity_is_declared_and_checked() {
    let w = world();
    let ips = ip_set(&w, "bad", &["192.0.2.0/24"]);
    let sqli = json!({"Name": "sqli", "Priority": 1, "Action": {"Block": {}},
        "VisibilityConfig": visibility("sqli"), "RuleLabels": [{"Name": "sqli:found"}],
        "Statement": {"SqliMatchStatement": {"FieldToMatch": {"QueryString": {}},
            "TextTransformations": [{"Priority": 0, "Type": "URL_DECODE"}]}}});
    let rules = json!([ip_rule("ip", 0, &ips["ARN"]), sqli]);
    // An IP set reference costs 1 WCU, SQLi at LOW sensitivity 20, +10 for its transformation,
    // and rule labels 1 per 5.
    assert_eq!(
        ok(
            &w,
            "CheckCapacity",
            json!({"Scope": "REGIONAL", "Rules": rules})
        )["Capacity"],
        32
    );
    // AWS: "Error reason: You exceeded the capacity limit for a rule group or web ACL.,
    // field: RULE_GROUP, parameter: <WCU needed>".
    let e = call(
        &w,
        "CreateRuleGroup",
        json!({"Name": "g", "Scope": "REGIONAL", "Capacity": 31,
        "VisibilityConfig": visibility("g"), "Rules": rules}),
    )
    .unwrap_err();
    assert_eq!(e.code, "WAFInvalidParameterException");
    assert_eq!(
        e.message,
        "Error reason: You exceeded the capacity limit for a rule group or web ACL., field: RULE_GROUP, parameter: 32"
    );
    let g = ok(
        &w,
        "CreateRuleGroup",
        json!({"Name": "g", "Scope": "REGIONAL", "Capacity": 50,
        "VisibilityConfig": visibility("g"), "Rules": rules}),
    )["Summary"]
        .clone();
    let got = ok(&w, "GetRuleGroup", json!({"ARN": g["ARN"]}));
    let group = &got["RuleGroup"];
    assert_eq!(group["Capacity"], 50);
    assert_eq!(group["LabelNamespace"], "awswaf:123456789012:rulegroup:g:");
    assert_eq!(
        group["AvailableLabels"],
        json!([{"Name": "awswaf:123456789012:rulegroup:g:sqli:found"}])
    );
    assert_eq!(group["Rules"].as_array().unwrap().len(), 2);
    // Rule groups cannot hold managed groups.
    let e = call(
        &w,
        "CreateRuleGroup",
        json!({"Name": "h", "Scope": "REGIONAL", "Capacity": 500,
        "VisibilityConfig": visibility("h"), "Rules": [managed_rule(0)]}),
    )
    .unwrap_err();
    assert_eq!(e.code, "WAFInvalidParameterException");
    // The IP set is in use by the group.
    let ip_id = ips["Id"].clone();
    let token = ok(
        &w,
        "GetIPSet",
        json!({"Name": "bad", "Scope": "REGIONAL", "Id": ip_id}),
    )["LockToken"]
        .clone();
    assert_eq!(
        code(
            &w,
            "DeleteIPSet",
            json!({"Name": "bad", "Scope": "REGIONAL", "Id": ip_id, "LockToken": token})
        ),
        "WAFAssociatedItemException"
    );
    // Update keeps the declared capacity.
    let next = ok(
        &w,
        "UpdateRuleGroup",
        json!({"Name": "g", "Scope": "REGIONAL", "Id": g["Id"],
        "LockToken": got["LockToken"], "VisibilityConfig": visibility("g"), "Rules": []}),
    );
    assert!(next["NextLockToken"].is_string());
    ok(
        &w,
        "DeleteIPSet",
        json!({"Name": "bad", "Scope": "REGIONAL", "Id": ip_id, "LockToken": token}),
    );
}

#[test]
fn web_acl_with_rate_based_and_managed_rules() {
    let w = world();
    let ips = ip_set(&w, "blocked", &["192.0.2.0/24"]);
    let rules = json!([ip_rule("ip", 0, &ips["ARN"]), rate_rule(1), managed_rule(2)]);
    // IP set 1 + rate-based 2 + the SQL database group's declared 200.
    assert_eq!(
        ok(
            &w,
            "CheckCapacity",
            json!({"Scope": "REGIONAL", "Rules": rules})
        )["Capacity"],
        203
    );
    let acl = web_acl(&w, "app", rules);
    let id = acl["Id"].as_str().unwrap();
    assert_eq!(
        acl["ARN"],
        format!("arn:aws:wafv2:us-east-1:123456789012:regional/webacl/app/{id}")
    );
    let got = ok(
        &w,
        "GetWebACL",
        json!({"Name": "app", "Scope": "REGIONAL", "Id": id}),
    );
    let a = &got["WebACL"];
    assert_eq!(a["Capacity"], 203);
    assert_eq!(a["LabelNamespace"], "awswaf:123456789012:webacl:app:");
    assert_eq!(a["DefaultAction"], json!({"Allow": {}}));
    assert_eq!(
        a["Rules"][1]["Statement"]["RateBasedStatement"]["Limit"],
        100
    );
    assert_eq!(
        ok(&w, "GetWebACL", json!({"ARN": acl["ARN"]}))["LockToken"],
        got["LockToken"]
    );

    // Updating with the current token works once.
    let update = json!({"Name": "app", "Scope": "REGIONAL", "Id": id, "LockToken": got["LockToken"],
        "DefaultAction": {"Block": {}}, "VisibilityConfig": visibility("app"),
        "TokenDomains": ["example.com"], "Rules": [rate_rule(0)]});
    ok(&w, "UpdateWebACL", update.clone());
    assert_eq!(
        code(&w, "UpdateWebACL", update),
        "WAFOptimisticLockException"
    );
    let now = &ok(&w, "GetWebACL", json!({"ARN": acl["ARN"]}))["WebACL"];
    assert_eq!(now["Capacity"], 2);
    assert_eq!(now["TokenDomains"], json!(["example.com"]));
}

#[test]
fn web_acl_rules_are_validated_by_the_engine() {
    let w = world();
    let missing = "arn:aws:wafv2:us-east-1:123456789012:regional/ipset/nope/a1b2c3d4-5678-90ab-cdef-0123456789ab";
    let create = |rules: Value| {
        call(
            &w,
            "CreateWebACL",
            json!({"Name": "x", "Scope": "REGIONAL",
            "DefaultAction": {"Allow": {}}, "VisibilityConfig": visibility("x"), "Rules": rules}),
        )
    };
    assert_eq!(
        create(json!([ip_rule("ip", 0, &json!(missing))]))
            .unwrap_err()
            .code,
        "WAFNonexistentItemException"
    );
    let e = create(json!([{"Name": "r", "Priority": 0, "Action": {"Block": {}},
        "VisibilityConfig": visibility("r"),
        "Statement": {"ByteMatchStatement": {"FieldToMatch": {"UriPath": {}},
            "PositionalConstraint": "SOMEWHERE", "SearchString": "YWRtaW4=",
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}}]))
    .unwrap_err();
    assert_eq!(e.code, "WAFInvalidParameterException");
    let e = create(
        json!([rate_rule(0), {"Name": "rate", "Priority": 1, "Action": {"Block": {}},
        "VisibilityConfig": visibility("r2"),
        "Statement": {"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "IP"}}}]),
    )
    .unwrap_err();
    assert_eq!(field(&e), "RULE");
    assert_eq!(
        create(json!([{"Name": "m", "Priority": 0, "OverrideAction": {"None": {}},
            "VisibilityConfig": visibility("m"),
            "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "NoSuchGroup"}}}]))
        .unwrap_err()
        .code,
        "WAFNonexistentItemException"
    );
    // Above 5,000 WCU: eight core rule sets of 700.
    let more: Vec<Value> = (0..8)
        .map(|i| {
            json!({"Name": format!("c{i}"), "Priority": 10 + i, "OverrideAction": {"None": {}},
            "VisibilityConfig": visibility("c"),
            "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS",
                "Name": "AWSManagedRulesCommonRuleSet"}}})
        })
        .collect();
    let e = create(json!(more)).unwrap_err();
    assert_eq!(e.code, "WAFInvalidParameterException");
    assert_eq!(field(&e), "WEB_ACL");
    assert_eq!(e.extra[1].1, "5600");
    let e = call(
        &w,
        "CreateWebACL",
        json!({"Name": "y", "Scope": "REGIONAL",
        "DefaultAction": {"Allow": {}}, "VisibilityConfig": visibility("bad name")}),
    );
    assert_eq!(field(&e.unwrap_err()), "METRIC_NAME");
    let e = call(
        &w,
        "CreateWebACL",
        json!({"Name": "z", "Scope": "REGIONAL", "DefaultAction": {"Allow": {}},
            "VisibilityConfig": visibility("z"), "AssociationConfig": {"RequestBody": {
                "CLOUDFRONT": {"DefaultSizeInspectionLimit": "KB_128"}}}}),
    );
    assert_eq!(field(&e.unwrap_err()), "ASSOCIATED_RESOURCE_TYPE");
}

#[test]
fn associations_protect_load_balancers() {
    let w = world();
    let acl = web_acl(&w, "app", json!([rate_rule(0)]));
    let arn = acl["ARN"].clone();
    ok(
        &w,
        "AssociateWebACL",
        json!({"WebACLArn": arn, "ResourceArn": ALB}),
    );
    let accesses = w
        .accesses(
            &w.root(),
            "wafv2",
            "AssociateWebACL",
            &json!({"WebACLArn": arn, "ResourceArn": ALB}),
        )
        .unwrap();
    let actions: Vec<(&str, &str)> = accesses
        .iter()
        .map(|a| (a.action.as_str(), a.resource.as_str()))
        .collect();
    assert!(actions.contains(&("elasticloadbalancing:SetWebAcl", "*")));
    assert!(actions.contains(&("wafv2:AssociateWebACL", ALB)));
    assert_eq!(
        ok(&w, "GetWebACLForResource", json!({"ResourceArn": ALB}))["WebACL"]["ARN"],
        arn
    );
    assert_eq!(
        ok(&w, "ListResourcesForWebACL", json!({"WebACLArn": arn}))["ResourceArns"],
        json!([ALB])
    );
    let get = ok(&w, "GetWebACL", json!({"ARN": arn}));
    let del =
        json!({"Name": "app", "Scope": "REGIONAL", "Id": acl["Id"], "LockToken": get["LockToken"]});
    assert_eq!(
        code(&w, "DeleteWebACL", del.clone()),
        "WAFAssociatedItemException"
    );
    ok(&w, "DisassociateWebACL", json!({"ResourceArn": ALB}));
    assert_eq!(
        ok(&w, "GetWebACLForResource", json!({"ResourceArn": ALB})),
        json!({})
    );
    ok(&w, "DeleteWebACL", del);
    assert_eq!(
        code(
            &w,
            "AssociateWebACL",
            json!({"WebACLArn": arn, "ResourceArn": ALB})
        ),
        "WAFNonexistentItemException"
    );
    let e = call(&w, "AssociateWebACL", json!({"WebACLArn": arn,
        "ResourceArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/n/50dc6c495c0c9188"}))
    .unwrap_err();
    assert_eq!(field(&e), "RESOURCE_ARN");
}

#[test]
fn evaluators_compile_the_protecting_acl_and_follow_changes() {
    use rampart_waf::{ActionKind, NoGeo, RateTracker, Request, evaluate};
    use std::sync::Arc;
    let w = world();
    let ips = ip_set(&w, "blocked", &["192.0.2.0/24"]);
    let acl = web_acl(&w, "app", json!([ip_rule("ip", 0, &ips["ARN"])]));
    let evaluators = crate::Evaluators::new(Arc::new(NoGeo));
    let store = w.env.store.as_ref();
    assert!(evaluators.for_resource(store, ALB).unwrap().is_none());
    ok(
        &w,
        "AssociateWebACL",
        json!({"WebACLArn": acl["ARN"], "ResourceArn": ALB}),
    );
    let p = evaluators.for_resource(store, ALB).unwrap().unwrap();
    assert_eq!(p.web_acl_arn, acl["ARN"]);
    let again = evaluators.for_resource(store, ALB).unwrap().unwrap();
    assert!(
        Arc::ptr_eq(&p.acl, &again.acl),
        "cached while nothing changes"
    );
    let mut rate = RateTracker::default();
    let from = |ip: &str| Request::new("GET", b"/", ip.parse().unwrap()).with_header("Host", "x");
    assert_eq!(
        evaluate(&p.acl, &from("192.0.2.9"), &mut rate, 1).action,
        ActionKind::Block
    );
    assert_eq!(
        evaluate(&p.acl, &from("203.0.113.9"), &mut rate, 1).action,
        ActionKind::Allow
    );
    // Changing the IP set recompiles.
    let token = ok(
        &w,
        "GetIPSet",
        json!({"Name": "blocked", "Scope": "REGIONAL", "Id": ips["Id"]}),
    )["LockToken"]
        .clone();
    ok(
        &w,
        "UpdateIPSet",
        json!({"Name": "blocked", "Scope": "REGIONAL", "Id": ips["Id"],
        "LockToken": token, "Addresses": ["203.0.113.0/24"]}),
    );
    let p = evaluators.for_resource(store, ALB).unwrap().unwrap();
    assert_eq!(
        evaluate(&p.acl, &from("203.0.113.9"), &mut rate, 2).action,
        ActionKind::Block
    );
    ok(&w, "DisassociateWebACL", json!({"ResourceArn": ALB}));
    assert!(evaluators.for_resource(store, ALB).unwrap().is_none());
}

#[test]
fn tags_keep_the_lock_token_and_feed_conditions() {
    let w = world();
    let s = ok(
        &w,
        "CreateIPSet",
        json!({"Name": "t", "Scope": "REGIONAL", "IPAddressVersion": "IPV4",
        "Addresses": [], "Tags": [{"Key": "team", "Value": "sec"}]}),
    )["Summary"]
        .clone();
    let arn = s["ARN"].clone();
    ok(
        &w,
        "TagResource",
        json!({"ResourceARN": arn, "Tags": [{"Key": "env", "Value": "prod"}]}),
    );
    ok(
        &w,
        "UntagResource",
        json!({"ResourceARN": arn, "TagKeys": ["team"]}),
    );
    let listed = ok(&w, "ListTagsForResource", json!({"ResourceARN": arn}));
    assert_eq!(
        listed["TagInfoForResource"]["TagList"],
        json!([{"Key": "env", "Value": "prod"}])
    );
    let got = ok(
        &w,
        "GetIPSet",
        json!({"Name": "t", "Scope": "REGIONAL", "Id": s["Id"]}),
    );
    assert_eq!(got["LockToken"], s["LockToken"]);
    let accesses = w
        .accesses(
            &w.root(),
            "wafv2",
            "GetIPSet",
            &json!({"Name": "t", "Scope": "REGIONAL", "Id": s["Id"]}),
        )
        .unwrap();
    assert_eq!(accesses[0].resource, arn);
    assert!(accesses[0].context.get("aws:ResourceTag/env").is_some());
    assert!(accesses[0].context.get("aws:ResourceTag/team").is_none());
    let create = w
        .accesses(
            &w.root(),
            "wafv2",
            "CreateIPSet",
            &json!({"Name": "n", "Scope": "REGIONAL",
            "Tags": [{"Key": "team", "Value": "sec"}]}),
        )
        .unwrap();
    assert_eq!(
        create[0].resource,
        "arn:aws:wafv2:us-east-1:123456789012:regional/ipset/n/*"
    );
    assert!(create[0].context.get("aws:TagKeys").is_some());
    assert_eq!(
        code(
            &w,
            "TagResource",
            json!({"ResourceARN": arn, "Tags": [{"Key": "aws:x", "Value": "v"}]})
        ),
        "WAFInvalidParameterException"
    );
}

#[test]
fn logging_configurations() {
    let w = world();
    let acl = web_acl(&w, "app", json!([]));
    let dest = "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-app";
    let put = ok(
        &w,
        "PutLoggingConfiguration",
        json!({"LoggingConfiguration": {
        "ResourceArn": acl["ARN"], "LogDestinationConfigs": [dest]}}),
    );
    assert_eq!(put["LoggingConfiguration"]["LogType"], "WAF_LOGS");
    let got = ok(
        &w,
        "GetLoggingConfiguration",
        json!({"ResourceArn": acl["ARN"]}),
    );
    assert_eq!(
        got["LoggingConfiguration"]["LogDestinationConfigs"],
        json!([dest])
    );
    assert_eq!(
        ok(
            &w,
            "ListLoggingConfigurations",
            json!({"Scope": "REGIONAL"})
        )["LoggingConfigurations"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let e = call(&w, "PutLoggingConfiguration", json!({"LoggingConfiguration": {
        "ResourceArn": acl["ARN"], "LogDestinationConfigs": ["arn:aws:logs:us-east-1:123456789012:log-group:app"]}}))
    .unwrap_err();
    assert_eq!(field(&e), "LOG_DESTINATION");
    ok(
        &w,
        "DeleteLoggingConfiguration",
        json!({"ResourceArn": acl["ARN"]}),
    );
    assert_eq!(
        code(
            &w,
            "GetLoggingConfiguration",
            json!({"ResourceArn": acl["ARN"]})
        ),
        "WAFNonexistentItemException"
    );
}

#[test]
fn managed_rule_groups_are_listed_and_described() {
    let w = world();
    let list = ok(
        &w,
        "ListAvailableManagedRuleGroups",
        json!({"Scope": "REGIONAL"}),
    );
    let names: Vec<&str> = list["ManagedRuleGroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["Name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"AWSManagedRulesCommonRuleSet"));
    let d = ok(
        &w,
        "DescribeManagedRuleGroup",
        json!({"VendorName": "AWS",
        "Name": "AWSManagedRulesSQLiRuleSet", "Scope": "REGIONAL"}),
    );
    assert_eq!(d["Capacity"], 200);
    assert_eq!(d["LabelNamespace"], "awswaf:managed:aws:sql-database:");
    assert!(!d["Rules"].as_array().unwrap().is_empty());
    let v = ok(
        &w,
        "ListAvailableManagedRuleGroupVersions",
        json!({"VendorName": "AWS",
        "Name": "AWSManagedRulesSQLiRuleSet", "Scope": "REGIONAL"}),
    );
    assert_eq!(v["CurrentDefaultVersion"], "Version_1.0");
    assert_eq!(
        code(
            &w,
            "DescribeManagedRuleGroup",
            json!({"VendorName": "AWS", "Name": "Nope", "Scope": "REGIONAL"})
        ),
        "WAFNonexistentItemException"
    );
}

#[test]
fn permission_policies_of_rule_groups() {
    let w = world();
    let g = ok(
        &w,
        "CreateRuleGroup",
        json!({"Name": "g", "Scope": "REGIONAL", "Capacity": 10,
        "VisibilityConfig": visibility("g"), "Rules": []}),
    )["Summary"]
        .clone();
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "111122223333"},
        "Action": ["wafv2:CreateWebACL", "wafv2:UpdateWebACL", "wafv2:PutFirewallManagerRuleGroups"]}]})
    .to_string();
    ok(
        &w,
        "PutPermissionPolicy",
        json!({"ResourceArn": g["ARN"], "Policy": policy}),
    );
    assert_eq!(
        ok(&w, "GetPermissionPolicy", json!({"ResourceArn": g["ARN"]}))["Policy"],
        policy
    );
    assert_eq!(
        code(
            &w,
            "PutPermissionPolicy",
            json!({"ResourceArn": g["ARN"], "Policy": "{}"})
        ),
        "WAFInvalidPermissionPolicyException"
    );
    ok(
        &w,
        "DeletePermissionPolicy",
        json!({"ResourceArn": g["ARN"]}),
    );
    assert_eq!(
        ok(&w, "GetPermissionPolicy", json!({"ResourceArn": g["ARN"]})),
        json!({})
    );
}

#[test]
fn traffic_reports_are_empty_until_the_data_plane_records() {
    let w = world();
    let acl = web_acl(&w, "app", json!([rate_rule(0)]));
    let now = 1_700_000_000.0;
    let sampled = ok(
        &w,
        "GetSampledRequests",
        json!({"WebAclArn": acl["ARN"], "RuleMetricName": "rate",
        "Scope": "REGIONAL", "MaxItems": 100,
        "TimeWindow": {"StartTime": now - 3600.0, "EndTime": now}}),
    );
    assert_eq!(sampled["SampledRequests"], json!([]));
    assert_eq!(sampled["PopulationSize"], 0);
    assert_eq!(
        code(
            &w,
            "GetSampledRequests",
            json!({"WebAclArn": acl["ARN"], "RuleMetricName": "rate",
            "Scope": "REGIONAL", "MaxItems": 100,
            "TimeWindow": {"StartTime": now - 5.0 * 3600.0, "EndTime": now}})
        ),
        "WAFInvalidParameterException"
    );
    let keys = ok(
        &w,
        "GetRateBasedStatementManagedKeys",
        json!({"Scope": "REGIONAL",
        "WebACLName": "app", "WebACLId": acl["Id"], "RuleName": "rate"}),
    );
    assert_eq!(keys["ManagedKeysIPV4"]["Addresses"], json!([]));
    assert_eq!(
        code(
            &w,
            "GetRateBasedStatementManagedKeys",
            json!({"Scope": "REGIONAL",
            "WebACLName": "app", "WebACLId": acl["Id"], "RuleName": "nope"})
        ),
        "WAFNonexistentItemException"
    );
    let top = ok(
        &w,
        "GetTopPathStatisticsByTraffic",
        json!({"WebAclArn": acl["ARN"], "Scope": "REGIONAL",
        "TimeWindow": {"StartTime": now - 60.0, "EndTime": now}, "Limit": 10,
        "NumberOfTopTrafficBotsPerPath": 1}),
    );
    assert_eq!(top["TotalRequestCount"], 0);
}

#[test]
fn api_keys_and_the_rest_of_the_model() {
    let w = world();
    let key = ok(
        &w,
        "CreateAPIKey",
        json!({"Scope": "REGIONAL", "TokenDomains": ["example.com"]}),
    )["APIKey"]
        .clone();
    let got = ok(
        &w,
        "GetDecryptedAPIKey",
        json!({"Scope": "REGIONAL", "APIKey": key}),
    );
    assert_eq!(got["TokenDomains"], json!(["example.com"]));
    let listed = ok(&w, "ListAPIKeys", json!({"Scope": "REGIONAL"}));
    assert_eq!(listed["APIKeySummaries"][0]["APIKey"], key);
    ok(
        &w,
        "DeleteAPIKey",
        json!({"Scope": "REGIONAL", "APIKey": key}),
    );
    assert_eq!(
        code(
            &w,
            "GetDecryptedAPIKey",
            json!({"Scope": "REGIONAL", "APIKey": key})
        ),
        "WAFNonexistentItemException"
    );
    assert_eq!(
        ok(&w, "ListManagedRuleSets", json!({"Scope": "REGIONAL"}))["ManagedRuleSets"],
        json!([])
    );
    assert_eq!(
        code(
            &w,
            "GetManagedRuleSet",
            json!({"Scope": "REGIONAL", "Name": "m",
            "Id": "a1b2c3d4-5678-90ab-cdef-0123456789ab"})
        ),
        "WAFNonexistentItemException"
    );
    assert_eq!(
        ok(&w, "ListMobileSdkReleases", json!({"Platform": "IOS"}))["ReleaseSummaries"],
        json!([])
    );
    assert_eq!(
        ok(
            &w,
            "DescribeAllManagedProducts",
            json!({"Scope": "REGIONAL"})
        )["ManagedProducts"]
            .as_array()
            .unwrap()
            .len(),
        rampart_waf::managed::managed_groups().len()
    );
    let acl = web_acl(&w, "app", json!([]));
    let token = ok(&w, "GetWebACL", json!({"ARN": acl["ARN"]}))["LockToken"].clone();
    assert_eq!(
        code(
            &w,
            "DeleteFirewallManagerRuleGroups",
            json!({"WebACLArn": acl["ARN"], "WebACLLockToken": token})
        ),
        "WAFInvalidOperationException"
    );
}

#[test]
fn every_model_operation_is_registered() {
    let w = world();
    let model: Value =
        serde_json::from_str(include_str!("../../rampart-protocol/models/wafv2.json")).unwrap();
    let mut missing: Vec<&str> = model["operations"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .filter(|op| w.registry.get("wafv2", op).is_none())
        .collect();
    missing.sort();
    assert_eq!(missing, Vec::<&str>::new());
}

#[test]
fn entity_quotas_per_account_and_region() {
    let w = world();
    for i in 0..10 {
        ok(
            &w,
            "CreateRegexPatternSet",
            json!({"Name": format!("r{i}"), "Scope": "REGIONAL",
            "RegularExpressionList": [{"RegexString": "a"}]}),
        );
    }
    assert_eq!(
        code(
            &w,
            "CreateRegexPatternSet",
            json!({"Name": "r10", "Scope": "REGIONAL",
            "RegularExpressionList": [{"RegexString": "a"}]})
        ),
        "WAFLimitsExceededException"
    );
    // Another region has its own quota.
    let other = w.call_in(&w.root(), "eu-west-1", "wafv2", "CreateRegexPatternSet",
        json!({"Name": "r10", "Scope": "REGIONAL", "RegularExpressionList": [{"RegexString": "a"}]}));
    assert!(other.is_ok());
}

#[test]
fn rule_groups_shared_with_a_permission_policy() {
    let w = world();
    let owner = rampart_service::testkit::root_of("111122223333");
    let g = w
        .call_as(
            &owner,
            "wafv2",
            "CreateRuleGroup",
            json!({"Name": "shared", "Scope": "REGIONAL",
            "Capacity": 10, "VisibilityConfig": visibility("shared"), "Rules": [rate_rule(0)]}),
        )
        .unwrap()["Summary"]
        .clone();
    let rule = json!([{"Name": "theirs", "Priority": 0, "OverrideAction": {"None": {}},
        "VisibilityConfig": visibility("theirs"),
        "Statement": {"RuleGroupReferenceStatement": {"ARN": g["ARN"]}}}]);
    let input = json!({"Name": "mine", "Scope": "REGIONAL", "DefaultAction": {"Allow": {}},
        "VisibilityConfig": visibility("mine"), "Rules": rule});
    // Without a policy the access carries none (the pipeline denies across accounts).
    let accesses = w
        .accesses(&w.root(), "wafv2", "CreateWebACL", &input)
        .unwrap();
    let shared = accesses.iter().find(|a| a.resource == g["ARN"]).unwrap();
    assert!(shared.resource_policy.is_none());
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": ["wafv2:CreateWebACL", "wafv2:UpdateWebACL", "wafv2:PutFirewallManagerRuleGroups"]}]});
    w.call_as(
        &owner,
        "wafv2",
        "PutPermissionPolicy",
        json!({"ResourceArn": g["ARN"], "Policy": policy.to_string()}),
    )
    .unwrap();
    let accesses = w
        .accesses(&w.root(), "wafv2", "CreateWebACL", &input)
        .unwrap();
    let shared = accesses.iter().find(|a| a.resource == g["ARN"]).unwrap();
    assert!(shared.resource_policy.is_some());
    // The web ACL compiles with the owner's group and its label namespace.
    let acl = ok(&w, "CreateWebACL", input)["Summary"].clone();
    assert_eq!(
        ok(&w, "GetWebACL", json!({"ARN": acl["ARN"]}))["WebACL"]["Capacity"],
        10
    );
    // The sharing account's group can be read by ARN (under the same policy).
    let accesses = w
        .accesses(
            &w.root(),
            "wafv2",
            "GetRuleGroup",
            &json!({"ARN": g["ARN"]}),
        )
        .unwrap();
    assert!(accesses[0].resource_policy.is_some());
    assert_eq!(
        ok(&w, "GetRuleGroup", json!({"ARN": g["ARN"]}))["RuleGroup"]["LabelNamespace"],
        "awswaf:111122223333:rulegroup:shared:"
    );
    // Rule groups and CheckCapacity see only the caller's own entities.
    assert_eq!(
        code(
            &w,
            "CheckCapacity",
            json!({"Scope": "REGIONAL", "Rules": rule})
        ),
        "WAFNonexistentItemException"
    );
}

#[test]
fn recorded_traffic_is_reported() {
    let w = world();
    let acl = web_acl(&w, "app", json!([rate_rule(0)]));
    let arn = acl["ARN"].as_str().unwrap();
    let store = w.env.store.as_ref();
    let now = 1_700_000_000.0;
    let sample = |t: f64, metric: &str| crate::Sample {
        rule_metric_name: metric.into(),
        timestamp: t,
        client_ip: "192.0.2.1".into(),
        country: "XX".into(),
        uri: "/login".into(),
        method: "POST".into(),
        http_version: "HTTP/1.1".into(),
        headers: vec![("Host".into(), "example.com".into())],
        action: "BLOCK".into(),
        labels: vec!["awswaf:123456789012:webacl:app:limited".into()],
        ..Default::default()
    };
    crate::record_samples(
        store,
        arn,
        &[
            sample(now - 4.0 * 3600.0, "rate"),
            sample(now - 60.0, "rate"),
            sample(now - 30.0, "rate"),
            sample(now - 10.0, "app"),
        ],
        now,
    )
    .unwrap();
    assert!(!format!("{:?}", sample(now, "rate")).contains("example.com"));
    let got = ok(
        &w,
        "GetSampledRequests",
        json!({"WebAclArn": arn, "RuleMetricName": "rate",
        "Scope": "REGIONAL", "MaxItems": 1,
        "TimeWindow": {"StartTime": now - 3.0 * 3600.0, "EndTime": now}}),
    );
    assert_eq!(got["PopulationSize"], 2);
    let s = &got["SampledRequests"][0];
    assert_eq!(s["Timestamp"], now - 30.0);
    assert_eq!(s["Request"]["URI"], "/login");
    assert_eq!(
        s["Request"]["Headers"],
        json!([{"Name": "Host", "Value": "example.com"}])
    );
    assert_eq!(
        s["Labels"],
        json!([{"Name": "awswaf:123456789012:webacl:app:limited"}])
    );

    crate::record_limited_keys(
        store,
        arn,
        "rate",
        None,
        &["192.0.2.1".parse().unwrap(), "2001:db8::1".parse().unwrap()],
    )
    .unwrap();
    let keys = ok(
        &w,
        "GetRateBasedStatementManagedKeys",
        json!({"Scope": "REGIONAL",
        "WebACLName": "app", "WebACLId": acl["Id"], "RuleName": "rate"}),
    );
    assert_eq!(
        keys["ManagedKeysIPV4"]["Addresses"],
        json!(["192.0.2.1/32"])
    );
    assert_eq!(
        keys["ManagedKeysIPV6"]["Addresses"],
        json!(["2001:db8::1/128"])
    );

    assert!(crate::logging_configuration(store, arn).unwrap().is_none());
    ok(
        &w,
        "PutLoggingConfiguration",
        json!({"LoggingConfiguration": {"ResourceArn": arn,
        "LogDestinationConfigs": ["arn:aws:s3:::aws-waf-logs-app"]}}),
    );
    assert_eq!(
        crate::logging_configuration(store, arn).unwrap().unwrap()["LogDestinationConfigs"],
        json!(["arn:aws:s3:::aws-waf-logs-app"])
    );

    // Deleting the web ACL forgets what was recorded for it.
    let token = ok(&w, "GetWebACL", json!({"ARN": arn}))["LockToken"].clone();
    ok(
        &w,
        "DeleteWebACL",
        json!({"Name": "app", "Scope": "REGIONAL", "Id": acl["Id"], "LockToken": token}),
    );
    for table in ["wafv2.sample", "wafv2.ratekeys", "wafv2.logging"] {
        let left = store
            .scan(
                "acct/123456789012/us-east-1",
                table,
                &rampart_store::Scan::all(),
            )
            .unwrap();
        assert!(left.is_empty(), "{table}");
    }
}

#[test]
fn referring_rewrites_the_referenced_entity_so_a_racing_delete_conflicts() {
    let w = world();
    let ips = ip_set(&w, "s", &["192.0.2.0/24"]);
    let key = rampart_store::Key::new(
        "acct/123456789012/us-east-1",
        "wafv2.ipset",
        format!("REGIONAL/{}", ips["Id"].as_str().unwrap()),
    );
    let version = |w: &World| w.env.store.get(&key).unwrap().unwrap().version;
    let before = version(&w);
    web_acl(&w, "app", json!([ip_rule("ip", 0, &ips["ARN"])]));
    // A delete that read the set before the web ACL committed expects `before`: it now fails.
    assert!(version(&w) > before);
    let stale =
        rampart_store::Batch::new().delete_if(key.clone(), rampart_store::Expect::Version(before));
    assert!(w.env.store.commit(stale).is_err());
    // The set's lock token is unchanged: its owner's next update still works.
    let got = ok(
        &w,
        "GetIPSet",
        json!({"Name": "s", "Scope": "REGIONAL", "Id": ips["Id"]}),
    );
    assert_eq!(got["LockToken"], ips["LockToken"]);
}

/// The Delete* input of the entity `summary` names, with the lock token its `get` returns.
fn delete_input(w: &World, get: &str, summary: &Value) -> Value {
    let named = json!({"Name": summary["Name"], "Scope": "REGIONAL", "Id": summary["Id"]});
    let token = ok(w, get, named.clone())["LockToken"].clone();
    let mut input = named;
    input["LockToken"] = token;
    input
}

/// botocore's wafv2 model lists `WAFAssociatedItemException` among the errors of
/// DeleteIPSet, DeleteRegexPatternSet, DeleteRuleGroup and DeleteWebACL ("your resource is
/// being used by another resource or it's associated with another resource"); the WAF guide
/// says WAF checks whether a set or rule group is used in a web ACL (or, for a set, a rule
/// group) before deleting it, and DeleteWebACL's documentation asks to disassociate the web
/// ACL from all resources first.
#[test]
fn nothing_in_use_is_deleted_within_the_account() {
    let w = world();
    let ips = ip_set(&w, "ips", &["192.0.2.0/24"]);
    let regex = ok(
        &w,
        "CreateRegexPatternSet",
        json!({"Name": "paths", "Scope": "REGIONAL",
            "RegularExpressionList": [{"RegexString": "^/admin"}]}),
    )["Summary"]
        .clone();
    let regex_rule = json!({"Name": "paths", "Priority": 1, "Action": {"Block": {}},
        "VisibilityConfig": visibility("paths"),
        "Statement": {"RegexPatternSetReferenceStatement": {"ARN": regex["ARN"],
            "FieldToMatch": {"UriPath": {}}, "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}});
    let group = ok(
        &w,
        "CreateRuleGroup",
        json!({"Name": "g", "Scope": "REGIONAL", "Capacity": 50,
            "VisibilityConfig": visibility("g"), "Rules": [regex_rule]}),
    )["Summary"]
        .clone();
    let group_rule = json!({"Name": "g", "Priority": 1, "OverrideAction": {"None": {}},
        "VisibilityConfig": visibility("g"),
        "Statement": {"RuleGroupReferenceStatement": {"ARN": group["ARN"]}}});
    let acl = web_acl(
        &w,
        "app",
        json!([ip_rule("ips", 0, &ips["ARN"]), group_rule]),
    );
    ok(
        &w,
        "AssociateWebACL",
        json!({"WebACLArn": acl["ARN"], "ResourceArn": ALB}),
    );
    let in_use = [
        ("DeleteIPSet", "GetIPSet", &ips),
        ("DeleteRegexPatternSet", "GetRegexPatternSet", &regex),
        ("DeleteRuleGroup", "GetRuleGroup", &group),
        ("DeleteWebACL", "GetWebACL", &acl),
    ];
    for (op, get, summary) in in_use {
        let input = delete_input(&w, get, summary);
        assert_eq!(code(&w, op, input), "WAFAssociatedItemException", "{op}");
    }
    // Released in dependency order, each delete succeeds.
    ok(&w, "DisassociateWebACL", json!({"ResourceArn": ALB}));
    for (op, get, summary) in [in_use[3], in_use[0], in_use[2], in_use[1]] {
        let input = delete_input(&w, get, summary);
        ok(&w, op, input);
    }
}
