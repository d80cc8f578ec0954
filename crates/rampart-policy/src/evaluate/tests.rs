//! The evaluation chain, rule by rule (iam.md sections 2 and 15).

use super::*;
use crate::context::Context;
use crate::decision::Outcome::{Allowed, ExplicitDeny, ImplicitDeny};

const A: &str = "111122223333";
const B: &str = "444455556666";

fn pol(kind: PolicyKind, statements: &str) -> Policy {
    let json = format!(r#"{{"Version":"2012-10-17","Statement":{statements}}}"#);
    match Policy::parse(&json, kind) {
        Ok(p) => p,
        Err(e) => panic!("{e}: {json}"),
    }
}

fn id(statements: &str) -> Policy {
    pol(PolicyKind::Identity, statements)
}

fn allow_all() -> Policy {
    id(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#)
}

fn user(account: &str, name: &str) -> Principal {
    Principal::User {
        arn: format!("arn:aws:iam::{account}:user/{name}"),
        account: account.into(),
    }
}

fn role_session(account: &str) -> Principal {
    Principal::AssumedRole {
        role_arn: format!("arn:aws:iam::{account}:role/path/R"),
        session_arn: format!("arn:aws:sts::{account}:assumed-role/R/s"),
        account: account.into(),
    }
}

fn fed(account: &str) -> Principal {
    Principal::FederatedUser {
        session_arn: format!("arn:aws:sts::{account}:federated-user/f"),
        parent_arn: format!("arn:aws:iam::{account}:user/alice"),
        account: account.into(),
    }
}

fn req(p: Principal, action: &str, resource: &str) -> Request {
    let mut r = Request::new(p, action, resource);
    let principal = r.principal.clone();
    principal.derive_context(&mut r.context);
    r
}

fn obj(account: &str) -> Request {
    req(user(A, "alice"), "s3:GetObject", "arn:aws:s3:::b/k").with_resource_account(account)
}

fn bucket(principal: &str) -> Policy {
    pol(
        PolicyKind::Resource,
        &format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#
        ),
    )
}

fn outcome(r: &Request, s: &PolicySet) -> Outcome {
    evaluate(r, s).outcome
}

#[test]
fn implicit_deny_by_default_and_allow() {
    assert_eq!(outcome(&obj(A), &PolicySet::default()), ImplicitDeny);
    let s = PolicySet {
        identity: vec![allow_all()],
        ..Default::default()
    };
    assert_eq!(outcome(&obj(A), &s), Allowed);
}

#[test]
fn explicit_deny_wins_everywhere() {
    let deny = id(r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#);
    let s = PolicySet {
        identity: vec![allow_all(), deny],
        ..Default::default()
    };
    let d = evaluate(&obj(A), &s);
    assert_eq!(d.outcome, ExplicitDeny);
    assert_eq!(d.reason, Reason::ExplicitDeny(PolicyType::Identity));
    assert_eq!(d.statements.len(), 2);
}

#[test]
fn get_caller_identity_is_never_denied() {
    let deny = id(r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#);
    let s = PolicySet {
        identity: vec![deny],
        ..Default::default()
    };
    let r = req(user(A, "alice"), "sts:GetCallerIdentity", "*");
    assert_eq!(outcome(&r, &s), Allowed);
}

#[test]
fn not_action_allow_grants_other_services() {
    let p = id(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#);
    let s = PolicySet {
        identity: vec![p],
        ..Default::default()
    };
    assert_eq!(outcome(&obj(A), &s), Allowed);
    assert_eq!(
        outcome(&req(user(A, "alice"), "iam:CreateUser", "*"), &s),
        ImplicitDeny
    );
}

#[test]
fn wildcard_only_actions_need_star_resource() {
    let specific = id(
        r#"{"Effect":"Allow","Action":"iam:ListUsers","Resource":"arn:aws:iam::111122223333:user/*"}"#,
    );
    let s = PolicySet {
        identity: vec![specific],
        ..Default::default()
    };
    assert_eq!(
        outcome(&req(user(A, "alice"), "iam:ListUsers", "*"), &s),
        ImplicitDeny
    );
    let s = PolicySet {
        identity: vec![allow_all()],
        ..Default::default()
    };
    assert_eq!(
        outcome(&req(user(A, "alice"), "iam:ListUsers", "*"), &s),
        Allowed
    );
}

#[test]
fn scp_levels_are_anded() {
    let full = Policy::full_aws_access();
    let s3_only = pol(
        PolicyKind::ServiceControl,
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#,
    );
    let mut s = PolicySet {
        identity: vec![allow_all()],
        scp_levels: vec![vec![full.clone()], vec![s3_only], vec![full.clone()]],
        ..Default::default()
    };
    assert_eq!(outcome(&obj(A), &s), Allowed);
    let iam = req(user(A, "alice"), "iam:CreateUser", "*");
    let d = evaluate(&iam, &s);
    assert_eq!(d.reason, Reason::NoAllow(PolicyType::ServiceControl));
    // A level with nothing attached blocks everything.
    s.scp_levels.push(Vec::new());
    assert_eq!(outcome(&obj(A), &s), ImplicitDeny);
    // The management account is exempt, and so are service-linked roles.
    s.principal_in_management_account = true;
    assert_eq!(outcome(&obj(A), &s), Allowed);
    s.principal_in_management_account = false;
    s.service_linked_role = true;
    assert_eq!(outcome(&obj(A), &s), Allowed);
}

#[test]
fn scps_never_grant_and_bind_member_root() {
    let s = PolicySet {
        scp_levels: vec![vec![Policy::full_aws_access()]],
        ..Default::default()
    };
    assert_eq!(outcome(&obj(A), &s), ImplicitDeny);
    let root = Principal::Root {
        partition: "aws".into(),
        account: A.into(),
    };
    let deny = pol(
        PolicyKind::ServiceControl,
        r#"[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"}]"#,
    );
    let s = PolicySet {
        scp_levels: vec![vec![deny]],
        ..Default::default()
    };
    assert_eq!(
        outcome(&req(root.clone(), "s3:GetObject", "arn:aws:s3:::b/k"), &s),
        ExplicitDeny
    );
    assert_eq!(outcome(&req(root, "ec2:RunInstances", "*"), &s), Allowed);
}

#[test]
fn rcp_deny_applies_even_to_outsiders() {
    let rcp = pol(
        PolicyKind::ResourceControl,
        r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-1"}}}"#,
    );
    let s = PolicySet {
        identity: vec![allow_all()],
        rcp_levels: vec![vec![rcp]],
        ..Default::default()
    };
    let d = evaluate(&obj(A), &s);
    assert_eq!(d.reason, Reason::ExplicitDeny(PolicyType::ResourceControl));
    let mut inside = obj(A);
    inside.context.set("aws:PrincipalOrgID", "o-1");
    assert_eq!(outcome(&inside, &s), Allowed);
    let exempt = PolicySet {
        resource_in_management_account: true,
        ..s
    };
    assert_eq!(outcome(&obj(A), &exempt), Allowed);
}

#[test]
fn same_account_user_grant_stands_alone() {
    let s = PolicySet {
        resource: Some(bucket(&format!("arn:aws:iam::{A}:user/alice"))),
        ..Default::default()
    };
    assert_eq!(outcome(&obj(A), &s), Allowed);
    // ... even against a permissions boundary that does not allow it.
    let pb = id(r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#);
    let s = PolicySet {
        permissions_boundary: Some(pb),
        ..s
    };
    assert_eq!(outcome(&obj(A), &s), Allowed);
}

#[test]
fn same_account_account_grant_only_delegates() {
    let s = PolicySet {
        resource: Some(bucket(A)),
        ..Default::default()
    };
    let d = evaluate(&obj(A), &s);
    assert_eq!(d.reason, Reason::NoAllow(PolicyType::Identity));
    let s = PolicySet {
        identity: vec![allow_all()],
        ..s
    };
    assert_eq!(outcome(&obj(A), &s), Allowed);
}

#[test]
fn role_arn_grant_is_limited_by_boundary_and_session_policy() {
    let r = || req(role_session(A), "s3:GetObject", "arn:aws:s3:::b/k").with_resource_account(A);
    let grant = bucket(&format!("arn:aws:iam::{A}:role/path/R"));
    let s = PolicySet {
        resource: Some(grant.clone()),
        ..Default::default()
    };
    assert_eq!(outcome(&r(), &s), Allowed);
    let pb = id(r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#);
    let with_pb = PolicySet {
        permissions_boundary: Some(pb.clone()),
        ..s.clone()
    };
    assert_eq!(
        evaluate(&r(), &with_pb).reason,
        Reason::NoAllow(PolicyType::PermissionsBoundary)
    );
    let with_session = PolicySet {
        session: vec![pb.clone()],
        ..s
    };
    assert_eq!(
        evaluate(&r(), &with_session).reason,
        Reason::NoAllow(PolicyType::Session)
    );
    // The session ARN overrides both.
    let direct = bucket(&format!("arn:aws:sts::{A}:assumed-role/R/s"));
    let s = PolicySet {
        resource: Some(direct),
        permissions_boundary: Some(pb.clone()),
        session: vec![pb],
        ..Default::default()
    };
    assert_eq!(outcome(&r(), &s), Allowed);
}

#[test]
fn federated_sessions() {
    let r = || req(fed(A), "s3:GetObject", "arn:aws:s3:::b/k").with_resource_account(A);
    // No session policy: no permissions at all.
    let s = PolicySet {
        identity: vec![allow_all()],
        ..Default::default()
    };
    assert_eq!(
        evaluate(&r(), &s).reason,
        Reason::NoAllow(PolicyType::Session)
    );
    let s = PolicySet {
        session: vec![allow_all()],
        ..s
    };
    assert_eq!(outcome(&r(), &s), Allowed);
    // A grant to the parent user overrides the identity implicit deny only.
    let parent = bucket(&format!("arn:aws:iam::{A}:user/alice"));
    let s = PolicySet {
        resource: Some(parent),
        ..Default::default()
    };
    assert_eq!(
        evaluate(&r(), &s).reason,
        Reason::NoAllow(PolicyType::Session)
    );
    // A grant to the federated session itself stands alone.
    let own = bucket(&format!("arn:aws:sts::{A}:federated-user/f"));
    let s = PolicySet {
        resource: Some(own),
        ..Default::default()
    };
    assert_eq!(outcome(&r(), &s), Allowed);
}

#[test]
fn cross_account_needs_both_sides() {
    let grant = bucket(A);
    let s = PolicySet {
        resource: Some(grant.clone()),
        ..Default::default()
    };
    assert_eq!(
        evaluate(&obj(B), &s).reason,
        Reason::NoAllow(PolicyType::Identity)
    );
    let s = PolicySet {
        identity: vec![allow_all()],
        ..Default::default()
    };
    assert_eq!(
        evaluate(&obj(B), &s).reason,
        Reason::NoAllow(PolicyType::Resource)
    );
    let s = PolicySet {
        identity: vec![allow_all()],
        resource: Some(grant),
        ..Default::default()
    };
    assert_eq!(outcome(&obj(B), &s), Allowed);
    let user_grant = bucket(&format!("arn:aws:iam::{A}:user/alice"));
    let s = PolicySet {
        resource: Some(user_grant),
        ..Default::default()
    };
    assert_eq!(outcome(&obj(B), &s), ImplicitDeny);
}

#[test]
fn trust_policies_are_mandatory() {
    let role = format!("arn:aws:iam::{A}:role/Target");
    let r = || req(user(A, "alice"), "sts:AssumeRole", &role);
    let trust = |p: &str| {
        pol(
            PolicyKind::Trust,
            &format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"{p}"}},"Action":"sts:AssumeRole"}}"#
            ),
        )
    };
    // Identity allow alone is not enough.
    let s = PolicySet {
        identity: vec![allow_all()],
        resource: Some(trust(&format!("arn:aws:iam::{A}:user/bob"))),
        ..Default::default()
    };
    assert_eq!(
        evaluate(&r(), &s).reason,
        Reason::NoAllow(PolicyType::Resource)
    );
    // Naming the user directly is enough alone.
    let s = PolicySet {
        resource: Some(trust(&format!("arn:aws:iam::{A}:user/alice"))),
        ..Default::default()
    };
    assert_eq!(outcome(&r(), &s), Allowed);
    // Naming the account delegates: identity allow needed.
    let s = PolicySet {
        resource: Some(trust(A)),
        ..Default::default()
    };
    assert_eq!(
        evaluate(&r(), &s).reason,
        Reason::NoAllow(PolicyType::Identity)
    );
    let s = PolicySet {
        identity: vec![allow_all()],
        ..s
    };
    assert_eq!(outcome(&r(), &s), Allowed);
}

#[test]
fn kms_key_policy_required_flag() {
    let key = format!("arn:aws:kms:us-east-1:{A}:key/k1");
    let r = req(user(A, "alice"), "kms:Decrypt", &key);
    let s = PolicySet {
        identity: vec![allow_all()],
        resource_policy_required: true,
        ..Default::default()
    };
    assert_eq!(outcome(&r, &s), ImplicitDeny);
    let key_policy = pol(
        PolicyKind::Resource,
        &format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}}"#
        ),
    );
    let s = PolicySet {
        resource: Some(key_policy),
        ..s
    };
    assert_eq!(outcome(&r, &s), Allowed);
}

