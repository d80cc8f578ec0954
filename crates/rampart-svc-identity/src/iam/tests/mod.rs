//! The IAM operations end to end over an in-memory store, as the pipeline calls them.

mod account;
mod credentials;
mod details;
mod governing;
mod groups;
mod login;
mod mfa;
mod policies;
mod profiles;
mod providers;
mod report;
mod roles;
mod simulate;

use crate::{AccessKeyOwner, resolve_access_key, store_access_key};
use rampart_protocol::AwsError;
use rampart_service::testkit::{ACCOUNT, World as Base};
use rampart_service::{Principal, PrincipalKind};
use serde_json::{Value, json};

/// The identity policies that govern `principal`.
fn identity_policies(
    env: &rampart_service::Env,
    principal: &Principal,
) -> Result<Vec<rampart_policy::Policy>, rampart_store::StoreError> {
    crate::governing(env, principal).map(|g| g.identity.clone())
}

/// The shared test world with the identity services registered.
struct World {
    base: Base,
    env: rampart_service::Env,
    root: Principal,
}

fn world() -> World {
    let base = Base::new(crate::register);
    World {
        env: base.env.clone(),
        root: base.root(),
        base,
    }
}

impl World {
    fn call_as(&self, principal: &Principal, op: &str, input: Value) -> Result<Value, AwsError> {
        self.base.call_as(principal, "iam", op, input)
    }

    fn call(&self, op: &str, input: Value) -> Result<Value, AwsError> {
        self.call_as(&self.root, op, input)
    }

    /// Creates `group` with `managed` attached (if any) and puts the existing `user` in it.
    fn join_group(&self, user: &str, group: &str, managed: Option<&str>) {
        self.call("CreateGroup", json!({ "GroupName": group }))
            .unwrap();
        self.call(
            "AddUserToGroup",
            json!({ "GroupName": group, "UserName": user }),
        )
        .unwrap();
        if let Some(arn) = managed {
            self.call(
                "AttachGroupPolicy",
                json!({ "GroupName": group, "PolicyArn": arn }),
            )
            .unwrap();
        }
    }

    /// Asserts DeleteUser of `user` is refused (DeleteConflict, 409) with `message`, which
    /// names what still belongs to the user.
    #[track_caller]
    fn assert_user_undeletable(&self, user: &str, message: &str) {
        let e = self
            .call("DeleteUser", json!({"UserName": user}))
            .unwrap_err();
        assert_eq!(
            (&*e.code, e.status, e.message.as_str()),
            ("DeleteConflict", 409, message)
        );
    }

    /// Creates a user with a key; returns the key's principal.
    fn user_with_key(&self, name: &str) -> Principal {
        self.call("CreateUser", json!({"UserName": name})).unwrap();
        let key = self
            .call("CreateAccessKey", json!({"UserName": name}))
            .unwrap();
        let id = key["AccessKey"]["AccessKeyId"].as_str().unwrap();
        resolve_access_key(&self.env, id)
            .unwrap()
            .unwrap()
            .principal
    }
}

fn code(r: Result<Value, AwsError>) -> String {
    r.unwrap_err().code.into_owned()
}

const ALLOW_LIST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#;

#[test]
fn users_are_created_read_listed_and_unique_regardless_of_case() {
    let w = world();
    let out = w
        .call("CreateUser", json!({"UserName": "Alice", "Path": "/ops/"}))
        .unwrap();
    let user = &out["User"];
    assert_eq!(user["Arn"], "arn:aws:iam::123456789012:user/ops/Alice");
    let id = user["UserId"].as_str().unwrap();
    assert!(id.starts_with("AIDA") && id.len() == 20);
    let e = w
        .call("CreateUser", json!({"UserName": "alice"}))
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("EntityAlreadyExists", 409));
    assert_eq!(e.message, "User with name alice already exists.");
    assert_eq!(
        w.call("GetUser", json!({"UserName": "ALICE"})).unwrap()["User"]["UserName"],
        "Alice"
    );
    let e = w.call("GetUser", json!({"UserName": "bob"})).unwrap_err();
    assert_eq!((&*e.code, e.status), ("NoSuchEntity", 404));
    assert_eq!(
        code(w.call("CreateUser", json!({"UserName": "a b"}))),
        "ValidationError"
    );
    assert_eq!(
        code(w.call("CreateUser", json!({"UserName": "x", "Path": "ops"}))),
        "ValidationError"
    );
    for name in ["bob", "carol", "dave"] {
        w.call("CreateUser", json!({"UserName": name})).unwrap();
    }
    let page = w.call("ListUsers", json!({"MaxItems": 2})).unwrap();
    assert_eq!(page["IsTruncated"], true);
    let names: Vec<_> = page["Users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["UserName"].clone())
        .collect();
    assert_eq!(names, [json!("Alice"), json!("bob")]);
    let next = w
        .call("ListUsers", json!({"Marker": page["Marker"]}))
        .unwrap();
    assert_eq!(next["Users"].as_array().unwrap().len(), 2);
    assert_eq!(next["IsTruncated"], false);
    let ops = w.call("ListUsers", json!({"PathPrefix": "/ops/"})).unwrap();
    assert_eq!(ops["Users"].as_array().unwrap().len(), 1);
}

