use super::*;

fn in_region(w: &World, region: &str, op: &str, input: Value) -> Result<Value, AwsError> {
    w.call_in(&w.root(), region, "secretsmanager", op, input)
}

#[test]
fn replicas_follow_their_primary() {
    let (w, _) = world();
    let out = ok(
        &w,
        "CreateSecret",
        json!({"Name": "rep", "SecretString": "one", "ClientRequestToken": tok(1),
        "AddReplicaRegions": [{"Region": "us-west-2"}]}),
    );
    let arn = out["ARN"].as_str().unwrap();
    assert_eq!(out["ReplicationStatus"][0]["Region"], "us-west-2");
    assert_eq!(out["ReplicationStatus"][0]["Status"], "InSync");
    let replica_arn = arn.replace("us-east-1", "us-west-2");
    let got = in_region(
        &w,
        "us-west-2",
        "GetSecretValue",
        json!({"SecretId": "rep"}),
    )
    .unwrap();
    assert_eq!(got["SecretString"], "one");
    assert_eq!(got["ARN"], replica_arn);
    let d = in_region(
        &w,
        "us-west-2",
        "DescribeSecret",
        json!({"SecretId": "rep"}),
    )
    .unwrap();
    assert_eq!(d["PrimaryRegion"], "us-east-1");
    // Writes go to the primary and reach the replica.
    let e = in_region(
        &w,
        "us-west-2",
        "PutSecretValue",
        json!({"SecretId": "rep", "SecretString": "x"}),
    )
    .unwrap_err();
    assert_eq!(e.code, "InvalidRequestException");
    ok(
        &w,
        "PutSecretValue",
        json!({"SecretId": "rep", "SecretString": "two", "ClientRequestToken": tok(2)}),
    );
    ok(
        &w,
        "TagResource",
        json!({"SecretId": "rep", "Tags": [{"Key": "k", "Value": "v"}]}),
    );
    let got = in_region(
        &w,
        "us-west-2",
        "GetSecretValue",
        json!({"SecretId": "rep"}),
    )
    .unwrap();
    assert_eq!(got["SecretString"], "two");
    let d = in_region(
        &w,
        "us-west-2",
        "DescribeSecret",
        json!({"SecretId": replica_arn}),
    )
    .unwrap();
    assert_eq!(d["Tags"], json!([{"Key": "k", "Value": "v"}]));
    assert_eq!(
        d["VersionIdsToStages"],
        json!({tok(1): ["AWSPREVIOUS"], tok(2): ["AWSCURRENT"]})
    );
    let d = ok(&w, "DescribeSecret", json!({"SecretId": "rep"}));
    assert_eq!(d["ReplicationStatus"][0]["Status"], "InSync");
    // A primary with replicas cannot be deleted.
    assert_eq!(
        err(&w, "DeleteSecret", json!({"SecretId": "rep"})).code,
        "InvalidRequestException"
    );
    // Removing the region deletes the replica.
    let out = ok(
        &w,
        "RemoveRegionsFromReplication",
        json!({"SecretId": "rep", "RemoveReplicaRegions": ["us-west-2"]}),
    );
    assert_eq!(out["ReplicationStatus"], json!([]));
    let e = in_region(
        &w,
        "us-west-2",
        "DescribeSecret",
        json!({"SecretId": "rep"}),
    )
    .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    assert_eq!(
        err(
            &w,
            "RemoveRegionsFromReplication",
            json!({"SecretId": "rep", "RemoveReplicaRegions": ["us-west-2"]})
        )
        .code,
        "InvalidParameterException"
    );
}

#[test]
fn a_replica_can_be_promoted() {
    let (w, _) = world();
    create(&w, "promo", "one");
    let out = ok(
        &w,
        "ReplicateSecretToRegions",
        json!({"SecretId": "promo", "AddReplicaRegions": [{"Region": "eu-west-1"}]}),
    );
    assert_eq!(out["ReplicationStatus"][0]["Status"], "InSync");
    assert_eq!(
        err(
            &w,
            "ReplicateSecretToRegions",
            json!({"SecretId": "promo", "AddReplicaRegions": [{"Region": "eu-west-1"}]})
        )
        .code,
        "InvalidParameterException"
    );
    assert_eq!(
        err(
            &w,
            "ReplicateSecretToRegions",
            json!({"SecretId": "promo", "AddReplicaRegions": [{"Region": "us-east-1"}]})
        )
        .code,
        "InvalidParameterException"
    );
    assert_eq!(
        err(&w, "StopReplicationToReplica", json!({"SecretId": "promo"})).code,
        "InvalidRequestException"
    );
    in_region(
        &w,
        "eu-west-1",
        "StopReplicationToReplica",
        json!({"SecretId": "promo"}),
    )
    .unwrap();
    assert_eq!(
        ok(&w, "DescribeSecret", json!({"SecretId": "promo"})).get("ReplicationStatus"),
        None
    );
    in_region(
        &w,
        "eu-west-1",
        "PutSecretValue",
        json!({"SecretId": "promo", "SecretString": "standalone"}),
    )
    .unwrap();
    assert_eq!(current(&w, "promo"), "one");
    let got = in_region(
        &w,
        "eu-west-1",
        "GetSecretValue",
        json!({"SecretId": "promo"}),
    )
    .unwrap();
    assert_eq!(got["SecretString"], "standalone");
}

#[test]
fn an_existing_secret_in_the_region_blocks_replication_unless_forced() {
    let (w, _) = world();
    in_region(
        &w,
        "eu-central-1",
        "CreateSecret",
        json!({"Name": "clash", "SecretString": "theirs"}),
    )
    .unwrap();
    create(&w, "clash", "ours");
    let out = ok(
        &w,
        "ReplicateSecretToRegions",
        json!({"SecretId": "clash", "AddReplicaRegions": [{"Region": "eu-central-1"}]}),
    );
    assert_eq!(out["ReplicationStatus"][0]["Status"], "Failed");
    let got = in_region(
        &w,
        "eu-central-1",
        "GetSecretValue",
        json!({"SecretId": "clash"}),
    )
    .unwrap();
    assert_eq!(got["SecretString"], "theirs");
    ok(
        &w,
        "RemoveRegionsFromReplication",
        json!({"SecretId": "clash", "RemoveReplicaRegions": ["eu-central-1"]}),
    );
    let out = ok(
        &w,
        "ReplicateSecretToRegions",
        json!({"SecretId": "clash", "ForceOverwriteReplicaSecret": true, "AddReplicaRegions": [{"Region": "eu-central-1"}]}),
    );
    assert_eq!(out["ReplicationStatus"][0]["Status"], "InSync");
    let got = in_region(
        &w,
        "eu-central-1",
        "GetSecretValue",
        json!({"SecretId": "clash"}),
    )
    .unwrap();
    assert_eq!(got["SecretString"], "ours");
}
