//! Instance profiles: one role each, and a role in a profile cannot be deleted.

use super::*;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[test]
fn instance_profiles_hold_one_role() {
    let w = world();
    let out = w
        .call(
            "CreateInstanceProfile",
            json!({"InstanceProfileName": "web", "Path": "/app/",
                   "Tags": [{"Key": "t", "Value": "1"}]}),
        )
        .unwrap();
    let profile = &out["InstanceProfile"];
    assert_eq!(
        profile["Arn"],
        "arn:aws:iam::123456789012:instance-profile/app/web"
    );
    assert!(
        profile["InstanceProfileId"]
            .as_str()
            .unwrap()
            .starts_with("AIPA")
    );
    assert_eq!(profile["Roles"], json!([]));
    assert_eq!(
        code(w.call(
            "CreateInstanceProfile",
            json!({"InstanceProfileName": "WEB"})
        )),
        "EntityAlreadyExists"
    );
    for name in ["r1", "r2"] {
        w.call(
            "CreateRole",
            json!({"RoleName": name, "AssumeRolePolicyDocument": TRUST}),
        )
        .unwrap();
    }
    w.call(
        "AddRoleToInstanceProfile",
        json!({"InstanceProfileName": "web", "RoleName": "r1"}),
    )
    .unwrap();
    let e = w
        .call(
            "AddRoleToInstanceProfile",
            json!({"InstanceProfileName": "web", "RoleName": "r2"}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("LimitExceeded", 409));
    assert_eq!(
        e.message,
        "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"
    );
    let got = w
        .call("GetInstanceProfile", json!({"InstanceProfileName": "web"}))
        .unwrap();
    assert_eq!(got["InstanceProfile"]["Roles"][0]["RoleName"], "r1");
    let for_role = w
        .call("ListInstanceProfilesForRole", json!({"RoleName": "r1"}))
        .unwrap();
    assert_eq!(
        for_role["InstanceProfiles"][0]["InstanceProfileName"],
        "web"
    );
    let e = w.call("DeleteRole", json!({"RoleName": "r1"})).unwrap_err();
    assert_eq!((&*e.code, e.status), ("DeleteConflict", 409));
    assert_eq!(
        e.message,
        "Cannot delete entity, must remove roles from instance profile first."
    );
    let e = w
        .call(
            "DeleteInstanceProfile",
            json!({"InstanceProfileName": "web"}),
        )
        .unwrap_err();
    assert_eq!(
        e.message,
        "Cannot delete entity, must remove roles from instance profile first."
    );
    w.call(
        "RemoveRoleFromInstanceProfile",
        json!({"InstanceProfileName": "web", "RoleName": "r1"}),
    )
    .unwrap();
    assert_eq!(
        code(w.call(
            "RemoveRoleFromInstanceProfile",
            json!({"InstanceProfileName": "web", "RoleName": "r1"})
        )),
        "NoSuchEntity"
    );
    w.call("DeleteRole", json!({"RoleName": "r1"})).unwrap();
    w.call(
        "TagInstanceProfile",
        json!({"InstanceProfileName": "web", "Tags": [{"Key": "u", "Value": "2"}]}),
    )
    .unwrap();
    assert_eq!(
        w.call(
            "ListInstanceProfileTags",
            json!({"InstanceProfileName": "web"})
        )
        .unwrap()["Tags"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let listed = w
        .call("ListInstanceProfiles", json!({"PathPrefix": "/app/"}))
        .unwrap();
    assert_eq!(listed["InstanceProfiles"].as_array().unwrap().len(), 1);
    w.call(
        "DeleteInstanceProfile",
        json!({"InstanceProfileName": "web"}),
    )
    .unwrap();
    let e = w
        .call("GetInstanceProfile", json!({"InstanceProfileName": "web"}))
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("NoSuchEntity", 404));
    assert_eq!(e.message, "Instance Profile web cannot be found.");
}

#[test]
fn profile_authorization_follows_the_service_authorization_reference() {
    let w = world();
    let add = json!({"InstanceProfileName": "p", "RoleName": "r"});
    for (op, input) in [
        (
            "CreateInstanceProfile",
            json!({"InstanceProfileName": "p", "Path": "/a/"}),
        ),
        ("GetInstanceProfile", json!({"InstanceProfileName": "p"})),
        ("ListInstanceProfiles", json!({})),
        ("DeleteInstanceProfile", json!({"InstanceProfileName": "p"})),
        ("AddRoleToInstanceProfile", add.clone()),
        ("RemoveRoleFromInstanceProfile", add.clone()),
        ("ListInstanceProfilesForRole", json!({"RoleName": "r"})),
        ("TagInstanceProfile", json!({"InstanceProfileName": "p"})),
        ("UntagInstanceProfile", json!({"InstanceProfileName": "p"})),
        (
            "ListInstanceProfileTags",
            json!({"InstanceProfileName": "p"}),
        ),
    ] {
        for access in w.base.accesses(&w.root, "iam", op, &input).unwrap() {
            assert_eq!(
                rampart_service::testkit::sar_violation(&access),
                None,
                "{op}"
            );
        }
    }
    let accesses = w
        .base
        .accesses(&w.root, "iam", "AddRoleToInstanceProfile", &add)
        .unwrap();
    assert_eq!(accesses[1].action, "iam:PassRole");
    assert_eq!(accesses[1].resource, "arn:aws:iam::123456789012:role/r");
}
