//! Groups: creation, membership, renames, deletion conflicts, and permissions through groups.

use super::*;

const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";

#[test]
fn groups_are_created_read_listed_and_renamed() {
    let w = world();
    let out = w
        .call(
            "CreateGroup",
            json!({"GroupName": "Admins", "Path": "/ops/"}),
        )
        .unwrap();
    let group = &out["Group"];
    assert_eq!(group["Arn"], "arn:aws:iam::123456789012:group/ops/Admins");
    let id = group["GroupId"].as_str().unwrap();
    assert!(id.starts_with("AGPA") && id.len() == 20, "{id}");
    let e = w
        .call("CreateGroup", json!({"GroupName": "admins"}))
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("EntityAlreadyExists", 409));
    assert_eq!(e.message, "Group with name admins already exists.");
    assert_eq!(
        code(w.call("CreateGroup", json!({"GroupName": "a b"}))),
        "ValidationError"
    );
    w.call("CreateGroup", json!({"GroupName": "devs"})).unwrap();
    let listed = w.call("ListGroups", json!({"MaxItems": 1})).unwrap();
    assert_eq!(listed["Groups"][0]["GroupName"], "Admins");
    assert_eq!(listed["IsTruncated"], true);
    let ops = w
        .call("ListGroups", json!({"PathPrefix": "/ops/"}))
        .unwrap();
    assert_eq!(ops["Groups"].as_array().unwrap().len(), 1);
    w.call("CreateUser", json!({"UserName": "alice"})).unwrap();
    w.call(
        "AddUserToGroup",
        json!({"GroupName": "admins", "UserName": "alice"}),
    )
    .unwrap();
    // Adding twice is not an error.
    w.call(
        "AddUserToGroup",
        json!({"GroupName": "Admins", "UserName": "alice"}),
    )
    .unwrap();
    let got = w.call("GetGroup", json!({"GroupName": "Admins"})).unwrap();
    assert_eq!(got["Group"]["GroupName"], "Admins");
    assert_eq!(got["Users"][0]["UserName"], "alice");
    assert_eq!(got["IsTruncated"], false);
    w.call(
        "UpdateGroup",
        json!({"GroupName": "Admins", "NewGroupName": "Operators", "NewPath": "/x/"}),
    )
    .unwrap();
    assert_eq!(
        code(w.call("GetGroup", json!({"GroupName": "Admins"}))),
        "NoSuchEntity"
    );
    let for_user = w
        .call("ListGroupsForUser", json!({"UserName": "alice"}))
        .unwrap();
    assert_eq!(for_user["Groups"][0]["GroupName"], "Operators");
    assert_eq!(
        for_user["Groups"][0]["Arn"],
        "arn:aws:iam::123456789012:group/x/Operators"
    );
    assert_eq!(
        code(w.call(
            "UpdateGroup",
            json!({"GroupName": "Operators", "NewGroupName": "devs"})
        )),
        "EntityAlreadyExists"
    );
    let e = w
        .call("GetGroup", json!({"GroupName": "nope"}))
        .unwrap_err();
    assert_eq!(e.message, "The group with name nope cannot be found.");
}

#[test]
fn deletions_wait_for_members_and_policies() {
    let w = world();
    w.call("CreateGroup", json!({"GroupName": "g"})).unwrap();
    w.call("CreateUser", json!({"UserName": "u"})).unwrap();
    w.call("AddUserToGroup", json!({"GroupName": "g", "UserName": "u"}))
        .unwrap();
    let e = w
        .call("DeleteGroup", json!({"GroupName": "g"}))
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("DeleteConflict", 409));
    assert_eq!(
        e.message,
        "Cannot delete entity, must remove users from group first."
    );
    w.assert_user_undeletable(
        "u",
        "Cannot delete entity, must remove users from group first.",
    );
    w.call(
        "RemoveUserFromGroup",
        json!({"GroupName": "g", "UserName": "u"}),
    )
    .unwrap();
    assert_eq!(
        code(w.call(
            "RemoveUserFromGroup",
            json!({"GroupName": "g", "UserName": "u"})
        )),
        "NoSuchEntity"
    );
    w.call(
        "PutGroupPolicy",
        json!({"GroupName": "g", "PolicyName": "p", "PolicyDocument": ALLOW_LIST}),
    )
    .unwrap();
    assert_eq!(
        w.call("DeleteGroup", json!({"GroupName": "g"}))
            .unwrap_err()
            .message,
        "Cannot delete entity, must delete policies first."
    );
    w.call(
        "DeleteGroupPolicy",
        json!({"GroupName": "g", "PolicyName": "p"}),
    )
    .unwrap();
    w.call(
        "AttachGroupPolicy",
        json!({"GroupName": "g", "PolicyArn": READ_ONLY}),
    )
    .unwrap();
    assert_eq!(
        w.call("DeleteGroup", json!({"GroupName": "g"}))
            .unwrap_err()
            .message,
        "Cannot delete entity, must detach all policies first."
    );
    w.call(
        "DetachGroupPolicy",
        json!({"GroupName": "g", "PolicyArn": READ_ONLY}),
    )
    .unwrap();
    w.call("DeleteGroup", json!({"GroupName": "g"})).unwrap();
    w.call("DeleteUser", json!({"UserName": "u"})).unwrap();
}