#[test]
fn root_user() {
    let root = Principal::Root {
        partition: "aws".into(),
        account: A.into(),
    };
    assert_eq!(
        outcome(
            &req(root.clone(), "iam:CreateUser", "*"),
            &PolicySet::default()
        ),
        Allowed
    );
    let deny = pol(
        PolicyKind::Resource,
        r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#,
    );
    let s = PolicySet {
        resource: Some(deny),
        ..Default::default()
    };
    let r = req(root.clone(), "s3:GetObject", "arn:aws:s3:::b/k").with_resource_account(A);
    assert_eq!(outcome(&r, &s), ExplicitDeny);
    // Cross-account root needs the resource policy.
    let r = req(root, "s3:GetObject", "arn:aws:s3:::b/k").with_resource_account(B);
    assert_eq!(outcome(&r, &PolicySet::default()), ImplicitDeny);
}

#[test]
fn anonymous_and_services_need_resource_policy() {
    let public = pol(
        PolicyKind::Resource,
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
    );
    let s = PolicySet {
        resource: Some(public),
        ..Default::default()
    };
    let anon =
        req(Principal::Anonymous, "s3:GetObject", "arn:aws:s3:::b/k").with_resource_account(A);
    assert_eq!(outcome(&anon, &s), Allowed);
    assert_eq!(outcome(&anon, &PolicySet::default()), ImplicitDeny);
    let acct_only = PolicySet {
        resource: Some(bucket(A)),
        ..Default::default()
    };
    assert_eq!(outcome(&anon, &acct_only), ImplicitDeny);
    let svc = pol(
        PolicyKind::Resource,
        r#"{"Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Action":"s3:GetObject","Resource":"*"}"#,
    );
    let s = PolicySet {
        resource: Some(svc),
        ..Default::default()
    };
    let r = req(
        Principal::Service {
            name: "logs.amazonaws.com".into(),
        },
        "s3:GetObject",
        "arn:aws:s3:::b/k",
    );
    assert_eq!(outcome(&r, &s), Allowed);
}