#[test]
fn user_keys_authenticate_as_the_user_until_deactivated() {
    let w = world();
    let alice = w.user_with_key("alice");
    assert_eq!(alice.arn(), "arn:aws:iam::123456789012:user/alice");
    assert!(alice.principal_id.starts_with("AIDA"));
    // The user calls for itself without naming itself.
    assert_eq!(
        w.call_as(&alice, "GetUser", json!({})).unwrap()["User"]["UserName"],
        "alice"
    );
    w.call("CreateAccessKey", json!({"UserName": "alice"}))
        .unwrap();
    let e = w
        .call("CreateAccessKey", json!({"UserName": "alice"}))
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("LimitExceeded", 409));
    assert_eq!(e.message, "Cannot exceed quota for AccessKeysPerUser: 2");
    let listed = w
        .call("ListAccessKeys", json!({"UserName": "alice"}))
        .unwrap();
    assert_eq!(listed["AccessKeyMetadata"].as_array().unwrap().len(), 2);
    let id = alice.access_key_id.clone();
    w.call(
        "UpdateAccessKey",
        json!({"UserName": "alice", "AccessKeyId": id, "Status": "Inactive"}),
    )
    .unwrap();
    assert!(resolve_access_key(&w.env, &id).unwrap().is_none());
    w.call(
        "UpdateAccessKey",
        json!({"UserName": "alice", "AccessKeyId": id, "Status": "Active"}),
    )
    .unwrap();
    assert!(resolve_access_key(&w.env, &id).unwrap().is_some());
    let e = w
        .call(
            "UpdateAccessKey",
            json!({"UserName": "alice", "AccessKeyId": id, "Status": "On"}),
        )
        .unwrap_err();
    assert_eq!(&*e.code, "ValidationError");
    // Another user's key is not found through this user.
    w.call("CreateUser", json!({"UserName": "bob"})).unwrap();
    assert_eq!(
        code(w.call(
            "DeleteAccessKey",
            json!({"UserName": "bob", "AccessKeyId": id})
        )),
        "NoSuchEntity"
    );
    w.assert_user_undeletable(
        "alice",
        "Cannot delete entity, must delete access keys first.",
    );
}

#[test]
fn a_rename_moves_the_principal_and_the_user_record() {
    let w = world();
    let alice = w.user_with_key("alice");
    w.call(
        "UpdateUser",
        json!({"UserName": "alice", "NewUserName": "alicia", "NewPath": "/x/"}),
    )
    .unwrap();
    let renamed = resolve_access_key(&w.env, &alice.access_key_id)
        .unwrap()
        .unwrap()
        .principal;
    assert_eq!(renamed.arn(), "arn:aws:iam::123456789012:user/x/alicia");
    assert_eq!(renamed.principal_id, alice.principal_id);
    assert_eq!(
        code(w.call("GetUser", json!({"UserName": "alice"}))),
        "NoSuchEntity"
    );
}

