//! What governs each kind of principal, seen through `crate::governing`.

use super::*;

/// A `GetFederationToken` session of the user `parent` (name and id).
fn federated(parent: &Principal, name: &str) -> Principal {
    let PrincipalKind::User {
        name: parent_name, ..
    } = &parent.kind
    else {
        panic!("a user");
    };
    Principal {
        kind: PrincipalKind::FederatedUser {
            name: name.into(),
            parent_name: parent_name.clone(),
            parent_id: parent.principal_id.clone(),
        },
        principal_id: format!("{ACCOUNT}:{name}"),
        access_key_id: "ASIAFEDERATED0000000".into(),
        session: Some(std::sync::Arc::new(rampart_service::Session::default())),
        ..parent.clone()
    }
}

#[test]
fn a_federated_user_is_governed_by_its_parent_user() {
    let w = world();
    let alice = w.user_with_key("alice");
    w.join_group("alice", "g", Some("arn:aws:iam::aws:policy/ReadOnlyAccess"));
    w.call(
        "PutUserPermissionsBoundary",
        json!({"UserName": "alice", "PermissionsBoundary": "arn:aws:iam::aws:policy/IAMReadOnlyAccess"}),
    )
    .unwrap();
    w.call(
        "TagUser",
        json!({"UserName": "alice", "Tags": [{"Key": "team", "Value": "red"}]}),
    )
    .unwrap();
    let session = federated(&alice, "fed");
    let governing = crate::governing(&w.env, &session).unwrap();
    assert_eq!(governing.identity.len(), 1);
    assert!(governing.boundary.is_some());
    // A federated user's principal tags come from its session, not its parent.
    assert!(governing.tags.is_empty());
    let user = crate::governing(&w.env, &alice).unwrap();
    assert_eq!(user.tags, vec![("team".to_owned(), "red".to_owned())]);
    // A user re-created under the same name is another user: the old session has nothing.
    w.call(
        "RemoveUserFromGroup",
        json!({"GroupName": "g", "UserName": "alice"}),
    )
    .unwrap();
    w.call(
        "DeleteUserPermissionsBoundary",
        json!({"UserName": "alice"}),
    )
    .unwrap();
    w.call(
        "DeleteAccessKey",
        json!({"UserName": "alice", "AccessKeyId": alice.access_key_id}),
    )
    .unwrap();
    w.call("DeleteUser", json!({"UserName": "alice"})).unwrap();
    w.call("CreateUser", json!({"UserName": "alice"})).unwrap();
    w.call(
        "AttachUserPolicy",
        json!({"UserName": "alice", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
    )
    .unwrap();
    let governing = crate::governing(&w.env, &session).unwrap();
    assert!(governing.identity.is_empty() && governing.boundary.is_none());
}

#[test]
fn changes_are_seen_on_the_very_next_read() {
    let w = world();
    let alice = w.user_with_key("alice");
    w.join_group("alice", "g", None);
    assert!(
        crate::governing(&w.env, &alice)
            .unwrap()
            .identity
            .is_empty()
    );
    // Only the group record changes: its table's watermark invalidates the cached entry.
    w.call(
        "PutGroupPolicy",
        json!({"GroupName": "g", "PolicyName": "p", "PolicyDocument": ALLOW_LIST}),
    )
    .unwrap();
    assert_eq!(crate::governing(&w.env, &alice).unwrap().identity.len(), 1);
    // Only a customer policy changes: the policies table's watermark does it.
    let arn = w
        .call(
            "CreatePolicy",
            json!({"PolicyName": "cp", "PolicyDocument": ALLOW_LIST}),
        )
        .unwrap()["Policy"]["Arn"]
        .as_str()
        .unwrap()
        .to_owned();
    w.call(
        "AttachGroupPolicy",
        json!({"GroupName": "g", "PolicyArn": arn}),
    )
    .unwrap();
    assert_eq!(crate::governing(&w.env, &alice).unwrap().identity.len(), 2);
    let deny =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;
    w.call(
        "CreatePolicyVersion",
        json!({"PolicyArn": arn, "PolicyDocument": deny, "SetAsDefault": true}),
    )
    .unwrap();
    assert!(!may(&w, &alice, "ListUsers", json!({})));
}

#[test]
fn a_root_users_federated_session_is_limited_by_its_session_policy_alone() {
    let w = world();
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#;
    let out = w
        .base
        .call_as(
            &w.root,
            "sts",
            "GetFederationToken",
            json!({"Name": "ops", "Policy": policy}),
        )
        .unwrap();
    let creds = &out["Credentials"];
    let session = crate::resolve_session(
        &w.env,
        creds["AccessKeyId"].as_str().unwrap(),
        creds["SessionToken"].as_str().unwrap(),
    )
    .unwrap()
    .principal;
    assert_eq!(
        session.arn(),
        format!("arn:aws:sts::{ACCOUNT}:federated-user/ops")
    );
    let PrincipalKind::FederatedUser { parent_id, .. } = &session.kind else {
        panic!("a federated user");
    };
    assert_eq!(parent_id, ACCOUNT);
    let enforcer = crate::Enforcer::new(&w.env, &session, rampart_policy::Context::new()).unwrap();
    enforcer
        .check(&rampart_service::Access::new("iam:ListUsers", "*"))
        .unwrap();
    let denied = enforcer
        .check(&rampart_service::Access::new("iam:ListRoles", "*"))
        .unwrap_err();
    assert!(denied.contains("session policy"), "{denied}");
}
