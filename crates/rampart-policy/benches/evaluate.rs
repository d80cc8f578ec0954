//! Decisions per second on a realistic principal: a role session with 10 attached policies
//! (60 statements, conditions and policy variables), a permissions boundary, 3 SCP levels
//! and a bucket policy. `cargo bench -p rampart-policy --bench evaluate`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rampart_policy::{Context, Policy, PolicyKind, PolicySet, Principal, Request, evaluate};

const ACCOUNT: &str = "111122223333";
const SERVICES: [&str; 10] = [
    "s3",
    "ec2",
    "dynamodb",
    "sqs",
    "kms",
    "iam",
    "logs",
    "lambda",
    "sns",
    "secretsmanager",
];

fn parse(json: &str, kind: PolicyKind) -> Policy {
    Policy::parse(json, kind).unwrap_or_else(|e| panic!("{e}: {json}"))
}

/// Policy `i` of 10: six statements around one service, with conditions and variables.
fn identity_policy(i: usize) -> Policy {
    let svc = SERVICES[i];
    let team_resource = match svc {
        "s3" => "arn:aws:s3:::team-${aws:PrincipalTag/team}/*".to_owned(),
        "iam" => format!("arn:aws:iam::{ACCOUNT}:role/${{aws:PrincipalTag/team}}/*"),
        _ => format!("arn:aws:{svc}:*:{ACCOUNT}:${{aws:PrincipalTag/team}}/*"),
    };
    let json = format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Sid":"Read{i}","Effect":"Allow","Action":["{svc}:Get*","{svc}:List*","{svc}:Describe*"],"Resource":"*",
          "Condition":{{"Bool":{{"aws:SecureTransport":"true"}}}}}},
        {{"Sid":"Team{i}","Effect":"Allow","Action":"{svc}:*","Resource":"{team_resource}",
          "Condition":{{"StringEquals":{{"aws:ResourceTag/team":"${{aws:PrincipalTag/team}}"}}}}}},
        {{"Sid":"Home{i}","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::corp-data/home/${{aws:PrincipalTag/user}}/*"}},
        {{"Sid":"Net{i}","Effect":"Deny","Action":"{svc}:Delete*","Resource":"*",
          "Condition":{{"NotIpAddress":{{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}}}}},
        {{"Sid":"Hours{i}","Effect":"Allow","Action":"{svc}:Put*","Resource":"*",
          "Condition":{{"DateGreaterThan":{{"aws:CurrentTime":"2024-01-01T00:00:00Z"}},"DateLessThan":{{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}}}},
        {{"Sid":"Mfa{i}","Effect":"Deny","Action":"{svc}:*","Resource":"*",
          "Condition":{{"BoolIfExists":{{"aws:MultiFactorAuthPresent":"false"}},"StringLike":{{"aws:PrincipalArn":"arn:aws:iam::*:role/admin-*"}}}}}}
        ]}}"#
    );
    parse(&json, PolicyKind::Identity)
}

fn policy_set() -> PolicySet {
    let full = Policy::full_aws_access();
    let region = parse(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":["iam:*","sts:*","organizations:*","support:*"],"Resource":"*",
            "Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]}}}}"#,
        PolicyKind::ServiceControl,
    );
    let guard = parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["organizations:LeaveOrganization","cloudtrail:StopLogging","cloudtrail:DeleteTrail"],"Resource":"*"},
            {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/blocked-*"}}}]}"#,
        PolicyKind::ServiceControl,
    );
    let bucket = parse(
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[
            {{"Sid":"TLS","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::corp-data","arn:aws:s3:::corp-data/*"],"Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}},
            {{"Sid":"Org","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::corp-data/*","Condition":{{"StringNotEquals":{{"aws:PrincipalOrgID":"o-corp"}}}}}},
            {{"Sid":"Audit","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:role/auditor"}},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::corp-data","arn:aws:s3:::corp-data/*"]}},
            {{"Sid":"Account","Effect":"Allow","Principal":{{"AWS":"{ACCOUNT}"}},"Action":"s3:*","Resource":"arn:aws:s3:::corp-data/*"}}]}}"#
        ),
        PolicyKind::Resource,
    );
    let boundary = parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]}"#,
        PolicyKind::PermissionsBoundary,
    );
    PolicySet {
        identity: (0..10).map(identity_policy).collect(),
        permissions_boundary: Some(boundary),
        resource: Some(bucket),
        scp_levels: vec![
            vec![full.clone(), guard],
            vec![full.clone(), region],
            vec![full],
        ],
        ..PolicySet::default()
    }
}

fn request(action: &str, resource: &str) -> Request {
    let principal = Principal::AssumedRole {
        role_arn: format!("arn:aws:iam::{ACCOUNT}:role/dev/app-role"),
        session_arn: format!("arn:aws:sts::{ACCOUNT}:assumed-role/app-role/session-1"),
        account: ACCOUNT.into(),
    };
    let context = Context::new()
        .with("aws:SourceIp", "10.1.2.3")
        .with("aws:SecureTransport", "true")
        .with("aws:CurrentTime", "2026-11-22T12:00:00Z")
        .with("aws:EpochTime", "1795262400")
        .with("aws:RequestedRegion", "eu-west-1")
        .with("aws:MultiFactorAuthPresent", "true")
        .with("aws:TokenIssueTime", "2026-11-22T11:00:00Z")
        .with("aws:PrincipalOrgID", "o-corp")
        .with("aws:PrincipalTag/team", "payments")
        .with("aws:PrincipalTag/user", "alice")
        .with("aws:ResourceTag/team", "payments")
        .with("aws:userid", "AROAEXAMPLE:session-1");
    let mut r = Request::new(principal, action, resource)
        .with_resource_account(ACCOUNT)
        .with_context(context);
    let p = r.principal.clone();
    p.derive_context(&mut r.context);
    r
}

fn bench(c: &mut Criterion) {
    let set = policy_set();
    let allowed = request(
        "s3:GetObject",
        "arn:aws:s3:::corp-data/home/alice/report.csv",
    );
    let denied = request(
        "dynamodb:DeleteItem",
        &format!("arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"),
    );
    let implicit = request(
        "iam:CreateUser",
        &format!("arn:aws:iam::{ACCOUNT}:user/mallory"),
    );
    assert!(evaluate(&allowed, &set).is_allowed());
    assert!(!evaluate(&implicit, &set).is_allowed());
    let statements: usize = set.identity.iter().map(Policy::statement_count).sum();
    assert_eq!((set.identity.len(), statements), (10, 60));
    c.bench_function("evaluate/allowed s3:GetObject", |b| {
        b.iter(|| evaluate(black_box(&allowed), black_box(&set)))
    });
    c.bench_function("evaluate/denied dynamodb:DeleteItem", |b| {
        b.iter(|| evaluate(black_box(&denied), black_box(&set)))
    });
    c.bench_function("evaluate/implicit iam:CreateUser", |b| {
        b.iter(|| evaluate(black_box(&implicit), black_box(&set)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
