//! GetAccountAuthorizationDetails and ListEntitiesForPolicy.

use super::*;

const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";

#[test]
fn authorization_details_list_everything_with_documents() {
    let w = world();
    w.call("CreateUser", json!({"UserName": "alice"})).unwrap();
    w.call(
        "PutUserPolicy",
        json!({"UserName": "alice", "PolicyName": "inline", "PolicyDocument": ALLOW_LIST}),
    )
    .unwrap();
    w.join_group("alice", "g", Some(READ_ONLY));
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    w.call(
        "CreateRole",
        json!({"RoleName": "r", "AssumeRolePolicyDocument": trust}),
    )
    .unwrap();
    w.call(
        "CreatePolicy",
        json!({"PolicyName": "mine", "PolicyDocument": ALLOW_LIST}),
    )
    .unwrap();
    let out = w.call("GetAccountAuthorizationDetails", json!({})).unwrap();
    let user = &out["UserDetailList"][0];
    assert_eq!(user["UserName"], "alice");
    assert_eq!(user["GroupList"], json!(["g"]));
    assert_eq!(user["UserPolicyList"][0]["PolicyName"], "inline");
    assert_eq!(
        user["UserPolicyList"][0]["PolicyDocument"],
        crate::iam::records::url_encode(ALLOW_LIST)
    );
    assert_eq!(
        out["GroupDetailList"][0]["AttachedManagedPolicies"][0]["PolicyArn"],
        READ_ONLY
    );
    assert_eq!(out["RoleDetailList"][0]["RoleName"], "r");
    let policies: Vec<&str> = out["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["PolicyName"].as_str().unwrap())
        .collect();
    assert_eq!(policies, ["ReadOnlyAccess", "mine"]);
    assert_eq!(
        out["Policies"][1]["PolicyVersionList"][0]["IsDefaultVersion"],
        true
    );
    let roles_only = w
        .call(
            "GetAccountAuthorizationDetails",
            json!({"Filter": ["Role"]}),
        )
        .unwrap();
    assert_eq!(roles_only["UserDetailList"], json!([]));
    assert_eq!(roles_only["RoleDetailList"].as_array().unwrap().len(), 1);
    let first = w
        .call("GetAccountAuthorizationDetails", json!({"MaxItems": 2}))
        .unwrap();
    assert_eq!(first["IsTruncated"], true);
    let rest = w
        .call(
            "GetAccountAuthorizationDetails",
            json!({"Marker": first["Marker"]}),
        )
        .unwrap();
    assert_eq!(rest["IsTruncated"], false);
    assert_eq!(rest["Policies"].as_array().unwrap().len(), 2);
    assert_eq!(
        code(w.call(
            "GetAccountAuthorizationDetails",
            json!({"Filter": ["Bogus"]})
        )),
        "ValidationError"
    );
    let entities = w
        .call("ListEntitiesForPolicy", json!({"PolicyArn": READ_ONLY}))
        .unwrap();
    assert_eq!(
        entities["PolicyGroups"],
        json!([{"GroupName": "g", "GroupId": out["GroupDetailList"][0]["GroupId"]}])
    );
    assert_eq!(entities["PolicyUsers"], json!([]));
    assert_eq!(
        code(w.call(
            "ListEntitiesForPolicy",
            json!({"PolicyArn": "arn:aws:iam::aws:policy/Nope"})
        )),
        "NoSuchEntity"
    );
}

#[test]
fn policies_granting_service_access_include_the_groups() {
    let w = world();
    w.call("CreateUser", json!({"UserName": "alice"})).unwrap();
    w.call(
        "PutUserPolicy",
        json!({"UserName": "alice", "PolicyName": "lister", "PolicyDocument": ALLOW_LIST}),
    )
    .unwrap();
    w.join_group(
        "alice",
        "g",
        Some("arn:aws:iam::aws:policy/PowerUserAccess"),
    );
    let out = w
        .call(
            "ListPoliciesGrantingServiceAccess",
            json!({"Arn": format!("arn:aws:iam::{ACCOUNT}:user/alice"),
                   "ServiceNamespaces": ["iam", "kms"]}),
        )
        .unwrap();
    let entries = out["PoliciesGrantingServiceAccess"].as_array().unwrap();
    assert_eq!(entries[0]["ServiceNamespace"], "iam");
    let iam: Vec<&str> = entries[0]["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["PolicyName"].as_str().unwrap())
        .collect();
    // PowerUserAccess grants some of IAM (it allows iam:CreateServiceLinkedRole and friends).
    assert!(iam.contains(&"lister"));
    assert_eq!(entries[0]["Policies"][0]["PolicyType"], "INLINE");
    assert_eq!(entries[0]["Policies"][0]["EntityType"], "USER");
    assert_eq!(
        entries[1]["Policies"],
        json!([{"PolicyName": "PowerUserAccess", "PolicyType": "MANAGED",
                "PolicyArn": "arn:aws:iam::aws:policy/PowerUserAccess"}])
    );
    assert_eq!(
        code(w.call(
            "ListPoliciesGrantingServiceAccess",
            json!({"Arn": format!("arn:aws:iam::{ACCOUNT}:role/none"), "ServiceNamespaces": ["s3"]})
        )),
        "NoSuchEntity"
    );
}

#[test]
fn service_last_accessed_reports_list_what_the_policies_allow() {
    let w = world();
    w.call("CreateUser", json!({"UserName": "alice"})).unwrap();
    w.call(
        "AttachUserPolicy",
        json!({"UserName": "alice", "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}),
    )
    .unwrap();
    let job = w
        .call(
            "GenerateServiceLastAccessedDetails",
            json!({"Arn": format!("arn:aws:iam::{ACCOUNT}:user/alice")}),
        )
        .unwrap()["JobId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(job.len(), 36);
    let report = w
        .call("GetServiceLastAccessedDetails", json!({"JobId": job}))
        .unwrap();
    assert_eq!(report["JobStatus"], "COMPLETED");
    let namespaces: Vec<&str> = report["ServicesLastAccessed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ServiceNamespace"].as_str().unwrap())
        .collect();
    assert!(namespaces.contains(&"s3"), "{namespaces:?}");
    assert!(!namespaces.contains(&"iam"));
    assert!(
        report["ServicesLastAccessed"][0]
            .get("LastAuthenticated")
            .is_none()
    );
    let entities = w
        .call(
            "GetServiceLastAccessedDetailsWithEntities",
            json!({"JobId": job, "ServiceNamespace": "s3"}),
        )
        .unwrap();
    assert_eq!(entities["EntityDetailsList"], json!([]));
    assert_eq!(
        code(w.call(
            "GetServiceLastAccessedDetails",
            json!({"JobId": "00000000-0000-0000-0000-000000000000"})
        )),
        "NoSuchEntity"
    );
}
