//! Operator-by-operator facts from iam.md section 7.

use super::*;

fn t(op: &str, key: &str, values: &[&str], ctx: &Context) -> bool {
    let values: Vec<String> = values.iter().map(|s| (*s).to_owned()).collect();
    ConditionTest::compile(op, key, &values, true).is_some_and(|c| c.evaluate(ctx))
}

fn ctx() -> Context {
    Context::new()
        .with("aws:username", "alice")
        .with("s3:prefix", "home/alice/")
        .with("aws:SourceIp", "203.0.113.7")
        .with("aws:CurrentTime", "2024-06-01T12:00:00Z")
        .with("aws:EpochTime", "1717243200")
        .with("aws:MultiFactorAuthAge", "300")
        .with("aws:SecureTransport", "true")
        .with(
            "aws:PrincipalArn",
            "arn:aws:iam::111122223333:role/ops/Admin",
        )
        .with("aws:PrincipalTag/team", "Blue")
        .with("aws:PrincipalAccount", "111122223333")
        .with_multi("aws:TagKeys", ["env", "team"])
        .with_multi("empty", Vec::<String>::new())
}

#[test]
fn operator_names() {
    assert!(is_operator("StringEquals"));
    assert!(is_operator("ForAllValues:StringLikeIfExists"));
    assert!(is_operator("ArnEquals"));
    assert!(!is_operator("NullIfExists"));
    assert!(!is_operator("stringequals"));
    assert!(!is_operator("StringEqualz"));
    assert!(!is_operator("ForSomeValues:StringEquals"));
}

#[test]
fn string_equals_is_exact_and_star_is_literal() {
    let c = ctx();
    assert!(t("StringEquals", "aws:username", &["alice"], &c));
    assert!(!t("StringEquals", "aws:username", &["Alice"], &c));
    assert!(!t("StringEquals", "aws:username", &["a*"], &c));
    assert!(t("StringEquals", "AWS:UserName", &["bob", "alice"], &c));
    assert!(t("StringNotEquals", "aws:username", &["bob", "carol"], &c));
    assert!(!t("StringNotEquals", "aws:username", &["bob", "alice"], &c));
}

#[test]
fn ignore_case_and_like() {
    let c = ctx();
    assert!(t("StringEqualsIgnoreCase", "aws:username", &["ALICE"], &c));
    assert!(!t(
        "StringNotEqualsIgnoreCase",
        "aws:username",
        &["ALICE"],
        &c
    ));
    assert!(t(
        "StringLike",
        "s3:prefix",
        &["home/${aws:username}/*"],
        &c
    ));
    assert!(!t("StringLike", "s3:prefix", &["home/bob/*"], &c));
    assert!(t("StringNotLike", "s3:prefix", &["home/bob/*"], &c));
    assert!(t("StringLike", "aws:username", &["al?ce"], &c));
}

#[test]
fn numeric() {
    let c = ctx();
    assert!(t(
        "NumericLessThan",
        "aws:MultiFactorAuthAge",
        &["3600"],
        &c
    ));
    assert!(!t(
        "NumericGreaterThan",
        "aws:MultiFactorAuthAge",
        &["3600"],
        &c
    ));
    assert!(t("NumericEquals", "aws:MultiFactorAuthAge", &["300.0"], &c));
    assert!(t(
        "NumericNotEquals",
        "aws:MultiFactorAuthAge",
        &["301"],
        &c
    ));
    assert!(t(
        "NumericLessThanEquals",
        "aws:MultiFactorAuthAge",
        &["300"],
        &c
    ));
    assert!(t(
        "NumericGreaterThanEquals",
        "aws:MultiFactorAuthAge",
        &["300"],
        &c
    ));
    assert!(!t("NumericEquals", "aws:MultiFactorAuthAge", &["abc"], &c));
    // No variables in numeric conditions: the text is not a number.
    assert!(!t(
        "NumericEquals",
        "aws:MultiFactorAuthAge",
        &["${aws:MultiFactorAuthAge}"],
        &c
    ));
}

