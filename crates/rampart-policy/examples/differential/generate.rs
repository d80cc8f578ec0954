//! Random (policies, request) cases for the differential run, built from proptest
//! strategies over a vocabulary the oracle's action catalogue knows: real actions with
//! resource ARNs of the right type, global condition keys only, ISO dates only (the
//! oracle reads epoch values as milliseconds, a known error).

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

pub const A: &str = "111122223333";
pub const B: &str = "444455556666";

/// Requests: (action, resource template with `{acct}`, RCP-supported service).
const REQUESTS: [(&str, &str, bool); 11] = [
    (
        "s3:GetObject",
        "arn:aws:s3:::bucket-a/alice/report.txt",
        true,
    ),
    (
        "s3:PutObject",
        "arn:aws:s3:::bucket-a/alice/report.txt",
        true,
    ),
    ("s3:ListBucket", "arn:aws:s3:::bucket-a", true),
    ("s3:ListAllMyBuckets", "*", true),
    ("iam:GetUser", "arn:aws:iam::{acct}:user/bob", false),
    ("ec2:DescribeInstances", "*", false),
    (
        "sqs:SendMessage",
        "arn:aws:sqs:us-east-1:{acct}:queue1",
        true,
    ),
    (
        "dynamodb:GetItem",
        "arn:aws:dynamodb:us-east-1:{acct}:table/t1",
        true,
    ),
    ("sts:AssumeRole", "arn:aws:iam::{acct}:role/Target", true),
    (
        "kms:Decrypt",
        "arn:aws:kms:us-east-1:{acct}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        true,
    ),
    (
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:{acct}:secret:s1-AbCdEf",
        true,
    ),
];

fn principals() -> Vec<&'static str> {
    vec![
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:sts::111122223333:assumed-role/RoleR/sess1",
        "arn:aws:sts::111122223333:assumed-role/RoleR/sess1",
        "arn:aws:sts::111122223333:federated-user/fed1",
        "arn:aws:iam::111122223333:root",
        "arn:aws:iam::444455556666:user/bob",
        "arn:aws:sts::444455556666:assumed-role/RoleB/sessB",
        "anonymous",
        "logs.amazonaws.com",
    ]
}

fn is_iam(principal: &str) -> bool {
    principal.starts_with("arn:")
}

fn principal_entries() -> impl Strategy<Value = Value> {
    select(vec![
        json!("*"),
        json!({"AWS": "*"}),
        json!({"AWS": A}),
        json!({"AWS": format!("arn:aws:iam::{A}:root")}),
        json!({"AWS": B}),
        json!({"AWS": format!("arn:aws:iam::{A}:user/alice")}),
        json!({"AWS": format!("arn:aws:iam::{A}:role/RoleR")}),
        json!({"AWS": format!("arn:aws:sts::{A}:assumed-role/RoleR/sess1")}),
        json!({"AWS": format!("arn:aws:sts::{A}:federated-user/fed1")}),
        json!({"AWS": format!("arn:aws:iam::{B}:user/bob")}),
        json!({"AWS": [format!("arn:aws:iam::{A}:user/alice"), B]}),
        json!({"Service": "logs.amazonaws.com"}),
        json!({"AWS": format!("arn:aws:iam::{B}:root")}),
        json!({"AWS": [format!("arn:aws:iam::{B}:role/RoleB"), format!("arn:aws:sts::{A}:assumed-role/RoleR/other")]}),
        json!({"AWS": format!("arn:aws:sts::{B}:assumed-role/RoleB/sessB")}),
    ])
}

fn action_patterns(action: &'static str) -> impl Strategy<Value = Value> {
    let (service, name) = action.split_once(':').unwrap_or(("s3", "GetObject"));
    let prefix: String = name.chars().take(3).collect();
    select(vec![
        json!(action),
        json!(action.to_ascii_lowercase()),
        json!(format!("{service}:*")),
        json!("*"),
        json!(format!("{service}:{prefix}*")),
        json!(format!("{service}:{}?{}", &name[..1], &name[2..])),
        json!("s3:GetObject"),
        json!("iam:*"),
        json!([action, "ec2:RunInstances"]),
        json!(["sqs:*", "kms:*"]),
    ])
}

