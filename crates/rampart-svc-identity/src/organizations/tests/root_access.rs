//! Centralized root access: the IAM features on the organization, and AssumeRoot sessions
//! scoped by their task policy.

use super::*;
use crate::Enforcer;
use crate::sessions::{resolve_session, session_admits};
use rampart_policy::Context;
use rampart_service::Access;

const AUDIT: &str = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials";

impl World {
    fn iam(&self, op: &str) -> Result<Value, AwsError> {
        self.base.call_as(&self.root, "iam", op, json!({}))
    }

    /// An admin role session of the management account (AssumeRoot refuses root callers).
    fn admin(&self) -> Principal {
        self.base
            .call_as(
                &self.root,
                "iam",
                "CreateRole",
                json!({"RoleName": "admin", "AssumeRolePolicyDocument": format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"sts:AssumeRole"}}]}}"#
                )}),
            )
            .unwrap();
        self.role_session(ACCOUNT, "admin")
    }

    fn assume_root(&self, caller: &Principal, target: &str) -> Result<Value, AwsError> {
        self.base.call_as(
            caller,
            "sts",
            "AssumeRoot",
            json!({"TargetPrincipal": target, "TaskPolicyArn": {"arn": AUDIT}}),
        )
    }
}

#[test]
fn features_need_an_organization_with_all_features_and_iam_trusted_access() {
    let w = world();
    assert_eq!(
        code(w.iam("ListOrganizationsFeatures")),
        "OrganizationNotFoundException"
    );
    w.call("CreateOrganization", json!({})).unwrap();
    assert_eq!(
        code(w.iam("EnableOrganizationsRootSessions")),
        "ServiceAccessNotEnabledException"
    );
    w.call(
        "EnableAWSServiceAccess",
        json!({"ServicePrincipal": "iam.amazonaws.com"}),
    )
    .unwrap();
    let out = w.iam("EnableOrganizationsRootSessions").unwrap();
    assert_eq!(out["EnabledFeatures"], json!(["RootSessions"]));
    w.iam("EnableOrganizationsRootCredentialsManagement")
        .unwrap();
    let out = w.iam("ListOrganizationsFeatures").unwrap();
    assert_eq!(
        out["EnabledFeatures"],
        json!(["RootCredentialsManagement", "RootSessions"])
    );
    assert!(out["OrganizationId"].as_str().unwrap().starts_with("o-"));
    let out = w.iam("DisableOrganizationsRootSessions").unwrap();
    assert_eq!(out["EnabledFeatures"], json!(["RootCredentialsManagement"]));

    // A member account that is not IAM's delegated administrator may not list or enable.
    let member = w.create_account("dev");
    let member_root = root_of(&member);
    let list = w
        .base
        .call_as(&member_root, "iam", "ListOrganizationsFeatures", json!({}));
    assert_eq!(
        code(list),
        "AccountNotManagementOrDelegatedAdministratorException"
    );
    let enable = w.base.call_as(
        &member_root,
        "iam",
        "EnableOrganizationsRootSessions",
        json!({}),
    );
    assert_eq!(code(enable), "CallerIsNotManagementAccountException");
    w.call(
        "RegisterDelegatedAdministrator",
        json!({"AccountId": member, "ServicePrincipal": "iam.amazonaws.com"}),
    )
    .unwrap();
    w.base
        .call_as(&member_root, "iam", "ListOrganizationsFeatures", json!({}))
        .unwrap();
}

