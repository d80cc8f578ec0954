//! Standing: what the enforcer learns about an account, and the SCPs and RCPs it then enforces.

use super::*;
use crate::Enforcer;
use rampart_policy::Context;
use rampart_service::Access;
use std::sync::Arc;

fn standing(w: &World, account: &str) -> Arc<crate::Standing> {
    crate::standing(&w.base.env, &account.parse().unwrap()).unwrap()
}

fn check(w: &World, principal: &Principal, access: Access) -> Result<(), String> {
    Enforcer::new(&w.base.env, principal, Context::new())
        .unwrap()
        .check(&access)
}

#[test]
fn accounts_outside_an_organization_stand_nowhere() {
    let w = world();
    let s = standing(&w, ACCOUNT);
    assert!(s.management && s.org_id.is_none() && s.scp_levels.is_empty());
    let s = standing(&w, "210987654321");
    assert!(!s.management && s.org_id.is_none() && s.org_path.is_none());
}

#[test]
fn members_stand_under_the_scps_of_each_level() {
    let w = org_world();
    let (root, ou, member) = w.member_in_ou("eng", "dev");
    let org_id = w.call("DescribeOrganization", json!({})).unwrap()["Organization"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let s = standing(&w, &member);
    assert_eq!(s.org_id.as_deref(), Some(org_id.as_str()));
    assert_eq!(
        s.org_path.as_deref(),
        Some(format!("{org_id}/{root}/{ou}/").as_str())
    );
    assert!(!s.management);
    assert!(s.scp_levels.is_empty(), "SCPs are not enabled yet");
    w.enable("SERVICE_CONTROL_POLICY");
    let deny = w.create_policy("deny", "SERVICE_CONTROL_POLICY", DENY_CREATE_KEY);
    w.attach(&deny, &ou).unwrap();
    let s = standing(&w, &member);
    let counts: Vec<usize> = s.scp_levels.iter().map(Vec::len).collect();
    assert_eq!(counts, [1, 2, 1], "root, OU, account");
    // Unchanged, the same standing is served from the cache.
    assert!(Arc::ptr_eq(&s, &standing(&w, &member)));
    let management = standing(&w, ACCOUNT);
    assert!(management.management && management.scp_levels.is_empty());
    assert_eq!(
        management.org_path.as_deref(),
        Some(format!("{org_id}/{root}/").as_str())
    );
    assert!(s.rcp_levels.is_empty());
    w.enable("RESOURCE_CONTROL_POLICY");
    assert!(
        standing(&w, &member).rcp_levels.is_empty(),
        "RCPFullAWSAccess is implicit"
    );
    let rcp = w.create_policy(
        "rcp",
        "RESOURCE_CONTROL_POLICY",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}"#,
    );
    w.attach(&rcp, &member).unwrap();
    let counts: Vec<usize> = standing(&w, &member)
        .rcp_levels
        .iter()
        .map(Vec::len)
        .collect();
    assert_eq!(counts, [0, 0, 1]);
}

#[test]
fn an_scp_denies_the_member_admin_but_not_the_management_account_until_detached() {
    let w = org_world();
    let (_, ou, member) = w.member_in_ou("eng", "dev");
    w.enable("SERVICE_CONTROL_POLICY");
    let admin = w.role_session(&member, "OrganizationAccountAccessRole");
    let create_key = || Access::new("kms:CreateKey", "*");
    assert_eq!(check(&w, &admin, create_key()), Ok(()));
    let deny = w.create_policy("deny", "SERVICE_CONTROL_POLICY", DENY_CREATE_KEY);
    w.attach(&deny, &ou).unwrap();
    let message = check(&w, &admin, create_key()).unwrap_err();
    assert!(
        message.contains("with an explicit deny in a service control policy"),
        "{message}"
    );
    // The management account is exempt.
    assert_eq!(check(&w, &w.root, create_key()), Ok(()));
    // Detaching applies to the very next request.
    w.detach(&deny, &ou).unwrap();
    assert_eq!(check(&w, &admin, create_key()), Ok(()));
}

#[test]
fn an_scp_allow_list_implicitly_denies_everything_else() {
    let w = org_world();
    let (_, ou, member) = w.member_in_ou("eng", "dev");
    w.enable("SERVICE_CONTROL_POLICY");
    let iam_only = w.create_policy("iam-only", "SERVICE_CONTROL_POLICY", ALLOW_IAM);
    w.attach(&iam_only, &ou).unwrap();
    w.detach("p-FullAWSAccess", &ou).unwrap();
    let admin = w.role_session(&member, "OrganizationAccountAccessRole");
    assert_eq!(check(&w, &admin, Access::new("iam:ListUsers", "*")), Ok(()));
    let message = check(&w, &admin, Access::new("kms:CreateKey", "*")).unwrap_err();
    assert!(message.contains("service control policy"), "{message}");
    assert!(!message.contains("explicit deny"), "{message}");
}

