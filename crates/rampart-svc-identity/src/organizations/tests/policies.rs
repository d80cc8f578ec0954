//! Policies: their documents, attachments and limits.

use super::*;

#[test]
fn policies_are_checked_by_the_engine_as_scps_and_rcps() {
    let w = org_world();
    let out = w
        .call(
            "CreatePolicy",
            json!({"Name": "deny-keys", "Type": "SERVICE_CONTROL_POLICY", "Description": "no keys", "Content": DENY_CREATE_KEY}),
        )
        .unwrap();
    let summary = &out["Policy"]["PolicySummary"];
    let id = summary["Id"].as_str().unwrap();
    assert!(id.starts_with("p-") && id.len() == 10, "{id}");
    let org_id = w.call("DescribeOrganization", json!({})).unwrap()["Organization"]["Id"].clone();
    assert_eq!(
        summary["Arn"],
        format!(
            "arn:aws:organizations::{ACCOUNT}:policy/{}/service_control_policy/{id}",
            org_id.as_str().unwrap()
        )
    );
    assert_eq!(summary["AwsManaged"], false);
    assert_eq!(out["Policy"]["Content"], DENY_CREATE_KEY);
    assert_eq!(
        w.call("DescribePolicy", json!({"PolicyId": id})).unwrap(),
        out
    );
    let create = |name: &str, kind: &str, content: &str| {
        w.call(
            "CreatePolicy",
            json!({"Name": name, "Type": kind, "Description": "", "Content": content}),
        )
    };
    let e = create("x", "SERVICE_CONTROL_POLICY", "{not json").unwrap_err();
    assert_eq!(
        (&*e.code, &*e.message),
        (
            "MalformedPolicyDocumentException",
            "Syntax errors in policy."
        )
    );
    // SCPs name no principal; RCPs must.
    let with_principal = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}"#;
    assert_eq!(
        code(create("x", "SERVICE_CONTROL_POLICY", with_principal)),
        "MalformedPolicyDocumentException"
    );
    create("rcp", "RESOURCE_CONTROL_POLICY", with_principal).unwrap();
    assert_eq!(
        code(create("x", "RESOURCE_CONTROL_POLICY", DENY_CREATE_KEY)),
        "MalformedPolicyDocumentException"
    );
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":["{}"],"Resource":"*"}}]}}"#,
        vec!["s3:GetObject"; 500].join("\",\"")
    );
    let e = create("big", "SERVICE_CONTROL_POLICY", &big).unwrap_err();
    assert_eq!(
        (&*e.code, reason(&e)),
        (
            "ConstraintViolationException",
            Some("POLICY_CONTENT_LIMIT_EXCEEDED")
        )
    );
    assert_eq!(
        code(create(
            "deny-keys",
            "SERVICE_CONTROL_POLICY",
            DENY_CREATE_KEY
        )),
        "DuplicatePolicyException"
    );
    assert_eq!(
        code(create(
            "FullAWSAccess",
            "SERVICE_CONTROL_POLICY",
            DENY_CREATE_KEY
        )),
        "DuplicatePolicyException"
    );
    create(
        "tags",
        "TAG_POLICY",
        r#"{"tags":{"team":{"tag_key":{"@@assign":"Team"}}}}"#,
    )
    .unwrap();
    assert_eq!(
        code(create("t2", "TAG_POLICY", "[]")),
        "MalformedPolicyDocumentException"
    );
    let listed = w
        .call("ListPolicies", json!({"Filter": "SERVICE_CONTROL_POLICY"}))
        .unwrap();
    assert_eq!(
        ids(&listed, "Policies"),
        ["p-FullAWSAccess".to_owned(), id.to_owned()]
    );
    let rcps = w
        .call("ListPolicies", json!({"Filter": "RESOURCE_CONTROL_POLICY"}))
        .unwrap();
    assert_eq!(rcps["Policies"].as_array().unwrap().len(), 2);
    // Updates are checked the same way; AWS's own policies are immutable.
    assert_eq!(
        code(w.call(
            "UpdatePolicy",
            json!({"PolicyId": id, "Content": with_principal})
        )),
        "MalformedPolicyDocumentException"
    );
    let updated = w
        .call(
            "UpdatePolicy",
            json!({"PolicyId": id, "Name": "renamed", "Content": ALLOW_IAM}),
        )
        .unwrap();
    assert_eq!(updated["Policy"]["PolicySummary"]["Name"], "renamed");
    assert_eq!(updated["Policy"]["Content"], ALLOW_IAM);
    assert_eq!(updated["Policy"]["PolicySummary"]["Description"], "no keys");
    let e = w
        .call(
            "UpdatePolicy",
            json!({"PolicyId": "p-FullAWSAccess", "Name": "x"}),
        )
        .unwrap_err();
    assert_eq!(reason(&e), Some("IMMUTABLE_POLICY"));
    let e = w
        .call("DescribePolicy", json!({"PolicyId": "bad"}))
        .unwrap_err();
    assert_eq!(reason(&e), Some("INVALID_SYNTAX_POLICY_ID"));
    assert_eq!(
        code(w.call("DescribePolicy", json!({"PolicyId": "p-12345678"}))),
        "PolicyNotFoundException"
    );
    let full = w
        .call("DescribePolicy", json!({"PolicyId": "p-FullAWSAccess"}))
        .unwrap();
    assert_eq!(full["Policy"]["PolicySummary"]["AwsManaged"], true);
    assert_eq!(
        full["Policy"]["PolicySummary"]["Arn"],
        "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
    );
}

