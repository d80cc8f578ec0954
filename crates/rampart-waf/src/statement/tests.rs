use crate::action::ActionKind;
use crate::evaluate::evaluate;
use crate::rate::RateTracker;
use crate::request::Request;
use crate::testutil::*;
use proptest::prelude::*;
use std::net::IpAddr;

fn blocks_with(statement: &str, resolver: &MapResolver, req: &Request) -> bool {
    let acl = compile_with(&[rule("r", 0, statement, BLOCK)], DEFAULT_ALLOW, resolver).unwrap();
    evaluate(&acl, req, &mut RateTracker::default(), 0).action == ActionKind::Block
}

fn blocks(statement: &str, req: &Request) -> bool {
    blocks_with(statement, &MapResolver::default(), req)
}

const QS: &str = r#"{"QueryString": {}}"#;
const PATH: &str = r#"{"UriPath": {}}"#;

#[test]
fn byte_match_positions() {
    let r = get("/admin/panel");
    assert!(blocks(
        &byte_match("/admin/panel", PATH, "EXACTLY", &[]),
        &r
    ));
    assert!(!blocks(&byte_match("/admin", PATH, "EXACTLY", &[]), &r));
    assert!(blocks(&byte_match("/admin", PATH, "STARTS_WITH", &[]), &r));
    assert!(blocks(&byte_match("panel", PATH, "ENDS_WITH", &[]), &r));
    assert!(blocks(&byte_match("min/pa", PATH, "CONTAINS", &[]), &r));
    assert!(
        !blocks(&byte_match("ADMIN", PATH, "CONTAINS", &[]), &r),
        "case-sensitive without LOWERCASE"
    );
    assert!(blocks(
        &byte_match("admin", PATH, "CONTAINS", &["UPPERCASE", "LOWERCASE"]),
        &get("/ADMIN")
    ));
}

#[test]
fn byte_match_contains_word() {
    let w = |v: &str| {
        blocks(
            &byte_match("badword", QS, "CONTAINS_WORD", &[]),
            &get(&format!("/?{v}")),
        )
    };
    assert!(w("badword"));
    assert!(w("badword;x"));
    assert!(w("x=badword"));
    assert!(w("a-badword-b"));
    assert!(!w("badwords"));
    assert!(!w("xbadword"));
    assert!(!w("bad_badword"), "underscore is a word character");
}

#[test]
fn byte_match_on_transformed_value() {
    let stmt = byte_match(
        "<script>",
        QS,
        "CONTAINS",
        &["URL_DECODE", "HTML_ENTITY_DECODE", "LOWERCASE"],
    );
    assert!(blocks(&stmt, &get("/?q=%26lt;SCRIPT%26gt;")));
}

