//! Roles: creation rules, reads, updates, deletion conflicts, policies, tags, boundaries,
//! service-linked roles, and what governs a role session.

use super::*;
use crate::iam::{NewRole, create_role_record, get_role};
use rampart_service::Session;
use std::sync::Arc;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

fn create(w: &World, name: &str) -> Value {
    w.call(
        "CreateRole",
        json!({"RoleName": name, "AssumeRolePolicyDocument": TRUST}),
    )
    .unwrap()
}

/// A session of role `name` as STS would issue it.
fn session_of(w: &World, name: &str) -> Principal {
    let role = w.call("GetRole", json!({"RoleName": name})).unwrap();
    let role = &role["Role"];
    Principal {
        account: ACCOUNT.parse().unwrap(),
        partition: rampart_types::Partition::Aws,
        kind: PrincipalKind::AssumedRole {
            role_name: role["RoleName"].as_str().unwrap().to_owned(),
            role_path: role["Path"].as_str().unwrap().to_owned(),
            session_name: "s".into(),
        },
        principal_id: role["RoleId"].as_str().unwrap().to_owned(),
        access_key_id: "ASIAEXAMPLE000000000".into(),
        session: Some(Arc::new(Session::default())),
    }
}

#[test]
fn roles_are_created_read_and_listed() {
    let w = world();
    let out = w
        .call(
            "CreateRole",
            json!({
                "RoleName": "Deployer",
                "Path": "/ci/",
                "AssumeRolePolicyDocument": TRUST,
                "Description": "deploys",
                "MaxSessionDuration": 7200,
                "Tags": [{"Key": "team", "Value": "red"}],
            }),
        )
        .unwrap();
    let role = &out["Role"];
    assert_eq!(role["Arn"], "arn:aws:iam::123456789012:role/ci/Deployer");
    let id = role["RoleId"].as_str().unwrap();
    assert!(id.starts_with("AROA") && id.len() == 20, "{id}");
    assert_eq!(role["MaxSessionDuration"], 7200);
    assert_eq!(role["Tags"], json!([{"Key": "team", "Value": "red"}]));
    assert!(role.get("RoleLastUsed").is_none());
    let got = w.call("GetRole", json!({"RoleName": "deployer"})).unwrap();
    let got = &got["Role"];
    assert_eq!(got["RoleName"], "Deployer");
    assert_eq!(got["Description"], "deploys");
    assert_eq!(got["RoleLastUsed"], json!({}));
    assert_eq!(
        got["AssumeRolePolicyDocument"],
        crate::iam::records::url_encode(TRUST)
    );
    let e = w
        .call(
            "CreateRole",
            json!({"RoleName": "DEPLOYER", "AssumeRolePolicyDocument": TRUST}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("EntityAlreadyExists", 409));
    assert_eq!(e.message, "Role with name DEPLOYER already exists.");
    for name in ["a", "b", "c"] {
        create(&w, name);
    }
    let page = w.call("ListRoles", json!({"MaxItems": 3})).unwrap();
    assert_eq!(page["IsTruncated"], true);
    assert_eq!(page["Roles"].as_array().unwrap().len(), 3);
    assert!(page["Roles"][0].get("Tags").is_none());
    let next = w
        .call("ListRoles", json!({"Marker": page["Marker"]}))
        .unwrap();
    assert_eq!(next["Roles"][0]["RoleName"], "Deployer");
    let ci = w.call("ListRoles", json!({"PathPrefix": "/ci/"})).unwrap();
    assert_eq!(ci["Roles"].as_array().unwrap().len(), 1);
    let e = w
        .call("GetRole", json!({"RoleName": "nobody"}))
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("NoSuchEntity", 404));
    assert_eq!(e.message, "The role with name nobody cannot be found.");
}