#[test]
fn group_quotas() {
    let w = world();
    w.call("CreateUser", json!({"UserName": "u"})).unwrap();
    for i in 0..10 {
        let name = format!("g{i}");
        w.call("CreateGroup", json!({"GroupName": name})).unwrap();
        w.call(
            "AddUserToGroup",
            json!({"GroupName": name, "UserName": "u"}),
        )
        .unwrap();
    }
    w.call("CreateGroup", json!({"GroupName": "g10"})).unwrap();
    let e = w
        .call(
            "AddUserToGroup",
            json!({"GroupName": "g10", "UserName": "u"}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("LimitExceeded", 409));
    assert_eq!(e.message, "Cannot exceed quota for GroupsPerUser: 10");
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{}","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}]}}"#,
        "a".repeat(5_100)
    );
    let e = w
        .call(
            "PutGroupPolicy",
            json!({"GroupName": "g0", "PolicyName": "p", "PolicyDocument": big}),
        )
        .unwrap_err();
    assert_eq!(
        e.message,
        "Maximum policy size of 5120 bytes exceeded for group g0"
    );
}

#[test]
fn users_get_permissions_through_groups_until_removed() {
    let w = world();
    let alice = w.user_with_key("alice");
    w.call("CreateGroup", json!({"GroupName": "readers"}))
        .unwrap();
    w.call(
        "AttachGroupPolicy",
        json!({"GroupName": "readers", "PolicyArn": READ_ONLY}),
    )
    .unwrap();
    assert!(!may(&w, &alice, "ListUsers", json!({})));
    w.call(
        "AddUserToGroup",
        json!({"GroupName": "readers", "UserName": "alice"}),
    )
    .unwrap();
    assert!(may(&w, &alice, "ListUsers", json!({})));
    assert!(!may(&w, &alice, "CreateUser", json!({"UserName": "x"})));
    // An inline group policy counts too, and a deny in it wins.
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*"}]}"#;
    w.call(
        "PutGroupPolicy",
        json!({"GroupName": "readers", "PolicyName": "deny", "PolicyDocument": deny}),
    )
    .unwrap();
    assert!(!may(&w, &alice, "ListUsers", json!({})));
    w.call(
        "DeleteGroupPolicy",
        json!({"GroupName": "readers", "PolicyName": "deny"}),
    )
    .unwrap();
    assert!(may(&w, &alice, "ListUsers", json!({})));
    w.call(
        "RemoveUserFromGroup",
        json!({"GroupName": "readers", "UserName": "alice"}),
    )
    .unwrap();
    assert!(!may(&w, &alice, "ListUsers", json!({})));
}

