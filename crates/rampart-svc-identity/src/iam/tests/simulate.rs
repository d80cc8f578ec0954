//! The policy simulator.

use super::*;

const S3_READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}"#;
const DENY_DELETE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}"#;

fn results(out: &Value) -> &Vec<Value> {
    out["EvaluationResults"].as_array().unwrap()
}

#[test]
fn custom_policies_are_simulated_by_the_engine() {
    let w = world();
    let out = w
        .call(
            "SimulateCustomPolicy",
            json!({
                "PolicyInputList": [S3_READ, DENY_DELETE],
                "ActionNames": ["s3:GetObject", "s3:DeleteObject", "s3:PutObject"],
                "ResourceArns": ["arn:aws:s3:::bucket/key"],
                "ContextEntries": [{"ContextKeyName": "aws:RequestedRegion",
                                    "ContextKeyValues": ["eu-west-1"], "ContextKeyType": "string"}],
            }),
        )
        .unwrap();
    let r = results(&out);
    assert_eq!(r.len(), 3);
    assert_eq!(r[0]["EvalActionName"], "s3:GetObject");
    assert_eq!(r[0]["EvalResourceName"], "arn:aws:s3:::bucket/key");
    assert_eq!(r[0]["EvalDecision"], "allowed");
    assert_eq!(
        r[0]["MatchedStatements"],
        json!([{"SourcePolicyId": "PolicyInputList.1", "SourcePolicyType": "IAM Policy"}])
    );
    assert_eq!(r[1]["EvalDecision"], "explicitDeny");
    assert_eq!(
        r[1]["MatchedStatements"][0]["SourcePolicyId"],
        "PolicyInputList.2"
    );
    assert_eq!(r[2]["EvalDecision"], "implicitDeny");
    assert_eq!(r[2]["MatchedStatements"], json!([]));
    // Without the context value the condition fails, and the simulator says what is missing.
    let out = w
        .call(
            "SimulateCustomPolicy",
            json!({"PolicyInputList": [S3_READ], "ActionNames": ["s3:GetObject"],
                   "ResourceArns": ["arn:aws:s3:::bucket/key"]}),
        )
        .unwrap();
    assert_eq!(results(&out)[0]["EvalDecision"], "implicitDeny");
    assert_eq!(
        results(&out)[0]["MissingContextValues"],
        json!(["aws:RequestedRegion"])
    );
    assert_eq!(
        code(w.call(
            "SimulateCustomPolicy",
            json!({"PolicyInputList": ["{"], "ActionNames": ["s3:GetObject"]})
        )),
        "InvalidInput"
    );
    let paged = w
        .call(
            "SimulateCustomPolicy",
            json!({"PolicyInputList": [S3_READ], "ActionNames": ["s3:GetObject", "s3:PutObject"],
                   "MaxItems": 1}),
        )
        .unwrap();
    assert_eq!(results(&paged).len(), 1);
    assert_eq!(paged["IsTruncated"], true);
}