#[test]
fn a_recreated_user_does_not_inherit_an_old_key() {
    let w = world();
    let account = ACCOUNT.parse().unwrap();
    store_access_key(
        &w.env,
        &account,
        AccessKeyOwner::User {
            name: "ghost".into(),
            user_id: "AIDAOLD".into(),
        },
        "AKIAGHOST",
        "secret",
    )
    .unwrap();
    assert!(resolve_access_key(&w.env, "AKIAGHOST").unwrap().is_none());
    w.call("CreateUser", json!({"UserName": "ghost"})).unwrap();
    assert!(resolve_access_key(&w.env, "AKIAGHOST").unwrap().is_none());
}

#[test]
fn inline_policies_are_validated_sized_and_seen_at_once() {
    let w = world();
    let alice = w.user_with_key("alice");
    assert!(identity_policies(&w.env, &alice).unwrap().is_empty());
    w.call(
        "PutUserPolicy",
        json!({"UserName": "alice", "PolicyName": "list", "PolicyDocument": ALLOW_LIST}),
    )
    .unwrap();
    let policies = identity_policies(&w.env, &alice).unwrap();
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].name(), Some("list"));
    let got = w
        .call(
            "GetUserPolicy",
            json!({"UserName": "alice", "PolicyName": "list"}),
        )
        .unwrap();
    assert!(
        got["PolicyDocument"]
            .as_str()
            .unwrap()
            .starts_with("%7B%22Version%22")
    );
    assert_eq!(
        w.call("ListUserPolicies", json!({"UserName": "alice"}))
            .unwrap()["PolicyNames"],
        json!(["list"])
    );
    // Malformed: AWS's message, nothing stored.
    let e = w
        .call("PutUserPolicy", json!({"UserName": "alice", "PolicyName": "bad", "PolicyDocument": "{\"Version\":\"2012-10-17\"}"}))
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("MalformedPolicyDocument", 400));
    assert_eq!(
        w.call("ListUserPolicies", json!({"UserName": "alice"}))
            .unwrap()["PolicyNames"],
        json!(["list"])
    );
    // The aggregate quota of 2,048 characters per user.
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{}"}}]}}"#,
        "b".repeat(1_900)
    );
    let e = w
        .call(
            "PutUserPolicy",
            json!({"UserName": "alice", "PolicyName": "big", "PolicyDocument": big}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("LimitExceeded", 409));
    assert_eq!(
        e.message,
        "Maximum policy size of 2048 bytes exceeded for user alice"
    );
    w.call(
        "DeleteAccessKey",
        json!({"UserName": "alice", "AccessKeyId": alice.access_key_id}),
    )
    .unwrap();
    w.assert_user_undeletable("alice", "Cannot delete entity, must delete policies first.");
    w.call(
        "DeleteUserPolicy",
        json!({"UserName": "alice", "PolicyName": "list"}),
    )
    .unwrap();
    assert!(identity_policies(&w.env, &alice).unwrap().is_empty());
    assert_eq!(
        code(w.call(
            "DeleteUserPolicy",
            json!({"UserName": "alice", "PolicyName": "list"})
        )),
        "NoSuchEntity"
    );
}