#[test]
fn deny_not_principal_with_boundary_always_denies() {
    let deny = pol(
        PolicyKind::Resource,
        &format!(
            r#"[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}},
                    {{"Effect":"Deny","NotPrincipal":{{"AWS":["arn:aws:iam::{A}:user/alice","{A}"]}},"Action":"s3:*","Resource":"*"}}]"#
        ),
    );
    let s = PolicySet {
        resource: Some(deny),
        ..Default::default()
    };
    // alice is listed; bob is only covered by his account, which exempts the account alone.
    assert_eq!(outcome(&obj(A), &s), Allowed);
    assert_eq!(
        outcome(
            &req(user(A, "bob"), "s3:GetObject", "arn:aws:s3:::b/k").with_resource_account(A),
            &s
        ),
        ExplicitDeny
    );
    let bob_other =
        req(user(B, "bob"), "s3:GetObject", "arn:aws:s3:::b/k").with_resource_account(A);
    let s2 = PolicySet {
        identity: vec![allow_all()],
        ..s.clone()
    };
    assert_eq!(outcome(&bob_other, &s2), ExplicitDeny);
    let with_pb = PolicySet {
        permissions_boundary: Some(allow_all()),
        ..s
    };
    assert_eq!(outcome(&obj(A), &with_pb), ExplicitDeny);
}