#[test]
fn assume_root_opens_a_fifteen_minute_root_session_in_a_member_account() {
    let w = org_world();
    let member = w.create_account("dev");
    let admin = w.admin();
    // Not enabled yet.
    assert_eq!(code(w.assume_root(&admin, &member)), "AccessDenied");
    w.call(
        "EnableAWSServiceAccess",
        json!({"ServicePrincipal": "iam.amazonaws.com"}),
    )
    .unwrap();
    w.iam("EnableOrganizationsRootSessions").unwrap();
    // Root credentials never call it; the management account is no target.
    assert_eq!(code(w.assume_root(&w.root, &member)), "AccessDenied");
    assert_eq!(code(w.assume_root(&admin, ACCOUNT)), "AccessDenied");
    assert_eq!(code(w.assume_root(&admin, "999999999999")), "AccessDenied");
    let too_long = w.base.call_as(
        &admin,
        "sts",
        "AssumeRoot",
        json!({"TargetPrincipal": member, "TaskPolicyArn": {"arn": AUDIT}, "DurationSeconds": 901}),
    );
    assert_eq!(code(too_long), "ValidationError");
    let not_a_task = w.base.call_as(
        &admin,
        "sts",
        "AssumeRoot",
        json!({"TargetPrincipal": member, "TaskPolicyArn": {"arn": "arn:aws:iam::aws:policy/AdministratorAccess"}}),
    );
    assert_eq!(code(not_a_task), "ValidationError");

    let out = w.assume_root(&admin, &member).unwrap();
    let creds = &out["Credentials"];
    let key = creds["AccessKeyId"].as_str().unwrap();
    assert!(key.starts_with("ASIA"));
    let expires = creds["Expiration"].as_f64().unwrap_or_default();
    let now = rampart_service::epoch_seconds(w.base.env.clock.now());
    assert_eq!(expires as i64 - now as i64, 900, "{creds}");
    let session = resolve_session(&w.base.env, key, creds["SessionToken"].as_str().unwrap())
        .unwrap()
        .principal;
    assert_eq!(session.arn(), format!("arn:aws:iam::{member}:root"));

    // The task policy scopes the session: auditing the root's credentials, nothing else.
    let enforcer = Enforcer::new(&w.base.env, &session, Context::new()).unwrap();
    let root_arn = format!("arn:aws:iam::{member}:root");
    enforcer
        .check(&Access::new("iam:ListAccessKeys", root_arn.clone()))
        .unwrap();
    let denied = enforcer
        .check(&Access::new(
            "iam:CreateUser",
            format!("arn:aws:iam::{member}:user/x"),
        ))
        .unwrap_err();
    assert!(
        denied.ends_with("with an explicit deny in a session policy"),
        "{denied}"
    );
    let other_user = enforcer
        .check(&Access::new(
            "iam:ListAccessKeys",
            format!("arn:aws:iam::{member}:user/x"),
        ))
        .unwrap_err();
    assert!(other_user.contains("explicit deny"), "{other_user}");
    // It reaches IAM without MFA, and of STS only GetCallerIdentity.
    assert!(session_admits(&session, "iam", "ListAccessKeys"));
    assert!(session_admits(&session, "sts", "GetCallerIdentity"));
    assert!(!session_admits(&session, "sts", "AssumeRole"));
}

#[test]
fn assume_root_asks_for_the_member_root_with_the_task_policy() {
    let w = org_world();
    let member = w.create_account("dev");
    let admin = w.admin();
    let accesses = w
        .base
        .accesses(
            &admin,
            "sts",
            "AssumeRoot",
            &json!({"TargetPrincipal": member, "TaskPolicyArn": {"arn": AUDIT}}),
        )
        .unwrap();
    assert_eq!(accesses.len(), 1);
    assert_eq!(accesses[0].action, "sts:AssumeRoot");
    assert_eq!(accesses[0].resource, format!("arn:aws:iam::{member}:root"));
    assert_eq!(accesses[0].context.single("sts:TaskPolicyArn"), Some(AUDIT));
    assert_eq!(sar_violation(&accesses[0]), None);
}

#[test]
fn iams_delegated_administrator_opens_root_sessions_too() {
    let w = org_world();
    let admin_account = w.create_account("security");
    let member = w.create_account("dev");
    w.call(
        "EnableAWSServiceAccess",
        json!({"ServicePrincipal": "iam.amazonaws.com"}),
    )
    .unwrap();
    w.iam("EnableOrganizationsRootSessions").unwrap();
    let delegate = w.role_session(&admin_account, "OrganizationAccountAccessRole");
    // Not yet IAM's delegated administrator: refused.
    assert_eq!(code(w.assume_root(&delegate, &member)), "AccessDenied");
    w.call(
        "RegisterDelegatedAdministrator",
        json!({"AccountId": admin_account, "ServicePrincipal": "iam.amazonaws.com"}),
    )
    .unwrap();
    let out = w
        .assume_root(&delegate, &format!("arn:aws:iam::{member}:root"))
        .unwrap();
    assert!(
        out["Credentials"]["AccessKeyId"]
            .as_str()
            .unwrap()
            .starts_with("ASIA")
    );
}