#[test]
fn attachments_follow_aws_limits() {
    let w = org_world();
    let root = w.root_id();
    let ou = w.create_ou(&root, "eng");
    let policy = w.create_policy("deny", "SERVICE_CONTROL_POLICY", DENY_CREATE_KEY);
    assert_eq!(
        code(w.attach(&policy, &ou)),
        "PolicyTypeNotEnabledException"
    );
    w.enable("SERVICE_CONTROL_POLICY");
    w.attach(&policy, &ou).unwrap();
    assert_eq!(
        code(w.attach(&policy, &ou)),
        "DuplicatePolicyAttachmentException"
    );
    assert_eq!(
        code(w.attach(&policy, "ou-abcd-12345678")),
        "TargetNotFoundException"
    );
    assert_eq!(code(w.attach("p-12345678", &ou)), "PolicyNotFoundException");
    let e = w.attach(&policy, "nonsense").unwrap_err();
    assert_eq!(reason(&e), Some("INVALID_PATTERN_TARGET_ID"));
    // Five SCPs per target, FullAWSAccess included.
    for i in 0..3 {
        let extra = w.create_policy(&format!("extra{i}"), "SERVICE_CONTROL_POLICY", ALLOW_IAM);
        w.attach(&extra, &ou).unwrap();
    }
    let sixth = w.create_policy("sixth", "SERVICE_CONTROL_POLICY", ALLOW_IAM);
    let e = w.attach(&sixth, &ou).unwrap_err();
    assert_eq!(
        reason(&e),
        Some("MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
    );
    let attached = w
        .call(
            "ListPoliciesForTarget",
            json!({"TargetId": ou, "Filter": "SERVICE_CONTROL_POLICY"}),
        )
        .unwrap();
    assert_eq!(attached["Policies"].as_array().unwrap().len(), 5);
    assert_eq!(
        code(w.call("DeletePolicy", json!({"PolicyId": policy}))),
        "PolicyInUseException"
    );
    w.detach(&policy, &ou).unwrap();
    assert_eq!(code(w.detach(&policy, &ou)), "PolicyNotAttachedException");
    w.call("DeletePolicy", json!({"PolicyId": policy})).unwrap();
    assert_eq!(
        code(w.call("DescribePolicy", json!({"PolicyId": policy}))),
        "PolicyNotFoundException"
    );
    // No target is left without an SCP.
    let e = w.detach("p-FullAWSAccess", &root).unwrap_err();
    assert_eq!(
        reason(&e),
        Some("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
    );
    let e = w
        .call("DeletePolicy", json!({"PolicyId": "p-FullAWSAccess"}))
        .unwrap_err();
    assert_eq!(reason(&e), Some("IMMUTABLE_POLICY"));
    let targets = w
        .call(
            "ListTargetsForPolicy",
            json!({"PolicyId": "p-FullAWSAccess"}),
        )
        .unwrap();
    let names: Vec<&str> = targets["Targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["Type"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"ROOT")
            && names.contains(&"ORGANIZATIONAL_UNIT")
            && names.contains(&"ACCOUNT")
    );
}

#[test]
fn rcp_full_aws_access_is_attached_everywhere_and_never_detached() {
    let w = org_world();
    let root = w.root_id();
    w.enable("RESOURCE_CONTROL_POLICY");
    let attached = w
        .call(
            "ListPoliciesForTarget",
            json!({"TargetId": root, "Filter": "RESOURCE_CONTROL_POLICY"}),
        )
        .unwrap();
    assert_eq!(ids(&attached, "Policies"), ["p-RCPFullAWSAccess"]);
    let e = w.detach("p-RCPFullAWSAccess", &root).unwrap_err();
    assert_eq!(reason(&e), Some("NON_DETACHABLE_POLICY"));
}

#[test]
fn tag_policies_merge_into_an_effective_policy_per_account() {
    let w = org_world();
    let (root, ou, member) = w.member_in_ou("eng", "dev");
    let describe = |target: &str| {
        w.call(
            "DescribeEffectivePolicy",
            json!({"PolicyType": "TAG_POLICY", "TargetId": target}),
        )
    };
    assert_eq!(code(describe(&member)), "EffectivePolicyNotFoundException");
    w.enable("TAG_POLICY");
    let top = w.create_policy(
        "top",
        "TAG_POLICY",
        r#"{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@assign":["100","200"]}}}}"#,
    );
    let below = w.create_policy(
        "below",
        "TAG_POLICY",
        r#"{"tags":{"costcenter":{"tag_value":{"@@append":["300"]}}}}"#,
    );
    w.attach(&top, &root).unwrap();
    w.attach(&below, &ou).unwrap();
    let out = describe(&member).unwrap();
    let effective = &out["EffectivePolicy"];
    assert_eq!(effective["TargetId"], member.as_str());
    assert_eq!(effective["PolicyType"], "TAG_POLICY");
    let content: Value =
        serde_json::from_str(effective["PolicyContent"].as_str().unwrap()).unwrap();
    assert_eq!(
        content,
        json!({"tags": {"costcenter": {"tag_key": "CostCenter", "tag_value": ["100", "200", "300"]}}})
    );
    // The management account sees only the root's policy.
    let own = w
        .call(
            "DescribeEffectivePolicy",
            json!({"PolicyType": "TAG_POLICY"}),
        )
        .unwrap();
    let content: Value =
        serde_json::from_str(own["EffectivePolicy"]["PolicyContent"].as_str().unwrap()).unwrap();
    assert_eq!(
        content["tags"]["costcenter"]["tag_value"],
        json!(["100", "200"])
    );
    let e = describe(&ou).unwrap_err();
    assert_eq!(reason(&e), Some("TARGET_NOT_SUPPORTED"));
    let e = w
        .call(
            "DescribeEffectivePolicy",
            json!({"PolicyType": "SERVICE_CONTROL_POLICY"}),
        )
        .unwrap_err();
    assert_eq!(reason(&e), Some("INVALID_ENUM_POLICY_TYPE"));
}

#[test]
fn merged_effective_policies_report_no_validation_errors() {
    let w = org_world();
    let member = w.create_account("dev");
    let errors = json!({"AccountId": member, "PolicyType": "TAG_POLICY"});
    assert_eq!(
        code(w.call(
            "ListAccountsWithInvalidEffectivePolicy",
            json!({"PolicyType": "TAG_POLICY"})
        )),
        "EffectivePolicyNotFoundException"
    );
    w.enable("TAG_POLICY");
    assert_eq!(
        code(w.call("ListEffectivePolicyValidationErrors", errors.clone())),
        "EffectivePolicyNotFoundException"
    );
    let tags = w.create_policy(
        "t",
        "TAG_POLICY",
        r#"{"tags":{"team":{"tag_key":{"@@assign":"Team"}}}}"#,
    );
    w.attach(&tags, &member).unwrap();
    let out = w
        .call("ListEffectivePolicyValidationErrors", errors)
        .unwrap();
    assert_eq!(out["EffectivePolicyValidationErrors"], json!([]));
    assert_eq!(out["AccountId"], member.as_str());
    assert!(
        out["Path"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/{member}/"))
    );
    let invalid = w
        .call(
            "ListAccountsWithInvalidEffectivePolicy",
            json!({"PolicyType": "TAG_POLICY"}),
        )
        .unwrap();
    assert_eq!(invalid, json!({"Accounts": [], "PolicyType": "TAG_POLICY"}));
}