#[test]
fn bad_role_input_changes_nothing() {
    let w = world();
    let cases = [
        (
            json!({"RoleName": "r", "AssumeRolePolicyDocument": "{"}),
            "MalformedPolicyDocument",
        ),
        (
            // Trust policies must name a principal.
            json!({"RoleName": "r", "AssumeRolePolicyDocument":
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#}),
            "MalformedPolicyDocument",
        ),
        (
            json!({"RoleName": "r", "AssumeRolePolicyDocument": TRUST, "MaxSessionDuration": 3599}),
            "ValidationError",
        ),
        (
            json!({"RoleName": "r", "AssumeRolePolicyDocument": TRUST, "MaxSessionDuration": 43201}),
            "ValidationError",
        ),
        (
            json!({"RoleName": "r r", "AssumeRolePolicyDocument": TRUST}),
            "ValidationError",
        ),
        (
            json!({"RoleName": "a".repeat(65), "AssumeRolePolicyDocument": TRUST}),
            "ValidationError",
        ),
        (
            json!({"RoleName": "r", "Path": "x", "AssumeRolePolicyDocument": TRUST}),
            "ValidationError",
        ),
        (
            json!({"RoleName": "r", "AssumeRolePolicyDocument": TRUST,
                   "PermissionsBoundary": "arn:aws:iam::123456789012:policy/none"}),
            "InvalidInput",
        ),
        (
            json!({"RoleName": "r", "AssumeRolePolicyDocument": TRUST,
                   "Tags": [{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}]}),
            "InvalidInput",
        ),
        (json!({"RoleName": "r"}), "ValidationError"),
    ];
    for (input, expected) in cases {
        let e = w.call("CreateRole", input.clone()).unwrap_err();
        assert_eq!(e.code, expected, "{input}");
        assert_eq!(e.status, 400, "{input}");
    }
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{}","Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"sts:AssumeRole"}}]}}"#,
        "a".repeat(2_000)
    );
    let e = w
        .call(
            "CreateRole",
            json!({"RoleName": "r", "AssumeRolePolicyDocument": big}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("LimitExceeded", 409));
    assert_eq!(e.message, "Cannot exceed quota for ACLSizePerRole: 2048");
    let listed = w.call("ListRoles", json!({})).unwrap();
    assert_eq!(listed["Roles"], json!([]));
}

#[test]
fn roles_are_updated() {
    let w = world();
    create(&w, "r");
    w.call(
        "UpdateRole",
        json!({"RoleName": "r", "Description": "d1", "MaxSessionDuration": 43200}),
    )
    .unwrap();
    let got = w.call("GetRole", json!({"RoleName": "r"})).unwrap();
    assert_eq!(got["Role"]["Description"], "d1");
    assert_eq!(got["Role"]["MaxSessionDuration"], 43200);
    assert_eq!(
        code(w.call(
            "UpdateRole",
            json!({"RoleName": "r", "MaxSessionDuration": 60})
        )),
        "ValidationError"
    );
    let out = w
        .call(
            "UpdateRoleDescription",
            json!({"RoleName": "r", "Description": "d2"}),
        )
        .unwrap();
    assert_eq!(out["Role"]["Description"], "d2");
    let service_trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    w.call(
        "UpdateAssumeRolePolicy",
        json!({"RoleName": "r", "PolicyDocument": service_trust}),
    )
    .unwrap();
    let store = w.env.store.as_ref();
    let account = ACCOUNT.parse().unwrap();
    let (role, _) = get_role(store, &account, "r").unwrap().unwrap();
    assert_eq!(role.trust_policy, service_trust);
    assert_eq!(
        code(w.call(
            "UpdateAssumeRolePolicy",
            json!({"RoleName": "r", "PolicyDocument": "{}"})
        )),
        "MalformedPolicyDocument"
    );
    assert_eq!(
        get_role(store, &account, "r")
            .unwrap()
            .unwrap()
            .0
            .trust_policy,
        service_trust
    );
    assert_eq!(
        code(w.call("UpdateRole", json!({"RoleName": "x", "Description": "d"}))),
        "NoSuchEntity"
    );
}

