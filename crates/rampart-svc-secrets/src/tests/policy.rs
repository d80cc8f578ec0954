use super::*;

fn doc(principal: Value, condition: Option<Value>) -> String {
    let mut statement = json!({"Effect": "Allow", "Principal": principal, "Action": "secretsmanager:GetSecretValue", "Resource": "*"});
    if let Some(c) = condition {
        statement["Condition"] = c;
    }
    json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
}

#[test]
fn put_get_delete_and_list() {
    let (w, _) = world();
    let arn = create(&w, "pol", "v");
    let got = ok(&w, "GetResourcePolicy", json!({"SecretId": "pol"}));
    assert!(got.get("ResourcePolicy").is_none());
    let policy = doc(json!({"AWS": "arn:aws:iam::210987654321:root"}), None);
    let out = ok(
        &w,
        "PutResourcePolicy",
        json!({"SecretId": "pol", "ResourcePolicy": policy, "BlockPublicPolicy": true}),
    );
    assert_eq!(
        out,
        json!({"ARN": arn, "Name": "pol", "PolicyName": "default"})
    );
    let got = ok(&w, "GetResourcePolicy", json!({"SecretId": "pol"}));
    assert_eq!(got["ResourcePolicy"], policy);
    let listed = ok(&w, "ListResourcePolicies", json!({"SecretId": "pol"}));
    assert_eq!(
        listed["ResourcePolicies"],
        json!([{"PolicyName": "default"}])
    );
    ok(&w, "DeleteResourcePolicy", json!({"SecretId": "pol"}));
    assert!(
        ok(&w, "GetResourcePolicy", json!({"SecretId": "pol"}))
            .get("ResourcePolicy")
            .is_none()
    );
    assert_eq!(
        ok(&w, "ListResourcePolicies", json!({"SecretId": "pol"}))["ResourcePolicies"],
        json!([])
    );
    assert_eq!(
        err(
            &w,
            "PutResourcePolicy",
            json!({"SecretId": "pol", "ResourcePolicy": policy, "PolicyName": "other"})
        )
        .code,
        "InvalidParameterException"
    );
}

#[test]
fn block_public_policy_and_malformed_documents() {
    let (w, _) = world();
    create(&w, "pub", "v");
    let before = snapshot(&w);
    for public in [
        doc(json!("*"), None),
        doc(json!({"AWS": "*"}), None),
        doc(
            json!({"AWS": ["arn:aws:iam::210987654321:root", "*"]}),
            None,
        ),
    ] {
        let e = err(
            &w,
            "PutResourcePolicy",
            json!({"SecretId": "pub", "ResourcePolicy": public, "BlockPublicPolicy": true}),
        );
        assert_eq!(e.code, "PublicPolicyException");
    }
    let e = err(
        &w,
        "PutResourcePolicy",
        json!({"SecretId": "pub", "ResourcePolicy": "{not json"}),
    );
    assert_eq!(e.code, "MalformedPolicyDocumentException");
    assert_eq!(snapshot(&w), before);
    // A wildcard confined to one organization is not public.
    let confined = doc(
        json!({"AWS": "*"}),
        Some(json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})),
    );
    ok(
        &w,
        "PutResourcePolicy",
        json!({"SecretId": "pub", "ResourcePolicy": confined, "BlockPublicPolicy": true}),
    );
    // Without BlockPublicPolicy a public policy is accepted.
    ok(
        &w,
        "PutResourcePolicy",
        json!({"SecretId": "pub", "ResourcePolicy": doc(json!("*"), None)}),
    );
}

#[test]
fn validate_resource_policy() {
    let (w, _) = world();
    let out = ok(
        &w,
        "ValidateResourcePolicy",
        json!({"ResourcePolicy": doc(json!({"AWS": "arn:aws:iam::210987654321:root"}), None)}),
    );
    assert_eq!(
        out,
        json!({"PolicyValidationPassed": true, "ValidationErrors": []})
    );
    let out = ok(
        &w,
        "ValidateResourcePolicy",
        json!({"ResourcePolicy": doc(json!("*"), None)}),
    );
    assert_eq!(out["PolicyValidationPassed"], false);
    let out = ok(
        &w,
        "ValidateResourcePolicy",
        json!({"ResourcePolicy": "[]"}),
    );
    assert_eq!(out["PolicyValidationPassed"], false);
    assert_eq!(out["ValidationErrors"][0]["CheckName"], "SYNTAX_CHECK");
    assert_eq!(
        err(
            &w,
            "ValidateResourcePolicy",
            json!({"SecretId": "none", "ResourcePolicy": "{}"})
        )
        .code,
        "ResourceNotFoundException"
    );
}