#[test]
fn principals_are_simulated_with_their_groups_and_boundary() {
    let w = world();
    w.call("CreateUser", json!({"UserName": "alice"})).unwrap();
    w.call("CreateGroup", json!({"GroupName": "readers"}))
        .unwrap();
    w.call(
        "AttachGroupPolicy",
        json!({"GroupName": "readers", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
    )
    .unwrap();
    w.call(
        "AddUserToGroup",
        json!({"GroupName": "readers", "UserName": "alice"}),
    )
    .unwrap();
    let alice = format!("arn:aws:iam::{ACCOUNT}:user/alice");
    let simulate = |actions: Value| {
        w.call(
            "SimulatePrincipalPolicy",
            json!({"PolicySourceArn": alice, "ActionNames": actions}),
        )
        .unwrap()
    };
    let out = simulate(json!(["iam:ListUsers", "iam:CreateUser"]));
    let r = results(&out);
    assert_eq!(r[0]["EvalDecision"], "allowed");
    assert_eq!(
        r[0]["MatchedStatements"][0],
        json!({"SourcePolicyId": "arn:aws:iam::aws:policy/ReadOnlyAccess",
               "SourcePolicyType": "aws-managed"})
    );
    assert_eq!(r[1]["EvalDecision"], "implicitDeny");
    w.call(
        "PutUserPermissionsBoundary",
        json!({"UserName": "alice", "PermissionsBoundary": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}),
    )
    .unwrap();
    let out = simulate(json!(["iam:ListUsers"]));
    assert_eq!(results(&out)[0]["EvalDecision"], "implicitDeny");
    assert_eq!(
        results(&out)[0]["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"],
        false
    );
    // Extra policies from the request join the stored ones.
    let out = w
        .call(
            "SimulatePrincipalPolicy",
            json!({"PolicySourceArn": alice, "ActionNames": ["s3:DeleteObject"],
                   "PolicyInputList": [DENY_DELETE]}),
        )
        .unwrap();
    assert_eq!(results(&out)[0]["EvalDecision"], "explicitDeny");
    let e = w
        .call(
            "SimulatePrincipalPolicy",
            json!({"PolicySourceArn": format!("arn:aws:iam::{ACCOUNT}:user/nobody"),
                   "ActionNames": ["s3:GetObject"]}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("NoSuchEntity", 404));
    assert_eq!(
        code(w.call(
            "SimulatePrincipalPolicy",
            json!({"PolicySourceArn": "not-an-arn", "ActionNames": ["s3:GetObject"]})
        )),
        "InvalidInput"
    );
    let keys = w
        .call(
            "GetContextKeysForCustomPolicy",
            json!({"PolicyInputList": [S3_READ]}),
        )
        .unwrap();
    assert_eq!(keys["ContextKeyNames"], json!(["aws:RequestedRegion"]));
    let keys = w
        .call(
            "GetContextKeysForPrincipalPolicy",
            json!({"PolicySourceArn": alice, "PolicyInputList": [S3_READ]}),
        )
        .unwrap();
    assert!(
        keys["ContextKeyNames"]
            .as_array()
            .unwrap()
            .contains(&json!("aws:RequestedRegion"))
    );
}

#[test]
fn roles_are_simulated_as_their_sessions() {
    let w = world();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}"#;
    w.call(
        "CreateRole",
        json!({"RoleName": "r", "AssumeRolePolicyDocument": trust}),
    )
    .unwrap();
    w.call(
        "PutRolePolicy",
        json!({"RoleName": "r", "PolicyName": "inline", "PolicyDocument": DENY_DELETE}),
    )
    .unwrap();
    let out = w
        .call(
            "SimulatePrincipalPolicy",
            json!({"PolicySourceArn": format!("arn:aws:iam::{ACCOUNT}:role/r"),
                   "ActionNames": ["s3:DeleteObject"]}),
        )
        .unwrap();
    assert_eq!(results(&out)[0]["EvalDecision"], "explicitDeny");
    assert_eq!(
        results(&out)[0]["MatchedStatements"][0],
        json!({"SourcePolicyId": "inline", "SourcePolicyType": "role"})
    );
}

#[test]
fn member_accounts_are_simulated_under_their_scps() {
    let w = world();
    let org = |op: &str, input: Value| w.base.call_as(&w.root, "organizations", op, input).unwrap();
    org("CreateOrganization", json!({}));
    let root_id = org("ListRoots", json!({}))["Roots"][0]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    org(
        "EnablePolicyType",
        json!({"RootId": root_id, "PolicyType": "SERVICE_CONTROL_POLICY"}),
    );
    let member = org(
        "CreateAccount",
        json!({"Email": "m@example.com", "AccountName": "member"}),
    )["CreateAccountStatus"]["AccountId"]
        .as_str()
        .unwrap()
        .to_owned();
    let deny_iam = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let policy = org(
        "CreatePolicy",
        json!({"Name": "no-iam", "Type": "SERVICE_CONTROL_POLICY", "Description": "", "Content": deny_iam}),
    )["Policy"]["PolicySummary"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    org(
        "AttachPolicy",
        json!({"PolicyId": policy, "TargetId": member}),
    );
    let member_root = rampart_service::testkit::root_of(&member);
    w.call_as(&member_root, "CreateUser", json!({"UserName": "admin"}))
        .unwrap();
    w.call_as(
        &member_root,
        "AttachUserPolicy",
        json!({"UserName": "admin", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
    )
    .unwrap();
    let out = w
        .call_as(
            &member_root,
            "SimulatePrincipalPolicy",
            json!({"PolicySourceArn": format!("arn:aws:iam::{member}:user/admin"),
                   "ActionNames": ["iam:CreateUser", "s3:GetObject"]}),
        )
        .unwrap();
    let r = results(&out);
    assert_eq!(r[0]["EvalDecision"], "explicitDeny");
    assert_eq!(
        r[0]["OrganizationsDecisionDetail"]["AllowedByOrganizations"],
        false
    );
    assert_eq!(r[1]["EvalDecision"], "allowed");
    assert_eq!(
        r[1]["OrganizationsDecisionDetail"]["AllowedByOrganizations"],
        true
    );
    // The management account is not bound by SCPs.
    w.call("CreateUser", json!({"UserName": "admin"})).unwrap();
    w.call(
        "AttachUserPolicy",
        json!({"UserName": "admin", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
    )
    .unwrap();
    let out = w
        .call(
            "SimulatePrincipalPolicy",
            json!({"PolicySourceArn": format!("arn:aws:iam::{ACCOUNT}:user/admin"),
                   "ActionNames": ["iam:CreateUser"]}),
        )
        .unwrap();
    assert_eq!(results(&out)[0]["EvalDecision"], "allowed");
    assert!(
        results(&out)[0]
            .get("OrganizationsDecisionDetail")
            .is_none()
    );
}