#[test]
fn dates_iso_and_epoch_seconds() {
    let c = ctx();
    assert!(t(
        "DateGreaterThan",
        "aws:CurrentTime",
        &["2024-01-01T00:00:00Z"],
        &c
    ));
    assert!(t("DateLessThan", "aws:CurrentTime", &["2025-01-01"], &c));
    assert!(t("DateEquals", "aws:CurrentTime", &["1717243200"], &c));
    assert!(t("DateLessThan", "aws:CurrentTime", &["1800000000"], &c));
    assert!(t(
        "DateGreaterThanEquals",
        "aws:EpochTime",
        &["2024-06-01T12:00:00Z"],
        &c
    ));
    assert!(t(
        "DateNotEquals",
        "aws:CurrentTime",
        &["2024-06-01T12:00:01Z"],
        &c
    ));
    assert!(t(
        "DateLessThanEquals",
        "aws:CurrentTime",
        &["2024-06-01T14:00:00+02:00"],
        &c
    ));
}

#[test]
fn bool_binary_ip() {
    let c = ctx();
    assert!(t("Bool", "aws:SecureTransport", &["true"], &c));
    assert!(t("Bool", "aws:SecureTransport", &["TRUE"], &c));
    assert!(!t("Bool", "aws:SecureTransport", &["false"], &c));
    assert!(t("IpAddress", "aws:SourceIp", &["203.0.113.0/24"], &c));
    assert!(!t("IpAddress", "aws:SourceIp", &["198.51.100.0/24"], &c));
    assert!(t(
        "NotIpAddress",
        "aws:SourceIp",
        &["198.51.100.0/24", "10.0.0.0/8"],
        &c
    ));
    assert!(!t(
        "NotIpAddress",
        "aws:SourceIp",
        &["198.51.100.0/24", "203.0.113.7"],
        &c
    ));
    let b = Context::new().with("k", "QmluYXJ5");
    assert!(t("BinaryEquals", "k", &["QmluYXJ5"], &b));
    assert!(!t("BinaryEquals", "k", &["qmluyxj5"], &b));
}

#[test]
fn arn_equals_globs_like_arn_like() {
    let c = ctx();
    assert!(t(
        "ArnLike",
        "aws:PrincipalArn",
        &["arn:aws:iam::*:role/ops/*"],
        &c
    ));
    assert!(t(
        "ArnEquals",
        "aws:PrincipalArn",
        &["arn:aws:iam::*:role/ops/*"],
        &c
    ));
    assert!(!t(
        "ArnLike",
        "aws:PrincipalArn",
        &["arn:aws:iam::*:role/dev/*"],
        &c
    ));
    assert!(t(
        "ArnNotLike",
        "aws:PrincipalArn",
        &["arn:aws:iam::*:role/dev/*"],
        &c
    ));
    assert!(t(
        "ArnEquals",
        "aws:PrincipalArn",
        &["arn:aws:iam::${aws:PrincipalAccount}:role/ops/Admin"],
        &c
    ));
    // A value that is not an ARN never matches.
    assert!(!t("ArnLike", "aws:username", &["arn:*:*:*:*:*"], &c));
    // Case-sensitive.
    assert!(!t(
        "ArnEquals",
        "aws:PrincipalArn",
        &["arn:aws:iam::111122223333:role/ops/admin"],
        &c
    ));
}

#[test]
fn missing_keys() {
    let c = ctx();
    assert!(!t("StringEquals", "aws:SourceVpc", &["vpc-1"], &c));
    assert!(t("StringNotEquals", "aws:SourceVpc", &["vpc-1"], &c));
    assert!(t(
        "StringNotEquals",
        "aws:PrincipalOrgID",
        &["o-123"],
        &Context::new()
    ));
    assert!(t("StringEqualsIfExists", "aws:SourceVpc", &["vpc-1"], &c));
    assert!(t(
        "BoolIfExists",
        "aws:MultiFactorAuthPresent",
        &["false"],
        &c
    ));
    assert!(!t("IpAddress", "aws:nope", &["0.0.0.0/0"], &c));
    assert!(t("NotIpAddress", "aws:nope", &["0.0.0.0/0"], &c));
    // IfExists with a present key evaluates normally.
    assert!(!t("StringEqualsIfExists", "aws:username", &["bob"], &c));
}