#[test]
fn a_boundary_cages_an_admin_user() {
    let w = world();
    let alice = w.user_with_key("alice");
    w.call(
        "AttachUserPolicy",
        json!({"UserName": "alice", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
    )
    .unwrap();
    assert!(may(&w, &alice, "CreateUser", json!({"UserName": "x"})));
    let boundary = w
        .call(
            "CreatePolicy",
            json!({"PolicyName": "cage", "PolicyDocument":
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","iam:Get*"],"Resource":"*"}]}"#}),
        )
        .unwrap()["Policy"]["Arn"]
        .as_str()
        .unwrap()
        .to_owned();
    w.call(
        "PutUserPermissionsBoundary",
        json!({"UserName": "alice", "PermissionsBoundary": boundary}),
    )
    .unwrap();
    assert_eq!(
        w.call("GetUser", json!({"UserName": "alice"})).unwrap()["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"],
        boundary
    );
    assert!(!may(&w, &alice, "CreateUser", json!({"UserName": "x"})));
    assert!(may(&w, &alice, "GetUser", json!({"UserName": "alice"})));
    assert_eq!(
        code(w.call(
            "PutUserPermissionsBoundary",
            json!({"UserName": "alice", "PermissionsBoundary": "arn:aws:iam::123456789012:policy/none"})
        )),
        "InvalidInput"
    );
    w.call(
        "DeleteUserPermissionsBoundary",
        json!({"UserName": "alice"}),
    )
    .unwrap();
    assert!(may(&w, &alice, "CreateUser", json!({"UserName": "x"})));
    // A user created with a boundary is caged from the start.
    let out = w
        .call(
            "CreateUser",
            json!({"UserName": "bob", "PermissionsBoundary": boundary}),
        )
        .unwrap();
    assert_eq!(
        out["User"]["PermissionsBoundary"]["PermissionsBoundaryType"],
        "Policy"
    );
}

#[test]
fn user_tags_are_managed() {
    let w = world();
    w.call(
        "CreateUser",
        json!({"UserName": "u", "Tags": [{"Key": "a", "Value": "1"}]}),
    )
    .unwrap();
    w.call(
        "TagUser",
        json!({"UserName": "u", "Tags": [{"Key": "A", "Value": "2"}, {"Key": "b", "Value": "3"}]}),
    )
    .unwrap();
    assert_eq!(
        w.call("ListUserTags", json!({"UserName": "u"})).unwrap()["Tags"],
        json!([{"Key": "A", "Value": "2"}, {"Key": "b", "Value": "3"}])
    );
    w.call("UntagUser", json!({"UserName": "u", "TagKeys": ["b"]}))
        .unwrap();
    let page = w
        .call("ListUserTags", json!({"UserName": "u", "MaxItems": 1}))
        .unwrap();
    assert_eq!(page["Tags"], json!([{"Key": "A", "Value": "2"}]));
    assert_eq!(page["IsTruncated"], false);
    assert_eq!(
        code(w.call("TagUser", json!({"UserName": "nobody", "Tags": []}))),
        "NoSuchEntity"
    );
}

#[test]
fn group_authorization_follows_the_service_authorization_reference() {
    let w = world();
    w.call("CreateGroup", json!({"GroupName": "g", "Path": "/p/"}))
        .unwrap();
    for (op, input) in [
        ("CreateGroup", json!({"GroupName": "n", "Path": "/a/"})),
        ("GetGroup", json!({"GroupName": "g"})),
        ("ListGroups", json!({})),
        ("UpdateGroup", json!({"GroupName": "g"})),
        ("DeleteGroup", json!({"GroupName": "g"})),
        ("AddUserToGroup", json!({"GroupName": "g", "UserName": "u"})),
        (
            "RemoveUserFromGroup",
            json!({"GroupName": "g", "UserName": "u"}),
        ),
        ("ListGroupsForUser", json!({"UserName": "u"})),
        ("PutGroupPolicy", json!({"GroupName": "g"})),
        ("GetGroupPolicy", json!({"GroupName": "g"})),
        ("DeleteGroupPolicy", json!({"GroupName": "g"})),
        ("ListGroupPolicies", json!({"GroupName": "g"})),
        (
            "AttachGroupPolicy",
            json!({"GroupName": "g", "PolicyArn": READ_ONLY}),
        ),
        (
            "DetachGroupPolicy",
            json!({"GroupName": "g", "PolicyArn": READ_ONLY}),
        ),
        ("ListAttachedGroupPolicies", json!({"GroupName": "g"})),
    ] {
        for access in w.base.accesses(&w.root, "iam", op, &input).unwrap() {
            assert_eq!(
                rampart_service::testkit::sar_violation(&access),
                None,
                "{op}"
            );
        }
    }
    let add = w
        .base
        .accesses(
            &w.root,
            "iam",
            "AddUserToGroup",
            &json!({"GroupName": "g", "UserName": "u"}),
        )
        .unwrap();
    assert_eq!(add[0].resource, "arn:aws:iam::123456789012:group/p/g");
}