#[test]
fn managed_policies_attach_count_and_block_deletion() {
    let w = world();
    let alice = w.user_with_key("alice");
    let created = w
        .call(
            "CreatePolicy",
            json!({"PolicyName": "lister", "Path": "/team/", "PolicyDocument": ALLOW_LIST}),
        )
        .unwrap();
    let arn = created["Policy"]["Arn"].as_str().unwrap().to_owned();
    assert_eq!(arn, "arn:aws:iam::123456789012:policy/team/lister");
    assert!(
        created["Policy"]["PolicyId"]
            .as_str()
            .unwrap()
            .starts_with("ANPA")
    );
    assert_eq!(
        code(w.call(
            "CreatePolicy",
            json!({"PolicyName": "LISTER", "PolicyDocument": ALLOW_LIST})
        )),
        "EntityAlreadyExists"
    );
    let read_only = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    w.call(
        "AttachUserPolicy",
        json!({"UserName": "alice", "PolicyArn": arn}),
    )
    .unwrap();
    w.call(
        "AttachUserPolicy",
        json!({"UserName": "alice", "PolicyArn": read_only}),
    )
    .unwrap();
    let names: Vec<_> = identity_policies(&w.env, &alice)
        .unwrap()
        .iter()
        .map(|p| p.name().unwrap().to_owned())
        .collect();
    assert_eq!(names, [arn.clone(), read_only.to_owned()]);
    assert_eq!(
        w.call("GetPolicy", json!({"PolicyArn": arn})).unwrap()["Policy"]["AttachmentCount"],
        1
    );
    assert_eq!(
        w.call("GetPolicy", json!({"PolicyArn": read_only}))
            .unwrap()["Policy"]["AttachmentCount"],
        1
    );
    let e = w
        .call("DeletePolicy", json!({"PolicyArn": arn}))
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("DeleteConflict", 409));
    let e = w
        .call(
            "AttachUserPolicy",
            json!({"UserName": "alice", "PolicyArn": "arn:aws:iam::aws:policy/NoSuchThing"}),
        )
        .unwrap_err();
    assert_eq!(
        e.message,
        "Policy arn:aws:iam::aws:policy/NoSuchThing does not exist or is not attachable."
    );
    let attached = w
        .call(
            "ListAttachedUserPolicies",
            json!({"UserName": "alice", "PathPrefix": "/team/"}),
        )
        .unwrap();
    assert_eq!(
        attached["AttachedPolicies"],
        json!([{"PolicyName": "lister", "PolicyArn": arn}])
    );
    let version = w.call(
        "GetPolicyVersion",
        json!({"PolicyArn": read_only, "VersionId": "v1"}),
    );
    let default = w
        .call("GetPolicy", json!({"PolicyArn": read_only}))
        .unwrap()["Policy"]["DefaultVersionId"]
        .clone();
    if default != "v1" {
        assert_eq!(code(version), "NoSuchEntity");
    }
    w.assert_user_undeletable(
        "alice",
        "Cannot delete entity, must delete access keys first.",
    );
    w.call(
        "DetachUserPolicy",
        json!({"UserName": "alice", "PolicyArn": arn}),
    )
    .unwrap();
    assert_eq!(identity_policies(&w.env, &alice).unwrap().len(), 1);
    w.call("DeletePolicy", json!({"PolicyArn": arn})).unwrap();
    assert_eq!(
        code(w.call("GetPolicy", json!({"PolicyArn": arn}))),
        "NoSuchEntity"
    );
    let local = w.call("ListPolicies", json!({"Scope": "Local"})).unwrap();
    assert_eq!(local["Policies"], json!([]));
    let aws = w
        .call(
            "ListPolicies",
            json!({"Scope": "AWS", "OnlyAttached": true}),
        )
        .unwrap();
    assert_eq!(aws["Policies"].as_array().unwrap().len(), 1);
    let all = w.call("ListPolicies", json!({"MaxItems": 1000})).unwrap();
    assert_eq!(all["IsTruncated"], true);
}