fn resource_patterns(resource: String) -> impl Strategy<Value = Value> {
    let head: String = resource
        .chars()
        .take(resource.len().saturating_sub(3))
        .collect();
    select(vec![
        json!(resource.clone()),
        json!("*"),
        json!("*"),
        json!(format!("{head}*")),
        json!("arn:aws:s3:::bucket-a/*"),
        json!("arn:aws:s3:::bucket-a/${aws:username}/*"),
        json!("arn:aws:s3:::bucket-b/*"),
        json!(resource.to_ascii_uppercase()),
        json!([resource.clone(), "arn:aws:s3:::bucket-b"]),
        json!(format!("arn:aws:*:*:{A}:*")),
    ])
}

fn conditions() -> impl Strategy<Value = Value> {
    select(vec![
        json!({"StringEquals": {"aws:PrincipalTag/team": "blue"}}),
        json!({"StringEquals": {"aws:PrincipalTag/team": ["red", "blue"]}}),
        json!({"StringNotEquals": {"aws:PrincipalTag/team": "blue"}}),
        json!({"StringLike": {"aws:PrincipalTag/team": "bl*"}}),
        json!({"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "BLUE"}}),
        json!({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"}}),
        json!({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"}}),
        json!({"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}),
        json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
        json!({"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/8"]}}),
        json!({"Bool": {"aws:SecureTransport": "true"}}),
        json!({"Bool": {"aws:SecureTransport": "false"}}),
        json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
        json!({"DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}}),
        json!({"DateLessThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}}),
        json!({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}),
        json!({"Null": {"aws:PrincipalOrgID": "true"}}),
        json!({"Null": {"aws:PrincipalOrgID": "false"}}),
        json!({"ArnLike": {"aws:PrincipalArn": format!("arn:aws:iam::{A}:*")}}),
        json!({"ArnNotLike": {"aws:PrincipalArn": format!("arn:aws:iam::{A}:role/*")}}),
        json!({"StringEquals": {"aws:RequestedRegion": "us-east-1"}}),
        json!({"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}),
        json!({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc/*"}}),
        json!({"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": "o-abc/*"}}),
        json!({"StringEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/project}"}}),
        json!({"StringLike": {"aws:PrincipalArn": "*${aws:username}"}}),
        json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:*"}}),
        json!({"StringEquals": {"aws:PrincipalTag/team": "blue"}, "Bool": {"aws:SecureTransport": "true"}}),
        json!({"StringNotEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/project}"}}),
        json!({"StringNotLike": {"aws:PrincipalTag/team": "bl*"}}),
        json!({"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/team": ["BLUE", "Green"]}}),
        json!({"StringEqualsIgnoreCaseIfExists": {"aws:PrincipalTag/project": "BLUE"}}),
        json!({"NumericGreaterThanEquals": {"aws:MultiFactorAuthAge": "100"}}),
        json!({"NumericNotEquals": {"aws:MultiFactorAuthAge": ["120", "300"]}}),
        json!({"NumericLessThanEqualsIfExists": {"aws:MultiFactorAuthAge": "60"}}),
        json!({"DateNotEquals": {"aws:CurrentTime": "2025-06-01T12:00:00Z"}}),
        json!({"DateGreaterThanEquals": {"aws:CurrentTime": "2025-06-01T12:00:00Z"}}),
        json!({"DateLessThanEquals": {"aws:CurrentTime": "2025-06-01T13:00:00+01:00"}}),
        json!({"NotIpAddressIfExists": {"aws:SourceIp": "198.51.100.0/24"}}),
        json!({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}}),
        json!({"ArnEquals": {"aws:PrincipalArn": format!("arn:aws:iam::{A}:role/RoleR")}}),
        json!({"ArnNotEquals": {"aws:PrincipalArn": [format!("arn:aws:iam::{B}:*"), "arn:aws:iam::*:root"]}}),
        json!({"ForAllValues:StringNotEquals": {"aws:PrincipalOrgPaths": "o-xyz/r-2/"}}),
        json!({"ForAnyValue:StringNotLike": {"aws:PrincipalOrgPaths": "o-abc/*"}}),
        json!({"Null": {"aws:PrincipalTag/team": "false"}, "StringEquals": {"aws:PrincipalAccount": A}}),
        json!({"StringEquals": {"aws:PrincipalType": ["User", "AssumedRole"]}}),
        json!({"Bool": {"aws:PrincipalIsAWSService": "true"}}),
        json!({"StringLike": {"aws:username": ["al*", "b?b"]}}),
        json!({"StringLike": {"s3:prefix": ["home/${aws:username}/*", "public/*"]}}),
        json!({"StringEquals": {"s3:prefix": ["", "home/"]}}),
        json!({"StringNotLike": {"s3:prefix": "home/${aws:username}/*"}}),
        json!({"StringEquals": {"kms:CallerAccount": A}}),
        json!({"StringEquals": {"sts:ExternalId": "ext-1"}}),
        json!({"StringLike": {"aws:PrincipalTag/team": "${aws:PrincipalTag/project, 'blue'}"}}),
    ])
}

/// Which element shapes a statement may use.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Shape {
    Identity,
    Resource,
    Trust,
    ResourceControl,
}

fn statement(shape: Shape, action: &'static str, resource: String) -> impl Strategy<Value = Value> {
    let effect = prop_oneof![5 => Just("Allow"), 1 => Just("Deny")];
    (
        effect,
        action_patterns(action),
        any::<u8>(),
        resource_patterns(resource),
        principal_entries(),
        prop::option::weighted(0.4, conditions()),
    )
        .prop_map(
            move |(effect, actions, coin, resources, principal, condition)| {
                let mut s = serde_json::Map::new();
                let effect = if shape == Shape::ResourceControl {
                    "Deny"
                } else {
                    effect
                };
                s.insert("Effect".into(), json!(effect));
                let not_action =
                    coin % 11 == 0 && shape != Shape::Trust && shape != Shape::ResourceControl;
                let actions = match shape {
                    Shape::Trust => json!(if coin % 5 == 0 {
                        "sts:*"
                    } else {
                        "sts:AssumeRole"
                    }),
                    Shape::ResourceControl if actions == json!("*") => json!(action),
                    _ => actions,
                };
                s.insert(
                    if not_action { "NotAction" } else { "Action" }.into(),
                    actions,
                );
                if shape != Shape::Trust {
                    let not_resource = coin % 13 == 1;
                    s.insert(
                        if not_resource {
                            "NotResource"
                        } else {
                            "Resource"
                        }
                        .into(),
                        resources,
                    );
                }
                match shape {
                    Shape::Resource | Shape::Trust => {
                        let not_principal =
                            shape == Shape::Resource && effect == "Deny" && coin % 7 == 2;
                        s.insert(
                            if not_principal {
                                "NotPrincipal"
                            } else {
                                "Principal"
                            }
                            .into(),
                            principal,
                        );
                    }
                    Shape::ResourceControl => {
                        s.insert("Principal".into(), json!("*"));
                    }
                    Shape::Identity => {}
                }
                if let Some(c) = condition {
                    s.insert("Condition".into(), c);
                }
                Value::Object(s)
            },
        )
}

fn policy(
    shape: Shape,
    action: &'static str,
    resource: String,
    max: usize,
) -> impl Strategy<Value = Value> {
    prop::collection::vec(statement(shape, action, resource), 1..=max)
        .prop_map(|statements| json!({"Version": "2012-10-17", "Statement": statements}))
}

fn context() -> impl Strategy<Value = Value> {
    (
        prop::option::of(select(vec!["blue", "red"])),
        prop::option::of(select(vec!["blue", "green"])),
        prop::option::of(select(vec!["o-abc", "o-xyz"])),
        prop::option::of(select(vec!["203.0.113.7", "198.51.100.9", "10.1.2.3"])),
        select(vec!["true", "false"]),
        prop::option::of(select(vec!["true", "false"])),
        select(vec!["us-east-1", "eu-west-1"]),
        prop::option::of(select(vec!["o-abc/r-1/ou-1/", "o-xyz/r-2/"])),
        prop::option::of(select(vec!["home/alice/", "public/x", ""])),
        prop::option::of(select(vec!["ext-1", "ext-2"])),
    )
        .prop_map(
            |(team, project, org, ip, tls, mfa, region, paths, prefix, external)| {
                let mut c = serde_json::Map::new();
                c.insert("aws:CurrentTime".into(), json!("2025-06-01T12:00:00Z"));
                c.insert("aws:SecureTransport".into(), json!(tls));
                c.insert("aws:RequestedRegion".into(), json!(region));
                let mut put = |k: &str, v: Option<&str>| {
                    if let Some(v) = v {
                        c.insert(k.into(), json!(v));
                    }
                };
                put("aws:PrincipalTag/team", team);
                put("aws:PrincipalTag/project", project);
                put("aws:PrincipalOrgID", org);
                put("aws:SourceIp", ip);
                put("aws:MultiFactorAuthPresent", mfa);
                if mfa == Some("true") {
                    put("aws:MultiFactorAuthAge", Some("120"));
                }
                put("s3:prefix", prefix);
                put("sts:ExternalId", external);
                if let Some(p) = paths {
                    c.insert("aws:PrincipalOrgPaths".into(), json!([p]));
                }
                Value::Object(c)
            },
        )
}

fn scp_level(action: &'static str, resource: String) -> impl Strategy<Value = Value> {
    let full = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    prop_oneof![
        3 => Just(json!([full.clone()])),
        2 => policy(Shape::Identity, action, resource.clone(), 2).prop_map(move |p| json!([full.clone(), p])),
        1 => policy(Shape::Identity, action, resource, 2).prop_map(|p| json!([p])),
    ]
}

/// `Some` with probability `p` when `enabled`, else always `None`.
fn maybe(
    enabled: bool,
    p: f64,
    s: impl Strategy<Value = Value> + 'static,
) -> BoxedStrategy<Option<Value>> {
    if enabled {
        prop::option::weighted(p, s).boxed()
    } else {
        Just(None).boxed()
    }
}

/// One random case in the shared JSON case format.
pub fn case() -> impl Strategy<Value = Value> {
    (
        select(REQUESTS.to_vec()),
        select(principals()),
        any::<bool>(),
    )
        .prop_flat_map(|((action, template, rcp_ok), principal, other)| {
            let account = if other { B } else { A };
            let resource = template.replace("{acct}", account);
            let iam = is_iam(principal);
            // The root user can have no identity policies, boundary or session policy.
            let has_identity = iam && !principal.ends_with(":root");
            let trust = action == "sts:AssumeRole";
            let session =
                principal.contains(":assumed-role/") || principal.contains(":federated-user/");
            let resource_shape = if trust { Shape::Trust } else { Shape::Resource };
            let needs_resource_policy = trust || action.starts_with("kms:");
            (
                prop::collection::vec(
                    policy(Shape::Identity, action, resource.clone(), 3),
                    if has_identity { 0..=3 } else { 0..=0 },
                ),
                maybe(
                    has_identity,
                    0.25,
                    policy(Shape::Identity, action, resource.clone(), 2),
                ),
                maybe(
                    session,
                    0.3,
                    policy(Shape::Identity, action, resource.clone(), 2),
                ),
                prop::option::weighted(
                    if needs_resource_policy { 0.9 } else { 0.5 },
                    policy(resource_shape, action, resource.clone(), 3),
                ),
                prop::collection::vec(
                    scp_level(action, resource.clone()),
                    if iam { 0..=3 } else { 0..=0 },
                ),
                prop::collection::vec(
                    prop::collection::vec(
                        policy(Shape::ResourceControl, action, resource.clone(), 2),
                        0..=1,
                    ),
                    if rcp_ok { 0..=2 } else { 0..=0 },
                ),
                context(),
                Just((action, resource, account, principal)),
            )
        })
        .prop_map(
            |(
                identity,
                boundary,
                session,
                resource_policy,
                scps,
                rcps,
                context,
                (action, resource, account, principal),
            )| {
                // Service keys only where the action has them (the oracle drops the others).
                let mut context = context;
                if let Some(m) = context.as_object_mut() {
                    if action != "s3:ListBucket" {
                        m.remove("s3:prefix");
                    }
                    if action != "sts:AssumeRole" {
                        m.remove("sts:ExternalId");
                    }
                }
                let mut c = json!({
                    "principal": principal,
                    "action": action,
                    "resource": resource,
                    "resourceAccount": account,
                    "context": context,
                    "identityPolicies": identity,
                    "scps": scps,
                    "rcps": rcps,
                });
                let put = |c: &mut Value, k: &str, v: Option<Value>| {
                    if let (Some(v), Some(m)) = (v, c.as_object_mut()) {
                        m.insert(k.into(), v);
                    }
                };
                put(&mut c, "permissionBoundary", boundary);
                put(&mut c, "sessionPolicy", session);
                put(&mut c, "resourcePolicy", resource_policy);
                c
            },
        )
}
