//! Validation facts: AWS's MalformedPolicyDocument messages for given documents.

use super::*;

fn err(kind: PolicyKind, json: &str) -> String {
    match parse(json, kind, Mode::Write) {
        Ok(_) => "OK".to_owned(),
        Err(e) => e.to_string(),
    }
}

fn id(statement: &str) -> String {
    err(
        PolicyKind::Identity,
        &format!(r#"{{"Version":"2012-10-17","Statement":{statement}}}"#),
    )
}

const SYNTAX: &str = "Syntax errors in policy.";

#[test]
fn syntax_errors() {
    assert_eq!(
        err(PolicyKind::Identity, "This is not a json document"),
        SYNTAX
    );
    assert_eq!(
        err(PolicyKind::Identity, r#"{"Version":"2012-10-17"}"#),
        SYNTAX
    );
    assert_eq!(
        err(
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[]}"#
        ),
        SYNTAX
    );
    assert_eq!(
        err(
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":["afd"]}"#
        ),
        SYNTAX
    );
    let s = r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}"#;
    assert_eq!(
        err(
            PolicyKind::Identity,
            &format!(r#"{{"Version":"2013-10-17","Statement":{s}}}"#)
        ),
        SYNTAX
    );
    assert_eq!(
        err(
            PolicyKind::Identity,
            &format!(r#"{{"Version":"2012-10-17","Statement":{s},"Extra":"v"}}"#)
        ),
        SYNTAX
    );
    assert_eq!(
        err(
            PolicyKind::Identity,
            &format!(r#"{{"Version":"2012-10-17","Id":["x"],"Statement":{s}}}"#)
        ),
        SYNTAX
    );
    assert_eq!(
        id(
            r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Extra":"v"}"#
        ),
        SYNTAX
    );
    assert_eq!(
        id(r#"{"Effect":"invalid","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}"#),
        SYNTAX
    );
    assert_eq!(
        id(r#"{"Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}"#),
        SYNTAX
    );
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":{"a":"arn:aws:s3:::b"}}"#),
        SYNTAX
    );
    assert_eq!(
        id(
            r#"{"Effect":"Allow","Action":"s3:ListBucket","NotAction":"s3:Get","Resource":"arn:aws:s3:::b"}"#
        ),
        SYNTAX
    );
    assert_eq!(
        id(
            r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}"#
        ),
        SYNTAX
    );
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":"x"}"#),
        SYNTAX
    );
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Sid":["a"]}"#),
        SYNTAX
    );
    // Characters outside TAB, LF, CR, U+0020-U+00FF.
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b/✓"}"#),
        SYNTAX
    );
}

#[test]
fn unknown_operator_with_empty_block_is_accepted() {
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"Foo":{}}}"#),
        "OK"
    );
}

#[test]
fn version_rules() {
    let s = r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}"#;
    let v = "Policy document must be version 2012-10-17 or greater.";
    assert_eq!(
        err(PolicyKind::Identity, &format!(r#"{{"Statement":{s}}}"#)),
        v
    );
    assert_eq!(
        err(
            PolicyKind::Identity,
            &format!(r#"{{"Version":"2008-10-17","Statement":{s}}}"#)
        ),
        v
    );
    let trust = r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ecs.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;
    assert_eq!(err(PolicyKind::Trust, trust), "OK");
}

#[test]
fn action_messages() {
    let vendor = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"invalid","Resource":"arn:aws:s3:::b"}"#),
        vendor
    );
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"a a:ListBucket","Resource":"arn:aws:s3:::b"}"#),
        "Vendor a a is not valid"
    );
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"s3:List:Bucket","Resource":"arn:aws:s3:::b"}"#),
        "Actions/Condition can contain only one colon."
    );
    let none = "Policy statement must contain actions.";
    assert_eq!(
        id(r#"{"Effect":"Allow","Resource":"arn:aws:s3:::b"}"#),
        none
    );
    assert_eq!(id(r#"{"Effect":"Allow"}"#), none);
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":[],"Resource":"arn:aws:s3:::b"}"#),
        none
    );
    assert_eq!(
        id(
            r#"[{"Effect":"Deny"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}]"#
        ),
        none
    );
}

#[test]
fn resource_messages() {
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"invalid resource"}"#),
        r#"Resource invalid resource must be in ARN format or "*"."#
    );
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:bsdfdsafsad"}"#),
        r#"Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*"."#
    );
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:b:c:d:e:f:g:h"}"#),
        r#"Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h"."#
    );
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:b:cadfsdf"}"#),
        r#"Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*"."#
    );
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws"}"#),
        "Resource vendor must be fully qualified and cannot contain regexes."
    );
    assert_eq!(
        id(
            r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:us-east-1::example_bucket"}"#
        ),
        "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information."
    );
    assert_eq!(
        id(
            r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:us-east-1::example_bucket"}"#
        ),
        "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information."
    );
    assert!(id(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:::example_bucket"}"#)
        .starts_with("IAM resource path must either be \"*\" or start with user/, federated-user/, role/"));
    let missing = "Policy statement must contain resources.";
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"s3:ListBucket"}"#),
        missing
    );
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":[]}"#),
        missing
    );
}