#[test]
fn null_operator() {
    let c = ctx();
    assert!(t("Null", "aws:SourceVpc", &["true"], &c));
    assert!(!t("Null", "aws:SourceVpc", &["false"], &c));
    assert!(t("Null", "aws:username", &["false"], &c));
    assert!(!t("Null", "aws:username", &["true"], &c));
    assert!(t("Null", "empty", &["true"], &c));
}

#[test]
fn set_operators() {
    let c = ctx();
    assert!(t(
        "ForAllValues:StringEquals",
        "aws:TagKeys",
        &["env", "team", "cost"],
        &c
    ));
    assert!(!t("ForAllValues:StringEquals", "aws:TagKeys", &["env"], &c));
    assert!(t("ForAnyValue:StringEquals", "aws:TagKeys", &["env"], &c));
    assert!(!t("ForAnyValue:StringEquals", "aws:TagKeys", &["cost"], &c));
    // Absent or empty: ForAllValues true, ForAnyValue false.
    assert!(t("ForAllValues:StringEquals", "aws:nope", &["x"], &c));
    assert!(t("ForAllValues:StringEquals", "empty", &["x"], &c));
    assert!(!t("ForAnyValue:StringEquals", "aws:nope", &["x"], &c));
    assert!(!t("ForAnyValue:StringEquals", "empty", &["x"], &c));
    assert!(t(
        "ForAnyValue:StringEqualsIfExists",
        "aws:nope",
        &["x"],
        &c
    ));
    // Negated base: each request value equals none of the policy values.
    assert!(t(
        "ForAllValues:StringNotEquals",
        "aws:TagKeys",
        &["cost"],
        &c
    ));
    assert!(!t(
        "ForAllValues:StringNotEquals",
        "aws:TagKeys",
        &["env"],
        &c
    ));
    assert!(t(
        "ForAnyValue:StringNotEquals",
        "aws:TagKeys",
        &["env"],
        &c
    ));
    // A single-valued key under a set operator is a one-element set.
    assert!(t(
        "ForAnyValue:StringEquals",
        "aws:username",
        &["alice"],
        &c
    ));
    // Multivalued key without a set operator: no match.
    assert!(!t("StringEquals", "aws:TagKeys", &["env"], &c));
}

#[test]
fn unresolvable_variables() {
    let c = ctx();
    // Positive operators do not match, negated ones do (iam.md 8; the oracle differs).
    assert!(!t(
        "StringEquals",
        "aws:username",
        &["${aws:PrincipalTag/missing}"],
        &c
    ));
    assert!(t(
        "StringNotEquals",
        "aws:username",
        &["${aws:PrincipalTag/missing}"],
        &c
    ));
    assert!(t(
        "StringLike",
        "aws:username",
        &["${aws:PrincipalTag/missing, 'alice'}"],
        &c
    ));
    // Tag keys in variables are case-insensitive.
    assert!(t(
        "StringEquals",
        "aws:PrincipalTag/team",
        &["${aws:principaltag/TEAM}"],
        &c
    ));
}

#[test]
fn variables_disabled_under_2008() {
    let c = Context::new()
        .with("k", "${aws:username}")
        .with("aws:username", "alice");
    let values = vec!["${aws:username}".to_owned()];
    let test = ConditionTest::compile("StringEquals", "k", &values, false);
    assert!(test.is_some_and(|x| x.evaluate(&c)));
}

#[test]
fn variable_operators() {
    assert!(allows_variables("StringLike"));
    assert!(allows_variables("ArnEquals"));
    assert!(!allows_variables("NumericEquals"));
    assert!(!allows_variables("IpAddress"));
    assert!(is_date_operator("DateLessThanIfExists"));
}

proptest::proptest! {
    /// Date values written by `Context::set_request_time` read back exactly.
    #[test]
    fn iso_dates_round_trip(secs in -2_000_000_000i64..8_000_000_000i64) {
        let text = crate::context::iso8601(secs);
        proptest::prop_assert_eq!(date::parse(&text), Some(secs as f64));
    }
}
