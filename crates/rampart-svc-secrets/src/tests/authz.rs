use super::*;
use rampart_service::testkit::sar_violation;

/// Actions AWS documents that the embedded Service Authorization Reference does not list yet.
const NEWER_THAN_CATALOG: [&str; 3] = [
    "secretsmanager:ListResourcePolicies",
    "secretsmanager:AssociateCrossAccountReplica",
    "secretsmanager:DisassociateCrossAccountReplica",
];

#[test]
fn every_operation_has_a_rule_and_every_model_operation_is_registered() {
    let (w, _) = world();
    assert_eq!(w.operations_without_rules(), Vec::<String>::new());
    let model: Value = serde_json::from_str(include_str!(
        "../../../rampart-protocol/models/secretsmanager.json"
    ))
    .unwrap();
    for op in model["operations"].as_object().unwrap().keys() {
        assert!(
            w.registry.get("secretsmanager", op).is_some(),
            "{op} is not registered"
        );
    }
}

#[test]
fn accesses_agree_with_the_service_authorization_reference() {
    let (w, _) = world();
    let arn = create(&w, "sar", "v");
    ok(
        &w,
        "TagResource",
        json!({"SecretId": "sar", "Tags": [{"Key": "team", "Value": "red"}]}),
    );
    let inputs = [
        (
            "CreateSecret",
            json!({"Name": "n", "Tags": [{"Key": "k", "Value": "v"}], "AddReplicaRegions": [{"Region": "eu-west-1"}], "KmsKeyId": "alias/x", "Description": "d"}),
        ),
        ("DescribeSecret", json!({"SecretId": "sar"})),
        ("GetSecretValue", json!({"SecretId": arn})),
        ("PutSecretValue", json!({"SecretId": "sar"})),
        (
            "UpdateSecret",
            json!({"SecretId": "sar", "Description": "d"}),
        ),
        (
            "DeleteSecret",
            json!({"SecretId": "sar", "RecoveryWindowInDays": 7}),
        ),
        ("RestoreSecret", json!({"SecretId": "sar"})),
        ("ListSecrets", json!({})),
        ("ListSecretVersionIds", json!({"SecretId": "sar"})),
        (
            "UpdateSecretVersionStage",
            json!({"SecretId": "sar", "VersionStage": "AWSCURRENT"}),
        ),
        (
            "TagResource",
            json!({"SecretId": "sar", "Tags": [{"Key": "a", "Value": "b"}]}),
        ),
        (
            "UntagResource",
            json!({"SecretId": "sar", "TagKeys": ["a"]}),
        ),
        ("GetRandomPassword", json!({})),
        ("BatchGetSecretValue", json!({"SecretIdList": ["sar"]})),
        (
            "PutResourcePolicy",
            json!({"SecretId": "sar", "BlockPublicPolicy": true}),
        ),
        ("GetResourcePolicy", json!({"SecretId": "sar"})),
        ("DeleteResourcePolicy", json!({"SecretId": "sar"})),
        ("ValidateResourcePolicy", json!({"SecretId": "sar"})),
        ("ValidateResourcePolicy", json!({})),
        (
            "RotateSecret",
            json!({"SecretId": "sar", "RotationLambdaARN": "arn:aws:lambda:us-east-1:123456789012:function:f", "RotateImmediately": false, "RotationRules": {"AutomaticallyAfterDays": 3}}),
        ),
        ("CancelRotateSecret", json!({"SecretId": "sar"})),
        (
            "ReplicateSecretToRegions",
            json!({"SecretId": "sar", "AddReplicaRegions": [{"Region": "eu-west-1"}]}),
        ),
        (
            "RemoveRegionsFromReplication",
            json!({"SecretId": "sar", "RemoveReplicaRegions": ["eu-west-1"]}),
        ),
        ("StopReplicationToReplica", json!({"SecretId": "sar"})),
        ("GetSecretValue", json!({"SecretId": "missing"})),
    ];
    for (op, input) in inputs {
        let accesses = w.accesses(&w.root(), "secretsmanager", op, &input).unwrap();
        assert!(!accesses.is_empty(), "{op}");
        for a in &accesses {
            assert_eq!(sar_violation(a), None, "{op}");
        }
    }
    for op in [
        "ListResourcePolicies",
        "AssociateCrossAccountReplica",
        "DisassociateCrossAccountReplica",
    ] {
        let accesses = w
            .accesses(&w.root(), "secretsmanager", op, &json!({"SecretId": "sar"}))
            .unwrap();
        assert!(
            accesses
                .iter()
                .all(|a| NEWER_THAN_CATALOG.contains(&a.action.as_str())),
            "{op}"
        );
    }
}