#[test]
fn revoke_older_sessions_pattern() {
    let revoke = id(
        r#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2024-06-01T00:00:00Z"}}}"#,
    );
    let s = PolicySet {
        identity: vec![allow_all(), revoke],
        ..Default::default()
    };
    let mut old = req(role_session(A), "s3:GetObject", "arn:aws:s3:::b/k");
    old.context
        .set("aws:TokenIssueTime", "2024-05-31T23:00:00Z");
    assert_eq!(outcome(&old, &s), ExplicitDeny);
    let mut new = req(role_session(A), "s3:GetObject", "arn:aws:s3:::b/k");
    new.context
        .set("aws:TokenIssueTime", "2024-06-01T01:00:00Z");
    assert_eq!(outcome(&new, &s), Allowed);
}

#[test]
fn access_denied_messages() {
    let r = obj(A);
    let d = evaluate(&r, &PolicySet::default());
    assert_eq!(
        d.access_denied_message(&r).as_deref(),
        Some(
            "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because no identity-based policy allows the s3:GetObject action"
        )
    );
    let scp = pol(
        PolicyKind::ServiceControl,
        r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#,
    );
    let s = PolicySet {
        identity: vec![allow_all()],
        scp_levels: vec![vec![scp]],
        ..Default::default()
    };
    let d = evaluate(&r, &s);
    assert_eq!(
        d.access_denied_message(&r).as_deref(),
        Some(
            "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k with an explicit deny in a service control policy"
        )
    );
    let l = req(user(A, "alice"), "iam:ListUsers", "*");
    let d = evaluate(&l, &PolicySet::default());
    assert_eq!(
        d.access_denied_message(&l).as_deref(),
        Some(
            "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iam:ListUsers because no identity-based policy allows the iam:ListUsers action"
        )
    );
    assert!(
        evaluate(
            &r,
            &PolicySet {
                identity: vec![allow_all()],
                ..Default::default()
            }
        )
        .access_denied_message(&r)
        .is_none()
    );
}