#[test]
fn role_policies_tags_and_deletion_conflicts() {
    let w = world();
    create(&w, "r");
    w.call(
        "PutRolePolicy",
        json!({"RoleName": "r", "PolicyName": "p", "PolicyDocument": ALLOW_LIST}),
    )
    .unwrap();
    let got = w
        .call("GetRolePolicy", json!({"RoleName": "r", "PolicyName": "p"}))
        .unwrap();
    assert_eq!(got["RoleName"], "r");
    assert_eq!(
        got["PolicyDocument"],
        crate::iam::records::url_encode(ALLOW_LIST)
    );
    let e = w
        .call("GetRolePolicy", json!({"RoleName": "r", "PolicyName": "q"}))
        .unwrap_err();
    assert_eq!(e.message, "The role policy with name q cannot be found.");
    assert_eq!(
        w.call("ListRolePolicies", json!({"RoleName": "r"}))
            .unwrap()["PolicyNames"],
        json!(["p"])
    );
    w.call(
        "AttachRolePolicy",
        json!({"RoleName": "r", "PolicyArn": ADMIN}),
    )
    .unwrap();
    let attached = w
        .call("ListAttachedRolePolicies", json!({"RoleName": "r"}))
        .unwrap();
    assert_eq!(
        attached["AttachedPolicies"],
        json!([{"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN}])
    );
    let e = w.call("DeleteRole", json!({"RoleName": "r"})).unwrap_err();
    assert_eq!((&*e.code, e.status), ("DeleteConflict", 409));
    assert_eq!(
        e.message,
        "Cannot delete entity, must delete policies first."
    );
    w.call(
        "DeleteRolePolicy",
        json!({"RoleName": "r", "PolicyName": "p"}),
    )
    .unwrap();
    let e = w.call("DeleteRole", json!({"RoleName": "r"})).unwrap_err();
    assert_eq!(
        e.message,
        "Cannot delete entity, must detach all policies first."
    );
    w.call(
        "DetachRolePolicy",
        json!({"RoleName": "r", "PolicyArn": ADMIN}),
    )
    .unwrap();
    w.call(
        "TagRole",
        json!({"RoleName": "r", "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}),
    )
    .unwrap();
    w.call("UntagRole", json!({"RoleName": "r", "TagKeys": ["A"]}))
        .unwrap();
    assert_eq!(
        w.call("ListRoleTags", json!({"RoleName": "r"})).unwrap()["Tags"],
        json!([{"Key": "b", "Value": "2"}])
    );
    let many: Vec<Value> = (0..50)
        .map(|i| json!({"Key": format!("k{i}"), "Value": ""}))
        .collect();
    let e = w
        .call("TagRole", json!({"RoleName": "r", "Tags": many}))
        .unwrap_err();
    assert_eq!(e.message, "Cannot exceed quota for TagsPerRole: 50");
    w.call("DeleteRole", json!({"RoleName": "r"})).unwrap();
    assert_eq!(
        code(w.call("GetRole", json!({"RoleName": "r"}))),
        "NoSuchEntity"
    );
}

#[test]
fn role_inline_policies_share_a_10240_character_quota() {
    let w = world();
    create(&w, "r");
    let doc = |sid: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{sid}","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}]}}"#
        )
    };
    let filler = "a".repeat(4_000);
    for name in ["p1", "p2"] {
        w.call(
            "PutRolePolicy",
            json!({"RoleName": "r", "PolicyName": name, "PolicyDocument": doc(&filler)}),
        )
        .unwrap();
    }
    let e = w
        .call(
            "PutRolePolicy",
            json!({"RoleName": "r", "PolicyName": "p3", "PolicyDocument": doc(&filler)}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("LimitExceeded", 409));
    assert_eq!(
        e.message,
        "Maximum policy size of 10240 bytes exceeded for role r"
    );
    assert_eq!(
        w.call("ListRolePolicies", json!({"RoleName": "r"}))
            .unwrap()["PolicyNames"],
        json!(["p1", "p2"])
    );
}