#[test]
fn condition_keys_and_resource_policy() {
    let (w, _) = world();
    let arn = create(&w, "keys", "v");
    ok(
        &w,
        "TagResource",
        json!({"SecretId": "keys", "Tags": [{"Key": "team", "Value": "red"}]}),
    );
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]});
    ok(
        &w,
        "PutResourcePolicy",
        json!({"SecretId": "keys", "ResourcePolicy": policy.to_string()}),
    );
    let a = &w
        .accesses(
            &w.root(),
            "secretsmanager",
            "GetSecretValue",
            &json!({"SecretId": "keys"}),
        )
        .unwrap()[0];
    assert_eq!(a.action, "secretsmanager:GetSecretValue");
    assert_eq!(a.resource, arn);
    assert_eq!(
        a.context.single("secretsmanager:SecretId"),
        Some(arn.as_str())
    );
    assert_eq!(a.context.single("aws:ResourceTag/team"), Some("red"));
    assert_eq!(
        a.context.single("secretsmanager:ResourceTag/team"),
        Some("red")
    );
    assert_eq!(
        a.context.single("secretsmanager:VersionStage"),
        Some("AWSCURRENT")
    );
    assert_eq!(
        a.context.single("secretsmanager:SecretPrimaryRegion"),
        Some("us-east-1")
    );
    assert!(a.resource_policy.is_some());
    assert!(!a.resource_policy_required);
    let a = &w
        .accesses(
            &w.root(),
            "secretsmanager",
            "GetSecretValue",
            &json!({"SecretId": "keys", "VersionId": tok(1)}),
        )
        .unwrap()[0];
    assert_eq!(
        a.context.single("secretsmanager:VersionId"),
        Some(tok(1).as_str())
    );
    assert_eq!(a.context.single("secretsmanager:VersionStage"), None);
    let create = w
        .accesses(&w.root(), "secretsmanager", "CreateSecret", &json!({"Name": "new", "Description": "d", "KmsKeyId": "alias/k", "Tags": [{"Key": "env", "Value": "prod"}]}))
        .unwrap();
    assert_eq!(create.len(), 2);
    assert_eq!(
        create[0].resource,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:new"
    );
    assert_eq!(create[0].context.single("secretsmanager:Name"), Some("new"));
    assert_eq!(
        create[0].context.single("secretsmanager:Description"),
        Some("d")
    );
    assert_eq!(
        create[0].context.single("secretsmanager:KmsKeyId"),
        Some("alias/k")
    );
    assert_eq!(create[0].context.single("aws:RequestTag/env"), Some("prod"));
    assert_eq!(create[1].action, "secretsmanager:TagResource");
    let missing = &w
        .accesses(
            &w.root(),
            "secretsmanager",
            "DescribeSecret",
            &json!({"SecretId": "ghost"}),
        )
        .unwrap()[0];
    assert_eq!(
        missing.resource,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:ghost"
    );
    let del = &w
        .accesses(
            &w.root(),
            "secretsmanager",
            "DeleteSecret",
            &json!({"SecretId": "keys", "ForceDeleteWithoutRecovery": true}),
        )
        .unwrap()[0];
    assert_eq!(
        del.context
            .single("secretsmanager:ForceDeleteWithoutRecovery"),
        Some("true")
    );
    let untag = &w
        .accesses(
            &w.root(),
            "secretsmanager",
            "UntagResource",
            &json!({"SecretId": "keys", "TagKeys": ["team"]}),
        )
        .unwrap()[0];
    assert!(untag.context.contains("aws:TagKeys"));
    let rot = &w.accesses(&w.root(), "secretsmanager", "RotateSecret", &json!({"SecretId": "keys", "RotationLambdaARN": "arn:aws:lambda:us-east-1:123456789012:function:f"})).unwrap()[0];
    assert_eq!(
        rot.context.single("secretsmanager:RotationLambdaARN"),
        Some("arn:aws:lambda:us-east-1:123456789012:function:f")
    );
    assert_eq!(
        rot.context.single("secretsmanager:ModifyRotationRules"),
        Some("false")
    );
}