#[test]
fn explanation_names_statements() {
    let p = id(r#"[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Sid":"Other","Effect":"Allow","Action":"ec2:*","Resource":"*"}]"#).named("ReadPolicy");
    let d = evaluate(
        &obj(A),
        &PolicySet {
            identity: vec![p],
            ..Default::default()
        },
    );
    assert_eq!(d.statements.len(), 1);
    assert_eq!(
        d.statements.get(0).and_then(StatementRef::sid),
        Some("Read")
    );
    assert!(d.explain().contains("ReadPolicy statement #0 (Sid Read)"));
}

#[test]
fn policy_variables_and_2008_version() {
    let v12 = id(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}"#,
    );
    let r =
        req(user(A, "alice"), "s3:GetObject", "arn:aws:s3:::b/alice/x").with_resource_account(A);
    assert_eq!(
        outcome(
            &r,
            &PolicySet {
                identity: vec![v12],
                ..Default::default()
            }
        ),
        Allowed
    );
    let v08 = Policy::parse_stored(
        r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}}"#,
        PolicyKind::Identity,
    );
    let v08 = v08.map(|p| PolicySet {
        identity: vec![p],
        ..Default::default()
    });
    assert!(v08.is_ok_and(|s| outcome(&r, &s) == ImplicitDeny));
}