#[test]
fn attachments_are_capped_at_ten_per_user() {
    let w = world();
    w.call("CreateUser", json!({"UserName": "alice"})).unwrap();
    for (i, p) in rampart_policy::ManagedPolicies::get()
        .all()
        .iter()
        .take(10)
        .enumerate()
    {
        w.call(
            "AttachUserPolicy",
            json!({"UserName": "alice", "PolicyArn": p.arn}),
        )
        .unwrap_or_else(|e| panic!("{i}: {e:?}"));
    }
    let eleventh = &rampart_policy::ManagedPolicies::get().all()[10];
    let e = w
        .call(
            "AttachUserPolicy",
            json!({"UserName": "alice", "PolicyArn": eleventh.arn}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("LimitExceeded", 409));
    assert_eq!(e.message, "Cannot exceed quota for PoliciesPerUser: 10");
}

#[test]
fn oversized_managed_policies_are_refused() {
    let w = world();
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{}"}}]}}"#,
        "b".repeat(6_200)
    );
    let e = w
        .call(
            "CreatePolicy",
            json!({"PolicyName": "big", "PolicyDocument": big}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("LimitExceeded", 409));
    assert_eq!(e.message, "Cannot exceed quota for PolicySize: 6144");
}

#[test]
fn root_has_no_identity_policies() {
    let w = world();
    assert!(identity_policies(&w.env, &w.root).unwrap().is_empty());
}

/// Decides `action` for `principal` as the pipeline does: its identity policies, resource `*`.
fn allowed(w: &World, principal: &Principal, action: &str) -> bool {
    let subject = rampart_policy::Principal::User {
        arn: principal.arn(),
        account: ACCOUNT.into(),
    };
    let mut request = rampart_policy::Request::new(subject, action, "*")
        .with_resource_account(ACCOUNT)
        .with_principal_id(principal.principal_id.clone());
    request.derive_context();
    let set = rampart_policy::PolicySet {
        identity: identity_policies(&w.env, principal).unwrap(),
        ..rampart_policy::PolicySet::default()
    };
    rampart_policy::evaluate(&request, &set).is_allowed()
}

/// Whether `principal` may call IAM `op` with `input`, as the pipeline decides it: every access
/// the authorization table names, checked by the enforcer over what governs the principal.
fn may(w: &World, principal: &Principal, op: &str, input: Value) -> bool {
    let accesses = w.base.accesses(principal, "iam", op, &input).unwrap();
    let enforcer = crate::Enforcer::new(&w.env, principal, rampart_policy::Context::new()).unwrap();
    accesses.iter().all(|a| enforcer.check(a).is_ok())
}

#[test]
fn the_engine_decides_with_the_users_policies() {
    let w = world();
    let alice = w.user_with_key("alice");
    assert!(!allowed(&w, &alice, "iam:ListUsers"));
    w.call(
        "AttachUserPolicy",
        json!({"UserName": "alice", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
    )
    .unwrap();
    assert!(allowed(&w, &alice, "iam:ListUsers"));
    assert!(!allowed(&w, &alice, "iam:CreateUser"));
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*"}]}"#;
    w.call(
        "PutUserPolicy",
        json!({"UserName": "alice", "PolicyName": "deny", "PolicyDocument": deny}),
    )
    .unwrap();
    assert!(!allowed(&w, &alice, "iam:ListUsers"));
    w.call(
        "DeleteUserPolicy",
        json!({"UserName": "alice", "PolicyName": "deny"}),
    )
    .unwrap();
    assert!(allowed(&w, &alice, "iam:ListUsers"));
}

#[test]
fn root_keys_are_created_without_a_user_name_up_to_two() {
    let w = world();
    for _ in 0..2 {
        let out = w.call("CreateAccessKey", json!({})).unwrap();
        let id = out["AccessKey"]["AccessKeyId"].as_str().unwrap();
        assert!(out["AccessKey"].get("UserName").is_none());
        let found = resolve_access_key(&w.env, id).unwrap().unwrap();
        assert_eq!(found.principal.kind, PrincipalKind::Root);
    }
    assert_eq!(code(w.call("CreateAccessKey", json!({}))), "LimitExceeded");
    let listed = w.call("ListAccessKeys", json!({})).unwrap();
    assert_eq!(listed["AccessKeyMetadata"].as_array().unwrap().len(), 2);
}

#[test]
fn user_tags_are_kept() {
    let w = world();
    let out = w
        .call(
            "CreateUser",
            json!({"UserName": "t", "Tags": [{"Key": "team", "Value": "blue"}]}),
        )
        .unwrap();
    assert_eq!(
        out["User"]["Tags"],
        json!([{"Key": "team", "Value": "blue"}])
    );
    assert_eq!(
        w.call("GetUser", json!({"UserName": "t"})).unwrap()["User"]["Tags"],
        json!([{"Key": "team", "Value": "blue"}])
    );
    // Listings leave tags out, as AWS's do.
    let listed = w.call("ListUsers", json!({})).unwrap();
    assert!(listed["Users"][0].get("Tags").is_none());
    let dup =
        json!({"UserName": "d", "Tags": [{"Key": "a", "Value": ""}, {"Key": "A", "Value": ""}]});
    assert_eq!(code(w.call("CreateUser", dup)), "InvalidInput");
}

#[test]
fn policy_versions_change_what_the_user_may_do() {
    let w = world();
    let alice = w.user_with_key("alice");
    let arn = w
        .call(
            "CreatePolicy",
            json!({"PolicyName": "p", "PolicyDocument": ALLOW_LIST}),
        )
        .unwrap()["Policy"]["Arn"]
        .as_str()
        .unwrap()
        .to_owned();
    w.call(
        "AttachUserPolicy",
        json!({"UserName": "alice", "PolicyArn": arn}),
    )
    .unwrap();
    assert!(allowed(&w, &alice, "iam:ListUsers"));
    let deny_all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}"#;
    let v2 = w
        .call(
            "CreatePolicyVersion",
            json!({"PolicyArn": arn, "PolicyDocument": deny_all}),
        )
        .unwrap();
    assert_eq!(v2["PolicyVersion"]["VersionId"], "v2");
    assert_eq!(v2["PolicyVersion"]["IsDefaultVersion"], false);
    assert!(allowed(&w, &alice, "iam:ListUsers"));
    w.call(
        "SetDefaultPolicyVersion",
        json!({"PolicyArn": arn, "VersionId": "v2"}),
    )
    .unwrap();
    assert!(!allowed(&w, &alice, "iam:ListUsers"));
    assert!(allowed(&w, &alice, "iam:GetUser"));
    let listed = w
        .call("ListPolicyVersions", json!({"PolicyArn": arn}))
        .unwrap();
    let ids: Vec<_> = listed["Versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["VersionId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["v2", "v1"]);
    let e = w
        .call(
            "DeletePolicyVersion",
            json!({"PolicyArn": arn, "VersionId": "v2"}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("DeleteConflict", 409));
    for _ in 0..3 {
        w.call(
            "CreatePolicyVersion",
            json!({"PolicyArn": arn, "PolicyDocument": ALLOW_LIST}),
        )
        .unwrap();
    }
    let e = w
        .call(
            "CreatePolicyVersion",
            json!({"PolicyArn": arn, "PolicyDocument": ALLOW_LIST}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("LimitExceeded", 409));
    let bad = w.call(
        "CreatePolicyVersion",
        json!({"PolicyArn": arn, "PolicyDocument": "{"}),
    );
    assert_eq!(code(bad), "MalformedPolicyDocument");
    w.call(
        "DeletePolicyVersion",
        json!({"PolicyArn": arn, "VersionId": "v1"}),
    )
    .unwrap();
    assert_eq!(
        code(w.call(
            "GetPolicyVersion",
            json!({"PolicyArn": arn, "VersionId": "v1"})
        )),
        "NoSuchEntity"
    );
    let v5 = w
        .call(
            "CreatePolicyVersion",
            json!({"PolicyArn": arn, "PolicyDocument": ALLOW_LIST, "SetAsDefault": true}),
        )
        .unwrap();
    assert_eq!(v5["PolicyVersion"]["VersionId"], "v6");
    assert!(allowed(&w, &alice, "iam:ListUsers"));
    w.call(
        "DetachUserPolicy",
        json!({"UserName": "alice", "PolicyArn": arn}),
    )
    .unwrap();
    let e = w
        .call("DeletePolicy", json!({"PolicyArn": arn}))
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("DeleteConflict", 409));
    let read_only = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    let versions = w
        .call("ListPolicyVersions", json!({"PolicyArn": read_only}))
        .unwrap();
    assert_eq!(versions["Versions"].as_array().unwrap().len(), 1);
    assert_eq!(
        code(w.call(
            "CreatePolicyVersion",
            json!({"PolicyArn": read_only, "PolicyDocument": ALLOW_LIST})
        )),
        "NoSuchEntity"
    );
}

#[test]
fn every_operation_has_an_authorization_rule() {
    assert_eq!(
        world().base.operations_without_rules(),
        Vec::<String>::new()
    );
}

#[test]
fn authorization_names_users_with_their_stored_path_and_tags() {
    let w = world();
    w.call(
        "CreateUser",
        json!({"UserName": "alice", "Path": "/ops/", "Tags": [{"Key": "team", "Value": "red"}]}),
    )
    .unwrap();
    let input = json!({"UserName": "alice", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"});
    let accesses = w
        .base
        .accesses(&w.root, "iam", "AttachUserPolicy", &input)
        .unwrap();
    assert_eq!(accesses.len(), 1);
    let access = &accesses[0];
    assert_eq!(access.action, "iam:AttachUserPolicy");
    assert_eq!(
        access.resource,
        format!("arn:aws:iam::{ACCOUNT}:user/ops/alice")
    );
    assert_eq!(access.context.single("aws:ResourceTag/team"), Some("red"));
    assert_eq!(access.context.single("iam:ResourceTag/team"), Some("red"));
    assert_eq!(
        access.context.single("iam:PolicyARN"),
        Some("arn:aws:iam::aws:policy/ReadOnlyAccess")
    );
    assert_eq!(rampart_service::testkit::sar_violation(access), None);
}

#[test]
fn authorization_follows_the_service_authorization_reference() {
    let w = world();
    w.call("CreateUser", json!({"UserName": "bob"})).unwrap();
    let policy = format!("arn:aws:iam::{ACCOUNT}:policy/p");
    for (op, input) in [
        (
            "CreateUser",
            json!({"UserName": "carol", "Path": "/a/b/", "Tags": [{"Key": "k", "Value": "v"}]}),
        ),
        ("GetUser", json!({"UserName": "bob"})),
        ("ListUsers", json!({})),
        ("CreateAccessKey", json!({"UserName": "bob"})),
        (
            "PutUserPolicy",
            json!({"UserName": "bob", "PolicyName": "x", "PolicyDocument": "{}"}),
        ),
        (
            "CreatePolicy",
            json!({"PolicyName": "p", "PolicyDocument": "{}"}),
        ),
        (
            "GetPolicyVersion",
            json!({"PolicyArn": policy, "VersionId": "v1"}),
        ),
        ("ListPolicies", json!({})),
    ] {
        for access in w.base.accesses(&w.root, "iam", op, &input).unwrap() {
            assert_eq!(
                rampart_service::testkit::sar_violation(&access),
                None,
                "{op}"
            );
        }
    }
    let create = w
        .base
        .accesses(
            &w.root,
            "iam",
            "CreateUser",
            &json!({"UserName": "carol", "Path": "/a/b/", "Tags": [{"Key": "k", "Value": "v"}]}),
        )
        .unwrap();
    assert_eq!(
        create[0].resource,
        format!("arn:aws:iam::{ACCOUNT}:user/a/b/carol")
    );
    assert_eq!(create[0].context.single("aws:RequestTag/k"), Some("v"));
}

#[test]
fn every_operation_names_a_resource_the_reference_knows() {
    let w = world();
    let input = json!({
        "UserName": "u", "RoleName": "r", "GroupName": "g", "InstanceProfileName": "p",
        "PolicyName": "p", "ServerCertificateName": "c", "ServiceName": "codecommit.amazonaws.com",
        "PolicyArn": format!("arn:aws:iam::{ACCOUNT}:policy/p"),
        "AWSServiceName": "autoscaling.amazonaws.com",
        "DeletionTaskId": "task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling/x",
        "SerialNumber": format!("arn:aws:iam::{ACCOUNT}:mfa/d"),
        "VirtualMFADeviceName": "d",
        "OpenIDConnectProviderArn": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/example.com"),
        "Url": "https://example.com",
        "SAMLProviderArn": format!("arn:aws:iam::{ACCOUNT}:saml-provider/s"),
        "Name": "s",
        "PolicySourceArn": format!("arn:aws:iam::{ACCOUNT}:user/u"),
        "AccessKeyId": "AKIAEXAMPLE000000000",
        "Arn": format!("arn:aws:iam::{ACCOUNT}:user/u"),
        "TemplateArn": "arn:aws:iam::aws:role-template/ec2.amazonaws.com/Web:1",
        "EntityPath": "o-a1b2c3d4e5/r-ab12",
        "DelegationRequestId": "dr-0123456789abcdef",
        "EntityArn": format!("arn:aws:iam::{ACCOUNT}:delegation-request/dr-0123456789abcdef"),
    });
    let mut operations: Vec<String> = w
        .base
        .registry
        .operations()
        .filter(|(service, _)| *service == "iam")
        .map(|(_, op)| op.to_owned())
        .collect();
    operations.sort();
    // A key of no user in the account is named by the account (the handler then reports it
    // as not found).
    operations.retain(|op| op != "GetAccessKeyLastUsed");
    let mut violations = Vec::new();
    for op in operations {
        for access in w.base.accesses(&w.root, "iam", &op, &input).unwrap() {
            violations.extend(rampart_service::testkit::sar_violation(&access));
        }
    }
    assert_eq!(violations, Vec::<String>::new());
}