#[test]
fn role_attachments_are_capped_at_ten() {
    let w = world();
    create(&w, "r");
    let names = [
        "ReadOnlyAccess",
        "AdministratorAccess",
        "PowerUserAccess",
        "IAMReadOnlyAccess",
        "IAMFullAccess",
        "AmazonS3ReadOnlyAccess",
        "AmazonS3FullAccess",
        "SecurityAudit",
        "job-function/ViewOnlyAccess",
        "AWSKeyManagementServicePowerUser",
        "IAMUserChangePassword",
    ];
    for name in &names[..10] {
        w.call(
            "AttachRolePolicy",
            json!({"RoleName": "r", "PolicyArn": format!("arn:aws:iam::aws:policy/{name}")}),
        )
        .unwrap();
    }
    let e = w
        .call(
            "AttachRolePolicy",
            json!({"RoleName": "r", "PolicyArn": format!("arn:aws:iam::aws:policy/{}", names[10])}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("LimitExceeded", 409));
    assert_eq!(e.message, "Cannot exceed quota for PoliciesPerRole: 10");
}

#[test]
fn a_role_session_is_governed_by_the_role_and_its_boundary() {
    let w = world();
    create(&w, "r");
    let session = session_of(&w, "r");
    let governing = crate::governing(&w.env, &session).unwrap();
    assert!(governing.identity.is_empty());
    w.call(
        "AttachRolePolicy",
        json!({"RoleName": "r", "PolicyArn": ADMIN}),
    )
    .unwrap();
    w.call(
        "TagRole",
        json!({"RoleName": "r", "Tags": [{"Key": "team", "Value": "red"}]}),
    )
    .unwrap();
    let governing = crate::governing(&w.env, &session).unwrap();
    assert_eq!(governing.identity.len(), 1);
    assert_eq!(governing.tags, vec![("team".to_owned(), "red".to_owned())]);
    assert!(governing.boundary.is_none());
    assert!(may(&w, &session, "CreateUser", json!({"UserName": "x"})));
    w.call(
        "PutRolePermissionsBoundary",
        json!({"RoleName": "r", "PermissionsBoundary": "arn:aws:iam::aws:policy/IAMReadOnlyAccess"}),
    )
    .unwrap();
    assert_eq!(
        w.call("GetRole", json!({"RoleName": "r"})).unwrap()["Role"]["PermissionsBoundary"],
        json!({"PermissionsBoundaryType": "Policy",
               "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/IAMReadOnlyAccess"})
    );
    assert!(!may(&w, &session, "CreateUser", json!({"UserName": "x"})));
    assert!(may(&w, &session, "ListUsers", json!({})));
    w.call("DeleteRolePermissionsBoundary", json!({"RoleName": "r"}))
        .unwrap();
    assert!(may(&w, &session, "CreateUser", json!({"UserName": "x"})));
    // A role re-created under the same name is another role: the old session has nothing.
    w.call(
        "DetachRolePolicy",
        json!({"RoleName": "r", "PolicyArn": ADMIN}),
    )
    .unwrap();
    w.call("DeleteRole", json!({"RoleName": "r"})).unwrap();
    create(&w, "r");
    w.call(
        "AttachRolePolicy",
        json!({"RoleName": "r", "PolicyArn": ADMIN}),
    )
    .unwrap();
    assert!(
        crate::governing(&w.env, &session)
            .unwrap()
            .identity
            .is_empty()
    );
    assert!(!may(&w, &session, "ListUsers", json!({})));
}

#[test]
fn roles_are_created_for_other_services_with_their_checks() {
    let w = world();
    let account = ACCOUNT.parse().unwrap();
    let new = NewRole {
        name: "OrganizationAccountAccessRole".into(),
        path: "/".into(),
        trust_policy: TRUST.into(),
        description: None,
        managed_policy_arns: vec![ADMIN.into()],
        max_session_duration: 3600,
    };
    let role = create_role_record(&w.env, &account, new.clone()).unwrap();
    assert_eq!(role.attached_policies, vec![ADMIN.to_owned()]);
    assert!(role.role_id.starts_with("AROA"));
    assert_eq!(
        create_role_record(&w.env, &account, new.clone())
            .unwrap_err()
            .code,
        "EntityAlreadyExists"
    );
    let bad = NewRole {
        name: "Other".into(),
        max_session_duration: 10,
        ..new
    };
    assert_eq!(
        create_role_record(&w.env, &account, bad).unwrap_err().code,
        "ValidationError"
    );
}

#[test]
fn service_linked_roles_are_aws_owned() {
    let w = world();
    let out = w
        .call(
            "CreateServiceLinkedRole",
            json!({"AWSServiceName": "autoscaling.amazonaws.com"}),
        )
        .unwrap();
    let role = &out["Role"];
    assert_eq!(role["RoleName"], "AWSServiceRoleForAutoScaling");
    assert_eq!(role["Path"], "/aws-service-role/autoscaling.amazonaws.com/");
    let e = w
        .call(
            "CreateServiceLinkedRole",
            json!({"AWSServiceName": "autoscaling.amazonaws.com"}),
        )
        .unwrap_err();
    assert_eq!(e.code, "InvalidInput");
    let suffixed = w
        .call(
            "CreateServiceLinkedRole",
            json!({"AWSServiceName": "autoscaling.amazonaws.com", "CustomSuffix": "x"}),
        )
        .unwrap();
    assert_eq!(
        suffixed["Role"]["RoleName"],
        "AWSServiceRoleForAutoScaling_x"
    );
    assert_eq!(
        code(w.call(
            "CreateServiceLinkedRole",
            json!({"AWSServiceName": "not a service"})
        )),
        "InvalidInput"
    );
    let name = "AWSServiceRoleForAutoScaling";
    for (op, input) in [
        ("DeleteRole", json!({"RoleName": name})),
        (
            "PutRolePolicy",
            json!({"RoleName": name, "PolicyName": "p", "PolicyDocument": ALLOW_LIST}),
        ),
        (
            "AttachRolePolicy",
            json!({"RoleName": name, "PolicyArn": ADMIN}),
        ),
        (
            "UpdateAssumeRolePolicy",
            json!({"RoleName": name, "PolicyDocument": TRUST}),
        ),
    ] {
        let e = w.call(op, input).unwrap_err();
        assert_eq!((&*e.code, e.status), ("UnmodifiableEntity", 400), "{op}");
        assert_eq!(
            e.message,
            "Cannot perform the operation on the protected role 'AWSServiceRoleForAutoScaling' - this role is only modifiable by AWS"
        );
    }
    create(&w, "plain");
    assert_eq!(
        code(w.call("DeleteServiceLinkedRole", json!({"RoleName": "plain"}))),
        "InvalidInput"
    );
    let task = w
        .call("DeleteServiceLinkedRole", json!({"RoleName": name}))
        .unwrap();
    let task_id = task["DeletionTaskId"].as_str().unwrap();
    assert!(
        task_id.starts_with(
            "task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling/"
        ),
        "{task_id}"
    );
    assert_eq!(
        w.call(
            "GetServiceLinkedRoleDeletionStatus",
            json!({"DeletionTaskId": task_id})
        )
        .unwrap()["Status"],
        "SUCCEEDED"
    );
    assert_eq!(
        code(w.call("GetRole", json!({"RoleName": name}))),
        "NoSuchEntity"
    );
    let accesses = w
        .base
        .accesses(
            &w.root,
            "iam",
            "GetServiceLinkedRoleDeletionStatus",
            &json!({"DeletionTaskId": task_id}),
        )
        .unwrap();
    assert_eq!(
        accesses[0].resource,
        "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    );
}

#[test]
fn role_authorization_follows_the_service_authorization_reference() {
    let w = world();
    w.call(
        "CreateRole",
        json!({"RoleName": "r", "Path": "/p/", "AssumeRolePolicyDocument": TRUST,
               "Tags": [{"Key": "team", "Value": "red"}],
               "PermissionsBoundary": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
    )
    .unwrap();
    let role_arn = "arn:aws:iam::123456789012:role/p/r";
    for (op, input) in [
        (
            "CreateRole",
            json!({"RoleName": "n", "Path": "/a/", "AssumeRolePolicyDocument": TRUST,
                   "Tags": [{"Key": "k", "Value": "v"}]}),
        ),
        ("GetRole", json!({"RoleName": "r"})),
        ("ListRoles", json!({})),
        ("UpdateRole", json!({"RoleName": "r"})),
        ("UpdateRoleDescription", json!({"RoleName": "r"})),
        ("UpdateAssumeRolePolicy", json!({"RoleName": "r"})),
        ("DeleteRole", json!({"RoleName": "r"})),
        ("PutRolePolicy", json!({"RoleName": "r"})),
        ("GetRolePolicy", json!({"RoleName": "r"})),
        ("DeleteRolePolicy", json!({"RoleName": "r"})),
        ("ListRolePolicies", json!({"RoleName": "r"})),
        (
            "AttachRolePolicy",
            json!({"RoleName": "r", "PolicyArn": ADMIN}),
        ),
        (
            "DetachRolePolicy",
            json!({"RoleName": "r", "PolicyArn": ADMIN}),
        ),
        ("ListAttachedRolePolicies", json!({"RoleName": "r"})),
        (
            "TagRole",
            json!({"RoleName": "r", "Tags": [{"Key": "k", "Value": "v"}]}),
        ),
        ("UntagRole", json!({"RoleName": "r", "TagKeys": ["k"]})),
        ("ListRoleTags", json!({"RoleName": "r"})),
        (
            "PutRolePermissionsBoundary",
            json!({"RoleName": "r", "PermissionsBoundary": ADMIN}),
        ),
        ("DeleteRolePermissionsBoundary", json!({"RoleName": "r"})),
        (
            "CreateServiceLinkedRole",
            json!({"AWSServiceName": "autoscaling.amazonaws.com"}),
        ),
        ("DeleteServiceLinkedRole", json!({"RoleName": "r"})),
        ("TagUser", json!({"UserName": "u"})),
        ("UntagUser", json!({"UserName": "u"})),
        ("ListUserTags", json!({"UserName": "u"})),
        ("PutUserPermissionsBoundary", json!({"UserName": "u"})),
        ("DeleteUserPermissionsBoundary", json!({"UserName": "u"})),
    ] {
        for access in w.base.accesses(&w.root, "iam", op, &input).unwrap() {
            assert_eq!(
                rampart_service::testkit::sar_violation(&access),
                None,
                "{op}"
            );
        }
    }
    let access = |op: &str, input: Value| {
        w.base
            .accesses(&w.root, "iam", op, &input)
            .unwrap()
            .remove(0)
    };
    let attach = access(
        "AttachRolePolicy",
        json!({"RoleName": "r", "PolicyArn": ADMIN}),
    );
    assert_eq!(attach.resource, role_arn);
    assert_eq!(attach.context.single("iam:PolicyARN"), Some(ADMIN));
    assert_eq!(attach.context.single("aws:ResourceTag/team"), Some("red"));
    assert_eq!(attach.context.single("iam:ResourceTag/team"), Some("red"));
    assert_eq!(
        attach.context.single("iam:PermissionsBoundary"),
        Some("arn:aws:iam::aws:policy/ReadOnlyAccess")
    );
    let slr = access(
        "CreateServiceLinkedRole",
        json!({"AWSServiceName": "autoscaling.amazonaws.com"}),
    );
    assert_eq!(
        slr.context.single("iam:AWSServiceName"),
        Some("autoscaling.amazonaws.com")
    );
    let tag = access(
        "TagRole",
        json!({"RoleName": "r", "Tags": [{"Key": "k", "Value": "v"}]}),
    );
    assert_eq!(tag.context.single("aws:RequestTag/k"), Some("v"));
}

#[test]
fn role_use_is_noted_apart_from_the_role() {
    let w = world();
    create(&w, "r");
    let account = ACCOUNT.parse().unwrap();
    let (role, _) = get_role(w.env.store.as_ref(), &account, "r")
        .unwrap()
        .unwrap();
    let marks = |w: &World| {
        w.env
            .store
            .watermark(&rampart_store::space::account(&account), "iam.role")
    };
    let before = marks(&w);
    crate::iam::note_role_used(&w.env, &account, &role, "eu-west-1").unwrap();
    assert_eq!(
        marks(&w),
        before,
        "what governs principals is not disturbed"
    );
    let got = w.call("GetRole", json!({"RoleName": "r"})).unwrap();
    assert_eq!(got["Role"]["RoleLastUsed"]["Region"], "eu-west-1");
    assert_eq!(
        got["Role"]["RoleLastUsed"]["LastUsedDate"],
        json!(1_700_000_000.0)
    );
    // A role re-created under the name has not been used.
    w.call("DeleteRole", json!({"RoleName": "r"})).unwrap();
    create(&w, "r");
    assert_eq!(
        w.call("GetRole", json!({"RoleName": "r"})).unwrap()["Role"]["RoleLastUsed"],
        json!({})
    );
}

#[test]
fn trust_policies_may_name_only_existing_users_and_roles() {
    let w = world();
    let naming = |arn: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":["123456789012","{arn}"]}},"Action":"sts:AssumeRole"}}]}}"#
        )
    };
    let e = w
        .call(
            "CreateRole",
            json!({"RoleName": "r", "AssumeRolePolicyDocument": naming("arn:aws:iam::123456789012:user/ghost")}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("MalformedPolicyDocument", 400));
    assert_eq!(
        e.message,
        r#"Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/ghost""#
    );
    w.call("CreateUser", json!({"UserName": "ghost", "Path": "/p/"}))
        .unwrap();
    // The path is part of the ARN.
    assert!(
        w.call(
            "CreateRole",
            json!({"RoleName": "r", "AssumeRolePolicyDocument": naming("arn:aws:iam::123456789012:user/ghost")}),
        )
        .is_err()
    );
    w.call(
        "CreateRole",
        json!({"RoleName": "r", "AssumeRolePolicyDocument": naming("arn:aws:iam::123456789012:user/p/ghost")}),
    )
    .unwrap();
    // Accounts, roots and sessions need not be checked.
    w.call(
        "UpdateAssumeRolePolicy",
        json!({"RoleName": "r", "PolicyDocument": naming("arn:aws:iam::210987654321:root")}),
    )
    .unwrap();
    assert_eq!(
        code(w.call(
            "UpdateAssumeRolePolicy",
            json!({"RoleName": "r", "PolicyDocument": naming("arn:aws:iam::123456789012:role/none")})
        )),
        "MalformedPolicyDocument"
    );
    w.call(
        "UpdateAssumeRolePolicy",
        json!({"RoleName": "r", "PolicyDocument": naming("arn:aws:iam::123456789012:role/r")}),
    )
    .unwrap();
}