#[test]
fn mfa_absent_for_long_term_keys() {
    // BoolIfExists false in a Deny: denies when the key is absent (long-term keys) or false.
    let deny = id(
        r#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}"#,
    );
    let s = PolicySet {
        identity: vec![allow_all(), deny],
        ..Default::default()
    };
    assert_eq!(outcome(&obj(A), &s), ExplicitDeny);
    let mut no_mfa = obj(A);
    no_mfa.context.set("aws:MultiFactorAuthPresent", "false");
    assert_eq!(outcome(&no_mfa, &s), ExplicitDeny);
    let mut mfa = obj(A);
    mfa.context = Context::new().with("aws:MultiFactorAuthPresent", "true");
    assert_eq!(outcome(&mfa, &s), Allowed);
}

#[test]
fn unique_id_binding() {
    // A stored policy names the role by its unique id: the current role (same id) matches,
    // a recreated role with the same ARN but a new id does not.
    let policy = pol(
        PolicyKind::Resource,
        r#"{"Effect":"Allow","Principal":{"AWS":"AROAEXAMPLEID000001"},"Action":"s3:GetObject","Resource":"*"}"#,
    );
    let s = PolicySet {
        resource: Some(policy),
        ..Default::default()
    };
    let r = || req(role_session(A), "s3:GetObject", "arn:aws:s3:::b/k").with_resource_account(A);
    assert_eq!(
        outcome(&r().with_principal_id("AROAEXAMPLEID000001"), &s),
        Allowed
    );
    assert_eq!(
        outcome(&r().with_principal_id("AROANEWROLEID000002"), &s),
        ImplicitDeny
    );
    assert_eq!(outcome(&r(), &s), ImplicitDeny);
}

#[test]
fn exhaustive_explanation_lists_every_match() {
    let p = id(
        r#"[{"Sid":"A1","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A2","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]"#,
    );
    let s = PolicySet {
        identity: vec![p.clone(), p],
        ..Default::default()
    };
    let quick = evaluate(&obj(A), &s);
    let all = evaluate_all_statements(&obj(A), &s);
    assert_eq!(quick.outcome, all.outcome);
    assert_eq!(quick.statements.len(), 1);
    assert_eq!(all.statements.len(), 4);
}

#[test]
fn a_policy_that_allows_nothing_still_limits_as_a_boundary_or_session_policy() {
    let admin = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
        PolicyKind::Identity,
    )
    .unwrap();
    let user = Principal::User {
        arn: "arn:aws:iam::111122223333:user/a".into(),
        account: "111122223333".into(),
    };
    let request = Request::new(user, "kms:ListKeys", "*").with_resource_account("111122223333");
    let bounded = PolicySet {
        identity: vec![admin.clone()],
        permissions_boundary: Some(Policy::allows_nothing(
            PolicyKind::PermissionsBoundary,
            "gone",
        )),
        ..PolicySet::default()
    };
    assert!(!evaluate(&request, &bounded).is_allowed());
    let role = Principal::AssumedRole {
        role_arn: "arn:aws:iam::111122223333:role/r".into(),
        session_arn: "arn:aws:sts::111122223333:assumed-role/r/s".into(),
        account: "111122223333".into(),
    };
    let session = Request::new(role, "kms:ListKeys", "*").with_resource_account("111122223333");
    let narrowed = PolicySet {
        identity: vec![admin],
        session: vec![Policy::allows_nothing(PolicyKind::Session, "gone")],
        ..PolicySet::default()
    };
    assert!(!evaluate(&session, &narrowed).is_allowed());
}