#[test]
fn sqli_match_statement() {
    let stmt = |field: &str, level: &str| {
        format!(
            r#"{{"SqliMatchStatement": {{"FieldToMatch": {field}, "TextTransformations": [{}], "SensitivityLevel": "{level}"}}}}"#,
            transformations(&["URL_DECODE"])
        )
    };
    let args = r#"{"AllQueryArguments": {}}"#;
    assert!(blocks(&stmt(args, "LOW"), &get("/?id=1%27%20OR%201=1--")));
    assert!(blocks(
        &stmt(args, "LOW"),
        &get("/?id=1%20UNION%20SELECT%20a,b%20FROM%20users")
    ));
    assert!(!blocks(
        &stmt(args, "LOW"),
        &get("/?name=O%27Reilly&q=select+a+product")
    ));
    assert!(blocks(
        &stmt(args, "HIGH"),
        &get("/?q=select+name+from+users")
    ));
    let body =
        Request::new("POST", b"/", IpAddr::from([192, 0, 2, 1])).with_body(&b"user=admin'--"[..]);
    assert!(blocks(&stmt(r#"{"Body": {}}"#, "LOW"), &body));
}

#[test]
fn xss_match_statement() {
    let stmt = format!(
        r#"{{"XssMatchStatement": {{"FieldToMatch": {{"AllQueryArguments": {{}}}}, "TextTransformations": [{}]}}}}"#,
        transformations(&["URL_DECODE", "HTML_ENTITY_DECODE"])
    );
    assert!(blocks(&stmt, &get("/?q=%3Cscript%3Ealert(1)%3C/script%3E")));
    assert!(blocks(
        &stmt,
        &get("/?q=%3Cimg%20src=x%20onerror=alert(1)%3E")
    ));
    assert!(!blocks(&stmt, &get("/?q=fish+%26+chips&lang=en")));
}

#[test]
fn size_constraint_statement() {
    let stmt = |op: &str, size: u64| {
        format!(
            r#"{{"SizeConstraintStatement": {{"FieldToMatch": {QS}, "ComparisonOperator": "{op}", "Size": {size}, "TextTransformations": [{}]}}}}"#,
            transformations(&[])
        )
    };
    let r = get("/?abcde");
    assert!(blocks(&stmt("EQ", 5), &r));
    assert!(blocks(&stmt("NE", 4), &r));
    assert!(blocks(&stmt("LE", 5), &r));
    assert!(!blocks(&stmt("LT", 5), &r));
    assert!(blocks(&stmt("GE", 5), &r));
    assert!(!blocks(&stmt("GT", 5), &r));
    assert!(
        !blocks(&stmt("GE", 0), &get("/")),
        "a missing component does not match"
    );
    let path = format!(
        r#"{{"SizeConstraintStatement": {{"FieldToMatch": {PATH}, "ComparisonOperator": "EQ", "Size": 1, "TextTransformations": [{}]}}}}"#,
        transformations(&[])
    );
    assert!(blocks(&path, &get("/")), "URI `/` counts as one character");
}

#[test]
fn geo_match_with_and_without_forwarded_ip() {
    let us = r#"{"GeoMatchStatement": {"CountryCodes": ["US", "CA"]}}"#;
    assert!(blocks(us, &get("/")));
    let de = Request::new("GET", b"/", IpAddr::from([198, 51, 100, 9]));
    assert!(!blocks(us, &de));
    let fwd = r#"{"GeoMatchStatement": {"CountryCodes": ["DE"], "ForwardedIPConfig": {"HeaderName": "X-Forwarded-For", "FallbackBehavior": "MATCH"}}}"#;
    assert!(blocks(
        fwd,
        &get("/").with_header("x-forwarded-for", "198.51.100.1, 10.0.0.1")
    ));
    assert!(
        !blocks(
            fwd,
            &get("/").with_header("X-Forwarded-For", "10.0.0.1, 198.51.100.1")
        ),
        "first address"
    );
    assert!(
        blocks(fwd, &get("/").with_header("X-Forwarded-For", "not-an-ip")),
        "fallback MATCH"
    );
    assert!(
        !blocks(fwd, &get("/")),
        "header absent: the rule does not apply"
    );
}

#[test]
fn ip_set_reference_positions() {
    let arn = "arn:aws:wafv2:us-east-1:111122223333:regional/ipset/bad/1";
    let res = MapResolver::default().with_ip_set(arn, "IPV4", &["203.0.113.0/24"]);
    let plain = format!(r#"{{"IPSetReferenceStatement": {{"ARN": "{arn}"}}}}"#);
    assert!(blocks_with(
        &plain,
        &res,
        &Request::new("GET", b"/", IpAddr::from([203, 0, 113, 5]))
    ));
    assert!(!blocks_with(&plain, &res, &get("/")));
    let fwd = |pos: &str| {
        format!(
            r#"{{"IPSetReferenceStatement": {{"ARN": "{arn}", "IPSetForwardedIPConfig": {{"HeaderName": "X-Forwarded-For", "FallbackBehavior": "NO_MATCH", "Position": "{pos}"}}}}}}"#
        )
    };
    let chain = get("/").with_header("X-Forwarded-For", "10.0.0.1, 203.0.113.9, 10.0.0.2");
    assert!(!blocks_with(&fwd("FIRST"), &res, &chain));
    assert!(!blocks_with(&fwd("LAST"), &res, &chain));
    assert!(blocks_with(&fwd("ANY"), &res, &chain));
    let last = get("/").with_header("X-Forwarded-For", "10.0.0.1, 203.0.113.9");
    assert!(blocks_with(&fwd("LAST"), &res, &last));
    assert!(
        !blocks_with(
            &fwd("ANY"),
            &res,
            &get("/").with_header("X-Forwarded-For", "garbage")
        ),
        "fallback NO_MATCH"
    );
}

#[test]
fn regex_match_and_pattern_sets() {
    let re = format!(
        r#"{{"RegexMatchStatement": {{"RegexString": "^/api/v[0-9]+/admin", "FieldToMatch": {PATH}, "TextTransformations": [{}]}}}}"#,
        transformations(&[])
    );
    assert!(blocks(&re, &get("/api/v2/admin/users")));
    assert!(!blocks(&re, &get("/api/vx/admin")));
    let arn = "arn:aws:wafv2:us-east-1:111122223333:regional/regexpatternset/r/1";
    let res = MapResolver::default().with_regex_set(arn, &["(?i)wp-login", "\\.env$"]);
    let set = format!(
        r#"{{"RegexPatternSetReferenceStatement": {{"ARN": "{arn}", "FieldToMatch": {PATH}, "TextTransformations": [{}]}}}}"#,
        transformations(&[])
    );
    assert!(blocks_with(&set, &res, &get("/WP-LOGIN.php")));
    assert!(blocks_with(&set, &res, &get("/app/.env")));
    assert!(!blocks_with(&set, &res, &get("/index.html")));
}

#[test]
fn asn_match() {
    let stmt = r#"{"AsnMatchStatement": {"AsnList": [64496]}}"#;
    let mut r = get("/");
    r.asn = Some(64496);
    assert!(blocks(stmt, &r));
    assert!(!blocks(stmt, &get("/")));
}

#[test]
fn and_or_not() {
    let a = byte_match("a", QS, "CONTAINS", &[]);
    let b = byte_match("b", QS, "CONTAINS", &[]);
    let and = format!(r#"{{"AndStatement": {{"Statements": [{a}, {b}]}}}}"#);
    let or = format!(r#"{{"OrStatement": {{"Statements": [{a}, {b}]}}}}"#);
    let not = format!(r#"{{"NotStatement": {{"Statement": {a}}}}}"#);
    assert!(blocks(&and, &get("/?ab")));
    assert!(!blocks(&and, &get("/?a")));
    assert!(blocks(&or, &get("/?b")));
    assert!(!blocks(&or, &get("/?c")));
    assert!(blocks(&not, &get("/?c")));
    assert!(!blocks(&not, &get("/?a")));
}

#[test]
fn invalid_statements_name_their_field() {
    let err = |stmt: &str| {
        compile_with(
            &[rule("r", 0, stmt, BLOCK)],
            DEFAULT_ALLOW,
            &MapResolver::default(),
        )
        .unwrap_err()
    };
    assert_eq!(
        err(&byte_match("x", QS, "SOMEWHERE", &[])).field,
        "BYTE_MATCH_STATEMENT"
    );
    assert_eq!(
        err(&byte_match("a b", QS, "CONTAINS_WORD", &[])).field,
        "BYTE_MATCH_STATEMENT"
    );
    let bad_re = format!(
        r#"{{"RegexMatchStatement": {{"RegexString": "(a)\\1", "FieldToMatch": {PATH}, "TextTransformations": [{}]}}}}"#,
        transformations(&[])
    );
    assert_eq!(err(&bad_re).code, crate::error::ErrorCode::InvalidParameter);
    assert_eq!(
        err(r#"{"GeoMatchStatement": {"CountryCodes": ["usa"]}}"#).field,
        "GEO_MATCH_STATEMENT"
    );
    let one = format!(
        r#"{{"AndStatement": {{"Statements": [{}]}}}}"#,
        byte_match("a", QS, "CONTAINS", &[])
    );
    assert_eq!(err(&one).field, "AND_STATEMENT");
    let missing = r#"{"IPSetReferenceStatement": {"ARN": "arn:aws:wafv2:us-east-1:111122223333:regional/ipset/none/1"}}"#;
    assert_eq!(err(missing).code, crate::error::ErrorCode::NonexistentItem);
    let nested_rate = r#"{"NotStatement": {"Statement": {"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "IP"}}}}"#;
    assert_eq!(err(nested_rate).field, "STATEMENT");
    let ja3 = format!(
        r#"{{"ByteMatchStatement": {{"SearchString": "{}", "FieldToMatch": {{"JA3Fingerprint": {{"FallbackBehavior": "MATCH"}}}}, "PositionalConstraint": "CONTAINS", "TextTransformations": [{}]}}}}"#,
        b64("abc"),
        transformations(&[])
    );
    assert_eq!(
        err(&ja3).field,
        "FIELD_TO_MATCH",
        "fingerprints take EXACTLY only"
    );
    let no_tt = format!(
        r#"{{"ByteMatchStatement": {{"SearchString": "{}", "FieldToMatch": {QS}, "PositionalConstraint": "CONTAINS", "TextTransformations": []}}}}"#,
        b64("abc")
    );
    assert_eq!(err(&no_tt).field, "TEXT_TRANSFORMATION");
}

#[test]
fn ja3_exact_match() {
    let stmt = format!(
        r#"{{"ByteMatchStatement": {{"SearchString": "{}", "FieldToMatch": {{"JA3Fingerprint": {{"FallbackBehavior": "NO_MATCH"}}}}, "PositionalConstraint": "EXACTLY", "TextTransformations": [{}]}}}}"#,
        b64("e7d705a3286e19ea42f587b344ee6865"),
        transformations(&[])
    );
    let mut r = get("/");
    r.ja3 = Some("e7d705a3286e19ea42f587b344ee6865".into());
    assert!(blocks(&stmt, &r));
    assert!(!blocks(&stmt, &get("/")));
}

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        "[abc]".prop_map(|s| byte_match(&s, QS, "CONTAINS", &[])),
        Just(r#"{"GeoMatchStatement": {"CountryCodes": ["US"]}}"#.to_string()),
        Just(format!(
            r#"{{"SqliMatchStatement": {{"FieldToMatch": {QS}, "TextTransformations": [{}]}}}}"#,
            transformations(&["URL_DECODE"])
        )),
    ]
}

fn statement() -> impl Strategy<Value = String> {
    leaf().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 2..4).prop_map(|v| format!(
                r#"{{"AndStatement": {{"Statements": [{}]}}}}"#,
                v.join(",")
            )),
            proptest::collection::vec(inner.clone(), 2..4)
                .prop_map(|v| format!(r#"{{"OrStatement": {{"Statements": [{}]}}}}"#, v.join(","))),
            inner.prop_map(|s| format!(r#"{{"NotStatement": {{"Statement": {s}}}}}"#)),
        ]
    })
}

proptest! {
    #[test]
    fn not_not_is_identity(s in statement(), q in "[abc' =1]{0,12}") {
        let double = format!(r#"{{"NotStatement": {{"Statement": {{"NotStatement": {{"Statement": {s}}}}}}}}}"#);
        let r = get(&format!("/?{q}"));
        prop_assert_eq!(blocks(&s, &r), blocks(&double, &r));
    }

    #[test]
    fn evaluation_never_panics(s in statement(), target in proptest::collection::vec(any::<u8>(), 0..200),
                               body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let r = Request::new("POST", &target, IpAddr::from([192, 0, 2, 1]))
            .with_header("X-Forwarded-For", body.clone())
            .with_body(body);
        blocks(&s, &r);
    }
}
