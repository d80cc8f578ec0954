use super::*;
use crate::rate::RateRuleId;
use crate::request::TokenState;
use crate::testutil::*;
use std::net::IpAddr;

const QS: &str = r#"{"QueryString": {}}"#;

fn contains(s: &str) -> String {
    byte_match(s, QS, "CONTAINS", &[])
}

fn run(acl: &WebAcl, req: &Request) -> Verdict {
    evaluate(acl, req, &mut RateTracker::default(), 1_000)
}

#[test]
fn default_action_applies_when_nothing_terminates() {
    let acl = compile(&[rule("r", 0, &contains("x"), BLOCK)], DEFAULT_ALLOW);
    let v = run(&acl, &get("/?y"));
    assert_eq!((v.action, v.status()), (ActionKind::Allow, None));
    assert!(v.terminating_rule.is_none());
    let acl = compile(&[], r#"{"Block": {}}"#);
    assert_eq!(run(&acl, &get("/")).status(), Some(403));
}

#[test]
fn rules_run_in_priority_order_and_the_first_terminating_one_wins() {
    // Listed out of order: priority 1 (Allow) runs before priority 5 (Block).
    let acl = compile(
        &[
            rule("block", 5, &contains("a"), BLOCK),
            rule("allow", 1, &contains("a"), ALLOW),
        ],
        r#"{"Block": {}}"#,
    );
    let v = run(&acl, &get("/?a"));
    assert_eq!(v.action, ActionKind::Allow);
    assert_eq!(v.terminating_rule.unwrap().rule, "allow");
    assert_eq!(v.matched_rules.len(), 1, "the later rule was not evaluated");
}

#[test]
fn count_is_non_terminating_and_recorded() {
    let acl = compile(
        &[
            rule("count", 0, &contains("a"), COUNT),
            rule("block", 1, &contains("a"), BLOCK),
        ],
        DEFAULT_ALLOW,
    );
    let v = run(&acl, &get("/?a"));
    assert_eq!(v.action, ActionKind::Block);
    let names: Vec<_> = v
        .matched_rules
        .iter()
        .map(|m| (m.rule.as_str(), m.action))
        .collect();
    assert_eq!(
        names,
        vec![("count", ActionKind::Count), ("block", ActionKind::Block)]
    );
    let detail = &v.terminating_rule.unwrap().details[0];
    assert_eq!(
        (
            detail.condition_type,
            detail.location,
            detail.matched_data.as_str()
        ),
        ("BYTE_MATCH", "QUERY_STRING", "a")
    );
}

#[test]
fn labels_are_prefixed_and_visible_only_to_later_rules() {
    let labelled = r#""Action": {"Count": {}}, "RuleLabels": [{"Name": "flag:seen"}]"#;
    let own = r#"{"LabelMatchStatement": {"Scope": "LABEL", "Key": "flag:seen"}}"#;
    let full = r#"{"LabelMatchStatement": {"Scope": "NAMESPACE", "Key": "awswaf:111122223333:webacl:acl:flag:"}}"#;
    let acl = compile(
        &[
            rule("label", 0, &contains("a"), labelled),
            rule("use", 1, own, BLOCK),
        ],
        DEFAULT_ALLOW,
    );
    let v = run(&acl, &get("/?a"));
    assert_eq!(v.action, ActionKind::Block);
    assert_eq!(v.labels, vec!["awswaf:111122223333:webacl:acl:flag:seen"]);
    let acl = compile(
        &[
            rule("label", 0, &contains("a"), labelled),
            rule("use", 1, full, BLOCK),
        ],
        DEFAULT_ALLOW,
    );
    assert_eq!(
        run(&acl, &get("/?a")).action,
        ActionKind::Block,
        "namespace match with a fully qualified key"
    );
    // A label added by a later rule is not visible to an earlier one.
    let acl = compile(
        &[
            rule("use", 0, own, BLOCK),
            rule("label", 1, &contains("a"), labelled),
        ],
        DEFAULT_ALLOW,
    );
    assert_eq!(run(&acl, &get("/?a")).action, ActionKind::Allow);
}

#[test]
fn geo_match_adds_labels_even_without_a_match() {
    let acl = compile(
        &[rule(
            "geo",
            0,
            r#"{"GeoMatchStatement": {"CountryCodes": ["DE"]}}"#,
            BLOCK,
        )],
        DEFAULT_ALLOW,
    );
    let v = run(&acl, &get("/"));
    assert_eq!(v.action, ActionKind::Allow);
    assert_eq!(
        v.labels,
        vec![
            "awswaf:clientip:geo:country:US",
            "awswaf:clientip:geo:region:US-CA"
        ]
    );
    let unknown = Request::new("GET", b"/", IpAddr::from([10, 0, 0, 1]));
    assert_eq!(
        run(&acl, &unknown).labels,
        vec!["awswaf:clientip:geo:country:XX"]
    );
}

#[test]
fn inserted_headers_and_custom_responses() {
    let count = r#""Action": {"Count": {"CustomRequestHandling": {"InsertHeaders": [{"Name": "seen", "Value": "1"}, {"Name": "who", "Value": "count"}]}}}"#;
    let allow = r#""Action": {"Allow": {"CustomRequestHandling": {"InsertHeaders": [{"Name": "who", "Value": "allow"}]}}}"#;
    let acl = compile(
        &[
            rule("c", 0, &contains("a"), count),
            rule("a", 1, &contains("a"), allow),
        ],
        r#"{"Block": {}}"#,
    );
    let v = run(&acl, &get("/?a"));
    assert_eq!(v.action, ActionKind::Allow);
    assert_eq!(
        v.inserted_headers,
        vec![
            ("x-amzn-waf-seen".to_string(), "1".to_string()),
            ("x-amzn-waf-who".to_string(), "allow".to_string())
        ],
        "prefixed, later insertions overwrite"
    );
    let json = format!(
        r#"{{"Name": "acl", "DefaultAction": {{"Allow": {{}}}},
            "CustomResponseBodies": {{"denied": {{"ContentType": "APPLICATION_JSON", "Content": "{{\"error\":\"denied\"}}"}}}},
            "Rules": [{}]}}"#,
        rule(
            "b",
            0,
            &contains("a"),
            r#""Action": {"Block": {"CustomResponse": {"ResponseCode": 429, "CustomResponseBodyKey": "denied", "ResponseHeaders": [{"Name": "Retry-After", "Value": "60"}]}}}"#
        )
    );
    let def: crate::model::WebAclDef = serde_json::from_str(&json).unwrap();
    let acl = WebAcl::compile(&def, &MapResolver::default(), &options()).unwrap();
    let v = run(&acl, &get("/?a"));
    assert_eq!(v.status(), Some(429));
    let resp = v.response.unwrap();
    assert_eq!(resp.status, 429);
    assert_eq!(
        resp.body,
        Some(("application/json", r#"{"error":"denied"}"#.to_string()))
    );
    assert_eq!(
        resp.headers,
        vec![("Retry-After".to_string(), "60".to_string())]
    );
    assert!(
        v.inserted_headers.is_empty(),
        "blocked requests are not forwarded"
    );
}

#[test]
fn captcha_and_challenge_honour_tokens_and_immunity() {
    let acl = compile(
        &[
            rule(
                "captcha",
                0,
                &contains("a"),
                r#""Action": {"Captcha": {}}, "RuleLabels": [{"Name": "c"}]"#,
            ),
            rule(
                "challenge",
                1,
                &contains("b"),
                r#""Action": {"Challenge": {}}"#,
            ),
        ],
        DEFAULT_ALLOW,
    );
    let v = run(&acl, &get("/?a"));
    assert_eq!(
        (v.action, v.captcha),
        (ActionKind::Captcha, Some(TokenOutcome::Missing))
    );
    let mut solved = get("/?a");
    solved.token = TokenState {
        captcha_solved_at: Some(900),
        challenge_solved_at: None,
        invalid: false,
    };
    let v = run(&acl, &solved);
    assert_eq!(
        (v.action, v.captcha),
        (ActionKind::Allow, Some(TokenOutcome::Accepted)),
        "valid token: acts as Count"
    );
    assert_eq!(v.labels, vec!["awswaf:111122223333:webacl:acl:c"]);
    solved.token.captcha_solved_at = Some(1_000 - 301);
    assert_eq!(
        run(&acl, &solved).captcha,
        Some(TokenOutcome::Expired),
        "default immunity is 300 s"
    );
    let mut bad = get("/?b");
    bad.token.invalid = true;
    let v = run(&acl, &bad);
    assert_eq!(
        (v.action, v.challenge),
        (ActionKind::Challenge, Some(TokenOutcome::Invalid))
    );
}

#[test]
fn rule_level_immunity_overrides_the_acl_default() {
    let action = r#""Action": {"Captcha": {}}, "CaptchaConfig": {"ImmunityTimeProperty": {"ImmunityTime": 60}}"#;
    let acl = compile(&[rule("captcha", 0, &contains("a"), action)], DEFAULT_ALLOW);
    let mut r = get("/?a");
    r.token.captcha_solved_at = Some(1_000 - 100);
    assert_eq!(run(&acl, &r).captcha, Some(TokenOutcome::Expired));
}

fn group_rules() -> Vec<String> {
    vec![
        rule(
            "GroupCount",
            0,
            &contains("c"),
            r#""Action": {"Count": {}}, "RuleLabels": [{"Name": "counted"}]"#,
        ),
        rule(
            "GroupBlock",
            1,
            &contains("b"),
            r#""Action": {"Block": {}}, "RuleLabels": [{"Name": "blocked"}]"#,
        ),
        rule("GroupBlock2", 2, &contains("b"), BLOCK),
    ]
}

fn managed(extra: &str, override_action: &str) -> String {
    rule(
        "managed",
        0,
        &format!(
            r#"{{"ManagedRuleGroupStatement": {{"VendorName": "AWS", "Name": "Baseline"{extra}}}}}"#
        ),
        &format!(r#""OverrideAction": {override_action}"#),
    )
}

fn with_group(rules: &[String]) -> WebAcl {
    let res = MapResolver::default().with_group(
        "AWS/Baseline",
        "Baseline",
        &group_rules(),
        Some("awswaf:managed:aws:baseline:"),
    );
    compile_with(rules, DEFAULT_ALLOW, &res).unwrap()
}

#[test]
fn managed_group_terminates_with_its_own_label_namespace() {
    let acl = with_group(&[managed("", r#"{"None": {}}"#)]);
    let v = run(&acl, &get("/?cb"));
    assert_eq!(v.action, ActionKind::Block);
    let t = v.terminating_rule.unwrap();
    assert_eq!(
        (t.rule.as_str(), t.rule_within_group.as_deref(), t.rule_type),
        ("managed", Some("GroupBlock"), RuleType::ManagedRuleGroup)
    );
    assert_eq!(
        v.labels,
        vec![
            "awswaf:managed:aws:baseline:counted",
            "awswaf:managed:aws:baseline:blocked"
        ]
    );
}

#[test]
fn group_override_count_stops_the_group_and_continues_the_acl() {
    let later = rule(
        "later",
        1,
        r#"{"LabelMatchStatement": {"Scope": "LABEL", "Key": "awswaf:managed:aws:baseline:blocked"}}"#,
        r#""Action": {"Captcha": {}}"#,
    );
    let acl = with_group(&[managed("", r#"{"Count": {}}"#), later]);
    let v = run(&acl, &get("/?b"));
    assert_eq!(
        v.action,
        ActionKind::Captcha,
        "the group's label is visible to the later rule"
    );
    let in_group: Vec<_> = v
        .matched_rules
        .iter()
        .filter_map(|m| m.rule_within_group.clone())
        .collect();
    assert_eq!(
        in_group,
        vec!["GroupBlock"],
        "GroupBlock2 was not evaluated"
    );
    assert!(v.matched_rules[0].overridden_to_count);
}

#[test]
fn rule_action_overrides_and_excluded_rules() {
    let overrides =
        r#", "RuleActionOverrides": [{"Name": "GroupBlock", "ActionToUse": {"Count": {}}}]"#;
    let acl = with_group(&[managed(overrides, r#"{"None": {}}"#)]);
    let v = run(&acl, &get("/?b"));
    assert_eq!(
        v.terminating_rule.unwrap().rule_within_group.as_deref(),
        Some("GroupBlock2")
    );
    let excluded = r#", "ExcludedRules": [{"Name": "GroupBlock"}, {"Name": "GroupBlock2"}]"#;
    let acl = with_group(&[managed(excluded, r#"{"None": {}}"#)]);
    assert_eq!(run(&acl, &get("/?b")).action, ActionKind::Allow);
    let unknown = r#", "RuleActionOverrides": [{"Name": "Nope", "ActionToUse": {"Count": {}}}]"#;
    let res = MapResolver::default().with_group("AWS/Baseline", "Baseline", &group_rules(), None);
    assert!(compile_with(&[managed(unknown, r#"{"None": {}}"#)], DEFAULT_ALLOW, &res).is_err());
}

#[test]
fn scope_down_skips_the_group() {
    let scope = format!(
        r#", "ScopeDownStatement": {}"#,
        byte_match("/api", r#"{"UriPath": {}}"#, "STARTS_WITH", &[])
    );
    let acl = with_group(&[managed(&scope, r#"{"None": {}}"#)]);
    assert_eq!(run(&acl, &get("/web?b")).action, ActionKind::Allow);
    assert_eq!(run(&acl, &get("/api/x?b")).action, ActionKind::Block);
}

#[test]
fn customer_rule_group_reference() {
    let arn = "arn:aws:wafv2:us-east-1:111122223333:regional/rulegroup/mine/1";
    let res = MapResolver::default().with_group(arn, "mine", &group_rules(), None);
    let r = rule(
        "ref",
        0,
        &format!(r#"{{"RuleGroupReferenceStatement": {{"ARN": "{arn}"}}}}"#),
        r#""OverrideAction": {"None": {}}"#,
    );
    let acl = compile_with(&[r], DEFAULT_ALLOW, &res).unwrap();
    let v = run(&acl, &get("/?b"));
    assert_eq!(v.terminating_rule.unwrap().rule_type, RuleType::Group);
    assert_eq!(v.labels, vec!["awswaf:111122223333:rulegroup:mine:blocked"]);
    assert_eq!(
        acl.capacity(),
        1000,
        "a reference costs the group's declared capacity"
    );
}

#[test]
fn rate_based_rule_blocks_after_the_limit_and_lets_back_later() {
    let stmt = format!(
        r#"{{"RateBasedStatement": {{"Limit": 10, "EvaluationWindowSec": 60, "AggregateKeyType": "IP", "ScopeDownStatement": {}}}}}"#,
        byte_match("/login", r#"{"UriPath": {}}"#, "STARTS_WITH", &[])
    );
    let acl = compile(
        &[rule(
            "rate",
            0,
            &stmt,
            r#""Action": {"Block": {}}, "RuleLabels": [{"Name": "limited"}]"#,
        )],
        DEFAULT_ALLOW,
    );
    let mut t = RateTracker::default();
    for i in 0..10 {
        assert_eq!(
            evaluate(&acl, &get("/login"), &mut t, 100 + i).action,
            ActionKind::Allow
        );
        assert_eq!(
            evaluate(&acl, &get("/other"), &mut t, 100 + i).action,
            ActionKind::Allow,
            "out of scope: not counted"
        );
    }
    let v = evaluate(&acl, &get("/login"), &mut t, 110);
    assert_eq!(v.action, ActionKind::Block);
    assert_eq!(v.terminating_rule.unwrap().rule_type, RuleType::RateBased);
    assert_eq!(v.labels, vec!["awswaf:111122223333:webacl:acl:limited"]);
    let other = Request::new("GET", b"/login", IpAddr::from([192, 0, 2, 2]));
    assert_eq!(
        evaluate(&acl, &other, &mut t, 110).action,
        ActionKind::Allow,
        "per source address"
    );
    let id = RateRuleId::new("acl", None, "rate");
    assert_eq!(
        t.limited_keys(&id, 110),
        vec![vec!["192.0.2.1".to_string()]]
    );
    assert_eq!(
        evaluate(&acl, &get("/login"), &mut t, 400).action,
        ActionKind::Allow,
        "back after the window"
    );
}

#[test]
fn rate_based_custom_keys() {
    let stmt = r#"{"RateBasedStatement": {"Limit": 10, "EvaluationWindowSec": 60, "AggregateKeyType": "CUSTOM_KEYS",
        "CustomKeys": [{"Header": {"Name": "x-api-key", "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}]}}, {"HTTPMethod": {}}]}}"#;
    let acl = compile(&[rule("rate", 0, stmt, BLOCK)], DEFAULT_ALLOW);
    let mut t = RateTracker::default();
    let key = |k: &str| get("/").with_header("X-Api-Key", k);
    for _ in 0..10 {
        evaluate(&acl, &key("ABC"), &mut t, 5);
    }
    assert_eq!(
        evaluate(&acl, &key("abc"), &mut t, 5).action,
        ActionKind::Block,
        "transformed key values aggregate"
    );
    assert_eq!(
        evaluate(&acl, &key("other"), &mut t, 5).action,
        ActionKind::Allow
    );
    for _ in 0..20 {
        assert_eq!(
            evaluate(&acl, &get("/"), &mut t, 5).action,
            ActionKind::Allow,
            "requests missing a key are ignored"
        );
    }
    assert_eq!(
        t.limited_keys(&RateRuleId::new("acl", None, "rate"), 5),
        vec![vec!["abc".to_string(), "GET".to_string()]]
    );
}

#[test]
fn rate_rule_inside_a_group_is_identified_by_the_group_rule() {
    let rate = rule(
        "inner-rate",
        0,
        r#"{"RateBasedStatement": {"Limit": 10, "AggregateKeyType": "IP"}}"#,
        BLOCK,
    );
    let arn = "arn:aws:wafv2:us-east-1:111122223333:regional/rulegroup/g/1";
    let res = MapResolver::default().with_group(arn, "g", &[rate], None);
    let r = rule(
        "outer",
        0,
        &format!(r#"{{"RuleGroupReferenceStatement": {{"ARN": "{arn}"}}}}"#),
        r#""OverrideAction": {"None": {}}"#,
    );
    let acl = compile_with(&[r], DEFAULT_ALLOW, &res).unwrap();
    let mut t = RateTracker::default();
    for _ in 0..11 {
        evaluate(&acl, &get("/"), &mut t, 1);
    }
    assert_eq!(
        t.limited_keys(&RateRuleId::new("acl", Some("outer"), "inner-rate"), 1)
            .len(),
        1
    );
}

#[test]
fn forwarded_header_absent_means_the_rule_does_not_apply() {
    let stmt = r#"{"NotStatement": {"Statement": {"GeoMatchStatement": {"CountryCodes": ["DE"], "ForwardedIPConfig": {"HeaderName": "X-Forwarded-For", "FallbackBehavior": "NO_MATCH"}}}}}"#;
    let acl = compile(&[rule("r", 0, stmt, BLOCK)], DEFAULT_ALLOW);
    assert_eq!(
        run(&acl, &get("/")).action,
        ActionKind::Allow,
        "not inverted into a match"
    );
    assert_eq!(
        run(&acl, &get("/").with_header("X-Forwarded-For", "192.0.2.7")).action,
        ActionKind::Block
    );
}

#[test]
fn components_are_memoised_per_request() {
    // Two statements on the same component and chain share a slot; a different chain does not.
    let a = byte_match("a", QS, "CONTAINS", &["URL_DECODE"]);
    let b = byte_match("b", QS, "CONTAINS", &["URL_DECODE"]);
    let c = byte_match("c", QS, "CONTAINS", &["LOWERCASE"]);
    let acl = compile(
        &[
            rule("a", 0, &a, COUNT),
            rule("b", 1, &b, COUNT),
            rule("c", 2, &c, COUNT),
        ],
        DEFAULT_ALLOW,
    );
    assert_eq!(acl.slots, 2);
}
