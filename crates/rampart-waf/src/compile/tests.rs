use super::*;
use crate::error::ErrorCode;
use crate::testutil::*;

fn capacity(statement: &str) -> u64 {
    compile(&[rule("r", 0, statement, BLOCK)], DEFAULT_ALLOW).capacity()
}

const QS: &str = r#"{"QueryString": {}}"#;

#[test]
fn wcu_base_costs_per_statement() {
    // Base costs from AWS's statement reference, no transformation (NONE costs nothing).
    assert_eq!(capacity(&byte_match("x", QS, "EXACTLY", &[])), 2);
    assert_eq!(capacity(&byte_match("x", QS, "STARTS_WITH", &[])), 2);
    assert_eq!(capacity(&byte_match("x", QS, "CONTAINS", &[])), 10);
    assert_eq!(capacity(&byte_match("x", QS, "CONTAINS_WORD", &[])), 10);
    let sqli = |level: &str| {
        format!(
            r#"{{"SqliMatchStatement": {{"FieldToMatch": {QS}, "TextTransformations": [{}], "SensitivityLevel": "{level}"}}}}"#,
            transformations(&[])
        )
    };
    assert_eq!(capacity(&sqli("LOW")), 20);
    assert_eq!(capacity(&sqli("HIGH")), 30);
    let xss = format!(
        r#"{{"XssMatchStatement": {{"FieldToMatch": {QS}, "TextTransformations": [{}]}}}}"#,
        transformations(&[])
    );
    assert_eq!(capacity(&xss), 40);
    let size = format!(
        r#"{{"SizeConstraintStatement": {{"FieldToMatch": {QS}, "ComparisonOperator": "GT", "Size": 1, "TextTransformations": [{}]}}}}"#,
        transformations(&[])
    );
    assert_eq!(capacity(&size), 1);
    assert_eq!(
        capacity(r#"{"GeoMatchStatement": {"CountryCodes": ["US"]}}"#),
        1
    );
    assert_eq!(
        capacity(r#"{"LabelMatchStatement": {"Scope": "LABEL", "Key": "a:b"}}"#),
        1
    );
    let re = format!(
        r#"{{"RegexMatchStatement": {{"RegexString": "a+", "FieldToMatch": {QS}, "TextTransformations": [{}]}}}}"#,
        transformations(&[])
    );
    assert_eq!(capacity(&re), 3);
}

#[test]
fn wcu_transformations_components_and_nesting() {
    // +10 per transformation.
    assert_eq!(
        capacity(&byte_match(
            "x",
            QS,
            "CONTAINS",
            &["URL_DECODE", "LOWERCASE"]
        )),
        30
    );
    // +10 for AllQueryArguments.
    assert_eq!(
        capacity(&byte_match(
            "x",
            r#"{"AllQueryArguments": {}}"#,
            "EXACTLY",
            &[]
        )),
        12
    );
    // JsonBody doubles the base cost.
    let json = r#"{"JsonBody": {"MatchPattern": {"All": {}}, "MatchScope": "VALUE"}}"#;
    assert_eq!(
        capacity(&byte_match("x", json, "CONTAINS", &["LOWERCASE"])),
        30
    );
    // Logical statements cost the sum of their children.
    let a = byte_match("a", QS, "CONTAINS", &[]);
    let g = r#"{"GeoMatchStatement": {"CountryCodes": ["US"]}}"#;
    assert_eq!(
        capacity(&format!(
            r#"{{"OrStatement": {{"Statements": [{a}, {g}]}}}}"#
        )),
        11
    );
    assert_eq!(
        capacity(&format!(r#"{{"NotStatement": {{"Statement": {a}}}}}"#)),
        10
    );
}

#[test]
fn wcu_rate_based_and_ip_sets() {
    assert_eq!(
        capacity(r#"{"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "IP"}}"#),
        2
    );
    let custom = r#"{"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "CUSTOM_KEYS",
        "CustomKeys": [{"HTTPMethod": {}}, {"Header": {"Name": "x-api-key", "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}]}}"#;
    assert_eq!(capacity(custom), 62, "2 + 30 per custom key");
    let arn = "arn:aws:wafv2:us-east-1:111122223333:regional/ipset/s/1";
    let res = MapResolver::default().with_ip_set(arn, "IPV4", &["10.0.0.0/8"]);
    let cap = |stmt: &str| {
        compile_with(&[rule("r", 0, stmt, BLOCK)], DEFAULT_ALLOW, &res)
            .unwrap()
            .capacity()
    };
    assert_eq!(
        cap(&format!(
            r#"{{"IPSetReferenceStatement": {{"ARN": "{arn}"}}}}"#
        )),
        1
    );
    let any = format!(
        r#"{{"IPSetReferenceStatement": {{"ARN": "{arn}", "IPSetForwardedIPConfig": {{"HeaderName": "X-Forwarded-For", "FallbackBehavior": "MATCH", "Position": "ANY"}}}}}}"#
    );
    assert_eq!(cap(&any), 5, "+4 for Position ANY");
}

#[test]
fn wcu_labels_cost_one_per_five_in_the_container() {
    let stmt = byte_match("x", QS, "EXACTLY", &[]);
    let labelled = |n: usize| {
        let labels: Vec<String> = (0..n).map(|i| format!(r#"{{"Name": "l{i}"}}"#)).collect();
        format!(
            r#""Action": {{"Count": {{}}}}, "RuleLabels": [{}]"#,
            labels.join(",")
        )
    };
    assert_eq!(
        compile(&[rule("a", 0, &stmt, &labelled(3))], DEFAULT_ALLOW).capacity(),
        3
    );
    assert_eq!(
        compile(
            &[
                rule("a", 0, &stmt, &labelled(3)),
                rule("b", 1, &stmt, &labelled(3))
            ],
            DEFAULT_ALLOW
        )
        .capacity(),
        6
    );
}

#[test]
fn capacity_limit_is_enforced() {
    let heavy = format!(
        r#"{{"XssMatchStatement": {{"FieldToMatch": {{"AllQueryArguments": {{}}}}, "TextTransformations": [{}]}}}}"#,
        transformations(&["URL_DECODE", "HTML_ENTITY_DECODE", "LOWERCASE"])
    );
    // 40 + 30 + 10 = 80 per rule; 63 rules = 5040 > 5000.
    let rules: Vec<String> = (0..63)
        .map(|i| rule(&format!("r{i}"), i, &heavy, BLOCK))
        .collect();
    let err = compile_with(&rules, DEFAULT_ALLOW, &MapResolver::default()).unwrap_err();
    assert_eq!(err.code, ErrorCode::LimitsExceeded);
    assert_eq!(
        check_capacity(
            &acl_def(&rules, DEFAULT_ALLOW).rules,
            &MapResolver::default(),
            &account()
        )
        .unwrap(),
        5040
    );
}

#[test]
fn rule_group_capacity_is_checked_against_the_declared_one() {
    let def: RuleGroupDef = serde_json::from_str(&format!(
        r#"{{"Name": "g", "Capacity": 5, "Rules": [{}]}}"#,
        rule("r", 0, &byte_match("x", QS, "CONTAINS", &[]), BLOCK)
    ))
    .unwrap();
    assert_eq!(
        validate_rule_group(&def, &MapResolver::default(), &account())
            .unwrap_err()
            .code,
        ErrorCode::LimitsExceeded
    );
    let ok = RuleGroupDef {
        capacity: 10,
        ..def.clone()
    };
    assert_eq!(
        validate_rule_group(&ok, &MapResolver::default(), &account()).unwrap(),
        10
    );
    let nested: RuleGroupDef = serde_json::from_str(&format!(
        r#"{{"Name": "g", "Capacity": 100, "Rules": [{}]}}"#,
        rule("r", 0, r#"{"RuleGroupReferenceStatement": {"ARN": "arn:aws:wafv2:us-east-1:1:regional/rulegroup/x/1"}}"#, r#""OverrideAction": {"None": {}}"#)
    ))
    .unwrap();
    assert_eq!(
        validate_rule_group(&nested, &MapResolver::default(), &account())
            .unwrap_err()
            .field,
        "RULE_GROUP_REFERENCE_STATEMENT",
        "rule groups cannot reference rule groups"
    );
}

#[test]
fn rule_validation_errors_look_like_aws() {
    let stmt = byte_match("x", QS, "CONTAINS", &[]);
    let err = compile_with(
        &[rule("r", 0, &stmt, r#""OverrideAction": {"None": {}}"#)],
        DEFAULT_ALLOW,
        &MapResolver::default(),
    )
    .unwrap_err();
    assert_eq!(err.field, "RULE_ACTION");
    assert_eq!(
        err.message(),
        "Error reason: You have used none or multiple values for a field that requires exactly one value., field: RULE_ACTION, parameter: RuleAction"
    );
    assert_eq!(err.code.as_str(), "WAFInvalidParameterException");
    let dup = [rule("a", 1, &stmt, BLOCK), rule("b", 1, &stmt, BLOCK)];
    assert_eq!(
        compile_with(&dup, DEFAULT_ALLOW, &MapResolver::default())
            .unwrap_err()
            .field,
        "RULE"
    );
    let dup_name = [rule("a", 1, &stmt, BLOCK), rule("a", 2, &stmt, BLOCK)];
    assert_eq!(
        compile_with(&dup_name, DEFAULT_ALLOW, &MapResolver::default())
            .unwrap_err()
            .field,
        "RULE"
    );
    let bad_name = [rule("has space", 1, &stmt, BLOCK)];
    assert_eq!(
        compile_with(&bad_name, DEFAULT_ALLOW, &MapResolver::default())
            .unwrap_err()
            .field,
        "RULE"
    );
    let bad_code = [rule(
        "r",
        0,
        &stmt,
        r#""Action": {"Block": {"CustomResponse": {"ResponseCode": 418}}}"#,
    )];
    assert_eq!(
        compile_with(&bad_code, DEFAULT_ALLOW, &MapResolver::default())
            .unwrap_err()
            .field,
        "CUSTOM_RESPONSE"
    );
    let no_body = [rule(
        "r",
        0,
        &stmt,
        r#""Action": {"Block": {"CustomResponse": {"ResponseCode": 403, "CustomResponseBodyKey": "nope"}}}"#,
    )];
    assert_eq!(
        compile_with(&no_body, DEFAULT_ALLOW, &MapResolver::default())
            .unwrap_err()
            .field,
        "CUSTOM_RESPONSE_BODY"
    );
    let bad_rate = [rule(
        "r",
        0,
        r#"{"RateBasedStatement": {"Limit": 5, "AggregateKeyType": "IP"}}"#,
        BLOCK,
    )];
    assert_eq!(
        compile_with(&bad_rate, DEFAULT_ALLOW, &MapResolver::default())
            .unwrap_err()
            .field,
        "RATE_BASED_STATEMENT"
    );
    let bad_window = [rule(
        "r",
        0,
        r#"{"RateBasedStatement": {"Limit": 50, "EvaluationWindowSec": 30, "AggregateKeyType": "IP"}}"#,
        BLOCK,
    )];
    assert!(compile_with(&bad_window, DEFAULT_ALLOW, &MapResolver::default()).is_err());
    let constant_without_scope = [rule(
        "r",
        0,
        r#"{"RateBasedStatement": {"Limit": 50, "AggregateKeyType": "CONSTANT"}}"#,
        BLOCK,
    )];
    assert_eq!(
        compile_with(
            &constant_without_scope,
            DEFAULT_ALLOW,
            &MapResolver::default()
        )
        .unwrap_err()
        .field,
        "SCOPE_DOWN"
    );
    let unknown_group = [rule(
        "g",
        0,
        r#"{"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "Nope"}}"#,
        r#""OverrideAction": {"None": {}}"#,
    )];
    assert_eq!(
        compile_with(&unknown_group, DEFAULT_ALLOW, &MapResolver::default())
            .unwrap_err()
            .code,
        ErrorCode::NonexistentItem
    );
}

#[test]
fn shape_errors_become_invalid_parameter() {
    let v: serde_json::Value = serde_json::from_str(
        r#"{"GeoMatchStatement": {"CountryCodes": ["US"]}, "AndStatement": {"Statements": []}}"#,
    )
    .unwrap();
    let err = crate::model::parse::<Statement>(&v, "STATEMENT").unwrap_err();
    assert_eq!(
        (err.code, err.field),
        (ErrorCode::InvalidParameter, "STATEMENT")
    );
    assert_eq!(err.reason, crate::error::REASON_EXACTLY_ONE);
    let v: serde_json::Value = serde_json::from_str(r#"{"Name": "acl"}"#).unwrap();
    assert_eq!(
        crate::model::parse::<WebAclDef>(&v, "WEB_ACL")
            .unwrap_err()
            .field,
        "WEB_ACL"
    );
}

#[test]
fn union_members_must_be_exactly_one() {
    let two = r#"{"Name": "r", "Priority": 0, "Action": {"Block": {}, "Allow": {}},
        "Statement": {"GeoMatchStatement": {"CountryCodes": ["US"]}},
        "VisibilityConfig": {"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "r"}}"#;
    assert!(serde_json::from_str::<Rule>(two).is_err());
}

#[test]
fn body_inspection_limits_per_resource_type() {
    let mut def = acl_def(&[], DEFAULT_ALLOW);
    assert_eq!(
        body_inspection_limit(&def, "APPLICATION_LOAD_BALANCER"),
        8 * 1024
    );
    assert_eq!(body_inspection_limit(&def, "CLOUDFRONT"), 16 * 1024);
    def.association_config = serde_json::from_str(
        r#"{"RequestBody": {"CLOUDFRONT": {"DefaultSizeInspectionLimit": "KB_64"}, "APPLICATION_LOAD_BALANCER": {"DefaultSizeInspectionLimit": "KB_64"}}}"#,
    )
    .unwrap();
    assert_eq!(body_inspection_limit(&def, "CLOUDFRONT"), 64 * 1024);
    assert_eq!(
        body_inspection_limit(&def, "APPLICATION_LOAD_BALANCER"),
        8 * 1024,
        "fixed for ALB"
    );
}

#[test]
fn definitions_round_trip_through_json() {
    let def = acl_def(
        &[rule(
            "r",
            0,
            &byte_match("x", QS, "CONTAINS", &["LOWERCASE"]),
            BLOCK,
        )],
        DEFAULT_ALLOW,
    );
    let json = serde_json::to_value(&def).unwrap();
    assert_eq!(
        json["Rules"][0]["Statement"]["ByteMatchStatement"]["PositionalConstraint"],
        "CONTAINS"
    );
    let back: WebAclDef = serde_json::from_value(json).unwrap();
    assert_eq!(back, def);
}

#[test]
fn rule_group_available_and_consumed_labels() {
    let def: RuleGroupDef = serde_json::from_str(&format!(
        r#"{{"Name": "g", "Capacity": 100, "Rules": [{}, {}]}}"#,
        rule("a", 0, &byte_match("x", QS, "CONTAINS", &[]), r#""Action": {"Count": {}}, "RuleLabels": [{"Name": "ns:x"}]"#),
        rule(
            "b",
            1,
            r#"{"NotStatement": {"Statement": {"LabelMatchStatement": {"Scope": "NAMESPACE", "Key": "awswaf:managed:aws:core-rule-set:"}}}}"#,
            BLOCK
        )
    ))
    .unwrap();
    let ns = crate::resolver::rule_group_namespace(ACCOUNT, "g");
    let (available, consumed) = rule_group_labels(&def, &ns);
    assert_eq!(available, vec!["awswaf:111122223333:rulegroup:g:ns:x"]);
    assert_eq!(consumed, vec!["awswaf:managed:aws:core-rule-set:"]);
}