#[test]
fn resource_error_order_and_nulls() {
    // A format error wins over the truncated-ARN legacy check, and the smallest value
    // with an error is the one reported.
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"aws:s3:::example_bucket"}"#),
        r#"Partition "s3" is not valid for resource "arn:s3:::example_bucket:*"."#
    );
    assert_eq!(
        id(
            r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:error:s3:::example_bucket","arn:error:s3::example_bucket"]}"#
        ),
        r#"Partition "error" is not valid for resource "arn:error:s3:::example_bucket"."#
    );
    assert_eq!(
        id(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::b",null]}"#),
        "OK"
    );
    assert_eq!(
        id(
            r#"{"Effect":"Allow","NotAction":"s3:ListBucket","Resource":"arn:aws::::example_bucket"}"#
        ),
        "The policy failed legacy parsing"
    );
}

#[test]
fn legacy_parsing() {
    let legacy = "The policy failed legacy parsing";
    assert_eq!(
        id(
            r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3::example_bucket"}"#
        ),
        legacy
    );
    assert_eq!(
        id(r#"{"Effect":"allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}"#),
        legacy
    );
    assert_eq!(
        id(
            r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"not-a-date"}}}"#
        ),
        legacy
    );
}

#[test]
fn sid_rules() {
    let dup = r#"[{"Sid":"A","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},
                  {"Sid":"A","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]"#;
    assert_eq!(
        id(dup),
        "Statement IDs (SID) in a single policy must be unique."
    );
    // IAM accepts underscores in Sids (AWS-accepted documents in moto's corpus).
    let underscored =
        r#"{"Sid":"Allow_List","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}"#;
    assert_eq!(id(underscored), "OK");
    // Bucket policies accept any Sid text.
    let bucket = r#"{"Version":"2012-10-17","Statement":{"Sid":"my sid","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#;
    assert_eq!(err(PolicyKind::Resource, bucket), "OK");
}

#[test]
fn principal_rules_per_kind() {
    assert_eq!(
        id(r#"{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"*"}"#),
        "Policy document should not specify a principal."
    );
    let no_principal = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#;
    assert_eq!(
        err(PolicyKind::Resource, no_principal),
        "Missing required field Principal"
    );
    let wildcard_user = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#;
    assert_eq!(
        err(PolicyKind::Resource, wildcard_user),
        r#"Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:user/*""#
    );
    let ok = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:role/r"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#;
    assert_eq!(err(PolicyKind::Resource, ok), "OK");
}

#[test]
fn trust_policy_rules() {
    let with_resource = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Resource":"*"}}"#;
    assert_eq!(
        err(PolicyKind::Trust, with_resource),
        "Has prohibited field Resource."
    );
    let bad_action = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject"}}"#;
    assert!(
        err(PolicyKind::Trust, bad_action)
            .starts_with("Trust Policy statement actions can only be")
    );
    let ok = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["sts:AssumeRole","sts:TagSession"]}}"#;
    assert_eq!(err(PolicyKind::Trust, ok), "OK");
}

#[test]
fn organizations_policy_rules() {
    let scp = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}}"#;
    assert_eq!(err(PolicyKind::ServiceControl, scp), "OK");
    let rcp_allow = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#;
    assert_eq!(
        err(PolicyKind::ResourceControl, rcp_allow),
        "Resource control policies can only contain Deny statements."
    );
    let rcp_principal = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}}"#;
    assert!(err(PolicyKind::ResourceControl, rcp_principal).contains("must be \"*\""));
    let rcp = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-1"}}}}"#;
    assert_eq!(err(PolicyKind::ResourceControl, rcp), "OK");
}

#[test]
fn stored_mode_is_lenient() {
    let doc = r#"{"Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*","Condition":{"Foo":{"a":"b"}}}}"#;
    let p = parse(doc, PolicyKind::Identity, Mode::Stored);
    assert!(p.is_ok_and(|p| p.version() == Version::V2008 && p.statement_count() == 1));
}

#[test]
fn builtin_full_aws_access() {
    let p = Policy::full_aws_access();
    assert_eq!(p.statement_count(), 1);
    assert_eq!(p.name(), Some("FullAWSAccess"));
    assert_eq!(p.kind(), PolicyKind::ServiceControl);
}

#[test]
fn condition_keys_of_a_policy() {
    let doc = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"a","s3:prefix":"x"}}},
        {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"AWS:principaltag/TEAM":"true"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#;
    let p = parse(doc, PolicyKind::Identity, Mode::Write);
    assert_eq!(
        p.map(|p| p.condition_keys()),
        Ok(vec![
            "aws:PrincipalTag/team".to_owned(),
            "aws:SourceIp".to_owned(),
            "s3:prefix".to_owned()
        ])
    );
}