#[test]
fn an_rcp_denies_access_to_member_resources() {
    let w = org_world();
    let member = w.create_account("dev");
    w.enable("RESOURCE_CONTROL_POLICY");
    let rcp = w.create_policy(
        "no-kms",
        "RESOURCE_CONTROL_POLICY",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*"}]}"#,
    );
    w.attach(&rcp, &member).unwrap();
    let admin = w.role_session(&member, "OrganizationAccountAccessRole");
    let key = format!("arn:aws:kms:us-east-1:{member}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    let message = check(&w, &admin, Access::new("kms:DescribeKey", key.as_str())).unwrap_err();
    assert!(message.contains("resource control policy"), "{message}");
}

#[test]
fn a_closed_account_can_do_nothing() {
    let w = org_world();
    let member = w.create_account("dev");
    let admin = w.role_session(&member, "OrganizationAccountAccessRole");
    assert_eq!(check(&w, &admin, Access::new("iam:ListUsers", "*")), Ok(()));
    w.call("CloseAccount", json!({"AccountId": member}))
        .unwrap();
    assert!(check(&w, &admin, Access::new("iam:ListUsers", "*")).is_err());
}

/// Whether the pipeline lets `principal` call `op` with `input`: every access of the
/// authorization table, checked by the enforcer.
fn may(w: &World, principal: &Principal, op: &str, input: &Value) -> bool {
    let accesses = w
        .base
        .accesses(principal, "organizations", op, input)
        .unwrap();
    let enforcer = Enforcer::new(&w.base.env, principal, Context::new()).unwrap();
    accesses.iter().all(|a| enforcer.check(a).is_ok())
}

#[test]
fn a_delegation_policy_lets_the_member_accounts_it_names_read_and_manage_policies() {
    let w = org_world();
    let trusted = w.create_account("trusted");
    let other = w.create_account("other");
    let admin = w.role_session(&trusted, "OrganizationAccountAccessRole");
    let stranger = w.role_session(&other, "OrganizationAccountAccessRole");
    let list = json!({});
    assert_eq!(
        code(w.call_as(&admin, "ListAccounts", list.clone())),
        "AccessDeniedException"
    );
    let put = |statement: Value| {
        w.call(
            "PutResourcePolicy",
            json!({"Content": json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()}),
        )
    };
    let principal = json!({"AWS": format!("arn:aws:iam::{trusted}:root")});
    let e = put(json!({"Effect": "Allow", "Principal": principal, "Action": "organizations:CreateAccount", "Resource": "*"}))
        .unwrap_err();
    assert_eq!(reason(&e), Some("UNSUPPORTED_ACTION_IN_RESOURCE_POLICY"));
    assert_eq!(
        code(w.call("DescribeResourcePolicy", json!({}))),
        "ResourcePolicyNotFoundException"
    );
    let out = put(json!({
        "Effect": "Allow",
        "Principal": principal,
        "Action": ["organizations:List*", "organizations:Describe*", "organizations:CreatePolicy"],
        "Resource": "*",
    }))
    .unwrap();
    let id = out["ResourcePolicy"]["ResourcePolicySummary"]["Id"]
        .as_str()
        .unwrap();
    assert!(id.starts_with("rp-"));
    assert_eq!(w.call("DescribeResourcePolicy", json!({})).unwrap(), out);
    // The trusted account reads; the other member does not.
    assert!(may(&w, &admin, "ListAccounts", &list));
    w.call_as(&admin, "ListAccounts", list.clone()).unwrap();
    assert!(!may(&w, &stranger, "ListAccounts", &list));
    let create = json!({"Name": "p", "Type": "SERVICE_CONTROL_POLICY", "Description": "", "Content": DENY_CREATE_KEY});
    assert!(may(&w, &admin, "CreatePolicy", &create));
    w.call_as(&admin, "CreatePolicy", create.clone()).unwrap();
    // What the policy does not grant stays denied.
    let attach = json!({"PolicyId": "p-FullAWSAccess", "TargetId": trusted});
    assert!(!may(&w, &admin, "AttachPolicy", &attach));
    assert_eq!(
        code(w.call_as(
            &admin,
            "CreateAccount",
            json!({"Email": "x@y.co", "AccountName": "x"})
        )),
        "AccessDeniedException"
    );
    // The management account is not bound by it.
    assert!(may(&w, &w.root, "AttachPolicy", &attach));
    w.call("DeleteResourcePolicy", json!({})).unwrap();
    assert_eq!(
        code(w.call_as(&admin, "ListAccounts", list)),
        "AccessDeniedException"
    );
}
